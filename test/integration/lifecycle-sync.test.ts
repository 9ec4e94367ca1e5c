// Agreements in step (issue 11, point 4), with two real node processes on loopback,
// JP and KR: a lifecycle notice outside the freshness window is refused stale-instant
// and changes nothing; a notice is acknowledged and both nodes record the same
// instant; a divergence forced into one node's store raises the alarm (the log,
// /metrics, `liaison agreement check` exiting 1), and a pair in step exits 0.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x25519PublicKeyFromRaw } from '../../src/crypto/jose.js';
import { openKeys, type StoredKeys } from '../../src/crypto/keys.js';
import { signRequest } from '../../src/federation/httpsig.js';
import { type Message, sealMessage } from '../../src/federation/messages.js';
import { openSqlite } from '../../src/store/db.js';
import { waitFor } from '../support/federation.js';
import {
  BIN,
  http,
  type InitializedNode,
  type NodeProcess,
  PASSPHRASE,
  startNodeProcess,
  storedEntries,
} from '../support/node-process.js';

type Json = Record<string, unknown>;
type Party = 'JP' | 'KR';
const GSOMIA = 'gsomia-jp-kr-2016';

interface Member {
  readonly init: InitializedNode;
  proc: NodeProcess;
  readonly tokens: { admin: string; ra: string; auditor: string };
}
const nodes = {} as Record<Party, Member>;
const url = (p: Party) => nodes[p].proc.url;
const admin = (p: Party) => nodes[p].tokens.admin;

async function person(
  p: Party,
  username: string,
  clearance: string,
  needToKnow: string[],
  roles: string[],
): Promise<string> {
  const u = await http(url(p), 'POST', '/v1/users', admin(p), {
    username,
    clearance,
    needToKnow,
    roles,
  });
  if (u.status !== 201) throw new Error(`user ${username}: ${u.text}`);
  const t = await http(url(p), 'POST', `/v1/users/${username}/tokens`, admin(p), {
    label: 'test',
  });
  if (t.status !== 201) throw new Error(`token for ${username}: ${t.text}`);
  return (t.body as { token: string }).token;
}

const get = async (p: Party, path: string) => (await http(url(p), 'GET', path, admin(p))).body;
const agreement = async (p: Party) => (await get(p, `/v1/agreements/${GSOMIA}`)) as Json;
const notices = async (p: Party) =>
  (await get(p, `/v1/agreements/${GSOMIA}/notices`)) as {
    events: Json[];
    deliveries: Json[];
  };
const sync = async (p: Party) =>
  (await get(p, `/v1/agreement-sync?agreement=${GSOMIA}`)) as {
    inStep: boolean;
    agreements: { peers: { peer: string; result: string; reportedAt: string | null }[] }[];
  };
const peerResult = async (p: Party) => (await sync(p)).agreements[0]?.peers[0]?.result;
/** The `liaison` binary, run without blocking (so that two runs and the nodes overlap). */
function liaison(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: {
          ...process.env,
          LIAISON_PASSPHRASE: PASSPHRASE,
          LIAISON_TOKEN: '',
          LIAISON_NODE: '',
        },
      },
      (error, out, err) =>
        resolve({
          code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1,
          out,
          err,
        }),
    );
  });
}

/** `liaison node init` in a fresh directory (both nodes at once, not one after the other). */
async function initNode(party: Party): Promise<InitializedNode> {
  const dir = join(mkdtempSync(join(tmpdir(), 'liaison-node-')), 'data');
  const r = await liaison([
    'node',
    'init',
    '--party',
    party,
    '--data',
    dir,
    '--port',
    '0',
    '--json',
  ]);
  if (r.code !== 0) throw new Error(`node init failed: ${r.err}`);
  const j = JSON.parse(r.out) as {
    admin: { token: string };
    verifierKey: string;
    fingerprint: string;
  };
  return { dir, adminToken: j.admin.token, verifierKey: j.verifierKey, fingerprint: j.fingerprint };
}

const check = (p: Party) =>
  liaison(['agreement', 'check', GSOMIA, '--node', url(p), '--token', admin(p)]);

/** Posts sealed messages to KR as JP would: JP's real keys, a signed request. */
async function postAsJp(messages: Message[]): Promise<Json[]> {
  const jpKeys = openKeys(
    JSON.parse(readFileSync(join(nodes.JP.init.dir, 'keys.json'), 'utf8')) as StoredKeys,
    PASSPHRASE,
  );
  const jws = (await http(url('KR'), 'GET', '/v1/federation/identity')).text;
  const identity = JSON.parse(Buffer.from(jws.split('.')[1] as string, 'base64url').toString()) as {
    encryptionKey: string;
  };
  const krEnc = x25519PublicKeyFromRaw(Buffer.from(identity.encryptionKey, 'base64'));
  const target = new URL(`${url('KR')}/v1/federation/messages`);
  const body = Buffer.from(
    JSON.stringify({ messages: messages.map((m) => sealMessage(m, jpKeys.signing, krEnc)) }),
  );
  const res = await fetch(target, {
    method: 'POST',
    headers: {
      ...signRequest(
        { method: 'POST', authority: target.host, path: target.pathname, body },
        jpKeys.signing,
        'JP',
        Date.now(),
      ),
      'content-type': 'application/json',
    },
    body,
  });
  expect(res.status).toBe(200);
  const { receipts } = (await res.json()) as { receipts: string[] };
  return receipts.map((r) => (JSON.parse(r) as { receipt: Json }).receipt);
}

const lifecycle = (action: 'notice' | 'withdraw-notice', at: string): Message => ({
  v: 1,
  id: randomUUID(),
  type: 'agreement.lifecycle',
  from: 'JP',
  to: 'KR',
  sentAt: new Date().toISOString(),
  body: { agreement: GSOMIA, action, at },
});

beforeAll(async () => {
  const [jpInit, krInit] = await Promise.all([initNode('JP'), initNode('KR')]);
  const inits = { JP: jpInit, KR: krInit };
  const [jp, kr] = await Promise.all([
    startNodeProcess(inits.JP.dir),
    startNodeProcess(inits.KR.dir),
  ]);
  for (const [p, init, proc] of [
    ['JP', inits.JP, jp],
    ['KR', inits.KR, kr],
  ] as const)
    nodes[p] = { init, proc, tokens: { admin: init.adminToken, ra: '', auditor: '' } };
  for (const [a, b] of [
    ['JP', 'KR'],
    ['KR', 'JP'],
  ] as const) {
    const r = await http(url(a), 'POST', '/v1/peers', admin(a), {
      url: url(b),
      fingerprint: nodes[b].init.fingerprint,
    });
    if (r.status !== 201) throw new Error(`peer ${a}→${b}: ${r.text}`);
  }
  for (const p of ['JP', 'KR'] as const)
    await waitFor(`${GSOMIA} to bind at ${p}`, async () =>
      ((await get(p, '/v1/agreements')) as Json[]).some((a) => a.id === GSOMIA && a.binding),
    );
  nodes.JP.tokens.ra = await person(
    'JP',
    'jp-ra',
    'KIMITSU',
    ['dprk-missile'],
    ['releasing-authority', 'officer'],
  );
  nodes.JP.tokens.auditor = await person(
    'JP',
    'jp-auditor',
    'KIMITSU',
    ['dprk-missile'],
    ['auditor'],
  );
}, 60_000);

afterAll(async () => {
  await Promise.all((['JP', 'KR'] as const).map((p) => nodes[p]?.proc.stop()));
});

describe('agreements in step between JP and KR', () => {
  it('a notice dated 2016, with JP’s real key, is refused stale-instant; KR still shows GSOMIA in force; JP’s next release to KR goes through', async () => {
    const sizeBefore = ((await http(url('KR'), 'GET', '/readyz')).body as { logSize: number })
      .logSize;
    const [old, ahead] = await postAsJp([
      lifecycle('notice', '2016-12-01T00:00:00Z'),
      lifecycle('notice', new Date(Date.now() + 10 * 60_000).toISOString()),
    ]);
    expect(old).toMatchObject({ status: 'refused', code: 'stale-instant' });
    expect(old?.message).toMatch(/2016-12-01T00:00:00Z.*more than 5 minutes before/);
    expect(ahead).toMatchObject({ status: 'refused', code: 'stale-instant' });
    // Logged as refusals, and nothing recorded.
    const logged = await storedEntries(nodes.KR.init, undefined, sizeBefore);
    expect(
      logged.filter(
        (e) => e.type === 'message.refused' && (e.reasons as string[]).includes('stale-instant'),
      ),
    ).toHaveLength(2);
    expect(logged.some((e) => e.type === 'agreement.lifecycle')).toBe(false);
    for (const p of ['JP', 'KR'] as const) {
      expect(await agreement(p)).toMatchObject({ state: 'in-force', notice: null });
      expect((await notices(p)).events).toEqual([]);
    }
    // The release the 2016 notice had stopped.
    const item = await http(url('JP'), 'POST', '/v1/items', nodes.JP.tokens.ra, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'launch report',
      body: 'body',
    });
    expect(item.status).toBe(201);
    const id = (item.body as { id: string }).id;
    const sent = await http(url('JP'), 'POST', `/v1/items/${id}/release`, nodes.JP.tokens.ra, {
      to: 'KR',
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ decision: 'allow' });
    const envelope = (sent.body as { envelope: string }).envelope;
    const settled = await waitFor('the release to settle', async () => {
      const o = (await http(url('JP'), 'GET', `/v1/outbox/${envelope}`, nodes.JP.tokens.auditor))
        .body as { state: string };
      return o.state === 'pending' ? undefined : o;
    });
    expect(settled.state).toBe('delivered');
  });

  it('a notice is acknowledged: both nodes record the same instant and compute the same status; check exits 0', async () => {
    const give = await http(url('JP'), 'POST', `/v1/agreements/${GSOMIA}/notices`, admin('JP'), {
      action: 'notice',
    });
    expect(give.status).toBe(200);
    const delivery = await waitFor('KR’s acknowledgement at JP', async () =>
      (await notices('JP')).deliveries.find((d) => d.acknowledged !== null),
    );
    const jpEvent = (await notices('JP')).events.at(-1);
    const krEvent = (await notices('KR')).events.at(-1);
    expect(jpEvent).toMatchObject({ kind: 'notice', by: 'JP' });
    expect(krEvent).toEqual(jpEvent);
    expect(delivery).toMatchObject({
      to: 'KR',
      action: 'notice',
      at: jpEvent?.at,
      state: 'delivered',
      code: null,
      acknowledged: {
        at: jpEvent?.at,
        differs: [],
        status: { state: 'in-force', notice: { by: 'JP', target: jpEvent?.target } },
      },
    });
    const [j, k] = await Promise.all([agreement('JP'), agreement('KR')]);
    for (const field of ['state', 'endedBy', 'notice', 'contested'])
      expect(k[field]).toEqual(j[field]);
    const acked = (await storedEntries(nodes.JP.init, undefined, 0)).filter(
      (e) => e.type === 'agreement.lifecycle-acknowledged',
    );
    expect(acked).toHaveLength(1);
    expect(acked[0]).toMatchObject({
      actor: { party: 'KR' },
      decision: 'allow',
      subject: { agreement: GSOMIA, action: 'notice', at: jpEvent?.at, differs: [] },
    });
    // Each side has the other's report since the notice, and they agree.
    for (const p of ['JP', 'KR'] as const)
      await waitFor(`${p} to have a report since the notice`, async () => {
        const peer = (await sync(p)).agreements[0]?.peers[0];
        return (
          peer?.result === 'agrees' &&
          peer.reportedAt !== null &&
          Date.parse(peer.reportedAt) >= Date.parse(String(jpEvent?.at))
        );
      });
    const checks = await Promise.all([check('JP'), check('KR')]);
    for (const [i, r] of checks.entries()) {
      expect({ i, code: r.code, err: r.err }).toEqual({ i, code: 0, err: '' });
      expect(r.out).toMatch(/in step/);
    }
    // Withdrawn again, acknowledged too.
    await http(url('JP'), 'POST', `/v1/agreements/${GSOMIA}/notices`, admin('JP'), {
      action: 'withdraw-notice',
    });
    await waitFor('the withdrawal acknowledged', async () =>
      (await notices('JP')).deliveries.some(
        (d) => d.action === 'withdraw-notice' && d.acknowledged !== null,
      ),
    );
    expect((await agreement('KR')).notice).toBeNull();
  });

  it('a divergence forced into KR’s store raises the alarm: logged, in /metrics, and check exits 1', async () => {
    // KR's store says GSOMIA ended by mutual termination now; JP's does not.
    await nodes.KR.proc.stop();
    const db = openSqlite(join(nodes.KR.init.dir, 'store.sqlite'));
    const seq = (
      db
        .prepare('SELECT count(*) AS n FROM agreement_events WHERE agreement_id = ?')
        .get(GSOMIA) as { n: number }
    ).n;
    const now = Date.now();
    db.prepare(
      'INSERT INTO agreement_events (agreement_id, seq, at, event, recorded_at) VALUES (?, ?, ?, ?, ?)',
    ).run(GSOMIA, seq, now, JSON.stringify({ at: now, effectiveAt: now, kind: 'terminate' }), now);
    db.close();
    const before = ((await http(url('JP'), 'GET', '/readyz')).body as { logSize: number }).logSize;
    nodes.KR.proc = await startNodeProcess(nodes.KR.init.dir, url('KR'));
    expect((await agreement('KR')).state).toBe('terminated');
    for (const p of ['JP', 'KR'] as const)
      await waitFor(`${p} to see the divergence`, async () => (await peerResult(p)) === 'diverged');
    const report = await sync('JP');
    expect(report.inStep).toBe(false);
    expect(report.agreements[0]?.peers[0]).toMatchObject({
      peer: 'KR',
      result: 'diverged',
      differs: expect.arrayContaining(['state', 'endedBy', 'endedAt']),
      theirs: { state: 'terminated', endedBy: 'mutual' },
      ours: { state: 'in-force', endedBy: null },
    });
    // Logged at JP as a denial.
    const compared = (await storedEntries(nodes.JP.init, undefined, before)).filter(
      (e) => e.type === 'agreement.status-compared' && e.decision === 'deny',
    );
    expect(compared.length).toBeGreaterThan(0);
    expect(compared[0]).toMatchObject({
      actor: { party: 'KR' },
      reasons: ['status-diverged'],
      subject: { agreements: [{ agreement: GSOMIA, result: 'diverged' }] },
    });
    // In /metrics.
    const metrics = await http(url('JP'), 'GET', '/metrics', nodes.JP.tokens.auditor);
    expect(metrics.text).toMatch(
      /^liaison_agreement_out_of_step\{agreement="gsomia-jp-kr-2016",peer="KR",problem="diverged"\} 1$/m,
    );
    // And `liaison agreement check` fails, at both nodes.
    const [jpCheck, krCheck, json] = await Promise.all([
      check('JP'),
      check('KR'),
      liaison(['agreement', 'check', '--json', '--node', url('JP'), '--token', admin('JP')]),
    ]);
    for (const [i, r] of [jpCheck, krCheck].entries()) {
      expect({ i, code: r.code }).toEqual({ i, code: 1 });
      expect(r.out).toMatch(/DIVERGED/);
      expect(r.out).toMatch(/OUT OF STEP/);
    }
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toMatchObject({ inStep: false });
  });
});
