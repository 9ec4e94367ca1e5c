// Consents (RULES F1): a holder asks the originator for consent to pass an item on; a
// releasing authority of the originator grants or refuses it; the originator may revoke
// it. A consent is a JWS by the originator naming item, holder and recipient; the holder
// attaches it to the forward, and both holder and recipient check it. Here: the local
// operations, the consent's signature, and the one writer of each consent event (the
// messages that arrive are in handlers/consents.ts).
import { randomUUID } from 'node:crypto';
import {
  actingRefusal,
  type ConsentRecord,
  type Decision,
  decide,
  formatInstant,
  parseInstant,
} from '../core/index.js';
import { jwsKid, verifyJws } from '../crypto/jose.js';
import { Conflict, deniedBy, NotFound, PolicyDenied, RequestInvalid } from '../node/errors.js';
import { type EventActor, type EventSubjects, record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';
import { listVisible, type Page, refusal } from '../node/visibility.js';
import {
  type ConsentRequestRow,
  type ConsentRow,
  consentRequest,
  decideConsentRequestRow,
  insertConsent,
  insertPendingRequest,
  pageConsentRequests,
  setConsentRevoked,
} from '../store/consents.js';
import type { Federation } from './federation.js';
import { partyKeys } from './manifests.js';
import { CONSENT_TYP, type ConsentPayload, isConsentPayload } from './messages.js';
import { routeTo, sendTo } from './relay.js';

export interface ConsentRequestView {
  readonly id: string;
  readonly direction: string;
  readonly item: string;
  /** The item's title: a request is shown only to a person who may read its item (RULES V1). */
  readonly title: string;
  readonly originator: string;
  readonly holder: string;
  readonly to: string;
  readonly requestedBy: string;
  readonly note: string;
  readonly requestedAt: number;
  readonly status: string;
  readonly reason: string | null;
  readonly consent: string | null;
}

const codes = (d: Decision) => ({ decision: d.decision, reasons: d.reasons.map((r) => r.code) });

/** The one writer of `consent.requested`: asked here or of this originator, or refused (`d`). */
export function consentRequested(
  u: Unit,
  actor: EventActor,
  subject: EventSubjects['consent.requested'],
  d?: Decision,
): number {
  return record(u, 'consent.requested', actor, subject, d === undefined ? undefined : codes(d));
}

/** The one writer of `consent.decided`: granted or refused, or the decision refused (`d`). */
export function consentDecided(
  u: Unit,
  actor: EventActor,
  subject: EventSubjects['consent.decided'],
  decision: 'grant' | 'refuse' | Decision,
): number {
  return record(
    u,
    'consent.decided',
    actor,
    subject,
    typeof decision !== 'string'
      ? codes(decision)
      : decision === 'grant'
        ? { decision: 'allow', reasons: ['allowed'] }
        : { decision: 'deny', reasons: ['refused'] },
  );
}

/** The one writer of `consent.revoked`: here (decided, `d`) or told by its originator. */
export function consentRevoked(u: Unit, actor: EventActor, consent: string, d?: Decision): number {
  return record(u, 'consent.revoked', actor, { consent }, d === undefined ? undefined : codes(d));
}

/** The stored form of a consent and its signature. */
export function consentRow(c: ConsentRecord, jws: string): ConsentRow {
  return {
    id: c.id,
    item_id: c.item,
    by_party: c.by,
    holder: c.holder,
    to_party: c.to,
    granted_at: c.grantedAt,
    expires: Number.isFinite(c.expires) ? c.expires : null,
    revoked_at: null,
    jws,
    item_version: c.version ?? null,
  };
}

/** Keeps a consent (in the World and the store) unless it is known already. */
export async function keepConsent(u: Unit, c: ConsentRecord, jws: string): Promise<void> {
  if (u.world.consents.has(c.id)) return;
  u.apply({ kind: 'consent', consent: c });
  await insertConsent(u.tx, consentRow(c, jws));
}

/** A consent signed by its originator, verified with the originator's key. */
export function openConsent(fed: Federation, jws: string): ConsentRecord {
  let by: string;
  try {
    by = jwsKid(jws);
  } catch {
    throw new PolicyDenied('consent-required', 'the consent is not a signed consent');
  }
  // The originator's key: pinned, or bound in an agreement both parties signed (§9).
  const keys = partyKeys(fed, by);
  if (keys.length === 0)
    throw new PolicyDenied(
      'consent-required',
      `the consent is signed by ${by}, whose key this node does not know`,
    );
  let c: unknown;
  for (const key of keys) {
    try {
      const v = verifyJws(jws, key);
      if (v.header.typ !== CONSENT_TYP) continue;
      c = JSON.parse(v.payload.toString('utf8'));
      break;
    } catch {
      // another key, or a refusal below
    }
  }
  if (c === undefined)
    throw new PolicyDenied('consent-required', 'the consent signature does not verify');
  if (!isConsentPayload(c))
    throw new PolicyDenied('consent-required', 'the consent does not have the consent format');
  if (c.by !== by)
    throw new PolicyDenied(
      'not-originator',
      'the consent names another consenting party than its signer',
    );
  return {
    id: c.id,
    item: c.item,
    by: c.by,
    holder: c.holder,
    to: c.to,
    grantedAt: parseInstant(c.grantedAt).ms,
    expires: c.expires === null ? Number.POSITIVE_INFINITY : parseInstant(c.expires).ms,
    revokedAt: Number.POSITIVE_INFINITY,
    version: c.version,
  };
}

/** This party's signature of a consent it grants (a JWS, typ liaison-consent+jws). */
function signConsent(fed: Federation, c: ConsentRecord): string {
  const payload: ConsentPayload = {
    id: c.id,
    item: c.item,
    by: c.by,
    holder: c.holder,
    to: c.to,
    grantedAt: formatInstant(c.grantedAt),
    expires: Number.isFinite(c.expires) ? formatInstant(c.expires) : null,
    version: c.version ?? 1,
  };
  return fed.signAsNode(payload, CONSENT_TYP);
}

export async function requestConsent(
  fed: Federation,
  actor: Actor,
  itemId: string,
  to: string,
  note: string,
): Promise<ConsentRequestView> {
  return fed.node.transact(async (u) => {
    const item = u.world.items.get(itemId);
    if (item === undefined) throw new NotFound('unknown-item', `unknown item '${itemId}'`);
    const who = { user: actor.user, party: fed.party };
    // RULES P1: only someone who may read the item asks for consent to pass it on.
    const p1 = actingRefusal(u.world, actor.user, fed.party, item, u.now);
    if (p1 !== null) {
      consentRequested(u, who, { item: itemId, holder: fed.party, to }, p1);
      throw refusal(u, actor, itemId, p1);
    }
    if (item.originator.id === fed.party)
      throw new RequestInvalid(
        'invalid-request',
        'the originator needs no consent: release it instead',
      );
    if (!item.holdings.has(fed.party))
      throw new PolicyDenied('not-held', `${fed.party} does not hold ${itemId}`);
    if (!u.world.parties.has(to))
      throw new RequestInvalid(
        'invalid-request',
        `to: '${to}' is no party this node knows (known: ${[...u.world.parties.keys()].join(', ')})`,
        'to',
      );
    const row = await insertPendingRequest(u.tx, {
      id: `creq-${randomUUID()}`,
      direction: 'outgoing',
      item: itemId,
      originator: item.originator.id,
      holder: fed.party,
      to,
      requestedBy: actor.user,
      note,
      requestedAt: u.now,
    });
    consentRequested(u, who, {
      request: row.id,
      item: itemId,
      holder: fed.party,
      to,
      originator: item.originator.id,
    });
    await sendTo(
      fed,
      u,
      item.originator.id,
      'consent.request',
      { request: row.id, item: itemId, holder: fed.party, to, requestedBy: actor.user, note },
      itemId,
    );
    return requestView(row, item.title);
  });
}

function requestView(r: ConsentRequestRow, title: string | undefined): ConsentRequestView {
  return {
    id: r.id,
    direction: r.direction,
    item: r.item_id,
    title: title ?? '',
    originator: r.originator,
    holder: r.holder,
    to: r.to_party,
    requestedBy: r.requested_by,
    note: r.note,
    requestedAt: r.requested_at,
    status: r.status,
    reason: r.reason,
    consent: r.consent_id,
  };
}

/** Consent requests about items the person may read (RULES V1), newest first; logged. */
export async function listConsentRequests(
  fed: Federation,
  actor: Actor,
  direction: string | undefined,
  p: Page,
): Promise<ConsentRequestView[]> {
  const rows = await listVisible(
    fed.node,
    actor,
    'consents',
    p,
    (u, offset, n) => pageConsentRequests(u.tx, direction, offset, n),
    (r) => r.item_id,
  );
  const world = fed.node.world;
  return rows.map((r) => requestView(r, world.items.get(r.item_id)?.title));
}

/** A releasing authority of the originator grants (RULES F1) or refuses, with a reason. */
export async function decideConsentRequest(
  fed: Federation,
  actor: Actor,
  requestId: string,
  grant: boolean,
  reason: string,
  expires: number | null,
): Promise<{
  request: string;
  decision: 'grant' | 'refuse';
  consent: string | null;
  reasons: Decision['reasons'];
}> {
  return fed.node.transact(async (u) => {
    const req = await consentRequest(u.tx, requestId);
    if (req === undefined || req.direction !== 'incoming')
      throw new NotFound('unknown-consent', `no incoming consent request '${requestId}'`);
    // RULES P1: granting or refusing needs a person who may read the item.
    const item = u.world.items.get(req.item_id);
    if (item === undefined) throw new NotFound('unknown-item', `unknown item '${req.item_id}'`);
    const who = { user: actor.user, party: fed.party };
    const about = { request: requestId, item: req.item_id, holder: req.holder, to: req.to_party };
    const p1 = actingRefusal(u.world, actor.user, fed.party, item, u.now);
    if (p1 !== null) {
      consentDecided(u, who, about, p1);
      throw refusal(u, actor, req.item_id, p1);
    }
    if (req.status !== 'pending')
      throw new Conflict(`request ${requestId} was already ${req.status}`);
    const decision = grant ? 'grant' : 'refuse';
    let consent: { id: string; jws: string } | null = null;
    let reasons: Decision['reasons'] = [];
    if (grant) {
      const d = decide(
        u.world,
        {
          kind: 'consent',
          id: `consent-${randomUUID()}`,
          item: req.item_id,
          by: fed.party,
          holder: req.holder,
          to: req.to_party,
          expires: expires ?? undefined,
          user: actor.user,
        },
        u.now,
      );
      reasons = d.reasons;
      if (d.decision === 'deny' || d.effect?.kind !== 'consent') throw deniedBy(d);
      // The consent names the manifest version held now (issue 11).
      const given = {
        ...d.effect.consent,
        version: u.world.items.get(req.item_id)?.version ?? 1,
      };
      consent = { id: given.id, jws: signConsent(fed, given) };
      await keepConsent(u, given, consent.jws);
    }
    await decideConsentRequestRow(u.tx, requestId, {
      status: grant ? 'granted' : 'refused',
      reason,
      decided_at: u.now,
      decided_by: actor.user,
      consent_id: consent?.id ?? null,
    });
    consentDecided(
      u,
      who,
      {
        ...about,
        consent: consent?.id ?? null,
        reason,
        expires: expires === null ? null : formatInstant(expires),
      },
      decision,
    );
    await sendTo(
      fed,
      u,
      req.holder,
      'consent.decision',
      { request: requestId, decision, reason, consent: consent?.jws ?? null },
      req.item_id,
    );
    return { request: requestId, decision, consent: consent?.id ?? null, reasons };
  });
}

export async function revokeConsent(
  fed: Federation,
  actor: Actor,
  consentId: string,
): Promise<Decision> {
  return fed.node.transact(async (u) => {
    const d = decide(
      u.world,
      { kind: 'revoke-consent', id: consentId, by: fed.party, user: actor.user },
      u.now,
    );
    const about = u.world.consents.get(consentId)?.item ?? null;
    consentRevoked(u, { user: actor.user, party: fed.party }, consentId, d);
    if (d.decision === 'deny' || d.effect?.kind !== 'revoke-consent')
      throw about === null ? deniedBy(d) : refusal(u, actor, about, d);
    u.apply(d.effect);
    await setConsentRevoked(u.tx, consentId, d.effect.at);
    const c = u.world.consents.get(consentId);
    for (const party of [c?.holder, c?.to]) {
      if (
        party !== undefined &&
        party !== fed.party &&
        routeTo(fed, u, party, c?.item ?? null) !== null
      ) {
        await sendTo(
          fed,
          u,
          party,
          'consent.revoked',
          { consent: consentId, at: formatInstant(d.effect.at) },
          c?.item ?? null,
        );
      }
    }
    return d;
  });
}
