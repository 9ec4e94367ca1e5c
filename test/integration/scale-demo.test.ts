// `liaison demo --instances 2 --database … --nats …` (issue 13's scale demo), as people
// run it: two instances per party, each node in its own database on the server,
// demo.json listing every instance as `urls`; any instance answers for its node.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_ADMIN } from '../support/databases.js';
import { waitFor } from '../support/federation.js';
import { BIN, http, PASSPHRASE } from '../support/node-process.js';

const NATS = process.env.LIAISON_TEST_NATS ?? 'nats://127.0.0.1:4222';
const READY = 'Ctrl-C stops the demo; `liaison demo` again resumes it.';
type Party = 'JP' | 'KR' | 'US';
interface DemoFile {
  nodes: { party: Party; url: string; urls?: string[]; tokens: Record<string, string> }[];
  instances?: number;
}

describe('the scale demo', () => {
  let child: ChildProcess;
  let dir: string;
  let out = '';
  let file: DemoFile;
  /** The database the demo made for a party, named after its directory. */
  const demoDatabase = (p: string) =>
    `liaison_demo_${p}_${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 10)}`;
  const node = (p: Party) => file.nodes.find((n) => n.party === p) as DemoFile['nodes'][number];

  beforeAll(async () => {
    dir = join(mkdtempSync(join(tmpdir(), 'liaison-scale-demo-')), 'demo');
    const base = 21_000 + Math.floor(Math.random() * 15_000);
    child = spawn(
      process.execPath,
      [
        BIN,
        'demo',
        '--data',
        dir,
        '--port-base',
        String(base),
        '--instances',
        '2',
        '--database',
        PG_ADMIN,
        '--nats',
        NATS,
      ],
      {
        env: { ...process.env, LIAISON_PASSPHRASE: PASSPHRASE },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await waitFor('the demo to be ready', async () => out.includes(READY), 120_000);
    file = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as DemoFile;
  }, 150_000);

  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
    const c = new pg.Client({ connectionString: PG_ADMIN });
    await c.connect();
    for (const p of ['jp', 'kr', 'us'])
      await c.query(`DROP DATABASE IF EXISTS ${demoDatabase(p)} WITH (FORCE)`);
    await c.end();
  });

  it('lists two instances per node, and says so', () => {
    expect(file.instances).toBe(2);
    for (const n of file.nodes) {
      expect(n.urls, n.party).toHaveLength(2);
      expect(n.urls?.[0]).toBe(n.url);
    }
    expect(out).toContain('2 instances each');
  });

  it('any instance answers for its node, and an alert sent at JP reaches KR at both instances', async () => {
    const kr = node('KR');
    const [kr1, kr2] = kr.urls as [string, string];
    // The replayed exchange, whichever instance is asked.
    const list = async (url: string) =>
      ((await http(url, 'GET', '/v1/items', kr.tokens.officer)).body as { id: string }[])
        .map((i) => i.id)
        .sort();
    const one = await list(kr1);
    expect(one.length).toBeGreaterThan(0);
    expect(await list(kr2)).toEqual(one);
    // A FLASH alert sent at JP's second instance is listed at both KR instances. (The
    // first instance holds the lanes, and used to withhold it as `unknown-item` when it
    // prepared the batch before its World had caught up with the second: decision #119.)
    const jp = node('JP');
    const sent = await http(
      (jp.urls as string[])[1] as string,
      'POST',
      '/v1/alerts',
      jp.tokens['releasing-authority'],
      { preset: 'launch' },
    );
    expect(sent.status, sent.text).toBe(201);
    const id = (sent.body as { id: string }).id;
    for (const url of [kr1, kr2])
      await waitFor(
        `the alert at ${url}`,
        async () => {
          const r = await http(url, 'GET', `/v1/alerts/${id}`, kr.tokens.officer);
          return r.status === 200;
          // Six instances in one process, on a machine running the rest of the suite.
        },
        90_000,
      ).catch(async (e: unknown) => {
        // What the demo said (its nodes' complaints) and JP's outbox explain a miss.
        const c = new pg.Client({
          connectionString: PG_ADMIN.replace(/\/[^/]*$/, `/${demoDatabase('jp')}`),
        });
        await c.connect();
        const rows = (
          await c.query(
            'SELECT peer, seq, type, state, attempts, next_attempt_at, last_error, item_id FROM outbox ORDER BY created_at DESC LIMIT 6',
          )
        ).rows;
        const leases = (await c.query('SELECT * FROM leases')).rows;
        await c.end();
        throw new Error(
          `${(e as Error).message}; JP's outbox: ${JSON.stringify(rows)}; leases ${JSON.stringify(leases)} at ${Date.now()}; the demo printed:\n${out.slice(-4000)}`,
        );
      });
  }, 200_000);
});
