// An item arriving from a partner, decided again by the receiver (RULES R1–R6,
// F0–F5) before anything changes: the item as its sender describes it, the sender's
// own holding (a forward from a holder this node has not seen hold it), and the
// originator's consent the forward carries are weighed as if they were in the World;
// the World changes only through the effects an allowed decision returns.
import type { Decision, Effect } from './decision.js';
import { DefinitionError } from './errors.js';
import type { PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import { transferOf } from './transfer.js';
import type { ConsentRecord, ItemRecord, ItemSpec, World } from './world.js';

export interface Arrival {
  /** The item as the sender describes it (the originator's marking, categories, …). */
  readonly item: ItemSpec;
  /** `release`: from the originator; `forward`: from a holder. */
  readonly kind: 'release' | 'forward';
  readonly from: PartyId;
  /** The receiving party. */
  readonly to: PartyId;
  /** The sender's marking, in its own scheme (for a forward). */
  readonly senderMarking: string;
  /** The originator's consent a forward carries (already verified), or null. */
  readonly consent: ConsentRecord | null;
}

export interface ArrivalDecision {
  readonly decision: Decision;
  /** When allowed, what to apply, in order: the item if new, the sender's holding, the consent, the receipt. */
  readonly effects: readonly Effect[];
}

/**
 * Decides an arrival at t without changing the World. Throws a DefinitionError when
 * the sender's description cannot be an item here (unknown party or marking, another
 * originator than the item known here, a release not from the originator).
 */
export function decideArrival(w: World, a: Arrival, t: EpochMs): ArrivalDecision {
  if ((a.kind === 'release') !== (a.from === a.item.originator)) {
    throw new DefinitionError('a release comes from the originator, a forward from a holder', [
      'kind',
    ]);
  }
  const known = w.items.get(a.item.id);
  if (known !== undefined && known.originator.id !== a.item.originator) {
    throw new DefinitionError(`item ${a.item.id} is known here with another originator`, [
      'originator',
    ]);
  }
  const to = w.parties.get(a.to);
  if (to === undefined) throw new DefinitionError(`unknown party '${a.to}'`, ['to']);
  const effects: Effect[] = [];
  // The item as the decision sees it: a copy, whose holdings may gain the sender's.
  let item: ItemRecord;
  if (known === undefined) {
    item = w.itemRecord(a.item, t);
    effects.push({ kind: 'add-item', item: a.item, since: t });
  } else {
    item = { ...known, holdings: new Map(known.holdings) };
  }
  if (a.kind === 'forward' && !item.holdings.has(a.from)) {
    const sender = w.parties.get(a.from);
    const marking = sender?.scheme.byCode.get(a.senderMarking);
    if (marking === undefined) {
      throw new DefinitionError(`unknown marking '${a.senderMarking}' for ${a.from}`, [
        'senderMarking',
      ]);
    }
    item.holdings.set(a.from, { party: a.from, marking, receipts: [], since: t });
    effects.push({
      kind: 'hold',
      item: item.id,
      party: a.from,
      marking: marking.code,
      receipts: [],
      since: t,
    });
  }
  const consent = a.kind === 'forward' ? a.consent : null;
  const decision = transferOf(w, item, a.from, to, t, consent);
  if (decision.decision !== 'allow' || decision.effect === undefined)
    return { decision, effects: [] };
  if (consent !== null && !w.consents.has(consent.id)) effects.push({ kind: 'consent', consent });
  effects.push(decision.effect);
  return { decision, effects };
}
