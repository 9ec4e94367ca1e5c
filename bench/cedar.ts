// The same release and read queries through Cedar (test/differential/liaison.cedar,
// via the differential test's encoding), measured in the same run as the core; the
// decisions of the two are compared on every query Cedar answered.
import { decideRead, decideRelease } from '../src/core/index.js';
import { CedarLiaison } from '../test/differential/cedar-encoding.js';
import { measure, type Rate } from './core.js';
import type { Workload } from './workload.js';

export interface CedarFigures {
  readonly release: Rate;
  readonly read: Rate;
  readonly requestsPerDecision: number;
  /** Queries on which Cedar and the core gave the same decision and first code, of those compared. */
  readonly agreed: number;
  readonly compared: number;
}

export function cedarRates(w: Workload, budgetMs: number): CedarFigures {
  const engine = new CedarLiaison();
  const { world, releases, reads } = w;
  const warmup = 200;
  const release = measure(
    budgetMs,
    (i) => {
      const q = releases[i % releases.length];
      return q !== undefined && engine.release(world, q, q.t).decision === 'allow';
    },
    warmup,
  );
  const read = measure(
    budgetMs,
    (i) => {
      const q = reads[i % reads.length];
      return q !== undefined && engine.read(world, q, q.t).decision === 'allow';
    },
    warmup,
  );
  const requestsPerDecision = engine.requests / (release.count + read.count + 2 * warmup);
  // Same answers? (Untimed.)
  let agreed = 0;
  let compared = 0;
  const n = Math.min(releases.length, release.count + warmup);
  for (let i = 0; i < n; i++) {
    const q = releases[i];
    if (q === undefined) continue;
    const core = decideRelease(world, q, q.t);
    const other = engine.release(world, q, q.t);
    compared++;
    if (core.decision === other.decision && core.reasons[0]?.code === other.code) agreed++;
  }
  const m = Math.min(reads.length, read.count + warmup);
  for (let i = 0; i < m; i++) {
    const q = reads[i];
    if (q === undefined) continue;
    const core = decideRead(world, q, q.t);
    const other = engine.read(world, q, q.t);
    compared++;
    if (core.decision === other.decision && core.reasons[0]?.code === other.code) agreed++;
  }
  return { release, read, requestsPerDecision, agreed, compared };
}
