import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { leafHash, MerkleTree, verifyInclusion } from '../src/log/merkle.js';
import { LiaisonNode } from '../src/node/service.js';
import { openStore } from '../src/store/db.js';
import { start, stopped } from './processes.js';

const PG_ADMIN = process.env.LIAISON_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withPostgres<T>(fn: (url: string) => Promise<T>): Promise<T | null> {
  const name = `liaison_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch {
    return null;
  } finally {
    await admin.end().catch(() => {});
  }
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  try {
    return await fn(url.toString());
  } finally {
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  }
}

export interface AppendFigure {
  readonly perSecond: number;
  readonly entries: number;
  readonly transactions: number;
}

/**
 * Group-committed appends: `entries` units of work, each logging one entry, handed
 * to the node at once; the node commits them in transactions of up to 512.
 */
async function appends(target: string, entries: number): Promise<AppendFigure> {
  const store = await openStore(target, 'bench passphrase');
  const node = await LiaisonNode.open({
    party: 'JP',
    origin: 'liaison.bench/JP',
    store,
    signingKey: generateKeyPairSync('ed25519').privateKey,
  });
  const subject = {
    item: 'jp-00000000-0000-0000-0000-000000000000',
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
  };
  const t0 = process.hrtime.bigint();
  const wave = 20_000;
  for (let done = 0; done < entries; done += wave) {
    const units: Promise<number>[] = [];
    for (let i = 0; i < Math.min(wave, entries - done); i++) {
      units.push(
        node.transact((u) =>
          u.log({
            type: 'item.read',
            actor: { user: 'bench', party: 'JP' },
            subject,
            decision: 'allow',
            reasons: ['allowed'],
          }),
        ),
      );
    }
    await Promise.all(units);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await node.close();
  return { perSecond: entries / seconds, entries, transactions: Math.ceil(entries / 512) };
}

export function sha256PerSecond(budgetMs: number): number {
  // The same shape as a log entry's canonical JSON (about 250 bytes).
  const data = Buffer.from('x'.repeat(250));
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(budgetMs) * 1_000_000n;
  const t0 = process.hrtime.bigint();
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 1000; i++) leafHash(data);
    n += 1000;
  }
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export interface ProofFigure {
  readonly size: number;
  readonly buildSeconds: number;
  readonly meanMicros: number;
  readonly p99Micros: number;
  readonly verifyMicros: number;
}

export function inclusionProofs(size: number, samples = 20_000): ProofFigure {
  const tree = new MerkleTree();
  const pool = randomBytes(32 * 65_536);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < size; i++) {
    const o = (i % 65_536) * 32;
    tree.append(pool.subarray(o, o + 32));
  }
  const buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const root = tree.root(size);
  const times: number[] = [];
  let verifyTotal = 0;
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(Math.random() * size);
    const a = process.hrtime.bigint();
    const proof = tree.inclusionProof(i, size);
    const b = process.hrtime.bigint();
    if (!verifyInclusion(tree.leafHashAt(i), i, size, proof, root))
      throw new Error('a proof failed to verify');
    verifyTotal += Number(process.hrtime.bigint() - b);
    times.push(Number(b - a) / 1000);
  }
  times.sort((x, y) => x - y);
  return {
    size,
    buildSeconds,
    meanMicros: times.reduce((x, y) => x + y, 0) / times.length,
    p99Micros: times[Math.floor(times.length * 0.99)] ?? 0,
    verifyMicros: verifyTotal / samples / 1000,
  };
}

export interface ReadFigure {
  readonly perSecond: number;
  readonly ok: number;
  readonly refused: number;
  readonly concurrency: number;
}

/** A real node process; the load comes from this process over keep-alive HTTP. */
async function httpReads(
  database: string | undefined,
  seconds: number,
  concurrency: number,
): Promise<ReadFigure> {
  const { url, admin, child } = await start('JP', database);
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return (await r.json()) as Record<string, unknown>;
  };
  try {
    await call('POST', '/v1/users', admin, {
      username: 'reader',
      clearance: 'KIMITSU',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
    });
    const token = String(
      (await call('POST', '/v1/users/reader/tokens', admin, { label: 'bench' })).token,
    );
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push(
        String(
          (
            await call('POST', '/v1/items', token, {
              marking: 'GOKUHI',
              categories: ['dprk-missile'],
              title: `r${i}`,
              body: 'b'.repeat(500),
            })
          ).id,
        ),
      );
    }
    let ok = 0;
    let refused = 0;
    const end = Date.now() + seconds * 1000;
    const t0 = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, w) => {
        for (let i = w; Date.now() < end; i += concurrency) {
          const r = await fetch(`${url}/v1/items/${ids[i % ids.length]}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          await r.arrayBuffer();
          if (r.status === 200) ok++;
          else refused++;
        }
      }),
    );
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    return { perSecond: ok / s, ok, refused, concurrency };
  } finally {
    await stopped(child);
  }
}

/** The figures of one part; the others are absent. */
export interface NodeFigures {
  readonly sqliteAppends?: AppendFigure;
  readonly postgresAppends?: AppendFigure | null;
  readonly sha256?: number;
  readonly proofs?: ProofFigure;
  readonly sqliteReads?: ReadFigure;
  readonly postgresReads?: ReadFigure | null;
}

export async function nodeFigures(
  quick: boolean,
  part: 'appends' | 'proofs' | 'reads',
): Promise<NodeFigures> {
  const out: {
    sqliteAppends?: AppendFigure;
    postgresAppends?: AppendFigure | null;
    sha256?: number;
    proofs?: ProofFigure;
    sqliteReads?: ReadFigure;
    postgresReads?: ReadFigure | null;
  } = {};
  if (part === 'appends') {
    const entries = quick ? 20_000 : 200_000;
    out.sqliteAppends = await appends(
      join(mkdtempSync(join(tmpdir(), 'liaison-append-')), 'store.sqlite'),
      entries,
    );
    out.sha256 = sha256PerSecond(quick ? 300 : 1500);
    out.postgresAppends = await withPostgres((url) => appends(url, entries));
  } else if (part === 'proofs') {
    out.proofs = inclusionProofs(quick ? 1_000_000 : 10_000_000);
  } else {
    const seconds = quick ? 2 : 8;
    out.sqliteReads = await httpReads(undefined, seconds, 64);
    out.postgresReads = await withPostgres((url) => httpReads(url, seconds, 64));
  }
  return out;
}
