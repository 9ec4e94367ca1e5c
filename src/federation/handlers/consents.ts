// Consent messages from partners: a holder's request (at the originator), the
// originator's decision (at the holder), and its revocation (at holder and recipient).
import { parseInstant } from '../../core/index.js';
import { Conflict, NotFound, PolicyDenied } from '../../node/errors.js';
import {
  consentRequest,
  decideConsentRequestRow,
  insertPendingRequest,
  setConsentRevoked,
} from '../../store/consents.js';
import {
  consentDecided,
  consentRequested,
  consentRevoked,
  keepConsent,
  openConsent,
} from '../consents.js';
import { FederationError } from '../errors.js';
import { type Arrival, accepted, notLater, type Outcome } from './arrival.js';

/** At the originator: a holder asks for consent to pass an item on. */
export async function receiveConsentRequest({
  fed,
  u,
  m,
}: Arrival<'consent.request'>): Promise<Outcome> {
  const b = m.body;
  const item = u.world.items.get(b.item);
  if (item === undefined || item.originator.id !== fed.party) {
    throw new PolicyDenied('not-originator', `${fed.party} is not the originator of '${b.item}'`);
  }
  if (b.holder !== m.from)
    throw new FederationError('malformed-message', `the request names ${b.holder}, not its sender`);
  if ((await consentRequest(u.tx, b.request)) !== undefined)
    throw new Conflict(`consent request ${b.request} already exists here`);
  await insertPendingRequest(u.tx, {
    id: b.request,
    direction: 'incoming',
    item: b.item,
    originator: fed.party,
    holder: m.from,
    to: b.to,
    requestedBy: `${m.from}:${b.requestedBy}`,
    note: b.note,
    requestedAt: u.now,
  });
  const i = consentRequested(
    u,
    { user: b.requestedBy, party: m.from },
    { request: b.request, item: b.item, holder: m.from, to: b.to },
  );
  return accepted(i, `consent request ${b.request} recorded`);
}

/** At the holder: the originator's decision on our request, with the consent if granted. */
export async function receiveConsentDecision({
  fed,
  u,
  m,
}: Arrival<'consent.decision'>): Promise<Outcome> {
  const b = m.body;
  const req = await consentRequest(u.tx, b.request);
  if (req === undefined || req.direction !== 'outgoing' || req.originator !== m.from) {
    throw new NotFound('unknown-consent', `no request ${b.request} of ours to ${m.from}`);
  }
  let consentId: string | null = null;
  if (b.decision === 'grant') {
    if (b.consent === null)
      throw new FederationError('malformed-message', 'a grant carries the signed consent');
    const c = openConsent(fed, b.consent);
    if (c.item !== req.item_id || c.holder !== fed.party || c.to !== req.to_party) {
      throw new PolicyDenied(
        'consent-required',
        'the consent does not name this item, holder and recipient',
      );
    }
    await keepConsent(u, c, b.consent);
    consentId = c.id;
  }
  await decideConsentRequestRow(u.tx, b.request, {
    status: b.decision === 'grant' ? 'granted' : 'refused',
    reason: b.reason,
    decided_at: u.now,
    consent_id: consentId,
  });
  const i = consentDecided(
    u,
    { user: null, party: m.from },
    {
      request: b.request,
      item: req.item_id,
      holder: fed.party,
      to: req.to_party,
      consent: consentId,
      reason: b.reason,
    },
    b.decision,
  );
  return accepted(i, `consent decision on ${b.request}: ${b.decision}`);
}

/** At a holder or recipient: the originator revoked a consent. */
export async function receiveConsentRevoked({
  u,
  m,
}: Arrival<'consent.revoked'>): Promise<Outcome> {
  const b = m.body;
  const c = u.world.consents.get(b.consent);
  if (c === undefined || c.by !== m.from)
    throw new NotFound('unknown-consent', `no consent ${b.consent} of ${m.from}`);
  const at = notLater(parseInstant(b.at).ms, u.now, 'the revocation');
  u.apply({ kind: 'revoke-consent', id: b.consent, at });
  await setConsentRevoked(u.tx, b.consent, at);
  const i = consentRevoked(u, { user: null, party: m.from }, b.consent);
  return accepted(i, `consent ${b.consent} revoked`);
}
