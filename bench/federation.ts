// Envelopes JP→KR end to end on loopback, between two real node processes; the
// crypto-only limit of the same work (sign, encrypt, decrypt, verify) in the same
// run; and release latency from the API call to the signed receipt.
import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { encryptJwe, signJws } from '../src/crypto/jose.js';
import { type Message, openMessage, sealMessage } from '../src/federation/messages.js';
import { contentHash, makeManifest, openManifest } from '../src/node/manifest.js';
import { openSqlite } from '../src/store/db.js';
import { launch, start, stopped } from './processes.js';

export async function call(
  url: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const r = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const j = (await r.json()) as Record<string, unknown>;
  if (!r.ok) throw new Error(`${method} ${path}: ${JSON.stringify(j)}`);
  return j;
}

export async function pool(
  n: number,
  width: number,
  f: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        await f(i);
      }
    }),
  );
}

function pendingCount(dir: string): number {
  const db = openSqlite(join(dir, 'store.sqlite'), { readonly: true });
  try {
    return (
      db
        .prepare("SELECT count(*) AS n FROM outbox WHERE type = 'item' AND state = 'pending'")
        .get() as { n: number }
    ).n;
  } finally {
    db.close();
  }
}

function latencies(dir: string, sinceMs: number): number[] {
  const db = openSqlite(join(dir, 'store.sqlite'), { readonly: true });
  try {
    const rows = db
      .prepare(
        "SELECT settled_at - created_at AS ms FROM outbox WHERE type = 'item' AND state = 'delivered' AND created_at >= ?",
      )
      .all(sinceMs) as { ms: number }[];
    return rows.map((r) => r.ms);
  } finally {
    db.close();
  }
}

export const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))] ?? 0;
};

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FederationFigures {
  /** Envelopes already queued, drained from JP's outbox into KR. */
  readonly drained: number;
  readonly drainPerSecond: number;
  /** Releases through the API while delivery runs. */
  readonly envelopes: number;
  readonly perSecond: number;
  readonly cryptoPerSecond: number;
  readonly loaded: { p50: number; p99: number };
  readonly unloaded: { p50: number; p99: number; n: number };
}

/** The seal/open of one envelope, as the nodes do it, without I/O, on one core. */
export function cryptoOnly(budgetMs: number): number {
  const jp = generateKeyPairSync('ed25519');
  const kr = generateKeyPairSync('x25519');
  const content = { title: 'r1', body: '' };
  // The same work per envelope: the originator signs the item's manifest (at creation),
  // seals the message; the receiver opens it, verifies the manifest and hashes the content.
  const messageWith = (manifest: string): Message<'item'> => ({
    v: 1,
    id: 'e4a1c2b0-0000-4000-8000-000000000000',
    type: 'item',
    from: 'JP',
    to: 'KR',
    sentAt: new Date().toISOString(),
    body: {
      kind: 'release',
      item: {
        id: 'jp-0c79114e-7d93-4da9-89ac-17d9ccf9e318',
        originator: 'JP',
        marking: 'GOKUHI',
        categories: ['dprk-missile'],
        releasableTo: null,
        ...content,
        manifest,
      },
      senderMarking: 'GOKUHI',
      recipientMarking: 'II',
      agreements: ['gsomia-jp-kr-2016'],
      consent: null,
    },
  });
  const keyOf = (p: string) => (p === 'JP' ? jp.publicKey : undefined);
  const keysOf = (p: string) => (p === 'JP' ? [jp.publicKey] : []);
  const once = () => {
    const now = Date.now();
    const { jws } = makeManifest(
      {
        item: 'jp-0c79114e-7d93-4da9-89ac-17d9ccf9e318',
        originator: 'JP',
        version: 1,
        marking: 'GOKUHI',
        categories: ['dprk-missile'],
        releasableTo: null,
        precedence: 'ROUTINE',
        contentHash: contentHash(content),
      },
      now,
      now,
      jp.privateKey,
    );
    const m = openMessage(
      sealMessage(messageWith(jws), jp.privateKey, kr.publicKey),
      'KR',
      kr.privateKey,
      keyOf,
    );
    if (m.type !== 'item') throw new Error('not an item');
    const manifest = openManifest(m.body.item.manifest, keysOf);
    if (manifest.contentHash !== contentHash(m.body.item)) throw new Error('content mismatch');
  };
  let n = 0;
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(budgetMs) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 50; i++) once();
    n += 50;
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

/** Sealing (sign then encrypt) per second: ours on node:crypto, and the `jose` library's. */
export async function sealingRates(budgetMs: number): Promise<{ ours: number; jose: number }> {
  const jose = await import('jose');
  const ed = generateKeyPairSync('ed25519');
  const x = generateKeyPairSync('x25519');
  const payload = Buffer.alloc(700, 65);
  const rate = async (seal: () => unknown) => {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < budgetMs) {
      for (let i = 0; i < 20; i++) await seal();
      n += 20;
    }
    return n / ((performance.now() - t0) / 1000);
  };
  const ours = await rate(() =>
    encryptJwe(Buffer.from(signJws(payload, ed.privateKey, { kid: 'JP' }), 'ascii'), x.publicKey, {
      kid: 'KR',
      cty: 'JWS',
    }),
  );
  const theirs = await rate(async () => {
    const jws = await new jose.CompactSign(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: 'JP' })
      .sign(ed.privateKey);
    return new jose.CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: 'KR', cty: 'JWS' })
      .encrypt(x.publicKey);
  });
  return { ours, jose: theirs };
}

export async function federationFigures(quick: boolean): Promise<FederationFigures> {
  const N = quick ? 4000 : 20_000;
  const jp = await start('JP');
  let kr = await start('KR');
  try {
    await call(jp.url, 'POST', '/v1/peers', jp.admin, { url: kr.url, fingerprint: kr.fingerprint });
    await call(kr.url, 'POST', '/v1/peers', kr.admin, { url: jp.url, fingerprint: jp.fingerprint });
    for (;;) {
      const list = (await call(jp.url, 'GET', '/v1/agreements', jp.admin)) as unknown as {
        id: string;
        binding: boolean;
      }[];
      if (list.find((a) => a.id === 'gsomia-jp-kr-2016')?.binding) break;
      await wait(50);
    }
    await call(jp.url, 'POST', '/v1/users', jp.admin, {
      username: 'ra',
      clearance: 'KIMITSU',
      needToKnow: ['dprk-missile'],
      roles: ['releasing-authority', 'officer'],
    });
    const token = String(
      (await call(jp.url, 'POST', '/v1/users/ra/tokens', jp.admin, { label: 'bench' })).token,
    );
    const ids: string[] = new Array(N);
    await pool(N, 32, async (i) => {
      const body = { marking: 'GOKUHI', categories: ['dprk-missile'], title: `r${i}`, body: '' };
      ids[i] = String((await call(jp.url, 'POST', '/v1/items', token, body)).id);
    });
    const release = (i: number) =>
      call(jp.url, 'POST', `/v1/items/${ids[i]}/release`, token, { to: 'KR' });

    // Unloaded latency: one release at a time, each waited for.
    const unloadedN = quick ? 20 : 100;
    const unloadedStart = Date.now();
    for (let i = 0; i < unloadedN; i++) {
      await release(i);
      while (pendingCount(jp.dir) > 0) await wait(2);
    }
    const unloaded = latencies(jp.dir, unloadedStart);

    // Drain: KR is away while half the items are released; then KR returns and JP is
    // told to retry at once. The outbox drains at the pace of the whole pipeline: sign,
    // encrypt, HTTP, decrypt, verify, decide, store, log, signed receipt with inclusion
    // proof, and the receipt checked and stored at JP.
    const half = Math.floor((N - unloadedN) / 2);
    await stopped(kr.child);
    await pool(half, 32, (i) => release(unloadedN + i).then(() => undefined));
    const back = await launch(kr.dir, new URL(kr.url).port);
    kr = { ...kr, child: back.child };
    const d0 = process.hrtime.bigint();
    await call(jp.url, 'POST', '/v1/peers/KR/retry', jp.admin);
    while (pendingCount(jp.dir) > 0) await wait(10);
    const d1 = process.hrtime.bigint();
    const drainSeconds = Number(d1 - d0) / 1e9;
    // For profiles (LIAISON_BENCH_NODE_ARGS): the drain's window on the monotonic clock, in µs.
    if (process.env.LIAISON_BENCH_NODE_ARGS)
      process.stderr.write(`drain window µs ${d0 / 1000n} ${d1 / 1000n}\n`);

    // Stream: the other half released through the API as fast as it takes them.
    const rest = N - unloadedN - half;
    const streamStart = Date.now();
    const t0 = process.hrtime.bigint();
    await pool(rest, 32, (i) => release(unloadedN + half + i).then(() => undefined));
    while (pendingCount(jp.dir) > 0) await wait(20);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const loaded = latencies(jp.dir, streamStart);
    return {
      drained: half,
      drainPerSecond: half / drainSeconds,
      envelopes: rest,
      perSecond: rest / seconds,
      cryptoPerSecond: cryptoOnly(quick ? 500 : 2000),
      loaded: { p50: pct(loaded, 0.5), p99: pct(loaded, 0.99) },
      unloaded: { p50: pct(unloaded, 0.5), p99: pct(unloaded, 0.99), n: unloaded.length },
    };
  } finally {
    await Promise.all([stopped(jp.child), stopped(kr.child)]);
  }
}
