// Each node tells each peer, regularly and whenever it changes, its status of every
// agreement they share (`agreement.status`, docs/wire.md §5.14): the peer computes its
// own at the same instant and compares. A report goes out when what it says differs
// from the last one sent to that peer (a lifecycle event, a binding, a term ending),
// and otherwise every interval. With several instances of the node (PostgreSQL), the
// instance that holds the `leader` lease reports (src/node/leases.ts); one that takes
// the lease over knows no report sent, so it reports to each peer at once.
import { type EpochMs, formatInstant, type World } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { LEADER, Leases } from '../node/leases.js';
import { envelopeState } from '../store/lifecycle-sync.js';
import { sharedAgreements, statusOnWire } from './agreement-status.js';
import type { Federation } from './federation.js';
import type { MessageBody } from './messages.js';

/** How often a peer hears our status of an unchanged agreement (docs/decisions.md). */
export const STATUS_INTERVAL_MS = 5 * 60_000;
/** How often the reporter looks for a change to report. */
const TICK_MS = 1_000;
/** A peer whose report diverges hears ours at once, at most this often. */
const ANSWER_EVERY_MS = 60_000;

type Reported = MessageBody<'agreement.status'>['agreements'];

/** The status of each agreement this party shares with `peer`, at `t`. */
function statusesFor(world: World, self: string, peer: string, t: EpochMs): Reported {
  return sharedAgreements(world, self, peer).flatMap((id) => {
    const a = world.agreements.get(id);
    return a === undefined ? [] : [{ agreement: id, ...statusOnWire(a.statusAt(t)) }];
  });
}

export class StatusReporter {
  /** The last report sent to each peer: what it said, when, and its envelope. */
  private readonly last = new Map<
    string,
    { readonly said: string; readonly at: EpochMs; readonly envelope: string }
  >();
  /** When each peer was last answered a diverging report (ANSWER_EVERY_MS). */
  private readonly answered = new Map<string, EpochMs>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastError: string | null = null;
  /** Since when reports are sent (a peer that has never reported is silent after a period). */
  private startedAtValue: EpochMs;
  /** Several instances: this instance's leases, and what gives the `leader` lease up. */
  private readonly leases: Leases | null;
  private giveUp: (() => Promise<void>) | null = null;

  constructor(
    private readonly fed: Federation,
    /** How often an unchanged status is reported again. */
    readonly intervalMs: number = STATUS_INTERVAL_MS,
  ) {
    this.startedAtValue = fed.node.now();
    this.leases = fed.node.shared ? Leases.of(fed.node) : null;
  }

  get startedAt(): EpochMs {
    return this.startedAtValue;
  }

  start(tickMs = TICK_MS): void {
    this.startedAtValue = this.fed.node.now();
    this.timer = setInterval(() => this.kick(), tickMs);
    this.timer.unref();
    if (this.leases !== null && this.giveUp === null)
      this.giveUp = this.leases.want(LEADER, (held) => {
        if (held) this.kick();
      });
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    const giveUp = this.giveUp;
    this.giveUp = null;
    await giveUp?.();
  }

  /**
   * A report from `peer` diverges from ours: tell it ours now (it may not have heard it
   * since it changed, e.g. after a restart), so that both sides see the divergence. At
   * most once a minute per peer, so that two diverging nodes do not echo each other.
   */
  answer(peer: string): void {
    const now = this.fed.node.now();
    if (now - (this.answered.get(peer) ?? Number.NEGATIVE_INFINITY) < ANSWER_EVERY_MS) return;
    this.answered.set(peer, now);
    this.last.delete(peer);
    this.kick();
  }

  /** Looks for reports due now (one pass at a time). */
  kick(): void {
    if (this.running !== null || this.timer === null) return;
    if (this.leases !== null && !this.leases.held(LEADER)) return;
    this.running = this.tick()
      .catch((e: unknown) => {
        // Told once per distinct error; the next tick tries again.
        const message = e instanceof Error ? e.message : String(e);
        if (message !== this.lastError)
          process.stderr.write(`liaison: the status reporter failed: ${message}\n`);
        this.lastError = message;
      })
      .finally(() => {
        this.running = null;
      });
  }

  private async tick(): Promise<void> {
    const fed = this.fed;
    const node = fed.node;
    for (const peer of [...fed.peers.keys()]) {
      if (this.timer === null) return;
      // A cheap look first: most ticks find nothing to say.
      const now = node.now();
      const agreements = statusesFor(node.world, fed.party, peer, now);
      if (!this.due(peer, agreements, now)) continue;
      // Due by the interval alone while the last report still waits for a peer that is
      // down: one report queued is enough.
      const last = this.last.get(peer);
      if (
        last?.said === canonicalJson(agreements) &&
        (await envelopeState(node.store.db, last.envelope)) === 'pending'
      )
        continue;
      await node.transact(async (u) => {
        const now = u.now;
        const agreements = statusesFor(u.world, fed.party, peer, now);
        if (!this.due(peer, agreements, now)) return;
        const envelope = await fed.enqueue(u, peer, 'agreement.status', {
          at: formatInstant(now),
          agreements,
        });
        const said = canonicalJson(agreements);
        u.afterCommit(() => this.last.set(peer, { said, at: now, envelope }));
      });
    }
  }

  /** Whether `peer` should hear `agreements` now: something changed, or the interval passed. */
  private due(peer: string, agreements: Reported, now: EpochMs): boolean {
    if (agreements.length === 0) return false;
    const last = this.last.get(peer);
    return (
      last === undefined ||
      last.said !== canonicalJson(agreements) ||
      now - last.at >= this.intervalMs
    );
  }
}
