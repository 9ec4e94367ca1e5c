// Issue 13's proof, with real processes: three parties, each node two instances on its
// own PostgreSQL database, sharing NATS JetStream, behind a TCP balancer (partners and
// officers know each node by the balancer's URL, as in docs/deploy.md). An item made
// at one instance is read at the other; JP releases N items to KR while one JP
// instance (the one delivering) and one KR instance (one the balancer sends JP's
// requests to) are killed with SIGKILL: every item arrives exactly once, and every
// node's log is one tree, the same from each live instance and through its tiles.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from '../support/balancer.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { waitFor } from '../support/federation.js';
import {
  http,
  type InitializedNode,
  initNodeDir,
  liaison,
  type NodeProcess,
  startNodeProcess,
} from '../support/node-process.js';
import { freePort, sockets, watch } from '../support/streams.js';
import { verifyThroughTiles } from '../support/tlog-reader.js';

const NATS = process.env.LIAISON_TEST_NATS ?? 'nats://127.0.0.1:4222';
/** Envelopes in the transfer (LIAISON_TEST_TRANSFER overrides, e.g. for a quick run). */
const N = Number(process.env.LIAISON_TEST_TRANSFER ?? 5000);
const PARTIES = ['JP', 'KR', 'US'] as const;
type Party = (typeof PARTIES)[number];

interface Instance {
  readonly name: string;
  readonly port: number;
  proc: NodeProcess | null;
}
interface Node {
  readonly party: Party;
  readonly db: TestDatabase;
  readonly lb: Balancer;
  readonly init: InitializedNode;
  readonly instances: Instance[];
  readonly tokens: { admin: string; ra: string; auditor: string; officer: string };
}

const at = (i: Instance) => `http://127.0.0.1:${i.port}`;

/** Runs `f` on `items` with at most `width` at a time. */
async function pool<T, R>(items: readonly T[], width: number, f: (t: T) => Promise<R>) {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i] as T);
      }
    }),
  );
  return out;
}

describe('three parties, two instances each, on PostgreSQL and NATS', () => {
  const nodes = {} as Record<Party, Node>;

  const startInstance = async (n: Node, i: Instance) => {
    i.proc = await startNodeProcess(n.init.dir, at(i), ['--nats', NATS, '--instance', i.name]);
  };

  const count = async (db: TestDatabase, sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: db.target });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    for (const p of PARTIES) {
      const db = await createTestDatabase('postgres');
      const lb = await startBalancer();
      const init = initNodeDir(p, db.target, ['--url', lb.url]);
      const instances: Instance[] = [];
      for (const k of [1, 2])
        instances.push({ name: `${p.toLowerCase()}-${k}`, port: await freePort(), proc: null });
      nodes[p] = {
        party: p,
        db,
        lb,
        init,
        instances,
        tokens: { admin: init.adminToken, ra: '', auditor: '', officer: '' },
      };
    }
    await Promise.all(
      PARTIES.flatMap((p) => nodes[p].instances.map((i) => startInstance(nodes[p], i))),
    );
    for (const p of PARTIES)
      nodes[p].lb.setBackends(nodes[p].instances.map((i) => `127.0.0.1:${i.port}`));
    for (const a of PARTIES)
      for (const b of PARTIES) {
        if (a === b) continue;
        const r = await http(nodes[a].lb.url, 'POST', '/v1/peers', nodes[a].tokens.admin, {
          url: nodes[b].lb.url,
          fingerprint: nodes[b].init.fingerprint,
        });
        expect(r.status, `peer ${a}→${b}: ${r.text}`).toBe(201);
      }
    for (const p of PARTIES) {
      const n = nodes[p];
      await waitFor(`${p}'s agreements to bind`, async () => {
        const list = (await http(n.lb.url, 'GET', '/v1/agreements', n.tokens.admin)).body as {
          binding: boolean;
        }[];
        return list.length > 0 && list.every((a) => a.binding);
      });
      const top = { JP: 'KIMITSU', KR: 'I', US: 'TS' }[p];
      for (const [role, roles] of [
        ['ra', ['releasing-authority', 'officer']],
        ['auditor', ['auditor']],
        ['officer', ['officer']],
      ] as const) {
        const username = `${p.toLowerCase()}-${role}`;
        const u = await http(n.lb.url, 'POST', '/v1/users', n.tokens.admin, {
          username,
          clearance: top,
          needToKnow: ['dprk-missile'],
          roles,
        });
        expect(u.status, u.text).toBe(201);
        const t = await http(n.lb.url, 'POST', `/v1/users/${username}/tokens`, n.tokens.admin, {
          label: 'scale',
        });
        n.tokens[role] = (t.body as { token: string }).token;
      }
    }
  }, 180_000);

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    for (const p of PARTIES) {
      const n = nodes[p];
      if (n === undefined) continue;
      await Promise.all(n.instances.map((i) => i.proc?.stop()));
      await n.lb.close();
      await n.db.drop();
    }
  });

  it('an item made at one instance is read at the other', async () => {
    const jp = nodes.JP;
    const [a, b] = jp.instances as [Instance, Instance];
    const made = await http(at(a), 'POST', '/v1/items', jp.tokens.ra, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Made at jp-1',
      body: 'read at jp-2',
    });
    expect(made.status, made.text).toBe(201);
    const read = await http(
      at(b),
      'GET',
      `/v1/items/${(made.body as { id: string }).id}`,
      jp.tokens.ra,
    );
    expect(read.status, read.text).toBe(200);
    expect((read.body as { body: string }).body).toBe('read at jp-2');
  });

  it("an alert sent at JP's first instance reaches KR officers on either KR instance", async () => {
    const kr = nodes.KR;
    const [k1, k2] = kr.instances as [Instance, Instance];
    const on1 = await watch(at(k1), kr.tokens.officer);
    const on2 = await watch(at(k2), kr.tokens.ra);
    const jp1 = nodes.JP.instances[0] as Instance;
    const sent = await http(at(jp1), 'POST', '/v1/alerts', nodes.JP.tokens.ra, {
      preset: 'launch',
      to: ['KR'],
      ackWithinSeconds: 3600,
    });
    expect(sent.status, sent.text).toBe(201);
    const id = (sent.body as { id: string }).id;
    await waitFor(
      'the alert on both KR instances',
      async () => on1.alerts().includes(id) && on2.alerts().includes(id),
    );
    // The same event, under the same id, at both.
    const idOf = (w: typeof on1) =>
      w.events().find((f) => f.type === 'alert' && (f.alert as { id: string }).id === id)?.id;
    expect(idOf(on1)).toBeDefined();
    expect(idOf(on2)).toBe(idOf(on1));
  });

  it(`${N} envelopes JP → KR through SIGKILLs of a JP and a KR instance: none lost, none twice`, async () => {
    const jp = nodes.JP;
    const kr = nodes.KR;
    const ids = await pool(
      Array.from({ length: N }, (_, i) => i),
      24,
      async (i) => {
        const r = await http(jp.lb.url, 'POST', '/v1/items', jp.tokens.ra, {
          marking: 'HI',
          categories: ['dprk-missile'],
          title: `report ${i}`,
          body: `${i}`,
        });
        expect(r.status, r.text).toBe(201);
        return (r.body as { id: string }).id;
      },
    );
    // Releases go on while instances die; a release refused because its instance died
    // mid-request is asked again (through the balancer, at the other instance).
    let killed = false;
    const received = async () =>
      Number(
        (
          await count(
            kr.db,
            "SELECT count(DISTINCT item_id) AS n FROM inbox WHERE type = 'item' AND status <> 'refused'",
          )
        ).map((r) => r.n as string)[0] ?? 0,
      );
    const killer = (async () => {
      await waitFor(
        'KR to hold a fifth of the items',
        async () => (await received()) >= N / 5,
        300_000,
      );
      const holder = (
        await count(jp.db, "SELECT holder FROM leases WHERE name = 'deliver:KR:normal'")
      )[0]?.holder as string | undefined;
      const jpVictim = jp.instances.find((i) => i.name === holder) ?? jp.instances[0];
      jpVictim?.proc?.child.kill('SIGKILL');
      kr.instances[0]?.proc?.child.kill('SIGKILL');
      killed = true;
    })();
    await pool(ids, 16, async (id) => {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await http(jp.lb.url, 'POST', `/v1/items/${id}/release`, jp.tokens.ra, {
            to: 'KR',
          });
          if (r.status === 202) return;
          // A release already queued (its answer lost with a killed instance) is a conflict.
          if (r.status === 409) return;
          throw new Error(`${r.status} ${r.text}`);
        } catch (e) {
          if (attempt > 5) throw e;
          await new Promise((res) => setTimeout(res, 200));
        }
      }
    });
    await killer;
    expect(killed).toBe(true);
    await waitFor('KR to hold every item', async () => (await received()) >= N, 300_000);

    // Exactly once at KR: one allowed `item.received` per item, and each item held once.
    const receivedEntries = await count(
      kr.db,
      "SELECT data::jsonb->'subject'->>'item' AS item, count(*) AS n FROM log_entries WHERE data::jsonb->>'type' = 'item.received' AND data::jsonb->>'decision' = 'allow' GROUP BY 1",
    );
    const byItem = new Map(receivedEntries.map((r) => [r.item as string, Number(r.n)]));
    for (const id of ids) expect(byItem.get(id), id).toBe(1);
    // KR holds each item once (a release the test asked twice, its first answer lost
    // with a killed instance, arrives once and is refused the second time: R6).
    const held = await count(
      kr.db,
      "SELECT count(*) AS n, count(DISTINCT item_id) AS d FROM holdings WHERE party = 'KR'",
    );
    expect(held[0]?.n).toBe(held[0]?.d);
    expect(Number(held[0]?.n)).toBeGreaterThanOrEqual(N);
    // And at JP: every envelope settled, none left pending; one `envelope.delivered` each.
    const pending = await count(
      jp.db,
      "SELECT count(*) AS n FROM outbox WHERE peer = 'KR' AND state = 'pending'",
    );
    expect(pending[0]?.n).toBe('0');
    const settled = await count(
      jp.db,
      "SELECT data::jsonb->'subject'->>'envelope' AS e, count(*) AS n FROM log_entries WHERE data::jsonb->>'type' = 'envelope.delivered' GROUP BY 1 HAVING count(*) > 1",
    );
    expect(settled).toEqual([]);
  }, 900_000);

  it('each node is one tree: the same from every live instance, through its tiles, and recomputed', async () => {
    // The killed instances start again and catch up.
    for (const p of PARTIES)
      for (const i of nodes[p].instances)
        if (i.proc?.child.exitCode !== null || i.proc?.child.signalCode !== null)
          await startInstance(nodes[p], i);
    for (const p of PARTIES) {
      const n = nodes[p];
      const [a, b] = n.instances as [Instance, Instance];
      const cp = async (i: Instance) =>
        (await http(at(i), 'GET', '/v1/log/checkpoint?format=json', n.tokens.auditor)).body as {
          size: number;
          root: string;
        };
      const first = await cp(a);
      const second = await cp(b);
      expect(second.size, p).toBe(first.size);
      expect(second.root, p).toBe(first.root);
      for (const i of [a, b]) {
        const t = await verifyThroughTiles(at(i), n.tokens.auditor, n.init.verifierKey);
        expect(t.size).toBeGreaterThanOrEqual(first.size);
      }
      const v = liaison(['audit', 'verify', '--data', n.init.dir, '--json']);
      expect(v.code, `${p}: ${v.err}`).toBe(0);
    }
  }, 300_000);
});
