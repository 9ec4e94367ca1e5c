// The term clock of one agreement (RULES L2, L3). Boundaries are computed once each,
// as ONE calendar addition from E in the agreement's time zone, and memoised, so a
// decision never redoes calendar arithmetic: it compares epoch milliseconds.
import type { Temporal } from 'temporal-polyfill';
import {
  addInZone,
  type EpochMs,
  type IsoDuration,
  scaleDuration,
  subtractInZone,
  sumDurations,
} from './time.js';

export interface Term {
  /** 1 for [E, b1), k + 1 for [b(k), b(k+1)). */
  readonly index: number;
  readonly start: EpochMs;
  /** null when the term never ends by the calendar (indefinite agreement). */
  readonly end: EpochMs | null;
}

/**
 * Smallest k ≥ lo with pred(k), for a monotone pred (false…false true…true), or
 * `null` if none up to `max`. Exponential then binary search: O(log k) calls.
 */
function firstTrue(lo: number, max: number, pred: (k: number) => boolean): number | null {
  if (lo > max) return null;
  if (pred(lo)) return lo;
  let bad = lo;
  let step = 1;
  let good = -1;
  while (good < 0) {
    const probe = Math.min(bad + step, max);
    if (pred(probe)) good = probe;
    else if (probe === max) return null;
    else bad = probe;
    step *= 2;
  }
  while (good - bad > 1) {
    const mid: number = bad + Math.floor((good - bad) / 2);
    if (pred(mid)) good = mid;
    else bad = mid;
  }
  return good;
}

export class TermClock {
  /** How many boundaries exist: 0 (indefinite), 1 (no renewal) or Infinity. */
  readonly boundaryCount: number;
  private readonly memo: EpochMs[] = [];
  private readonly deadlineMemo = new Map<string, EpochMs[]>();
  private lastQuery = Number.NaN;
  private lastCount = 0;

  constructor(
    readonly entryIntoForce: EpochMs,
    readonly timezone: string,
    readonly initialTerm: IsoDuration | null,
    readonly renewalTerm: IsoDuration | null,
  ) {
    this.boundaryCount =
      initialTerm === null ? 0 : renewalTerm === null ? 1 : Number.POSITIVE_INFINITY;
  }

  /** b(k) for k ≥ 1: E + (initialTerm + (k − 1) × renewalTerm), one calendar addition. */
  boundary(k: number): EpochMs {
    if (k < 1 || k > this.boundaryCount || this.initialTerm === null) {
      throw new RangeError(`boundary ${k} does not exist`);
    }
    const cached = this.memo[k];
    if (cached !== undefined) return cached;
    let total: Temporal.Duration = this.initialTerm.duration;
    if (k > 1 && this.renewalTerm !== null) {
      total = sumDurations(total, scaleDuration(this.renewalTerm.duration, k - 1));
    }
    let value: EpochMs;
    try {
      value = addInZone(this.entryIntoForce, total, this.timezone);
    } catch {
      // Past Temporal's range (about 275,000 years): the boundary never comes.
      value = Number.POSITIVE_INFINITY;
    }
    this.memo[k] = value;
    return value;
  }

  /** How many boundaries lie at or before t. */
  boundariesAtOrBefore(t: EpochMs): number {
    if (t === this.lastQuery) return this.lastCount;
    let count: number;
    if (this.boundaryCount === 0 || t < this.boundary(1)) count = 0;
    else if (this.boundaryCount === 1) count = 1;
    else {
      const firstAfter = firstTrue(1, Number.MAX_SAFE_INTEGER, (k) => this.boundary(k) > t);
      count = (firstAfter ?? Number.MAX_SAFE_INTEGER) - 1;
    }
    this.lastQuery = t;
    this.lastCount = count;
    return count;
  }

  /** The term containing t (t ≥ E). */
  termAt(t: EpochMs): Term {
    const k = this.boundariesAtOrBefore(t);
    const start = k === 0 ? this.entryIntoForce : this.boundary(k);
    const end = k + 1 <= this.boundaryCount ? this.boundary(k + 1) : null;
    return { index: k + 1, start, end };
  }

  /** The notice deadline for boundary k: b(k) − noticePeriod, in the agreement's zone. */
  deadline(k: number, noticePeriod: IsoDuration): EpochMs {
    let memo = this.deadlineMemo.get(noticePeriod.text);
    if (memo === undefined) {
      memo = [];
      this.deadlineMemo.set(noticePeriod.text, memo);
    }
    const cached = memo[k];
    if (cached !== undefined) return cached;
    const b = this.boundary(k);
    const value = Number.isFinite(b) ? subtractInZone(b, noticePeriod.duration, this.timezone) : b;
    memo[k] = value;
    return value;
  }

  /**
   * RULES L3: a notice received at n targets the first boundary b with
   * n ≤ b − noticePeriod; for an indefinite agreement, n + noticePeriod.
   * An agreement that does not renew ends at b1 whatever happens, so a notice
   * given after b1's deadline still targets b1 (it cannot end it earlier).
   */
  noticeTarget(
    n: EpochMs,
    noticePeriod: IsoDuration,
  ): { target: EpochMs; boundary: number | null } {
    if (this.boundaryCount === 0) {
      return { target: addInZone(n, noticePeriod.duration, this.timezone), boundary: null };
    }
    if (this.boundaryCount === 1) return { target: this.boundary(1), boundary: 1 };
    const from = Math.max(1, this.boundariesAtOrBefore(n));
    const k = firstTrue(from, Number.MAX_SAFE_INTEGER, (i) => this.deadline(i, noticePeriod) >= n);
    if (k === null) return { target: Number.POSITIVE_INFINITY, boundary: null };
    return { target: this.boundary(k), boundary: k };
  }
}
