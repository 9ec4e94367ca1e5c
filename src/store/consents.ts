// Consents (RULES F1): those signed by an originator (here, or by a partner and
// carried to this node), and the requests for them, asked here (outgoing) or of this
// originator (incoming).
import type { Kysely, Selectable } from 'kysely';
import type { ConsentRequestTable, ConsentTable, Database } from './schema.js';

type Q = Kysely<Database>;

export type ConsentRow = Selectable<ConsentTable>;
export type ConsentRequestRow = Selectable<ConsentRequestTable>;

export async function insertConsent(q: Q, row: ConsentRow): Promise<void> {
  await q.insertInto('consents').values(row).execute();
}

export async function setConsentRevoked(q: Q, id: string, at: number): Promise<void> {
  await q.updateTable('consents').set({ revoked_at: at }).where('id', '=', id).execute();
}

/** The originator's signed consent (a JWS), as stored. */
export async function consentJws(q: Q, id: string): Promise<string | undefined> {
  const row = await q.selectFrom('consents').select('jws').where('id', '=', id).executeTakeFirst();
  return row?.jws;
}

/** Stores a consent request, pending: asked here (outgoing) or of this originator (incoming). */
export async function insertPendingRequest(
  q: Q,
  r: {
    readonly id: string;
    readonly direction: 'incoming' | 'outgoing';
    readonly item: string;
    readonly originator: string;
    readonly holder: string;
    readonly to: string;
    readonly requestedBy: string;
    readonly note: string;
    readonly requestedAt: number;
  },
): Promise<ConsentRequestRow> {
  const row: ConsentRequestRow = {
    id: r.id,
    direction: r.direction,
    item_id: r.item,
    originator: r.originator,
    holder: r.holder,
    to_party: r.to,
    requested_by: r.requestedBy,
    note: r.note,
    requested_at: r.requestedAt,
    status: 'pending',
    reason: null,
    decided_at: null,
    decided_by: null,
    consent_id: null,
  };
  await q.insertInto('consent_requests').values(row).execute();
  return row;
}

export function consentRequest(q: Q, id: string): Promise<ConsentRequestRow | undefined> {
  return q.selectFrom('consent_requests').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Records the decision on a request: granted (with its consent) or refused. */
export async function decideConsentRequestRow(
  q: Q,
  id: string,
  decision: Pick<ConsentRequestRow, 'status' | 'reason' | 'decided_at' | 'consent_id'> &
    Partial<Pick<ConsentRequestRow, 'decided_by'>>,
): Promise<void> {
  await q.updateTable('consent_requests').set(decision).where('id', '=', id).execute();
}

/** Consent requests, newest first; in one direction when given. */
export function pageConsentRequests(
  q: Q,
  direction: string | undefined,
  offset: number,
  limit: number,
): Promise<ConsentRequestRow[]> {
  let s = q
    .selectFrom('consent_requests')
    .selectAll()
    .orderBy('requested_at', 'desc')
    .orderBy('id');
  if (direction !== undefined) s = s.where('direction', '=', direction);
  return s.limit(limit).offset(offset).execute();
}
