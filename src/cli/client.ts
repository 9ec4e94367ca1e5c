// The CLI's HTTP client for a running node: `--node URL --token T`, defaulting to
// the local node of the data directory and to $LIAISON_TOKEN. An https node's
// certificate is checked against Node's roots and the CA of `--ca FILE`
// ($LIAISON_CA_FILE; for the data directory's node, its config's tls.ca).

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configPath, DEFAULT_DATA_DIR, readConfig } from '../app/config.js';
import { isObject, messageOf } from '../core/guards.js';
import { LiaisonError } from '../core/index.js';
import { pemCertificates, trustingFetch, UntrustedCertificate } from '../federation/transport.js';
import type { paths } from './api-types.js';
import { UsageError } from './errors.js';

/** A node answered with an error: its stable code and message, and any reasons. */
/** A node refused: its error code (any family of the node's) and message. */
type RemoteReason = { code: string; message: string; ref?: string };

function isReason(r: unknown): r is RemoteReason {
  return (
    isObject(r) &&
    typeof r.code === 'string' &&
    typeof r.message === 'string' &&
    (r.ref === undefined || typeof r.ref === 'string')
  );
}

export class RemoteError extends LiaisonError {
  override readonly name = 'RemoteError';
  readonly family = 'remote';
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly reasons: readonly RemoteReason[] = [],
    /** A refused request: the field at fault, as the node names it (`categories`, `limit`). */
    readonly field: string | null = null,
  ) {
    super(code, message);
  }
}

/** The flag (or argument) of a command that fills each request field: `categories` → `--category`. */
export type FlagsOf = Readonly<Record<string, string>>;

/** Fields every listing takes from the same flags. */
const PAGING_FLAGS: FlagsOf = { limit: '--limit', offset: '--offset' };

/**
 * The field a refusal is about when the node names it by its code only: an unknown
 * marking is the marking given, an unknown party the recipient.
 */
const FIELD_OF_CODE: Readonly<Record<string, string>> = {
  'unknown-marking': 'marking',
  'unknown-party': 'to',
};

/**
 * The node's refusal of a field, told with the flag that gave it: `categories: give at
 * least one` → `--category: give at least one`; `unknown-marking: unknown marking 'X'
 * for JP …` → `--marking: unknown marking 'X' for JP …`. A field of a list
 * (`categories.2`) is its list's flag; a field no flag gives is left as the node said it.
 */
export function withFlag(e: RemoteError, flags: FlagsOf): RemoteError {
  const field = e.field ?? FIELD_OF_CODE[e.code] ?? null;
  if (field === null) return e;
  const all = { ...PAGING_FLAGS, ...flags };
  const parts = field.split('.');
  for (let n = parts.length; n > 0; n--) {
    const flag = all[parts.slice(0, n).join('.')];
    if (flag === undefined) continue;
    const named = /^(?:query |path )?([^\s:]+): /.exec(e.message);
    const said =
      named !== null && named[1] === field ? e.message.slice(named[0].length) : e.message;
    return new RemoteError(e.status, e.code, `${flag}: ${said}`, e.reasons, field);
  }
  return e;
}

/** A 404 about the id the person typed names it, unless the node's message does. */
function named404(status: number, message: string, id: string | undefined): string {
  return status !== 404 || id === undefined || message.includes(id)
    ? message
    : `${message}: '${id}'`;
}

/** The node could not be reached at all. */
export class UnreachableError extends LiaisonError<'unreachable'> {
  override readonly name = 'UnreachableError';
  readonly family = 'unreachable';
  constructor(message: string) {
    super('unreachable', message);
  }
}

export interface Target {
  readonly url: string;
  readonly token: string | undefined;
  /** CA certificates (PEM) trusted for an https node beside Node's roots. */
  readonly ca?: string | undefined;
}

export interface TargetOptions {
  readonly node?: string | undefined;
  readonly token?: string | undefined;
  readonly data?: string | undefined;
  /** `--ca FILE`: the CA bundle to trust (default $LIAISON_CA_FILE). */
  readonly ca?: string | undefined;
}

/** A CA bundle the person named: read, and holding at least one PEM certificate. */
function readCa(file: string, from: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = isObject(e) && typeof e.code === 'string' ? e.code : '';
    throw new UsageError(
      `${from} '${file}': ${code === 'ENOENT' ? 'no such file' : `cannot read it (${messageOf(e)})`}`,
    );
  }
  if (pemCertificates(text).length === 0)
    throw new UsageError(
      `${from} '${file}' holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the CA that signed the node's certificate`,
    );
  return text;
}

/** The CA the options or the environment name, read; undefined when none is named. */
function givenCa(o: TargetOptions): string | undefined {
  if (o.ca !== undefined) return readCa(o.ca, '--ca');
  const env = process.env.LIAISON_CA_FILE;
  return env === undefined || env === '' ? undefined : readCa(env, 'LIAISON_CA_FILE');
}

/**
 * A node's base URL as a person may write it: `http(s)://host:port`, or `host:port`
 * (http is assumed), with or without a trailing slash; anything else is a usage error
 * naming the flag.
 */
export function nodeUrl(given: string): string {
  const trimmed = given.trim();
  const withScheme = (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`
  ).replace(/\/+$/, '');
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new UsageError(
      `--node '${given}' is not a node address: give host:port or http(s)://host:port`,
    );
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '')
    throw new UsageError(
      `--node '${given}' is not a node address: give host:port or http(s)://host:port`,
    );
  return withScheme;
}

export function resolveTarget(o: TargetOptions): Target {
  const token = o.token ?? process.env.LIAISON_TOKEN;
  const explicit = o.node ?? process.env.LIAISON_NODE;
  const ca = givenCa(o);
  if (explicit !== undefined) return { url: nodeUrl(explicit), token, ca };
  const dir = o.data ?? DEFAULT_DATA_DIR;
  if (!existsSync(configPath(dir))) {
    throw new UsageError(
      `no node given: pass --node URL, set LIAISON_NODE, or run in a directory with ${configPath(dir)}`,
    );
  }
  const c = readConfig(dir);
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
  const scheme = c.tls?.cert === undefined ? 'http' : 'https';
  // The local node's certificate is most likely signed by the CA it trusts for peers.
  const localCa =
    ca ??
    (c.tls?.ca === undefined ? undefined : readCa(resolve(dir, c.tls.ca), 'tls.ca in config.json'));
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${c.port}`,
    token,
    ca: localCa,
  };
}

type Method = 'get' | 'post' | 'put' | 'delete';

/** The operation at a path and method of the API (never when the path has no such method). */
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The paths of the API that have a method. */
type PathWith<M extends Method> = {
  [P in keyof paths]: [Operation<P, M>] extends [never] ? never : P;
}[keyof paths];

type Responses<O> = O extends { readonly responses: infer R } ? R : never;
type JsonOf<R> = R extends { readonly content: { readonly 'application/json': infer B } }
  ? B
  : undefined;

type Success<R> = {
  [S in keyof R]: S extends 200 | 201 | 202 | 204 ? JsonOf<R[S]> : never;
}[keyof R];

/** What the node answers on success (2xx), as its OpenAPI document says (per path of a union). */
type Answer<P extends PathWith<M>, M extends Method> = P extends unknown
  ? Success<Responses<Operation<P, M>>>
  : never;

type ParamsOf<O> = O extends { readonly parameters: infer X } ? X : never;
type PathParams<O> = ParamsOf<O> extends { readonly path: infer A } ? A : never;
type QueryParams<O> = ParamsOf<O> extends { readonly query?: infer Q } ? NonNullable<Q> : never;
type RequestBody<O> = O extends { readonly requestBody?: infer B } ? NonNullable<B> : never;
type BodyOf<O> =
  RequestBody<O> extends {
    readonly content: { readonly 'application/json': infer J };
  }
    ? J
    : never;

type Scalar = string | number | boolean;

/**
 * What a call takes besides its path: the path's parameters (`{id}`), the query, and the
 * body. Values are the user's, unchecked: the node validates them and answers a refusal
 * the CLI prints; the names are the API's (a misspelt or missing field fails the build).
 */
type PathPart<O> = [PathParams<O>] extends [never]
  ? { readonly path?: undefined }
  : { readonly path: { readonly [K in keyof PathParams<O>]: string } };
type QueryPart<O> = [QueryParams<O>] extends [never]
  ? { readonly query?: undefined }
  : ParamsOf<O> extends { readonly query: object }
    ? { readonly query: { readonly [K in keyof QueryParams<O>]: Scalar } }
    : { readonly query?: { readonly [K in keyof QueryParams<O>]?: Scalar } };
type BodyPart<O> = [BodyOf<O>] extends [never]
  ? { readonly body?: undefined }
  : O extends { readonly requestBody: object }
    ? { readonly body: { readonly [K in keyof BodyOf<O>]: unknown } }
    : { readonly body?: { readonly [K in keyof BodyOf<O>]: unknown } };
type Input<O> = PathPart<O> & QueryPart<O> & BodyPart<O>;

/** The input argument: required when the path has parameters, the query or the body is. */
type Args<P extends PathWith<M>, M extends Method> =
  object extends Input<Operation<P, M>>
    ? [input?: Input<Operation<P, M>>]
    : [input: Input<Operation<P, M>>];

/** Any call's input, as the client sends it. */
interface Sent {
  readonly path?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, Scalar | undefined>>;
  readonly body?: unknown;
}

/**
 * A path of the API with its parameters filled in (`/v1/items/{id}` → `/v1/items/a%2Fb`),
 * and the query's defined values after it.
 */
function fillPath(
  template: string,
  params: Readonly<Record<string, string>> = {},
  query: Readonly<Record<string, Scalar | undefined>> = {},
): string {
  const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no value for {${name}} in ${template}`);
    return encodeURIComponent(v);
  });
  const q = new URLSearchParams(
    Object.entries(query).flatMap(([k, v]): [string, string][] =>
      v === undefined ? [] : [[k, String(v)]],
    ),
  ).toString();
  return q === '' ? path : `${path}?${q}`;
}

/**
 * A node's API, typed by its OpenAPI document: `get('/v1/items/{id}', { path: { id } })`
 * resolves to what that route answers (its 2xx JSON), and refusals throw RemoteError.
 */
export class NodeClient {
  private readonly fetch: typeof fetch;

  constructor(
    readonly target: Target,
    /** The command's flags by request field, to name them in a refusal (withFlag). */
    readonly flags: FlagsOf = {},
  ) {
    this.fetch = trustingFetch(target.ca);
  }

  get<P extends PathWith<'get'>>(path: P, ...[input]: Args<P, 'get'>): Promise<Answer<P, 'get'>> {
    return this.call('GET', path, input);
  }

  post<P extends PathWith<'post'>>(
    path: P,
    ...[input]: Args<P, 'post'>
  ): Promise<Answer<P, 'post'>> {
    return this.call('POST', path, input);
  }

  put<P extends PathWith<'put'>>(path: P, ...[input]: Args<P, 'put'>): Promise<Answer<P, 'put'>> {
    return this.call('PUT', path, input);
  }

  delete<P extends PathWith<'delete'>>(
    path: P,
    ...[input]: Args<P, 'delete'>
  ): Promise<Answer<P, 'delete'>> {
    return this.call('DELETE', path, input);
  }

  private async call<T>(method: string, template: string, input: Sent | undefined): Promise<T> {
    const path = fillPath(template, input?.path, input?.query);
    const body = input?.body;
    const headers: Record<string, string> = {};
    if (this.target.token !== undefined) headers.authorization = `Bearer ${this.target.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetch(`${this.target.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      if (e instanceof UntrustedCertificate)
        throw new UnreachableError(
          `cannot reach the node at ${this.target.url}: ${e.message}; trust the CA that signed it with --ca FILE or LIAISON_CA_FILE`,
        );
      const cause = isObject(e) && isObject(e.cause) ? e.cause : isObject(e) ? e : {};
      const why = [cause.code, cause.message].find((x) => typeof x === 'string') ?? messageOf(e);
      // An https node closes a plain http connection without a word.
      const hint =
        this.target.url.startsWith('http:') && (why === 'UND_ERR_SOCKET' || why === 'ECONNRESET')
          ? ' (the node closed the connection: if it serves HTTPS, give https://)'
          : '';
      throw new UnreachableError(
        `cannot reach the node at ${this.target.url}: ${String(why)}${hint}`,
      );
    }
    const text = await res.text();
    // No content (204): nothing to read.
    let parsed: unknown = res.status === 204 ? undefined : text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UnreachableError(`the node at ${this.target.url} answered with malformed JSON`);
      }
    }
    if (!res.ok) {
      const err = isObject(parsed) && isObject(parsed.error) ? parsed.error : {};
      throw withFlag(
        new RemoteError(
          res.status,
          typeof err.code === 'string' ? err.code : `http-${res.status}`,
          named404(
            res.status,
            typeof err.message === 'string' ? err.message : text,
            input?.path?.id,
          ),
          Array.isArray(err.reasons) ? err.reasons.filter(isReason) : [],
          typeof err.field === 'string' ? err.field : null,
        ),
        this.flags,
      );
    }
    // The one cast of the CLI's reading: a 2xx answer has the type its path and method give,
    // because the node answers as its OpenAPI document says: Fastify serializes each answer
    // with the route's response schema, the TypeBox schema that document (and api-types.ts,
    // kept current by `npm run check`) is generated from.
    return parsed as T;
  }
}

/** The options of every command that talks to a node. */
export interface Common extends TargetOptions {
  readonly json?: boolean;
}

/** Adds the options that say which node to talk to, as whom, and how to print. */
export function withTarget(cmd: Command): Command {
  return cmd
    .option('--node <url>', 'node URL (default: $LIAISON_NODE, else the node in --data)')
    .option('--token <token>', 'API token (default: $LIAISON_TOKEN)')
    .option('--data <dir>', 'data directory of the local node', '.liaison')
    .option(
      '--ca <file>',
      "CA certificate(s) to trust for an https node, beside the system's (default: $LIAISON_CA_FILE, else the local node's tls.ca)",
    )
    .option('--json', 'print JSON');
}

/** A repeatable, comma-separable option's values (`--to KR,US --to JP`). */
export const list = (v: string, prev: string[] = []): string[] => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];
