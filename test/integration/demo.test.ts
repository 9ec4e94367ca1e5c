// `liaison demo` as people run it: one real process with JP, KR and US on loopback,
// demo.json and the table for people, the replayed exchange, the CLI verbs driven
// end to end with the printed tokens, Ctrl-C, and a second run that resumes.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/federation.js';
import { BIN, http, PASSPHRASE } from '../support/node-process.js';

type Json = Record<string, unknown>;
type Party = 'JP' | 'KR' | 'US';
const PARTIES: readonly Party[] = ['JP', 'KR', 'US'];
const ROLES = ['officer', 'releasing-authority', 'security-officer', 'auditor', 'admin'] as const;
type Role = (typeof ROLES)[number];
interface DemoFile {
  nodes: { party: Party; url: string; users: Record<Role, string>; tokens: Record<Role, string> }[];
  password: string;
}

/** The agreements each party signs at init, which the demo must see bind. */
const AGREEMENTS: Record<Party, string[]> = {
  JP: ['gsomia-jp-kr-2016', 'gsomia-us-jp-2007', 'tisa-2014'],
  KR: ['gsia-us-kr-1987', 'gsomia-jp-kr-2016', 'tisa-2014'],
  US: ['gsia-us-kr-1987', 'gsomia-us-jp-2007', 'tisa-2014'],
};
const READY = 'Ctrl-C stops the demo; `liaison demo` again resumes it.';
/** A stack trace line, or anything else only a developer should see. */
const TRACE = /^\s+at |node_modules|\.[jt]s:\d+:\d+/m;
const FINGERPRINT = /^([0-9a-f]{4}:){15}[0-9a-f]{4}$/;

/** Every process this file starts, killed in afterAll whatever happened. */
const children = new Set<ChildProcess>();
const env = () => ({
  ...process.env,
  LIAISON_PASSPHRASE: PASSPHRASE,
  LIAISON_TOKEN: '',
  LIAISON_NODE: '',
  LIAISON_DEBUG: '',
});

let cwd: string;
let dataDir: string;
let portBase: number;
let file: DemoFile;
let fileText: string;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A random base in 20000–40000 whose P+1..P+4 are free (P+4: a port nobody answers on). */
async function freePortBase(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = 20_000 + Math.floor(Math.random() * 20_000);
    const free = await Promise.all([1, 2, 3, 4].map((k) => portFree(p + k)));
    if (free.every(Boolean)) return p;
  }
  throw new Error('no free port base in 20000-40000');
}

interface Run {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** The `liaison` binary, asynchronously, so that calls can overlap. */
function cli(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, out, err });
    });
  });
}

/** Exit 0 and nothing on stderr. */
async function ok(args: readonly string[]): Promise<string> {
  const r = await cli(args);
  expect(r.err, `liaison ${args.join(' ')}`).toBe('');
  expect(r.code, `liaison ${args.join(' ')}`).toBe(0);
  return r.out;
}

/** A clear one-line error, no stack trace, nothing on stdout, a non-zero exit. */
async function fails(args: readonly string[], exit: number, message: RegExp): Promise<Run> {
  const r = await cli(args);
  expect(r.code, `liaison ${args.join(' ')}: ${r.err}`).toBe(exit);
  expect(r.out).toBe('');
  expect(r.err).toMatch(message);
  expect(r.err).not.toMatch(TRACE);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
  return r;
}

interface Demo {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `liaison demo`, resolved once it printed its table and demo.json exists. */
/** Starts `liaison demo`; with `base` null, without --port-base. */
function startDemo(dir = dataDir, base: number | null = portBase): Promise<Demo> {
  const ports = base === null ? [] : ['--port-base', String(base)];
  const child = spawn(process.execPath, [BIN, 'demo', ...ports, '--data', dir], {
    cwd,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      r({ code, signal });
    }),
  );
  const demo: Demo = { child, out: '', err: '', exited };
  child.stdout?.on('data', (d: Buffer) => {
    demo.out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    demo.err += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the demo did not get ready:\n${demo.out}${demo.err}`)),
      90_000,
    );
    const check = () => {
      if (demo.out.includes(READY) && existsSync(join(dir, 'demo.json'))) {
        clearTimeout(timer);
        resolve(demo);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code ?? signal}):\n${demo.out}${demo.err}`));
    });
  });
}

/** Ctrl-C: resolves to how the demo exited, or fails after 15 s. */
async function interrupt(demo: Demo): Promise<{ code: number | null; signal: string | null }> {
  demo.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the demo did not stop within 15 s')), 15_000);
  });
  try {
    return await Promise.race([demo.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ctrl-C, and the demo said it stopped and exited 0. Only call it a while after the
 * table: src/cli/demo.ts prints the table before it installs its SIGINT handler, so
 * a Ctrl-C in between kills it by the signal (seen about 1 run in 15).
 */
async function stopped(demo: Demo): Promise<void> {
  const how = await interrupt(demo);
  const said = `stdout:\n${demo.out}\nstderr:\n${demo.err}`;
  expect(how, said).toEqual({ code: 0, signal: null });
  expect(demo.out.trimEnd().split('\n').at(-1), said).toBe('liaison demo: stopped');
  expect(demo.out, said).not.toMatch(TRACE);
  expect(demo.err, said).not.toMatch(TRACE);
}

/**
 * After a failure: stop the demo without asserting anything, so that the first
 * failure is the one reported. (A Ctrl-C right after the table can still find no
 * handler: see the race noted at `stopped`.)
 */
async function halt(demo: Demo): Promise<void> {
  if (demo.child.exitCode !== null || demo.child.signalCode !== null) return;
  await interrupt(demo).catch(() => demo.child.kill('SIGKILL'));
}

const node = (p: Party) => {
  const n = file.nodes.find((x) => x.party === p);
  if (n === undefined) throw new Error(`no ${p} in demo.json`);
  return n;
};
const url = (p: Party) => node(p).url;
const tok = (p: Party, r: Role) => node(p).tokens[r];
/** --node and --token for a party and role. */
const as = (p: Party, r: Role) => ['--node', url(p), '--token', tok(p, r)];

async function inbox(p: Party): Promise<Json[]> {
  const r = await http(url(p), 'GET', '/v1/inbox', tok(p, 'officer'));
  expect(r.status).toBe(200);
  return r.body as Json[];
}

async function logSize(p: Party): Promise<number> {
  const r = await http(url(p), 'GET', '/v1/log/checkpoint?format=json', tok(p, 'auditor'));
  expect(r.status).toBe(200);
  return (r.body as { size: number }).size;
}

async function cliInbox(p: Party): Promise<Json[]> {
  return JSON.parse(await ok(['inbox', ...as(p, 'officer'), '--json'])) as Json[];
}

/**
 * The item's entry in p's inbox as `liaison inbox --json` prints it, once it arrived:
 * waited for through the API (a CLI call a tenth of a second would load the machine),
 * then read once with the CLI.
 */
async function cliInboxEntry(what: string, p: Party, id: string | undefined): Promise<Json> {
  await waitFor(what, async () => (await inbox(p)).some((e) => e.item === id));
  const entry = (await cliInbox(p)).find((e) => e.item === id);
  if (entry === undefined) throw new Error(`${id} is in ${p}'s inbox but not in the CLI's`);
  return entry;
}

/** An item created on JP by its releasing authority, through the CLI; its id. */
async function createJp(marking: string, title: string): Promise<string> {
  const id = (
    await ok([
      'item',
      'create',
      ...as('JP', 'releasing-authority'),
      '--marking',
      marking,
      '--category',
      'dprk-missile',
      '--title',
      title,
      '--body',
      `${title}: body`,
    ])
  ).trim();
  expect(id).toMatch(/^jp-[0-9a-f-]{36}$/);
  return id;
}

/** p's consent requests one way, through the API (to wait on: no CLI call a tenth of a second). */
async function consentsApi(p: Party, direction: string, role: Role): Promise<Json[]> {
  const r = await http(url(p), 'GET', `/v1/consents/requests?direction=${direction}`, tok(p, role));
  expect(r.status).toBe(200);
  return r.body as Json[];
}

/** p's consent requests one way as `liaison consent list --json` prints them. */
async function consentsCli(p: Party, direction: string, role: Role): Promise<Json[]> {
  return JSON.parse(
    await ok(['consent', 'list', '--direction', direction, ...as(p, role), '--json']),
  ) as Json[];
}

/** Outgoing consent request `id` on `p`, once its status is `status` (read with the CLI). */
async function consentSettled(p: Party, id: string, status: string): Promise<Json> {
  const is = (r: Json) => r.id === id && r.status === status;
  await waitFor(`${p}'s consent request ${id} to be ${status}`, async () =>
    (await consentsApi(p, 'outgoing', 'officer')).some(is),
  );
  const row = (await consentsCli(p, 'outgoing', 'officer')).find(is);
  if (row === undefined) throw new Error(`the CLI does not list ${id} as ${status}`);
  return row;
}

/** An incoming consent request `id` on JP, once it has arrived (read with the CLI). */
async function consentArrived(id: string): Promise<Json> {
  await waitFor(`the consent request ${id} to reach JP`, async () =>
    (await consentsApi('JP', 'incoming', 'releasing-authority')).some((r) => r.id === id),
  );
  const row = (await consentsCli('JP', 'incoming', 'releasing-authority')).find((r) => r.id === id);
  if (row === undefined) throw new Error(`the CLI does not list the consent request ${id}`);
  return row;
}

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`build first: ${BIN} is missing (npm test builds it)`);
  cwd = mkdtempSync(join(tmpdir(), 'liaison-demo-'));
  dataDir = join(cwd, 'demo-data');
  portBase = await freePortBase();
});

afterAll(async () => {
  const gone = [...children].map(
    (c) =>
      new Promise<void>((resolve) =>
        (c.exitCode ?? c.signalCode) === null ? c.once('exit', () => resolve()) : resolve(),
      ),
  );
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(gone);
  if (cwd !== undefined) rmSync(cwd, { recursive: true, force: true });
});

describe('liaison demo', () => {
  let demo: Demo;
  /** Items the CLI created in step 3: released to KR; forwarded by US to KR; refused consent. */
  const made = { released: '', forwarded: '', refused: '' };
  const before: Partial<Record<Party, number>> = {};
  let krInboxBefore: Json[] = [];

  it('starts JP, KR and US on P+1..P+3, writes demo.json and prints the same for people', async () => {
    demo = await startDemo();
    fileText = readFileSync(join(dataDir, 'demo.json'), 'utf8');
    file = JSON.parse(fileText) as DemoFile;
    expect(Object.keys(file).sort()).toEqual(['nodes', 'password']);
    expect(file.password).toBe('liaison-demo-password');
    expect(file.nodes.map((n) => n.party)).toEqual(['JP', 'KR', 'US']);
    file.nodes.forEach((n, i) => {
      expect(Object.keys(n).sort()).toEqual(['party', 'tokens', 'url', 'users']);
      expect(n.url).toBe(`http://127.0.0.1:${portBase + i + 1}`);
      expect(Object.keys(n.tokens).sort()).toEqual([...ROLES].sort());
      // Usernames as the README and the demo's table say them: <party>-<role>.
      expect(n.users).toEqual(
        Object.fromEntries(ROLES.map((r) => [r, `${n.party.toLowerCase()}-${r}`])),
      );
      for (const r of ROLES) {
        expect(typeof n.tokens[r]).toBe('string');
        expect(n.tokens[r].length).toBeGreaterThan(0);
      }
    });
    const all = file.nodes.flatMap((n) => Object.values(n.tokens));
    expect(new Set(all).size).toBe(15);

    expect(demo.out).toContain(
      `Liaison demo started: three nodes on loopback (${dataDir}/demo.json has the same)`,
    );
    for (const n of file.nodes) {
      expect(demo.out).toContain(`initialized ${n.party} in ${join(dataDir, n.party)}`);
      // The table: party and url on the first row of the party, then role, username and token per row.
      expect(demo.out).toMatch(new RegExp(`^${n.party}\\s+${n.url}\\s+\\S+\\s+\\S+\\s+lsn_`, 'm'));
      for (const r of ROLES) {
        expect(demo.out).toMatch(new RegExp(`\\s${r}\\s+${n.users[r]}\\s+${n.tokens[r]}$`, 'm'));
      }
    }
    expect(demo.err).not.toMatch(TRACE);
  }, 100_000);

  it('every person in demo.json signs in with their username and the demo password (kr-admin too)', async () => {
    for (const n of file.nodes) {
      for (const r of ROLES) {
        const username = n.users[r];
        const s = await http(n.url, 'POST', '/v1/session', undefined, {
          username,
          password: file.password,
        });
        expect(s.status, `${username} signs in at ${n.party}: ${s.text}`).toBe(201);
        const token = (s.body as { token: string }).token;
        const me = await http(n.url, 'GET', '/v1/me', token);
        expect(me.status).toBe(200);
        expect((me.body as { user: string }).user).toBe(username);
      }
    }
    // The old name is gone: there is no `admin` on a demo node.
    const old = await http(file.nodes[1]?.url ?? '', 'POST', '/v1/session', undefined, {
      username: 'admin',
      password: file.password,
    });
    expect(old.status).toBe(401);
  });

  it('replayed a short exchange: KR’s inbox, every log, every agreement binding', async () => {
    expect(demo.out).toMatch(/JP released jp-\S+ to KR \(marked 군사II급비밀\) and US/);
    expect(demo.out).toMatch(/US forwarded jp-\S+ to KR with JP's consent/);
    expect(demo.out).not.toContain('did not complete');

    const kr = await inbox('KR');
    expect(kr.length).toBeGreaterThan(0);
    expect(kr).toContainEqual(
      expect.objectContaining({
        from: 'JP',
        title: 'Launch report: two SRBMs from the Sunan area',
        marking: expect.objectContaining({ party: 'KR', code: 'II', name: '군사II급비밀' }),
        originatorMarking: expect.objectContaining({ party: 'JP', code: 'GOKUHI', name: '極秘' }),
      }),
    );
    expect(kr).toContainEqual(
      expect.objectContaining({
        from: 'US',
        title: 'Track summary',
        marking: expect.objectContaining({ party: 'KR', code: 'III' }),
        originatorMarking: expect.objectContaining({ party: 'JP', code: 'HI' }),
      }),
    );
    // US holds both JP items too, and the FLASH alert of the launch exercise.
    const us = await inbox('US');
    expect(us.map((e) => e.title).sort()).toEqual(
      [
        'Launch report: two SRBMs from the Sunan area',
        'Track summary',
        "2 × SRBM launched from Sunan, Pyongyang toward ENE; impact outside Japan's EEZ",
      ].sort(),
    );
    // JP sees KR's acknowledgement of the alert.
    const alerts = (await http(url('JP'), 'GET', '/v1/alerts', tok('JP', 'officer'))).body as {
      id: string;
    }[];
    expect(alerts.length).toBe(1);
    const shown = (
      await http(url('JP'), 'GET', `/v1/alerts/${alerts[0]?.id}`, tok('JP', 'officer'))
    ).body as { acks: { party: string; user: string }[] };
    expect(shown.acks).toEqual([expect.objectContaining({ party: 'KR', user: 'kr-officer' })]);

    for (const p of PARTIES) {
      expect(await logSize(p)).toBeGreaterThan(0);
      const note = await http(url(p), 'GET', '/v1/log/checkpoint', tok(p, 'auditor'));
      expect(note.text.split('\n')[0]).toBe(`liaison.demo/${p}`);

      const agreements = await http(url(p), 'GET', '/v1/agreements', tok(p, 'officer'));
      expect(agreements.status).toBe(200);
      const rows = agreements.body as Json[];
      expect(rows.map((a) => a.id).sort()).toEqual(AGREEMENTS[p]);
      for (const a of rows) {
        expect(a).toMatchObject({ binding: true, awaiting: [], state: 'in-force' });
        expect([...(a.signedBy as string[])].sort()).toEqual([...(a.parties as string[])].sort());
      }
    }
    // Witnessing by default: with no one asking, each node's log is cosigned by the other
    // two (the demo's nodes ask every 10 s while their logs grow; seen ~10 s after ready).
    for (const p of PARTIES) {
      const others = PARTIES.filter((q) => q !== p);
      const cosigned = await waitFor(
        `${p}'s log cosigned by ${others.join(' and ')}`,
        async () => {
          const r = await http(url(p), 'GET', '/v1/log/checkpoints', tok(p, 'auditor'));
          const rows = r.body as { size: number; cosignedBy: string[] }[];
          return rows.find((c) => others.every((q) => c.cosignedBy.includes(q)));
        },
        45_000,
      );
      expect(cosigned.size).toBeGreaterThan(0);
    }
  }, 60_000);

  it('the CLI verbs work against the demo with the printed tokens', async () => {
    // Create and release: the id printed alone, then a queued envelope with KR's marking.
    made.released = await createJp('GOKUHI', 'Demo test: second launch');
    const sent = await ok([
      'item',
      'release',
      made.released,
      '--to',
      'KR',
      ...as('JP', 'releasing-authority'),
    ]);
    expect(sent).toMatch(
      /^queued envelope [0-9a-f-]{36}: KR will mark it KR 군사II급비밀 \(SECRET\)\n$/,
    );
    const entry = await cliInboxEntry('the item in KR’s inbox (CLI)', 'KR', made.released);
    expect(entry).toMatchObject({
      from: 'JP',
      title: 'Demo test: second launch',
      marking: { party: 'KR', code: 'II', name: '군사II급비밀' },
      originatorMarking: { party: 'JP', code: 'GOKUHI', name: '極秘' },
    });
    const table = await ok(['inbox', ...as('KR', 'officer')]);
    expect(table).toMatch(
      new RegExp(
        `^${made.released}\\s+Demo test: second launch\\s+JP\\s+KR 군사II급비밀 \\(SECRET\\)\\s+JP 極秘 \\(SECRET\\)`,
        'm',
      ),
    );

    // --json on create: the item's summary.
    const created = JSON.parse(
      await ok([
        'item',
        'create',
        ...as('JP', 'releasing-authority'),
        '--marking',
        'HI',
        '--category',
        'dprk-missile',
        '--title',
        'Demo test: json',
        '--body',
        'b',
        '--json',
      ]),
    ) as Json;
    expect(created).toMatchObject({
      originator: 'JP',
      marking: { party: 'JP', code: 'HI' },
      categories: ['dprk-missile'],
    });
    expect(created.id).toMatch(/^jp-/);

    // Peers: each lists the other two, with the fingerprints the others agree on.
    const peers = Object.fromEntries(
      await Promise.all(
        PARTIES.map(
          async (p) =>
            [
              p,
              JSON.parse(await ok(['peer', 'list', ...as(p, 'officer'), '--json'])) as Json[],
            ] as const,
        ),
      ),
    ) as Record<Party, Json[]>;
    expect(peers.JP.map((x) => [x.party, x.url])).toEqual([
      ['KR', url('KR')],
      ['US', url('US')],
    ]);
    for (const p of PARTIES) {
      expect(peers[p]).toHaveLength(2);
      for (const x of peers[p]) {
        expect(x.fingerprint).toMatch(FINGERPRINT);
        expect(x.origin).toBe(`liaison.demo/${String(x.party)}`);
      }
    }
    const fp = (seenBy: Party, of: Party) => peers[seenBy].find((x) => x.party === of)?.fingerprint;
    expect(fp('JP', 'KR')).toBe(fp('US', 'KR'));
    expect(fp('JP', 'US')).toBe(fp('KR', 'US'));
    expect(fp('KR', 'JP')).toBe(fp('US', 'JP'));
    const peerTable = await ok(['peer', 'list', ...as('JP', 'officer')]);
    expect(peerTable).toContain(String(fp('JP', 'KR')));
    expect(peerTable).toContain(String(fp('JP', 'US')));

    // Refusals: a node's refusal exits 1 and names its code.
    await fails(
      ['item', 'release', made.released, '--to', 'US', ...as('JP', 'officer')],
      1,
      /^liaison: forbidden: this needs the role releasing-authority; you have officer\n$/,
    );
    const top = await createJp('KIMITSU', 'Demo test: top secret');
    await fails(
      ['item', 'release', top, '--to', 'KR', ...as('JP', 'releasing-authority')],
      1,
      /^liaison: level-not-covered: JP's 機密 \(TOP SECRET\) is in no equivalence row of gsomia-jp-kr-2016 that names KR\n$/,
    );
    const asJson = await fails(
      ['item', 'release', top, '--to', 'KR', ...as('JP', 'releasing-authority'), '--json'],
      1,
      /^\{"error":/,
    );
    expect(JSON.parse(asJson.err)).toMatchObject({
      error: {
        code: 'level-not-covered',
        status: 403,
        reasons: expect.arrayContaining([
          expect.objectContaining({ code: 'level-not-covered', rule: 'R4' }),
        ]),
      },
    });
    await fails(
      ['peer', 'add', url('KR'), '--fingerprint', String(fp('JP', 'US')), ...as('JP', 'admin')],
      1,
      /^liaison: fingerprint-mismatch: /,
    );

    // Consent granted: US asks JP, JP's releasing authority grants, US forwards to KR.
    made.forwarded = await createJp('GOKUHI', 'Demo test: consent granted');
    await ok(['item', 'release', made.forwarded, '--to', 'US', ...as('JP', 'releasing-authority')]);
    await cliInboxEntry('the item in US’s inbox', 'US', made.forwarded);
    await fails(
      ['item', 'forward', made.forwarded, '--to', 'KR', ...as('US', 'releasing-authority')],
      1,
      /^liaison: consent-required: /,
    );
    const req = JSON.parse(
      await ok([
        'consent',
        'request',
        '--item',
        made.forwarded,
        '--to',
        'KR',
        '--note',
        'KR needs it',
        ...as('US', 'officer'),
        '--json',
      ]),
    ) as Json;
    expect(req).toMatchObject({
      direction: 'outgoing',
      item: made.forwarded,
      originator: 'JP',
      holder: 'US',
      to: 'KR',
      status: 'pending',
    });
    const id = String(req.id);
    expect(await consentArrived(id)).toMatchObject({
      direction: 'incoming',
      holder: 'US',
      to: 'KR',
      status: 'pending',
    });
    // Only a releasing authority decides.
    await fails(
      ['consent', 'grant', id, '--reason', 'no', ...as('JP', 'officer')],
      1,
      /^liaison: forbidden: /,
    );
    const granted = await ok([
      'consent',
      'grant',
      id,
      '--reason',
      'TISA: US may pass it to KR',
      ...as('JP', 'releasing-authority'),
    ]);
    expect(granted).toMatch(/^granted: consent consent-[0-9a-f-]{36}\n$/);
    await consentSettled('US', id, 'granted');
    const fwd = await ok([
      'item',
      'forward',
      made.forwarded,
      '--to',
      'KR',
      ...as('US', 'releasing-authority'),
    ]);
    expect(fwd).toMatch(
      /^queued envelope [0-9a-f-]{36}: KR will mark it KR 군사II급비밀 \(SECRET\)\n$/,
    );
    expect(
      await cliInboxEntry('the forwarded item in KR’s inbox', 'KR', made.forwarded),
    ).toMatchObject({
      from: 'US',
      marking: { party: 'KR', code: 'II' },
      originatorMarking: { party: 'JP', code: 'GOKUHI' },
    });

    // Consent refused: the request settles as refused and the forward stays refused.
    made.refused = await createJp('HI', 'Demo test: consent refused');
    await ok(['item', 'release', made.refused, '--to', 'US', ...as('JP', 'releasing-authority')]);
    await cliInboxEntry('the second item in US’s inbox', 'US', made.refused);
    const asked = await ok([
      'consent',
      'request',
      '--item',
      made.refused,
      '--to',
      'KR',
      ...as('US', 'releasing-authority'),
    ]);
    const m =
      /^requested (creq-[0-9a-f-]{36}): JP to consent to US passing (\S+) \(Demo test: consent refused\) to KR\n$/.exec(
        asked,
      );
    expect(m?.[2]).toBe(made.refused);
    const refusedId = String(m?.[1]);
    await consentArrived(refusedId);
    expect(
      await ok([
        'consent',
        'refuse',
        refusedId,
        '--reason',
        'not this one',
        ...as('JP', 'releasing-authority'),
      ]),
    ).toBe(`refused ${refusedId}\n`);
    expect(await consentSettled('US', refusedId, 'refused')).toMatchObject({
      reason: 'not this one',
      consent: null,
    });
    await fails(
      [
        'consent',
        'grant',
        refusedId,
        '--reason',
        'changed my mind',
        ...as('JP', 'releasing-authority'),
      ],
      1,
      /^liaison: conflict: request \S+ was already refused\n$/,
    );
    await fails(
      ['item', 'forward', made.refused, '--to', 'KR', ...as('US', 'releasing-authority')],
      1,
      /^liaison: consent-required: /,
    );
    expect((await cliInbox('KR')).some((e) => e.item === made.refused)).toBe(false);

    // Bad input: a clear message, a non-zero exit, no stack trace.
    await fails(
      ['item', 'release', made.released, '--to', 'XX', ...as('JP', 'releasing-authority')],
      1,
      /^liaison: --to: unknown party 'XX'/,
    );
    await fails(
      [
        'item',
        'create',
        ...as('JP', 'releasing-authority'),
        '--category',
        'dprk-missile',
        '--title',
        't',
      ],
      2,
      /^liaison: required option '--marking <code>' not specified \(see: liaison item create --help\)\n$/,
    );
    await fails(
      ['consent', 'request', '--item', made.forwarded, '--to', 'XX', ...as('US', 'officer')],
      1,
      /^liaison: --to: 'XX' is no party this node knows \(known: [A-Z]+(, [A-Z]+)*\)\n$/,
    );
    await fails(
      ['consent', 'list', '--direction', 'sideways', ...as('JP', 'officer')],
      2,
      /^liaison: --direction must be incoming or outgoing, not 'sideways'\n$/,
    );
    await fails(
      ['inbox', '--node', url('KR'), '--token', 'lsn_wrong'],
      1,
      /^liaison: unauthenticated: /,
    );
    await fails(
      ['inbox', '--node', `http://127.0.0.1:${portBase + 4}`, '--token', tok('KR', 'officer')],
      3,
      /^liaison: cannot reach the node at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/,
    );
  }, 120_000);

  it('Ctrl-C stops it cleanly: exit 0 within seconds, no stack trace', async () => {
    // What the second run must still show.
    krInboxBefore = await inbox('KR');
    for (const p of PARTIES) before[p] = await logSize(p);
    const t0 = Date.now();
    await stopped(demo);
    expect(Date.now() - t0).toBeLessThan(10_000);
    // The three ports are free again.
    for (const k of [1, 2, 3]) expect(await portFree(portBase + k)).toBe(true);
  }, 30_000);

  it('run again on the same directory, it resumes: same demo.json, same tokens, same data', async () => {
    demo = await startDemo();
    expect(demo.out).toContain(
      `Liaison demo resumed: three nodes on loopback (${dataDir}/demo.json has the same)`,
    );
    // Nothing initialized or replayed again.
    expect(demo.out).not.toContain('initialized');
    expect(demo.out).not.toContain('released');
    expect(readFileSync(join(dataDir, 'demo.json'), 'utf8')).toBe(fileText);
    for (const n of file.nodes) {
      for (const r of ROLES) expect(demo.out).toContain(n.tokens[r]);
    }

    const kr = await cliInbox('KR');
    expect(kr.map((e) => e.envelope)).toEqual(krInboxBefore.map((e) => e.envelope));
    expect(kr.find((e) => e.item === made.released)).toMatchObject({
      from: 'JP',
      marking: { code: 'II' },
      originatorMarking: { code: 'GOKUHI' },
    });
    expect(kr.find((e) => e.item === made.forwarded)).toMatchObject({ from: 'US' });
    for (const p of PARTIES) expect(await logSize(p)).toBeGreaterThanOrEqual(before[p] ?? 1);
    const peers = JSON.parse(
      await ok(['peer', 'list', ...as('JP', 'officer'), '--json']),
    ) as Json[];
    expect(peers.map((x) => x.party)).toEqual(['KR', 'US']);

    // Still federated: a release after the restart arrives.
    await ok(['item', 'release', made.refused, '--to', 'KR', ...as('JP', 'releasing-authority')]);
    expect(
      await waitFor('the item released after the restart in KR’s inbox', async () =>
        (await inbox('KR')).find((e) => e.item === made.refused),
      ),
    ).toMatchObject({ from: 'JP', marking: { code: 'III' }, originatorMarking: { code: 'HI' } });

    await stopped(demo);
  }, 100_000);

  // The nodes told each other their URLs when they peered: a demo resumes on its own
  // ports (without --port-base), and another port base is refused with what to do.
  it('run again with another --port-base, it says which port base the demo has, and changes nothing', async () => {
    const before = readFileSync(join(dataDir, 'demo.json'), 'utf8');
    const stored = Number(new URL((JSON.parse(before) as DemoFile).nodes[0]?.url ?? '').port) - 1;
    const moved = await cli(['demo', '--port-base', String(stored + 10), '--data', dataDir]);
    expect(moved.code).toBe(2);
    expect(moved.err).toContain(`--port-base ${stored}`);
    expect(moved.err).not.toMatch(/^\s+at /m);
    expect(readFileSync(join(dataDir, 'demo.json'), 'utf8')).toBe(before);
    // Without --port-base, it resumes where it was.
    demo = await startDemo(dataDir, null);
    try {
      expect(demo.out).toContain('Liaison demo resumed');
      const f = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as DemoFile;
      for (const n of f.nodes) {
        const status = await fetch(`${n.url}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
          (r) => r.status,
          () => 0,
        );
        expect(status, `${n.party} at ${n.url}`).toBe(200);
      }
      await stopped(demo);
    } finally {
      await halt(demo);
    }
  }, 100_000);
});

// A node directory that a first run initialized before it was killed (before
// demo.json) is taken up by the next run: five working tokens per node all the same.
describe('liaison demo after a first start interrupted before demo.json', () => {
  it('still writes five working tokens for every node', async () => {
    const dir = join(cwd, 'interrupted');
    const base = await freePortBase();
    // What a Ctrl-C after "initialized JP" leaves behind: JP's directory, no demo.json.
    const init = await cli([
      'node',
      'init',
      '--party',
      'JP',
      '--data',
      join(dir, 'JP'),
      '--port',
      String(base + 1),
      '--json',
    ]);
    expect(init.code, init.err).toBe(0);
    const d = await startDemo(dir, base);
    try {
      const f = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as DemoFile;
      for (const n of f.nodes) {
        for (const r of ROLES) {
          expect(n.tokens[r], `${n.party}'s ${r} token in demo.json`).not.toBe('');
          const reply = await http(n.url, 'GET', '/v1/node', n.tokens[r]);
          expect(reply.status, `${n.party}'s ${r} token: ${reply.text}`).toBe(200);
        }
        const users = await http(n.url, 'GET', '/v1/users', n.tokens.admin);
        expect(users.status, `${n.party}'s admin lists users: ${users.text}`).toBe(200);
      }
      await stopped(d);
    } finally {
      await halt(d);
    }
  }, 100_000);
});
