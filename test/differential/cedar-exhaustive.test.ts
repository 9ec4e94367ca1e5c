// Differential test, exhaustive candidates: as cedar.test.ts, but Cedar is given every
// agreement of the world and every consent on the item, and alone decides which link
// the two parties and which name the forward's holder and recipient. A separate file so
// that vitest runs it beside the main run.
import { describe, expect, it } from 'vitest';
import { CedarLiaison } from './cedar-encoding.js';
import { BASE_SEED, countOf, REQUIRED_OUTCOMES, report, runDifferential, show } from './harness.js';

const EXHAUSTIVE_SCENARIOS = 24;
const QUERIES_PER_SCENARIO = 520;

describe('differential: policy core vs Cedar (liaison.cedar)', () => {
  // The main run (cedar.test.ts) sends Cedar only the agreements that list both parties and the
  // consents naming holder and recipient (Cedar checks both again). Here every agreement
  // of the world and every consent on the item is a candidate, so Cedar alone decides
  // which link the parties and which name the forward.
  it('agrees when every agreement and consent is a candidate', { timeout: 120_000 }, () => {
    const r = runDifferential(
      new CedarLiaison({ exhaustive: true }),
      BASE_SEED + 1_000_000,
      EXHAUSTIVE_SCENARIOS,
      QUERIES_PER_SCENARIO,
    );
    report('differential (exhaustive candidates)', r);
    expect(r.mismatchCount, r.mismatches.map(show).join('\n\n')).toBe(0);
    expect(r.total).toBeGreaterThanOrEqual(EXHAUSTIVE_SCENARIOS * QUERIES_PER_SCENARIO);
    // The new rules (R6 / F5, P1) are reached here too, if less often than in the main run.
    for (const [kind, code] of REQUIRED_OUTCOMES) {
      expect(countOf(r, kind, code), `${kind} queries with first reason ${code}`).toBeGreaterThan(
        0,
      );
    }
  });
});
