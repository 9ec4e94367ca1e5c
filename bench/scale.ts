// Scale-out (issue 13): one node run as one or as two instances (processes) on one
// PostgreSQL database and NATS JetStream, measured in the same run, the two cases
// alternated (1, 2, 1, 2) because the machine is noisy:
//   - log appends/s: POST /v1/items (one `item.created` entry each) from this process,
//     the same load (concurrent keep-alive connections) on one instance or split
//     evenly over two;
//   - FLASH alert fan-out: alerts sent at JP (one process, SQLite) to KR, whose 2,000
//     officer sockets (held by this process) are on one instance or spread evenly
//     over two: delivered alerts/s, latency from the API call to each socket, lost and
//     duplicated deliveries, at a fixed offered rate and at saturation.
// For every window, each process's CPU (user + system, /proc/<pid>/stat): the node
// instances, JP, this process, PostgreSQL (this node's backends, the rest of the
// server), nats-server, and everything else on the machine.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import WebSocket from 'ws';
import type { Spread } from './alerts.js';
import { call, pool, wait } from './federation.js';
import { BIN, env, listeningUrl, type Started, start, stopped } from './processes.js';

const PG_ADMIN = process.env.LIAISON_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NATS = process.env.LIAISON_TEST_NATS ?? 'nats://127.0.0.1:4222';
const CORES = 2;
/** KR officers, one socket each, spread evenly over KR's instances. */
const SOCKETS = 2000;
/** Concurrent POST /v1/items, in total, split evenly over the writing instances. */
const APPEND_CONCURRENCY = 64;
const MAX_IN_FLIGHT = 16;
/** The fixed offered rate of the fan-out (alerts/s), well below saturation. */
const FIXED_RATE = 10;
/** The rate offered to find the most KR delivers (above what the machine can do). */
const SATURATION_RATE = 100;
const ACK_DEADLINE_SECONDS = 86_400;
const JP_KR = 'gsomia-jp-kr-2016';
/** The order of the rounds: 1 instance, 2, 1, 2. */
const ROUNDS = [1, 2, 1, 2] as const;

/** LIAISON_BENCH_SCALE_PARTS=appends (or fanout): one part only, while working on it. */
const PARTS = (process.env.LIAISON_BENCH_SCALE_PARTS ?? 'appends,fanout').split(',');

const log = (s: string) => process.stderr.write(`[scale bench] ${s}\n`);

// ------------------------------------------------------------------ CPU

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, 100 ticks/s). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** CPU seconds the whole machine has been busy (/proc/stat: all but idle and iowait). */
function machineBusySeconds(): number {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Every process whose command name is one of `names`: pid → CPU seconds. */
function processesNamed(names: readonly string[]): Map<number, { comm: string; cpu: number }> {
  const out = new Map<number, { comm: string; cpu: number }>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (names.includes(comm)) out.set(Number(d), { comm, cpu: cpuSeconds(Number(d)) });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

interface Snapshot {
  readonly at: number;
  readonly machine: number;
  readonly bench: NodeJS.CpuUsage;
  readonly named: ReadonlyMap<string, { pid: number; cpu: number }>;
  readonly servers: ReadonlyMap<number, { comm: string; cpu: number }>;
  /** Backends connected to the node's database. */
  readonly ours: ReadonlySet<number>;
}

/** CPU seconds per process over a window, and the window's wall time. */
export interface CpuWindow {
  readonly seconds: number;
  /** In order: the named processes, bench, PostgreSQL, NATS, the rest of the machine. */
  readonly used: readonly (readonly [string, number])[];
}

export const PG_OURS = "PostgreSQL: the node's backends";
export const PG_REST = 'PostgreSQL: rest of the server';
export const NATS_SERVER = 'nats-server';
export const OTHERS = 'other processes on the machine';
export const BENCH = 'bench process';

class CpuProbe {
  constructor(
    private readonly admin: pg.Client,
    private readonly database: string,
  ) {}

  async snap(named: Readonly<Record<string, number>>): Promise<Snapshot> {
    const ours = new Set(
      (
        await this.admin.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE datname = $1',
          [this.database],
        )
      ).rows.map((r) => r.pid),
    );
    return {
      at: performance.now(),
      machine: machineBusySeconds(),
      bench: process.cpuUsage(),
      named: new Map(Object.entries(named).map(([k, pid]) => [k, { pid, cpu: cpuSeconds(pid) }])),
      servers: processesNamed(['postgres', 'nats-server']),
      ours,
    };
  }

  /** What each process used between `a` and `b` (a server process born meanwhile from 0). */
  static between(a: Snapshot, b: Snapshot): CpuWindow {
    const used: [string, number][] = [];
    for (const [k, v] of b.named) {
      const before = a.named.get(k);
      used.push([k, before === undefined ? Number.NaN : v.cpu - before.cpu]);
    }
    used.push([BENCH, (b.bench.user - a.bench.user + (b.bench.system - a.bench.system)) / 1e6]);
    let pgOurs = 0;
    let pgRest = 0;
    let nats = 0;
    for (const [pid, v] of b.servers) {
      const d = v.cpu - (a.servers.get(pid)?.cpu ?? 0);
      if (v.comm === 'nats-server') nats += d;
      else if (b.ours.has(pid) || a.ours.has(pid)) pgOurs += d;
      else pgRest += d;
    }
    used.push([PG_OURS, pgOurs], [PG_REST, pgRest], [NATS_SERVER, nats]);
    const counted = used.reduce((s, [, c]) => s + (Number.isNaN(c) ? 0 : c), 0);
    used.push([OTHERS, Math.max(0, b.machine - a.machine - counted)]);
    return { seconds: (b.at - a.at) / 1000, used };
  }
}

// ------------------------------------------------------------------ processes

interface Instance {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
}

/** `liaison node init` on a PostgreSQL database, with an origin of its own. */
function initShared(
  party: string,
  database: string,
  origin: string,
  config: Readonly<Record<string, unknown>>,
): { dir: string; admin: string; fingerprint: string } {
  const dir = join(mkdtempSync(join(tmpdir(), `liaison-scale-${party}-`)), 'data');
  const r = spawnSync(
    process.execPath,
    [
      BIN,
      'node',
      'init',
      '--party',
      party,
      '--data',
      dir,
      '--port',
      '0',
      '--database',
      database,
      '--origin',
      origin,
      '--json',
    ],
    { encoding: 'utf8', env },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  const init = JSON.parse(r.stdout) as { admin: { token: string }; fingerprint: string };
  const path = join(dir, 'config.json');
  const current = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, `${JSON.stringify({ ...current, ...config }, null, 2)}\n`);
  return { dir, admin: init.admin.token, fingerprint: init.fingerprint };
}

/** `liaison node start --data DIR --nats … --instance NAME --port 0`. */
async function startInstance(dir: string, name: string): Promise<Instance> {
  const child = spawn(
    process.execPath,
    [BIN, 'node', 'start', '--data', dir, '--nats', NATS, '--instance', name, '--port', '0'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return { name, child, url: await listeningUrl(child, `instance ${name}`) };
}

async function serverUp(): Promise<string | null> {
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  try {
    await admin.connect();
  } catch {
    return 'no PostgreSQL server';
  } finally {
    await admin.end().catch(() => {});
  }
  const u = new URL(NATS.replace(/^nats:/, 'http:'));
  const ok = await new Promise<boolean>((r) => {
    const s = connect(Number(u.port || 4222), u.hostname, () => {
      s.destroy();
      r(true);
    });
    s.on('error', () => r(false));
  });
  return ok ? null : 'no NATS server';
}

// ------------------------------------------------------------------ statistics

const spreadOf = (xs: ArrayLike<number>): Spread => {
  const s = Float64Array.from(xs).sort();
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { n: s.length, p50: q(0.5) ?? Number.NaN, p99: q(0.99) ?? Number.NaN, max: q(1) ?? 0 };
};

// ------------------------------------------------------------------ appends

export interface AppendRound {
  readonly instances: number;
  readonly created: number;
  readonly errors: number;
  readonly perSecond: number;
  /** Log entries added over the window, read from the checkpoints before and after. */
  readonly entries: number;
  readonly latency: Spread;
  readonly cpu: CpuWindow;
}

function post(agent: Agent, base: URL, path: string, token: string, body: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** `concurrency` loops of POST /v1/items, spread evenly over `urls`, for `ms`. */
async function itemLoad(
  urls: readonly string[],
  token: string,
  concurrency: number,
  ms: number,
  marking: string,
): Promise<{ created: number; errors: number; latencies: number[]; seconds: number }> {
  const agents = urls.map(() => new Agent({ keepAlive: true, maxSockets: concurrency }));
  const bases = urls.map((u) => new URL(u));
  let created = 0;
  let errors = 0;
  let n = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  const end = t0 + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      const at = w % urls.length;
      const agent = agents[at] as Agent;
      const base = bases[at] as URL;
      while (performance.now() < end) {
        const body = JSON.stringify({
          marking,
          categories: ['dprk-missile'],
          title: `scale ${n++}`,
          body: 'b'.repeat(200),
        });
        const s = performance.now();
        try {
          const status = await post(agent, base, '/v1/items', token, body);
          if (status === 201) {
            created++;
            latencies.push(performance.now() - s);
          } else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const a of agents) a.destroy();
  return { created, errors, latencies, seconds };
}

async function logSize(url: string, token: string): Promise<number> {
  const cp = (await call(url, 'GET', '/v1/log/checkpoint?format=json', token)) as { size: number };
  return cp.size;
}

// ------------------------------------------------------------------ fan-out

/** `{"id":7,"type":"alert","alert":{"id":"…"` (the event id is optional). */
const HEAD = /^\{(?:"id":\d+,)?"type":"(\w+)","alert":\{"id":"([^"]+)"/;

interface Open {
  t0: number;
  readonly seen: Uint8Array;
  n: number;
  last: number;
  early: number[];
}

/** Every (alert × socket) arrival of one window, timed from just before its API call. */
class Tracker {
  readonly latencies: number[] = [];
  readonly lastPerAlert: number[] = [];
  private readonly open = new Map<string, Open>();
  private readonly done = new Map<string, () => void>();
  duplicates = 0;
  delivered = 0;
  lastArrival = 0;

  constructor(readonly sockets: number) {}

  private entry(id: string): Open {
    let e = this.open.get(id);
    if (e === undefined) {
      e = { t0: Number.NaN, seen: new Uint8Array(this.sockets), n: 0, last: 0, early: [] };
      this.open.set(id, e);
    }
    return e;
  }

  arrive(id: string, socket: number, t: number): void {
    const e = this.entry(id);
    if (e.seen[socket] === 1) {
      this.duplicates++;
      return;
    }
    e.seen[socket] = 1;
    e.n++;
    this.delivered++;
    this.lastArrival = t;
    if (t > e.last) e.last = t;
    if (Number.isNaN(e.t0)) e.early.push(t);
    else this.latencies.push(t - e.t0);
    if (e.n === this.sockets && !Number.isNaN(e.t0)) this.complete(id, e);
  }

  started(id: string, t0: number): void {
    const e = this.entry(id);
    e.t0 = t0;
    for (const t of e.early) this.latencies.push(t - t0);
    e.early = [];
    if (e.n === this.sockets) this.complete(id, e);
  }

  private complete(id: string, e: Open): void {
    this.lastPerAlert.push(e.last - e.t0);
    this.done.get(id)?.();
    this.done.delete(id);
  }

  whenDone(id: string, timeoutMs: number): Promise<boolean> {
    const e = this.open.get(id);
    if (e !== undefined && e.n === this.sockets) return Promise.resolve(true);
    return new Promise((ok) => {
      const timer = setTimeout(() => {
        this.done.delete(id);
        ok(false);
      }, timeoutMs);
      this.done.set(id, () => {
        clearTimeout(timer);
        ok(true);
      });
    });
  }

  /** Arrivals of alerts this window never sent. */
  get strays(): number {
    let s = 0;
    for (const e of this.open.values()) if (Number.isNaN(e.t0)) s += e.n;
    return s;
  }
}

class Sockets {
  private readonly all: WebSocket[] = [];
  sink: Tracker | null = null;
  strays = 0;
  unexpectedCloses = 0;
  private closing = false;

  open(url: string, token: string, index: number): Promise<void> {
    return new Promise<void>((ok, fail) => {
      const ws = new WebSocket(url, {
        headers: { authorization: `Bearer ${token}` },
        perMessageDeflate: false,
      });
      this.all.push(ws);
      let ready = false;
      ws.on('message', (data) => {
        const t = performance.now();
        const d = data as Buffer;
        if (!ready) {
          ready = true;
          if (d.toString('utf8').includes('"ready"')) ok();
          else fail(new Error(`first frame was not ready: ${d.toString('utf8').slice(0, 200)}`));
          return;
        }
        const m = HEAD.exec(d.toString('latin1', 0, 200));
        if (m === null || m[1] !== 'alert' || this.sink === null) {
          this.strays++;
          return;
        }
        this.sink.arrive(m[2] as string, index, t);
      });
      ws.on('error', (e) => {
        if (!ready) fail(e);
      });
      ws.on('close', (code) => {
        if (!ready) fail(new Error(`closed before ready (${code})`));
        else if (!this.closing) this.unexpectedCloses++;
      });
    });
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    const closed = this.all.map(
      (ws) =>
        new Promise<void>((r) => {
          if (ws.readyState === ws.CLOSED) r();
          else {
            ws.once('close', () => r());
            ws.terminate();
          }
        }),
    );
    this.all.length = 0;
    await Promise.all(closed);
    this.closing = false;
  }
}

export interface LoadFigures {
  readonly offeredPerSecond: number;
  readonly scheduled: number;
  readonly sent: number;
  readonly skipped: number;
  readonly errors: number;
  /** From the first call to the last frame (or to when delivery stalled). */
  readonly seconds: number;
  readonly deliveredAlertsPerSecond: number;
  readonly framesPerSecond: number;
  readonly expected: number;
  readonly received: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly strays: number;
  readonly latency: Spread;
  readonly lastPerAlert: Spread;
  readonly cpu: CpuWindow;
}

export interface FanOutRound {
  readonly instances: number;
  readonly fixed: LoadFigures;
  readonly saturated: LoadFigures;
}

export interface ScaleFigures {
  readonly skipped: string | null;
  readonly appendSeconds: number;
  readonly appends: readonly AppendRound[];
  readonly sockets: number;
  readonly fanOut: readonly FanOutRound[];
  readonly unexpectedCloses: number;
  readonly denied: number;
  readonly wallSeconds: number;
}

// ------------------------------------------------------------------ the run

export async function scaleFigures(quick: boolean): Promise<ScaleFigures> {
  const wall0 = performance.now();
  const empty = (skipped: string): ScaleFigures => ({
    skipped,
    appendSeconds: 0,
    appends: [],
    sockets: SOCKETS,
    fanOut: [],
    unexpectedCloses: 0,
    denied: 0,
    wallSeconds: 0,
  });
  const down = await serverUp();
  if (down !== null) return empty(down);

  const appendSeconds = quick ? 2 : 5;
  const fixedSeconds = quick ? 4 : 10;
  const saturationSeconds = quick ? 1.5 : 2.5;
  const tag = randomBytes(4).toString('hex');
  const dbName = `liaison_bench_scale_${tag}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(PG_ADMIN);
  dbUrl.pathname = `/${dbName}`;
  const probe = new CpuProbe(admin, dbName);

  let jp: Started | null = null;
  /** KR's instances: kr-1 always, kr-2 while two run. */
  const kr: { one: Instance | null; two: Instance | null } = { one: null, two: null };
  const sockets = new Sockets();
  try {
    const init = initShared('KR', dbUrl.toString(), `liaison.bench-${tag}/KR`, {
      alertAckDeadlineSeconds: ACK_DEADLINE_SECONDS,
    });
    const first = await startInstance(init.dir, 'kr-1');
    kr.one = first;
    /** Runs KR as `n` instances: kr-2 is started or stopped (kr-1 always runs). */
    const instances = async (n: number): Promise<Instance[]> => {
      if (n === 2 && kr.two === null) kr.two = await startInstance(init.dir, 'kr-2');
      if (n === 1 && kr.two !== null) {
        await stopped(kr.two.child);
        kr.two = null;
      }
      return kr.two === null ? [first] : [first, kr.two];
    };
    const pids = (running: readonly Instance[], extra: Record<string, number> = {}) => ({
      ...Object.fromEntries(running.map((i) => [i.name, i.child.pid ?? 0])),
      ...extra,
    });

    // ---------------------------------------------------------------- appends
    await call(first.url, 'POST', '/v1/users', init.admin, {
      username: 'kr-writer',
      clearance: 'II',
      needToKnow: ['dprk-missile'],
      roles: ['officer', 'auditor'],
    });
    const writer = String(
      (await call(first.url, 'POST', '/v1/users/kr-writer/tokens', init.admin, { label: 'bench' }))
        .token,
    );
    const appends: AppendRound[] = [];
    for (const n of PARTS.includes('appends') ? ROUNDS : []) {
      const running = await instances(n);
      const urls = running.map((i) => i.url);
      await itemLoad(urls, writer, APPEND_CONCURRENCY, 1500, 'II'); // warm-up
      const size0 = await logSize(first.url, writer);
      const a = await probe.snap(pids(running));
      const r = await itemLoad(urls, writer, APPEND_CONCURRENCY, appendSeconds * 1000, 'II');
      const b = await probe.snap(pids(running));
      const size1 = await logSize(first.url, writer);
      const round: AppendRound = {
        instances: n,
        created: r.created,
        errors: r.errors,
        perSecond: r.created / r.seconds,
        entries: size1 - size0,
        latency: spreadOf(r.latencies),
        cpu: CpuProbe.between(a, b),
      };
      appends.push(round);
      log(
        `appends, ${n} instance(s): ${round.perSecond.toFixed(0)}/s (${r.created} items, ${r.errors} errors, log +${round.entries}); cpu ${round.cpu.used.map(([k, c]) => `${k} ${c.toFixed(1)}`).join(', ')}`,
      );
    }

    // ---------------------------------------------------------------- fan-out
    if (!PARTS.includes('fanout'))
      return {
        ...empty(''),
        skipped: null,
        appendSeconds,
        appends,
        wallSeconds: (performance.now() - wall0) / 1000,
      };
    await instances(1);
    jp = await start('JP', undefined, { alertAckDeadlineSeconds: ACK_DEADLINE_SECONDS });
    const jpNode = jp;
    await call(jpNode.url, 'POST', '/v1/peers', jpNode.admin, {
      url: first.url,
      fingerprint: init.fingerprint,
    });
    await call(first.url, 'POST', '/v1/peers', init.admin, {
      url: jpNode.url,
      fingerprint: jpNode.fingerprint,
    });
    for (const [url, token] of [
      [jpNode.url, jpNode.admin],
      [first.url, init.admin],
    ] as const) {
      const end = Date.now() + 60_000;
      for (;;) {
        // Only the JP–KR agreement can bind (no US).
        const list = (await call(url, 'GET', '/v1/agreements', token)) as unknown as {
          id: string;
          binding: boolean;
        }[];
        if (list.some((x) => x.id === JP_KR && x.binding)) break;
        if (Date.now() > end) throw new Error(`${JP_KR} did not bind`);
        await wait(50);
      }
    }
    await call(jpNode.url, 'POST', '/v1/users', jpNode.admin, {
      username: 'bench-ra',
      clearance: 'KIMITSU',
      needToKnow: ['dprk-missile'],
      roles: ['releasing-authority', 'officer'],
    });
    const ra = String(
      (await call(jpNode.url, 'POST', '/v1/users/bench-ra/tokens', jpNode.admin, { label: 'b' }))
        .token,
    );
    const t0Users = performance.now();
    const tokens: string[] = [];
    await pool(SOCKETS, 32, async (i) => {
      const username = `officer-${String(i).padStart(4, '0')}`;
      await call(first.url, 'POST', '/v1/users', init.admin, {
        username,
        clearance: 'II',
        needToKnow: ['dprk-missile'],
        roles: ['officer'],
      });
      tokens[i] = String(
        (await call(first.url, 'POST', `/v1/users/${username}/tokens`, init.admin, { label: 'b' }))
          .token,
      );
    });
    log(`${SOCKETS} KR officers in ${((performance.now() - t0Users) / 1000).toFixed(1)} s`);

    let denied = 0;
    const send = async (): Promise<string> => {
      const r = (await call(jpNode.url, 'POST', '/v1/alerts', ra, { preset: 'launch' })) as {
        id: string;
        releases: { decision: string }[];
      };
      denied += r.releases.filter((x) => x.decision !== 'allow').length;
      return r.id;
    };

    /** `rate` alerts/s offered for `seconds` (≤ 16 in flight; one due meanwhile is skipped). */
    const offer = async (
      rate: number,
      seconds: number,
      running: readonly Instance[],
    ): Promise<LoadFigures> => {
      const tracker = new Tracker(SOCKETS);
      sockets.sink = tracker;
      const named = pids(running, { JP: jpNode.child.pid ?? 0 });
      const a = await probe.snap(named);
      const scheduled = Math.round(rate * seconds);
      let inFlight = 0;
      let sent = 0;
      let skipped = 0;
      let errors = 0;
      const begin = performance.now();
      for (let k = 0; k < scheduled; k++) {
        const ahead = begin + (k * 1000) / rate - performance.now();
        if (ahead > 0.5) await wait(ahead);
        if (inFlight >= MAX_IN_FLIGHT) {
          skipped++;
          continue;
        }
        inFlight++;
        const t0 = performance.now();
        send().then(
          (id) => {
            tracker.started(id, t0);
            sent++;
            inFlight--;
          },
          (e: unknown) => {
            errors++;
            inFlight--;
            if (errors <= 3) log(`send failed: ${e instanceof Error ? e.message : String(e)}`);
          },
        );
      }
      while (inFlight > 0) await wait(5);
      // Drain: until every socket has every alert, or nothing arrived for 5 s.
      let progress = tracker.delivered;
      let progressAt = performance.now();
      while (tracker.delivered < sent * SOCKETS && performance.now() - progressAt < 5_000) {
        await wait(20);
        if (tracker.delivered !== progress) {
          progress = tracker.delivered;
          progressAt = performance.now();
        }
      }
      const b = await probe.snap(named);
      sockets.sink = null;
      const end = Math.max(tracker.lastArrival, begin);
      const s = (end - begin) / 1000;
      const expected = sent * SOCKETS;
      return {
        offeredPerSecond: rate,
        scheduled,
        sent,
        skipped,
        errors,
        seconds: s,
        deliveredAlertsPerSecond: tracker.delivered / SOCKETS / s,
        framesPerSecond: tracker.delivered / s,
        expected,
        received: tracker.delivered,
        lost: expected - (tracker.delivered - tracker.strays),
        duplicates: tracker.duplicates,
        strays: tracker.strays,
        latency: spreadOf(tracker.latencies),
        lastPerAlert: spreadOf(tracker.lastPerAlert),
        cpu: CpuProbe.between(a, b),
      };
    };

    const fanOut: FanOutRound[] = [];
    for (const n of ROUNDS) {
      const running = await instances(n);
      const t0Sockets = performance.now();
      await pool(SOCKETS, 50, (i) => {
        const at = running[i % running.length] as Instance;
        return sockets.open(
          `${at.url.replace(/^http/, 'ws')}/v1/alerts/stream`,
          tokens[i] as string,
          i,
        );
      });
      log(
        `${SOCKETS} sockets on ${n} instance(s) in ${((performance.now() - t0Sockets) / 1000).toFixed(1)} s`,
      );
      // Warm-up: a few alerts, each awaited on every socket.
      const warm = new Tracker(SOCKETS);
      sockets.sink = warm;
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        const id = await send();
        warm.started(id, t0);
        if (!(await warm.whenDone(id, 5_000))) log(`warm-up alert ${id} missed some sockets`);
      }
      await wait(200);
      sockets.sink = null;
      const fixed = await offer(FIXED_RATE, fixedSeconds, running);
      const saturated = await offer(SATURATION_RATE, saturationSeconds, running);
      fanOut.push({ instances: n, fixed, saturated });
      for (const [what, f] of [
        ['fixed', fixed],
        ['saturated', saturated],
      ] as const)
        log(
          `fan-out ${what}, ${n} instance(s): sent ${f.sent}/${f.scheduled}, ${f.deliveredAlertsPerSecond.toFixed(1)} alerts/s delivered, p50 ${f.latency.p50.toFixed(0)} p99 ${f.latency.p99.toFixed(0)} ms, lost ${f.lost}, dup ${f.duplicates}; cpu ${f.cpu.used.map(([k, c]) => `${k} ${c.toFixed(1)}`).join(', ')}`,
        );
      await sockets.closeAll();
    }
    return {
      skipped: null,
      appendSeconds,
      appends,
      sockets: SOCKETS,
      fanOut,
      unexpectedCloses: sockets.unexpectedCloses,
      denied,
      wallSeconds: (performance.now() - wall0) / 1000,
    };
  } finally {
    await sockets.closeAll();
    await Promise.all(
      [jp?.child, kr.one?.child, kr.two?.child]
        .filter((c): c is ChildProcess => c !== undefined)
        .map((c) => stopped(c)),
    );
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
    await admin.end().catch(() => {});
  }
}

// ------------------------------------------------------------------ rows

type Row = [string, string, string];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const roundName = (k: number, n: number) =>
  `${n} instance${n === 1 ? '' : 's'} (${'AB'[Math.floor(k / 2)] ?? '?'})`;

/** One row per process: its CPU seconds and share of the cores in each round. */
function cpuRows(what: string, windows: readonly { instances: number; cpu: CpuWindow }[]): Row[] {
  const labels: string[] = [];
  for (const w of windows) for (const [k] of w.cpu.used) if (!labels.includes(k)) labels.push(k);
  const rows: Row[] = labels.map((label) => [
    `${what}: CPU of ${label}, seconds (share of the ${CORES} cores) per round`,
    windows
      .map((w, k) => {
        const c = w.cpu.used.find(([l]) => l === label)?.[1];
        const name = roundName(k, w.instances);
        return c === undefined
          ? `${name} —`
          : `${name} ${c.toFixed(2)} s (${((c / (CORES * w.cpu.seconds)) * 100).toFixed(0)}%)`;
      })
      .join('; '),
    '(reported)',
  ]);
  rows.push([
    `${what}: the machine busy (all processes) over the window`,
    windows
      .map((w, k) => {
        const busy = w.cpu.used.reduce((s, [, c]) => s + (Number.isNaN(c) ? 0 : c), 0);
        return `${roundName(k, w.instances)} ${((busy / (CORES * w.cpu.seconds)) * 100).toFixed(0)}% of ${w.cpu.seconds.toFixed(1)} s`;
      })
      .join('; '),
    '(reported)',
  ]);
  return rows;
}

/** CPU ms per unit of work (an item, an alert delivered to every socket), per process. */
function perUnitRow(
  what: string,
  windows: readonly { instances: number; cpu: CpuWindow; units: number }[],
): Row {
  return [
    `${what}: CPU ms, each process (PG: the node's backends; the machine's other processes left out)`,
    windows
      .map(
        (w, k) =>
          `${roundName(k, w.instances)} ${w.cpu.used
            .filter(([l]) => l !== OTHERS && l !== PG_REST)
            .map(
              ([l, c]) =>
                `${l.replace(PG_OURS, 'PG').replace(BENCH, 'bench').replace(NATS_SERVER, 'NATS')} ${((c * 1000) / w.units).toFixed(c * 1000 < 10 * w.units ? 2 : 1)}`,
            )
            .join(', ')}`,
      )
      .join('; '),
    '(reported)',
  ];
}

export async function scaleRows(quick: boolean): Promise<Row[]> {
  const f = await scaleFigures(quick);
  if (f.skipped !== null)
    return [['scale-out (PostgreSQL + NATS)', `not measured (${f.skipped})`, '']];
  const rows: Row[] = [];
  const per = <T extends { instances: number }>(xs: readonly T[], show: (x: T) => string) =>
    xs.map((x, k) => `${roundName(k, x.instances)} ${show(x)}`).join('; ');
  rows.push(
    [
      `log appends/s, one node on PostgreSQL + NATS: POST /v1/items (one entry each) from the bench process, ${APPEND_CONCURRENCY} keep-alive connections split evenly over the writing instances, ${f.appendSeconds} s per round, rounds alternated`,
      per(f.appends, (a) => `${fmt(a.perSecond)}/s`),
      '(reported)',
    ],
    [
      'same: items created / errors / log entries added; latency p50 / p99 (ms)',
      per(
        f.appends,
        (a) =>
          `${fmt(a.created)} / ${a.errors} / ${fmt(a.entries)}; ${ms(a.latency.p50)} / ${ms(a.latency.p99)}`,
      ),
      '(reported)',
    ],
    ...cpuRows('appends', f.appends),
    perUnitRow(
      'appends, per item created',
      f.appends.map((a) => ({ ...a, units: a.created })),
    ),
  );
  const fixed = f.fanOut.map((r) => ({ instances: r.instances, ...r.fixed }));
  const sat = f.fanOut.map((r) => ({ instances: r.instances, ...r.saturated }));
  const load = (what: string, xs: typeof fixed, goal: string): Row[] => [
    [
      `FLASH fan-out, ${what}: POST /v1/alerts at JP (1 process, SQLite) → ${fmt(f.sockets)} KR officer sockets (distinct officers, spread evenly over KR's instances, held by the bench process; no US): alerts sent / offered, delivered alerts/s (frames/s)`,
      per(
        xs,
        (x) =>
          `${fmt(x.sent)} / ${fmt(x.scheduled)}, ${x.deliveredAlertsPerSecond.toFixed(1)}/s (${fmt(x.framesPerSecond)})`,
      ),
      goal,
    ],
    [
      `same: latency API call → frame, all deliveries p50 / p99; per alert, last socket p99 (ms)`,
      per(xs, (x) => `${ms(x.latency.p50)} / ${ms(x.latency.p99)}; last ${ms(x.lastPerAlert.p99)}`),
      '(reported)',
    ],
    [
      'same: lost (sent × sockets − received) / duplicated / stray deliveries',
      per(
        xs,
        (x) => `${fmt(x.lost)} / ${fmt(x.duplicates)} / ${fmt(x.strays)} of ${fmt(x.expected)}`,
      ),
      'all 0',
    ],
    ...cpuRows(`fan-out ${what}`, xs),
    perUnitRow(
      `fan-out ${what}, per alert delivered to all ${fmt(f.sockets)} sockets`,
      xs.map((x) => ({ ...x, units: x.received / f.sockets })),
    ),
  ];
  rows.push(
    ...load(`${FIXED_RATE} alerts/s offered`, fixed, `${FIXED_RATE}/s`),
    ...load(
      `${SATURATION_RATE} alerts/s offered (saturation: ≤ ${MAX_IN_FLIGHT} in flight)`,
      sat,
      '(max)',
    ),
    [
      'releases refused; sockets closed by a node; section wall time',
      `${f.denied}; ${f.unexpectedCloses}; ${f.wallSeconds.toFixed(0)} s`,
      '0; 0; < 180 s',
    ],
  );
  return rows;
}
