// The bus on a NATS cluster (docs/deploy.md: production runs three NATS servers): three
// nats-server processes with JetStream, clustered on loopback; two instances' buses
// each given all three servers (`nats://a,nats://b,nats://c`). The node's stream is
// replicated on the three. A message published by one instance reaches the other;
// then the stream's leader server is killed (SIGKILL): the stream lives on, an
// instance that starts then opens it, and every message published after the kill
// reaches that instance, in order.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/bus/bus.js';
import { natsServers, nodeToken, openNatsBus } from '../../src/bus/nats.js';
import { waitFor } from '../support/federation.js';
import { freePort } from '../support/streams.js';

interface Server {
  readonly name: string;
  readonly url: string;
  child: ChildProcess;
}

const servers: Server[] = [];
const buses: Bus[] = [];

async function startCluster(): Promise<Server[]> {
  const clientPorts = [await freePort(), await freePort(), await freePort()];
  const routePorts = [await freePort(), await freePort(), await freePort()];
  const routes = routePorts.map((p) => `nats://127.0.0.1:${p}`).join(',');
  return clientPorts.map((port, i) => {
    const name = `n${i + 1}`;
    const child = spawn(
      'nats-server',
      [
        '-a',
        '127.0.0.1',
        '-p',
        String(port),
        '-js',
        '-sd',
        mkdtempSync(join(tmpdir(), `liaison-nats-${name}-`)),
        '--server_name',
        name,
        '--cluster_name',
        'liaison-test',
        '--cluster',
        `nats://127.0.0.1:${routePorts[i]}`,
        '--routes',
        routes,
      ],
      { stdio: 'ignore' },
    );
    return { name, url: `nats://127.0.0.1:${port}`, child };
  });
}

/** Whether the cluster's JetStream answers (it has elected its meta leader). */
async function jetStreamReady(url: string): Promise<boolean> {
  const nc = await connect({ servers: url, timeout: 1_000 }).catch(() => null);
  if (nc === null) return false;
  try {
    await (await jetstreamManager(nc)).getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await nc.close().catch(() => {});
  }
}

beforeAll(async () => {
  servers.push(...(await startCluster()));
  await waitFor(
    'the cluster to elect its JetStream leader',
    async () => (await Promise.all(servers.map((s) => jetStreamReady(s.url)))).every(Boolean),
    30_000,
  );
}, 60_000);

afterAll(async () => {
  for (const b of buses) await b.close().catch(() => {});
  for (const s of servers) s.child.kill('SIGKILL');
});

describe('the bus on a three-server NATS cluster', () => {
  it('takes several servers, comma-separated, and names a bad one', () => {
    expect(natsServers('nats://a:1, nats://b:2')).toEqual(['nats://a:1', 'nats://b:2']);
    expect(() => natsServers('nats://a:1,http://b:2')).toThrow(/'http:\/\/b:2' is not one/);
    expect(() => natsServers('nats://a:1,')).toThrow(/one is empty/);
  });

  it('replicates the stream on three servers; with its leader server killed, the stream lives on and loses nothing', async () => {
    const all = servers.map((s) => s.url).join(',');
    const origin = `liaison.test/cluster-${Date.now()}`;
    const a = await openNatsBus(all, origin, 'a');
    const b = await openNatsBus(all, origin, 'b');
    buses.push(a, b);
    const got: string[] = [];
    b.subscribe('test.events', (d) => got.push(Buffer.from(d).toString('utf8')));

    // The stream has three replicas, on three servers.
    const nc = await connect({ servers: servers.map((s) => s.url) });
    const info = await (await jetstreamManager(nc)).streams.info(`LIAISON_${nodeToken(origin)}`);
    await nc.close();
    expect(info.config.num_replicas).toBe(3);
    const placed = [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)];
    expect(new Set(placed)).toEqual(new Set(['n1', 'n2', 'n3']));

    await a.publish('test.events', Buffer.from('before'));
    await waitFor('the first message at b', async () => got.includes('before'), 10_000);

    // Kill the stream's leader. The cluster elects another among the two left: an
    // instance that starts now opens the node's stream there, and every message
    // published after the kill reaches it, in order.
    const leader = servers.find((s) => s.name === info.cluster?.leader) as Server;
    leader.child.kill('SIGKILL');
    const c = await waitFor(
      'a bus to open after the kill',
      async () => openNatsBus(all, origin, 'c').catch(() => undefined),
      60_000,
    );
    buses.push(c);
    const atC: string[] = [];
    c.subscribe('test.events', (d) => atC.push(Buffer.from(d).toString('utf8')));
    const sent: string[] = [];
    let retried = 0;
    for (let i = 0; i < 20; i++) {
      const m = `after-${i}`;
      // A publish during the failover may fail: the node's caller then relies on its
      // one-second poll; here it is tried again until JetStream acknowledges it.
      let tries = 0;
      await waitFor(
        `publish ${m}`,
        async () => {
          tries++;
          return a.publish('test.events', Buffer.from(m)).then(
            () => true,
            () => false,
          );
        },
        60_000,
      );
      retried += tries - 1;
      sent.push(m);
    }
    await waitFor(
      'every message at the new instance',
      async () => sent.every((m) => atC.includes(m)),
      60_000,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}: it got ${atC.join(' ')}`);
    });
    // In order; twice only if a publish was tried again after an acknowledgement lost.
    expect([...new Set(atC)]).toEqual(sent);
    expect(atC.length - sent.length).toBeLessThanOrEqual(retried);
    // (Instance b's consumer, if it was on the killed server, is made again by the
    // NATS client with growing back-off: within about 6 s here on a quiet machine, but
    // once not within 30 s under the whole suite's load. Its node would meanwhile hear
    // the other instances through PostgreSQL's one-second poll: docs/deploy.md.)
  }, 200_000);
});
