// Release (RULES R1–R5) and forward (F0–F4): may a party send an item to another
// party at t, and at which marking does the recipient hold it?
import { actingRefusal } from './access.js';
import { type ConsentOutcome, checkConsent } from './consent-check.js';
import {
  type ConsentNeeded,
  type Decision,
  deny,
  markingView,
  type Reason,
  reason,
  type Suggestion,
  showMarking,
} from './decision.js';
import type { AgreementRuntime } from './lifecycle.js';
import { evaluatePaths } from './paths.js';
import type { Marking, Party, PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import type { ConsentRecord, ItemRecord, Receipt, World } from './world.js';

export interface ReleaseRequest {
  readonly item: string;
  readonly to: PartyId;
  /** The person of the originator who acts; when named, RULES P1 applies. */
  readonly user?: string | undefined;
}

export interface ForwardRequest {
  readonly item: string;
  /** The holder that sends; if it is the originator, the forward is a release. */
  readonly by: PartyId;
  readonly to: PartyId;
  /** The person of `by` who acts; when named, RULES P1 applies. */
  readonly user?: string | undefined;
}

// Checks of one agreement, in RULES order. A path "passes" when none fails.
function unknownParty(id: PartyId, field: string): Reason {
  return reason('unknown-party', null, `unknown party '${id}' in ${field}`);
}

function unknownItem(id: string): Reason {
  return reason('unknown-item', null, `unknown item '${id}'`);
}

/** The highest marking Q gets from O's marking under O–Q agreements in force at t (F3). */
function directTranslation(
  w: World,
  item: ItemRecord,
  recipient: PartyId,
  t: EpochMs,
): { marking: Marking; via: AgreementRuntime[] } | null {
  let best: Marking | null = null;
  const via: AgreementRuntime[] = [];
  const origin = item.originator.id;
  for (const a of w.agreementsBetween(origin, recipient)) {
    if (!a.inForceAt(t)) continue;
    const m = a.textAt(t).translate.get(origin)?.get(item.marking.code)?.get(recipient);
    if (m === undefined) continue;
    via.push(a);
    if (best === null || m.rank > best.rank) best = m;
  }
  return best === null ? null : { marking: best, via };
}

function receipts(from: PartyId, via: readonly AgreementRuntime[], t: EpochMs): Receipt[] {
  return via.map((a) => ({ from, agreement: a.id, at: t }));
}

/** RULES R1–R5: the originator releases its own item to party `to` at t. */
export function decideRelease(w: World, req: ReleaseRequest, t: EpochMs): Decision {
  const item = w.items.get(req.item);
  if (item === undefined) return deny([unknownItem(req.item)]);
  const to = w.parties.get(req.to);
  if (to === undefined) return deny([unknownParty(req.to, 'to')]);
  if (req.user !== undefined) {
    const refusal = actingRefusal(w, req.user, item.originator.id, item, t);
    if (refusal !== null) return refusal;
  }
  return alreadyHeld(release(w, item, to, t), item, to.id, 'R6');
}

/**
 * RULES R6 / F5, checked last: a transfer that passes every other check to a party that
 * already holds the item is refused.
 */
function alreadyHeld(d: Decision, item: ItemRecord, to: PartyId, rule: 'R6' | 'F5'): Decision {
  if (d.decision !== 'allow' || !item.holdings.has(to)) return d;
  return deny([
    reason(
      'already-held',
      rule,
      `${to} already holds ${item.id}: a second copy is refused (the first one's marking and receipts stand)`,
    ),
  ]);
}

function release(w: World, item: ItemRecord, to: Party, t: EpochMs): Decision {
  const origin = item.originator;
  const held = item.holdings.get(origin.id);
  if (held === undefined) {
    return deny([reason('not-held', 'F4', `${origin.id} does not hold ${item.id}`)]);
  }
  // R1: rank 0 goes to any known party, marked at the recipient's rank 0.
  if (item.marking.rank === 0) {
    const target = to.scheme.unclassified;
    return {
      decision: 'allow',
      reasons: [
        reason(
          'unclassified',
          'R1',
          `${item.id} is unclassified (${showMarking(item.marking)}): it may go to any known party`,
        ),
      ],
      marking: markingView(target, item.marking),
      agreements: [],
      effect: {
        kind: 'hold',
        item: item.id,
        party: to.id,
        marking: target.code,
        receipts: [{ from: origin.id, agreement: null, at: t }],
      },
    };
  }
  const outcome = evaluatePaths(w, item, origin.id, item.marking, to.id, t, 'R');
  if (!outcome.allow) {
    const suggestion = hubRoute(w, item, to.id, t, outcome.reasons[0]?.code);
    return suggestion === null ? deny(outcome.reasons) : deny(outcome.reasons, { suggestion });
  }
  const { target, via } = outcome;
  const main = via[0];
  const ids = via.length === 1 ? [main.id] : via.map((a) => a.id);
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'R5',
        `${origin.id} may release ${item.id} to ${to.id} under ${ids.length === 1 ? main.id : ids.join(', ')}: ${to.id} marks it ${showMarking(target)} beside ${origin.id}'s ${showMarking(item.marking)}${main.rowsNote}`,
        { ref: main.ref('marking', 'R5'), agreement: main.id },
      ),
    ],
    marking: markingView(target, item.marking),
    agreements: ids,
    effect: {
      kind: 'hold',
      item: item.id,
      party: to.id,
      marking: target.code,
      receipts: receipts(origin.id, via, t),
    },
  };
}

export function decideForward(w: World, req: ForwardRequest, t: EpochMs): Decision {
  const item = w.items.get(req.item);
  if (item === undefined) return deny([unknownItem(req.item)]);
  if (!w.parties.has(req.by)) return deny([unknownParty(req.by, 'by')]);
  const to = w.parties.get(req.to);
  if (to === undefined) return deny([unknownParty(req.to, 'to')]);
  if (req.user !== undefined) {
    const refusal = actingRefusal(w, req.user, req.by, item, t);
    if (refusal !== null) return refusal;
  }
  return transferOf(w, item, req.by, to, t, null);
}

/**
 * RULES R1–R6 / F0–F5 for an item record that need not be in the World yet (an item
 * arriving from a partner is decided before anything changes: arrival.ts). A
 * transfer by the originator is a release.
 */
export function transferOf(
  w: World,
  item: ItemRecord,
  by: PartyId,
  to: Party,
  t: EpochMs,
  extraConsent: ConsentRecord | null,
): Decision {
  if (by === item.originator.id) return alreadyHeld(release(w, item, to, t), item, to.id, 'R6');
  return alreadyHeld(forward(w, item, by, to, t, extraConsent), item, to.id, 'F5');
}

function forward(
  w: World,
  item: ItemRecord,
  by: PartyId,
  to: Party,
  t: EpochMs,
  extraConsent: ConsentRecord | null,
): Decision {
  const holding = item.holdings.get(by);
  if (holding === undefined) {
    return deny([reason('not-held', 'F4', `${by} does not hold ${item.id}`)]);
  }
  const origin = item.originator;
  // F0: unclassified items need no consent.
  if (item.marking.rank === 0) {
    const target = to.scheme.unclassified;
    return {
      decision: 'allow',
      reasons: [
        reason(
          'unclassified',
          'F0',
          `${item.id} is unclassified: no consent is needed to pass it on`,
        ),
      ],
      marking: markingView(target, item.marking),
      agreements: [],
      effect: {
        kind: 'hold',
        item: item.id,
        party: to.id,
        marking: target.code,
        receipts: [{ from: by, agreement: null, at: t }],
      },
    };
  }
  // The originator is no third party: handing its own item back needs no consent.
  const consent: ConsentOutcome =
    to.id === origin.id
      ? { ok: true, consent: null }
      : checkConsent(w, item, by, to.id, t, extraConsent);
  const paths = evaluatePaths(w, item, by, holding.marking, to.id, t, 'F');
  if (!consent.ok) {
    const reasons = [consent.reason, ...(paths.allow ? [] : paths.reasons)];
    if (!paths.allow) return deny(reasons);
    const needed: ConsentNeeded = { by: origin.id, item: item.id, holder: by, to: to.id };
    const suggestion: Suggestion = {
      kind: 'request-consent',
      consent: needed,
      message: `ask ${origin.id} for written consent naming ${item.id}, holder ${by} and recipient ${to.id}; the rest of the forward would pass under ${paths.via.map((a) => a.id).join(', ')}`,
    };
    return deny(reasons, { suggestion });
  }
  if (!paths.allow) return deny(paths.reasons);
  // F3: the row's marking for Q from H's marking; if O and Q also have an agreement
  // in force, the higher of the two.
  let target = paths.target;
  const direct = directTranslation(w, item, to.id, t);
  if (direct !== null && direct.marking.rank > target.rank) target = direct.marking;
  const main = paths.via[0];
  const under = paths.via.map((a) => a.id).join(', ');
  // C1 follows the route hop by hop, so only the H–Q agreements are receipts; the
  // O–Q agreement of F3 is equivalence only.
  const all = receipts(by, paths.via, t);
  const message =
    consent.consent === null
      ? `${by} may return ${origin.id}'s ${item.id} to ${origin.id} under ${under}; the originator is no third party, so no consent is needed`
      : `${by} may forward ${origin.id}'s ${item.id} to ${to.id} under ${under} with ${origin.id}'s consent ${consent.consent.id}: ${to.id} marks it ${showMarking(target)} beside ${origin.id}'s ${showMarking(item.marking)}${main.rowsNote}`;
  return {
    decision: 'allow',
    reasons: [
      reason('allowed', 'F3', message, { ref: main.ref('third-party', 'F1'), agreement: main.id }),
    ],
    marking: markingView(target, item.marking),
    agreements: paths.via.map((a) => a.id),
    effect: { kind: 'hold', item: item.id, party: to.id, marking: target.code, receipts: all },
  };
}

/**
 * When a direct release is refused, looks for the route through the hub of a hub
 * agreement that names both parties: release to the hub, then a forward by the hub
 * with the originator's consent (RULES R3, F1–F3). Offered only if both hops pass.
 */
function hubRoute(
  w: World,
  item: ItemRecord,
  to: PartyId,
  t: EpochMs,
  firstCode: string | undefined,
): Suggestion | null {
  if (
    firstCode !== 'hub-route-required' &&
    firstCode !== 'agreement-not-in-force' &&
    firstCode !== 'no-agreement'
  ) {
    return null;
  }
  const origin = item.originator.id;
  for (const a of w.agreements.values()) {
    const topology = a.topology;
    if (topology.kind !== 'hub') continue;
    const hub = topology.hub;
    if (hub === origin || hub === to || !a.partyIds.has(origin) || !a.partyIds.has(to)) continue;
    const held = item.holdings.get(hub);
    let hubMarking: Marking;
    let releaseUnder: string;
    if (held !== undefined) {
      hubMarking = held.marking;
      releaseUnder = held.receipts[0]?.agreement ?? '(already held)';
    } else {
      const first = evaluatePaths(w, item, origin, item.marking, hub, t, 'R');
      if (!first.allow) continue;
      hubMarking = first.target;
      releaseUnder = first.via[0].id;
    }
    const second = evaluatePaths(w, item, hub, hubMarking, to, t, 'F');
    if (!second.allow) continue;
    let target = second.target;
    const direct = directTranslation(w, item, to, t);
    if (direct !== null && direct.marking.rank > target.rank) target = direct.marking;
    const forwardUnder = second.via[0].id;
    const consent = checkConsent(w, item, hub, to, t);
    const existing = consent.ok ? (consent.consent?.id ?? null) : null;
    return {
      kind: 'hub-route',
      via: hub,
      releaseUnder,
      forwardUnder,
      consent: { by: origin, item: item.id, holder: hub, to },
      existingConsent: existing,
      marking: markingView(target, item.marking),
      message: `route through ${hub}: ${
        held === undefined ? `release ${item.id} to ${hub} under ${releaseUnder}, then ` : ''
      }${hub} forwards it to ${to} under ${forwardUnder} with ${origin}'s written consent naming ${item.id}, holder ${hub} and recipient ${to}${
        existing === null ? '' : ` (consent ${existing} already covers it)`
      }; ${to} would mark it ${showMarking(target)}`,
    };
  }
  return null;
}
