// Core decisions per second on one core: release and read, mixed instants and
// one instant, counted over a fixed wall-clock budget.
import { decideRead, decideRelease } from '../src/core/index.js';
import type { Workload } from './workload.js';

export interface Rate {
  readonly perSecond: number;
  readonly allowShare: number;
  readonly count: number;
}

/** Runs `step(i)` repeatedly for about `budgetMs` and reports the rate. */
export function measure(budgetMs: number, step: (i: number) => boolean, warmup = 20_000): Rate {
  // Warm up so the JIT has compiled the hot path.
  for (let i = 0; i < warmup; i++) step(i);
  let count = 0;
  let allowed = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(budgetMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let j = 0; j < 100; j++) {
      if (step(count)) allowed++;
      count++;
    }
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  return { perSecond: count / seconds, allowShare: allowed / count, count };
}

export function coreRates(w: Workload, budgetMs: number) {
  const { world, releases, reads } = w;
  const sameInstant = releases[0]?.t ?? 0;
  return {
    release: measure(budgetMs, (i) => {
      const q = releases[i % releases.length];
      return q !== undefined && decideRelease(world, q, q.t).decision === 'allow';
    }),
    releaseSameInstant: measure(budgetMs, (i) => {
      const q = releases[i % releases.length];
      return q !== undefined && decideRelease(world, q, sameInstant).decision === 'allow';
    }),
    read: measure(budgetMs, (i) => {
      const q = reads[i % reads.length];
      return q !== undefined && decideRead(world, q, q.t).decision === 'allow';
    }),
  };
}
