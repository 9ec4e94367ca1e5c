// One node as two instances (real processes) on one PostgreSQL database and NATS
// JetStream: either instance answers any request, the World and the caches follow
// what the other committed, writes from both make one log (docs/deploy.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  http,
  type InitializedNode,
  initNodeDir,
  liaison,
  type NodeProcess,
  startNodeProcess,
} from '../support/node-process.js';

const NATS = process.env.LIAISON_TEST_NATS ?? 'nats://127.0.0.1:4222';

describe('two instances of one node (PostgreSQL + NATS)', () => {
  let db: TestDatabase;
  let init: InitializedNode;
  let a: NodeProcess;
  let b: NodeProcess;
  let admin: string;

  const instance = (name: string) =>
    startNodeProcess(init.dir, undefined, ['--nats', NATS, '--instance', name]);

  const person = async (
    at: NodeProcess,
    username: string,
    clearance: string,
    roles: string[],
  ): Promise<{ token: string; tokenId: string }> => {
    const u = await http(at.url, 'POST', '/v1/users', admin, {
      username,
      clearance,
      needToKnow: ['dprk-missile'],
      roles,
    });
    expect(u.status, u.text).toBe(201);
    const t = await http(at.url, 'POST', `/v1/users/${username}/tokens`, admin, { label: 't' });
    expect(t.status, t.text).toBe(201);
    const body = t.body as { token: string; id: string };
    return { token: body.token, tokenId: body.id };
  };

  /** Polls `f` every 20 ms until it holds; returns how long that took (ms). */
  const within = async (what: string, f: () => Promise<boolean>, limitMs: number) => {
    const start = Date.now();
    for (;;) {
      if (await f()) return Date.now() - start;
      if (Date.now() - start > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    init = initNodeDir('JP', db.target);
    admin = init.adminToken;
    [a, b] = await Promise.all([instance('a'), instance('b')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('a person and an item made on one instance are read on the other', async () => {
    const officer = await person(a, 'jp-officer', 'KIMITSU', ['officer']);
    // The token was issued at A: B resolves it from the shared store.
    const made = await http(b.url, 'POST', '/v1/items', officer.token, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Launch report',
      body: 'Two short-range ballistic missiles from Sunan.',
    });
    expect(made.status, made.text).toBe(201);
    const id = (made.body as { id: string }).id;
    const read = await http(a.url, 'GET', `/v1/items/${id}`, officer.token);
    expect(read.status, read.text).toBe(200);
    expect((read.body as { body: string }).body).toBe(
      'Two short-range ballistic missiles from Sunan.',
    );
  });

  it("a clearance lowered at one instance binds the other's next decision", async () => {
    const p = await person(a, 'jp-analyst', 'KIMITSU', ['officer']);
    const made = await http(a.url, 'POST', '/v1/items', p.token, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Assessment',
      body: 'x',
    });
    expect(made.status, made.text).toBe(201);
    const id = (made.body as { id: string }).id;
    expect((await http(b.url, 'GET', `/v1/items/${id}`, p.token)).status).toBe(200);
    const lowered = await http(a.url, 'PUT', '/v1/users/jp-analyst/clearance', admin, {
      clearance: 'HI',
      needToKnow: ['dprk-missile'],
    });
    expect(lowered.status, lowered.text).toBe(200);
    // B decides under the write lock after applying A's change: refused at once.
    const after = await http(b.url, 'GET', `/v1/items/${id}`, p.token);
    expect(after.status, after.text).toBe(403);
  });

  it('a token revoked at one instance is refused by the other within 1 s', async () => {
    const p = await person(a, 'jp-revoked', 'HI', ['officer']);
    // B resolves and caches the token first.
    expect((await http(b.url, 'GET', '/v1/items', p.token)).status).toBe(200);
    const revoked = await http(a.url, 'DELETE', `/v1/tokens/${p.tokenId}`, admin);
    expect(revoked.status, revoked.text).toBe(200);
    const took = await within(
      'B refuses the revoked token',
      async () => (await http(b.url, 'GET', '/v1/items', p.token)).status === 401,
      1000,
    );
    expect(took).toBeLessThanOrEqual(1000);
  });

  it('roles removed at one instance close the door at the other', async () => {
    const p = await person(b, 'jp-former', 'HI', ['officer', 'auditor']);
    expect((await http(a.url, 'GET', '/v1/log/checkpoint', p.token)).status).toBe(200);
    const changed = await http(b.url, 'PUT', '/v1/users/jp-former/roles', admin, {
      roles: ['officer'],
    });
    expect(changed.status, changed.text).toBe(200);
    await within(
      'A refuses the removed role',
      async () => (await http(a.url, 'GET', '/v1/log/checkpoint', p.token)).status === 403,
      1000,
    );
  });

  it('password guesses at one instance slow the account down at the other', async () => {
    const guess = (at: NodeProcess) =>
      http(at.url, 'POST', '/v1/session', undefined, {
        username: 'jp-target',
        password: 'not the password',
      });
    // Three wrong guesses are free; each is told to the other instance over the bus.
    for (let i = 0; i < 3; i++) expect((await guess(a)).status).toBe(401);
    await new Promise((r) => setTimeout(r, 150));
    const next = await guess(b);
    expect(next.status, next.text).toBe(429);
  });

  it('writes through both instances at once make one log, which verifies', async () => {
    const p = await person(a, 'jp-writer', 'KIMITSU', ['officer']);
    const made = await Promise.all(
      Array.from({ length: 120 }, (_, i) =>
        http(i % 2 === 0 ? a.url : b.url, 'POST', '/v1/items', p.token, {
          marking: 'HI',
          categories: ['dprk-missile'],
          title: `item ${i}`,
          body: `${i}`,
        }),
      ),
    );
    for (const r of made) expect(r.status, r.text).toBe(201);
    // Each instance reads every item, whichever made it.
    for (const [i, r] of made.entries()) {
      const id = (r.body as { id: string }).id;
      const read = await http(i % 2 === 0 ? b.url : a.url, 'GET', `/v1/items/${id}`, p.token);
      expect(read.status).toBe(200);
      expect((read.body as { body: string }).body).toBe(`${i}`);
    }
    // Both instances sign the same tree: a checkpoint from each, at the same size.
    const auditor = await person(a, 'jp-auditor', 'KIMITSU', ['auditor']);
    const cp = async (at: NodeProcess) => {
      const r = await http(at.url, 'GET', '/v1/log/checkpoint?format=json', auditor.token);
      expect(r.status, r.text).toBe(200);
      return r.body as { size: number; root: string };
    };
    const [cpA, cpB] = [await cp(a), await cp(b)];
    expect(cpB.size).toBe(cpA.size);
    expect(cpB.root).toBe(cpA.root);
    // The whole log, recomputed from the store, and every checkpoint either signed.
    const v = liaison(['audit', 'verify', '--data', init.dir, '--json']);
    expect(v.code, v.err).toBe(0);
    expect((JSON.parse(v.out) as { ok: boolean }).ok).toBe(true);
  }, 120_000);

  it('a file uploaded through one instance is named in an item through the other, and downloaded through either, whole', async () => {
    const p = await person(a, 'jp-imagery', 'KIMITSU', ['officer']);
    // Three chunks and a bit: the chunks of one file written by one instance.
    const file = Buffer.alloc(3 * 1024 * 1024 + 123);
    for (let i = 0; i < file.length; i++) file[i] = (i * 7919) % 251;
    const up = await fetch(`${a.url}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/octet-stream' },
      body: file,
    });
    expect(up.status).toBe(201);
    const { sha256 } = (await up.json()) as { sha256: string };
    const made = await http(b.url, 'POST', '/v1/items', p.token, {
      marking: 'HI',
      categories: ['dprk-missile'],
      title: 'imagery across instances',
      body: '',
      attachments: [{ name: 'pad.raw', type: 'application/octet-stream', sha256 }],
    });
    expect(made.status, made.text).toBe(201);
    const id = (made.body as { id: string }).id;
    for (const at of [a, b]) {
      const res = await fetch(`${at.url}/v1/items/${id}/attachments/${sha256}`, {
        headers: { authorization: `Bearer ${p.token}` },
      });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(file)).toBe(true);
    }
  }, 120_000);

  it('keys rotated at one instance: the other signs with them at once, and a restarted one opens them', async () => {
    const verifierAt = async (at: NodeProcess) =>
      ((await http(at.url, 'GET', '/v1/node', admin)).body as { verifierKey: string }).verifierKey;
    const r = liaison(['node', 'rotate-keys', '--node', a.url, '--token', admin, '--json']);
    expect(r.code, r.err).toBe(0);
    const rotated = JSON.parse(r.out) as { epoch: number; verifierKey: string };
    expect(rotated.epoch).toBe(1);
    await within(
      'instance b to sign with the new key',
      async () => (await verifierAt(b)) === rotated.verifierKey,
      5000,
    );
    // A checkpoint b signs now is signed with the new key; audit follows the hand-over.
    await http(b.url, 'POST', '/v1/items', admin, {
      marking: 'U',
      categories: ['dprk-missile'],
      title: 'after the rotation',
      body: '',
    });
    const v = liaison(['audit', 'verify', '--node', b.url, '--token', admin, '--json']);
    expect(v.code, v.err).toBe(0);
    const report = JSON.parse(v.out) as { ok: boolean; keys: { verifierKey: string }[] };
    expect(report.ok).toBe(true);
    expect(report.keys.map((k) => k.verifierKey).at(-1)).toBe(rotated.verifierKey);
    await b.stop();
    b = await instance('b');
    expect(await verifierAt(b)).toBe(rotated.verifierKey);
  }, 120_000);
});
