// Escalation at the originator: the alerts some recipient has not acknowledged yet are
// kept in memory (reloaded at start), and a timer escalates those whose deadline
// passed: the escalation is logged, and each silent party whose node has the alert is
// told to push it to its officers again. With several instances of the node
// (PostgreSQL), the clock runs on the instance that holds the `leader` lease
// (src/node/leases.ts): it loads the open alerts when it takes the lease and again
// when another instance opens one (the `alerts` tag), and checks each due alert
// against the store, under the lease, before it escalates.
import { type EpochMs, formatInstant } from '../core/index.js';
import type { Federation } from '../federation/federation.js';
import { LEADER, Leases } from '../node/leases.js';
import type { Unit } from '../node/service.js';
import {
  ackingParties,
  alertById,
  alertsStillEscalating,
  deliveriesOf,
  setEscalations,
} from '../store/alerts.js';
import { recordEscalated } from './events.js';

/**
 * How long after its escalation window ended an alert found open (at start, when this
 * instance takes the `leader` lease, or when another instance opened it) still escalates.
 */
export const LATE_ESCALATION_MS = 60_000;

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
  /** Several instances: this instance's leases, and what to undo at stop. */
  private readonly leases: Leases | null;
  private readonly undo: (() => unknown)[] = [];
  /** A reload under way, and whether another was asked for meanwhile. */
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  /** Alerts watched while a reload runs (null: none runs). */
  private watchedMeanwhile: Map<string, OpenAlert> | null = null;

  constructor(
    private readonly fed: Federation,
    private readonly o: EscalationOptions,
  ) {
    this.leases = fed.node.shared ? Leases.of(fed.node) : null;
  }

  /**
   * Loads the alerts still waiting for acknowledgements and starts the clock. Several
   * instances: the alerts are loaded when this instance takes the `leader` lease.
   */
  async start(): Promise<void> {
    const leases = this.leases;
    if (leases === null) {
      for (const [item, o] of await this.load()) this.open.set(item, o);
    } else {
      this.undo.push(
        leases.want(LEADER, (held) => {
          if (held) this.reload();
        }),
        this.fed.node.onTouched((tags, foreign) => {
          if (
            foreign &&
            leases.held(LEADER) &&
            (tags.includes('alerts') || tags.includes('reloaded'))
          )
            this.reload();
        }),
      );
    }
    this.timer = setInterval(() => void this.escalateDue(), this.o.tickMs);
    this.timer.unref();
  }

  /** The alerts still waiting for acknowledgements, from the store. */
  private async load(): Promise<Map<string, OpenAlert>> {
    const node = this.fed.node;
    const db = node.store.db;
    const open = new Map<string, OpenAlert>();
    // An alert whose whole escalation window ended over a minute ago (the node was down,
    // or no instance held the lease) is not escalated after the fact: its partners'
    // officers have long moved on. One whose window ended just now still escalates,
    // late: an instance that takes the lease or hears of the alert a few seconds after
    // a short deadline must not drop it (docs/decisions.md #118).
    const windowEndsAfter = node.now() - LATE_ESCALATION_MS;
    const still = await alertsStillEscalating(
      db,
      this.fed.party,
      this.o.maxEscalations,
      windowEndsAfter,
    );
    for (const a of still) {
      const acked = await ackingParties(db, a.item);
      const parties = new Set(a.recipients.filter((p) => !acked.has(p)));
      if (parties.size === 0 || a.supersededBy !== null) continue;
      open.set(a.item, {
        due: a.sentAt + a.ackDeadlineMs * (a.escalations + 1),
        level: a.escalations,
        every: a.ackDeadlineMs,
        parties,
      });
    }
    return open;
  }

  /**
   * Several instances: loads the open alerts again (this instance took the lease, or
   * another opened an alert). One load at a time; an alert watched meanwhile is kept.
   */
  private reload(): void {
    if (this.reloading !== null) {
      this.reloadAgain = true;
      return;
    }
    const watched = new Map<string, OpenAlert>();
    const keep = this.watchedMeanwhile;
    this.watchedMeanwhile = watched;
    this.reloading = this.load()
      .then((open) => {
        // An alert known here keeps its clock unless the store has it further along; one
        // the load did not return stays until it is due, when it is checked against the
        // store (stillDue) and dropped if it is no longer open.
        for (const [item, o] of open) {
          const known = this.open.get(item);
          if (known === undefined || known.level < o.level) this.open.set(item, o);
        }
        for (const [item, o] of watched) this.open.set(item, o);
      })
      .catch((e: unknown) => {
        process.stderr.write(
          `liaison: loading the open alerts failed: ${e instanceof Error ? e.message : String(e)}\n`,
        );
      })
      .finally(() => {
        this.watchedMeanwhile = keep;
        this.reloading = null;
        if (this.reloadAgain) {
          this.reloadAgain = false;
          this.reload();
        }
      });
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const fn of this.undo.splice(0)) void fn();
  }

  /** Starts waiting for the acknowledgements of an alert just sent. */
  watch(item: string, o: OpenAlert): void {
    this.open.set(item, o);
    this.watchedMeanwhile?.set(item, o);
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
    const leases = this.leases;
    if (leases !== null && !leases.held(LEADER)) return;
    const node = this.fed.node;
    const now = node.now();
    const due = [...this.open.entries()].filter(([, o]) => o.due <= now);
    if (due.length === 0) return;
    this.escalating = true;
    try {
      await node.transact(async (u) => {
        // Several instances: only the leader escalates, and from what the store holds.
        if (leases !== null && !(await leases.fence(u, LEADER))) return;
        for (const [id, o] of due) {
          if (leases !== null && !(await this.stillDue(u, id, o))) continue;
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

  /**
   * Several instances: brings a due alert up to what the store holds (another instance
   * may have recorded its acknowledgements, its successor, or escalations before this
   * one took the lease); whether it is still due now. One no longer open is dropped.
   */
  private async stillDue(u: Unit, id: string, o: OpenAlert): Promise<boolean> {
    const a = await alertById(u.tx, id);
    if (a !== undefined) for (const p of await ackingParties(u.tx, id)) o.parties.delete(p);
    if (
      a === undefined ||
      a.supersededBy !== null ||
      a.escalations >= this.o.maxEscalations ||
      o.parties.size === 0
    ) {
      this.open.delete(id);
      return false;
    }
    if (a.escalations > o.level) {
      o.level = a.escalations;
      o.due = a.sentAt + a.ackDeadlineMs * (a.escalations + 1);
    }
    return o.due <= u.now;
  }
}
