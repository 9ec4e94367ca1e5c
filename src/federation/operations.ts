// What officers do across nodes: release and forward items, ask for and decide
// consents, sign agreements and changes, give notices, reclassify and report
// compromise so that every holder learns of it. Each decides with the core, then
// writes, logs and queues its messages in one unit of work.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import {
  type AgreementDefinition,
  actingRefusal,
  applyEffect,
  BUILT_IN_PARTIES,
  checkConsent,
  compileText,
  type Decision,
  decide,
  type EquivalenceRow,
  formatInstant,
  type ItemRecord,
  isPrecedence,
  markingRef,
  World,
} from '../core/index.js';
import {
  Conflict,
  definitionError,
  deniedBy,
  NotFound,
  PolicyDenied,
  RequestInvalid,
  Unavailable,
} from '../node/errors.js';
import { record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';
import { listVisible, notFound, type Page, refusal, visible } from '../node/visibility.js';
import type { OutboxTable } from '../store/schema.js';
import { type Federation, insertPendingRequest } from './federation.js';
import type { ItemPayload, SignedReceipt } from './messages.js';

export interface Sent {
  readonly envelope: string;
  readonly decision: Decision;
}

async function payloadOf(fed: Federation, itemId: string): Promise<ItemPayload> {
  const row = await fed.node.store.db
    .selectFrom('items')
    .selectAll()
    .where('id', '=', itemId)
    .executeTakeFirst();
  if (row === undefined) throw new NotFound('unknown-item', `unknown item '${itemId}'`);
  const item = fed.node.world.items.get(itemId);
  // Only FLASH items carry an alert: other releases skip the lookup.
  const alert = row.precedence !== 'FLASH' ? undefined : await fed.contentOf(itemId);
  return {
    id: row.id,
    originator: row.originator,
    marking: item?.marking.code ?? row.marking,
    categories: JSON.parse(row.categories) as string[],
    releasableTo: row.releasable_to === null ? null : (JSON.parse(row.releasable_to) as string[]),
    title: row.title,
    body: row.body,
    precedence: isPrecedence(row.precedence) ? row.precedence : 'ROUTINE',
    ...(alert === undefined ? {} : { alert }),
  };
}

/** The log entry of a release or forward, allowed (with its envelope) or denied. */
function logSent(
  u: Unit,
  type: 'item.released' | 'item.forwarded',
  actor: Actor,
  party: string,
  item: string,
  to: string,
  d: Decision,
  envelope: string | null,
): number {
  return record(
    u,
    type,
    { user: actor.user, party },
    {
      item,
      to,
      envelope,
      marking: d.marking?.code ?? null,
      agreements: d.agreements ?? [],
    },
    { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
  );
}

/**
 * Releases (RULES R1–R6) or forwards (F0–F5) an item to a party: decided now for the
 * acting person (P1) and refused at once when the rules refuse; the envelope is queued,
 * decided again when it leaves and again on arrival.
 */
export async function sendItem(
  fed: Federation,
  actor: Actor,
  itemId: string,
  to: string,
): Promise<Sent> {
  const payload = await payloadOf(fed, itemId);
  return fed.node.transact(async (u) => {
    const sent = await sendInUnit(u, fed, actor, payload, to);
    // RULES V1: a person who may not read the item hears only codes and rules.
    if (sent.envelope === null) throw refusal(u, actor, itemId, sent.decision);
    return { envelope: sent.envelope, decision: sent.decision };
  });
}

/**
 * Decides a release or forward in a unit, logs it, and queues the envelope when
 * allowed. A denial is logged and returned (envelope null), not thrown, so that one
 * unit can send to several parties (an alert to every partner).
 */
export async function sendInUnit(
  u: Unit,
  fed: Federation,
  actor: Actor,
  payload: ItemPayload,
  to: string,
): Promise<{ envelope: string | null; decision: Decision }> {
  const itemId = payload.id;
  // A release by a party that is not the originator is a forward; both are decided
  // for the acting person too (RULES P1).
  const d = decide(
    u.world,
    { kind: 'forward', item: itemId, by: fed.party, to, user: actor.user },
    u.now,
  );
  const item = u.world.items.get(itemId);
  const type = item?.originator.id === fed.party ? 'item.released' : 'item.forwarded';
  if (d.decision === 'deny' || item === undefined) {
    logSent(u, type, actor, fed.party, itemId, to, d, null);
    return { envelope: null, decision: d };
  }
  const envelope = await fed.enqueue(
    u,
    to,
    'item',
    {
      kind: item.originator.id === fed.party ? 'release' : 'forward',
      item: payload,
      senderMarking: item.holdings.get(fed.party)?.marking.code ?? payload.marking,
      recipientMarking: d.marking?.code ?? '',
      agreements: d.agreements ?? [],
      consent: await consentToAttach(u, item, fed.party, to),
    },
    itemId,
  );
  logSent(u, type, actor, fed.party, itemId, to, d, envelope);
  return { envelope, decision: d };
}

/** The originator's signed consent a forward carries (RULES F1), when one is needed. */
async function consentToAttach(
  u: Unit,
  item: ItemRecord,
  holder: string,
  to: string,
): Promise<string | null> {
  if (item.originator.id === holder || item.originator.id === to || item.marking.rank === 0)
    return null;
  const c = checkConsent(u.world, item, holder, to, u.now);
  if (!c.ok || c.consent === null) return null;
  const row = await u.tx
    .selectFrom('consents')
    .select('jws')
    .where('id', '=', c.consent.id)
    .executeTakeFirst();
  return row?.jws ?? null;
}

// ------------------------------------------------------------------ consents

export interface ConsentRequestView {
  readonly id: string;
  readonly direction: string;
  readonly item: string;
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
    // RULES P1: only someone who may read the item asks for consent to pass it on.
    const p1 = actingRefusal(u.world, actor.user, fed.party, item, u.now);
    if (p1 !== null) {
      record(
        u,
        'consent.requested',
        { user: actor.user, party: fed.party },
        { item: itemId, holder: fed.party, to },
        { decision: 'deny', reasons: p1.reasons.map((r) => r.code) },
      );
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
      throw new RequestInvalid('invalid-request', `unknown party '${to}'`);
    const id = `creq-${randomUUID()}`;
    const view: ConsentRequestView = {
      id,
      direction: 'outgoing',
      item: itemId,
      originator: item.originator.id,
      holder: fed.party,
      to,
      requestedBy: actor.user,
      note,
      requestedAt: u.now,
      status: 'pending',
      reason: null,
      consent: null,
    };
    await insertPendingRequest(u, {
      id,
      direction: 'outgoing',
      item: itemId,
      originator: item.originator.id,
      holder: fed.party,
      to,
      requestedBy: actor.user,
      note,
    });
    record(
      u,
      'consent.requested',
      { user: actor.user, party: fed.party },
      { request: id, item: itemId, holder: fed.party, to, originator: item.originator.id },
    );
    await fed.enqueue(
      u,
      item.originator.id,
      'consent.request',
      { request: id, item: itemId, holder: fed.party, to, requestedBy: actor.user, note },
      itemId,
    );
    return view;
  });
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
    (u, offset, n) => {
      let q = u.tx
        .selectFrom('consent_requests')
        .selectAll()
        .orderBy('requested_at', 'desc')
        .orderBy('id');
      if (direction !== undefined) q = q.where('direction', '=', direction);
      return q.limit(n).offset(offset).execute();
    },
    (r) => r.item_id,
  );
  return rows.map((r) => ({
    id: r.id,
    direction: r.direction,
    item: r.item_id,
    originator: r.originator,
    holder: r.holder,
    to: r.to_party,
    requestedBy: r.requested_by,
    note: r.note,
    requestedAt: r.requested_at,
    status: r.status,
    reason: r.reason,
    consent: r.consent_id,
  }));
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
    const req = await u.tx
      .selectFrom('consent_requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (req === undefined || req.direction !== 'incoming')
      throw new NotFound('unknown-consent', `no incoming consent request '${requestId}'`);
    // RULES P1: granting or refusing needs a person who may read the item.
    const item = u.world.items.get(req.item_id);
    if (item === undefined) throw new NotFound('unknown-item', `unknown item '${req.item_id}'`);
    const p1 = actingRefusal(u.world, actor.user, fed.party, item, u.now);
    if (p1 !== null) {
      record(
        u,
        'consent.decided',
        { user: actor.user, party: fed.party },
        { request: requestId, item: req.item_id, holder: req.holder, to: req.to_party },
        { decision: 'deny', reasons: p1.reasons.map((r) => r.code) },
      );
      throw refusal(u, actor, req.item_id, p1);
    }
    if (req.status !== 'pending')
      throw new Conflict(`request ${requestId} was already ${req.status}`);
    let consentId: string | null = null;
    let jws: string | null = null;
    let reasons: Decision['reasons'] = [];
    if (grant) {
      consentId = `consent-${randomUUID()}`;
      const d = decide(
        u.world,
        {
          kind: 'consent',
          id: consentId,
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
      jws = fed.signConsent({
        id: consentId,
        item: req.item_id,
        holder: req.holder,
        to: req.to_party,
        grantedAt: u.now,
        expires,
      });
      applyEffect(u.world, d.effect);
      await u.tx
        .insertInto('consents')
        .values({
          id: consentId,
          item_id: req.item_id,
          by_party: fed.party,
          holder: req.holder,
          to_party: req.to_party,
          granted_at: u.now,
          expires,
          revoked_at: null,
          jws,
        })
        .execute();
    }
    await u.tx
      .updateTable('consent_requests')
      .set({
        status: grant ? 'granted' : 'refused',
        reason,
        decided_at: u.now,
        decided_by: actor.user,
        consent_id: consentId,
      })
      .where('id', '=', requestId)
      .execute();
    record(
      u,
      'consent.decided',
      { user: actor.user, party: fed.party },
      {
        request: requestId,
        item: req.item_id,
        holder: req.holder,
        to: req.to_party,
        consent: consentId,
        reason,
        expires: expires === null ? null : formatInstant(expires),
      },
      { decision: grant ? 'allow' : 'deny', reasons: grant ? ['allowed'] : ['refused'] },
    );
    await fed.enqueue(
      u,
      req.holder,
      'consent.decision',
      { request: requestId, decision: grant ? 'grant' : 'refuse', reason, consent: jws },
      req.item_id,
    );
    return {
      request: requestId,
      decision: grant ? 'grant' : 'refuse',
      consent: consentId,
      reasons,
    };
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
    record(
      u,
      'consent.revoked',
      { user: actor.user, party: fed.party },
      { consent: consentId },
      { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
    );
    if (d.decision === 'deny' || d.effect?.kind !== 'revoke-consent')
      throw about === null ? deniedBy(d) : refusal(u, actor, about, d);
    applyEffect(u.world, d.effect);
    await u.tx
      .updateTable('consents')
      .set({ revoked_at: d.effect.at })
      .where('id', '=', consentId)
      .execute();
    const c = u.world.consents.get(consentId);
    for (const party of [c?.holder, c?.to]) {
      if (party !== undefined && party !== fed.party && fed.peers.has(party)) {
        await fed.enqueue(
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

// ------------------------------------------------------------------ agreements between nodes

export function agreementProposalId(id: string): string {
  return `agreement:${id}`;
}

/** Proposes an agreement (a template or a custom definition), signed by this party. */
export async function proposeAgreement(
  fed: Federation,
  actor: Actor | null,
  def: AgreementDefinition,
): Promise<string> {
  if (!def.parties.includes(fed.party))
    throw new PolicyDenied('not-a-party', `${fed.party} is not a party to ${def.id}`);
  try {
    World.create({ parties: [...BUILT_IN_PARTIES.values()], agreements: [def] });
  } catch (e) {
    definitionError(e);
  }
  const id = agreementProposalId(def.id);
  await fed.node.transact(async (u) => {
    if (u.world.agreements.has(def.id)) throw new Conflict(`agreement '${def.id}' already binds`);
    await fed.signProposal(u, {
      proposal: id,
      kind: 'agreement',
      agreement: def.id,
      body: def,
      parties: [...def.parties],
    });
    void actor;
  });
  return id;
}

/** Countersigns a proposal this node holds (an agreement, or a change to one). */
export async function signProposal(fed: Federation, proposalId: string): Promise<ProposalView> {
  await fed.node.transact(async (u) => {
    const row = await u.tx
      .selectFrom('proposals')
      .selectAll()
      .where('id', '=', proposalId)
      .executeTakeFirst();
    if (row === undefined) throw new NotFound('unknown-agreement', `no proposal '${proposalId}'`);
    await fed.signProposal(u, {
      proposal: row.id,
      kind: row.kind as 'agreement' | 'change',
      agreement: row.agreement_id,
      body: JSON.parse(row.body) as unknown,
      parties: JSON.parse(row.parties) as string[],
    });
  });
  const views = await listProposals(fed);
  const view = views.find((p) => p.id === proposalId);
  if (view === undefined) throw new Unavailable('internal', 'the proposal vanished');
  return view;
}

export interface ProposalView {
  readonly id: string;
  readonly kind: string;
  readonly agreement: string;
  readonly parties: readonly string[];
  readonly signedBy: readonly string[];
  readonly awaiting: readonly string[];
  readonly status: string;
  readonly body: unknown;
}

export async function listProposals(fed: Federation): Promise<ProposalView[]> {
  const rows = await fed.node.store.db.selectFrom('proposals').selectAll().orderBy('id').execute();
  return rows.map((r) => {
    const parties = JSON.parse(r.parties) as string[];
    const signedBy = Object.keys(JSON.parse(r.signatures) as Record<string, string>).sort();
    return {
      id: r.id,
      kind: r.kind,
      agreement: r.agreement_id,
      parties,
      signedBy,
      awaiting: parties.filter((p) => !signedBy.includes(p)),
      status: r.status,
      body: JSON.parse(r.body) as unknown,
    };
  });
}

export interface ChangeRequest {
  readonly kind: 'terminate' | 'amend';
  readonly effectiveAt: number;
  readonly rows?: readonly EquivalenceRow[] | undefined;
  readonly scope?: readonly string[] | null | undefined;
  readonly noticePeriod?: string | undefined;
}

/** Proposes a mutual termination or an amendment (RULES L7, L8): it applies once every party has signed. */
export async function proposeChange(
  fed: Federation,
  agreementId: string,
  change: ChangeRequest,
): Promise<string> {
  const a = fed.node.world.agreements.get(agreementId);
  if (a === undefined)
    throw new NotFound('unknown-agreement', `unknown agreement '${agreementId}'`);
  if (change.kind === 'amend') {
    // The amended text must compile now, as it will when every party has signed.
    const current = a.textAt(change.effectiveAt);
    try {
      compileText(
        a.id,
        a.parties,
        {
          rows: change.rows ?? current.rows,
          scope:
            change.scope === undefined
              ? current.scope === null
                ? undefined
                : [...current.scope]
              : (change.scope ?? undefined),
          noticePeriod: change.noticePeriod ?? current.noticePeriod.text,
        },
        change.effectiveAt,
      );
    } catch (e) {
      definitionError(e);
    }
  }
  const id = `change:${randomUUID()}`;
  // The proposal id is inside what is signed: a signed change cannot be replayed
  // under another id to apply again.
  const body = {
    proposal: id,
    agreement: agreementId,
    kind: change.kind,
    effectiveAt: formatInstant(change.effectiveAt),
    ...(change.rows === undefined ? {} : { rows: change.rows }),
    ...(change.scope === undefined ? {} : { scope: change.scope }),
    ...(change.noticePeriod === undefined ? {} : { noticePeriod: change.noticePeriod }),
  };
  await fed.node.transact(async (u) => {
    await fed.signProposal(u, {
      proposal: id,
      kind: 'change',
      agreement: agreementId,
      body,
      parties: [...a.partyIds],
    });
  });
  return id;
}

// ------------------------------------------------------------------ inbox and outbox

export interface InboxEntry {
  readonly envelope: string;
  readonly item: string;
  readonly from: string;
  readonly receivedAt: number;
  readonly title: string;
  readonly marking: { party: string; code: string; name: string; en: string };
  readonly originatorMarking: { party: string; code: string; name: string; en: string };
  readonly categories: readonly string[];
}

/** Items received from partners that the person may read (RULES V1), newest first; logged. */
export async function listInbox(fed: Federation, actor: Actor, p: Page): Promise<InboxEntry[]> {
  const rows = await listVisible(
    fed.node,
    actor,
    'inbox',
    p,
    (u, offset, n) =>
      u.tx
        .selectFrom('inbox')
        .innerJoin('items', 'items.id', 'inbox.item_id')
        .select([
          'inbox.id',
          'inbox.item_id',
          'inbox.from_party',
          'inbox.received_at',
          'items.title',
          'items.categories',
        ])
        .where('inbox.type', '=', 'item')
        .where('inbox.status', '=', 'accepted')
        .orderBy('inbox.received_at', 'desc')
        .orderBy('inbox.id')
        .limit(n)
        .offset(offset)
        .execute(),
    // A row without an item id is no item: never shown here.
    (r) => r.item_id ?? '',
  );
  const world = fed.node.world;
  return rows.flatMap((r) => {
    const item = world.items.get(r.item_id ?? '');
    const mine = item?.holdings.get(fed.party)?.marking;
    if (item === undefined || mine === undefined) return [];
    return [
      {
        envelope: r.id,
        item: item.id,
        from: r.from_party,
        receivedAt: r.received_at,
        title: r.title,
        marking: markingRef(mine),
        originatorMarking: markingRef(item.marking),
        categories: JSON.parse(r.categories) as string[],
      },
    ];
  });
}

export interface OutboxEntry {
  readonly envelope: string;
  readonly to: string;
  readonly seq: number;
  readonly type: string;
  readonly item: string | null;
  readonly state: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly settledAt: number | null;
}

/**
 * Messages queued to partners, newest first: those about an item only if the person
 * may read it (RULES V1); the items shown are logged.
 */
export async function listOutbox(fed: Federation, actor: Actor, p: Page): Promise<OutboxEntry[]> {
  const rows = await listVisible(
    fed.node,
    actor,
    'outbox',
    p,
    (u, offset, n) =>
      u.tx
        .selectFrom('outbox')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('seq', 'desc')
        .limit(n)
        .offset(offset)
        .execute(),
    (r) => r.item_id,
  );
  return rows.map(outboxEntry);
}

/**
 * One envelope of the outbox with the receiver's signed receipt, once settled; one
 * about an item the person may not read is answered as if it did not exist (RULES V1).
 */
export function outboxEnvelope(
  fed: Federation,
  actor: Actor,
  envelope: string,
): Promise<OutboxEntry & { readonly receipt: SignedReceipt | null }> {
  return fed.node.transact(async (u) => {
    const row = await u.tx
      .selectFrom('outbox')
      .selectAll()
      .where('id', '=', envelope)
      .executeTakeFirst();
    if (row === undefined || (row.item_id !== null && !visible(u, actor, row.item_id)))
      throw notFound('envelope in the outbox', envelope);
    const r = await u.tx
      .selectFrom('outbox_receipts')
      .select('receipt')
      .where('envelope', '=', envelope)
      .executeTakeFirst();
    return {
      ...outboxEntry(row),
      receipt: r === undefined ? null : (JSON.parse(r.receipt) as SignedReceipt),
    };
  });
}

function outboxEntry(r: Selectable<OutboxTable>): OutboxEntry {
  return {
    envelope: r.id,
    to: r.peer,
    seq: r.seq,
    type: r.type,
    item: r.item_id,
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  };
}
