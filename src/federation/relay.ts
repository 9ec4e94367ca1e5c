// Through the hub (docs/wire.md §5.12): a message whose final receiver is not a peer
// travels, signed by its author, inside a `relay` to a hub that links the two: the
// party the item came from, or the hub of a hub agreement both are parties to. The
// hub passes it on unchanged; the final receiver checks the author's signature with
// the author's key (pinned, or bound in an agreement) and handles it as the author's.
import { randomUUID } from 'node:crypto';
import { formatInstant } from '../core/index.js';
import type { Unit } from '../node/service.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { type Outgoing, RELAYABLE, signRelayed, WIRE_VERSION } from './messages.js';

/**
 * The peer a message to `to` goes through: `to` itself when it is a peer; else the
 * party this node received the item from; else the hub of a hub agreement that links
 * this party and `to`. Null when there is none.
 */
export function routeTo(
  fed: Federation,
  u: Unit,
  to: string,
  itemId: string | null,
): string | null {
  if (fed.peers.has(to)) return to;
  const item = itemId === null ? undefined : u.world.items.get(itemId);
  for (const r of item?.holdings.get(fed.party)?.receipts ?? []) {
    if (r.from !== to && r.from !== fed.party && fed.peers.has(r.from)) return r.from;
  }
  for (const id of [...u.world.agreements.keys()].sort()) {
    const a = u.world.agreements.get(id);
    if (a === undefined || a.topology.kind !== 'hub') continue;
    const hub = a.topology.hub;
    if (hub === to || hub === fed.party || !fed.peers.has(hub)) continue;
    if (a.partyIds.has(fed.party) && a.partyIds.has(to)) return hub;
  }
  return null;
}

/** A refusal to send to a party with no route (docs/wire.md §11 `no-peer`). */
export function noRoute(fed: Federation, to: string): FederationError {
  return new FederationError(
    'no-peer',
    `no peer for ${to}, and no hub that links ${fed.party} and ${to}`,
  );
}

/**
 * Queues a message to `to`: directly to a peer, else signed by this node inside a
 * `relay` to the hub (`routeTo`); `no-peer` when there is no route. Returns the
 * envelope queued and the hub it goes through (null when direct).
 */
export async function sendTo(
  fed: Federation,
  u: Unit,
  to: string,
  ...message: Outgoing
): Promise<{ envelope: string; via: string | null }> {
  const via = routeTo(fed, u, to, message[2] ?? null);
  if (via === null) throw noRoute(fed, to);
  if (via === to) return { envelope: await fed.enqueue(u, to, ...message), via: null };
  const [type, body, itemId = null] = message;
  if (!RELAYABLE.has(type)) throw noRoute(fed, to);
  const inner = {
    v: WIRE_VERSION,
    id: randomUUID(),
    type,
    from: fed.party,
    to,
    sentAt: formatInstant(u.now),
    body,
  };
  const jws = signRelayed(inner, fed.party, fed.relaySigningKey(to));
  return { envelope: await fed.enqueue(u, via, 'relay', { to, message: jws }, itemId), via };
}
