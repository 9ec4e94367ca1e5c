// An item arriving from a partner is decided before anything changes (core/arrival.ts):
// the World changes only through the effects of an allowed decision.
import { describe, expect, it } from 'vitest';
import { applyEffect, DefinitionError, decideArrival } from '../../src/core/index.js';
import { ms, world } from './helpers.js';

const T = ms('2019-10-02T08:00:00+09:00');
const spec = { id: 'jp-1', originator: 'JP', marking: 'GOKUHI', categories: ['dprk-missile'] };
// KR's view: it knows GSOMIA and TISA; JP's item arrives.
const kr = () => world({ agreements: ['gsomia-jp-kr-2016', 'tisa-2014', 'gsia-us-kr-1987'] });

describe('decideArrival', () => {
  it('a release from the originator: allowed, and applying its effects adds the item held at II', () => {
    const w = kr();
    const a = decideArrival(
      w,
      { item: spec, kind: 'release', from: 'JP', to: 'KR', senderMarking: 'GOKUHI', consent: null },
      T,
    );
    expect(a.decision.decision).toBe('allow');
    expect(w.items.has('jp-1')).toBe(false);
    for (const e of a.effects) applyEffect(w, e);
    expect(w.items.get('jp-1')?.holdings.get('KR')?.marking.code).toBe('II');
  });

  it('a refused arrival changes nothing: no item, no holding, no consent', () => {
    const w = kr();
    const a = decideArrival(
      w,
      {
        item: { ...spec, marking: 'KIMITSU' },
        kind: 'release',
        from: 'JP',
        to: 'KR',
        senderMarking: 'KIMITSU',
        consent: null,
      },
      T,
    );
    expect(a.decision.reasons[0]?.code).toBe('level-not-covered');
    expect(a.effects).toEqual([]);
    expect(w.items.size).toBe(0);
  });

  it('a forward from a holder unseen here, with the originator’s consent: the sender’s holding and the consent come with it', () => {
    const w = kr();
    const consent = {
      id: 'c1',
      item: 'jp-1',
      by: 'JP',
      holder: 'US',
      to: 'KR',
      grantedAt: T - 1000,
      expires: Number.POSITIVE_INFINITY,
      revokedAt: Number.POSITIVE_INFINITY,
    };
    const without = decideArrival(
      w,
      { item: spec, kind: 'forward', from: 'US', to: 'KR', senderMarking: 'S', consent: null },
      T,
    );
    expect(without.decision.reasons[0]?.code).toBe('consent-required');
    expect(w.items.size).toBe(0);
    // A consent for another item, or naming another holder or recipient, is no consent.
    for (const other of [
      { ...consent, id: 'c-other-item', item: 'jp-2' },
      { ...consent, id: 'c-other-holder', holder: 'GB' },
      { ...consent, id: 'c-other-to', to: 'JP' },
      { ...consent, id: 'c-not-originator', by: 'US' },
    ]) {
      const refused = decideArrival(
        w,
        { item: spec, kind: 'forward', from: 'US', to: 'KR', senderMarking: 'S', consent: other },
        T,
      );
      expect(refused.decision.decision, other.id).toBe('deny');
      expect(refused.effects).toEqual([]);
    }
    const a = decideArrival(
      w,
      { item: spec, kind: 'forward', from: 'US', to: 'KR', senderMarking: 'S', consent },
      T,
    );
    expect(a.decision.decision).toBe('allow');
    expect(a.effects.map((e) => e.kind)).toEqual(['add-item', 'hold', 'consent', 'hold']);
    for (const e of a.effects) applyEffect(w, e);
    expect([...(w.items.get('jp-1')?.holdings.keys() ?? [])]).toEqual(['JP', 'US', 'KR']);
    expect(w.consents.has('c1')).toBe(true);
    // A second copy is refused (F5), and changes nothing.
    const again = decideArrival(
      w,
      { item: spec, kind: 'forward', from: 'US', to: 'KR', senderMarking: 'S', consent },
      T,
    );
    expect(again.decision.reasons[0]?.code).toBe('already-held');
  });

  it('a description that cannot be an item here throws a DefinitionError', () => {
    const w = kr();
    const bad = (over: object) => () =>
      decideArrival(
        w,
        {
          item: spec,
          kind: 'release',
          from: 'JP',
          to: 'KR',
          senderMarking: 'GOKUHI',
          consent: null,
          ...over,
        },
        T,
      );
    expect(bad({ item: { ...spec, marking: 'NOPE' } })).toThrow(DefinitionError);
    expect(bad({ from: 'US' })).toThrow(/a release comes from the originator/);
    expect(bad({ kind: 'forward', from: 'US', senderMarking: 'NOPE' })).toThrow(/unknown marking/);
  });
});
