// Differential test: the policy core against Cedar (liaison.cedar) on at least 100,000
// random release, forward and read queries (see harness.ts for what is compared, and
// cedar-exhaustive.test.ts for the run where Cedar sees every candidate). Every reason
// code must occur, and so must each of the new rules' outcomes (R6 / F5 already-held,
// P1 on a release or forward) a good number of times, so the run cannot pass vacuously.
import { describe, expect, it } from 'vitest';
import { CedarLiaison } from './cedar-encoding.js';
import {
  ALL_CODES,
  BASE_SEED,
  countOf,
  REQUIRED_OUTCOMES,
  report,
  runDifferential,
  show,
} from './harness.js';

const SCENARIOS = 200;
const QUERIES_PER_SCENARIO = 505;
const MIN_QUERIES = 100_000;
/** Queries each of REQUIRED_OUTCOMES must have at least. */
const MIN_PER_OUTCOME = 30;

describe('differential: policy core vs Cedar (liaison.cedar)', () => {
  it(`agrees on at least ${MIN_QUERIES} random release, forward and read queries`, {
    timeout: 180_000,
  }, () => {
    const r = runDifferential(new CedarLiaison(), BASE_SEED, SCENARIOS, QUERIES_PER_SCENARIO);
    report('differential', r);
    expect(r.mismatchCount, r.mismatches.map(show).join('\n\n')).toBe(0);
    expect(r.total).toBeGreaterThanOrEqual(MIN_QUERIES);
    const seen = new Set([...r.counts.keys()].map((k) => k.split(' ')[2]));
    for (const code of ALL_CODES) expect(seen.has(code), `no query produced ${code}`).toBe(true);
    for (const [kind, code] of REQUIRED_OUTCOMES) {
      expect(
        countOf(r, kind, code),
        `${kind} queries with first reason ${code}`,
      ).toBeGreaterThanOrEqual(MIN_PER_OUTCOME);
    }
  });
});
