import { describe, expect, it } from 'vitest';
import { formatInstant } from '../../src/core/index.js';
import { act, bilateral, first, ms, world } from './helpers.js';

const GSOMIA = 'gsomia-jp-kr-2016';
const at = (w: ReturnType<typeof world>, id: string, t: string) => {
  const a = w.agreements.get(id);
  if (a === undefined) throw new Error(id);
  return a.statusAt(ms(t));
};
const kst = (t: number | null) => (t === null ? null : formatInstant(t, 9 * 60));

describe('L1 pending before entry into force', () => {
  it('L1: before E the agreement is pending, and at E it is in force', () => {
    const w = world({ agreements: [GSOMIA] });
    expect(at(w, GSOMIA, '2016-11-22T23:59:59.999+09:00').state).toBe('pending');
    expect(at(w, GSOMIA, '2016-11-23T00:00:00+09:00').state).toBe('in-force');
  });

  it('L1: a release before E is denied agreement-not-in-force', () => {
    const w = world({
      agreements: [GSOMIA],
      items: [{ id: 'i', originator: 'JP', marking: 'GOKUHI', categories: ['c'] }],
    });
    const d = act(w, '2016-01-01T00:00:00+09:00', { kind: 'release', item: 'i', to: 'KR' });
    expect(d.decision).toBe('deny');
    expect(first(d)).toBe('agreement-not-in-force');
    expect(d.reasons[0]?.message).toContain('enters into force at 2016-11-23T00:00:00+09:00');
  });
});

describe('L2 term boundaries', () => {
  it('L2: each boundary is ONE calendar addition from E (2016-02-29 + P1Y = 2017-02-28, + P4Y = 2020-02-29)', () => {
    const w = world({
      agreements: [
        bilateral({
          id: 'leap',
          entryIntoForce: '2016-02-29T00:00:00+09:00',
          timezone: 'Asia/Tokyo',
        }),
      ],
    });
    const clock = w.agreements.get('leap')?.clock;
    expect(kst(clock?.boundary(1) ?? null)).toBe('2017-02-28T00:00:00+09:00');
    expect(kst(clock?.boundary(2) ?? null)).toBe('2018-02-28T00:00:00+09:00');
    expect(kst(clock?.boundary(4) ?? null)).toBe('2020-02-29T00:00:00+09:00');
  });

  it('L2: monthly terms from 31 January do not drift (b3 = 30 April, b4 = 31 May, not the 28th)', () => {
    const w = world({
      agreements: [
        bilateral({
          id: 'monthly',
          entryIntoForce: '2021-01-31T00:00:00+09:00',
          initialTerm: 'P1M',
          renewalTerm: 'P1M',
          noticePeriod: 'P7D',
          timezone: 'Asia/Tokyo',
        }),
      ],
    });
    const clock = w.agreements.get('monthly')?.clock;
    expect(kst(clock?.boundary(1) ?? null)).toBe('2021-02-28T00:00:00+09:00');
    expect(kst(clock?.boundary(3) ?? null)).toBe('2021-04-30T00:00:00+09:00');
    expect(kst(clock?.boundary(4) ?? null)).toBe('2021-05-31T00:00:00+09:00');
  });

  it("L2: arithmetic happens on the wall clock of the agreement's time zone, across DST", () => {
    // E is midnight in New York in winter (−05:00); b1 half a year later is midnight in summer (−04:00).
    const w = world({
      agreements: [
        bilateral({
          id: 'ny',
          parties: ['JP', 'KR'],
          entryIntoForce: '2021-01-15T00:00:00-05:00',
          initialTerm: 'P6M',
          renewalTerm: 'P6M',
          timezone: 'America/New_York',
        }),
      ],
    });
    const b1 = w.agreements.get('ny')?.clock.boundary(1) ?? 0;
    expect(formatInstant(b1, -4 * 60)).toBe('2021-07-15T00:00:00-04:00');
  });

  it('L2: a term is [b(k), b(k+1)): at exactly a boundary the next term has begun', () => {
    const w = world({ agreements: [GSOMIA] });
    const s = at(w, GSOMIA, '2019-11-23T00:00:00+09:00');
    expect(s.term?.index).toBe(4);
    expect(kst(s.term?.start ?? null)).toBe('2019-11-23T00:00:00+09:00');
    expect(kst(s.termEnd)).toBe('2020-11-23T00:00:00+09:00');
  });
});

describe('L3 notice targets', () => {
  it('L3: a notice at exactly b − noticePeriod targets b; one millisecond later it targets the next boundary', () => {
    const deadline = '2019-08-25T00:00:00+09:00'; // 2019-11-23 − P90D in Asia/Seoul
    const w1 = world({ agreements: [GSOMIA] });
    const d1 = act(w1, deadline, { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    expect(d1.decision).toBe('allow');
    expect(kst(d1.notice?.target ?? null)).toBe('2019-11-23T00:00:00+09:00');
    const w2 = world({ agreements: [GSOMIA] });
    const d2 = act(w2, '2019-08-25T00:00:00.001+09:00', {
      kind: 'notice',
      agreement: GSOMIA,
      by: 'KR',
    });
    expect(kst(d2.notice?.target ?? null)).toBe('2020-11-23T00:00:00+09:00');
  });

  it('L3: the 2019 notice of 23 August targets 23 November 2019', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    expect(kst(at(w, GSOMIA, '2019-09-01T00:00:00+09:00').notice?.target ?? null)).toBe(
      '2019-11-23T00:00:00+09:00',
    );
  });

  it('L3: on an indefinite agreement a notice targets n + noticePeriod', () => {
    const w = world({ agreements: ['gsomia-us-jp-2007'] });
    const d = act(w, '2020-01-10T12:00:00+09:00', {
      kind: 'notice',
      agreement: 'gsomia-us-jp-2007',
      by: 'US',
    });
    expect(formatInstant(d.notice?.target ?? 0, 9 * 60)).toBe('2020-04-09T12:00:00+09:00');
  });

  it('L3: with no renewal and no notice the agreement ends at b1, endedBy expiry', () => {
    const w = world({ agreements: [bilateral({ id: 'fixed', renewalTerm: undefined })] });
    const before = at(w, 'fixed', '2017-11-22T23:59:59.999+09:00');
    expect(before.state).toBe('in-force');
    expect(kst(before.termEnd)).toBe('2017-11-23T00:00:00+09:00');
    const after = at(w, 'fixed', '2017-11-23T00:00:00+09:00');
    expect(after.state).toBe('terminated');
    expect(after.endedBy).toBe('expiry');
  });
});

describe('L4 an active notice terminates at its target', () => {
  it('L4: in force a millisecond before the target, terminated from the target, endedBy notice', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    expect(at(w, GSOMIA, '2019-11-22T23:59:59.999+09:00').state).toBe('in-force');
    const s = at(w, GSOMIA, '2019-11-23T00:00:00+09:00');
    expect(s.state).toBe('terminated');
    expect(s.endedBy).toBe('notice');
    expect(s.contested).toBe(false);
    expect(w.agreements.get(GSOMIA)?.inForceAt(ms('2019-11-23T00:00:00+09:00'))).toBe(false);
  });

  it('L4: a suspension at the very instant of the target is too late', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    const d = act(w, '2019-11-23T00:00:00+09:00', {
      kind: 'suspend-notice',
      agreement: GSOMIA,
      by: 'KR',
    });
    expect(first(d)).toBe('agreement-not-in-force');
  });
});

describe('L5 suspension and resumption', () => {
  it('L5: a suspended notice terminates nothing; the agreement stays in force and keeps renewing', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    act(w, '2019-11-22T18:00:00+09:00', { kind: 'suspend-notice', agreement: GSOMIA, by: 'KR' });
    for (const t of [
      '2019-11-23T00:00:01+09:00',
      '2021-06-01T00:00:00+09:00',
      '2023-03-20T00:00:00+09:00',
    ]) {
      const s = at(w, GSOMIA, t);
      expect(s.state).toBe('in-force');
      expect(s.notice?.suspended).toBe(true);
    }
    expect(kst(at(w, GSOMIA, '2021-06-01T00:00:00+09:00').termEnd)).toBe(
      '2021-11-23T00:00:00+09:00',
    );
  });

  it('L5: resumed before its target, the notice is active again with the same target', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    act(w, '2019-09-01T00:00:00+09:00', { kind: 'suspend-notice', agreement: GSOMIA, by: 'KR' });
    const d = act(w, '2019-10-01T00:00:00+09:00', {
      kind: 'resume-notice',
      agreement: GSOMIA,
      by: 'KR',
    });
    expect(d.decision).toBe('allow');
    expect(kst(d.notice?.target ?? null)).toBe('2019-11-23T00:00:00+09:00');
    const s = at(w, GSOMIA, '2019-11-23T00:00:00+09:00');
    expect(s.state).toBe('terminated');
    expect(s.contested).toBe(false);
  });

  it('L5: resumed at or after its target, termination is immediate at r and contested', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    act(w, '2019-11-22T18:00:00+09:00', { kind: 'suspend-notice', agreement: GSOMIA, by: 'KR' });
    const r = '2020-02-01T09:00:00+09:00';
    act(w, r, { kind: 'resume-notice', agreement: GSOMIA, by: 'KR' });
    expect(at(w, GSOMIA, '2020-02-01T08:59:59.999+09:00').state).toBe('in-force');
    const s = at(w, GSOMIA, r);
    expect(s.state).toBe('terminated');
    expect(s.endedBy).toBe('notice');
    expect(s.contested).toBe(true);
    expect(kst(s.endedAt)).toBe(r);
  });

  it('L5: resuming a notice that is not suspended is no-pending-notice', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    const d = act(w, '2019-09-01T00:00:00+09:00', {
      kind: 'resume-notice',
      agreement: GSOMIA,
      by: 'KR',
    });
    expect(first(d)).toBe('no-pending-notice');
  });
});

describe('L6 who may act on a notice', () => {
  it('L6: a withdrawn notice is void: the agreement renews past its target', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    expect(
      act(w, '2019-10-01T00:00:00+09:00', { kind: 'withdraw-notice', agreement: GSOMIA, by: 'KR' })
        .decision,
    ).toBe('allow');
    const s = at(w, GSOMIA, '2019-12-01T00:00:00+09:00');
    expect(s.state).toBe('in-force');
    expect(s.notice).toBeNull();
  });

  it('L6: only the party that gave the notice may suspend, resume or withdraw it (not-originator)', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    for (const kind of ['suspend-notice', 'withdraw-notice'] as const) {
      expect(
        first(act(w, '2019-09-01T00:00:00+09:00', { kind, agreement: GSOMIA, by: 'JP' })),
      ).toBe('not-originator');
    }
    act(w, '2019-09-02T00:00:00+09:00', { kind: 'suspend-notice', agreement: GSOMIA, by: 'KR' });
    expect(
      first(
        act(w, '2019-09-03T00:00:00+09:00', { kind: 'resume-notice', agreement: GSOMIA, by: 'JP' }),
      ),
    ).toBe('not-originator');
  });

  it('L6: one pending notice at a time, and a suspended notice is still pending (notice-already-pending)', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    expect(
      first(act(w, '2019-08-24T00:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'JP' })),
    ).toBe('notice-already-pending');
    act(w, '2019-11-22T18:00:00+09:00', { kind: 'suspend-notice', agreement: GSOMIA, by: 'KR' });
    expect(
      first(act(w, '2020-01-01T00:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'JP' })),
    ).toBe('notice-already-pending');
  });

  it('L6: a non-party cannot give notice (not-a-party); nothing pending gives no-pending-notice', () => {
    const w = world({ agreements: [GSOMIA] });
    expect(
      first(act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'US' })),
    ).toBe('not-a-party');
    expect(
      first(
        act(w, '2019-08-23T10:00:00+09:00', {
          kind: 'suspend-notice',
          agreement: GSOMIA,
          by: 'KR',
        }),
      ),
    ).toBe('no-pending-notice');
    expect(
      first(
        act(w, '2019-08-23T10:00:00+09:00', {
          kind: 'withdraw-notice',
          agreement: GSOMIA,
          by: 'KR',
        }),
      ),
    ).toBe('no-pending-notice');
  });
});

describe('L7 mutual termination', () => {
  it('L7: mutual termination ends the agreement at its instant, endedBy mutual; a second one is refused', () => {
    const w = world({ agreements: [GSOMIA] });
    expect(
      act(w, '2018-05-01T00:00:00+09:00', { kind: 'terminate', agreement: GSOMIA }).decision,
    ).toBe('allow');
    expect(at(w, GSOMIA, '2018-04-30T23:59:59.999+09:00').state).toBe('in-force');
    const s = at(w, GSOMIA, '2018-05-01T00:00:00+09:00');
    expect(s.state).toBe('terminated');
    expect(s.endedBy).toBe('mutual');
    expect(
      first(act(w, '2018-06-01T00:00:00+09:00', { kind: 'terminate', agreement: GSOMIA })),
    ).toBe('agreement-not-in-force');
  });
});

describe('L8 amendments', () => {
  it('L8: an amendment takes effect at its instant; a decision at t uses the text in force at t', () => {
    const w = world({
      agreements: [GSOMIA],
      items: [{ id: 'ts', originator: 'JP', marking: 'KIMITSU', categories: ['c'] }],
    });
    expect(
      first(act(w, '2020-01-01T00:00:00+09:00', { kind: 'release', item: 'ts', to: 'KR' })),
    ).toBe('level-not-covered');
    act(w, '2020-06-01T00:00:00+09:00', {
      kind: 'amend',
      agreement: GSOMIA,
      rows: [
        { JP: ['KIMITSU'], KR: ['I'] },
        { JP: ['GOKUHI', 'TOKUTEI'], KR: ['II'] },
        { JP: ['HI'], KR: ['III'] },
      ],
    });
    const a = w.agreements.get(GSOMIA);
    expect(a?.textAt(ms('2020-05-31T23:59:59+09:00')).rows).toHaveLength(2);
    const d = act(w, '2020-06-01T00:00:00+09:00', { kind: 'release', item: 'ts', to: 'KR' });
    expect(d.decision).toBe('allow');
    expect(d.marking?.code).toBe('I');
  });

  it('L8: an amended notice period changes the target of later notices', () => {
    const w = world({ agreements: [GSOMIA] });
    act(w, '2019-01-01T00:00:00+09:00', { kind: 'amend', agreement: GSOMIA, noticePeriod: 'P30D' });
    // 2019-11-23 − P30D = 2019-10-24: a notice on 1 October still stops the 2019 renewal.
    const d = act(w, '2019-10-01T00:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    expect(kst(d.notice?.target ?? null)).toBe('2019-11-23T00:00:00+09:00');
  });

  it('L8: an amendment naming a party outside the agreement is refused before anything changes', () => {
    const w = world({ agreements: [GSOMIA] });
    expect(() =>
      act(w, '2019-01-01T00:00:00+09:00', {
        kind: 'amend',
        agreement: GSOMIA,
        rows: [{ JP: ['HI'], US: ['C'] }],
      }),
    ).toThrow(/US, which is not a party/);
    expect(w.agreements.get(GSOMIA)?.textVersions).toHaveLength(1);
  });
});

describe('L9 obligations survive termination', () => {
  it('L9: termination stops new movement but reads, consent rules and reclassification keep applying', () => {
    const w = world({
      agreements: [GSOMIA, 'gsia-us-kr-1987'],
      users: [{ id: 'kr', party: 'KR', clearance: 'II', needToKnow: ['c'] }],
      items: [{ id: 'i', originator: 'JP', marking: 'GOKUHI', categories: ['c'] }],
    });
    act(w, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' });
    expect(
      act(w, '2019-10-01T00:00:00+09:00', { kind: 'release', item: 'i', to: 'KR' }).decision,
    ).toBe('allow');
    const after = '2019-12-01T00:00:00+09:00';
    expect(first(act(w, after, { kind: 'release', item: 'i', to: 'KR' }))).toBe(
      'agreement-not-in-force',
    );
    expect(act(w, after, { kind: 'read', item: 'i', user: 'kr' }).decision).toBe('allow');
    // KR may still not pass the item on without JP's consent (third-party rule survives).
    expect(first(act(w, after, { kind: 'forward', item: 'i', by: 'KR', to: 'US' }))).toBe(
      'consent-required',
    );
    // Reclassification follows GSOMIA's last text.
    const r = act(w, after, { kind: 'reclassify', item: 'i', by: 'JP', marking: 'HI' });
    expect(r.decision).toBe('allow');
    expect(w.items.get('i')?.holdings.get('KR')?.marking.code).toBe('III');
  });
});
