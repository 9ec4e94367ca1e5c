import { describe, expect, it } from 'vitest';
import { createParty } from '../../src/core/index.js';
import { act, bilateral, builtInParties, first, world } from './helpers.js';

const T = '2019-10-02T08:00:00+09:00';
const items = [
  { id: 'secret', originator: 'JP', marking: 'GOKUHI', categories: ['dprk-missile'] },
  { id: 'topsecret', originator: 'JP', marking: 'KIMITSU', categories: ['dprk-missile'] },
  { id: 'conf', originator: 'JP', marking: 'HI', categories: ['dprk-missile'] },
  { id: 'open', originator: 'JP', marking: 'U', categories: ['weather'] },
  { id: 'econ', originator: 'JP', marking: 'GOKUHI', categories: ['economy'] },
  {
    id: 'noforn',
    originator: 'JP',
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    releasableTo: ['US'],
  },
];
const all = () =>
  world({
    agreements: ['gsomia-jp-kr-2016', 'gsomia-us-jp-2007', 'gsia-us-kr-1987', 'tisa-2014'],
    items,
  });

describe('R1 unclassified', () => {
  it('R1: an item at rank 0 may go to any known party, even with no agreement, marked at its rank 0', () => {
    const xx = createParty('XX', 'Elsewhere', [
      { code: 'OPEN', rank: 0, name: 'Open' },
      { code: 'SEC', rank: 1, name: 'Secret' },
    ]);
    const w = world({ parties: [...builtInParties(), xx], items });
    const d = act(w, T, { kind: 'release', item: 'open', to: 'XX' });
    expect(d.decision).toBe('allow');
    expect(first(d)).toBe('unclassified');
    expect(d.reasons[0]?.rule).toBe('R1');
    expect(d.marking?.code).toBe('OPEN');
    expect(d.marking?.originator).toMatchObject({ party: 'JP', code: 'U', name: '指定なし' });
    expect(w.items.get('open')?.holdings.has('XX')).toBe(true);
  });
});

describe('R2 an agreement in force', () => {
  it('R2: no agreement at all between the parties is no-agreement', () => {
    const w = world({ agreements: ['gsomia-jp-kr-2016'], items });
    expect(first(act(w, T, { kind: 'release', item: 'secret', to: 'US' }))).toBe('no-agreement');
  });

  it('R2: an agreement that exists but is not in force is agreement-not-in-force', () => {
    const w = world({ agreements: ['gsomia-jp-kr-2016'], items });
    act(w, '2019-08-23T10:00:00+09:00', {
      kind: 'notice',
      agreement: 'gsomia-jp-kr-2016',
      by: 'KR',
    });
    const d = act(w, '2019-11-23T00:00:00+09:00', { kind: 'release', item: 'secret', to: 'KR' });
    expect(first(d)).toBe('agreement-not-in-force');
    expect(d.reasons[0]?.ref).toBe('gsomia-jp-kr-2016 Art. 21');
    expect(d.reasons[0]?.message).toContain("by KR's notice");
  });
});

describe('R3 hub topology', () => {
  it('R3: under a hub agreement spoke→spoke is hub-route-required, and the deny suggests the hub route with its consent', () => {
    const w = world({ agreements: ['tisa-2014'], items });
    const d = act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
    expect(first(d)).toBe('hub-route-required');
    expect(d.reasons[0]?.ref).toBe('tisa-2014 para. 2 (approximate)');
    expect(d.suggestion?.kind).toBe('hub-route');
    if (d.suggestion?.kind !== 'hub-route') throw new Error('no hub route');
    expect(d.suggestion.via).toBe('US');
    expect(d.suggestion.consent).toEqual({ by: 'JP', item: 'secret', holder: 'US', to: 'KR' });
    expect(d.suggestion.marking.code).toBe('II');
  });

  it('R5: a decision resting on assumed rows says so, and assumed article numbers are marked approximate', () => {
    const w = world({ agreements: ['tisa-2014'], items });
    const d = act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    expect(d.reasons[0]?.message).toContain("tisa-2014's equivalence rows are an assumption");
    const n = act(w, T, { kind: 'notice', agreement: 'tisa-2014', by: 'KR' });
    expect(n.reasons[0]?.message).toContain('notice period is an assumption');
    expect(n.reasons[0]?.ref).toBe('tisa-2014 para. 4 (approximate)');
  });

  it('R3: hub↔spoke moves are direct', () => {
    const w = world({ agreements: ['tisa-2014'], items });
    const d = act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    expect(d.decision).toBe('allow');
    expect(d.marking?.code).toBe('S');
  });
});

describe('R4 coverage, scope, releasability', () => {
  it('R4: a marking in no row is level-not-covered (TOP SECRET under GSOMIA)', () => {
    const w = world({ agreements: ['gsomia-jp-kr-2016'], items });
    const d = act(w, T, { kind: 'release', item: 'topsecret', to: 'KR' });
    expect(first(d)).toBe('level-not-covered');
    expect(d.reasons[0]?.ref).toBe('gsomia-jp-kr-2016 Art. 4');
  });

  it('R4: a category outside the scope is out-of-scope', () => {
    const w = world({ agreements: ['tisa-2014'], items });
    const d = act(w, T, { kind: 'release', item: 'econ', to: 'US' });
    expect(first(d)).toBe('out-of-scope');
    expect(d.reasons[0]?.message).toContain('economy');
  });

  it('R4: a recipient missing from the releasability list is not-releasable', () => {
    const w = world({ agreements: ['gsomia-jp-kr-2016', 'gsomia-us-jp-2007'], items });
    expect(first(act(w, T, { kind: 'release', item: 'noforn', to: 'KR' }))).toBe('not-releasable');
    expect(act(w, T, { kind: 'release', item: 'noforn', to: 'US' }).decision).toBe('allow');
  });
});

describe('R5 the recipient marking', () => {
  it("R5: the recipient marks the item with the row's marking and keeps the originator's beside it", () => {
    const w = world({ agreements: ['gsomia-jp-kr-2016'], items });
    const d = act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
    expect(d.decision).toBe('allow');
    expect(d.reasons[0]?.rule).toBe('R5');
    expect(d.reasons[0]?.ref).toBe('gsomia-jp-kr-2016 Art. 4.2');
    expect(d.marking).toEqual({
      party: 'KR',
      code: 'II',
      name: '군사II급비밀',
      en: 'SECRET',
      originator: { party: 'JP', code: 'GOKUHI', name: '極秘', en: 'SECRET' },
    });
    expect(w.items.get('secret')?.holdings.get('KR')?.marking.code).toBe('II');
  });

  it('R5: when several agreements allow, the recipient uses the highest of their markings', () => {
    const low = bilateral({ id: 'a-low', rows: [{ JP: ['GOKUHI'], KR: ['III'] }] });
    const high = bilateral({ id: 'b-high', rows: [{ JP: ['GOKUHI'], KR: ['II'] }] });
    const w = world({ agreements: [low, high], items });
    const d = act(w, T, { kind: 'release', item: 'secret', to: 'KR' });
    expect(d.marking?.code).toBe('II');
    expect(d.agreements).toEqual(['a-low', 'b-high']);
  });
});

describe('RULES §4 several agreements', () => {
  it('§4: any one agreement that passes every check allows', () => {
    const w = all();
    // GSOMIA passes; TISA (hub) would not.
    expect(act(w, T, { kind: 'release', item: 'secret', to: 'KR' }).agreements).toEqual([
      'gsomia-jp-kr-2016',
    ]);
  });

  it('§4: otherwise the first reason comes from the in-force agreement that passed the most checks', () => {
    // KIMITSU → KR: GSOMIA passes hub (1 check) then fails level; TISA fails hub (0 checks).
    const d = act(all(), T, { kind: 'release', item: 'topsecret', to: 'KR' });
    expect(first(d)).toBe('level-not-covered');
    expect(d.reasons[0]?.agreement).toBe('gsomia-jp-kr-2016');
    expect(d.reasons.map((r) => r.code)).toContain('hub-route-required');
  });

  it('§4: ties go to the smallest id', () => {
    const a = bilateral({
      id: 'a-scope',
      rows: [{ JP: ['GOKUHI'], KR: ['II'] }],
      scope: ['other'],
    });
    const b = bilateral({
      id: 'b-scope',
      rows: [{ JP: ['GOKUHI'], KR: ['II'] }],
      scope: ['other'],
    });
    const d = act(world({ agreements: [b, a], items }), T, {
      kind: 'release',
      item: 'secret',
      to: 'KR',
    });
    expect(first(d)).toBe('out-of-scope');
    expect(d.reasons[0]?.agreement).toBe('a-scope');
  });

  it('§4: agreement-not-in-force when none is in force, even if another would fail later checks', () => {
    const w = world({ agreements: ['gsomia-jp-kr-2016', 'tisa-2014'], items });
    const d = act(w, '2014-01-01T00:00:00+09:00', { kind: 'release', item: 'secret', to: 'KR' });
    expect(first(d)).toBe('agreement-not-in-force');
  });

  it('§4 counterfactual 2019: with GSOMIA terminated the first reason is hub-route-required from TISA, with the route suggested', () => {
    const w = all();
    act(w, '2019-08-23T10:00:00+09:00', {
      kind: 'notice',
      agreement: 'gsomia-jp-kr-2016',
      by: 'KR',
    });
    const d = act(w, '2019-11-23T00:00:01+09:00', { kind: 'release', item: 'secret', to: 'KR' });
    expect(first(d)).toBe('hub-route-required');
    expect(d.reasons.map((r) => r.code)).toContain('agreement-not-in-force');
    expect(d.suggestion?.kind).toBe('hub-route');
  });
});

describe('unknown ids fail first', () => {
  it('unknown-item and unknown-party on release', () => {
    const w = all();
    expect(first(act(w, T, { kind: 'release', item: 'nope', to: 'KR' }))).toBe('unknown-item');
    expect(first(act(w, T, { kind: 'release', item: 'secret', to: 'KP' }))).toBe('unknown-party');
  });
});

describe('F0–F4 forward', () => {
  function heldByUs() {
    const w = all();
    expect(act(w, T, { kind: 'release', item: 'secret', to: 'US' }).decision).toBe('allow');
    return w;
  }

  it('F0: an unclassified item needs no consent to be passed on', () => {
    const w = all();
    act(w, T, { kind: 'release', item: 'open', to: 'US' });
    const d = act(w, T, { kind: 'forward', item: 'open', by: 'US', to: 'KR' });
    expect(d.decision).toBe('allow');
    expect(first(d)).toBe('unclassified');
    expect(d.reasons[0]?.rule).toBe('F0');
  });

  it('F1: without a consent from the originator a forward is consent-required, with a suggestion to ask', () => {
    const d = act(heldByUs(), T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' });
    expect(first(d)).toBe('consent-required');
    expect(d.reasons[0]?.rule).toBe('F1');
    expect(d.suggestion).toMatchObject({
      kind: 'request-consent',
      consent: { by: 'JP', holder: 'US', to: 'KR' },
    });
  });

  it('F1: a consent must name the item, the holder and the recipient', () => {
    const w = heldByUs();
    act(w, T, { kind: 'consent', id: 'c-other', item: 'secret', by: 'JP', holder: 'US', to: 'JP' });
    expect(first(act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' }))).toBe(
      'consent-required',
    );
    act(w, T, { kind: 'consent', id: 'c-right', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    expect(act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' }).decision).toBe(
      'allow',
    );
  });

  it('F1: only the originator may consent (not-originator)', () => {
    const w = heldByUs();
    const d = act(w, T, {
      kind: 'consent',
      id: 'c1',
      item: 'secret',
      by: 'US',
      holder: 'US',
      to: 'KR',
    });
    expect(first(d)).toBe('not-originator');
    expect(w.consents.has('c1')).toBe(false);
  });

  it('F1: an expired consent gives consent-expired; expiry is exclusive', () => {
    const w = heldByUs();
    act(w, T, {
      kind: 'consent',
      id: 'c1',
      item: 'secret',
      by: 'JP',
      holder: 'US',
      to: 'KR',
      expires: Date.parse('2019-10-03T00:00:00+09:00'),
    });
    expect(
      act(w, '2019-10-02T23:59:59.999+09:00', {
        kind: 'forward',
        item: 'secret',
        by: 'US',
        to: 'KR',
      }).decision,
    ).toBe('allow');
    const w2 = heldByUs();
    act(w2, T, {
      kind: 'consent',
      id: 'c1',
      item: 'secret',
      by: 'JP',
      holder: 'US',
      to: 'KR',
      expires: Date.parse('2019-10-03T00:00:00+09:00'),
    });
    expect(
      first(
        act(w2, '2019-10-03T00:00:00+09:00', {
          kind: 'forward',
          item: 'secret',
          by: 'US',
          to: 'KR',
        }),
      ),
    ).toBe('consent-expired');
  });

  it('F1: a revoked consent gives consent-revoked; only its giver may revoke it', () => {
    const w = heldByUs();
    act(w, T, { kind: 'consent', id: 'c1', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    expect(first(act(w, T, { kind: 'revoke-consent', id: 'c1', by: 'US' }))).toBe('not-originator');
    expect(
      act(w, '2019-10-02T09:00:00+09:00', { kind: 'revoke-consent', id: 'c1', by: 'JP' }).decision,
    ).toBe('allow');
    expect(
      first(
        act(w, '2019-10-02T09:00:00+09:00', {
          kind: 'forward',
          item: 'secret',
          by: 'US',
          to: 'KR',
        }),
      ),
    ).toBe('consent-revoked');
    expect(first(act(w, T, { kind: 'revoke-consent', id: 'nope', by: 'JP' }))).toBe(
      'unknown-consent',
    );
  });

  it('F1: any valid consent suffices; otherwise the newest one gives the code', () => {
    const w = heldByUs();
    act(w, '2019-10-01T00:00:00+09:00', {
      kind: 'consent',
      id: 'old',
      item: 'secret',
      by: 'JP',
      holder: 'US',
      to: 'KR',
      expires: Date.parse('2019-10-05T00:00:00+09:00'),
    });
    act(w, '2019-10-02T00:00:00+09:00', {
      kind: 'consent',
      id: 'new',
      item: 'secret',
      by: 'JP',
      holder: 'US',
      to: 'KR',
    });
    act(w, '2019-10-03T00:00:00+09:00', { kind: 'revoke-consent', id: 'new', by: 'JP' });
    // 'old' is still valid on the 4th, so the forward passes.
    expect(
      act(w, '2019-10-04T00:00:00+09:00', { kind: 'forward', item: 'secret', by: 'US', to: 'KR' })
        .decision,
    ).toBe('allow');
    // On the 6th 'old' has expired and 'new' is revoked: the newest ('new') gives the code.
    expect(
      first(
        act(w, '2019-10-06T00:00:00+09:00', {
          kind: 'forward',
          item: 'secret',
          by: 'US',
          to: 'KR',
        }),
      ),
    ).toBe('consent-revoked');
  });

  it("F2: holder and recipient need an agreement in force covering the holder's marking and the categories", () => {
    const w = world({ agreements: ['gsomia-us-jp-2007', 'tisa-2014'], items });
    act(w, T, { kind: 'release', item: 'econ', to: 'US' });
    act(w, T, { kind: 'consent', id: 'c', item: 'econ', by: 'JP', holder: 'US', to: 'KR' });
    // US–KR only under TISA here, whose scope excludes 'economy'.
    const d = act(w, T, { kind: 'forward', item: 'econ', by: 'US', to: 'KR' });
    expect(first(d)).toBe('out-of-scope');
    expect(d.reasons[0]?.rule).toBe('F2');
  });

  it('F2: with no agreement between holder and recipient the forward is no-agreement, after the consent check', () => {
    const w = world({ agreements: ['gsomia-us-jp-2007'], items });
    act(w, T, { kind: 'release', item: 'secret', to: 'US' });
    const d = act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' });
    expect(d.reasons.map((r) => r.code)).toEqual(['consent-required', 'no-agreement']);
  });

  it("F3: the recipient's marking is the row's marking from the holder's, or the higher O–Q marking", () => {
    // US holds it as S; US→KR gives II (gsia); JP→KR directly gives II too.
    const w = heldByUs();
    act(w, T, { kind: 'consent', id: 'c', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    const d = act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' });
    expect(d.reasons[0]?.rule).toBe('F3');
    expect(d.marking?.code).toBe('II');
    // A hub→spoke translation that is lower than the direct O–Q one: the higher wins.
    const lowHub = bilateral({
      id: 'low-us-kr',
      parties: ['US', 'KR'],
      rows: [{ US: ['S'], KR: ['III'] }],
    });
    const w2 = world({ agreements: ['gsomia-us-jp-2007', lowHub, 'gsomia-jp-kr-2016'], items });
    act(w2, T, { kind: 'release', item: 'secret', to: 'US' });
    act(w2, T, { kind: 'consent', id: 'c', item: 'secret', by: 'JP', holder: 'US', to: 'KR' });
    const d2 = act(w2, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' });
    expect(d2.decision).toBe('allow');
    expect(d2.marking?.code).toBe('II');
  });

  it('F5: handing an item back to its originator, who holds it, is refused already-held (checked last: F2 still applies first)', () => {
    const w = heldByUs();
    const d = act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'JP' });
    expect(d.decision).toBe('deny');
    expect(d.reasons[0]?.code).toBe('already-held');
    expect(d.reasons[0]?.rule).toBe('F5');
    expect(w.items.get('secret')?.holdings.get('JP')?.marking.code).toBe('GOKUHI');
    act(w, T, { kind: 'terminate', agreement: 'gsomia-us-jp-2007' });
    act(w, T, { kind: 'terminate', agreement: 'tisa-2014' });
    expect(first(act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'JP' }))).toBe(
      'agreement-not-in-force',
    );
  });

  it('F4: a party must hold an item to forward it (not-held); a forward by the originator is a release', () => {
    const w = all();
    expect(first(act(w, T, { kind: 'forward', item: 'secret', by: 'US', to: 'KR' }))).toBe(
      'not-held',
    );
    const d = act(w, T, { kind: 'forward', item: 'secret', by: 'JP', to: 'KR' });
    expect(d.decision).toBe('allow');
    expect(d.reasons[0]?.rule).toBe('R5');
  });
});
