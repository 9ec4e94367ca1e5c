// What arrives from partners through the federation's content port: an alert carried
// by an item (checked in full, then kept once the item is accepted), a partner's
// signed acknowledgement at the originator, and the originator's escalation at a
// recipient.
import { formatInstant, parseInstant } from '../core/index.js';
import { verifyJws } from '../crypto/jose.js';
import { FederationError } from '../federation/errors.js';
import { partyKeys } from '../federation/manifests.js';
import {
  ALERT_ACK_TYP,
  type AlertAckPayload,
  isAlertAckPayload,
  type Message,
} from '../federation/messages.js';
import type { ContentPort, OnAccepted } from '../federation/ports.js';
import { NotFound, PolicyDenied } from '../node/errors.js';
import type { Unit } from '../node/service.js';
import { alertById, alertPayload, insertAck, setEscalations } from '../store/alerts.js';
import type { AlertContext } from './context.js';
import { recordAcknowledged, recordEscalated } from './events.js';
import { keepAlert } from './held.js';
import { type AlertPayload, checkAlertPayload } from './model.js';
import { ackFrame, alertFrame, viewOf } from './views.js';

/** What the federation logs and answers for a message it handed over. */
type Handled = Awaited<ReturnType<ContentPort['message']>>;

/** Checks an arriving alert in full (AlertInvalid names what is wrong). */
export function checkArriving(cx: AlertContext, content: unknown): OnAccepted {
  const alert = checkAlertPayload(content);
  return async (u, item) => {
    await keepAlert(cx, u, item, {
      item: item.id,
      originator: item.originator.id,
      msgType: alert.msgType,
      payload: alert,
      sentAt: parseInstant(alert.sent).ms,
      receivedAt: u.now,
      supersededBy: null,
      ackDeadlineMs: alert.ackWithinMs,
      recipients: [],
      escalations: 0,
    });
  };
}

/** The alert payload sent with an item, if it is an alert. */
export function contentOf(cx: AlertContext, itemId: string): Promise<unknown> {
  return alertPayload(cx.node.store.db, itemId);
}

/** An acknowledgement (at the originator) or an escalation (at a recipient). */
export function arrived(
  cx: AlertContext,
  u: Unit,
  m: Message<'alert.ack'> | Message<'alert.escalation'>,
): Promise<Handled> {
  return m.type === 'alert.ack' ? ackArrived(cx, u, m) : escalationArrived(cx, u, m);
}

/** The originator tells this node to push an alert again: its officers have not acknowledged. */
async function escalationArrived(
  cx: AlertContext,
  u: Unit,
  m: Message<'alert.escalation'>,
): Promise<Handled> {
  const b = m.body;
  const item = u.world.items.get(b.alert);
  const alert = await alertById<AlertPayload>(u.tx, b.alert);
  if (item === undefined || alert === undefined)
    throw new NotFound('unknown-item', `no alert '${b.alert}' here`);
  if (item.originator.id !== m.from)
    throw new PolicyDenied('not-originator', `${m.from} did not send '${b.alert}'`);
  await setEscalations(u.tx, b.alert, b.level);
  const logIndex = recordEscalated(u, m.from, b.alert, b.level, { envelope: m.id });
  const v = viewOf(cx.party, item, { ...alert, escalations: b.level });
  await cx.hub.record(u, item.id, 'escalation', alertFrame('escalation', v));
  return {
    logIndex,
    message: `escalation ${b.level} of ${b.alert} recorded; pushed to the officers who may read it`,
    itemId: b.alert,
  };
}

/** The acknowledging node's signed acknowledgement, or a refusal that says nothing more. */
function verifiedAck(cx: AlertContext, jws: string, from: string): AlertAckPayload {
  // The sender's key: pinned, or bound in an agreement both parties signed (§9).
  for (const key of partyKeys(cx.fed, from)) {
    try {
      const v = verifyJws(jws, key);
      if (v.header.typ !== ALERT_ACK_TYP) continue;
      const p: unknown = JSON.parse(v.payload.toString('utf8'));
      if (isAlertAckPayload(p)) return p;
    } catch {
      // another key, or a refusal below
    }
  }
  throw new FederationError('bad-signature', 'the acknowledgement is not signed by its sender');
}

/** A partner's officer acknowledged an alert sent from here. */
async function ackArrived(cx: AlertContext, u: Unit, m: Message<'alert.ack'>): Promise<Handled> {
  const from = m.from;
  const jws = m.body.ack;
  const ack = verifiedAck(cx, jws, from);
  if (ack.party !== from)
    throw new FederationError(
      'malformed-message',
      `the acknowledgement names ${ack.party}, not its sender`,
    );
  const alert = await alertById(u.tx, ack.alert);
  if (alert === undefined || alert.originator !== cx.party)
    throw new NotFound('unknown-item', `no alert '${ack.alert}' sent by ${cx.party}`);
  // Only a party that holds the alert acknowledges it: one it was released to, one
  // known here to hold it, or one this originator consented it be forwarded to.
  const item = u.world.items.get(ack.alert);
  const holds =
    alert.recipients.includes(from) ||
    item?.holdings.has(from) === true ||
    [...u.world.consents.values()].some((c) => c.item === ack.alert && c.to === from);
  if (!holds)
    throw new PolicyDenied(
      'not-held',
      `${from} does not hold '${ack.alert}' as far as ${cx.party} knows`,
    );
  await insertAck(u.tx, {
    item: ack.alert,
    party: from,
    user: ack.user,
    ackedAt: parseInstant(ack.at).ms,
    receivedAt: u.now,
    signature: jws,
  });
  const logIndex = recordAcknowledged(u, ack);
  await cx.hub.record(
    u,
    ack.alert,
    'ack',
    ackFrame(ack.alert, {
      party: from,
      user: ack.user,
      at: ack.at,
      receivedAt: formatInstant(u.now),
    }),
  );
  cx.escalations.acknowledged(ack.alert, from);
  return {
    logIndex,
    message: `acknowledgement of ${ack.alert} by ${from}:${ack.user} recorded`,
    itemId: ack.alert,
  };
}
