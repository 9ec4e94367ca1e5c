// Throttles for sign-in: exponential back-off per key, and a bounded queue for the
// password-hash work (README "Security model").
import { LimitReached } from './errors.js';

// ---------------------------------------------------------------- back-off

interface BackoffEntry {
  failures: number;
  until: number;
  last: number;
}

/**
 * Exponential back-off per key: after `free` failures, each further attempt waits
 * base·2^k (capped); entries are forgotten after a quiet period, and the table is bounded.
 */
export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();
  constructor(
    private readonly free: number,
    private readonly baseMs = 1_000,
    private readonly maxMs = 15 * 60_000,
    private readonly forgetMs = 30 * 60_000,
    private readonly maxKeys = 20_000,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  wait(key: string, now: number): number {
    const e = this.entries.get(key);
    if (e === undefined) return 0;
    if (now - e.last > this.forgetMs) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, e.until - now);
  }

  fail(key: string, now: number): void {
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.maxKeys) this.evict(now);
      e = { failures: 0, until: 0, last: now };
      this.entries.set(key, e);
    }
    e.failures++;
    e.last = now;
    if (e.failures >= this.free) {
      e.until = now + Math.min(this.baseMs * 2 ** (e.failures - this.free), this.maxMs);
    }
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private evict(now: number): void {
    for (const [k, e] of this.entries) if (now - e.last > this.forgetMs) this.entries.delete(k);
    // Still full: drop the oldest half (Map keeps insertion order).
    if (this.entries.size >= this.maxKeys) {
      let n = this.entries.size / 2;
      for (const k of this.entries.keys()) {
        if (n-- <= 0) break;
        this.entries.delete(k);
      }
    }
  }
}

// ---------------------------------------------------------------- the hash queue

/**
 * scrypt runs on libuv's thread pool; a flood of sign-ins would queue there without
 * bound and delay everyone. This runs at most `concurrency` at once, lets at most
 * `waiting` wait, at most one per account and `perSource` per source, and refuses the
 * rest at once.
 */
export class HashQueue {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly byAccount = new Map<string, number>();
  private readonly bySource = new Map<string, number>();

  constructor(
    private readonly concurrency = 2,
    private readonly waiting = 6,
    private readonly perSource = 3,
  ) {}

  async run<T>(account: string, source: string, fn: () => Promise<T>): Promise<T> {
    if (
      (this.byAccount.get(account) ?? 0) >= 1 ||
      (this.bySource.get(source) ?? 0) >= this.perSource ||
      (this.running >= this.concurrency && this.queue.length >= this.waiting)
    ) {
      throw new LimitReached('busy', 'sign-in is busy: try again in a second', 1);
    }
    const inc = (m: Map<string, number>, k: string, d: number) => {
      const v = (m.get(k) ?? 0) + d;
      if (v <= 0) m.delete(k);
      else m.set(k, v);
    };
    inc(this.byAccount, account, 1);
    inc(this.bySource, source, 1);
    try {
      if (this.running >= this.concurrency) {
        await new Promise<void>((resolve) => this.queue.push(resolve));
      }
      this.running++;
      try {
        return await fn();
      } finally {
        this.running--;
        this.queue.shift()?.();
      }
    } finally {
      inc(this.byAccount, account, -1);
      inc(this.bySource, source, -1);
    }
  }
}
