// The access controls under load, on a real node process: /healthz while the
// simulator runs its largest allowed scenarios (in worker threads), and a legitimate
// sign-in while a flood of sign-ins with 1 KB passwords arrives from another source.
// Each is measured beside its unloaded baseline in the same run, with the ratio.
import { request } from 'node:http';
import { start, stopped } from './processes.js';

export interface Latency {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function latency(ms: number[]): Latency {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s.at(-1) ?? Number.NaN };
}

export interface AccessFigures {
  readonly healthIdle: Latency;
  readonly healthDuringSimulations: Latency;
  readonly simulations: number;
  readonly simulationSeconds: number;
  readonly signInIdle: Latency;
  readonly signInDuringFlood: Latency;
  readonly flood: {
    readonly sent: number;
    readonly refusedAtOnce: number;
    readonly floodMs: Latency;
  };
}

/** POST /v1/session from a chosen loopback source address; resolves to status and time. */
function signIn(
  url: string,
  source: string,
  username: string,
  password: string,
): Promise<{ status: number; ms: number }> {
  const u = new URL(url);
  const data = JSON.stringify({ username, password });
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: '/v1/session',
        method: 'POST',
        localAddress: source,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function scenario(steps: number): string {
  let s =
    'name: load\nparties: [JP, KR, US]\nagreements:\n  - use: gsomia-jp-kr-2016\n  - use: tisa-2014\nitems:\n  - {id: r, originator: JP, marking: GOKUHI, categories: [dprk-missile]}\ntimeline:\n';
  const t0 = Date.parse('2019-01-01T00:00:00Z');
  for (let i = 0; i < steps; i++)
    s += `  - {at: ${new Date(t0 + i * 60_000).toISOString()}, release: {item: r, to: KR}}\n`;
  return s;
}

export async function accessFigures(quick: boolean): Promise<AccessFigures> {
  const node = await start('JP');
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const r = await fetch(`${node.url}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const health = async (): Promise<number> => {
    const t0 = performance.now();
    const r = await fetch(`${node.url}/healthz`);
    await r.arrayBuffer();
    return performance.now() - t0;
  };
  try {
    const password = 'benchmark passphrase long enough';
    const planners: string[] = [node.admin];
    for (const [name, roles] of [
      ['ra', ['releasing-authority']],
      ['so', ['security-officer']],
      ['analyst', ['officer']],
    ] as const) {
      await call('POST', '/v1/users', node.admin, {
        username: name,
        clearance: 'HI',
        needToKnow: ['dprk-missile'],
        roles,
        password,
      });
      if (name !== 'analyst')
        planners.push(
          String(
            (await call('POST', `/v1/users/${name}/tokens`, node.admin, { label: 'b' })).body.token,
          ),
        );
    }
    // /healthz, idle.
    const idle: number[] = [];
    for (let i = 0; i < (quick ? 100 : 400); i++) idle.push(await health());
    // /healthz while two people run the largest scenario the node accepts, again and again.
    const text = scenario(2_800);
    const seconds = quick ? 3 : 10;
    const end = Date.now() + seconds * 1000;
    let simulations = 0;
    const runners = planners.slice(0, 2).map(async (token) => {
      while (Date.now() < end) {
        const r = await call('POST', '/v1/simulate', token, { scenario: text });
        if (r.status === 200) simulations++;
        // A client told to wait (429, one run at a time) waits, as Retry-After asks.
        else await new Promise((w) => setTimeout(w, 1000));
      }
    });
    const during: number[] = [];
    while (Date.now() < end) {
      during.push(await health());
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(runners);
    // A sign-in, idle, then during a flood of 400 parallel sign-ins with 1 KB passwords
    // from another source address (half for an account that exists, half for none).
    const signIdle: number[] = [];
    for (let i = 0; i < (quick ? 5 : 20); i++)
      signIdle.push((await signIn(node.url, '127.0.0.1', 'analyst', password)).ms);
    const signDuring: number[] = [];
    const floodMs: number[] = [];
    let sent = 0;
    let refused = 0;
    for (let round = 0; round < (quick ? 3 : 10); round++) {
      const big = 'x'.repeat(1024);
      // Each round floods from its own source (the last one is throttled by now).
      const source = `127.0.1.${round + 1}`;
      const flood = Array.from({ length: 400 }, (_, i) =>
        signIn(node.url, source, i % 2 === 0 ? 'so' : `nobody-${round}-${i}`, big),
      );
      signDuring.push((await signIn(node.url, '127.0.0.1', 'analyst', password)).ms);
      for (const r of await Promise.all(flood)) {
        sent++;
        floodMs.push(r.ms);
        if (r.status === 429) refused++;
      }
    }
    return {
      healthIdle: latency(idle),
      healthDuringSimulations: latency(during),
      simulations,
      simulationSeconds: seconds,
      signInIdle: latency(signIdle),
      signInDuringFlood: latency(signDuring),
      flood: { sent, refusedAtOnce: refused, floodMs: latency(floodMs) },
    };
  } finally {
    await stopped(node.child);
  }
}
