// An item's marking at a holder, computed from its originator's marking (RULES R5,
// F3): how a receiver checks a sender's claim instead of taking it (issue 11).
import type { Marking, PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import type { ItemRecord, World } from './world.js';

/**
 * The marking `holder` holds `item` at, computed from the originator's marking (RULES
 * R5), for a sender this node did not see receive the item: the highest marking the
 * rows of the agreements linking the originator and the holder give (those in force at
 * t first, else their last texts); unclassified stays unclassified. Null when no
 * agreement this World knows translates it: the sender's claim cannot be checked here.
 * With consistent equivalence tables, a forwarded copy's marking (F3) is the same as
 * its holder's marking from the originator's, so this also checks hop-by-hop chains.
 */
export function markingFromOriginator(
  w: World,
  item: ItemRecord,
  holder: PartyId,
  t: EpochMs,
): Marking | null {
  const party = w.parties.get(holder);
  if (party === undefined) return null;
  if (holder === item.originator.id) return item.marking;
  if (item.marking.rank === 0) return party.scheme.unclassified;
  const linking = w.agreementsBetween(item.originator.id, holder);
  const inForce = linking.filter((a) => a.inForceAt(t));
  for (const set of [inForce, linking]) {
    let best: Marking | null = null;
    for (const a of set) {
      const m = a
        .lastTextAt(t)
        .translate.get(item.originator.id)
        ?.get(item.marking.code)
        ?.get(holder);
      if (m !== undefined && (best === null || m.rank > best.rank)) best = m;
    }
    if (best !== null) return best;
  }
  return null;
}
