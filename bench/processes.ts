// Node processes for the benchmarks: `liaison node init` and `node start` as users
// run them, each waited for until it listens.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'dist/cli/index.js');
export const env = {
  ...process.env,
  LIAISON_PASSPHRASE: 'benchmark passphrase',
  LIAISON_TOKEN: '',
  LIAISON_NODE: '',
};

export interface Started {
  readonly dir: string;
  readonly url: string;
  readonly admin: string;
  readonly fingerprint: string;
  readonly child: ChildProcess;
}

export async function launch(
  dir: string,
  port: string,
): Promise<{ child: ChildProcess; url: string }> {
  // LIAISON_BENCH_NODE_ARGS, e.g. "--cpu-prof", profiles the node processes.
  const extra = (process.env.LIAISON_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...extra, BIN, 'node', 'start', '--data', dir, '--port', port],
    {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return { child, url: await listeningUrl(child, 'the node') };
}

/** The URL a child process prints as "listening on http://…"; fails if it exits first. */
export function listeningUrl(child: ChildProcess, what: string): Promise<string> {
  return new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) ok(m[1] as string);
    });
    child.once('exit', () => fail(new Error(`${what} exited: ${out}`)));
  });
}

/**
 * `liaison node init` for `party` (optionally on a PostgreSQL database), then `node start`;
 * `config` is merged into the node's config.json in between.
 */
export async function start(
  party: string,
  database?: string,
  config?: Readonly<Record<string, unknown>>,
): Promise<Started> {
  const dir = join(mkdtempSync(join(tmpdir(), `liaison-fed-${party}-`)), 'data');
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'node',
      'init',
      '--party',
      party,
      '--data',
      dir,
      '--port',
      '0',
      '--json',
      ...(database === undefined ? [] : ['--database', database]),
    ],
    {
      encoding: 'utf8',
      env,
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  const init = JSON.parse(r.stdout) as { admin: { token: string }; fingerprint: string };
  if (config !== undefined) {
    const path = join(dir, 'config.json');
    const current = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, `${JSON.stringify({ ...current, ...config }, null, 2)}\n`);
  }
  const { child, url } = await launch(dir, '0');
  return { dir, url, admin: init.admin.token, fingerprint: init.fingerprint, child };
}

/** Stops a node process (SIGTERM) and waits for it to exit. */
export function stopped(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else {
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }
  });
}
