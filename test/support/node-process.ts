// A real node process on loopback: `liaison node init` then `liaison node start`,
// driven over HTTP by the integration tests.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/store/db.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'dist/cli/index.js');
export const PASSPHRASE = 'integration test passphrase';
const env = () => ({
  ...process.env,
  LIAISON_PASSPHRASE: PASSPHRASE,
  LIAISON_TOKEN: '',
  LIAISON_NODE: '',
});

export function liaison(args: readonly string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...env(), ...extraEnv },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export interface InitializedNode {
  readonly dir: string;
  readonly adminToken: string;
  readonly verifierKey: string;
  readonly fingerprint: string;
}

export function initNodeDir(
  party: string,
  database?: string,
  extra: readonly string[] = [],
): InitializedNode {
  const dir = join(mkdtempSync(join(tmpdir(), 'liaison-node-')), 'data');
  const r = liaison([
    'node',
    'init',
    '--party',
    party,
    '--data',
    dir,
    '--port',
    '0',
    '--json',
    ...(database ? ['--database', database] : []),
    ...extra,
  ]);
  if (r.code !== 0) throw new Error(`node init failed: ${r.err}`);
  const j = JSON.parse(r.out) as {
    admin: { token: string };
    verifierKey: string;
    fingerprint: string;
  };
  return { dir, adminToken: j.admin.token, verifierKey: j.verifierKey, fingerprint: j.fingerprint };
}

export interface NodeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** What the process has printed on its standard output so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `liaison node start`; with `url`, on that URL's port again (a restart);
 * `extra` are more flags (e.g. `--database`, `--nats`, `--instance` for an instance).
 */
export function startNodeProcess(
  dir: string,
  url?: string,
  extra: readonly string[] = [],
  /** More environment (e.g. another LIAISON_PASSPHRASE). */
  extraEnv: Record<string, string> = {},
): Promise<NodeProcess> {
  const port = url === undefined ? '0' : new URL(url).port;
  const args = [BIN, 'node', 'start', '--data', dir, '--port', port, ...extra];
  const child = spawn(process.execPath, args, {
    env: { ...env(), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Everything the node prints stays in its directory, for diagnosing a failed test.
  const logFile = createWriteStream(join(dir, 'node.log'), { flags: 'a' });
  child.stdout?.pipe(logFile);
  child.stderr?.pipe(logFile);
  return new Promise((resolveStart, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${out}${err}`)), 60_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m !== null) {
        clearTimeout(timer);
        resolveStart({
          url: m[1] as string,
          child,
          output: () => out,
          stop: () =>
            new Promise<void>((done) => {
              // A process killed by a signal has a signalCode and no exitCode.
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}: ${out}${err}`));
    });
  });
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export async function http(
  url: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  raw?: string,
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method,
      headers,
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
      // A node that stops answering fails the test with its name, instead of hanging it.
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new Error(`${method} ${url}${path}: ${(e as Error).message}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text/plain answers (checkpoints, metrics) stay text
  }
  return { status: res.status, body: parsed, text };
}

/**
 * Log entries read straight from a node's store (as its operator could), from index
 * `start`: what the API withholds from an auditor who may not read an item.
 */
export async function storedEntries(
  init: InitializedNode,
  database: string | undefined,
  start: number,
): Promise<Record<string, unknown>[]> {
  const store = await openStore(database ?? join(init.dir, 'store.sqlite'));
  try {
    const rows = await store.db
      .selectFrom('log_entries')
      .select(['data'])
      .where('idx', '>=', start)
      .orderBy('idx')
      .execute();
    return rows.map((r) => JSON.parse(r.data) as Record<string, unknown>);
  } finally {
    await store.close();
  }
}
