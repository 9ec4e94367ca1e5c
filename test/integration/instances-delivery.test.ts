// Delivery by one instance at a time (real processes): JP runs as two instances on one
// PostgreSQL database, KR as one node (SQLite). JP releases 500 items to KR; the
// instance holding the `deliver:KR:normal` lease is killed (-9) while a request of it
// has reached KR and been answered, but the answer is held back (a proxy between JP
// and KR), so that the other instance, taking the lease over when it expires, must send
// those envelopes again: KR answers them with its first receipts. Every item arrives
// exactly once, both logs verify, and /metrics names the holders. An instance that
// stops cleanly releases its leases, which another takes at once.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/db.js';
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

const NATS = process.env.LIAISON_TEST_NATS ?? 'nats://127.0.0.1:4222';
const N = 500;
const LANE = 'deliver:KR:normal';

/**
 * Between JP and KR: passes every request on; once `hold` is armed, the next batch of
 * messages goes to KR, but KR's answer is kept from JP (the sender never learns it
 * was delivered).
 */
class HoldingProxy {
  private server: Server | null = null;
  target = '';
  private armed = false;
  /** The batch held: how many messages it carried, and KR's status and receipts. */
  held: { messages: number; status: number; receipts: number } | null = null;

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.pass(req).then(
        (answer) => {
          const hold =
            this.armed &&
            this.held === null &&
            req.method === 'POST' &&
            req.url === '/v1/federation/messages';
          if (hold) {
            this.armed = false;
            const messages = (JSON.parse(answer.sent) as { messages: unknown[] }).messages.length;
            const receipts =
              answer.status === 200
                ? (JSON.parse(answer.body.toString()) as { receipts: unknown[] }).receipts.length
                : 0;
            this.held = { messages, status: answer.status, receipts };
            return; // never answered: the sender is killed while it waits
          }
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body);
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
    // A request of the killed instance ends with its connection.
    this.server.on('clientError', () => {});
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Holds KR's answer to the next batch of messages. */
  hold(): void {
    this.armed = true;
  }

  private async pass(req: IncomingMessage): Promise<{
    status: number;
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
    sent: string;
  }> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const sent = Buffer.concat(chunks);
    const target = new URL(this.target);
    return await new Promise((resolve, reject) => {
      // The Host header stays the proxy's: JP signed its requests for that authority,
      // which KR accepts as an alias URL.
      const out = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (r) => {
          const body: Buffer[] = [];
          r.on('data', (d: Buffer) => body.push(d));
          r.on('end', () =>
            resolve({
              status: r.statusCode ?? 502,
              headers: r.headers,
              body: Buffer.concat(body),
              sent: sent.toString(),
            }),
          );
          r.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(sent);
    });
  }

  close(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((r) => (this.server === null ? r() : this.server.close(() => r())));
  }
}

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

describe('delivery by one instance at a time (JP: two instances on PostgreSQL)', () => {
  let db: TestDatabase;
  let jp: InitializedNode;
  let kr: InitializedNode;
  const proxy = new HoldingProxy();
  const procs: Record<'a' | 'b' | 'kr', NodeProcess | null> = { a: null, b: null, kr: null };
  let pgc: pg.Client;

  const krRows = <T>(sql: string): T[] => {
    const q = openSqlite(join(kr.dir, 'store.sqlite'), { readonly: true });
    try {
      return q.prepare(sql).all() as T[];
    } finally {
      q.close();
    }
  };
  /** The items released in the test (the alert is an item too, which is left out). */
  let released = new Set<string>();
  /** KR's envelopes of the released items accepted, by envelope. */
  const arrived = () =>
    krRows<{ id: string; item_id: string }>(
      "SELECT id, item_id FROM inbox WHERE from_party = 'JP' AND type = 'item' AND status = 'accepted'",
    ).filter((r) => released.has(r.item_id));
  const received = () => arrived().length;
  /** The lease holders, as an instance's /metrics gives them. */
  const holders = async (at: NodeProcess, token: string): Promise<Map<string, string>> => {
    const r = await http(at.url, 'GET', '/metrics', token);
    expect(r.status, r.text).toBe(200);
    const out = new Map<string, string>();
    for (const line of r.text.split('\n')) {
      if (!line.startsWith('liaison_lease_held{')) continue;
      const name = /name="([^"]+)"/.exec(line)?.[1];
      const instance = /instance="([^"]+)"/.exec(line)?.[1];
      if (name !== undefined && instance !== undefined && line.endsWith(' 1'))
        out.set(name, instance);
    }
    return out;
  };

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    jp = initNodeDir('JP', db.target);
    kr = initNodeDir('KR');
    const proxyUrl = await proxy.listen();
    // KR accepts requests signed for the proxy's authority.
    const config = join(kr.dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), aliasUrls: [proxyUrl] }),
    );
    const instance = (name: string) =>
      startNodeProcess(jp.dir, undefined, ['--nats', NATS, '--instance', name]);
    [procs.kr, procs.a, procs.b] = await Promise.all([
      startNodeProcess(kr.dir),
      instance('a'),
      instance('b'),
    ]);
    proxy.target = procs.kr.url;
    const peered = await http(procs.a.url, 'POST', '/v1/peers', jp.adminToken, {
      url: proxyUrl,
      fingerprint: kr.fingerprint,
    });
    expect(peered.status, peered.text).toBe(201);
    const back = await http(procs.kr.url, 'POST', '/v1/peers', kr.adminToken, {
      url: procs.a.url,
      fingerprint: jp.fingerprint,
    });
    expect(back.status, back.text).toBe(201);
    pgc = new pg.Client({ connectionString: db.target });
    await pgc.connect();
  }, 60_000);

  afterAll(async () => {
    await pgc?.end();
    await Promise.all(Object.values(procs).map((p) => p?.stop()));
    await proxy.close();
    await db?.drop();
  });

  it('kill -9 of the instance holding the lane: the other takes over within seconds, sends the batch in flight again, and every item arrives exactly once', async () => {
    const a = procs.a as NodeProcess;
    const b = procs.b as NodeProcess;
    // Bound at both ends: KR refuses (no-agreement) an item that arrives before.
    for (const [url, token, at] of [
      [a.url, jp.adminToken, 'JP'],
      [(procs.kr as NodeProcess).url, kr.adminToken, 'KR'],
    ] as const) {
      await waitFor(`GSOMIA to bind at ${at}`, async () => {
        const list = (await http(url, 'GET', '/v1/agreements', token)).body as {
          id: string;
          binding: boolean;
        }[];
        return list.find((x) => x.id === 'gsomia-jp-kr-2016')?.binding === true;
      });
    }
    const person = async (username: string, roles: string[]) => {
      const u = await http(a.url, 'POST', '/v1/users', jp.adminToken, {
        username,
        clearance: 'KIMITSU',
        needToKnow: ['dprk-missile'],
        roles,
      });
      expect(u.status, u.text).toBe(201);
      const t = await http(a.url, 'POST', `/v1/users/${username}/tokens`, jp.adminToken, {
        label: 't',
      });
      expect(t.status, t.text).toBe(201);
      return (t.body as { token: string }).token;
    };
    const ra = await person('jp-ra', ['releasing-authority', 'officer']);
    const auditor = await person('jp-auditor', ['auditor']);

    // Who delivers to KR: one instance holds each lane, and says so in /metrics.
    const before = await waitFor('the lane to be held', async () => {
      const h = await holders(a, auditor);
      return h.has(LANE) && h.has('leader') ? h : undefined;
    });
    const holderName = before.get(LANE) as 'a' | 'b';
    const [holder, other] = holderName === 'a' ? [a, b] : [b, a];
    const otherName = holderName === 'a' ? 'b' : 'a';
    expect(await holders(other, auditor)).toEqual(before);

    // An alert sent through the instance that does not lead: the leader learns of it
    // (the `alerts` tag) and escalates it, each level once, though both instances run.
    const leader = before.get('leader') === 'a' ? a : b;
    const follower = leader === a ? b : a;
    const alert = await http(follower.url, 'POST', '/v1/alerts', ra, {
      preset: 'launch',
      to: ['KR'],
      ackWithinSeconds: 1,
    });
    expect(alert.status, alert.text).toBe(201);
    const alertId = (alert.body as { id: string }).id;
    const escalations = async (id = alertId) =>
      (
        await pgc.query<{ data: string }>(
          'SELECT data FROM log_entries WHERE data LIKE \'%"type":"alert.escalated"%\' ORDER BY idx',
        )
      ).rows
        .map((r) => JSON.parse(r.data) as { subject: { item: string; level: number } })
        .filter((e) => e.subject.item === id)
        .map((e) => e.subject.level);
    await waitFor('three escalations', async () => (await escalations()).length >= 3, 30_000);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(await escalations()).toEqual([1, 2, 3]);

    // 500 items made and released through the instance that does not deliver: its
    // queued envelopes wake the holder (the change feed's `outbox` tag).
    const ids = await pool(N, 16, async (i) => {
      const r = await http(other.url, 'POST', '/v1/items', ra, {
        marking: 'HI',
        categories: ['dprk-missile'],
        title: `d${i}`,
        body: '',
      });
      expect(r.status, r.text).toBe(201);
      return (r.body as { id: string }).id;
    });
    released = new Set(ids);
    const releasing = pool(N, 8, async (i) => {
      const r = await http(other.url, 'POST', `/v1/items/${ids[i]}/release`, ra, { to: 'KR' });
      expect(r.status, r.text).toBe(202);
    });
    // Once KR has some, the next batch reaches KR but its answer is held; then the
    // holder dies while it waits for that answer.
    await waitFor('KR to receive the first items', async () => received() >= 50, 30_000);
    proxy.hold();
    await waitFor('a batch held between JP and KR', async () => proxy.held !== null, 15_000);
    // An alert with a one-second deadline, sent just before the kill: its escalation
    // window (four deadlines) ends before a takeover (up to six seconds) when the
    // killed instance leads; the survivor still escalates it, late (decision #118).
    const late = await http(other.url, 'POST', '/v1/alerts', ra, {
      preset: 'launch',
      to: ['KR'],
      ackWithinSeconds: 1,
    });
    expect(late.status, late.text).toBe(201);
    const lateId = (late.body as { id: string }).id;
    holder.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise<void>((r) =>
      holder.child.exitCode !== null || holder.child.signalCode !== null
        ? r()
        : holder.child.once('exit', () => r()),
    );
    procs[holderName] = null;
    const held = proxy.held;
    if (held === null) throw new Error('no batch held');
    // KR took the batch and answered it; the sender never saw the answer.
    expect(held.status).toBe(200);
    expect(held.receipts).toBe(held.messages);
    expect(held.messages).toBeGreaterThan(0);
    const receivedAtKill = received();

    // The other instance takes the lane over once the lease expires (TTL 5 s).
    await waitFor(
      'the other instance to hold the lane',
      async () => (await holders(other, auditor)).get(LANE) === otherName,
      15_000,
    );
    const takeover = Date.now() - killedAt;
    console.log(
      `takeover after ${takeover} ms; ${held.messages} envelopes in flight at the kill; KR had ${receivedAtKill} of ${N}`,
    );
    expect(takeover).toBeLessThan(8_000);
    // The alert sent before the kill escalates, each level once, whoever led.
    console.log(
      `the killed instance ${before.get('leader') === holderName ? 'led' : 'did not lead'}`,
    );
    await waitFor(
      'the late alert to escalate three times',
      async () => (await escalations(lateId)).length >= 3,
      30_000,
    );
    expect(await escalations(lateId)).toEqual([1, 2, 3]);
    await releasing;
    await waitFor('every item at KR', async () => received() === N, 30_000);
    await waitFor(
      "JP's outbox to drain",
      async () =>
        (
          await pgc.query(
            "SELECT count(*)::int AS n FROM outbox WHERE type = 'item' AND state = 'pending'",
          )
        ).rows[0].n === 0,
      30_000,
    );
    // Every lease is the survivor's now (the lanes and the timers).
    const after = await holders(other, auditor);
    expect(new Set(after.values())).toEqual(new Set([otherName]));
    expect(after.get('leader')).toBe(otherName);

    // Exactly once, on both sides.
    const sent = (
      await pgc.query<{ id: string; state: string; item_id: string }>(
        "SELECT id, state, item_id FROM outbox WHERE type = 'item' AND peer = 'KR'",
      )
    ).rows.filter((r) => released.has(r.item_id));
    expect(sent).toHaveLength(N);
    expect(sent.filter((s) => s.state !== 'delivered')).toEqual([]);
    const envelopes = new Set(sent.map((s) => s.id));
    const inbox = arrived();
    expect(inbox).toHaveLength(N);
    expect(new Set(inbox.map((r) => r.id))).toEqual(envelopes);
    const count = (entries: { data: string }[], type: string, decision: string) => {
      const per = new Map<string, number>();
      for (const { data } of entries) {
        const e = JSON.parse(data) as {
          type: string;
          decision: string;
          subject: { envelope?: string };
        };
        if (e.type !== type || e.decision !== decision || e.subject.envelope === undefined)
          continue;
        per.set(e.subject.envelope, (per.get(e.subject.envelope) ?? 0) + 1);
      }
      return per;
    };
    const receivedAtKr = count(
      krRows<{ data: string }>(
        'SELECT data FROM log_entries WHERE data LIKE \'%"type":"item.received"%\'',
      ),
      'item.received',
      'allow',
    );
    const itemsReceived = [...receivedAtKr].filter(([id]) => envelopes.has(id));
    expect(itemsReceived).toHaveLength(N);
    expect(itemsReceived.every(([, n]) => n === 1)).toBe(true);
    const deliveredAtJp = count(
      (
        await pgc.query<{ data: string }>(
          'SELECT data FROM log_entries WHERE data LIKE \'%"type":"envelope.delivered"%\'',
        )
      ).rows,
      'envelope.delivered',
      'allow',
    );
    const itemDeliveries = [...deliveredAtJp].filter(([id]) => envelopes.has(id));
    expect(itemDeliveries).toHaveLength(N);
    expect(itemDeliveries.every(([, n]) => n === 1)).toBe(true);
    // KR holds each item once.
    const holdings = krRows<{ item_id: string }>(
      "SELECT item_id FROM holdings WHERE party = 'KR'",
    ).filter((r) => released.has(r.item_id));
    expect(holdings).toHaveLength(N);

    // Both logs verify: JP's (written by both instances) from its store, KR's too.
    for (const dir of [jp.dir, kr.dir]) {
      const v = liaison(['audit', 'verify', '--data', dir, '--json']);
      expect(v.code, v.err).toBe(0);
      expect((JSON.parse(v.out) as { ok: boolean }).ok).toBe(true);
    }

    // A clean stop releases the leases: an instance started again takes them at its
    // next try (a second), not after the expiry.
    const again = await startNodeProcess(jp.dir, undefined, [
      '--nats',
      NATS,
      '--instance',
      holderName,
    ]);
    procs[holderName] = again;
    await other.stop();
    procs[otherName] = null;
    const stoppedAt = Date.now();
    await waitFor(
      'the restarted instance to hold every lease',
      async () => {
        const h = await holders(again, auditor);
        return h.get(LANE) === holderName && h.get('leader') === holderName;
      },
      10_000,
    );
    expect(Date.now() - stoppedAt).toBeLessThan(2_500);
  }, 90_000);
});
