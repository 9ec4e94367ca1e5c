// The one place where a World changes: an allowed decision's effect is applied.
import type { Effect } from './decision.js';
import type { Marking } from './schemes.js';
import type { World } from './world.js';

function mustGet<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const v = map.get(key);
  if (v === undefined) throw new RangeError(`effect names unknown ${what} '${String(key)}'`);
  return v;
}

/**
 * Applies an effect. Definitions (agreements, users, items) are validated here: a
 * DefinitionError leaves the World as it was.
 */
export function applyEffect(w: World, effect: Effect): void {
  switch (effect.kind) {
    case 'add-agreement':
      w.addAgreement(effect.definition);
      return;
    case 'add-user':
      w.addUser(effect.user);
      return;
    case 'update-user':
      w.updateUser(effect.id, effect.change);
      return;
    case 'add-item':
      w.addItem(effect.item, effect.since);
      return;
    case 'hold': {
      const item = mustGet(w.items, effect.item, 'item');
      const party = mustGet(w.parties, effect.party, 'party');
      const marking = mustGet(party.scheme.byCode, effect.marking, 'marking');
      // The originator's own holding is never replaced by a copy sent back to it.
      if (party.id === item.originator.id) return;
      const existing = item.holdings.get(party.id);
      if (existing === undefined) {
        item.holdings.set(party.id, {
          party: party.id,
          marking,
          receipts: [...effect.receipts],
          since: effect.since ?? effect.receipts[0]?.at ?? Number.NEGATIVE_INFINITY,
        });
      } else {
        // A second copy: protect at the higher of the two markings.
        existing.receipts.push(...effect.receipts);
        if (marking.rank > existing.marking.rank) existing.marking = marking;
      }
      return;
    }
    case 'consent': {
      const c = { ...effect.consent };
      w.consents.set(c.id, c);
      const list = w.consentsByItem.get(c.item);
      if (list === undefined) w.consentsByItem.set(c.item, [c]);
      else list.push(c);
      return;
    }
    case 'revoke-consent': {
      const c = mustGet(w.consents, effect.id, 'consent');
      c.revokedAt = Math.min(c.revokedAt, effect.at);
      return;
    }
    case 'reclassify': {
      const item = mustGet(w.items, effect.item, 'item');
      item.marking = mustGet(item.originator.scheme.byCode, effect.marking, 'marking');
      item.version = effect.version;
      for (const h of effect.holders) {
        const holding = item.holdings.get(h.party);
        const party = w.parties.get(h.party);
        if (holding === undefined || party === undefined) continue;
        holding.marking = mustGet<string, Marking>(party.scheme.byCode, h.marking, 'marking');
      }
      return;
    }
    case 'compromise': {
      const item = mustGet(w.items, effect.item, 'item');
      item.compromise.push({ by: effect.by, at: effect.at });
      return;
    }
    case 'lifecycle': {
      mustGet(w.agreements, effect.agreement, 'agreement').append(effect.event);
      return;
    }
  }
}
