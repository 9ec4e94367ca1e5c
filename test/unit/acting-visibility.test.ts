// RULES R6/F5 (already-held), P1 (acting needs reading) and V1 (visibility).
import { describe, expect, it } from 'vitest';
import {
  actingRefusal,
  concealed,
  decideCreate,
  decideRead,
  mayRead,
} from '../../src/core/index.js';
import { act, first, ms, world } from './helpers.js';

const T = '2019-10-02T08:00:00+09:00';
const users = [
  { id: 'jp-ra', party: 'JP', clearance: 'KIMITSU', needToKnow: ['dprk-missile'] },
  { id: 'jp-low', party: 'JP', clearance: 'U', needToKnow: ['dprk-missile'] },
  { id: 'jp-ntk', party: 'JP', clearance: 'KIMITSU', needToKnow: ['weather'] },
  {
    id: 'jp-expired',
    party: 'JP',
    clearance: 'KIMITSU',
    needToKnow: ['dprk-missile'],
    clearanceExpires: ms('2019-01-01T00:00:00+09:00'),
  },
  { id: 'us-ra', party: 'US', clearance: 'TS', needToKnow: ['dprk-missile'] },
  { id: 'us-low', party: 'US', clearance: 'C', needToKnow: ['dprk-missile'] },
  { id: 'kr-ra', party: 'KR', clearance: 'I', needToKnow: ['dprk-missile'] },
];
const items = [
  { id: 'secret', originator: 'JP', marking: 'GOKUHI', categories: ['dprk-missile'] },
  { id: 'top', originator: 'JP', marking: 'KIMITSU', categories: ['dprk-missile'] },
  { id: 'open', originator: 'JP', marking: 'U', categories: ['dprk-missile'] },
];
const all = () =>
  world({
    agreements: ['gsomia-jp-kr-2016', 'gsomia-us-jp-2007', 'gsia-us-kr-1987', 'tisa-2014'],
    users,
    items,
  });

describe('R6 / F5 already-held', () => {
  it('R6: a release to a party that already holds the item is refused, checked last', () => {
    const w = all();
    expect(act(w, T, { kind: 'release', item: 'secret', to: 'KR' }).decision).toBe('allow');
    const again = act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
    expect(again.decision).toBe('deny');
    expect(first(again)).toBe('already-held');
    expect(again.reasons[0]?.rule).toBe('R6');
    // Unclassified items too (R1 passes, then R6).
    act(w, T, { kind: 'release', item: 'open', to: 'KR' });
    expect(first(act(w, T, { kind: 'release', item: 'open', to: 'KR' }))).toBe('already-held');
  });

  it('R6: a release that fails another check reports that check, not already-held', () => {
    const w = all();
    act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
    act(w, T, { kind: 'terminate', agreement: 'gsomia-jp-kr-2016' });
    expect(first(act(w, T, { kind: 'release', item: 'secret', to: 'KR' }))).toBe(
      'hub-route-required',
    );
  });

  it('F5: a forward to a party that already holds the item is refused, after F1–F3', () => {
    const w = all();
    act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
    // Without consent: the consent check (F1) reports first.
    expect(first(act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' }))).toBe(
      'consent-required',
    );
    act(w, T, { kind: 'consent', id: 'c', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    const d = act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' });
    expect(first(d)).toBe('already-held');
    expect(d.reasons[0]?.rule).toBe('F5');
    // Nothing changed: KR keeps the one copy it received from JP.
    expect(
      w.items
        .get('secret')
        ?.holdings.get('KR')
        ?.receipts.map((r) => r.from),
    ).toEqual(['JP']);
  });
});

describe('P1 acting needs reading', () => {
  it('P1: a release by a person who may not read the item is refused with the first failing read reason', () => {
    const w = all();
    const d = act(w, T, { kind: 'release', item: 'top', to: 'US', user: 'jp-low' });
    expect(d.decision).toBe('deny');
    expect(first(d)).toBe('clearance-insufficient');
    expect(d.reasons[0]?.rule).toBe('P1');
    expect(w.items.get('top')?.holdings.has('US')).toBe(false);
    expect(first(act(w, T, { kind: 'release', item: 'top', to: 'US', user: 'jp-ntk' }))).toBe(
      'need-to-know',
    );
    expect(first(act(w, T, { kind: 'release', item: 'top', to: 'US', user: 'jp-expired' }))).toBe(
      'clearance-expired',
    );
    expect(act(w, T, { kind: 'release', item: 'top', to: 'US', user: 'jp-ra' }).decision).toBe(
      'allow',
    );
  });

  it('P1 is checked first after unknown ids: before the action’s own rules', () => {
    const w = all();
    // KIMITSU is in no GSOMIA row (level-not-covered), but the person's reading fails first.
    expect(first(act(w, T, { kind: 'release', item: 'top', to: 'KR', user: 'jp-low' }))).toBe(
      'clearance-insufficient',
    );
    expect(first(act(w, T, { kind: 'release', item: 'top', to: 'KR', user: 'jp-ra' }))).toBe(
      'level-not-covered',
    );
    // Unknown ids still come first.
    expect(first(act(w, T, { kind: 'release', item: 'nope', to: 'KR', user: 'jp-low' }))).toBe(
      'unknown-item',
    );
    expect(first(act(w, T, { kind: 'release', item: 'top', to: 'XX', user: 'jp-low' }))).toBe(
      'unknown-party',
    );
  });

  it('P1: the acting person must be a person of the acting party', () => {
    const w = all();
    const d = act(w, T, { kind: 'release', item: 'secret', to: 'US', user: 'us-ra' });
    expect(first(d)).toBe('unknown-user');
    expect(d.reasons[0]?.rule).toBe('P1');
    expect(first(act(w, T, { kind: 'release', item: 'secret', to: 'US', user: 'ghost' }))).toBe(
      'unknown-user',
    );
  });

  it('P1: a forward by a person of the holder who may not read it at the holder is refused (not-held before F4 is A1)', () => {
    const w = all();
    act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    act(w, T, { kind: 'consent', id: 'c', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    // US marks it S: a US person cleared C may not read it, so may not forward it.
    const d = act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR', user: 'us-low' });
    expect(first(d)).toBe('clearance-insufficient');
    expect(w.items.get('secret')?.holdings.has('KR')).toBe(false);
    // A KR person acting for KR, which does not hold it: A1 under P1.
    const k = act(w, T, { kind: 'forward', item: 'secret', by: 'KR', to: 'US', user: 'kr-ra' });
    expect(first(k)).toBe('not-held');
    expect(k.reasons[0]?.rule).toBe('P1');
    expect(
      act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR', user: 'us-ra' }).decision,
    ).toBe('allow');
  });

  it('P1: reclassify, consent, revoke-consent and report-compromise by a person who may not read the item', () => {
    const w = all();
    act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    const r = act(w, T, {
      kind: 'reclassify',
      item: 'top',
      by: 'JP',
      marking: 'HI',
      user: 'jp-low',
    });
    expect(first(r)).toBe('clearance-insufficient');
    expect(w.items.get('top')?.marking.code).toBe('KIMITSU');
    const c = act(w, T, {
      kind: 'consent',
      id: 'c1',
      item: 'secret',
      by: 'JP',
      holder: 'US',
      to: 'KR',
      user: 'jp-ntk',
    });
    expect(first(c)).toBe('need-to-know');
    expect(w.consents.has('c1')).toBe(false);
    act(w, T, { kind: 'consent', id: 'c2', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    expect(first(act(w, T, { kind: 'revoke-consent', id: 'c2', by: 'JP', user: 'jp-low' }))).toBe(
      'clearance-insufficient',
    );
    expect(w.consents.get('c2')?.revokedAt).toBe(Number.POSITIVE_INFINITY);
    expect(
      first(act(w, T, { kind: 'report-compromise', item: 'secret', by: 'US', user: 'us-low' })),
    ).toBe('clearance-insufficient');
    expect(w.items.get('secret')?.compromise).toEqual([]);
    expect(
      act(w, T, { kind: 'report-compromise', item: 'secret', by: 'US', user: 'us-ra' }).decision,
    ).toBe('allow');
  });

  it('without a named person the decision is at party level, as before', () => {
    const w = all();
    expect(act(w, T, { kind: 'release', item: 'top', to: 'US' }).decision).toBe('allow');
  });

  it('creating an item is acting on it: nobody writes above their clearance or outside their need-to-know', () => {
    const w = all();
    const at = ms(T);
    const base = { marking: 'KIMITSU', categories: ['dprk-missile'] };
    expect(decideCreate(w, { ...base, user: 'jp-ra' }, at).decision).toBe('allow');
    expect(first(decideCreate(w, { ...base, user: 'jp-low' }, at))).toBe('clearance-insufficient');
    expect(first(decideCreate(w, { ...base, user: 'jp-ntk' }, at))).toBe('need-to-know');
    expect(first(decideCreate(w, { ...base, user: 'jp-expired' }, at))).toBe('clearance-expired');
    expect(first(decideCreate(w, { ...base, marking: 'S', user: 'jp-ra' }, at))).toBe(
      'unknown-marking',
    );
  });
});

describe('V1 visibility', () => {
  it('V1: mayRead agrees with the read decision for every user and item', () => {
    const w = all();
    act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    act(w, T, { kind: 'release', item: 'open', to: 'KR' });
    const at = ms(T);
    for (const u of users) {
      for (const i of [...items.map((x) => x.id), 'nope']) {
        expect(mayRead(w, u.id, i, at), `${u.id} ${i}`).toBe(
          decideRead(w, { user: u.id, item: i }, at).decision === 'allow',
        );
      }
    }
  });

  it('V1: a refusal told to a person who may not read the item names the code and rule, never the marking or categories', () => {
    const w = all();
    const item = w.items.get('top');
    if (item === undefined) throw new Error('no item');
    const full = actingRefusal(w, 'jp-low', 'JP', item, ms(T));
    if (full === null) throw new Error('expected a refusal');
    expect(JSON.stringify(full)).toContain('機密');
    const told = concealed(full);
    expect(told.reasons.map((r) => [r.code, r.rule])).toEqual([['clearance-insufficient', 'P1']]);
    const text = JSON.stringify(told);
    for (const secret of ['KIMITSU', '機密', 'dprk-missile', 'top', 'gsomia']) {
      expect(text).not.toContain(secret);
    }
    expect(told.marking).toBeUndefined();
    expect(told.suggestion).toBeUndefined();
  });
});
