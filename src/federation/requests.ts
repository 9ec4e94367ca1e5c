// Requests to peers, signed like every node-to-node request (RFC 9421, Ed25519): the
// outbox's deliveries and the witness's reads.
import type { KeyObject } from 'node:crypto';
import { messageOf } from '../core/index.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { signRequest } from './httpsig.js';
import type { Peer } from './peers.js';

/** POSTs a batch of sealed messages to a peer; returns its receipt tokens, one per message. */
export async function postMessages(
  fed: Federation,
  peer: Peer,
  messages: readonly string[],
): Promise<string[]> {
  const body = Buffer.from(JSON.stringify({ messages }), 'utf8');
  const url = new URL(`${peer.url}/v1/federation/messages`);
  const post = async (key: KeyObject): Promise<{ res: Response; text: string }> => {
    const headers = signRequest(
      { method: 'POST', authority: url.host, path: url.pathname, body },
      key,
      fed.party,
      fed.node.now(),
    );
    try {
      const res = await fed.fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      return { res, text: await res.text() };
    } catch (e) {
      throw new FederationError('peer-unreachable', `${peer.party}: ${messageOf(e)}`);
    }
  };
  let { res, text } = await post(fed.signingKeyFor(peer));
  // The peer took our next keys but its receipt for the hand-over was lost: it knows only
  // those now. Asked again signed with them, it answers the hand-over's receipt again
  // (its inbox keeps it), which moves the peer's epoch here (decision #156).
  const next = fed.options.keys;
  if (res.status === 401 && next !== undefined && next.has(peer.ourEpoch + 1))
    ({ res, text } = await post(next.signingFor(peer.ourEpoch + 1)));
  if (!res.ok)
    throw new FederationError('peer-unreachable', `HTTP ${res.status}: ${text.slice(0, 300)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FederationError('bad-receipt', `${peer.party} answered with malformed JSON`);
  }
  const receipts =
    typeof parsed === 'object' && parsed !== null && 'receipts' in parsed ? parsed.receipts : null;
  if (
    !Array.isArray(receipts) ||
    receipts.length !== messages.length ||
    !receipts.every((r) => typeof r === 'string')
  ) {
    throw new FederationError('bad-receipt', 'the peer answered without one receipt per message');
  }
  return receipts;
}

/** GETs a federation resource from a peer. */
export async function peerGet(fed: Federation, peer: Peer, path: string): Promise<string> {
  const url = new URL(`${peer.url}${path}`);
  const headers = signRequest(
    {
      method: 'GET',
      authority: url.host,
      path: url.pathname + url.search,
      body: Buffer.alloc(0),
    },
    fed.signingKeyFor(peer),
    fed.party,
    fed.node.now(),
  );
  const res = await fed.fetch(url, { headers, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  if (!res.ok)
    throw new FederationError(
      'peer-unreachable',
      `${peer.party} answered ${res.status} for ${path}: ${text.slice(0, 200)}`,
    );
  return text;
}
