// What officers see of the alerts this node holds: the views, the frames pushed to
// their sockets, the list, one alert with its acknowledgements, and the CAP export.
// Every read is decided (RULES A1–A3, V1) and logged.
import { formatInstant, type ItemRecord, type MarkingRef, markingRef } from '../core/index.js';
import { NotFound } from '../node/errors.js';
import { decideRead } from '../node/items.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';
import { listVisible, type Page } from '../node/visibility.js';
import {
  type AckRecord,
  acknowledgedBy,
  acksOf,
  alertById,
  alertsByIds,
  alertsPage,
  deliveriesOf,
} from '../store/alerts.js';
import { toCap } from './cap.js';
import type { AlertContext, StoredAlert } from './context.js';
import type { AlertPayload } from './model.js';

/** An alert as this node holds it: what its officers see. */
export interface AlertView {
  readonly id: string;
  readonly originator: string;
  readonly precedence: string;
  /** In this node's scheme. */
  readonly marking: MarkingRef;
  readonly originatorMarking: MarkingRef;
  readonly categories: readonly string[];
  readonly title: string;
  readonly alert: AlertPayload;
  readonly receivedAt: string;
  readonly supersededBy: string | null;
  readonly escalations: number;
  /** Whether an officer of this node's party has acknowledged it (in lists). */
  readonly acknowledgedHere?: boolean;
}

export interface AckView {
  readonly party: string;
  readonly user: string;
  readonly at: string;
  readonly receivedAt: string;
}

export interface PartyStatus {
  readonly party: string;
  /** The envelope's state at the originator: pending, delivered, refused, withheld. */
  readonly delivery: string | null;
  readonly deliveredAt: string | null;
  readonly firstAckAt: string | null;
  readonly acks: number;
}

export interface AlertDetail extends AlertView {
  readonly acks: readonly AckView[];
  /** At the originator: each party it was released to. */
  readonly parties: readonly PartyStatus[];
  /** The log index of this read. */
  readonly logIndex: number;
}

export function viewOf(party: string, item: ItemRecord, a: StoredAlert): AlertView {
  const held = item.holdings.get(party)?.marking ?? item.marking;
  return {
    id: item.id,
    originator: item.originator.id,
    precedence: item.precedence,
    marking: markingRef(held),
    originatorMarking: markingRef(item.marking),
    categories: item.categories,
    title: item.title ?? '',
    alert: a.payload,
    receivedAt: formatInstant(a.receivedAt),
    supersededBy: a.supersededBy,
    escalations: a.escalations,
  };
}

/** The socket frame of an alert, first pushed or escalated. */
export const alertFrame = (kind: 'alert' | 'escalation', v: AlertView): string =>
  JSON.stringify({ type: kind, alert: v });

/** The socket frame of an acknowledgement. */
export const ackFrame = (item: string, ack: AckView): string =>
  JSON.stringify({ type: 'ack', item, ...ack });

const ackView = (a: AckRecord): AckView => ({
  party: a.party,
  user: a.user,
  at: formatInstant(a.ackedAt),
  receivedAt: formatInstant(a.receivedAt),
});

/** The read decision for an alert (RULES A1–A3, decideRead), or a refusal when it is no alert. */
export async function readable(
  cx: AlertContext,
  u: Unit,
  actor: Actor,
  id: string,
  o: { readonly view?: string; readonly logAllowed?: boolean } = {},
): Promise<{ item: ItemRecord; alert: StoredAlert; logIndex: number }> {
  const alert = await alertById<AlertPayload>(u.tx, id);
  // An item that is not an alert: refused before anything of it is disclosed.
  if (alert === undefined && u.world.items.has(id))
    throw new NotFound('unknown-item', `no alert '${id}' here`);
  const { item, logIndex } = decideRead(u, actor, cx.party, id, o);
  if (alert === undefined) throw new NotFound('unknown-item', `no alert '${id}' here`);
  return { item, alert, logIndex };
}

/** The alerts this node holds that the officer may read (RULES V1), newest first; logged. */
export async function listAlerts(cx: AlertContext, actor: Actor, p: Page): Promise<AlertView[]> {
  const rows = await listVisible(
    cx.node,
    actor,
    'alerts',
    p,
    (u, offset, n) => alertsPage<AlertPayload>(u.tx, offset, n),
    (a) => a.item,
  );
  const out: AlertView[] = [];
  for (const a of rows) {
    const item = cx.node.world.items.get(a.item);
    if (item !== undefined) out.push(viewOf(cx.party, item, a));
  }
  if (out.length === 0) return out;
  const acked = await acknowledgedBy(
    cx.node.store.db,
    cx.party,
    out.map((v) => v.id),
  );
  return out.map((v) => ({ ...v, acknowledgedHere: acked.has(v.id) }));
}

/** One alert with its acknowledgements (and, at the originator, each party's status). */
export function showAlert(cx: AlertContext, actor: Actor, id: string): Promise<AlertDetail> {
  return cx.node.transact(async (u) => {
    const { item, alert, logIndex } = await readable(cx, u, actor, id, { view: 'alert' });
    const acks = await acksOf(u.tx, id);
    let parties: PartyStatus[] = [];
    if (item.originator.id === cx.party) {
      parties = (await deliveriesOf(u.tx, id))
        .map((d) => {
          const mine = acks.filter((a) => a.party === d.peer);
          return {
            party: d.peer,
            delivery: d.state,
            deliveredAt:
              d.state === 'delivered' && d.settledAt !== null ? formatInstant(d.settledAt) : null,
            firstAckAt: mine[0] === undefined ? null : formatInstant(mine[0].ackedAt),
            acks: mine.length,
          };
        })
        .sort((a, b) => (a.party < b.party ? -1 : 1));
    }
    return { ...viewOf(cx.party, item, alert), acks: acks.map(ackView), parties, logIndex };
  });
}

/** CAP 1.2 XML of an alert, as this node may show it to this officer (a logged read). */
export function capOf(cx: AlertContext, actor: Actor, id: string): Promise<string> {
  return cx.node.transact(async (u) => {
    const { item, alert } = await readable(cx, u, actor, id, { view: 'cap' });
    const v = viewOf(cx.party, item, alert);
    const referenced = await alertsByIds<AlertPayload>(u.tx, v.alert.references);
    const peer = cx.fed.peers.get(item.originator.id);
    return toCap({
      id: v.id,
      originator: v.originator,
      sender: item.originator.id === cx.party ? cx.node.origin : (peer?.origin ?? v.originator),
      precedence: v.precedence,
      marking: v.marking,
      originatorMarking: v.originatorMarking,
      releasableTo: item.releasableTo === null ? null : [...item.releasableTo],
      alert: v.alert,
      referenceSent: new Map(referenced.map((r) => [r.item, r.payload.sent])),
    });
  });
}
