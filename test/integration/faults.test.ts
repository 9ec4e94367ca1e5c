// Fault tests with real processes: kill -9 the sender and the receiver at random
// points of a 5,000-envelope transfer; every envelope arrives exactly once and both
// logs verify. An agreement that ends while envelopes are queued: none arrives after.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/db.js';
import { type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import { http, liaison } from '../support/node-process.js';

let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, role: 'officer' | 'ra' | 'auditor' | 'admin') =>
  trio.members[p].tokens[role];

beforeAll(async () => {
  trio = await startTrio();
}, 120_000);

afterAll(async () => {
  await trio?.stop();
});

/** Runs `n` calls with at most `width` in flight. */
async function pool<T>(n: number, width: number, f: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (;;) {
        const i = next++;
        if (i >= n) return;
        out[i] = await f(i);
      }
    }),
  );
  return out;
}

function rows<T>(party: Party, sql: string, ...params: unknown[]): T[] {
  const db = openSqlite(`${trio.members[party].init.dir}/store.sqlite`, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A deterministic PRNG, so a failing run can be replayed by its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('faults', () => {
  it('kill -9 of sender and receiver during a 5,000-envelope transfer: every envelope delivered exactly once; both logs verify', async () => {
    const seed = Number(process.env.LIAISON_FAULT_SEED ?? Date.now() % 1_000_000);
    const random = prng(seed);
    console.log(`fault seed ${seed} (replay with LIAISON_FAULT_SEED=${seed})`);
    const N = 5000;
    const ids = await pool(N, 32, async (i) => {
      const r = await http(url('JP'), 'POST', '/v1/items', tok('JP', 'ra'), {
        marking: i % 2 === 0 ? 'GOKUHI' : 'HI',
        categories: ['dprk-missile'],
        title: `r${i}`,
        body: '',
      });
      if (r.status !== 201) throw new Error(r.text);
      return (r.body as { id: string }).id;
    });
    const chunks = 10;
    let kills = 0;
    const killed: string[] = [];
    const kill = async (p: Party) => {
      trio.members[p].proc.child.kill('SIGKILL');
      await new Promise<void>((r) => {
        const child = trio.members[p].proc.child;
        if (child.exitCode !== null || child.signalCode !== null) r();
        else child.once('exit', () => r());
      });
      kills++;
      killed.push(p);
      await trio.restart(p);
    };
    for (let c = 0; c < chunks; c++) {
      const slice = ids.slice((c * N) / chunks, ((c + 1) * N) / chunks);
      await pool(slice.length, 16, async (i) => {
        const r = await http(url('JP'), 'POST', `/v1/items/${slice[i]}/release`, tok('JP', 'ra'), {
          to: 'KR',
        });
        if (r.status !== 202) throw new Error(r.text);
      });
      // Somewhere in the middle of delivering this chunk, kill one side.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 300)));
      await kill(random() < 0.5 ? 'JP' : 'KR');
    }
    await kill('KR');
    await kill('JP');
    expect(kills).toBeGreaterThanOrEqual(10);
    expect(new Set(killed)).toEqual(new Set(['JP', 'KR']));
    await waitFor(
      'the outbox to drain',
      async () =>
        rows<{ n: number }>(
          'JP',
          "SELECT count(*) AS n FROM outbox WHERE type = 'item' AND state = 'pending'",
        )[0]?.n === 0,
      120_000,
    );
    const sent = rows<{ id: string; state: string }>(
      'JP',
      "SELECT id, state FROM outbox WHERE type = 'item'",
    );
    expect(sent).toHaveLength(N);
    expect(sent.filter((s) => s.state !== 'delivered')).toEqual([]);
    const received = rows<{ id: string }>(
      'KR',
      "SELECT id FROM inbox WHERE type = 'item' AND status = 'accepted'",
    );
    expect(received).toHaveLength(N);
    expect(new Set(received.map((r) => r.id))).toEqual(new Set(sent.map((s) => s.id)));
    // Exactly once: each envelope produced one received entry in KR's log, no more.
    const logged = rows<{ data: string }>(
      'KR',
      'SELECT data FROM log_entries WHERE data LIKE \'%"type":"item.received"%\'',
    );
    const perEnvelope = new Map<string, number>();
    for (const l of logged) {
      const e = JSON.parse(l.data) as { subject: { envelope: string }; decision: string };
      if (e.decision === 'allow')
        perEnvelope.set(e.subject.envelope, (perEnvelope.get(e.subject.envelope) ?? 0) + 1);
    }
    expect(perEnvelope.size).toBe(N);
    expect([...perEnvelope.values()].every((n) => n === 1)).toBe(true);
    expect(
      rows<{ n: number }>(
        'KR',
        "SELECT count(DISTINCT item_id) AS n FROM holdings WHERE party = 'KR'",
      )[0]?.n,
    ).toBe(N);
    for (const p of ['JP', 'KR'] as const) {
      const v = liaison(['audit', 'verify', '--node', url(p), '--token', tok(p, 'auditor')]);
      expect({ p, seed, code: v.code, out: v.out.split('\n')[1] }).toEqual({
        p,
        seed,
        code: 0,
        out: expect.stringContaining('OK'),
      });
    }
  }, 300_000);

  it('an agreement that ends while envelopes are queued: none is delivered after the instant', async () => {
    const ids = await pool(1500, 32, async (i) => {
      const r = await http(url('JP'), 'POST', '/v1/items', tok('JP', 'ra'), {
        marking: 'GOKUHI',
        categories: ['dprk-missile'],
        title: `e${i}`,
        body: '',
      });
      return (r.body as { id: string }).id;
    });
    const end = Date.now() + 4_000;
    const proposed = await http(
      url('JP'),
      'POST',
      '/v1/agreements/gsomia-jp-kr-2016/changes',
      tok('JP', 'admin'),
      {
        kind: 'terminate',
        effectiveAt: new Date(end).toISOString(),
      },
    );
    const proposal = (proposed.body as { proposal: string }).proposal;
    await waitFor('KR to hold the proposal', async () =>
      (
        (await http(url('KR'), 'GET', '/v1/proposals', tok('KR', 'admin'))).body as { id: string }[]
      ).some((p) => p.id === proposal),
    );
    await http(
      url('KR'),
      'POST',
      `/v1/proposals/${encodeURIComponent(proposal)}/sign`,
      tok('KR', 'admin'),
    );
    // Queue releases up to the very end, while delivery runs.
    const queued: string[] = [];
    for (const id of ids) {
      if (Date.now() >= end - 50) break;
      const r = await http(url('JP'), 'POST', `/v1/items/${id}/release`, tok('JP', 'ra'), {
        to: 'KR',
      });
      if (r.status === 202) queued.push((r.body as { envelope: string }).envelope);
    }
    expect(queued.length).toBeGreaterThan(0);
    await waitFor(
      'the queue to settle',
      async () =>
        rows<{ n: number }>(
          'JP',
          "SELECT count(*) AS n FROM outbox WHERE type = 'item' AND state = 'pending'",
        )[0]?.n === 0,
      60_000,
    );
    const states = rows<{ id: string; state: string }>(
      'JP',
      `SELECT id, state FROM outbox WHERE id IN (${queued.map(() => '?').join(',')})`,
      ...queued,
    );
    const arrived = rows<{ id: string; received_at: number }>(
      'KR',
      `SELECT id, received_at FROM inbox WHERE status = 'accepted' AND id IN (${queued.map(() => '?').join(',')})`,
      ...queued,
    );
    expect(arrived.every((a) => a.received_at < end)).toBe(true);
    const late = states.filter((s) => s.state !== 'delivered');
    expect(late.every((s) => s.state === 'withheld' || s.state === 'refused')).toBe(true);
    expect(arrived.length + late.length).toBe(queued.length);
  }, 120_000);
});
