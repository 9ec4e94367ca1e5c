// Node-to-node requests are authenticated with HTTP Message Signatures (RFC 9421),
// Ed25519, over the method, authority, path, query and the body's Content-Digest (RFC 9530),
// with created/expires and a nonce against replay. The key is the sending node's
// Ed25519 signing key, pinned when the peer was added (fingerprint checked out of band).
// A request is bound to its receiver: the receiver rebuilds `@authority` from its own
// configured authorities, never from the Host header (which whoever replays the
// request writes), so a request signed for another node does not verify here.

import { createHash, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { LiaisonError } from '../core/index.js';

const SIGNATURE_LABEL = 'liaison';
const COVERED = ['@method', '@authority', '@path', '@query', 'content-digest'] as const;
/** How far a request's `created` may be from the receiver's clock. */
export const MAX_SKEW_MS = 60_000;

export type HttpSigCode =
  | 'unsigned'
  | 'bad-signature'
  | 'stale-request'
  | 'replayed-request'
  | 'unknown-peer'
  /** Signed for another receiver's authority (a request captured and replayed here). */
  | 'wrong-authority';

export class HttpSigError extends LiaisonError<HttpSigCode> {
  override readonly name = 'HttpSigError';
  readonly family = 'request-signature';
}

/** RFC 9530 Content-Digest with SHA-256. */
function contentDigest(body: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

/** RFC 9421 §2.5: the signature base for the given component values and parameters. */
export function signatureBase(
  components: readonly (readonly [string, string])[],
  params: string,
): string {
  const lines = components.map(([name, value]) => `"${name}": ${value}`);
  lines.push(`"@signature-params": ${params}`);
  return lines.join('\n');
}

/** A request as its sender signs it. */
export interface RequestParts {
  readonly method: string;
  /** The receiver's host[:port], as `URL.host` writes it for the URL the request goes to. */
  readonly authority: string;
  /** The request target: the path, and the query string if any. */
  readonly path: string;
  readonly body: Uint8Array;
}

/** A request as its receiver sees it. */
export interface ReceivedRequest {
  readonly method: string;
  /**
   * The Host header as received. It is never trusted: it only names the authority a
   * request signed for someone else was meant for, in the refusal.
   */
  readonly host: string | undefined;
  /** The raw request target: the path, and the query string if any. */
  readonly path: string;
  readonly body: Uint8Array;
}

/** What the receiver checks a request against. */
export interface Receiver {
  /**
   * This node's own authorities (host[:port], lowercased, as `URL.host` writes them),
   * from its configuration: a request must be signed for one of them.
   */
  readonly authorities: readonly string[];
  /**
   * Other nodes' authorities (its peers'), tried only to tell `wrong-authority` from
   * `bad-signature` when the request was not signed for this node.
   */
  elsewhere?(): readonly string[];
  /** The pinned key of a known peer. */
  keyFor(keyid: string): KeyObject | undefined;
  readonly nowMs: number;
  /** Records a nonce and says whether it was unseen. */
  fresh(nonce: string, expiresAtMs: number): boolean;
}

/**
 * The authority of a URL as a request's `@authority` carries it (`URL.host`:
 * lowercased, the default port left out), or null when `url` is not an http(s) URL.
 */
export function authorityOf(url: string): string | null {
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== ''
      ? u.host.toLowerCase()
      : null;
  } catch {
    return null;
  }
}

function components(
  r: Pick<RequestParts, 'method' | 'path'>,
  authority: string,
  digest: string,
): [string, string][] {
  // RFC 9421 §2.2.6–2.2.7: @path without the query; @query with its "?" ("?" if none).
  const q = r.path.indexOf('?');
  return [
    ['@method', r.method.toUpperCase()],
    ['@authority', authority.toLowerCase()],
    ['@path', q < 0 ? r.path : r.path.slice(0, q)],
    ['@query', q < 0 ? '?' : r.path.slice(q)],
    ['content-digest', digest],
  ];
}

type SignedHeaders = {
  readonly 'content-digest': string;
  readonly 'signature-input': string;
  readonly signature: string;
} & { readonly [name: string]: string };

export function signRequest(
  r: RequestParts,
  key: KeyObject,
  keyid: string,
  nowMs: number,
): SignedHeaders {
  const digest = contentDigest(r.body);
  const created = Math.floor(nowMs / 1000);
  const nonce = randomBytes(16).toString('base64url');
  const params = `(${COVERED.map((c) => `"${c}"`).join(' ')});created=${created};expires=${created + 60};nonce="${nonce}";keyid="${keyid}";alg="ed25519"`;
  const base = signatureBase(components(r, r.authority, digest), params);
  const sig = sign(null, Buffer.from(base, 'utf8'), key).toString('base64');
  return {
    'content-digest': digest,
    'signature-input': `${SIGNATURE_LABEL}=${params}`,
    signature: `${SIGNATURE_LABEL}=:${sig}:`,
  };
}

interface Verified {
  readonly keyid: string;
  /** Which of this node's authorities the request was signed for. */
  readonly authority: string;
  readonly nonce: string;
  readonly created: number;
  /** Seconds since the epoch, as signed. */
  readonly expires: number;
}

/**
 * Verifies a signed request received by `receiver`. The signature must verify with
 * `@authority` one of the receiver's own authorities; one that verifies only for
 * another authority (the Host header's, a peer's) is `wrong-authority`. Every refusal
 * names a code; a bad signature and a wrong key are the same refusal.
 */
export function verifyRequest(
  r: ReceivedRequest,
  headers: { readonly [name: string]: string | string[] | undefined },
  receiver: Receiver,
): Verified {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const input = one('signature-input');
  const signature = one('signature');
  const digest = one('content-digest');
  if (input === undefined || signature === undefined || digest === undefined) {
    throw new HttpSigError(
      'unsigned',
      'node-to-node requests carry Signature-Input, Signature and Content-Digest (RFC 9421)',
    );
  }
  const m = new RegExp(`^${SIGNATURE_LABEL}=(\\(([^)]*)\\)(.*))$`).exec(input.trim());
  const s = new RegExp(`^${SIGNATURE_LABEL}=:([A-Za-z0-9+/=]+):$`).exec(signature.trim());
  if (m === null || s === null)
    throw new HttpSigError('bad-signature', 'malformed Signature-Input or Signature');
  // Every group takes part in a match (the last may be empty).
  const [, params = '', list = '', rest = ''] = m;
  const [, sig = ''] = s;
  if (list !== COVERED.map((c) => `"${c}"`).join(' ')) {
    throw new HttpSigError('bad-signature', `the signature must cover ${COVERED.join(' ')}`);
  }
  const param = (name: string, quoted: boolean) => {
    const p = new RegExp(`;${name}=${quoted ? '"([^"]*)"' : '(\\d+)'}`).exec(rest);
    return p?.[1];
  };
  const created = Number(param('created', false));
  const expires = Number(param('expires', false));
  const nonce = param('nonce', true);
  const keyid = param('keyid', true);
  if (
    param('alg', true) !== 'ed25519' ||
    !Number.isFinite(created) ||
    !Number.isFinite(expires) ||
    !nonce ||
    !keyid
  ) {
    throw new HttpSigError(
      'bad-signature',
      'Signature-Input needs created, expires, nonce, keyid and alg="ed25519"',
    );
  }
  if (contentDigest(r.body) !== digest)
    throw new HttpSigError('bad-signature', 'Content-Digest does not match the body');
  const key = receiver.keyFor(keyid);
  if (key === undefined) throw new HttpSigError('unknown-peer', `no peer with key id '${keyid}'`);
  const signed = Buffer.from(sig, 'base64');
  const verifiesFor = (authority: string): boolean => {
    const base = signatureBase(components(r, authority, digest), params);
    try {
      return verify(null, Buffer.from(base, 'utf8'), key, signed);
    } catch {
      return false;
    }
  };
  // Our own authorities, the Host header's first when it is one of them (the usual case:
  // one verification). The Host header itself is never what a request is checked against.
  const host = r.host?.trim().toLowerCase() ?? '';
  const own = receiver.authorities.map((a) => a.toLowerCase());
  const authority = (own.includes(host) ? [host, ...own.filter((a) => a !== host)] : own).find(
    verifiesFor,
  );
  if (authority === undefined) {
    const other = [host, ...(receiver.elsewhere?.() ?? []).map((a) => a.toLowerCase())].find(
      (a) => a !== '' && !own.includes(a) && verifiesFor(a),
    );
    if (other !== undefined) {
      throw new HttpSigError(
        'wrong-authority',
        `the request was signed for ${other}, not for this node (${own.join(', ') || 'no authority configured'})`,
      );
    }
    throw new HttpSigError('bad-signature', 'the request signature does not verify');
  }
  const now = receiver.nowMs / 1000;
  if (
    created > now + MAX_SKEW_MS / 1000 ||
    created < now - MAX_SKEW_MS / 1000 ||
    expires < now ||
    expires - created > 300
  ) {
    throw new HttpSigError('stale-request', 'the request is outside its validity window');
  }
  if (!receiver.fresh(nonce, expires * 1000))
    throw new HttpSigError('replayed-request', 'this request was already received');
  return { keyid, authority, nonce, created, expires };
}
