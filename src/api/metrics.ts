// Prometheus metrics: served at /metrics to an auditor's token on the API, and, when
// the node is given a metrics address (`metricsListen`), without a token on that
// address only (the Prometheus convention: a separate, internal listener).
import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { LiaisonNode } from '../node/service.js';
import { leaseHolders } from '../store/cluster.js';
import { latestCosignatures, witnessAlarmCounts } from '../store/witnessing.js';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly duration: Histogram<'route'>;
  readonly decisions: Counter<'kind' | 'decision' | 'code'>;
}

/** The shared agreements out of step with a peer now (src/federation/sync-view.ts). */
export type OutOfStep = () => Promise<
  readonly { agreement: string; peer: string; problem: 'diverged' | 'silent' }[]
>;

export function createMetrics(node: LiaisonNode, outOfStep?: OutOfStep): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (outOfStep !== undefined)
    new Gauge({
      name: 'liaison_agreement_out_of_step',
      help: 'Shared agreements whose status a peer reports otherwise (problem="diverged") or has not reported within the expected period (problem="silent"): 1 each',
      labelNames: ['agreement', 'peer', 'problem'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const o of await outOfStep())
          this.set({ agreement: o.agreement, peer: o.peer, problem: o.problem }, 1);
      },
    });
  new Gauge({
    name: 'liaison_log_size',
    help: 'Entries in the transparency log',
    registers: [registry],
    collect() {
      this.set(node.tree.size);
    },
  });
  // Witnessing (docs/wire.md §10), read from the store at each scrape so that they
  // survive a restart: the alarms this node raised as a witness, and how far each
  // partner has cosigned this log (below liaison_log_size while it grows; above it
  // only if entries were lost).
  new Gauge({
    name: 'liaison_witness_alarms',
    help: 'Alarms this node raised as a witness (split views, rollbacks), by partner and kind',
    labelNames: ['peer', 'kind'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const a of await witnessAlarmCounts(node.store.db))
        this.set({ peer: a.peer, kind: a.kind }, a.count);
    },
  });
  new Gauge({
    name: 'liaison_log_cosigned_size',
    help: 'The largest size of this log each partner cosigned',
    labelNames: ['witness'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await latestCosignatures(node.store.db))
        this.set({ witness: c.witness }, c.size);
    },
  });
  // Several instances (PostgreSQL): which instance holds which lease now (a peer's
  // delivery lane, `leader` for the timers), read from the store at each scrape.
  if (node.shared)
    new Gauge({
      name: 'liaison_lease_held',
      help: 'Leases held now, by lease name and holding instance: 1 each (deliver:<peer>:<lane>, leader)',
      labelNames: ['name', 'instance'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const l of await leaseHolders(node.store.db, node.now()))
          this.set({ name: l.name, instance: l.holder }, 1);
      },
    });
  return {
    registry,
    requests: new Counter({
      name: 'liaison_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'liaison_http_request_seconds',
      help: 'HTTP request duration',
      labelNames: ['route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'liaison_decisions_total',
      help: 'Policy decisions by kind, decision and first reason code',
      labelNames: ['kind', 'decision', 'code'] as const,
      registers: [registry],
    }),
  };
}

/** The metrics listener: GET /metrics, nothing else. */
export function serveMetrics(
  metrics: Metrics,
  listen: { host: string; port: number },
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'not-found', message: 'only GET /metrics here' } }));
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(text);
      },
      () => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: 'internal', message: 'metrics failed' } }));
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : listen.port;
      const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
      resolve({ server, url: `http://${host}:${port}/metrics` });
    });
  });
}
