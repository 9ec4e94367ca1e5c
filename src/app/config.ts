// A node's data directory as the CLI reads it: where config.json is, what it holds,
// checked. Apart from setup.ts so that a command that only talks to a node (most of
// them) loads none of the node's own code: a CLI call then starts in a fraction of
// the time (decision #165).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parseListen } from '../api/listen.js';
import { messageOf } from '../core/guards.js';
import { authorityOf } from '../federation/httpsig.js';
import { SetupError } from './errors.js';
import { checkTlsConfig, TlsConfigSchema } from './tls.js';

export const DEFAULT_DATA_DIR = '.liaison';

/** config.json, as `node init` writes it. */
const NodeConfigSchema = Type.Object({
  party: Type.String({ minLength: 1 }),
  origin: Type.String({ minLength: 1 }),
  /** A path relative to the data directory, or a postgres:// URL. */
  database: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65_535 }),
  host: Type.String({ minLength: 1 }),
  /** The URL partners reach this node at; by default http(s)://host:port. */
  url: Type.Optional(Type.String()),
  /**
   * Other URLs partners may reach this node at (another name of the host, a gateway).
   * Signed requests must be signed for the authority (host[:port]) of `url` or of one
   * of these; nothing else (docs/wire.md §3).
   */
  aliasUrls: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 32 })),
  createdAt: Type.String(),
  /** How long partners have to acknowledge a FLASH alert before it escalates (default 60). */
  alertAckDeadlineSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
  /** Password sign-in needs a second factor (TOTP); users without one may only enrol one. */
  requireTotp: Type.Optional(Type.Boolean()),
  /** host:port of a separate listener for GET /metrics without a token (Prometheus). */
  metricsListen: Type.Optional(Type.String()),
  /**
   * The log's C2SP verifier key, recorded at `node init` outside keys.json, so that a
   * keys.json replaced later does not verify a log re-signed with it (`audit verify
   * --data` trusts this one). Absent in data directories made before it was recorded.
   */
  verifierKey: Type.Optional(Type.String({ minLength: 1 })),
  /** How often this node asks its peers to cosign its checkpoints (default 30 s). */
  witnessIntervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600 })),
  /** How often peers hear this node's status of the agreements they share (default 300). */
  statusReportSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 86_400 })),
  /**
   * NATS (JetStream) that the node's instances share, e.g. nats://127.0.0.1:4222: with
   * a postgres:// database, several instances then serve one node (docs/deploy.md).
   */
  nats: Type.Optional(Type.String({ minLength: 1 })),
  /** HTTPS (cert and key) and the CA trusted for peers (src/app/tls.ts). */
  tls: Type.Optional(TlsConfigSchema),
});
export type NodeConfig = Static<typeof NodeConfigSchema>;

/** Reads a JSON file this program wrote, checked against its schema. */
export function readJsonFile<S extends TSchema>(path: string, schema: S, what: string): Static<S> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SetupError(`cannot read ${what} ${path}: ${messageOf(e)}`);
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw new SetupError(
      `${path}: ${first === undefined ? 'malformed' : `${first.path.slice(1) || 'the file'}: ${first.message}`}`,
    );
  }
  return value;
}

export const configPath = (dir: string) => join(dir, 'config.json');
export const keysPath = (dir: string) => join(dir, 'keys.json');

export function readConfig(dir: string): NodeConfig {
  const p = configPath(dir);
  if (!existsSync(p)) {
    throw new SetupError(
      `no node in '${dir}': run 'liaison node init --party XX --data ${dir}' first`,
    );
  }
  const c = readJsonFile(p, NodeConfigSchema, 'the node configuration');
  // Signed requests are checked against these URLs' authorities: each must have one.
  const urls = (c.aliasUrls ?? []).map((u, i) => ({ what: `aliasUrls/${i}`, u }));
  if (c.url !== undefined) urls.unshift({ what: 'url', u: c.url });
  for (const { what, u } of urls) {
    if (authorityOf(u) === null)
      throw new SetupError(`${p}: ${what}: give an http(s) URL, e.g. https://kr.example:8420`);
  }
  if (c.metricsListen !== undefined) {
    try {
      parseListen(c.metricsListen, `${p}: metricsListen`);
    } catch (e) {
      throw new SetupError(messageOf(e));
    }
  }
  if (c.tls !== undefined) checkTlsConfig(c.tls, p);
  return c;
}
