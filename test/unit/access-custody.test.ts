import { describe, expect, it } from 'vitest';
import { act, bilateral, first, ms, world } from './helpers.js';

const T = '2019-10-02T08:00:00+09:00';
const users = [
  { id: 'kr-analyst', party: 'KR', clearance: 'II', needToKnow: ['dprk-missile', 'dprk-nuclear'] },
  { id: 'kr-clerk', party: 'KR', clearance: 'III', needToKnow: ['dprk-missile'] },
  { id: 'kr-general', party: 'KR', clearance: 'I', needToKnow: [] },
  {
    id: 'kr-expired',
    party: 'KR',
    clearance: 'I',
    needToKnow: ['dprk-missile'],
    clearanceExpires: ms('2019-10-01T00:00:00+09:00'),
  },
  { id: 'jp-officer', party: 'JP', clearance: 'GOKUHI', needToKnow: ['dprk-missile'] },
];
const items = [
  { id: 'secret', originator: 'JP', marking: 'GOKUHI', categories: ['dprk-missile'] },
  { id: 'two', originator: 'JP', marking: 'HI', categories: ['dprk-missile', 'dprk-nuclear'] },
  { id: 'top', originator: 'JP', marking: 'KIMITSU', categories: ['dprk-missile'] },
];
const setup = (agreements: Parameters<typeof world>[0]['agreements'] = ['gsomia-jp-kr-2016']) => {
  const w = world({ agreements, users, items });
  act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
  act(w, T, { kind: 'release', item: 'two', to: 'KR' });
  return w;
};

describe('A1–A4 read', () => {
  it('A1: the reader’s party must hold the item (not-held)', () => {
    const w = setup();
    expect(first(act(w, T, { kind: 'read', item: 'top', user: 'kr-general' }))).toBe('not-held');
  });

  it("A2: clearance in the reader's own scheme must reach the item's marking at that party", () => {
    const w = setup();
    const d = act(w, T, { kind: 'read', item: 'secret', user: 'kr-clerk' });
    expect(first(d)).toBe('clearance-insufficient');
    expect(d.reasons[0]?.ref).toBe('gsomia-jp-kr-2016 Art. 7.1');
    expect(act(w, T, { kind: 'read', item: 'secret', user: 'kr-analyst' }).decision).toBe('allow');
  });

  it('A2: a clearance not valid at t is clearance-expired', () => {
    const d = act(setup(), T, { kind: 'read', item: 'secret', user: 'kr-expired' });
    expect(first(d)).toBe('clearance-expired');
  });

  it('A2: insufficient comes before expired when both fail', () => {
    const w = setup();
    w.updateUser('kr-expired', { clearance: 'R' });
    expect(
      act(w, T, { kind: 'read', item: 'secret', user: 'kr-expired' }).reasons.map((r) => r.code),
    ).toEqual(['clearance-insufficient', 'clearance-expired']);
  });

  it('A3: need-to-know must include every category; clearance alone never suffices', () => {
    const w = setup();
    const d = act(w, T, { kind: 'read', item: 'secret', user: 'kr-general' });
    expect(first(d)).toBe('need-to-know');
    expect(d.reasons[0]?.message).toContain('clearance alone never suffices');
    // kr-clerk lacks dprk-nuclear, one of the two categories.
    expect(first(act(w, T, { kind: 'read', item: 'two', user: 'kr-clerk' }))).toBe('need-to-know');
    expect(act(w, T, { kind: 'read', item: 'two', user: 'kr-analyst' }).decision).toBe('allow');
  });

  it("A3: the originator's own users read under the same rules, with no agreement involved", () => {
    const w = setup();
    const d = act(w, T, { kind: 'read', item: 'secret', user: 'jp-officer' });
    expect(d.decision).toBe('allow');
    expect(d.reasons[0]?.ref).toBeUndefined();
    expect(first(act(w, T, { kind: 'read', item: 'top', user: 'jp-officer' }))).toBe(
      'clearance-insufficient',
    );
  });

  it('A4: termination of the agreement does not block reads', () => {
    const w = world({ agreements: ['gsomia-jp-kr-2016'], users, items });
    act(w, '2019-08-23T10:00:00+09:00', {
      kind: 'notice',
      agreement: 'gsomia-jp-kr-2016',
      by: 'KR',
    });
    act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
    const d = act(w, '2025-01-01T00:00:00+09:00', {
      kind: 'read',
      item: 'secret',
      user: 'kr-analyst',
    });
    expect(d.decision).toBe('allow');
    expect(d.reasons[0]?.message).toContain('obligations on what was exchanged survive');
    expect(d.reasons[0]?.message).toContain('Art. 21.4');
  });

  it('unknown-user and unknown-item on read', () => {
    const w = setup();
    expect(first(act(w, T, { kind: 'read', item: 'secret', user: 'nobody' }))).toBe('unknown-user');
    expect(first(act(w, T, { kind: 'read', item: 'nothing', user: 'kr-analyst' }))).toBe(
      'unknown-item',
    );
  });
});

describe('C1 reclassification', () => {
  it('C1: only the originator may reclassify (not-originator); an unknown marking is unknown-marking', () => {
    const w = setup();
    expect(first(act(w, T, { kind: 'reclassify', item: 'secret', by: 'KR', marking: 'HI' }))).toBe(
      'not-originator',
    );
    expect(first(act(w, T, { kind: 'reclassify', item: 'secret', by: 'JP', marking: 'II' }))).toBe(
      'unknown-marking',
    );
    expect(w.items.get('secret')?.marking.code).toBe('GOKUHI');
  });

  it("C1: holders' markings follow through the rows of the agreement each received the item under", () => {
    const w = setup();
    const d = act(w, T, { kind: 'reclassify', item: 'secret', by: 'JP', marking: 'HI' });
    expect(d.decision).toBe('allow');
    expect(d.reasons).toHaveLength(1);
    expect(d.holders?.map((h) => `${h.party}:${h.code}`)).toEqual(['JP:HI', 'KR:III']);
    expect(w.items.get('secret')?.holdings.get('KR')?.marking.code).toBe('III');
  });

  it('C1: where the rows do not cover the new marking the holder keeps the highest they cover, and the decision names it', () => {
    const w = setup();
    const d = act(w, T, { kind: 'reclassify', item: 'secret', by: 'JP', marking: 'KIMITSU' });
    expect(d.decision).toBe('allow');
    expect(d.reasons[1]).toMatchObject({ code: 'level-not-covered', party: 'KR', rule: 'C1' });
    expect(w.items.get('secret')?.holdings.get('KR')?.marking.code).toBe('II');
    expect(w.items.get('secret')?.marking.code).toBe('KIMITSU');
  });

  it('C1: forwarded copies follow hop by hop', () => {
    const w = world({ agreements: ['gsomia-us-jp-2007', 'gsia-us-kr-1987'], users, items });
    act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    act(w, T, { kind: 'consent', id: 'c', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    expect(act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' }).marking?.code).toBe(
      'II',
    );
    // KIMITSU → US TS (us-jp) → KR I (gsia): the forwarded copy goes up the US–KR rows.
    const d = act(w, T, { kind: 'reclassify', item: 'secret', by: 'JP', marking: 'KIMITSU' });
    expect(d.holders?.map((h) => `${h.party}:${h.code}`)).toEqual(['JP:KIMITSU', 'US:TS', 'KR:I']);
  });

  it('C1: a copy received under two agreements follows the one whose rows cover the new marking', () => {
    const high = bilateral({ id: 'high', rows: [{ JP: ['GOKUHI'], KR: ['I'] }] });
    const w = world({ agreements: ['gsomia-jp-kr-2016', high], users, items });
    expect(act(w, T, { kind: 'release', item: 'secret', to: 'KR' }).marking?.code).toBe('I');
    const d = act(w, T, { kind: 'reclassify', item: 'secret', by: 'JP', marking: 'HI' });
    // 'high' has no HI row; the GSOMIA's HI = III decides, and nothing is reported.
    expect(d.reasons).toHaveLength(1);
    expect(w.items.get('secret')?.holdings.get('KR')?.marking.code).toBe('III');
  });

  it('C1: a forwarded copy follows its route, not the O–Q agreement that F3 compared with', () => {
    const high = bilateral({ id: 'high', rows: [{ JP: ['GOKUHI'], KR: ['I'] }] });
    const w = world({ agreements: ['gsomia-us-jp-2007', 'gsia-us-kr-1987', high], users, items });
    act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    act(w, T, { kind: 'consent', id: 'c', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    expect(act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' }).marking?.code).toBe(
      'I',
    );
    act(w, T, { kind: 'reclassify', item: 'secret', by: 'JP', marking: 'HI' });
    expect(w.items.get('secret')?.holdings.get('KR')?.marking.code).toBe('III');
  });

  it("C1: an ended agreement's last text still governs the holder's marking", () => {
    const amended = bilateral({ id: 'jk', renewalTerm: undefined });
    const w = world({ agreements: [amended], users, items });
    act(w, '2017-01-01T00:00:00+09:00', { kind: 'release', item: 'secret', to: 'KR' });
    act(w, '2017-06-01T00:00:00+09:00', {
      kind: 'amend',
      agreement: 'jk',
      rows: [
        { JP: ['GOKUHI', 'TOKUTEI', 'KIMITSU'], KR: ['II'] },
        { JP: ['HI'], KR: ['R'] },
      ],
    });
    // jk expires 2017-11-23; in 2020 the last text (HI = R) applies.
    act(w, '2020-01-01T00:00:00+09:00', {
      kind: 'reclassify',
      item: 'secret',
      by: 'JP',
      marking: 'HI',
    });
    expect(w.items.get('secret')?.holdings.get('KR')?.marking.code).toBe('R');
  });
});

describe('compromise reports (GSOMIA Art. 17)', () => {
  it('a holder may report compromise at any time: the item is flagged and the originator notified', () => {
    const w = setup();
    act(w, '2019-08-23T10:00:00+09:00', {
      kind: 'notice',
      agreement: 'gsomia-jp-kr-2016',
      by: 'KR',
    });
    const d = act(w, '2030-01-01T00:00:00+09:00', {
      kind: 'report-compromise',
      item: 'secret',
      by: 'KR',
    });
    expect(d.decision).toBe('allow');
    expect(d.reasons[0]?.message).toContain('originator JP is notified');
    expect(d.reasons[0]?.ref).toBe('gsomia-jp-kr-2016 Art. 17');
    expect(w.items.get('secret')?.compromise).toEqual([
      { by: 'KR', at: ms('2030-01-01T00:00:00+09:00') },
    ]);
  });

  it('a party that does not hold the item cannot report it (not-held)', () => {
    expect(first(act(setup(), T, { kind: 'report-compromise', item: 'top', by: 'KR' }))).toBe(
      'not-held',
    );
  });
});
