// A real node process on loopback, driven over HTTP, on SQLite and on PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyConsistency, verifyInclusion } from '../../src/log/merkle.js';
import { openCheckpoint, parseCheckpoint, parseVerifierKey } from '../../src/log/note.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  http,
  type InitializedNode,
  initNodeDir,
  liaison,
  type NodeProcess,
  startNodeProcess,
  storedEntries,
} from '../support/node-process.js';

type Json = Record<string, unknown>;
const err = (r: { body: unknown }) =>
  (r.body as { error: { code: string; message: string } }).error;

describe.each(['sqlite', 'postgres'] as const)('a JP node on %s', (kind) => {
  let db: TestDatabase | null = null;
  let init: InitializedNode;
  let node: NodeProcess;
  let admin: string;
  let officer: string;
  let clerk: string;
  let auditor: string;
  let itemId: string;

  const logSize = async () =>
    ((await http(node.url, 'GET', '/readyz')).body as { logSize: number }).logSize;

  beforeAll(async () => {
    if (kind === 'postgres') db = await createTestDatabase('postgres');
    init = initNodeDir('JP', db?.target);
    node = await startNodeProcess(init.dir);
    admin = init.adminToken;
    const mk = async (
      username: string,
      clearance: string,
      needToKnow: string[],
      roles: string[],
    ) => {
      const u = await http(node.url, 'POST', '/v1/users', admin, {
        username,
        clearance,
        needToKnow,
        roles,
      });
      expect(u.status).toBe(201);
      const t = await http(node.url, 'POST', `/v1/users/${username}/tokens`, admin, {
        label: 'test',
      });
      expect(t.status).toBe(201);
      return (t.body as { token: string }).token;
    };
    officer = await mk('jp-officer', 'KIMITSU', ['dprk-missile'], ['officer']);
    clerk = await mk('jp-clerk', 'HI', ['dprk-missile'], ['officer']);
    // Auditors see log entries and reports about the items they may read (RULES V1).
    auditor = await mk('jp-auditor', 'KIMITSU', ['dprk-missile'], ['auditor']);
    const it = await http(node.url, 'POST', '/v1/items', officer, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Launch report',
      body: 'Two short-range ballistic missiles from Sunan.',
    });
    expect(it.status).toBe(201);
    itemId = (it.body as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await node?.stop();
    await db?.drop();
  });

  it('serves health, readiness, Prometheus metrics and an OpenAPI 3.1 document of every route', async () => {
    expect((await http(node.url, 'GET', '/healthz')).status).toBe(200);
    expect((await http(node.url, 'GET', '/readyz')).status).toBe(200);
    // Metrics are for auditors (or a separate metrics address): not open to anyone.
    expect((await http(node.url, 'GET', '/metrics')).status).toBe(401);
    expect((await http(node.url, 'GET', '/metrics', officer)).status).toBe(403);
    const metrics = await http(node.url, 'GET', '/metrics', auditor);
    expect(metrics.text).toContain('liaison_http_requests_total');
    expect(metrics.text).toContain('liaison_log_size');
    const doc = (await http(node.url, 'GET', '/openapi.json')).body as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of [
      '/v1/agreements',
      '/v1/agreements/{id}',
      '/v1/users',
      '/v1/items/{id}',
      '/v1/log/checkpoint',
      '/v1/log/proof/inclusion',
      '/v1/log/proof/consistency',
      '/v1/items/{id}/compromise',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });

  it("lists the party's agreements with their status now, and explains one with its deadlines", async () => {
    const list = await http(node.url, 'GET', '/v1/agreements', officer);
    expect((list.body as Json[]).map((a) => a.id)).toEqual([
      'gsomia-jp-kr-2016',
      'gsomia-us-jp-2007',
      'tisa-2014',
    ]);
    // Signed by JP at init; each binds once its other parties' nodes have signed (no peers here).
    expect((list.body as Json[])[0]).toMatchObject({
      binding: false,
      signedBy: ['JP'],
      awaiting: ['KR'],
    });
    const one = await http(
      node.url,
      'GET',
      '/v1/agreements/gsomia-jp-kr-2016?at=2019-08-23T10:00:00%2B09:00',
      officer,
    );
    expect(one.body).toMatchObject({
      state: 'in-force',
      termEnd: '2019-11-22T15:00:00Z',
      nextNoticeDeadline: { boundary: '2019-11-22T15:00:00Z', deadline: '2019-08-24T15:00:00Z' },
    });
    expect(
      (await http(node.url, 'GET', '/v1/agreements/gsomia-jp-kr-2016/notices', officer)).body,
    ).toMatchObject({ events: [] });
  });

  it('reads go through A1–A3 and are logged, allowed or denied', async () => {
    const before = await logSize();
    const ok = await http(node.url, 'GET', `/v1/items/${itemId}`, officer);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      title: 'Launch report',
      marking: { code: 'GOKUHI', name: '極秘' },
      reasons: [{ code: 'allowed' }],
    });
    const denied = await http(node.url, 'GET', `/v1/items/${itemId}`, clerk);
    expect(denied.status).toBe(403);
    expect(err(denied).code).toBe('clearance-insufficient');
    expect(await logSize()).toBe(before + 2);
    const entries = (await http(node.url, 'GET', `/v1/log/entries?start=${before}`, auditor))
      .body as { data: string }[];
    expect(entries.map((e) => JSON.parse(e.data) as Json).map((e) => [e.type, e.decision])).toEqual(
      [
        ['item.read', 'allow'],
        ['item.read', 'deny'],
      ],
    );
  });

  it('users get clearances and roles; a security officer may change clearance, an officer may not', async () => {
    const so = await http(node.url, 'POST', '/v1/users', admin, {
      username: 'jp-so',
      clearance: 'U',
      needToKnow: [],
      roles: ['security-officer'],
    });
    expect(so.status).toBe(201);
    const soToken = (
      (await http(node.url, 'POST', '/v1/users/jp-so/tokens', admin, { label: 't' })).body as {
        token: string;
      }
    ).token;
    const up = await http(node.url, 'PUT', '/v1/users/jp-clerk/clearance', soToken, {
      clearance: 'GOKUHI',
      needToKnow: ['dprk-missile'],
    });
    expect(up.status).toBe(200);
    expect((await http(node.url, 'GET', `/v1/items/${itemId}`, clerk)).status).toBe(200);
    const forbidden = await http(node.url, 'PUT', '/v1/users/jp-clerk/clearance', officer, {
      clearance: 'KIMITSU',
      needToKnow: [],
    });
    expect(forbidden.status).toBe(403);
    expect(err(forbidden).code).toBe('forbidden');
    const roles = await http(node.url, 'PUT', '/v1/users/jp-so/roles', admin, {
      roles: ['security-officer', 'auditor'],
    });
    expect((roles.body as { roles: string[] }).roles).toEqual(['security-officer', 'auditor']);
  });

  it('reclassifies an item its party originated, logged; only a releasing authority may', async () => {
    const ra = await http(node.url, 'POST', '/v1/users', admin, {
      username: 'jp-ra',
      clearance: 'KIMITSU',
      needToKnow: ['dprk-missile'],
      roles: ['releasing-authority'],
    });
    expect(ra.status).toBe(201);
    const raToken = (
      (await http(node.url, 'POST', '/v1/users/jp-ra/tokens', admin, { label: 't' })).body as {
        token: string;
      }
    ).token;
    const made = await http(node.url, 'POST', '/v1/items', raToken, {
      marking: 'HI',
      categories: ['dprk-missile'],
      title: 'x',
      body: '',
    });
    const id = (made.body as { id: string }).id;
    expect(
      (await http(node.url, 'POST', `/v1/items/${id}/reclassify`, officer, { marking: 'GOKUHI' }))
        .status,
    ).toBe(403);
    const r = await http(node.url, 'POST', `/v1/items/${id}/reclassify`, raToken, {
      marking: 'GOKUHI',
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ decision: 'allow', holders: [{ party: 'JP', code: 'GOKUHI' }] });
    expect(
      ((await http(node.url, 'GET', `/v1/items/${id}`, raToken)).body as Json).marking,
    ).toMatchObject({ code: 'GOKUHI' });
    const bad = await http(node.url, 'POST', `/v1/items/${id}/reclassify`, raToken, {
      marking: 'II',
    });
    expect(bad.status).toBe(400);
    expect(err(bad).code).toBe('unknown-marking');
  });

  it('takes compromise reports from holders and lists them to security officers and auditors', async () => {
    const r = await http(node.url, 'POST', `/v1/items/${itemId}/compromise`, officer, {
      note: 'laptop lost',
    });
    expect(r.status).toBe(201);
    const list = await http(node.url, 'GET', '/v1/compromise-reports', auditor);
    expect((list.body as Json[])[0]).toMatchObject({
      item: itemId,
      party: 'JP',
      reportedBy: 'jp-officer',
    });
    expect(
      ((await http(node.url, 'GET', `/v1/items/${itemId}`, officer)).body as Json).compromised,
    ).toBe(true);
  });

  it('serves signed checkpoints and both kinds of proof, which verify independently', async () => {
    const verifier = parseVerifierKey(init.verifierKey);
    const first = await http(node.url, 'GET', '/v1/log/checkpoint', auditor);
    const cp1 = openCheckpoint(first.text, verifier);
    await http(node.url, 'GET', `/v1/items/${itemId}`, officer);
    const cp2 = openCheckpoint(
      (await http(node.url, 'GET', '/v1/log/checkpoint', auditor)).text,
      verifier,
    );
    expect(cp2.size).toBe(cp1.size + 1);
    const inc = (
      await http(node.url, 'GET', `/v1/log/proof/inclusion?index=3&size=${cp2.size}`, auditor)
    ).body as {
      leafHash: string;
      proof: string[];
      checkpoint: string;
    };
    const b = (s: string) => Buffer.from(s, 'base64');
    expect(parseCheckpoint(inc.checkpoint.slice(0, inc.checkpoint.indexOf('\n\n') + 1)).size).toBe(
      cp2.size,
    );
    expect(verifyInclusion(b(inc.leafHash), 3, cp2.size, inc.proof.map(b), cp2.root)).toBe(true);
    const con = (
      await http(
        node.url,
        'GET',
        `/v1/log/proof/consistency?from=${cp1.size}&to=${cp2.size}`,
        auditor,
      )
    ).body as { proof: string[] };
    expect(verifyConsistency(cp1.size, cp2.size, con.proof.map(b), cp1.root, cp2.root)).toBe(true);
    const wrong = await http(node.url, 'GET', '/v1/log/proof/inclusion?index=99999', auditor);
    expect(wrong.status).toBe(400);
  });

  describe('bad input: a clear 4xx with a code, nothing written, nothing logged as success', () => {
    const unchanged = async (
      run: () => Promise<{ status: number; body: unknown }>,
      status: number,
      code: string,
    ) => {
      const before = await logSize();
      const r = await run();
      expect(r.status).toBe(status);
      expect(err(r).code).toBe(code);
      expect(typeof err(r).message).toBe('string');
      expect(await logSize()).toBe(before);
    };

    it('malformed JSON', () =>
      unchanged(
        () => http(node.url, 'POST', '/v1/items', officer, undefined, '{"marking": "GOKUHI",'),
        400,
        'malformed-json',
      ));

    it('wrong types and unknown fields', async () => {
      await unchanged(
        () =>
          http(node.url, 'POST', '/v1/items', officer, {
            marking: 7,
            categories: ['dprk-missile'],
            title: 't',
            body: 'b',
          }),
        400,
        'invalid-request',
      );
      await unchanged(
        () =>
          http(node.url, 'POST', '/v1/items', officer, {
            marking: 'HI',
            categories: 'dprk-missile',
            title: 't',
            body: 'b',
          }),
        400,
        'invalid-request',
      );
      await unchanged(
        () =>
          http(node.url, 'POST', '/v1/items', officer, {
            marking: 'HI',
            categories: ['x'],
            title: 't',
            body: 'b',
            secret: true,
          }),
        400,
        'invalid-request',
      );
      await unchanged(
        () =>
          http(node.url, 'POST', '/v1/items', officer, {
            marking: 'SECRET',
            categories: ['x'],
            title: 't',
            body: 'b',
          }),
        400,
        'unknown-marking',
      );
    });

    it('an oversize body (the limit is 1 MiB)', () =>
      unchanged(
        () =>
          http(node.url, 'POST', '/v1/items', officer, {
            marking: 'HI',
            categories: ['x'],
            title: 't',
            body: 'x'.repeat(1_100_000),
          }),
        413,
        'body-too-large',
      ));

    it('unknown ids', async () => {
      await unchanged(
        () =>
          http(node.url, 'PUT', '/v1/users/nobody/clearance', admin, {
            clearance: 'HI',
            needToKnow: [],
          }),
        404,
        'unknown-user',
      );
      await unchanged(
        () => http(node.url, 'GET', '/v1/agreements/nope', officer),
        404,
        'unknown-agreement',
      );
      await unchanged(
        () => http(node.url, 'DELETE', '/v1/tokens/tok-nope', admin),
        404,
        'unknown-token',
      );
      await unchanged(() => http(node.url, 'GET', '/v1/nothing-here', officer), 404, 'not-found');
    });

    it('an unknown item on read is refused unknown-item and logged as a denial, never as a success', async () => {
      const before = await logSize();
      const r = await http(node.url, 'GET', '/v1/items/jp-does-not-exist', officer);
      expect(r.status).toBe(404);
      expect(err(r).code).toBe('unknown-item');
      // Through the API, an entry about an item nobody may read shows only its leaf hash
      // (RULES V1: whether the id exists is not told); the store holds the denial.
      const shown = (await http(node.url, 'GET', `/v1/log/entries?start=${before}`, auditor))
        .body as { data?: string; redacted?: boolean }[];
      expect(shown.map((e) => [e.redacted, e.data])).toEqual([[true, undefined]]);
      expect(
        (await storedEntries(init, db?.target, before)).map((e) => [
          e.type,
          e.decision,
          (e.reasons as string[])[0],
        ]),
      ).toEqual([['item.read', 'deny', 'unknown-item']]);
    });

    it('an expired or revoked token, and no token at all', async () => {
      const soon = new Date(Date.now() + 1500).toISOString();
      const exp = (
        await http(node.url, 'POST', '/v1/users/jp-officer/tokens', admin, {
          label: 'short',
          expiresAt: soon,
        })
      ).body as { token: string };
      await new Promise((r) => setTimeout(r, 1700));
      await unchanged(() => http(node.url, 'GET', '/v1/items', exp.token), 401, 'token-expired');
      const rev = (
        await http(node.url, 'POST', '/v1/users/jp-officer/tokens', admin, { label: 'revoked' })
      ).body as { id: string; token: string };
      expect((await http(node.url, 'DELETE', `/v1/tokens/${rev.id}`, admin)).status).toBe(200);
      await unchanged(() => http(node.url, 'GET', '/v1/items', rev.token), 401, 'token-revoked');
      await unchanged(() => http(node.url, 'GET', '/v1/items'), 401, 'unauthenticated');
      await unchanged(
        () => http(node.url, 'GET', '/v1/items', 'lsn_forged'),
        401,
        'unauthenticated',
      );
    }, 20_000);

    it('the wrong role', async () => {
      await unchanged(
        () =>
          http(node.url, 'POST', '/v1/items', auditor, {
            marking: 'HI',
            categories: ['x'],
            title: 't',
            body: 'b',
          }),
        403,
        'forbidden',
      );
      await unchanged(
        () =>
          http(node.url, 'POST', '/v1/users', officer, {
            username: 'x',
            clearance: 'U',
            needToKnow: [],
            roles: [],
          }),
        403,
        'forbidden',
      );
      await unchanged(
        () => http(node.url, 'GET', '/v1/log/checkpoints', officer),
        403,
        'forbidden',
      );
    });
  });

  it('the CLI verbs work against the node, with --json', () => {
    const base = ['--node', node.url, '--token', officer];
    const created = liaison([
      'item',
      'create',
      ...base,
      '--marking',
      'HI',
      '--category',
      'dprk-missile',
      '--title',
      'From the CLI',
      '--body',
      'text',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const id = (JSON.parse(created.out) as { id: string }).id;
    const read = liaison(['item', 'read', id, ...base]);
    expect(read.code).toBe(0);
    expect(read.out).toContain('From the CLI');
    expect(read.out).toContain('JP 秘 (CONFIDENTIAL)');
    const list = JSON.parse(liaison(['item', 'list', ...base, '--json']).out) as Json[];
    expect(list.map((i) => i.id)).toContain(id);
    const refused = liaison(['item', 'read', id, '--node', node.url, '--token', auditor]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/forbidden/);
    const agreements = JSON.parse(liaison(['agreement', 'list', ...base, '--json']).out) as Json[];
    expect(agreements).toHaveLength(3);
    const verify = liaison(['audit', 'verify', '--node', node.url, '--token', auditor]);
    expect(verify.code).toBe(0);
    expect(verify.out).toContain('OK:');
  });
});
