// Property tests (fast-check) for the lifecycle clock's invariants (RULES L1–L7).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Action,
  type AgreementDefinition,
  BUILT_IN_PARTIES,
  formatInstant,
  perform,
  World,
} from '../../src/core/index.js';

const ZONES = [
  'Asia/Seoul',
  'Asia/Tokyo',
  'America/New_York',
  'Europe/London',
  'Australia/Sydney',
  'UTC',
];
const DAY = 86_400_000;

/** Renewal terms with their shortest possible length in days (for notice < term). */
const TERMS: readonly [string, number][] = [
  ['P1Y', 365],
  ['P2Y', 730],
  ['P6M', 181],
  ['P3M', 89],
  ['P1M', 28],
  ['P1Y6M', 546],
  ['P45D', 45],
];

const termArb = fc.constantFrom(...TERMS);
const zoneArb = fc.constantFrom(...ZONES);
// Entry into force between 1970 and 2100, on a whole minute.
const entryArb = fc
  .integer({ min: 0, max: Math.floor(4_102_444_800_000 / 60_000) })
  .map((m) => m * 60_000);

interface Setup {
  readonly entry: number;
  readonly zone: string;
  readonly term: readonly [string, number];
  readonly noticeDays: number;
  readonly renews: boolean;
  readonly indefinite: boolean;
}

const setupArb: fc.Arbitrary<Setup> = fc
  .record({
    entry: entryArb,
    zone: zoneArb,
    term: termArb,
    renews: fc.boolean(),
    indefinite: fc.boolean(),
  })
  .chain((s) =>
    fc.integer({ min: 0, max: s.term[1] - 1 }).map((noticeDays) => ({ ...s, noticeDays })),
  );

function definition(s: Setup, forceRenewal = false): AgreementDefinition {
  const indefinite = s.indefinite && !forceRenewal;
  return {
    id: 'a',
    parties: ['JP', 'KR'],
    rows: [{ JP: ['GOKUHI'], KR: ['II'] }],
    topology: { kind: 'mesh' },
    entryIntoForce: formatInstant(s.entry),
    ...(indefinite ? {} : { initialTerm: s.term[0] }),
    ...(indefinite || !(s.renews || forceRenewal) ? {} : { renewalTerm: s.term[0] }),
    noticePeriod: `P${s.noticeDays}D`,
    timezone: s.zone,
  };
}

function worldOf(def: AgreementDefinition): World {
  return World.create({ parties: [...BUILT_IN_PARTIES.values()], agreements: [def] });
}

const agreement = (w: World) => {
  const a = w.agreements.get('a');
  if (a === undefined) throw new Error('no agreement');
  return a;
};

describe('lifecycle properties', () => {
  it('L2: term boundaries strictly increase', () => {
    fc.assert(
      fc.property(setupArb, fc.integer({ min: 1, max: 60 }), (s, n) => {
        const clock = agreement(worldOf(definition(s, true))).clock;
        let previous = s.entry;
        for (let k = 1; k <= n; k++) {
          const b = clock.boundary(k);
          expect(b).toBeGreaterThan(previous);
          previous = b;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('L1/L3: with no notice, a renewing or indefinite agreement is in force at every instant after E', () => {
    fc.assert(
      fc.property(
        setupArb,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (s, fractions) => {
          const a = agreement(worldOf(definition({ ...s, renews: true })));
          for (const f of fractions) {
            const t = s.entry + Math.floor(f * 300 * 365 * DAY);
            expect(a.inForceAt(t)).toBe(true);
            expect(a.statusAt(t).state).toBe('in-force');
          }
          expect(a.statusAt(s.entry - 1).state).toBe('pending');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('L3: a notice at exactly b − noticePeriod targets b; one a millisecond later targets the next boundary', () => {
    fc.assert(
      fc.property(setupArb, fc.integer({ min: 1, max: 40 }), (s, k) => {
        const def = definition(s, true);
        const clock = agreement(worldOf(def)).clock;
        const np = agreement(worldOf(def)).textAt(s.entry).noticePeriod;
        const deadline = clock.deadline(k, np);
        const onTime = worldOf(def);
        const d1 = perform(onTime, { kind: 'notice', agreement: 'a', by: 'KR' }, deadline);
        expect(d1.decision).toBe('allow');
        expect(d1.notice?.target).toBe(clock.boundary(k));
        const late = worldOf(def);
        const d2 = perform(late, { kind: 'notice', agreement: 'a', by: 'KR' }, deadline + 1);
        expect(d2.notice?.target).toBe(clock.boundary(k + 1));
      }),
      { numRuns: 300 },
    );
  });

  it('L3: on an indefinite agreement a notice targets n + noticePeriod (calendar days in its zone)', () => {
    fc.assert(
      fc.property(setupArb, fc.integer({ min: 0, max: 200 * 365 }), (s, days) => {
        const def = definition({ ...s, indefinite: true });
        const w = worldOf(def);
        const n = s.entry + days * DAY;
        const d = perform(w, { kind: 'notice', agreement: 'a', by: 'JP' }, n);
        const target = d.notice?.target ?? Number.NaN;
        // A calendar day is 23–25 hours across a DST change, so within an hour per day is exact enough.
        expect(Math.abs(target - n - s.noticeDays * DAY)).toBeLessThanOrEqual(3_600_000);
        expect(target).toBeGreaterThanOrEqual(n);
      }),
      { numRuns: 200 },
    );
  });

  const actionArb = fc.record({
    dt: fc.integer({ min: 0, max: 400 * DAY }),
    // Weighted towards notices, suspensions and resumptions so that late
    // resumptions (L5, contested) and notices reaching their target (L4) occur often.
    kind: fc.constantFrom(
      'notice',
      'notice',
      'suspend-notice',
      'suspend-notice',
      'resume-notice',
      'resume-notice',
      'withdraw-notice',
      'terminate',
      'amend',
    ) as fc.Arbitrary<
      'notice' | 'suspend-notice' | 'resume-notice' | 'withdraw-notice' | 'terminate' | 'amend'
    >,
    by: fc.constantFrom('KR', 'KR', 'KR', 'JP', 'US'),
    noticeDays: fc.integer({ min: 0, max: 200 }),
  });

  it('L4–L7: once terminated, an agreement never returns to in force; the fast in-force test agrees with the fold', () => {
    fc.assert(
      fc.property(
        setupArb,
        fc.array(actionArb, { maxLength: 25 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 5, maxLength: 40 }),
        (s, actions, samples) => {
          const w = worldOf(definition(s));
          const a = agreement(w);
          let t = s.entry - 30 * DAY;
          for (const x of actions) {
            t += x.dt;
            let action: Action;
            if (x.kind === 'terminate') action = { kind: 'terminate', agreement: 'a' };
            else if (x.kind === 'amend')
              action = { kind: 'amend', agreement: 'a', noticePeriod: `P${x.noticeDays}D` };
            else action = { kind: x.kind, agreement: 'a', by: x.by };
            perform(w, action, t);
          }
          const horizon = t + 10 * 365 * DAY;
          const start = s.entry - 60 * DAY;
          const instants = samples
            .map((f) => start + Math.floor(f * (horizon - start)))
            .sort((p, q) => p - q);
          let terminated = false;
          for (const i of instants) {
            const status = a.statusAt(i);
            expect(a.inForceAt(i)).toBe(status.state === 'in-force');
            if (terminated) expect(status.state).toBe('terminated');
            if (status.state === 'terminated') {
              terminated = true;
              expect(status.endedAt).not.toBeNull();
              expect(i).toBeGreaterThanOrEqual(status.endedAt ?? Number.POSITIVE_INFINITY);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
