// Escalation at the originator: the alerts some recipient has not acknowledged yet are
// kept in memory (reloaded at start), and a timer escalates those whose deadline
// passed: the escalation is logged, and each silent party whose node has the alert is
// told to push it to its officers again.
import { type EpochMs, formatInstant } from '../core/index.js';
import type { Federation } from '../federation/federation.js';
import {
  ackingParties,
  alertsStillEscalating,
  deliveriesOf,
  setEscalations,
} from '../store/alerts.js';
import { recordEscalated } from './events.js';

export interface EscalationOptions {
  /** Escalations before the originator stops pushing again. */
  readonly maxEscalations: number;
  /** How often due escalations are looked for (ms). */
  readonly tickMs: number;
}

/** An alert awaiting acknowledgements, due to escalate at `due`. */
export interface OpenAlert {
  due: EpochMs;
  level: number;
  /** The acknowledgement deadline: the time between escalations (ms). */
  readonly every: number;
  /** The parties that have not acknowledged yet. */
  readonly parties: Set<string>;
}

export class Escalations {
  /** At the originator: alerts some recipient has not acknowledged yet. */
  private readonly open = new Map<string, OpenAlert>();
  private timer: NodeJS.Timeout | null = null;
  private escalating = false;

  constructor(
    private readonly fed: Federation,
    private readonly o: EscalationOptions,
  ) {}

  /** Loads the alerts still waiting for acknowledgements and starts the clock. */
  async start(): Promise<void> {
    const node = this.fed.node;
    const db = node.store.db;
    for (const a of await alertsStillEscalating(db, this.fed.party, this.o.maxEscalations)) {
      const acked = await ackingParties(db, a.item);
      const parties = new Set(a.recipients.filter((p) => !acked.has(p)));
      // An alert whose whole escalation window passed while the node was down is not
      // escalated after the fact (its partners' officers have long moved on).
      const windowEnd = a.sentAt + a.ackDeadlineMs * (this.o.maxEscalations + 1);
      if (parties.size === 0 || a.supersededBy !== null || windowEnd < node.now()) continue;
      this.open.set(a.item, {
        due: a.sentAt + a.ackDeadlineMs * (a.escalations + 1),
        level: a.escalations,
        every: a.ackDeadlineMs,
        parties,
      });
    }
    this.timer = setInterval(() => void this.escalateDue(), this.o.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Starts waiting for the acknowledgements of an alert just sent. */
  watch(item: string, o: OpenAlert): void {
    this.open.set(item, o);
  }

  /** A party acknowledged: it is not waited for any more. */
  acknowledged(item: string, party: string): void {
    const o = this.open.get(item);
    if (o === undefined) return;
    o.parties.delete(party);
    if (o.parties.size === 0) this.open.delete(item);
  }

  /** A superseded alert escalates no more (its successor does). */
  superseded(item: string): void {
    this.open.delete(item);
  }

  /**
   * Every alert whose deadline passed with a recipient still silent escalates: an
   * escalation event goes into the log, and each silent party whose node has the
   * alert is told to push it to its officers again.
   */
  private async escalateDue(): Promise<void> {
    if (this.escalating) return;
    const node = this.fed.node;
    const now = node.now();
    const due = [...this.open.entries()].filter(([, o]) => o.due <= now);
    if (due.length === 0) return;
    this.escalating = true;
    try {
      await node.transact(async (u) => {
        for (const [id, o] of due) {
          const level = o.level + 1;
          const stateOf = new Map((await deliveriesOf(u.tx, id)).map((d) => [d.peer, d.state]));
          const parties = [...o.parties]
            .sort()
            .map((p) => ({ party: p, delivery: stateOf.get(p) ?? null }));
          for (const p of parties) {
            if (p.delivery === 'delivered') {
              await this.fed.enqueue(
                u,
                p.party,
                'alert.escalation',
                { alert: id, level, at: formatInstant(u.now) },
                id,
              );
            } else if (p.delivery !== 'pending') {
              // Refused or withheld: that party will never have it to acknowledge.
              o.parties.delete(p.party);
            }
          }
          recordEscalated(u, this.fed.party, id, level, { parties });
          await setEscalations(u.tx, id, level);
          o.level = level;
          o.due = u.now + o.every;
          if (level >= this.o.maxEscalations || o.parties.size === 0) this.open.delete(id);
        }
      });
    } catch (e) {
      process.stderr.write(
        `liaison: alert escalation failed: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    } finally {
      this.escalating = false;
    }
  }
}
