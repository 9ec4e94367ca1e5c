// An officer acknowledges an alert: recorded, logged, shown to this party's other
// officers, and sent back signed by this node to the alert's originator.
import { formatInstant } from '../core/index.js';
import { FederationError } from '../federation/errors.js';
import { ALERT_ACK_TYP, type AlertAckPayload } from '../federation/messages.js';
import { routeTo, sendTo } from '../federation/relay.js';
import type { Actor } from '../node/roles.js';
import { ackBy, insertAck } from '../store/alerts.js';
import type { AlertContext } from './context.js';
import { recordAcknowledged } from './events.js';
import { ackFrame, readable } from './views.js';

export interface AckResult {
  readonly item: string;
  readonly party: string;
  readonly user: string;
  readonly at: string;
  /** The party the signed acknowledgement was queued to, or null at the originator. */
  readonly sentTo: string | null;
  readonly already: boolean;
}

export function acknowledge(cx: AlertContext, actor: Actor, id: string): Promise<AckResult> {
  const { fed, party } = cx;
  return cx.node.transact(async (u) => {
    const { item } = await readable(cx, u, actor, id, { view: 'acknowledge', logAllowed: false });
    const before = await ackBy(u.tx, id, party, actor.user);
    const originator = item.originator.id;
    const sentTo = originator === party ? null : originator;
    if (before !== undefined) {
      const at = formatInstant(before.ackedAt);
      return { item: id, party, user: actor.user, at, sentTo, already: true };
    }
    // To the originator directly, or through the hub the alert came from (docs/wire.md §5.12).
    if (sentTo !== null && routeTo(fed, u, sentTo, id) === null)
      throw new FederationError(
        'no-peer',
        `no peer for ${sentTo}, the alert's originator, and no hub that links ${party} and ${sentTo}`,
      );
    const at = formatInstant(u.now);
    const ack: AlertAckPayload = { alert: id, party, user: actor.user, at };
    const signature = fed.signAsNode(ack, ALERT_ACK_TYP);
    await insertAck(u.tx, {
      item: id,
      party,
      user: actor.user,
      ackedAt: u.now,
      receivedAt: u.now,
      signature,
    });
    recordAcknowledged(u, ack, sentTo);
    if (sentTo !== null) await sendTo(fed, u, sentTo, 'alert.ack', { ack: signature }, id);
    // This party's other officers see it at once (at the originator: everyone's acks).
    await cx.hub.record(
      u,
      id,
      'ack',
      ackFrame(id, { party, user: actor.user, at, receivedAt: at }),
    );
    return { item: id, party, user: actor.user, at, sentTo, already: false };
  });
}
