// A bounded fuzz of the whole API on a real node process: at least 20,000 generated
// requests over every route of /openapi.json (and the hidden ones), with tokens of
// every role and none: bodies built from each route's schema, then mutated (wrong
// types, `__proto__` and `constructor` keys, deep nesting, huge strings, malformed
// JSON, other content types), odd path parameters and query strings. No answer may be
// a 5xx, none may carry a stack trace or a file path, every error has the project's
// shape, and the process is alive at the end. The seed is printed; LIAISON_FUZZ_SEED
// replays a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  startNodeProcess,
} from '../support/node-process.js';

const REQUESTS = Number(process.env.LIAISON_FUZZ_REQUESTS ?? 20_000);
const SEED = Number(process.env.LIAISON_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 12;

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minItems?: number;
  maxLength?: number;
  additionalProperties?: boolean | Schema;
  patternProperties?: Record<string, Schema>;
};
interface Op {
  readonly method: string;
  readonly path: string;
  readonly body: Schema | null;
  readonly query: readonly { name: string; schema: Schema }[];
}

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

const STRINGS = [
  '',
  'x',
  'GOKUHI',
  'KIMITSU',
  'II',
  'S',
  'U',
  'JP',
  'KR',
  'US',
  'XX',
  'dprk-missile',
  'admin',
  'officer',
  'gsomia-jp-kr-2016',
  '2019-11-23T00:00:00+09:00',
  '2019-11-23T00:00:00',
  'P90D',
  'Asia/Tokyo',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '<script>alert(1)</script>',
  "'; DROP TABLE items; --",
  '極秘',
  '군사II급비밀',
  '𝕏'.repeat(50),
  '\ud800',
  '__proto__',
  'constructor',
  'http://127.0.0.1:1/',
  'launch',
];

function str(r: Rng): string {
  switch (r.int(5)) {
    case 0:
      return r.pick(STRINGS);
    case 1:
      return 'a'.repeat(r.pick([1, 64, 65, 201, 4096, 100_000]));
    case 2:
      return Array.from({ length: r.int(20) }, () => String.fromCharCode(r.int(0x3000))).join('');
    default:
      return r.pick(STRINGS) + String(r.int(1000));
  }
}

/** Any JSON value, for wrong types and nesting. */
function anything(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 3 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 3]);
    case 3:
    case 4:
      return str(r);
    case 5:
      return Array.from({ length: r.int(4) }, () => anything(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [str(r).slice(0, 20), anything(r, depth + 1)]),
      );
  }
}

/** A value for a schema: mostly well-formed, sometimes not. */
function value(r: Rng, s: Schema | undefined, depth = 0): unknown {
  if (s === undefined || depth > 6 || r.chance(0.08)) return anything(r, depth);
  if (s.const !== undefined) return s.const;
  if (s.enum !== undefined) return r.pick(s.enum);
  if (s.anyOf !== undefined) return value(r, r.pick(s.anyOf), depth);
  const type = Array.isArray(s.type) ? r.pick(s.type) : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(s.properties ?? {})) {
        if ((s.required ?? []).includes(k) || r.chance(0.5)) out[k] = value(r, sub, depth + 1);
      }
      if (s.patternProperties !== undefined || s.additionalProperties === true) {
        for (let i = r.int(3); i > 0; i--)
          out[r.pick(['JP', 'KR', 'US', 'x'])] = value(r, s.items, depth + 1);
      }
      return out;
    }
    case 'array':
      return Array.from({ length: r.int(4) + (s.minItems ?? 0) }, () =>
        value(r, s.items, depth + 1),
      );
    case 'string':
      return str(r);
    case 'integer':
      return r.pick([0, 1, 5, 200, 201, -1, 10_000, 2 ** 31, 2 ** 53]);
    case 'number':
      return r.next() * 1e6;
    case 'boolean':
      return r.chance(0.5);
    case 'null':
      return null;
    default:
      return anything(r, depth);
  }
}

/** The body as it goes on the wire: JSON, or mutated bytes. */
function bodyText(r: Rng, op: Op): { text: string | undefined; type: string | undefined } {
  if (op.method === 'GET') return { text: undefined, type: undefined };
  if (op.method === 'DELETE')
    return r.chance(0.1)
      ? { text: '{}', type: 'application/json' }
      : { text: undefined, type: undefined };
  const base = JSON.stringify(value(r, op.body ?? undefined));
  switch (r.int(12)) {
    case 0:
      return {
        text: base.slice(0, Math.max(0, base.length - 1 - r.int(5))),
        type: 'application/json',
      };
    case 1:
      return { text: `{"__proto__":{"admin":true},"x":${base}}`, type: 'application/json' };
    case 2:
      return {
        text: `{"constructor":{"prototype":{"polluted":1}},"y":${base}}`,
        type: 'application/json',
      };
    case 3: {
      const n = r.pick([100, 1000, 5000]);
      return { text: `${'['.repeat(n)}${']'.repeat(n)}`, type: 'application/json' };
    }
    case 4:
      return {
        text: base,
        type: r.pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'application/json; charset=latin1',
        ]),
      };
    case 5:
      return { text: base, type: undefined };
    case 6:
      return { text: JSON.stringify(anything(r)), type: 'application/json' };
    default:
      return { text: base, type: 'application/json' };
  }
}

/** encodeURIComponent, with lone surrogates (which it refuses) replaced. */
const enc = (s: string) =>
  encodeURIComponent(
    s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  );

const PARAMS = [
  'x',
  'jp-00000000-0000-0000-0000-000000000000',
  '..%2F..%2Fetc',
  '%E0%A4%A',
  'a'.repeat(300),
  '%00',
  '日本',
  'admin',
  'KR',
  '0',
];

function url(r: Rng, op: Op, ids: readonly string[]): string {
  let path = op.path.replace(/\{[^}]+\}/g, () =>
    r.chance(0.3) && ids.length > 0 ? r.pick(ids) : r.pick(PARAMS),
  );
  const q: string[] = [];
  for (const p of op.query)
    if (r.chance(0.6)) q.push(`${p.name}=${enc(String(value(r, p.schema)))}`);
  if (r.chance(0.1)) q.push(`${enc(str(r).slice(0, 30))}=${enc(str(r).slice(0, 30))}`);
  if (r.chance(0.03)) path += '%';
  return q.length === 0 ? path : `${path}?${q.join('&')}`;
}

let init: InitializedNode;
let node: NodeProcess;
const tokens: (string | undefined)[] = [undefined, 'lsn_bogus'];
const ids: string[] = [];

beforeAll(async () => {
  init = initNodeDir('JP');
  node = await startNodeProcess(init.dir);
  tokens.push(init.adminToken);
  for (const role of ['officer', 'releasing-authority', 'security-officer', 'auditor']) {
    const u = await http(node.url, 'POST', '/v1/users', init.adminToken, {
      username: `f-${role}`,
      clearance: 'GOKUHI',
      needToKnow: ['dprk-missile'],
      roles: role === 'releasing-authority' ? [role, 'officer'] : [role],
      password: 'fuzz passphrase long enough',
    });
    if (u.status !== 201) throw new Error(u.text);
    const t = await http(node.url, 'POST', `/v1/users/f-${role}/tokens`, init.adminToken, {
      label: 'fuzz',
    });
    tokens.push((t.body as { token: string }).token);
  }
  const it = await http(node.url, 'POST', '/v1/items', tokens[3], {
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    title: 'fuzz target',
    body: 'b',
  });
  ids.push((it.body as { id: string }).id, 'admin', 'f-officer', 'gsomia-jp-kr-2016');
}, 60_000);

afterAll(async () => {
  await node?.stop();
});

describe('fuzz', () => {
  it(`${REQUESTS} generated requests over every route: no 5xx, no stack trace or path, the process alive`, {
    timeout: 600_000,
  }, async () => {
    console.log(`fuzz seed ${SEED} (replay with LIAISON_FUZZ_SEED=${SEED})`);
    const doc = (await http(node.url, 'GET', '/openapi.json')).body as {
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content?: Record<string, { schema?: Schema }> };
            parameters?: { in: string; name: string; schema: Schema }[];
          }
        >
      >;
    };
    const ops: Op[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [m, def] of Object.entries(methods)) {
        ops.push({
          method: m.toUpperCase(),
          path,
          body: def.requestBody?.content?.['application/json']?.schema ?? null,
          query: (def.parameters ?? [])
            .filter((p) => p.in === 'query')
            .map((p) => ({ name: p.name, schema: p.schema })),
        });
      }
    }
    for (const p of [
      '/healthz',
      '/readyz',
      '/openapi.json',
      '/v1/alerts/stream',
      '/',
      '/assets/x.js',
      '/v1',
    ])
      ops.push({ method: 'GET', path: p, body: null, query: [] });
    expect(ops.length).toBeGreaterThan(60);
    const r = rng(SEED);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let sent = 0;
    const worker = async () => {
      while (sent < REQUESTS) {
        sent++;
        const op = r.pick(ops);
        // Signing out revokes the token it came with: only without a usable one.
        const token =
          op.method === 'DELETE' && op.path === '/v1/session'
            ? r.pick(tokens.slice(0, 2))
            : r.pick(tokens);
        const target = url(r, op, ids);
        const { text, type } = bodyText(r, op);
        const headers: Record<string, string> = {};
        if (token !== undefined) headers.authorization = `Bearer ${token}`;
        if (type !== undefined) headers['content-type'] = type;
        let status = 0;
        let answer = '';
        try {
          const res = await fetch(`${node.url}${target}`, {
            method: op.method,
            headers,
            ...(text === undefined ? {} : { body: text }),
            signal: AbortSignal.timeout(30_000),
          });
          status = res.status;
          answer = await res.text();
        } catch (e) {
          // A malformed URL may be refused by fetch itself before it is sent.
          if (e instanceof TypeError && /URL|Invalid/.test(e.message)) continue;
          failures.push(`${op.method} ${target}: ${(e as Error).message}`);
          continue;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const what = `${op.method} ${target.slice(0, 120)} → ${status}: ${answer.slice(0, 200)}`;
        if (status >= 500) failures.push(what);
        if (/\n\s+at |node_modules|\/src\/|\/dist\/|\.ts:\d+|\.js:\d+|FST_ERR/.test(answer))
          failures.push(`leak: ${what}`);
        if (status >= 400 && target.startsWith('/v1/') && !target.startsWith('/v1/alerts/stream')) {
          try {
            const e = (JSON.parse(answer) as { error?: { code?: unknown; message?: unknown } })
              .error;
            if (typeof e?.code !== 'string' || typeof e.message !== 'string')
              failures.push(`shape: ${what}`);
          } catch {
            failures.push(`not JSON: ${what}`);
          }
        }
        if (failures.length > 20) return;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `fuzz: ${sent} requests; statuses ${[...statuses]
        .sort((a, b) => a[0] - b[0])
        .map(([s, n]) => `${s}×${n}`)
        .join(' ')}`,
    );
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(REQUESTS);
    expect(node.child.exitCode).toBeNull();
    expect((await http(node.url, 'GET', '/healthz')).status).toBe(200);
    // Still serving its people (the fuzz may have changed their clearances and roles).
    expect((await http(node.url, 'GET', '/v1/node', init.adminToken)).status).toBe(200);
  });
});
