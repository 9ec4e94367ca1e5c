// Two real node processes serving HTTPS with a certificate from a private CA made by
// `liaison tls generate`: peered over https by fingerprint, an item released JP→KR;
// a peer whose certificate is not trusted, plain http to an https port, and a
// certificate that is not the key's are each refused, saying why.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustingFetch } from '../../src/federation/transport.js';
import { waitFor } from '../support/federation.js';
import {
  BIN,
  type InitializedNode,
  initNodeDir,
  liaison,
  PASSPHRASE,
} from '../support/node-process.js';

type Json = Record<string, unknown>;
const env = { ...process.env, LIAISON_PASSPHRASE: PASSPHRASE, LIAISON_TOKEN: '', LIAISON_NODE: '' };
const root = mkdtempSync(join(tmpdir(), 'liaison-tls-'));
/** The CA both nodes trust, and the certificate (for loopback) both serve. */
const tls = {
  ca: join(root, 'tls', 'ca.pem'),
  cert: join(root, 'tls', 'cert.pem'),
  key: join(root, 'tls', 'key.pem'),
};
/** Another CA's certificate and key: trusted by no one here. */
const other = { cert: join(root, 'other', 'cert.pem'), key: join(root, 'other', 'key.pem') };

interface Running {
  readonly init: InitializedNode;
  readonly url: string;
  readonly child: ChildProcess;
}

/** `liaison node start` until it says where it listens (https). */
function start(init: InitializedNode): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'node', 'start', '--data', init.dir, '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${out}`)), 60_000);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ init, url: m[1], child });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}: ${out}`));
    });
  });
}

let jp: Running;
let kr: Running;
let trusting: typeof fetch;

async function api(n: Running, method: string, path: string, token: string, body?: unknown) {
  const res = await trusting(`${n.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as unknown, text };
}

async function person(n: Running, username: string, clearance: string, roles: string[]) {
  const admin = n.init.adminToken;
  const u = await api(n, 'POST', '/v1/users', admin, {
    username,
    clearance,
    needToKnow: ['dprk-missile'],
    roles,
  });
  expect(u.status, u.text).toBe(201);
  const t = await api(n, 'POST', `/v1/users/${username}/tokens`, admin, { label: 'tls test' });
  expect(t.status, t.text).toBe(201);
  return (t.body as { token: string }).token;
}

beforeAll(async () => {
  const made = liaison(['tls', 'generate', '--out', join(root, 'tls'), '--json']);
  expect(made.code, made.err).toBe(0);
  expect(JSON.parse(made.out)).toMatchObject({ ca: tls.ca, cert: tls.cert, key: tls.key });
  expect(liaison(['tls', 'generate', '--out', join(root, 'other')]).code).toBe(0);
  trusting = trustingFetch(readFileSync(tls.ca, 'utf8'));
  const flags = ['--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca];
  [jp, kr] = await Promise.all([
    start(initNodeDir('JP', undefined, flags)),
    start(initNodeDir('KR', undefined, flags)),
  ]);
}, 120_000);

afterAll(async () => {
  for (const n of [jp, kr]) {
    if (n === undefined || n.child.exitCode !== null) continue;
    await new Promise<void>((done) => {
      n.child.once('exit', () => done());
      n.child.kill('SIGTERM');
    });
  }
});

describe('nodes over https', () => {
  it('serve https at an https URL, to a client that trusts the CA', async () => {
    expect(jp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kr.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await trusting(`${jp.url}/healthz`);
    expect(r.status).toBe(200);
    const config = JSON.parse(readFileSync(join(jp.init.dir, 'config.json'), 'utf8')) as Json;
    expect(config.tls).toEqual({ cert: tls.cert, key: tls.key, ca: tls.ca });
  });

  it('peer over https, pinned by fingerprint; JP releases an item to KR, and KR receives it', async () => {
    // A wrong fingerprint is refused over https as over http: TLS does not replace pinning.
    const wrong = await api(jp, 'POST', '/v1/peers', jp.init.adminToken, {
      url: kr.url,
      fingerprint: jp.init.fingerprint,
    });
    expect(wrong.status, wrong.text).toBe(409);
    expect((wrong.body as { error: { code: string } }).error.code).toBe('fingerprint-mismatch');
    for (const [a, b] of [
      [jp, kr],
      [kr, jp],
    ] as const) {
      const r = await api(a, 'POST', '/v1/peers', a.init.adminToken, {
        url: b.url,
        fingerprint: b.init.fingerprint,
      });
      expect(r.status, r.text).toBe(201);
      expect(r.body).toMatchObject({ url: b.url, fingerprint: b.init.fingerprint });
    }
    await waitFor('the JP–KR agreement to bind', async () => {
      const list = (await api(jp, 'GET', '/v1/agreements', jp.init.adminToken)).body as {
        parties: string[];
        binding: boolean;
      }[];
      return list.some((a) => a.parties.includes('KR') && a.binding);
    });
    const ra = await person(jp, 'jp-ra', 'KIMITSU', ['releasing-authority', 'officer']);
    const officer = await person(kr, 'kr-officer', 'II', ['officer']);
    const item = await api(jp, 'POST', '/v1/items', ra, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Launch report over TLS',
      body: 'two SRBMs',
    });
    expect(item.status, item.text).toBe(201);
    const id = (item.body as { id: string }).id;
    const sent = await api(jp, 'POST', `/v1/items/${id}/release`, ra, { to: 'KR' });
    expect(sent.status, sent.text).toBe(202);
    const arrived = await waitFor('the item in KR’s inbox', async () => {
      const inbox = (await api(kr, 'GET', '/v1/inbox', officer)).body as Json[];
      return inbox.find((e) => e.item === id);
    });
    expect(arrived).toMatchObject({ item: id, from: 'JP' });
    const read = await api(kr, 'GET', `/v1/items/${id}`, officer);
    expect(read.status, read.text).toBe(200);
    expect(read.body).toMatchObject({ body: 'two SRBMs' });
  });

  it('refuse a peer whose certificate no trusted CA signed, saying so', async () => {
    const server: Server = createServer(
      { cert: readFileSync(other.cert), key: readFileSync(other.key) },
      (_req, res) => res.end('not a node'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const r = await api(jp, 'POST', '/v1/peers', jp.init.adminToken, {
        url: `https://127.0.0.1:${port}`,
        fingerprint: kr.init.fingerprint,
      });
      expect(r.status, r.text).toBe(424);
      const e = (r.body as { error: { code: string; message: string } }).error;
      expect(e.code).toBe('peer-unreachable');
      expect(e.message).toMatch(
        new RegExp(
          `cannot fetch the identity of https://127\\.0\\.0\\.1:${port}: the TLS certificate of 127\\.0\\.0\\.1:${port} is not trusted: .*\\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\\)`,
        ),
      );
    } finally {
      server.close();
    }
  });

  it('the CLI trusts the CA with --ca or LIAISON_CA_FILE, and says why without it (requests and the alert stream)', () => {
    const token = jp.init.adminToken;
    const bare = liaison(['peer', 'list', '--node', jp.url, '--token', token]);
    expect(bare.code).toBe(3);
    expect(bare.err).toMatch(
      /^liaison: cannot reach the node at https:\/\/127\.0\.0\.1:\d+: the TLS certificate of 127\.0\.0\.1:\d+ is not trusted: .*; trust the CA that signed it with --ca FILE or LIAISON_CA_FILE\n$/,
    );
    const flag = liaison(['peer', 'list', '--node', jp.url, '--token', token, '--ca', tls.ca]);
    expect(flag.code, flag.err).toBe(0);
    expect(flag.out).toContain(kr.url);
    const envCa = liaison(['peer', 'list', '--node', jp.url, '--token', token], {
      LIAISON_CA_FILE: tls.ca,
    });
    expect(envCa.code, envCa.err).toBe(0);
    const missing = liaison(['peer', 'list', '--node', jp.url, '--ca', join(root, 'nope.pem')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--ca '.*nope\.pem': no such file/);
    // A refused certificate stops the watch at once instead of reconnecting for ever.
    const watch = spawnSync(
      process.execPath,
      [BIN, 'alert', 'watch', '--node', jp.url, '--token', token],
      { encoding: 'utf8', env, timeout: 20_000 },
    );
    expect(watch.status).toBe(3);
    expect(watch.stderr).toMatch(/cannot open the alert stream at https:.* is not trusted/);
  });

  it('plain http to the https port fails', async () => {
    const plain = jp.url.replace(/^https:/, 'http:');
    await expect(
      fetch(`${plain}/healthz`, { signal: AbortSignal.timeout(10_000) }),
    ).rejects.toThrow();
    const cli = liaison(['peer', 'list', '--node', plain, '--token', jp.init.adminToken]);
    expect(cli.code).toBe(3);
    expect(cli.err).toMatch(/if it serves HTTPS, give https:\/\//);
  });

  it('a node whose certificate is not its key’s refuses to start, naming both files', () => {
    const init = initNodeDir('US');
    const flags = liaison([
      'node',
      'start',
      '--data',
      init.dir,
      '--port',
      '0',
      '--tls-cert',
      tls.cert,
      '--tls-key',
      other.key,
    ]);
    expect(flags.code).toBe(2);
    expect(flags.err).toBe(
      `liaison: the TLS certificate ${tls.cert} (--tls-cert) does not match the key ${other.key} (--tls-key): the key is not the certificate's\n`,
    );
    // The same from config.json, named by its fields.
    const path = join(init.dir, 'config.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as Json;
    writeFileSync(path, JSON.stringify({ ...config, tls: { cert: tls.cert, key: other.key } }));
    const fromConfig = liaison(['node', 'start', '--data', init.dir, '--port', '0']);
    expect(fromConfig.code).toBe(2);
    expect(fromConfig.err).toContain(
      `(tls.cert in ${path}) does not match the key ${other.key} (tls.key in ${path})`,
    );
    expect(fromConfig.err).not.toMatch(/\n\s+at /);
    // A key file that is missing is named as missing.
    const missing = liaison([
      'node',
      'start',
      '--data',
      init.dir,
      '--port',
      '0',
      '--tls-key',
      join(root, 'absent.pem'),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(
      `liaison: the TLS key ${join(root, 'absent.pem')} (--tls-key) does not exist\n`,
    );
  });
});
