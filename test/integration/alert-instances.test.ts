// FLASH alerts fanned out across a node's instances (issue 13 point 4), with real
// processes: KR runs as two instances on one PostgreSQL database sharing NATS
// JetStream, behind a TCP balancer (partners know KR by the balancer's URL); JP is one
// process on SQLite. An alert from JP reaches officers on both KR instances; a token
// revoked through one instance closes its stream on the other within a second; a
// stream resumed with `after` replays only what its reader may read; and an officer
// whose instance is killed with SIGKILL while alerts stream in resumes on the other
// after the last id it saw: none lost, none twice.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from '../support/balancer.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { addPerson, waitFor } from '../support/federation.js';
import {
  BIN,
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  startNodeProcess,
} from '../support/node-process.js';
import { type Frame, freePort, sockets, watch } from '../support/streams.js';

const NATS = process.env.LIAISON_TEST_NATS ?? 'nats://127.0.0.1:4222';

/** `liaison …` in a child process, without blocking this one. */
function liaisonApart(
  args: readonly string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LIAISON_TOKEN: '', LIAISON_NODE: '' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString('utf8');
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    }),
  );
}

describe('FLASH alerts across the instances of one node', () => {
  let kr: { db: TestDatabase; lb: Balancer; init: InitializedNode };
  const ports: Record<'a' | 'b', number> = { a: 0, b: 0 };
  const procs: Record<'a' | 'b', NodeProcess | null> = { a: null, b: null };
  let jp: { init: InitializedNode; proc: NodeProcess };
  const tokens = { officer: '', second: '', clerk: '', revoked: '', revokedId: '', ra: '' };
  const at = (i: 'a' | 'b') => `http://127.0.0.1:${ports[i]}`;

  /** JP sends a launch alert to KR (no escalation during the test); returns its id. */
  const send = async (): Promise<string> => {
    const r = await http(jp.proc.url, 'POST', '/v1/alerts', tokens.ra, {
      preset: 'launch',
      to: ['KR'],
      ackWithinSeconds: 3600,
    });
    expect(r.status, r.text).toBe(201);
    return (r.body as { id: string }).id;
  };

  /** A person made at KR through `url` (the admin's, in setup), and an API token. */
  const krPerson = async (
    url: string,
    username: string,
    clearance: string,
    roles: string[] = ['officer'],
  ): Promise<{ token: string; id: string }> => {
    const u = await http(url, 'POST', '/v1/users', kr.init.adminToken, {
      username,
      clearance,
      needToKnow: ['dprk-missile'],
      roles,
    });
    expect(u.status, u.text).toBe(201);
    const t = await http(url, 'POST', `/v1/users/${username}/tokens`, kr.init.adminToken, {
      label: 'alert-instances',
    });
    expect(t.status, t.text).toBe(201);
    return t.body as { token: string; id: string };
  };

  beforeAll(async () => {
    const db = await createTestDatabase('postgres');
    const lb = await startBalancer();
    kr = { db, lb, init: initNodeDir('KR', db.target, ['--url', lb.url]) };
    ports.a = await freePort();
    ports.b = await freePort();
    const jpInit = initNodeDir('JP');
    const [a, b, jpProc] = await Promise.all([
      startNodeProcess(kr.init.dir, at('a'), ['--nats', NATS, '--instance', 'kr-a']),
      startNodeProcess(kr.init.dir, at('b'), ['--nats', NATS, '--instance', 'kr-b']),
      startNodeProcess(jpInit.dir),
    ]);
    procs.a = a;
    procs.b = b;
    jp = { init: jpInit, proc: jpProc };
    lb.setBackends([`127.0.0.1:${ports.a}`, `127.0.0.1:${ports.b}`]);
    const admin = { KR: kr.init.adminToken, JP: jpInit.adminToken };
    const peer = async (from: string, token: string, to: string, fingerprint: string) => {
      const r = await http(from, 'POST', '/v1/peers', token, { url: to, fingerprint });
      expect(r.status, r.text).toBe(201);
    };
    await peer(lb.url, admin.KR, jp.proc.url, jpInit.fingerprint);
    await peer(jp.proc.url, admin.JP, lb.url, kr.init.fingerprint);
    for (const [url, token] of [
      [lb.url, admin.KR],
      [jp.proc.url, admin.JP],
    ] as const)
      await waitFor('the agreements to bind', async () => {
        // Those between JP and KR alone (US is not here: the trilateral ones cannot bind).
        const list = (
          (await http(url, 'GET', '/v1/agreements', token)).body as {
            binding: boolean;
            parties: string[];
          }[]
        ).filter((x) => x.parties.every((p) => p === 'JP' || p === 'KR'));
        return list.length > 0 && list.every((x) => x.binding);
      });
    // People made through either instance: the other resolves their tokens from the store.
    tokens.officer = (await krPerson(at('a'), 'kr-officer', 'II')).token;
    tokens.second = (await krPerson(at('b'), 'kr-second', 'II')).token;
    tokens.clerk = (await krPerson(at('a'), 'kr-clerk', 'III')).token;
    const leaving = await krPerson(at('b'), 'kr-leaving', 'II');
    tokens.revoked = leaving.token;
    tokens.revokedId = leaving.id;
    tokens.ra = await addPerson(
      {
        party: 'JP',
        init: jpInit,
        proc: jpProc,
        url: jpProc.url,
        tokens: { admin: admin.JP, officer: '', ra: '', clerk: '', auditor: '' },
      },
      'jp-ra',
      'KIMITSU',
      ['dprk-missile'],
      ['releasing-authority', 'officer'],
    );
  }, 180_000);

  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await Promise.all([procs.a?.stop(), procs.b?.stop(), jp?.proc.stop()]);
    await kr?.lb.close();
    await kr?.db.drop();
  });

  let first = '';
  let firstId = '';
  /** Where the streams open before the first alert started (their `ready`). */
  let beforeFirst = '';

  it('an alert from JP reaches officers on both KR instances, each instance logging its own pushes', async () => {
    const onA = await watch(at('a'), tokens.officer);
    const onB = await watch(at('b'), tokens.second);
    const clerk = await watch(at('b'), tokens.clerk);
    first = await send();
    await waitFor('the alert on A', async () => onA.alerts().includes(first));
    await waitFor('the alert on B', async () => onB.alerts().includes(first));
    const [eA] = onA.events();
    const [eB] = onB.events();
    // One id for the event, whichever instance pushed it: opaque, not a number.
    expect(eA?.id).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(eB?.id).toBe(eA?.id);
    firstId = eA?.id as string;
    beforeFirst = onA.frames[0]?.after as string;
    // The clerk's `ready` is a token like the others: the same length, never the same.
    expect(clerk.frames[0]?.after).toHaveLength(beforeFirst.length);
    expect(new Set([beforeFirst, onB.frames[0]?.after, clerk.frames[0]?.after]).size).toBe(3);
    // The clerk (III) may not read a II alert: nothing, not even that it exists.
    await new Promise((r) => setTimeout(r, 500));
    expect(clerk.events()).toEqual([]);
    const auditor = (await krPerson(at('a'), 'kr-auditor', 'I', ['auditor'])).token;
    const entries = (
      (await http(at('b'), 'GET', '/v1/log/entries?start=0&limit=10000', auditor)).body as {
        data: string;
      }[]
    ).map((r) => JSON.parse(r.data) as { type: string; subject: Record<string, unknown> });
    const pushed = entries
      .filter((e) => e.type === 'alert.pushed' && e.subject.item === first)
      .map((e) => e.subject.users);
    expect(pushed).toHaveLength(2);
    expect(pushed).toEqual(expect.arrayContaining([['kr-officer'], ['kr-second']]));
    onA.ws.close();
    onB.ws.close();
    clerk.ws.close();
  });

  it('a token revoked through instance A closes its stream on instance B within 1 s', async () => {
    const onB = await watch(at('b'), tokens.revoked);
    const t0 = Date.now();
    const r = await http(at('a'), 'DELETE', `/v1/tokens/${tokens.revokedId}`, kr.init.adminToken);
    expect(r.status, r.text).toBe(200);
    await waitFor('the stream on B to close', async () => onB.closed !== null, 5000);
    expect(onB.closed?.code).toBe(4401);
    expect((onB.closed?.at ?? 0) - t0).toBeLessThan(1000);
  });

  it('a stream resumed with after= replays what its reader may read, and nothing to one not cleared', async () => {
    // Resumed from where a stream opened at instance A before the first alert stood.
    const clerk = await watch(at('b'), tokens.clerk, beforeFirst);
    const officer = await watch(at('b'), tokens.officer, beforeFirst);
    await waitFor('the replay', async () => officer.alerts().includes(first));
    expect(officer.frames[0]).toMatchObject({ type: 'ready', missed: false });
    expect(officer.events()[0]?.id).toBe(firstId);
    expect(clerk.frames[0]).toMatchObject({ type: 'ready', missed: false });
    await new Promise((r) => setTimeout(r, 500));
    expect(clerk.events()).toEqual([]);
    // `liaison alert watch --after` replays the same through the balancer (run apart:
    // the balancer lives in this process, which spawnSync would stop).
    const cli = await liaisonApart([
      'alert',
      'watch',
      '--node',
      kr.lb.url,
      '--token',
      tokens.officer,
      '--after',
      beforeFirst,
      '--count',
      '1',
      '--json',
    ]);
    expect(cli.code, cli.err).toBe(0);
    const printed = cli.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Frame);
    expect(printed.map((f) => f.type)).toEqual(['ready', 'alert']);
    expect(printed[1]?.id).toBe(firstId);
    clerk.ws.close();
    officer.ws.close();
  });

  it('an officer whose instance is killed (SIGKILL) mid-stream resumes on the other: none lost, none twice', async () => {
    const N = 30;
    let w = await watch(at('a'), tokens.officer);
    const sent: string[] = [];
    const seen: Frame[] = [];
    // Alerts keep coming from JP (through the balancer, to either instance).
    const sending = (async () => {
      for (let i = 0; i < N; i++) {
        sent.push(await send());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitFor('some alerts on A', async () => w.alerts().length >= 5);
    procs.a?.child.kill('SIGKILL');
    // Killed while alerts were still coming.
    expect(sent.length).toBeLessThan(N);
    await waitFor('the stream on A to drop', async () => w.closed !== null);
    seen.push(...w.events());
    const last = seen.at(-1)?.id as string;
    // Resumes at B (directly: the balancer would find B too) after the last id seen.
    w = await watch(at('b'), tokens.officer, last);
    expect(w.frames[0]).toMatchObject({ type: 'ready', missed: false });
    await sending;
    await waitFor(
      'every alert',
      async () => {
        const got = new Set([...seen, ...w.events()].map((f) => (f.alert as { id: string }).id));
        return sent.every((id) => got.has(id));
      },
      60_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    const all = [...seen, ...w.events()];
    // Nothing twice (each event's id once), nothing skipped, in order (every event of
    // this test is an alert this officer may read, sent one after another).
    const ids = all.map((f) => f.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    const alerts = all.filter((f) => f.type === 'alert').map((f) => (f.alert as { id: string }).id);
    expect(alerts).toEqual(sent);
  }, 120_000);
});
