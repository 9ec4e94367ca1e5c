// Requests bound to their receiver (docs/wire.md §3). KR and US are real nodes serving
// HTTP on loopback, started in this process as `liaison node start` starts them; JP is
// a node initialized as `liaison node init` does (its keys, its config) that serves
// only its signed identity, so that KR and US pin it by fingerprint as they pin any
// peer (a full third node would only slow the file down). A request JP signs for KR,
// replayed to US with its original Host header, is refused `wrong-authority` and
// logged there; a signed GET of KR's checkpoint replayed to US is refused the same
// way; a signed GET answered by KR and replayed after KR restarts is
// `replayed-request`. A node accepts the other names it is configured to be reached
// at, and only those.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  configPath,
  initNode,
  type RunningNode,
  readConfig,
  readStoredKeys,
  startNode,
} from '../../src/app/setup.js';
import { x25519PublicKeyFromRaw } from '../../src/crypto/jose.js';
import { type NodeKeys, openKeys } from '../../src/crypto/keys.js';
import { signRequest } from '../../src/federation/httpsig.js';
import { buildIdentity, signIdentity } from '../../src/federation/identity.js';
import { sealMessage } from '../../src/federation/messages.js';
import { http } from '../support/node-process.js';

/** The nodes requests are sent to. */
type Party = 'KR' | 'US';
const PARTIES: readonly Party[] = ['KR', 'US'];
type Json = Record<string, unknown>;
const PASSPHRASE = 'request authority test passphrase';

interface Member {
  readonly dir: string;
  readonly admin: string;
  readonly fingerprint: string;
  running: RunningNode;
}
const root = mkdtempSync(join(tmpdir(), 'liaison-authority-'));
const members = new Map<Party, Member>();
const member = (p: Party): Member => {
  const m = members.get(p);
  if (m === undefined) throw new Error(`no ${p} node`);
  return m;
};
const url = (p: Party) => member(p).running.url;
const authority = (p: Party) => new URL(url(p)).host;
let jpKeys: NodeKeys;
/** JP's identity endpoint: what KR and US fetch to pin JP's keys. */
let jpServer: Server;

/** What a node answers to a request sent exactly as given, Host header included. */
interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly text: string;
}

/** A captured request: what was signed for `to`, ready to be sent anywhere. */
interface Captured {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** JP signs a request for `to`'s authority (as JP's outbox and witness do). */
function signedByJp(to: Party, method: 'GET' | 'POST', path: string, body = Buffer.alloc(0)) {
  return capture(authority(to), method, path, body);
}

function capture(host: string, method: 'GET' | 'POST', path: string, body: Buffer): Captured {
  const headers = signRequest(
    { method, authority: host, path, body },
    jpKeys.signing,
    'JP',
    Date.now(),
  );
  return {
    method,
    path,
    body,
    headers: {
      ...headers,
      host,
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    },
  };
}

/** Sends a captured request to `p`'s listening address, headers (Host too) as captured. */
function replay(p: Party, r: Captured, host = r.headers.host): Promise<Answer> {
  const target = new URL(url(p));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: r.method,
        path: r.path,
        // One connection per request: none is kept across a node's restart.
        agent: false,
        headers: { ...r.headers, host: host ?? '', 'content-length': String(r.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let code: string | undefined;
          try {
            code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
          } catch {
            code = undefined;
          }
          resolve({ status: res.statusCode ?? 0, code, text });
        });
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

const logSize = (p: Party): number => member(p).running.node.tree.size;

/** Log entries of `p` from index `start`, read from its store as its operator could. */
async function entries(p: Party, start: number): Promise<Json[]> {
  const rows = await member(p)
    .running.node.store.db.selectFrom('log_entries')
    .select(['data'])
    .where('idx', '>=', start)
    .orderBy('idx')
    .execute();
  return rows.map((r) => JSON.parse(r.data) as Json);
}

const start = (dir: string, port = 0) =>
  startNode({ dir, passphrase: PASSPHRASE, port, host: '127.0.0.1' });

async function restart(p: Party): Promise<void> {
  const m = member(p);
  const port = Number(new URL(m.running.url).port);
  await m.running.stop();
  m.running = await start(m.dir, port);
}

beforeAll(async () => {
  // JP: initialized, with its identity served at GET /v1/federation/identity.
  const jpDir = join(root, 'JP');
  const jp = await initNode({ party: 'JP', dir: jpDir, passphrase: PASSPHRASE, port: 0 });
  jpKeys = openKeys(readStoredKeys(jpDir), PASSPHRASE);
  let jpUrl = '';
  jpServer = createServer((req, res) => {
    if (req.url !== '/v1/federation/identity') {
      res.writeHead(404).end();
      return;
    }
    const origin = readConfig(jpDir).origin;
    const id = buildIdentity('JP', origin, jpUrl, jpKeys.signing, jpKeys.encryption);
    res
      .writeHead(200, { 'content-type': 'application/jose' })
      .end(signIdentity(id, jpKeys.signing));
  });
  await new Promise<void>((r) => jpServer.listen(0, '127.0.0.1', r));
  const address = jpServer.address();
  jpUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  for (const p of PARTIES) {
    const dir = join(root, p);
    const r = await initNode({ party: p, dir, passphrase: PASSPHRASE, port: 0 });
    const m = { dir, admin: r.admin.token, fingerprint: r.fingerprint, running: await start(dir) };
    members.set(p, m);
    // Each pins JP (by the fingerprint `node init` printed) and the other receiver.
    const peered = await http(m.running.url, 'POST', '/v1/peers', m.admin, {
      url: jpUrl,
      fingerprint: jp.fingerprint,
    });
    if (peered.status !== 201) throw new Error(`peer ${p}→JP: ${peered.text}`);
  }
  for (const [a, b] of [
    ['KR', 'US'],
    ['US', 'KR'],
  ] satisfies [Party, Party][]) {
    const r = await http(url(a), 'POST', '/v1/peers', member(a).admin, {
      url: url(b),
      fingerprint: member(b).fingerprint,
    });
    if (r.status !== 201) throw new Error(`peer ${a}→${b}: ${r.text}`);
  }
}, 60_000);

afterAll(async () => {
  for (const m of members.values()) await m.running.stop();
  await new Promise((r) => jpServer?.close(r));
  rmSync(root, { recursive: true, force: true });
});

describe('a signed request is bound to the node it was signed for', () => {
  it('a JP→KR request replayed to US with its Host header is refused wrong-authority, logged, and nothing is accepted; KR accepts it', async () => {
    const krIdentity = (await http(url('KR'), 'GET', '/v1/federation/identity')).text;
    const krEnc = x25519PublicKeyFromRaw(
      Buffer.from(
        (
          JSON.parse(Buffer.from(krIdentity.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
            encryptionKey: string;
          }
        ).encryptionKey,
        'base64',
      ),
    );
    // A delivery from JP to KR, sealed to KR and signed for KR's authority.
    const jwe = sealMessage(
      {
        v: 1,
        id: randomUUID(),
        type: 'compromise.report',
        from: 'JP',
        to: 'KR',
        sentAt: new Date().toISOString(),
        body: {
          item: `item-${randomUUID()}`,
          reportedBy: 'JP',
          note: 'n',
          at: new Date().toISOString(),
        },
      },
      jpKeys.signing,
      krEnc,
    );
    const body = Buffer.from(JSON.stringify({ messages: [jwe] }));
    const post = signedByJp('KR', 'POST', '/v1/federation/messages', body);
    expect(post.headers.host).toBe(authority('KR'));
    const usBefore = logSize('US');
    const usInbox = await http(url('US'), 'GET', '/v1/inbox', member('US').admin);
    // Replayed to US with KR's Host header (as captured), then with US's own.
    for (const host of [authority('KR'), authority('US')]) {
      const a = await replay('US', post, host);
      expect({ host, status: a.status, code: a.code }).toEqual({
        host,
        status: 401,
        code: 'wrong-authority',
      });
      expect(a.text).not.toContain('receipts');
    }
    // Logged at US as a request it refused (the node's own entry), never as a message
    // from JP: no entry of US's names JP as its actor. (US's own deliveries to its peers
    // may be logged meanwhile.)
    const logged = await entries('US', usBefore);
    const refused = logged.filter((e) => e.type === 'message.refused');
    expect(refused.map((e) => [e.actor, e.decision, e.reasons, e.subject])).toEqual([
      [
        { user: null, party: 'US' },
        'deny',
        ['wrong-authority'],
        { reason: 'wrong-authority', path: '/v1/federation/messages' },
      ],
      [
        { user: null, party: 'US' },
        'deny',
        ['wrong-authority'],
        { reason: 'wrong-authority', path: '/v1/federation/messages' },
      ],
    ]);
    expect(logged.filter((e) => (e.actor as Json).party === 'JP')).toEqual([]);
    expect(await http(url('US'), 'GET', '/v1/inbox', member('US').admin)).toEqual(usInbox);
    // The same request, where it was meant to go: authenticated, and answered with a receipt.
    const atKr = await replay('KR', post);
    expect(atKr.status).toBe(200);
    expect((JSON.parse(atKr.text) as { receipts: string[] }).receipts).toHaveLength(1);
  });

  it('a signed GET of KR’s checkpoint (or a proof) replayed to US is refused wrong-authority and logged; KR answers it', async () => {
    const checkpoint = signedByJp('KR', 'GET', '/v1/federation/checkpoint');
    const proof = signedByJp('KR', 'GET', '/v1/federation/proof/consistency?from=0&to=1');
    const usBefore = logSize('US');
    for (const r of [checkpoint, proof]) {
      const a = await replay('US', r);
      expect({ path: r.path, status: a.status, code: a.code }).toEqual({
        path: r.path,
        status: 401,
        code: 'wrong-authority',
      });
      expect(a.text).not.toContain('liaison.local/US');
    }
    const logged = (await entries('US', usBefore)).filter((e) => e.type === 'message.refused');
    expect(logged.map((e) => [e.reasons, e.subject])).toEqual([
      [['wrong-authority'], { reason: 'wrong-authority', path: checkpoint.path }],
      [['wrong-authority'], { reason: 'wrong-authority', path: proof.path }],
    ]);
    // At KR, the same GET is answered (KR's own checkpoint).
    const atKr = await replay('KR', checkpoint);
    expect(atKr.status).toBe(200);
    expect(atKr.text.startsWith('liaison.local/KR\n')).toBe(true);
  });

  it('a signed GET answered by KR and replayed after KR restarts is refused replayed-request; KR accepts the other names configured for it', async () => {
    const get = signedByJp('KR', 'GET', '/v1/federation/checkpoint');
    expect((await replay('KR', get)).status).toBe(200);
    expect((await replay('KR', get)).code).toBe('replayed-request');
    // KR may also be reached as localhost: its operator says so in its config.
    const port = new URL(url('KR')).port;
    const config = JSON.parse(readFileSync(configPath(member('KR').dir), 'utf8')) as Json;
    writeFileSync(
      configPath(member('KR').dir),
      JSON.stringify({ ...config, aliasUrls: [`http://localhost:${port}`] }),
    );
    const viaName = capture(
      `localhost:${port}`,
      'GET',
      '/v1/federation/checkpoint',
      Buffer.alloc(0),
    );
    const krBefore = logSize('KR');
    await restart('KR');
    // The nonce was stored before KR answered: the restart did not forget it.
    const again = await replay('KR', get);
    expect({ status: again.status, code: again.code }).toEqual({
      status: 401,
      code: 'replayed-request',
    });
    expect(
      (await entries('KR', krBefore)).some(
        (e) =>
          e.type === 'message.refused' &&
          (e.subject as Json).reason === 'replayed-request' &&
          (e.subject as Json).path === get.path,
      ),
    ).toBe(true);
    // Signed for localhost:<port>: accepted, whichever name the Host header says.
    expect((await replay('KR', viaName)).status).toBe(200);
    // ... but US, configured with no other name, refuses a request signed for that one.
    const forUsName = capture(
      `localhost:${new URL(url('US')).port}`,
      'GET',
      '/v1/federation/checkpoint',
      Buffer.alloc(0),
    );
    expect((await replay('US', forUsName)).code).toBe('wrong-authority');
  });
});
