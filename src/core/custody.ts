// What the originator keeps control of after an item has moved: consents (F1),
// their revocation, reclassification (C1) and compromise reports (GSOMIA Art. 17).
// All of these survive termination of the agreement (RULES L9).

import { actingRefusal } from './access.js';
import {
  type Decision,
  deny,
  type MarkingView,
  markingView,
  type Reason,
  reason,
  showMarking,
} from './decision.js';
import { DefinitionError } from './errors.js';
import { defined } from './guards.js';
import type { AgreementRuntime } from './lifecycle.js';
import { markingFromOriginator } from './originator-marking.js';
import type { Marking, PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import {
  type ConsentRecord,
  type Holding,
  type ItemRecord,
  type Receipt,
  showInAgreementZone,
  type World,
} from './world.js';

export interface ConsentRequest {
  readonly id: string;
  readonly item: string;
  readonly by: PartyId;
  readonly holder: PartyId;
  readonly to: PartyId;
  /** Absent = no expiry. */
  readonly expires?: EpochMs | undefined;
  /** The person of `by` who acts; when named, RULES P1 applies. */
  readonly user?: string | undefined;
}

export interface RevokeConsentRequest {
  readonly id: string;
  readonly by: PartyId;
  /** The person of `by` who acts; when named, RULES P1 applies. */
  readonly user?: string | undefined;
}

export interface ReclassifyRequest {
  readonly item: string;
  readonly by: PartyId;
  readonly marking: string;
  /** The person of `by` who acts; when named, RULES P1 applies. */
  readonly user?: string | undefined;
  /**
   * The manifest version the new marking comes with (the item's next by default). The
   * node refuses a version not above the item's before asking (`stale-manifest`).
   */
  readonly version?: number | undefined;
}

export interface CompromiseRequest {
  readonly item: string;
  readonly by: PartyId;
  /** The person of `by` who acts; when named, RULES P1 applies. */
  readonly user?: string | undefined;
}

/** RULES P1, after unknown ids: the named person must be allowed to read the item. */
function p1(w: World, user: string | undefined, by: PartyId, item: ItemRecord, t: EpochMs) {
  return user === undefined ? null : actingRefusal(w, user, by, item, t);
}

const NO_AGREEMENT = '';

function firstUnknownParty(w: World, fields: readonly [string, PartyId][]): Reason | null {
  for (const [field, id] of fields) {
    if (!w.parties.has(id))
      return reason('unknown-party', null, `unknown party '${id}' in ${field}`);
  }
  return null;
}

/** The article of the agreement under which a holder first received the item. */
function holderRef(
  w: World,
  holding: Holding | undefined,
  topic: 'third-party' | 'reclassification' | 'compromise',
): { ref: string; agreement: string } | undefined {
  const id = holding?.receipts.find((r) => r.agreement !== null)?.agreement;
  const a = id == null ? undefined : w.agreements.get(id);
  const rule = topic === 'third-party' ? 'F1' : topic === 'reclassification' ? 'C1' : 'X1';
  return a === undefined ? undefined : { ref: a.ref(topic, rule), agreement: a.id };
}

/** RULES F1: only the originator may consent to a third-party transfer. */
export function decideConsent(w: World, req: ConsentRequest, t: EpochMs): Decision {
  if (w.consents.has(req.id)) {
    throw new DefinitionError(`consent id '${req.id}' is used twice`, ['id']);
  }
  const item = w.items.get(req.item);
  if (item === undefined) return deny([reason('unknown-item', null, `unknown item '${req.item}'`)]);
  const unknown = firstUnknownParty(w, [
    ['by', req.by],
    ['holder', req.holder],
    ['to', req.to],
  ]);
  if (unknown !== null) return deny([unknown]);
  const refusal = p1(w, req.user, req.by, item, t);
  if (refusal !== null) return refusal;
  const origin = item.originator.id;
  const ref = holderRef(w, item.holdings.get(req.holder), 'third-party');
  if (req.by !== origin) {
    return deny([
      reason(
        'not-originator',
        'F1',
        `only ${origin}, the originator of ${item.id}, may consent to passing it on; ${req.by} may not`,
        ref,
      ),
    ]);
  }
  const consent: ConsentRecord = {
    id: req.id,
    item: item.id,
    by: req.by,
    holder: req.holder,
    to: req.to,
    grantedAt: t,
    expires: req.expires ?? Number.POSITIVE_INFINITY,
    revokedAt: Number.POSITIVE_INFINITY,
  };
  const until =
    req.expires === undefined
      ? 'with no expiry'
      : `until ${showInAgreementZone(w, ref?.agreement, req.expires)}`;
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'F1',
        `${origin} consents in writing to ${req.holder} passing ${item.id} to ${req.to}, ${until}`,
        ref,
      ),
    ],
    effect: { kind: 'consent', consent },
  };
}

/** Only the party that consented may revoke; revoking twice keeps the first instant. */
export function decideRevokeConsent(w: World, req: RevokeConsentRequest, t: EpochMs): Decision {
  const consent = w.consents.get(req.id);
  if (consent === undefined) {
    return deny([reason('unknown-consent', null, `unknown consent '${req.id}'`)]);
  }
  if (!w.parties.has(req.by)) {
    return deny([reason('unknown-party', null, `unknown party '${req.by}' in by`)]);
  }
  const consentItem = w.items.get(consent.item);
  if (req.user !== undefined) {
    if (consentItem === undefined) {
      return deny([reason('unknown-item', null, `unknown item '${consent.item}'`)]);
    }
    const refusal = p1(w, req.user, req.by, consentItem, t);
    if (refusal !== null) return refusal;
  }
  if (req.by !== consent.by) {
    return deny([
      reason(
        'not-originator',
        'F1',
        `only ${consent.by}, who gave consent ${consent.id}, may revoke it; ${req.by} may not`,
      ),
    ]);
  }
  const already = consent.revokedAt <= t;
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'F1',
        already
          ? `consent ${consent.id} was already revoked at ${showInAgreementZone(w, holderRef(w, consentItem?.holdings.get(consent.holder), 'third-party')?.agreement, consent.revokedAt)}`
          : `${consent.by} revokes consent ${consent.id}: ${consent.holder} may no longer pass ${consent.item} to ${consent.to} on its strength`,
      ),
    ],
    effect: { kind: 'revoke-consent', id: consent.id, at: already ? consent.revokedAt : t },
  };
}

/** The agreements a receipt's rows come from: its own, or for an unclassified copy any linking one. */
function receiptAgreements(w: World, r: Receipt, holder: PartyId, t: EpochMs): AgreementRuntime[] {
  if (r.agreement !== null) {
    const a = w.agreements.get(r.agreement);
    return a === undefined ? [] : [a];
  }
  // An unclassified copy came under no agreement: follow every agreement that links
  // sender and holder, those in force first, as a security officer would.
  const linking = w.agreementsBetween(r.from, holder);
  const inForce = linking.filter((a) => a.inForceAt(t));
  return inForce.length > 0 ? inForce : [...linking];
}
/**
 * RULES C1: only the originator reclassifies. Holders follow through the rows of
 * the agreement under which each received the item (its last text if it has
 * ended), hop by hop; where the rows do not cover the new marking, the holder keeps
 * the highest marking they cover and the decision names the holder.
 */
export function decideReclassify(w: World, req: ReclassifyRequest, t: EpochMs): Decision {
  const item = w.items.get(req.item);
  if (item === undefined) return deny([reason('unknown-item', null, `unknown item '${req.item}'`)]);
  const unknown = firstUnknownParty(w, [['by', req.by]]);
  if (unknown !== null) return deny([unknown]);
  const origin = item.originator;
  const next = origin.scheme.byCode.get(req.marking);
  if (next === undefined) {
    return deny([
      reason(
        'unknown-marking',
        null,
        `unknown marking '${req.marking}' for ${origin.id} (known: ${origin.scheme.markings.map((m) => m.code).join(', ')})`,
      ),
    ]);
  }
  const refusal = p1(w, req.user, req.by, item, t);
  if (refusal !== null) return refusal;
  if (req.by !== origin.id) {
    return deny([
      reason(
        'not-originator',
        'C1',
        `only ${origin.id}, the originator of ${item.id}, may reclassify it; ${req.by} may not`,
        holderRef(w, item.holdings.get(req.by), 'reclassification'),
      ),
    ]);
  }
  const version = req.version ?? item.version + 1;
  const { markings, uncovered } = followReclassification(w, item, next, t);
  const holders: MarkingView[] = [];
  for (const m of markings.values()) holders.push(markingView(m, next));
  const reasons: Reason[] = [
    reason(
      'allowed',
      'C1',
      `${origin.id} reclassifies ${item.id} from ${showMarking(item.marking)} to ${showMarking(next)}; ${
        holders.length - 1
      } holder${holders.length === 2 ? '' : 's'} follow${holders.length === 2 ? 's' : ''} through their agreements' rows`,
      firstHolderRef(w, item),
    ),
  ];
  for (const u of uncovered) {
    const m = defined(markings.get(u.party), `the marking of ${u.party}`);
    const a = w.agreements.get(u.agreement);
    reasons.push(
      a === undefined
        ? reason(
            'level-not-covered',
            'C1',
            `no agreement links ${u.party} to translate ${showMarking(next)}; ${u.party} keeps ${showMarking(m)}`,
            { party: u.party },
          )
        : reason(
            'level-not-covered',
            'C1',
            `the rows under which ${u.party} holds ${item.id} (${a.id}) do not cover ${showMarking(next)}; ${u.party} keeps ${showMarking(m)}, the highest they cover`,
            { party: u.party, agreement: a.id, ref: a.ref('reclassification', 'C1') },
          ),
    );
  }
  return {
    decision: 'allow',
    reasons,
    holders,
    effect: {
      kind: 'reclassify',
      item: item.id,
      marking: next.code,
      version,
      holders: [...markings].map(([party, m]) => ({ party, marking: m.code })),
    },
  };
}

function firstHolderRef(
  w: World,
  item: ItemRecord,
): { ref: string; agreement: string } | undefined {
  for (const h of item.holdings.values()) {
    const r = holderRef(w, h, 'reclassification');
    if (r !== undefined) return r;
  }
  return undefined;
}

/**
 * Holders' markings after the originator moves to `next`, hop by hop in order of
 * receipt. A holder takes the highest marking that the rows it received the item
 * under give for its sender's new marking; only if none of them covers it, it keeps
 * the highest marking those rows cover, and is reported.
 */
function followReclassification(
  w: World,
  item: ItemRecord,
  next: Marking,
  t: EpochMs,
): { markings: Map<PartyId, Marking>; uncovered: { party: PartyId; agreement: string }[] } {
  const markings = new Map<PartyId, Marking>([[item.originator.id, next]]);
  const uncovered: { party: PartyId; agreement: string }[] = [];
  // Holdings are kept in order of first receipt, so every sender precedes its recipients.
  for (const h of item.holdings.values()) {
    if (h.party === item.originator.id) continue;
    const party = w.parties.get(h.party);
    let covered: Marking | null = null;
    let fallback: { marking: Marking; agreement: string } | null = null;
    if (h.receipts.length === 0) {
      // A holding this node saw only as a forward's sender (src/core/arrival.ts): its
      // marking follows from the originator's, as it was computed on arrival.
      const m = markingFromOriginator(w, { ...item, marking: next }, h.party, t);
      if (m !== null) {
        markings.set(h.party, m);
        continue;
      }
      // Not covered: as below, the highest marking the linking agreements cover.
      for (const a of receiptAgreements(
        w,
        { from: item.originator.id, agreement: null, at: t },
        h.party,
        t,
      )) {
        const top = a.lastTextAt(t).highestCovered.get(h.party);
        if (top !== undefined && (fallback === null || top.rank > fallback.marking.rank))
          fallback = { marking: top, agreement: a.id };
      }
    }
    for (const r of h.receipts) {
      const senderNew = markings.get(r.from) ?? item.holdings.get(r.from)?.marking ?? next;
      if (senderNew.rank === 0 && party !== undefined) {
        if (covered === null) covered = party.scheme.unclassified;
        continue;
      }
      for (const a of receiptAgreements(w, r, h.party, t)) {
        const text = a.lastTextAt(t);
        const m = text.translate.get(r.from)?.get(senderNew.code)?.get(h.party);
        if (m !== undefined) {
          if (covered === null || m.rank > covered.rank) covered = m;
          continue;
        }
        const top = text.highestCovered.get(h.party);
        if (top !== undefined && (fallback === null || top.rank > fallback.marking.rank)) {
          fallback = { marking: top, agreement: a.id };
        }
      }
    }
    if (covered !== null) {
      markings.set(h.party, covered);
    } else if (fallback !== null) {
      markings.set(h.party, fallback.marking);
      uncovered.push({ party: h.party, agreement: fallback.agreement });
    } else {
      markings.set(h.party, h.marking);
      uncovered.push({ party: h.party, agreement: NO_AGREEMENT });
    }
  }
  return { markings, uncovered };
}

/** GSOMIA Art. 17: a holder may report loss or possible compromise at any time. */
export function decideCompromiseReport(w: World, req: CompromiseRequest, t: EpochMs): Decision {
  const item = w.items.get(req.item);
  if (item === undefined) return deny([reason('unknown-item', null, `unknown item '${req.item}'`)]);
  const unknown = firstUnknownParty(w, [['by', req.by]]);
  if (unknown !== null) return deny([unknown]);
  const refusal = p1(w, req.user, req.by, item, t);
  if (refusal !== null) return refusal;
  const holding = item.holdings.get(req.by);
  if (holding === undefined) {
    return deny([
      reason(
        'not-held',
        'A1',
        `${req.by} does not hold ${item.id}, so cannot report it compromised`,
      ),
    ]);
  }
  const origin = item.originator.id;
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'X1',
        req.by === origin
          ? `${origin} flags its own ${item.id} as possibly compromised; every holder is told`
          : `${req.by} reports possible compromise of ${item.id}; the originator ${origin} is notified at once and the item is flagged`,
        holderRef(w, holding, 'compromise'),
      ),
    ],
    effect: { kind: 'compromise', item: item.id, by: req.by, at: t },
  };
}
