// The CLI's HTTP client for a running node: `--node URL --token T`, defaulting to
// the local node of the data directory and to $LIAISON_TOKEN.

import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { configPath, DEFAULT_DATA_DIR, readConfig } from '../app/setup.js';
import { isObject, messageOf } from '../core/guards.js';
import { LiaisonError } from '../core/index.js';
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
  ) {
    super(code, message);
  }
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
}

export interface TargetOptions {
  readonly node?: string | undefined;
  readonly token?: string | undefined;
  readonly data?: string | undefined;
}

export function resolveTarget(o: TargetOptions): Target {
  const token = o.token ?? process.env.LIAISON_TOKEN;
  const explicit = o.node ?? process.env.LIAISON_NODE;
  if (explicit !== undefined) return { url: explicit.replace(/\/+$/, ''), token };
  const dir = o.data ?? DEFAULT_DATA_DIR;
  if (!existsSync(configPath(dir))) {
    throw new UsageError(
      `no node given: pass --node URL, set LIAISON_NODE, or run in a directory with ${configPath(dir)}`,
    );
  }
  const c = readConfig(dir);
  const host = c.host === '0.0.0.0' || c.host === '::' ? '127.0.0.1' : c.host;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${c.port}`, token };
}

export class NodeClient {
  constructor(readonly target: Target) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.target.token !== undefined) headers.authorization = `Bearer ${this.target.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(`${this.target.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (e) {
      const cause = isObject(e) && isObject(e.cause) ? e.cause : {};
      const why = [cause.code, cause.message].find((x) => typeof x === 'string') ?? messageOf(e);
      throw new UnreachableError(`cannot reach the node at ${this.target.url}: ${String(why)}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UnreachableError(`the node at ${this.target.url} answered with malformed JSON`);
      }
    }
    if (!res.ok) {
      const err = isObject(parsed) && isObject(parsed.error) ? parsed.error : {};
      throw new RemoteError(
        res.status,
        typeof err.code === 'string' ? err.code : `http-${res.status}`,
        typeof err.message === 'string' ? err.message : text,
        Array.isArray(err.reasons) ? err.reasons.filter(isReason) : [],
      );
    }
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
