// The API the browser console uses, on a real node process: password sign-in (scrypt),
// who am I, an item's decision history and its log proof (verified here as the
// browser does), the simulator endpoint, and the console's files at `/`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leafHash, verifyInclusion } from '../../src/log/merkle.js';
import {
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  ROOT,
  startNodeProcess,
} from '../support/node-process.js';

type Json = Record<string, unknown>;
const err = (r: { body: unknown }) =>
  (r.body as { error: { code: string; message: string } }).error;

let init: InitializedNode;
let node: NodeProcess;
let admin: string;

beforeAll(async () => {
  init = initNodeDir('JP');
  node = await startNodeProcess(init.dir);
  admin = init.adminToken;
}, 60_000);

afterAll(async () => {
  await node?.stop();
});

describe('console API', () => {
  it('password sign-in: too short is refused; right gives a 12-hour token; wrong user and wrong password look the same', async () => {
    const short = await http(node.url, 'POST', '/v1/users', admin, {
      username: 'jp-short',
      clearance: 'GOKUHI',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
      password: 'short',
    });
    expect(short.status).toBe(400);
    expect(err(short).message).toMatch(/password: at least 12 characters/);
    const made = await http(node.url, 'POST', '/v1/users', admin, {
      username: 'jp-officer',
      clearance: 'GOKUHI',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
      password: 'correct horse battery staple',
    });
    expect(made.status).toBe(201);
    expect(JSON.stringify(made.body)).not.toContain('staple');
    const ok = await http(node.url, 'POST', '/v1/session', undefined, {
      username: 'jp-officer',
      password: 'correct horse battery staple',
    });
    expect(ok.status).toBe(201);
    const s = ok.body as { token: string; user: string; roles: string[]; expiresAt: string };
    expect(s).toMatchObject({ user: 'jp-officer', roles: ['officer'] });
    const hours = (Date.parse(s.expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11.9);
    expect(hours).toBeLessThanOrEqual(12);
    const me = await http(node.url, 'GET', '/v1/me', s.token);
    expect(me.body).toMatchObject({
      user: 'jp-officer',
      party: 'JP',
      clearance: { code: 'GOKUHI', name: '極秘' },
      needToKnow: ['dprk-missile'],
    });
    const wrongPassword = await http(node.url, 'POST', '/v1/session', undefined, {
      username: 'jp-officer',
      password: 'incorrect horse',
    });
    const wrongUser = await http(node.url, 'POST', '/v1/session', undefined, {
      username: 'nobody',
      password: 'correct horse battery staple',
    });
    expect([wrongPassword.status, wrongUser.status]).toEqual([401, 401]);
    expect(err(wrongPassword)).toEqual(err(wrongUser));
    // The stored hash is scrypt, never the password.
    const log = (await http(node.url, 'GET', '/v1/log/entries?start=0&limit=1000', admin)).text;
    expect(log).not.toContain('staple');
    expect(log).toContain('user.sign-in');
    // A user changes their own password; not someone else's.
    const other = await http(node.url, 'PUT', '/v1/users/admin/password', s.token, {
      password: 'a brand new passphrase',
    });
    expect(other.status).toBe(403);
    // Changing one's own password takes the current one, and ends one's other sessions.
    const second = (
      await http(node.url, 'POST', '/v1/session', undefined, {
        username: 'jp-officer',
        password: 'correct horse battery staple',
      })
    ).body as { token: string };
    const without = await http(node.url, 'PUT', '/v1/users/jp-officer/password', s.token, {
      password: 'a brand new passphrase',
    });
    expect(without.status).toBe(400);
    expect(err(without).message).toMatch(/^current:/);
    const own = await http(node.url, 'PUT', '/v1/users/jp-officer/password', s.token, {
      password: 'a brand new passphrase',
      current: 'correct horse battery staple',
    });
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ sessionsRevoked: 1 });
    expect((await http(node.url, 'GET', '/v1/me', second.token)).status).toBe(401);
    expect((await http(node.url, 'GET', '/v1/me', s.token)).status).toBe(200);
    const old = await http(node.url, 'POST', '/v1/session', undefined, {
      username: 'jp-officer',
      password: 'correct horse battery staple',
    });
    expect(old.status).toBe(401);
  });

  it("an item's history and its log proof, verified as the browser does; refused to a reader without clearance", async () => {
    const s = (
      await http(node.url, 'POST', '/v1/session', undefined, {
        username: 'jp-officer',
        password: 'a brand new passphrase',
      })
    ).body as { token: string };
    const it = await http(node.url, 'POST', '/v1/items', s.token, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Launch report',
      body: 'text',
    });
    const id = (it.body as { id: string }).id;
    const read = await http(node.url, 'GET', `/v1/items/${id}`, s.token);
    const logIndex = (read.body as { logIndex: number }).logIndex;
    const h = await http(node.url, 'GET', `/v1/items/${id}/history`, s.token);
    expect(h.status).toBe(200);
    const entries = (h.body as { entries: Json[] }).entries;
    expect(entries.map((e) => e.type)).toEqual(['item.created', 'item.read']);
    expect(entries[1]).toMatchObject({ index: logIndex, decision: 'allow' });
    const p = await http(node.url, 'GET', `/v1/items/${id}/proof?index=${logIndex}`, s.token);
    expect(p.status).toBe(200);
    const proof = p.body as {
      index: number;
      treeSize: number;
      entry: string;
      leafHash: string;
      proof: string[];
      root: string;
      checkpoint: string;
    };
    expect(leafHash(Buffer.from(proof.entry, 'utf8')).toString('base64')).toBe(proof.leafHash);
    expect(
      verifyInclusion(
        Buffer.from(proof.leafHash, 'base64'),
        proof.index,
        proof.treeSize,
        proof.proof.map((x) => Buffer.from(x, 'base64')),
        Buffer.from(proof.root, 'base64'),
      ),
    ).toBe(true);
    expect(proof.checkpoint.split('\n')[2]).toBe(proof.root);
    // An entry about another item is not served as this item's proof.
    const bad = await http(node.url, 'GET', `/v1/items/${id}/proof?index=0`, s.token);
    expect(bad.status).toBe(400);
    // A reader without the clearance gets neither, and the refusal is logged.
    await http(node.url, 'POST', '/v1/users', admin, {
      username: 'jp-clerk',
      clearance: 'HI',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
      password: 'clerk passphrase long enough',
    });
    const clerk = (
      await http(node.url, 'POST', '/v1/session', undefined, {
        username: 'jp-clerk',
        password: 'clerk passphrase long enough',
      })
    ).body as { token: string };
    const denied = await http(node.url, 'GET', `/v1/items/${id}/history`, clerk.token);
    expect(denied.status).toBe(403);
    expect(err(denied).code).toBe('clearance-insufficient');
  });

  it('the simulator endpoint runs a scenario on the core; a bad file names its line', async () => {
    const s = (
      await http(node.url, 'POST', '/v1/session', undefined, {
        username: 'jp-officer',
        password: 'a brand new passphrase',
      })
    ).body as { token: string };
    const text = readFileSync(join(ROOT, 'scenarios/gsomia-2019.yaml'), 'utf8');
    // The simulator is for policy work (admin, releasing authority, security officer).
    const officer = await http(node.url, 'POST', '/v1/simulate', s.token, {
      scenario: text,
      name: 'gsomia-2019.yaml',
    });
    expect(officer.status).toBe(403);
    const r = await http(node.url, 'POST', '/v1/simulate', admin, {
      scenario: text,
      name: 'gsomia-2019.yaml',
    });
    expect(r.status).toBe(200);
    const out = r.body as { summary: Json; steps: Json[] };
    expect(out.summary).toMatchObject({ expectations: 13, ok: 13, mismatches: 0 });
    expect(out.steps.length).toBe(out.summary.steps);
    const bad = await http(node.url, 'POST', '/v1/simulate', admin, {
      scenario: 'parties: [JP\nsteps: 3',
      name: 'broken.yaml',
    });
    expect(bad.status).toBe(400);
    expect(err(bad).message).toMatch(/broken\.yaml/);
  });

  it('the console is served at / (or says how to build it); unknown API paths stay JSON 404s', async () => {
    const page = await fetch(`${node.url}/`);
    const body = await page.text();
    if (page.status === 200) {
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
      expect(body).toMatch(/<div id="root"/);
    } else {
      expect(page.status).toBe(404);
      expect(body).toMatch(/npm run build/);
    }
    const api = await http(node.url, 'GET', '/v1/nothing-here', admin);
    expect(api.status).toBe(404);
    expect(err(api).code).toBe('not-found');
    const traversal = await fetch(`${node.url}/..%2F..%2Fpackage.json`);
    expect(await traversal.text()).not.toContain('"name": "liaison"');
    // A malformed escape is a client error, never a 500 or a stack trace.
    const malformed = await fetch(`${node.url}/%E0%A4%A`);
    expect(malformed.status).toBe(400);
    expect(await malformed.text()).not.toMatch(/at .*\.js:\d+/);
  });
});
