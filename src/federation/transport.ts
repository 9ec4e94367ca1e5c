// How a node reaches its peers, and the CLI its node: `fetch`, except that an https
// URL goes over node:https, trusting a CA bundle given by the operator beside Node's
// own roots (docs/decisions.md #112). Node 20's global fetch takes no CA of its own,
// only a dispatcher from the undici package, whose version must match the one bundled
// in each Node release; node:https takes `ca` on every release we support. TLS is the
// transport only: a peer's identity stays pinned by its fingerprint (peers.ts).
import { Agent, request } from 'node:https';
import * as tls from 'node:tls';
import { isObject } from '../core/guards.js';

/** The PEM certificate blocks of a bundle, in order. */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Node's default roots (with NODE_EXTRA_CA_CERTS where this Node can list them: 22.15+)
 * and the certificates of `extra`: what a connection trusts when the operator gave a CA.
 * Node's `ca` option replaces the default roots, so they are named again here.
 */
export function trustedRoots(extra: string): string[] {
  const list: unknown = Reflect.get(tls, 'getCACertificates');
  let roots: readonly string[] = tls.rootCertificates;
  if (typeof list === 'function') {
    const found: unknown = list('default');
    if (Array.isArray(found) && found.every((c) => typeof c === 'string')) roots = found;
  }
  return [...roots, ...pemCertificates(extra)];
}

/** The OpenSSL and Node codes of a certificate the client does not accept. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The server's certificate was refused: not signed by a trusted CA, expired, or for another name. */
export class UntrustedCertificate extends Error {
  override readonly name = 'UntrustedCertificate';
  constructor(
    readonly authority: string,
    /** OpenSSL's or Node's code, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE. */
    readonly code: string,
    reason: string,
  ) {
    super(`the TLS certificate of ${authority} is not trusted: ${reason} (${code})`);
  }
}

function codeOf(e: unknown): string | undefined {
  return isObject(e) && typeof e.code === 'string' ? e.code : undefined;
}

/** A connection's error, as an UntrustedCertificate when it is a refused certificate. */
export function asUntrusted(e: unknown, authority: string): UntrustedCertificate | null {
  const code = codeOf(e);
  if (code === undefined || !UNTRUSTED.has(code)) return null;
  return new UntrustedCertificate(authority, code, e instanceof Error ? e.message : String(e));
}

/** The request's body as bytes: the kinds this project sends (text, bytes), nothing else. */
function bodyBytes(body: RequestInit['body']): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('this fetch sends a string or bytes as a body, not a stream or a form');
}

/** Statuses whose answers have no body (a Response refuses one). */
const NO_BODY = new Set([204, 205, 304]);

function httpsFetch(agent: Agent, url: URL, init: RequestInit): Promise<Response> {
  const body = bodyBytes(init.body);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  if (body !== undefined) headers['content-length'] = String(body.length);
  const signal = init.signal ?? undefined;
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => {
      if (signal?.aborted === true) return reject(signal.reason);
      reject(asUntrusted(e, url.host) ?? (e instanceof Error ? e : new Error(String(e))));
    };
    const req = request(url, { method: init.method ?? 'GET', headers, agent, signal }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error(`${url.host} closed the connection mid-answer`)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 599)
          return fail(new Error(`${url.host} answered with HTTP status ${status}`));
        const answer = new Headers();
        const raw = res.rawHeaders;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i];
          const value = raw[i + 1];
          if (name !== undefined && value !== undefined) answer.append(name, value);
        }
        resolve(
          new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), {
            status,
            statusText: res.statusMessage ?? '',
            headers: answer,
          }),
        );
      });
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** Global fetch for http, with the reason a request failed said instead of "fetch failed". */
async function httpFetch(input: string | URL, init: RequestInit | undefined): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (e) {
    const cause = e instanceof Error && e.message === 'fetch failed' ? e.cause : undefined;
    if (cause instanceof Error) {
      const code = codeOf(cause);
      // An AggregateError (every address refused) may have no message of its own.
      const said = cause.message === '' ? (code ?? 'fetch failed') : cause.message;
      throw new Error(code === undefined || said === code ? said : `${said} (${code})`, {
        cause,
      });
    }
    throw e;
  }
}

/**
 * A fetch that trusts `ca` (PEM certificates) beside Node's roots for https URLs; with
 * no `ca`, Node's roots alone. It follows no redirect (nodes answer none) and reads a
 * whole answer before resolving; a refused certificate is an UntrustedCertificate.
 */
export function trustingFetch(ca?: string): typeof fetch {
  const agent = new Agent({
    keepAlive: true,
    ...(ca === undefined ? {} : { ca: trustedRoots(ca) }),
  });
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (input instanceof Request)
      throw new TypeError('this fetch takes a URL and options, not a Request');
    const url = new URL(input);
    return url.protocol === 'https:' ? httpsFetch(agent, url, init ?? {}) : httpFetch(url, init);
  };
}
