// Leases between the instances of one node on PostgreSQL (docs/decisions.md #113): a
// job that one instance at a time must do (a peer's delivery lane, the alerts'
// escalation clock, the status reports, the witnessing rounds) is done by the instance
// that holds its lease, a row of `leases` naming the holder and an expiry. The holder
// renews its leases every second for five; the others try every second to take them.
// One that stops cleanly releases its leases (another takes over within a second);
// one that dies loses them when they expire (within six). Writes that must come from
// the holder alone also `fence` in their transaction, under the node's write lock, so
// that a holder that stalled past its expiry cannot write after its successor.
// On SQLite the node is one process and nothing here is used (`node.shared` is false).
import { acquireLease, releaseLease } from '../store/cluster.js';
import type { LiaisonNode, Unit } from './service.js';

/** How long a lease lasts unless renewed (ms). */
export const LEASE_TTL_MS = 5_000;
/** How often the holder renews its leases, and the others try to take expired ones (ms). */
export const LEASE_RENEW_MS = 1_000;
/**
 * The holder starts no more work under a lease this long before it would expire, for
 * the clocks of two hosts that differ a little and for a commit that is slow.
 */
const MARGIN_MS = 1_000;

/** The lease of the node's singleton timers: escalation, status reports, witnessing. */
export const LEADER = 'leader';

/** The lease of a peer's delivery lane. */
export function deliveryLease(peer: string, lane: string): string {
  return `deliver:${peer}:${lane}`;
}

interface Lease {
  /** Until when (this instance's clock) it may start work under the lease; 0: not held. */
  until: number;
  /** When this instance last took or renewed it. */
  confirmedAt: number;
  /** How many jobs of this instance want it. */
  wanted: number;
  readonly listeners: Set<(held: boolean) => void>;
}

const byNode = new WeakMap<LiaisonNode, Leases>();

export class Leases {
  private readonly leases = new Map<string, Lease>();
  private timer: NodeJS.Timeout | null = null;
  /** The store's lease rows are written one statement at a time, in order. */
  private serial: Promise<unknown> = Promise.resolve();
  private renewing = false;

  private constructor(private readonly node: LiaisonNode) {}

  /** The leases of this instance of `node` (one object per node). */
  static of(node: LiaisonNode): Leases {
    let l = byNode.get(node);
    if (l === undefined) {
      l = new Leases(node);
      byNode.set(node, l);
    }
    return l;
  }

  /**
   * A job here wants lease `name`: this instance takes it when it is free or expired,
   * now and at each renewal, and `onChange` hears when it is gained or lost. Returns
   * the function that gives the want up: once no job here wants the lease, it is
   * released, so that another instance takes it over at its next try.
   */
  want(name: string, onChange?: (held: boolean) => void): () => Promise<void> {
    let l = this.leases.get(name);
    if (l === undefined) {
      l = { until: 0, confirmedAt: 0, wanted: 0, listeners: new Set() };
      this.leases.set(name, l);
    }
    const lease = l;
    lease.wanted++;
    if (onChange !== undefined) lease.listeners.add(onChange);
    if (this.timer === null) {
      this.timer = setInterval(() => this.renewAll(), LEASE_RENEW_MS);
      this.timer.unref();
    }
    if (lease.wanted === 1) void this.inOrder(() => this.take(name, lease)).catch(() => {});
    else if (onChange !== undefined && this.held(name)) onChange(true);
    let given = false;
    return async () => {
      if (given) return;
      given = true;
      if (onChange !== undefined) lease.listeners.delete(onChange);
      if (--lease.wanted > 0) return;
      if (this.leases.get(name) === lease) this.leases.delete(name);
      if (this.leases.size === 0 && this.timer !== null) {
        clearInterval(this.timer);
        this.timer = null;
      }
      lease.until = 0;
      await this.inOrder(() => releaseLease(this.node.store.db, name, this.node.instance)).catch(
        () => {
          // The store is going away: the lease expires on its own.
        },
      );
    };
  }

  /** Whether this instance holds `name` now, as it last knew (no query). */
  held(name: string): boolean {
    const l = this.leases.get(name);
    return l !== undefined && l.until > this.node.now();
  }

  /**
   * Before work under `name` leaves: renews the lease if this instance has not done so
   * within the last second; whether it holds it.
   */
  async confirm(name: string): Promise<boolean> {
    const l = this.leases.get(name);
    if (l === undefined) return false;
    const now = this.node.now();
    if (l.until > now && now - l.confirmedAt < LEASE_RENEW_MS) return true;
    await this.inOrder(() => this.take(name, l));
    return this.held(name);
  }

  /**
   * In a unit of work: whether this instance holds `name`, renewing it in the unit's
   * transaction. Under the node's write lock, so of two instances that both believe
   * they hold a lease (one stalled past its expiry), only the true holder writes.
   * A unit that fences does so before it writes anything else.
   */
  async fence(u: Unit, name: string): Promise<boolean> {
    const ok = await acquireLease(u.tx, name, this.node.instance, u.now, LEASE_TTL_MS);
    const l = this.leases.get(name);
    if (l !== undefined) {
      if (ok) u.afterCommit(() => this.set(l, true, u.now));
      else this.set(l, false, u.now);
    }
    return ok;
  }

  private renewAll(): void {
    if (this.renewing) return;
    this.renewing = true;
    void this.inOrder(async () => {
      for (const [name, l] of [...this.leases]) await this.take(name, l);
    })
      .catch(() => {})
      .finally(() => {
        this.renewing = false;
      });
  }

  /** Takes or renews one lease; a lease given up meanwhile is let go again. */
  private async take(name: string, l: Lease): Promise<void> {
    const now = this.node.now();
    let ok: boolean;
    try {
      ok = await acquireLease(this.node.store.db, name, this.node.instance, now, LEASE_TTL_MS);
    } catch {
      // Not known: held until it would expire, unless renewed meanwhile.
      if (l.until <= this.node.now()) this.set(l, false, now);
      return;
    }
    if (this.leases.get(name) !== l) {
      if (ok) await releaseLease(this.node.store.db, name, this.node.instance);
      return;
    }
    this.set(l, ok, now);
  }

  private set(l: Lease, ok: boolean, at: number): void {
    const was = l.until > this.node.now();
    if (ok) {
      l.until = Math.max(l.until, at + LEASE_TTL_MS - MARGIN_MS);
      l.confirmedAt = Math.max(l.confirmedAt, at);
    } else l.until = 0;
    if (ok === was) return;
    for (const fn of [...l.listeners]) {
      try {
        fn(ok);
      } catch {
        // A listener starts or stops a job; one that fails must not stop the others.
      }
    }
  }

  private inOrder<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.serial.then(fn, fn);
    this.serial = p.catch(() => {});
    return p;
  }
}
