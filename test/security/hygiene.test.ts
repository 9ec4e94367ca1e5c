// API hygiene on a real JP node process (issue 9, "Access"): authentication before
// validation, schema-checked agreement definitions, a bounded simulator in a worker,
// metrics for auditors or on their own address, store files for the operator only, and
// every error in the project's shape.
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  type Reply,
  startNodeProcess,
} from '../support/node-process.js';

type Json = Record<string, unknown>;
let init: InitializedNode;
let node: NodeProcess;
let admin: string;
let officer = '';
let auditor = '';
let ra = '';
const err = (r: Reply) => (r.body as { error: { code: string; message: string } }).error;

/** The node's answer to raw bytes on its socket (for requests fetch would not send). */
function raw(bytes: string): Promise<string> {
  const u = new URL(node.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => s.end(bytes));
    let out = '';
    s.on('data', (d: Buffer) => {
      out += d.toString();
    });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

const expectShape = (text: string) => {
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as {
    error: { code: string; message: string };
  };
  expect(typeof body.error.code).toBe('string');
  expect(typeof body.error.message).toBe('string');
  expect(text).not.toMatch(/\n\s+at |node_modules|FST_/);
};

beforeAll(async () => {
  init = initNodeDir('JP', undefined, ['--metrics-listen', '127.0.0.1:0']);
  node = await startNodeProcess(init.dir);
  admin = init.adminToken;
  const mk = async (username: string, clearance: string, roles: string[]) => {
    const u = await http(node.url, 'POST', '/v1/users', admin, {
      username,
      clearance,
      needToKnow: ['dprk-missile'],
      roles,
    });
    if (u.status !== 201) throw new Error(u.text);
    const tk = await http(node.url, 'POST', `/v1/users/${username}/tokens`, admin, {
      label: 'test',
    });
    return (tk.body as { token: string }).token;
  };
  officer = await mk('jp-officer', 'GOKUHI', ['officer']);
  auditor = await mk('jp-auditor', 'GOKUHI', ['auditor']);
  ra = await mk('jp-ra', 'GOKUHI', ['releasing-authority']);
}, 60_000);

afterAll(async () => {
  await node?.stop();
});

describe('authentication comes first', () => {
  it('finding: an unauthenticated request with a bad body got the schema’s complaint (400); now 401 whatever the body', async () => {
    for (const [method, path, body] of [
      ['POST', '/v1/items', '{"marking": 3'],
      ['POST', '/v1/items', '{"nonsense": true}'],
      ['POST', '/v1/agreements', '{"definition": {}}'],
      ['PUT', '/v1/users/admin/roles', '[]'],
      ['POST', '/v1/simulate', 'x'.repeat(2 * 1024 * 1024)],
    ] as const) {
      const r = await http(node.url, method, path, undefined, undefined, body);
      expect(r.status, `${method} ${path}`).toBe(401);
      expect(err(r).code).toBe('unauthenticated');
      const bad = await http(node.url, method, path, 'lsn_not-a-token', undefined, body);
      expect(bad.status, `${method} ${path} bad token`).toBe(401);
    }
  });
});

describe('every input is schema-checked', () => {
  it('finding: POST /v1/agreements with {"definition":{}} answered 500; now 400 naming the field, for every malformed definition', async () => {
    const good = {
      id: 'jp-us-custom',
      parties: ['JP', 'US'],
      rows: [{ JP: ['GOKUHI'], US: ['S'] }],
      topology: { kind: 'mesh' },
      entryIntoForce: '2020-01-01T00:00:00+09:00',
      noticePeriod: 'P90D',
      timezone: 'Asia/Tokyo',
    };
    const bad: unknown[] = [
      {},
      { ...good, parties: 'JP' },
      { ...good, rows: [{ JP: 'GOKUHI' }] },
      { ...good, topology: { kind: 'star' } },
      { ...good, entryIntoForce: 12 },
      { ...good, timezone: 'Mars/Olympus' },
      { ...good, noticePeriod: 'ninety days' },
      { ...good, parties: ['JP', 'XX'] },
      { ...good, rows: [{ JP: ['NOPE'], US: ['S'] }] },
      { ...good, rows: [{ JP: ['GOKUHI'], KR: ['II'] }] },
      {
        ...good,
        rows: [
          { JP: ['GOKUHI'], US: ['S'] },
          { JP: ['GOKUHI'], US: ['TS'] },
        ],
      },
      { ...good, topology: { kind: 'hub', hub: 'KR' } },
      { ...good, parties: ['JP', 'JP'] },
      { ...good, initialTerm: 'P0D' },
      { ...good, initialTerm: 'P1.5Y' },
      { ...good, renewalTerm: 'P1Y' },
      { ...good, entryIntoForce: '2020-02-30T00:00:00+09:00' },
      { ...good, entryIntoForce: '2020-01-01T00:00:00' },
      { ...good, timezone: 'Asia/Tokyo\u0000' },
      { ...good, scope: [''] },
      { ...good, extra: true },
      JSON.parse(JSON.stringify(good).replace(/^\{/, '{"__proto__":{"polluted":true},')),
      JSON.parse('{"id":"x","constructor":{"prototype":{"polluted":true}}}'),
    ];
    for (const definition of bad) {
      const r = await http(node.url, 'POST', '/v1/agreements', admin, { definition });
      expect(r.status, JSON.stringify(definition)).toBe(400);
      expect(err(r).code).toBe('invalid-request');
    }
    const ok = await http(node.url, 'POST', '/v1/agreements', admin, { definition: good });
    expect(ok.status, ok.text).toBe(201);
  });
});

describe('the simulator is bounded', () => {
  const scenario = (steps: number) => {
    let s = `name: load\nparties: [JP, KR, US]\nagreements:\n  - use: gsomia-jp-kr-2016\n  - use: tisa-2014\nitems:\n  - {id: r, originator: JP, marking: GOKUHI, categories: [dprk-missile]}\ntimeline:\n`;
    const t0 = Date.parse('2019-01-01T00:00:00Z');
    for (let i = 0; i < steps; i++)
      s += `  - {at: ${new Date(t0 + i * 60_000).toISOString()}, release: {item: r, to: US}}\n`;
    return s;
  };

  it('finding: any role could run it; now officers and auditors may not', async () => {
    for (const tk of [officer, auditor]) {
      const r = await http(node.url, 'POST', '/v1/simulate', tk, { scenario: scenario(1) });
      expect(r.status).toBe(403);
      expect(err(r).code).toBe('forbidden');
    }
    expect(
      (await http(node.url, 'POST', '/v1/simulate', ra, { scenario: scenario(1) })).status,
    ).toBe(200);
  });

  it('finding: a YAML alias bomb answered 500; now 400 with what is wrong', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const r = await http(node.url, 'POST', '/v1/simulate', admin, {
      scenario: levels.join('\n'),
      name: 'bomb.yaml',
    });
    expect(r.status).toBe(400);
    expect(err(r).message).toMatch(/alias/);
  });

  it('finding: four parallel 700 KB scenarios stalled /healthz; now refused at once as too large, runs are one at a time per person in a worker, and /healthz answers while they run', async () => {
    const huge = scenario(1).padEnd(700 * 1024, '#');
    const big = await Promise.all(
      [0, 1, 2, 3].map(() => http(node.url, 'POST', '/v1/simulate', admin, { scenario: huge })),
    );
    for (const r of big) {
      expect([400, 413]).toContain(r.status);
      expect(['invalid-request', 'body-too-large']).toContain(err(r).code);
    }
    const tooMany = await http(node.url, 'POST', '/v1/simulate', admin, {
      scenario: scenario(6_000),
    });
    expect([400, 413]).toContain(tooMany.status);
    // About the largest allowed run (256 KiB), and a second one by the same person.
    const text = scenario(2_800);
    expect(text.length).toBeLessThan(256 * 1024);
    let running = true;
    const run = http(node.url, 'POST', '/v1/simulate', admin, { scenario: text }).then((r) => {
      running = false;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = await http(node.url, 'POST', '/v1/simulate', admin, { scenario: text });
    expect(second.status).toBe(429);
    expect(err(second).code).toBe('busy');
    // Ordering, not timing: the node answers /healthz while the run is still going.
    const health = await http(node.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(running).toBe(true);
    const done = await run;
    expect(done.status).toBe(200);
    expect((done.body as { steps: Json[] }).steps).toHaveLength(2_800);
  });
});

describe('the rest of the hygiene findings', () => {
  it('finding: /metrics was open to anyone; now to an auditor’s token, or without one on its own address', async () => {
    expect((await http(node.url, 'GET', '/metrics')).status).toBe(401);
    expect((await http(node.url, 'GET', '/metrics', officer)).status).toBe(403);
    const ok = await http(node.url, 'GET', '/metrics', auditor);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('liaison_log_size');
    const address = /metrics on (http:\/\/\S+)/.exec(node.output())?.[1];
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const open = await fetch(address as string);
    expect(open.status).toBe(200);
    expect(await open.text()).toContain('liaison_http_requests_total');
    // The metrics address serves nothing else.
    expect((await fetch((address as string).replace('/metrics', '/v1/items'))).status).toBe(404);
  });

  it('finding: the SQLite store file was mode 0644; now the store and its files 0600, the data directory 0700', () => {
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(init.dir)).toBe(0o700);
    for (const f of ['store.sqlite', 'store.sqlite-wal', 'config.json', 'keys.json'])
      expect(mode(join(init.dir, f)), f).toBe(0o600);
  });

  it('finding: Fastify’s own errors (a malformed URL) did not use the project’s shape; now every error does, and none carries a stack or a path', async () => {
    for (const path of ['/v1/items/%E0%A4%A', '/%', '/v1/%zz/x']) {
      const r = await raw(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${officer}\r\nConnection: close\r\n\r\n`,
      );
      expect(r, path).toMatch(/^HTTP\/1\.1 4\d\d /);
      expectShape(r);
    }
    const malformed = await raw('GARBAGE\r\n\r\n');
    expect(malformed).toMatch(/^HTTP\/1\.1 400 /);
    expectShape(malformed);
    const length = await raw(
      `POST /v1/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${officer}\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{"a":1}`,
    );
    expect(length).toMatch(/^HTTP\/1\.1 4\d\d /);
    const ct = await http(node.url, 'POST', '/v1/items', officer, undefined, 'x');
    expect(ct.status).toBe(400);
    expect(err(ct).code).toBe('malformed-json');
  });
});
