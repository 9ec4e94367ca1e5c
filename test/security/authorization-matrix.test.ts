// The authorization matrix, generated from the node's own /openapi.json: every route
// × no token, a bad, an expired, a revoked and a foreign token (valid at another node),
// an enrolment-only token, and a token of each role. The table below is the
// specification (README "Security model"); a route in the document without an entry
// here, or an entry for a route the document no longer has, fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  type Reply,
  startNodeProcess,
} from '../support/node-process.js';

const ROLES = ['officer', 'releasing-authority', 'security-officer', 'auditor', 'admin'] as const;
type Role = (typeof ROLES)[number];
const ALL = ROLES;
const READERS: readonly Role[] = ['officer', 'releasing-authority', 'security-officer'];
const PEOPLE: readonly Role[] = ['admin', 'security-officer'];
const AUDIT: readonly Role[] = ['auditor', 'security-officer', 'admin'];

/** Who may call a route: anyone, a partner node's signed request, or these roles. */
type Access =
  | { readonly kind: 'public' }
  | { readonly kind: 'peer' }
  | { readonly kind: 'roles'; readonly roles: readonly Role[]; readonly enrol?: boolean };
const pub: Access = { kind: 'public' };
const peer: Access = { kind: 'peer' };
const roles = (r: readonly Role[], enrol = false): Access => ({ kind: 'roles', roles: r, enrol });

const MATRIX: Readonly<Record<string, Access>> = {
  'GET /metrics': roles(['auditor']),
  'GET /v1/node': roles(ALL),
  'POST /v1/setup/end': roles(['admin']),
  'POST /v1/node/data-key/rotate': roles(['admin']),
  'POST /v1/node/keys/rotate': roles(['admin']),
  'POST /v1/session': pub,
  'DELETE /v1/session': roles(ALL, true),
  'GET /v1/me': roles(ALL, true),
  'POST /v1/me/totp': roles(ALL, true),
  'POST /v1/me/totp/confirm': roles(ALL, true),
  'DELETE /v1/users/{id}/totp': roles(['admin']),
  'PUT /v1/users/{id}/password': roles(ALL),
  'POST /v1/users': roles(['admin']),
  'GET /v1/users': roles(PEOPLE),
  'GET /v1/users/{id}': roles(PEOPLE),
  'PUT /v1/users/{id}/clearance': roles(PEOPLE),
  'PUT /v1/users/{id}/roles': roles(['admin']),
  'GET /v1/approvals': roles(PEOPLE),
  'POST /v1/approvals/{id}/approve': roles(PEOPLE),
  'POST /v1/approvals/{id}/reject': roles(PEOPLE),
  'POST /v1/users/{id}/tokens': roles(ALL),
  'DELETE /v1/tokens/{id}': roles(['admin']),
  'GET /v1/agreements': roles(ALL),
  'POST /v1/agreements': roles(['admin']),
  'GET /v1/agreements/{id}': roles(ALL),
  'GET /v1/agreements/{id}/notices': roles(ALL),
  'GET /v1/agreement-sync': roles(ALL),
  'GET /v1/agreements/{id}/keys': roles(ALL),
  'POST /v1/agreements/{id}/notices': roles(['admin']),
  'POST /v1/agreements/{id}/changes': roles(['admin']),
  'POST /v1/items': roles(['officer', 'releasing-authority']),
  'GET /v1/items': roles(READERS),
  'GET /v1/items/{id}': roles(READERS),
  'GET /v1/items/{id}/stix': roles(READERS),
  'POST /v1/attachments': roles(['officer', 'releasing-authority']),
  'GET /v1/items/{id}/attachments/{sha256}': roles(READERS),
  'POST /v1/items/import': roles(['officer', 'releasing-authority']),
  'POST /v1/items/{id}/reclassify': roles(['releasing-authority']),
  'POST /v1/items/{id}/compromise': roles(READERS),
  'POST /v1/items/{id}/release': roles(['releasing-authority']),
  'POST /v1/items/{id}/releases': roles(['releasing-authority']),
  'POST /v1/items/{id}/forward': roles(['releasing-authority']),
  'GET /v1/items/{id}/history': roles(READERS),
  'GET /v1/items/{id}/proof': roles(READERS),
  'GET /v1/search': roles(READERS),
  'GET /v1/compromise-reports': roles(['security-officer', 'auditor', 'admin']),
  'GET /v1/log/checkpoint': roles(AUDIT),
  'GET /v1/log/checkpoints': roles(AUDIT),
  'GET /v1/log/entries': roles(AUDIT),
  'GET /v1/log/proof/inclusion': roles(AUDIT),
  'GET /v1/log/proof/consistency': roles(AUDIT),
  'GET /v1/log/witnesses': roles(AUDIT),
  'GET /checkpoint': roles(AUDIT),
  'GET /tile/{level}/{*}': roles(AUDIT),
  'GET /tile/entries/{*}': roles(AUDIT),
  'GET /v1/federation/identity': pub,
  'GET /v1/federation/checkpoint': peer,
  'GET /v1/federation/proof/consistency': peer,
  'POST /v1/federation/messages': peer,
  'GET /v1/federation/attachments/{sha256}': peer,
  'PUT /v1/federation/attachments/{sha256}/chunks/{seq}': peer,
  'POST /v1/federation/add-checkpoint': peer,
  'GET /v1/federation/witnessed': peer,
  'GET /v1/peers': roles(ALL),
  'POST /v1/peers': roles(['admin']),
  'POST /v1/peers/{id}/retry': roles(['admin']),
  'POST /v1/peers/{id}/witness': roles(AUDIT),
  'GET /v1/inbox': roles(READERS),
  'GET /v1/outbox': roles(['releasing-authority', 'security-officer', 'auditor', 'admin']),
  'GET /v1/outbox/{id}': roles(['releasing-authority', 'security-officer', 'auditor', 'admin']),
  'POST /v1/consents/requests': roles(['officer', 'releasing-authority']),
  'GET /v1/consents/requests': roles(READERS),
  'POST /v1/consents/requests/{id}/grant': roles(['releasing-authority']),
  'POST /v1/consents/requests/{id}/refuse': roles(['releasing-authority']),
  'POST /v1/consents/{id}/revoke': roles(['releasing-authority']),
  'GET /v1/proposals': roles(ALL),
  'POST /v1/proposals/{id}/sign': roles(['admin']),
  'POST /v1/alerts': roles(['releasing-authority']),
  'GET /v1/alerts': roles(READERS),
  'GET /v1/alerts/presets/launch': roles(READERS),
  'GET /v1/alerts/{id}': roles(READERS),
  'POST /v1/alerts/{id}/ack': roles(READERS),
  'GET /v1/alerts/{id}/cap': roles(READERS),
  'POST /v1/simulate': roles(['admin', 'releasing-authority', 'security-officer']),
};

/** Routes the document hides on purpose (health, the document itself, the console's files, the WebSocket). */
const HIDDEN: Readonly<Record<string, Access>> = {
  'GET /healthz': pub,
  'GET /readyz': pub,
  'GET /openapi.json': pub,
  'GET /v1/alerts/stream': roles(READERS),
  // TAXII 2.1 (OASIS specifies these resources; their errors are TAXII error messages).
  'GET /taxii2/': roles(READERS),
  'GET /taxii2/api/': roles(READERS),
  'GET /taxii2/api/collections/': roles(READERS),
  'GET /taxii2/api/collections/{id}/': roles(READERS),
  'GET /taxii2/api/collections/{id}/objects/': roles(READERS),
  'GET /taxii2/api/collections/{id}/objects/{object}/': roles(READERS),
};

let init: InitializedNode;
let node: NodeProcess;
let other: { init: InitializedNode; node: NodeProcess };
const tokens = {} as Record<Role, string>;
const bad: Record<'bad' | 'expired' | 'revoked' | 'foreign' | 'enrol', string> = {
  bad: 'lsn_this-is-no-token-at-all',
  expired: '',
  revoked: '',
  foreign: '',
  enrol: '',
};

/** A password sign-in at a node that requires a second factor: an enrolment-only token. */
async function enrolToken(): Promise<string> {
  const s = await http(node.url, 'POST', '/v1/session', undefined, {
    username: 'm-officer',
    password: 'matrix passphrase long enough',
  });
  expect((s.body as { enrolRequired: boolean }).enrolRequired).toBe(true);
  return (s.body as { token: string }).token;
}

async function issue(user: string, expiresAt?: string): Promise<string> {
  const t = await http(node.url, 'POST', `/v1/users/${user}/tokens`, init.adminToken, {
    label: 'matrix',
    ...(expiresAt === undefined ? {} : { expiresAt }),
  });
  if (t.status !== 201) throw new Error(t.text);
  return (t.body as { token: string }).token;
}

beforeAll(async () => {
  // A node that requires a second factor, so that a password sign-in gives an enrolment token.
  init = initNodeDir('JP', undefined, ['--require-totp']);
  node = await startNodeProcess(init.dir);
  tokens.admin = init.adminToken;
  for (const r of ROLES) {
    if (r === 'admin') continue;
    const u = await http(node.url, 'POST', '/v1/users', init.adminToken, {
      username: `m-${r}`,
      clearance: 'HI',
      needToKnow: ['dprk-missile'],
      roles: [r],
      password: 'matrix passphrase long enough',
    });
    if (u.status !== 201) throw new Error(u.text);
    tokens[r] = await issue(`m-${r}`);
  }
  bad.expired = await issue('m-officer', new Date(Date.now() + 1000).toISOString());
  const revoked = await http(node.url, 'POST', '/v1/users/m-officer/tokens', init.adminToken, {
    label: 'revoked',
  });
  bad.revoked = (revoked.body as { token: string }).token;
  await http(
    node.url,
    'DELETE',
    `/v1/tokens/${(revoked.body as { id: string }).id}`,
    init.adminToken,
  );
  bad.enrol = await enrolToken();
  const oi = initNodeDir('JP');
  other = { init: oi, node: await startNodeProcess(oi.dir) };
  bad.foreign = oi.adminToken;
  // The expired token has expired by the time the matrix runs.
  await new Promise((r) => setTimeout(r, 1200));
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await other?.node.stop();
});

async function call(key: string, token: string | undefined): Promise<Reply> {
  const [method, template] = key.split(' ') as [string, string];
  const path = template.replace(/\{[^}]+\}/g, 'x');
  const body = method === 'POST' || method === 'PUT' ? {} : undefined;
  return http(node.url, method, path, token, body);
}

/** An error's code and message: ours, or a TAXII error message's (error_code, description). */
const code = (r: Reply): { code?: string; message?: string } => {
  const b = r.body as {
    error?: { code?: string; message?: string };
    error_code?: string;
    description?: string;
  } | null;
  if (b?.error_code !== undefined) return { code: b.error_code, message: b.description };
  return b?.error ?? {};
};
const roleRefusal = (r: Reply) =>
  r.status === 403 &&
  code(r).code === 'forbidden' &&
  /^this needs the role /.test(code(r).message ?? '');

describe('authorization matrix', () => {
  it('every route of /openapi.json has an entry, and every entry a route', async () => {
    const doc = (await http(node.url, 'GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(documented.sort()).toEqual(Object.keys(MATRIX).sort());
  });

  const all = { ...MATRIX, ...HIDDEN };
  for (const [key, access] of Object.entries(all)) {
    it(`${key}: ${access.kind === 'roles' ? access.roles.join(', ') : access.kind}`, async () => {
      // DELETE /v1/session revokes the token it came with: each call gets a fresh one.
      const fresh = key === 'DELETE /v1/session';
      // (Each person issues their own: after setup has ended, an admin may not.)
      const roleToken = async (r: Role) => {
        if (!fresh) return tokens[r];
        const user = r === 'admin' ? 'admin' : `m-${r}`;
        const t = await http(node.url, 'POST', `/v1/users/${user}/tokens`, tokens[r], {
          label: 'fresh',
        });
        return (t.body as { token: string }).token;
      };
      const none = await call(key, undefined);
      if (access.kind === 'public') {
        expect(none.status, 'no token').not.toBe(401);
        return;
      }
      expect(none.status, 'no token').toBe(401);
      for (const [what, given] of Object.entries(bad)) {
        const tk = fresh && what === 'enrol' ? await enrolToken() : given;
        const r = await call(key, tk);
        if (what === 'enrol' && access.kind === 'roles') {
          if (access.enrol === true) expect(r.status, what).not.toBe(401);
          else {
            expect(r.status, what).toBe(access.kind === 'roles' ? 403 : 401);
            expect(code(r).code).toBe('forbidden');
          }
          continue;
        }
        expect(r.status, what).toBe(401);
        if (access.kind === 'roles') {
          const expected =
            what === 'expired'
              ? 'token-expired'
              : what === 'revoked'
                ? 'token-revoked'
                : 'unauthenticated';
          expect(code(r).code, what).toBe(expected);
        }
      }
      for (const r of ROLES) {
        const reply = await call(key, await roleToken(r));
        if (access.kind === 'peer') {
          expect(reply.status, r).toBe(401);
          continue;
        }
        if (access.roles.includes(r)) {
          expect(reply.status, `${r}: ${reply.text}`).not.toBe(401);
          expect(roleRefusal(reply), `${r}: ${reply.text}`).toBe(false);
        } else {
          expect(roleRefusal(reply), `${r} must be refused: ${reply.status} ${reply.text}`).toBe(
            true,
          );
        }
        expect(reply.status, `${r}: ${reply.text}`).toBeLessThan(500);
      }
    });
  }
});
