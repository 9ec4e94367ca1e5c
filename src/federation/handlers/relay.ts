// A `relay` (docs/wire.md §5.12): at the hub, a message its author could not send
// directly, passed on unchanged to its final receiver; at the final receiver, the
// author's message, checked with the author's key and handled as the author's.
import { PolicyDenied } from '../../node/errors.js';
import { record } from '../../node/events.js';
import { FederationError, MessageError } from '../errors.js';
import { partyKeys } from '../manifests.js';
import { type Message, type MessageType, openRelayed } from '../messages.js';
import { type Arrival, accepted, type Outcome } from './arrival.js';

/** The table's dispatcher, passed in so that this file does not import the table. */
export type Dispatch = <K extends MessageType>(type: K, a: Arrival<K>) => Promise<Outcome>;

export async function receiveRelay(a: Arrival<'relay'>, dispatch: Dispatch): Promise<Outcome> {
  const { fed, u, m, rows } = a;
  const inner = openRelayed(m.body.message, (p) => partyKeys(fed, p, 'now'));
  if (inner.to !== m.body.to)
    throw new MessageError(
      'malformed-message',
      `the relay is for ${m.body.to} but the message inside for ${inner.to}`,
      inner.id,
    );
  if (m.body.to !== fed.party) return passOn(a, inner);
  // The final receiver: the author's own message, from someone other than the hub.
  if (inner.from === m.from || inner.from === fed.party)
    throw new FederationError(
      'malformed-message',
      `a relay carries a message of a third party, not of ${inner.from}`,
    );
  const at: Arrival<MessageType> = { fed, u, m: inner, rows };
  return dispatch(inner.type, at);
}

/** At the hub: checks that it links author and receiver, and queues the relay unchanged. */
async function passOn({ fed, u, m }: Arrival<'relay'>, inner: Message): Promise<Outcome> {
  const to = m.body.to;
  if (inner.from !== m.from)
    throw new MessageError(
      'bad-signature',
      `${m.from} relays a message signed by ${inner.from}: a hub relays only its sender's own`,
      inner.id,
    );
  const links = (p: string) =>
    [...u.world.agreements.values()].some((x) => x.partyIds.has(fed.party) && x.partyIds.has(p));
  if (!links(m.from) || !links(to))
    throw new PolicyDenied(
      'not-a-party',
      `${fed.party} has no agreement with both ${m.from} and ${to}: it does not relay between them`,
    );
  if (!fed.peers.has(to))
    throw new FederationError('no-peer', `${fed.party} has no peer for ${to}`);
  const envelope = await fed.enqueue(u, to, 'relay', m.body, null);
  const i = record(
    u,
    'message.relayed',
    { user: null, party: m.from },
    { envelope: m.id, relayed: inner.id, type: inner.type, to, onward: envelope },
  );
  return accepted(i, `${inner.type} ${inner.id} of ${m.from} relayed to ${to}`);
}
