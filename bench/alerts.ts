// FLASH alerts end to end: three node processes (JP, KR, US) peered on loopback, 1,000
// officers' sockets on KR and 1,000 on US held by this process, alerts sent at JP by
// HTTP. Measured on one clock (this process's performance.now()): from just before the
// API call to the arrival of that alert's frame on each socket. In the same run, a
// bare `ws` server in a process of its own broadcasting a frame of the same size to as
// many sockets, and a sustained load of 100 alerts/s with each node's memory sampled.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { openSqlite } from '../src/store/db.js';
import { call, pool, wait } from './federation.js';
import { listeningUrl, type Started, start, stopped } from './processes.js';

/** Officers per receiving node, one socket each. */
const OFFICERS = 1000;
const SOCKETS = 2 * OFFICERS;
const WARMUP = 5;
const PAUSE_MS = 20;
const SUSTAINED_RATE = 100;
const MAX_IN_FLIGHT = 16;
/** Each node's acknowledgement deadline: no escalation fires during the run. */
const ACK_DEADLINE_SECONDS = 86_400;

export interface Spread {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface Rss {
  readonly start: number;
  readonly max: number;
  readonly end: number;
}

export interface AlertFigures {
  readonly officersPerNode: number;
  readonly sockets: number;
  readonly rounds: number;
  /** Bytes of the alert frame as KR's and US's officers receive it. */
  readonly frameBytes: { readonly KR: number; readonly US: number };
  readonly ours: {
    readonly all: Spread;
    /** Per alert, the first of the sockets: the hop JP → KR/US before the fan-out. */
    readonly firstPerAlert: Spread;
    readonly lastPerAlert: Spread;
    /** This process's event-loop delay meanwhile: its own part in the arrival times. */
    readonly benchLoopDelay: Spread;
    /** Share of the 2 cores used meanwhile by processes outside this benchmark. */
    readonly otherCpuShare: number;
    /** API call → its 201 response. */
    readonly api: Spread;
    readonly missing: number;
    readonly expected: number;
    /** CPU time of each node process per alert (10 ms ticks, averaged over the rounds). */
    readonly cpuMsPerAlert: Record<'JP' | 'KR' | 'US', number>;
  };
  readonly bare: {
    readonly all: Spread;
    readonly firstPerAlert: Spread;
    readonly lastPerAlert: Spread;
    readonly benchLoopDelay: Spread;
    readonly otherCpuShare: number;
    readonly missing: number;
    readonly expected: number;
    /** CPU time of the bare server per broadcast to all the sockets. */
    readonly cpuMsPerBroadcast: number;
  };
  readonly sustained: {
    readonly seconds: number;
    readonly sockets: number;
    readonly scheduled: number;
    readonly sent: number;
    readonly skipped: number;
    readonly errors: number;
    /** Accepted alerts per second over the time from the first call to the last answer. */
    readonly achievedPerSecond: number;
    readonly sendSeconds: number;
    readonly minPerSocket: number;
    readonly expected: number;
    readonly received: number;
    readonly lost: number;
    /** From the last answer until every frame arrived (or delivery stalled). */
    readonly drainSeconds: number;
    readonly latency: Spread;
    readonly lastPerAlert: Spread;
    readonly api: Spread;
    readonly benchLoopDelay: Spread;
    readonly rssMb: Record<'JP' | 'KR' | 'US', Rss>;
    /** CPU seconds used during the sending and draining, per process. */
    readonly cpuSeconds: Record<'JP' | 'KR' | 'US' | 'bench', number>;
    /** CPU seconds used meanwhile by every other process on the machine. */
    readonly otherCpuSeconds: number;
  };
  /** Releases to KR or US refused, over every alert sent (should be 0). */
  readonly denied: number;
  /** Escalation frames (should be 0: the deadline is a day). */
  readonly escalations: number;
  readonly duplicates: number;
  readonly strays: number;
  readonly unexpectedCloses: number;
}

const log = (s: string) => process.stderr.write(`[alerts bench] ${s}\n`);
/** For profiles (LIAISON_BENCH_NODE_ARGS): a phase's window on the monotonic clock, in µs. */
const windowOf = (name: string, from: bigint) => {
  if (process.env.LIAISON_BENCH_NODE_ARGS)
    log(`${name} window µs ${from / 1000n} ${process.hrtime.bigint() / 1000n}`);
};

// ------------------------------------------------------------------ measuring

/** Latencies in 10 µs buckets up to 10 s (beyond: kept exactly); max kept exactly. */
class Latencies {
  private static readonly BUCKETS = 1_000_000;
  private readonly buckets = new Uint32Array(Latencies.BUCKETS);
  private readonly over: number[] = [];
  n = 0;
  max = 0;

  add(ms: number): void {
    this.n++;
    if (ms > this.max) this.max = ms;
    const b = Math.floor(Math.max(0, ms) * 100);
    if (b < Latencies.BUCKETS) this.buckets[b] = (this.buckets[b] ?? 0) + 1;
    else this.over.push(ms);
  }

  /** The p-quantile, to 10 µs (the bucket's upper edge, at most the max). */
  quantile(p: number): number {
    if (this.n === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(p * this.n));
    let seen = 0;
    for (let b = 0; b < Latencies.BUCKETS; b++) {
      seen += this.buckets[b] ?? 0;
      if (seen >= rank) return Math.min(this.max, (b + 1) / 100);
    }
    const rest = [...this.over].sort((a, c) => a - c);
    return rest[rank - seen - 1] ?? this.max;
  }

  spread(): Spread {
    return { n: this.n, p50: this.quantile(0.5), p99: this.quantile(0.99), max: this.max };
  }
}

/** An event-loop delay histogram (ns) in ms. */
const loopSpread = (h: ReturnType<typeof monitorEventLoopDelay>): Spread => ({
  n: h.count,
  p50: h.percentile(50) / 1e6,
  p99: h.percentile(99) / 1e6,
  max: h.max / 1e6,
});

const spreadOf = (xs: readonly number[]): Spread => {
  const l = new Latencies();
  for (const x of xs) l.add(x);
  return l.spread();
};

interface Open {
  t0: number;
  readonly seen: Uint8Array;
  n: number;
  first: number;
  last: number;
  early: number[];
}

/**
 * The deliveries of one phase: every (alert × socket) arrival, timed from just before
 * its API call (known only once the call answers: earlier arrivals wait for it).
 */
class Tracker {
  readonly latencies = new Latencies();
  readonly firstPerAlert: number[] = [];
  readonly lastPerAlert: number[] = [];
  readonly perSocket: Uint32Array;
  private readonly open = new Map<string, Open>();
  private readonly finished = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  duplicates = 0;
  delivered = 0;
  sent = 0;

  constructor(readonly sockets: number) {
    this.perSocket = new Uint32Array(sockets);
  }

  private entry(id: string): Open {
    let e = this.open.get(id);
    if (e === undefined) {
      e = {
        t0: Number.NaN,
        seen: new Uint8Array(this.sockets),
        n: 0,
        first: Number.POSITIVE_INFINITY,
        last: 0,
        early: [],
      };
      this.open.set(id, e);
    }
    return e;
  }

  arrive(id: string, socket: number, t: number): void {
    if (this.finished.has(id)) {
      this.duplicates++;
      return;
    }
    const e = this.entry(id);
    if (e.seen[socket] === 1) {
      this.duplicates++;
      return;
    }
    e.seen[socket] = 1;
    e.n++;
    this.perSocket[socket] = (this.perSocket[socket] ?? 0) + 1;
    this.delivered++;
    if (t > e.last) e.last = t;
    if (t < e.first) e.first = t;
    if (Number.isNaN(e.t0)) e.early.push(t);
    else {
      this.latencies.add(t - e.t0);
      if (e.n === this.sockets) this.finish(id, e);
    }
  }

  /** The API call for `id` started at `t0`. */
  started(id: string, t0: number): void {
    const e = this.entry(id);
    e.t0 = t0;
    this.sent++;
    for (const t of e.early) this.latencies.add(t - t0);
    e.early = [];
    if (e.n === this.sockets) this.finish(id, e);
  }

  private finish(id: string, e: Open): void {
    this.firstPerAlert.push(e.first - e.t0);
    this.lastPerAlert.push(e.last - e.t0);
    this.open.delete(id);
    this.finished.add(id);
    this.waiters.get(id)?.();
    this.waiters.delete(id);
  }

  /** Resolves true once every socket has `id`, false after `timeoutMs`. */
  whenDone(id: string, timeoutMs: number): Promise<boolean> {
    if (this.finished.has(id)) return Promise.resolve(true);
    return new Promise((ok) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        ok(false);
      }, timeoutMs);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        ok(true);
      });
    });
  }

  /** Deliveries still missing of the alerts sent. */
  get missing(): number {
    let m = 0;
    for (const e of this.open.values()) if (!Number.isNaN(e.t0)) m += this.sockets - e.n;
    return m;
  }

  /** Arrivals of alerts this phase never sent. */
  get strays(): number {
    let s = 0;
    for (const e of this.open.values()) if (Number.isNaN(e.t0)) s += e.n;
    return s;
  }

  minPerSocket(): number {
    let m = Number.POSITIVE_INFINITY;
    for (const c of this.perSocket) if (c < m) m = c;
    return m;
  }
}

// ------------------------------------------------------------------ sockets

/** `{"type":"alert","alert":{"id":"…"` — the id is read without parsing the frame. */
const HEAD = /^\{"type":"(\w+)","alert":\{"id":"([^"]+)"/;

class Sockets {
  readonly all: WebSocket[] = [];
  sink: Tracker | null = null;
  escalations = 0;
  strays = 0;
  unexpectedCloses = 0;
  closing = false;
  /** The byte size of the first alert frame seen by each group of sockets. */
  readonly frameBytes = new Map<string, number>();

  /** Opens a socket and waits for its first frame (`ready`). */
  open(url: string, headers: Record<string, string>, index: number, group: string) {
    return new Promise<void>((ok, fail) => {
      const ws = new WebSocket(url, { headers, perMessageDeflate: false });
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
        const m = HEAD.exec(d.toString('latin1', 0, 160));
        if (m === null) {
          this.strays++;
          return;
        }
        if (m[1] === 'alert') {
          if (!this.frameBytes.has(group)) this.frameBytes.set(group, d.length);
          if (this.sink === null) this.strays++;
          else this.sink.arrive(m[2] as string, index, t);
        } else if (m[1] === 'escalation') this.escalations++;
        else this.strays++;
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

  closeAll(): void {
    this.closing = true;
    for (const ws of this.all) ws.terminate();
    this.all.length = 0;
  }
}

// ------------------------------------------------------------------ processes

/** FLASH envelopes still pending in a node's outbox (its SQLite store, read only). */
function pendingFlash(dir: string): number {
  const db = openSqlite(join(dir, 'store.sqlite'), { readonly: true });
  try {
    return (
      db
        .prepare("SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND precedence = 0")
        .get() as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

/** CPU seconds the whole machine has been busy (/proc/stat: all but idle and iowait). */
function machineBusySeconds(): number {
  try {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    // user nice system idle iowait irq softirq steal (guest is counted in user)
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return Number.NaN;
  }
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? Number.NaN : Number(m[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}

/** User + system CPU seconds of a process so far (/proc/<pid>/stat, at 100 ticks/s). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function bareServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'bare-ws.js'), 'serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, url: await listeningUrl(child, 'the bare ws server') };
}

async function peerAll(nodes: Record<'JP' | 'KR' | 'US', Started>): Promise<void> {
  const parties = Object.keys(nodes) as ('JP' | 'KR' | 'US')[];
  for (const a of parties)
    for (const b of parties)
      if (a !== b)
        await call(nodes[a].url, 'POST', '/v1/peers', nodes[a].admin, {
          url: nodes[b].url,
          fingerprint: nodes[b].fingerprint,
        });
  for (const p of parties) {
    const end = Date.now() + 60_000;
    for (;;) {
      const list = (await call(
        nodes[p].url,
        'GET',
        '/v1/agreements',
        nodes[p].admin,
      )) as unknown as { binding: boolean }[];
      if (list.length > 0 && list.every((a) => a.binding)) break;
      if (Date.now() > end) throw new Error(`${p}'s agreements did not bind`);
      await wait(50);
    }
  }
}

async function userToken(
  node: Started,
  username: string,
  clearance: string,
  roles: string[],
): Promise<string> {
  await call(node.url, 'POST', '/v1/users', node.admin, {
    username,
    clearance,
    needToKnow: ['dprk-missile'],
    roles,
  });
  return String(
    (await call(node.url, 'POST', `/v1/users/${username}/tokens`, node.admin, { label: 'bench' }))
      .token,
  );
}

// ------------------------------------------------------------------ the run

export async function alertFigures(quick: boolean): Promise<AlertFigures> {
  const rounds = quick ? 30 : 200;
  const sustainedSeconds = quick ? 10 : 60;
  const config = { alertAckDeadlineSeconds: ACK_DEADLINE_SECONDS };
  const nodes: Partial<Record<'JP' | 'KR' | 'US', Started>> = {};
  const sockets = new Sockets();
  const bareSockets = new Sockets();
  let bare: { child: ChildProcess; url: string } | null = null;
  let sampler: NodeJS.Timeout | null = null;
  try {
    for (const p of ['JP', 'KR', 'US'] as const) nodes[p] = await start(p, undefined, config);
    const { JP: jp, KR: kr, US: us } = nodes as Record<'JP' | 'KR' | 'US', Started>;
    await peerAll({ JP: jp, KR: kr, US: us });
    log('three nodes peered, agreements binding');

    const ra = await userToken(jp, 'bench-ra', 'KIMITSU', ['releasing-authority', 'officer']);
    const t0Users = performance.now();
    const tokens: Record<'KR' | 'US', string[]> = { KR: [], US: [] };
    for (const [p, node, clearance] of [
      ['KR', kr, 'II'],
      ['US', us, 'S'],
    ] as const) {
      await pool(OFFICERS, 16, async (i) => {
        tokens[p][i] = await userToken(node, `officer-${String(i).padStart(4, '0')}`, clearance, [
          'officer',
        ]);
      });
    }
    log(
      `${2 * OFFICERS} officers and tokens in ${((performance.now() - t0Users) / 1000).toFixed(1)} s`,
    );

    const t0Sockets = performance.now();
    await pool(SOCKETS, 50, (i) => {
      const p = i < OFFICERS ? 'KR' : 'US';
      const node = p === 'KR' ? kr : us;
      const token = tokens[p][i % OFFICERS] as string;
      return sockets.open(
        `${node.url.replace(/^http/, 'ws')}/v1/alerts/stream`,
        { authorization: `Bearer ${token}` },
        i,
        p,
      );
    });
    log(`${SOCKETS} sockets ready in ${((performance.now() - t0Sockets) / 1000).toFixed(1)} s`);

    let denied = 0;
    const send = async (): Promise<string> => {
      const r = (await call(jp.url, 'POST', '/v1/alerts', ra, { preset: 'launch' })) as {
        id: string;
        releases: { decision: string }[];
      };
      denied += r.releases.filter((x) => x.decision !== 'allow').length;
      return r.id;
    };

    // One alert at a time: each is waited for on every socket (or 5 s), then a pause.
    const sequential = async (
      s: Sockets,
      n: number,
      fire: (k: number) => Promise<string>,
      pids: readonly number[],
    ): Promise<{
      tracker: Tracker;
      api: number[];
      cpuMsPerRound: number[];
      loop: Spread;
      otherCpuShare: number;
    }> => {
      s.sink = new Tracker(SOCKETS);
      for (let k = 0; k < WARMUP; k++) {
        const t0 = performance.now();
        const id = await fire(-1 - k);
        s.sink.started(id, t0);
        await s.sink.whenDone(id, 10_000);
        await wait(PAUSE_MS);
      }
      const tracker = new Tracker(SOCKETS);
      s.sink = tracker;
      const api: number[] = [];
      const cpu0 = pids.map(cpuSeconds);
      const machine0 = machineBusySeconds();
      const bench0 = process.cpuUsage();
      const wall0 = performance.now();
      const from = process.hrtime.bigint();
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      for (let k = 0; k < n; k++) {
        const t0 = performance.now();
        const id = await fire(k);
        api.push(performance.now() - t0);
        tracker.started(id, t0);
        await tracker.whenDone(id, 5_000);
        await wait(PAUSE_MS);
      }
      loop.disable();
      windowOf(`sequential ${pids.join(',')}`, from);
      // CPU per round, each process: the pauses are idle time, so this is the work.
      const used = pids.map((pid, i) => cpuSeconds(pid) - (cpu0[i] ?? 0));
      const cpuMsPerRound = used.map((c) => (c * 1000) / n);
      const b = process.cpuUsage(bench0);
      const ours = used.reduce((x, y) => x + y, 0) + (b.user + b.system) / 1e6;
      const otherCpuShare =
        (machineBusySeconds() - machine0 - ours) / ((2 * (performance.now() - wall0)) / 1000);
      await wait(500);
      s.sink = null;
      return { tracker, api, cpuMsPerRound, loop: loopSpread(loop), otherCpuShare };
    };

    log(`end to end: ${rounds} alerts, one at a time`);
    const ours = await sequential(sockets, rounds, () => send(), [
      jp.child.pid ?? 0,
      kr.child.pid ?? 0,
      us.child.pid ?? 0,
    ]);
    const frameBytes = {
      KR: sockets.frameBytes.get('KR') ?? 0,
      US: sockets.frameBytes.get('US') ?? 0,
    };

    log(`bare ws baseline: ${rounds} broadcasts of ${frameBytes.KR} / ${frameBytes.US} bytes`);
    bare = await bareServer();
    const bareUrl = bare.url;
    await pool(SOCKETS, 50, (i) =>
      bareSockets.open(
        `${bareUrl.replace(/^http/, 'ws')}/?size=${i < OFFICERS ? frameBytes.KR : frameBytes.US}`,
        {},
        i,
        i < OFFICERS ? 'KR' : 'US',
      ),
    );
    const base = await sequential(
      bareSockets,
      rounds,
      async (k) => {
        const id = `bare-${k}`;
        await call(bareUrl, 'POST', '/broadcast', '', { id });
        return id;
      },
      [bare.child.pid ?? 0],
    );
    const bareFrameBytes = {
      KR: bareSockets.frameBytes.get('KR') ?? 0,
      US: bareSockets.frameBytes.get('US') ?? 0,
    };
    if (bareFrameBytes.KR !== frameBytes.KR || bareFrameBytes.US !== frameBytes.US)
      log(
        `frame sizes differ: ours ${JSON.stringify(frameBytes)}, bare ${JSON.stringify(bareFrameBytes)}`,
      );
    bareSockets.closeAll();
    await stopped(bare.child);
    bare = null;

    // Sustained: one call due every 10 ms, at most MAX_IN_FLIGHT answered-for at once;
    // a call due while that many are in flight is skipped (and counted).
    log(`sustained: ${SUSTAINED_RATE} alerts/s for ${sustainedSeconds} s`);
    const pids = { JP: jp.child.pid ?? 0, KR: kr.child.pid ?? 0, US: us.child.pid ?? 0 };
    const rss = {
      JP: [] as number[],
      KR: [] as number[],
      US: [] as number[],
    };
    const period = 1000 / SUSTAINED_RATE;
    const scheduled = SUSTAINED_RATE * sustainedSeconds;
    let inFlight = 0;
    let sent = 0;
    let skipped = 0;
    let errors = 0;
    let lastAnswer = 0;
    const api: number[] = [];
    // LIAISON_BENCH_TRACE=1: a line a second on stderr (CPU per process, deliveries,
    // JP's pending FLASH envelopes), to see where a backlog builds.
    const trace = process.env.LIAISON_BENCH_TRACE === '1';
    const t0Sustained = performance.now();
    const u0 = process.cpuUsage();
    let last = {
      JP: cpuSeconds(pids.JP),
      KR: cpuSeconds(pids.KR),
      US: cpuSeconds(pids.US),
      bench: (u0.user + u0.system) / 1e6,
      delivered: 0,
      at: t0Sustained,
    };
    const sample = () => {
      for (const p of ['JP', 'KR', 'US'] as const) rss[p].push(rssMb(pids[p]));
      if (!trace) return;
      const u = process.cpuUsage();
      const now = {
        JP: cpuSeconds(pids.JP),
        KR: cpuSeconds(pids.KR),
        US: cpuSeconds(pids.US),
        bench: (u.user + u.system) / 1e6,
        delivered: sockets.sink?.delivered ?? 0,
        at: performance.now(),
      };
      const dt = (now.at - last.at) / 1000;
      const pc = (k: 'JP' | 'KR' | 'US' | 'bench') =>
        `${k} ${(((now[k] - last[k]) / dt) * 100).toFixed(0)}%`;
      log(
        `t=${((now.at - t0Sustained) / 1000).toFixed(1)}s sent ${sent} delivered ${now.delivered} ` +
          `(+${((now.delivered - last.delivered) / dt).toFixed(0)}/s) pending at JP ${pendingFlash(jp.dir)} ` +
          `cpu ${pc('JP')} ${pc('KR')} ${pc('US')} ${pc('bench')}`,
      );
      last = now;
    };
    const cpu0 = {
      JP: cpuSeconds(pids.JP),
      KR: cpuSeconds(pids.KR),
      US: cpuSeconds(pids.US),
      bench: process.cpuUsage(),
      machine: machineBusySeconds(),
    };
    const tracker = new Tracker(SOCKETS);
    sockets.sink = tracker;
    const from = process.hrtime.bigint();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const begin = performance.now();
    sample();
    sampler = setInterval(sample, 1000);
    for (let k = 0; k < scheduled; k++) {
      const due = begin + k * period;
      const ahead = due - performance.now();
      if (ahead > 0.5) await wait(ahead);
      if (inFlight >= MAX_IN_FLIGHT) {
        skipped++;
        continue;
      }
      inFlight++;
      const t0 = performance.now();
      send().then(
        (id) => {
          const t = performance.now();
          api.push(t - t0);
          tracker.started(id, t0);
          sent++;
          inFlight--;
          lastAnswer = t;
        },
        (e: unknown) => {
          errors++;
          inFlight--;
          lastAnswer = performance.now();
          if (errors <= 3) log(`send failed: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
    }
    while (inFlight > 0) await wait(5);
    const sendSeconds = (lastAnswer - begin) / 1000;
    // Drain: until every socket has every alert, or nothing arrived for 10 s.
    let progress = tracker.delivered;
    let progressAt = performance.now();
    while (tracker.delivered < sent * SOCKETS && performance.now() - progressAt < 10_000) {
      await wait(50);
      if (tracker.delivered !== progress) {
        progress = tracker.delivered;
        progressAt = performance.now();
      }
    }
    const drainEnd = tracker.delivered >= sent * SOCKETS ? performance.now() : progressAt;
    windowOf('sustained', from);
    loop.disable();
    clearInterval(sampler);
    sampler = null;
    sample();
    const bench = process.cpuUsage(cpu0.bench);
    const cpu = {
      JP: cpuSeconds(pids.JP) - cpu0.JP,
      KR: cpuSeconds(pids.KR) - cpu0.KR,
      US: cpuSeconds(pids.US) - cpu0.US,
      bench: (bench.user + bench.system) / 1e6,
    };
    const otherCpuSeconds =
      machineBusySeconds() - cpu0.machine - (cpu.JP + cpu.KR + cpu.US + cpu.bench);
    sockets.sink = null;
    const rssOf = (xs: number[]): Rss => ({
      start: xs[0] ?? Number.NaN,
      max: Math.max(...xs),
      end: xs.at(-1) ?? Number.NaN,
    });
    const expected = sent * SOCKETS;
    return {
      officersPerNode: OFFICERS,
      sockets: SOCKETS,
      rounds,
      frameBytes,
      ours: {
        all: ours.tracker.latencies.spread(),
        firstPerAlert: spreadOf(ours.tracker.firstPerAlert),
        lastPerAlert: spreadOf(ours.tracker.lastPerAlert),
        benchLoopDelay: ours.loop,
        otherCpuShare: ours.otherCpuShare,
        api: spreadOf(ours.api),
        missing: ours.tracker.missing,
        expected: rounds * SOCKETS,
        cpuMsPerAlert: {
          JP: ours.cpuMsPerRound[0] ?? Number.NaN,
          KR: ours.cpuMsPerRound[1] ?? Number.NaN,
          US: ours.cpuMsPerRound[2] ?? Number.NaN,
        },
      },
      bare: {
        all: base.tracker.latencies.spread(),
        firstPerAlert: spreadOf(base.tracker.firstPerAlert),
        lastPerAlert: spreadOf(base.tracker.lastPerAlert),
        benchLoopDelay: base.loop,
        otherCpuShare: base.otherCpuShare,
        missing: base.tracker.missing,
        expected: rounds * SOCKETS,
        cpuMsPerBroadcast: base.cpuMsPerRound[0] ?? Number.NaN,
      },
      sustained: {
        seconds: sustainedSeconds,
        sockets: SOCKETS,
        scheduled,
        sent,
        skipped,
        errors,
        achievedPerSecond: sent / sendSeconds,
        sendSeconds,
        minPerSocket: tracker.minPerSocket(),
        expected,
        received: tracker.delivered,
        lost: expected - tracker.delivered,
        drainSeconds: Math.max(0, (drainEnd - lastAnswer) / 1000),
        latency: tracker.latencies.spread(),
        lastPerAlert: spreadOf(tracker.lastPerAlert),
        api: spreadOf(api),
        benchLoopDelay: loopSpread(loop),
        rssMb: { JP: rssOf(rss.JP), KR: rssOf(rss.KR), US: rssOf(rss.US) },
        cpuSeconds: cpu,
        otherCpuSeconds,
      },
      denied,
      escalations: sockets.escalations + bareSockets.escalations,
      duplicates: ours.tracker.duplicates + base.tracker.duplicates + tracker.duplicates,
      strays:
        sockets.strays +
        bareSockets.strays +
        ours.tracker.strays +
        base.tracker.strays +
        tracker.strays,
      unexpectedCloses: sockets.unexpectedCloses + bareSockets.unexpectedCloses,
    };
  } finally {
    if (sampler !== null) clearInterval(sampler);
    sockets.closeAll();
    bareSockets.closeAll();
    const children = [
      ...(bare === null ? [] : [bare.child]),
      ...Object.values(nodes).map((n) => n.child),
    ];
    await Promise.all(children.map((c) => stopped(c)));
  }
}
