// Releasing (RULES R1–R6) and forwarding (F0–F5) an item to a partner: decided now for
// the acting person (P1), logged, and queued; the envelope is decided again when it
// leaves and again on arrival.
import {
  checkConsent,
  concealed,
  type Decision,
  decide,
  type ItemRecord,
  isPrecedence,
} from '../core/index.js';
import { NotFound, RequestInvalid } from '../node/errors.js';
import { record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';
import { refusal, visible } from '../node/visibility.js';
import { itemAttachments } from '../store/attachments.js';
import { consentJws } from '../store/consents.js';
import { itemRow } from '../store/items.js';
import { column } from '../store/json.js';
import type { Federation } from './federation.js';
import type { ItemPayload } from './messages.js';

export interface Sent {
  readonly envelope: string;
  readonly decision: Decision;
}

/** An item as it travels: its stored content, with the marking the World holds now. */
async function payloadOf(fed: Federation, itemId: string): Promise<ItemPayload> {
  const row = await itemRow(fed.node.store.db, itemId);
  if (row === undefined) throw new NotFound('unknown-item', `unknown item '${itemId}'`);
  const item = fed.node.world.items.get(itemId);
  // Only FLASH items carry an alert: other releases skip the lookup.
  const alert = row.precedence !== 'FLASH' ? undefined : await fed.contentOf(itemId);
  const files = await itemAttachments(fed.node.store.db, itemId);
  return {
    id: row.id,
    originator: row.originator,
    marking: item?.marking.code ?? row.marking,
    categories: column<string[]>(row.categories),
    releasableTo: row.releasable_to === null ? null : column<string[]>(row.releasable_to),
    title: row.title,
    body: row.body,
    precedence: isPrecedence(row.precedence) ? row.precedence : 'ROUTINE',
    ...(alert === undefined ? {} : { alert }),
    ...(files.length === 0
      ? {}
      : {
          attachments: files.map((f) => ({
            name: f.name,
            type: f.type,
            size: f.size,
            sha256: f.sha256,
          })),
        }),
    manifest: row.manifest ?? '',
  };
}

/**
 * Releases or forwards an item to a party, refused at once when the rules refuse;
 * the envelope is queued, decided again when it leaves and again on arrival.
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

/** What one party of a release to several was answered. */
export interface SentTo {
  readonly to: string;
  /** Null when refused. */
  readonly envelope: string | null;
  readonly decision: Decision;
}

/** The most parties one release names (far more than any agreement has). */
export const MAX_RECIPIENTS = 32;

/**
 * A release (or forward) of one item to several parties in one call: each party is
 * decided, logged and queued on its own, in the order given, in one unit, and a
 * refusal for one does not stop the others. A refusal is told in full only to a
 * person who may read the item (RULES V1), as for one party.
 */
export async function sendItemToEach(
  fed: Federation,
  actor: Actor,
  itemId: string,
  to: readonly string[],
): Promise<SentTo[]> {
  const seen = new Set<string>();
  for (const p of to) {
    if (seen.has(p)) throw new RequestInvalid('invalid-request', `to: ${p} is named twice`);
    seen.add(p);
  }
  if (to.length === 0 || to.length > MAX_RECIPIENTS)
    throw new RequestInvalid(
      'invalid-request',
      `to: name from 1 to ${MAX_RECIPIENTS} parties, not ${to.length}`,
    );
  const payload = await payloadOf(fed, itemId);
  return fed.node.transact(async (u) => {
    const out: SentTo[] = [];
    for (const p of to) {
      const sent = await sendInUnit(u, fed, actor, payload, p);
      const told =
        sent.envelope !== null || visible(u, actor, itemId)
          ? sent.decision
          : concealed(sent.decision);
      out.push({ to: p, envelope: sent.envelope, decision: told });
    }
    return out;
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
  const release = item?.originator.id === fed.party;
  const envelope =
    d.decision === 'deny' || item === undefined
      ? null
      : await fed.enqueue(
          u,
          to,
          'item',
          {
            kind: release ? 'release' : 'forward',
            item: payload,
            senderMarking: item.holdings.get(fed.party)?.marking.code ?? payload.marking,
            recipientMarking: d.marking?.code ?? '',
            agreements: [...(d.agreements ?? [])],
            consent: await consentToAttach(u, item, fed.party, to),
          },
          itemId,
        );
  // The log entry of a release or forward, allowed (with its envelope) or denied.
  record(
    u,
    release ? 'item.released' : 'item.forwarded',
    { user: actor.user, party: fed.party },
    {
      item: itemId,
      to,
      envelope,
      marking: d.marking?.code ?? null,
      agreements: d.agreements ?? [],
    },
    { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
  );
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
  return (await consentJws(u.tx, c.consent.id)) ?? null;
}
