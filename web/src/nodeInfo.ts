// This node's identity (GET /v1/node, any role) and its checkpoint key, and the
// partners it peers with (GET /v1/peers), loaded once per sign-in.
import type { Client } from './api';
import { parseVerifierKey, type VerifierKey } from './note';
import type { NodeInfo, Peer } from './types';

const nodes = new WeakMap<Client, Promise<{ info: NodeInfo; key: VerifierKey | null }>>();
const peers = new WeakMap<Client, Promise<Peer[]>>();

export function nodeIdentity(client: Client): Promise<{ info: NodeInfo; key: VerifierKey | null }> {
  let p = nodes.get(client);
  if (p === undefined) {
    p = client.get<NodeInfo>('/v1/node').then(async (info) => ({
      info,
      key: await parseVerifierKey(info.verifierKey),
    }));
    p.catch(() => nodes.delete(client));
    nodes.set(client, p);
  }
  return p;
}

/** Forgets what GET /v1/node said (its setup state has changed). */
export function forgetNodeIdentity(client: Client): void {
  nodes.delete(client);
}

export function peerList(client: Client): Promise<Peer[]> {
  let p = peers.get(client);
  if (p === undefined) {
    p = client.get<Peer[]>('/v1/peers');
    p.catch(() => peers.delete(client));
    peers.set(client, p);
  }
  return p;
}
