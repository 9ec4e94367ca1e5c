// `liaison node init` and `liaison node start`: a node's data directory holds its
// config, its keys (private keys encrypted under a passphrase) and, by default, its
// SQLite store.

import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AlertService } from '../alerts/service.js';
import { parseListen } from '../api/listen.js';
import { createMetrics, serveMetrics } from '../api/metrics.js';
import { buildApi } from '../api/server.js';
import { type Bus, LocalBus } from '../bus/bus.js';
import { openNatsBus } from '../bus/nats.js';
import { messageOf } from '../core/guards.js';
import { BUILT_IN_PARTIES, BUILT_IN_TEMPLATES } from '../core/index.js';
import {
  generateNodeKeys,
  KeyRing,
  openKeys,
  type StoredKeys,
  StoredKeysSchema,
  sealKeys,
} from '../crypto/keys.js';
import { Cosigning, DEFAULT_WITNESS_INTERVAL_MS } from '../federation/cosigning.js';
import { Federation } from '../federation/federation.js';
import { proposeAgreement } from '../federation/operations.js';
import { loadRotatedKeys } from '../federation/rotation.js';
import { outOfStep } from '../federation/sync-view.js';
import { trustingFetch } from '../federation/transport.js';
import { rawPublicKey, verifierKey } from '../log/note.js';
import type { IssuedToken } from '../node/auth.js';
import { record } from '../node/events.js';
import { LiaisonNode } from '../node/service.js';
import { openSetup } from '../node/setup-mode.js';
import { createUser, issueToken } from '../node/users.js';
import { isPostgresUrl, openStore } from '../store/db.js';
import { metaValue, putMeta } from '../store/meta.js';
import { configPath, keysPath, type NodeConfig, readConfig, readJsonFile } from './config.js';
import { SetupError } from './errors.js';
import { initTls, startTls, type TlsFlags } from './tls.js';

export { configPath, DEFAULT_DATA_DIR, keysPath, type NodeConfig, readConfig } from './config.js';
export { SetupError };

const DEFAULT_PORT = 8420;

export function readStoredKeys(dir: string): StoredKeys {
  return readJsonFile(keysPath(dir), StoredKeysSchema, 'the node keys');
}

export function databaseTarget(dir: string, config: NodeConfig): string {
  return isPostgresUrl(config.database) ? config.database : resolve(dir, config.database);
}

export interface InitOptions {
  readonly party: string;
  readonly dir: string;
  readonly passphrase: string;
  readonly database?: string | undefined;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  readonly origin?: string | undefined;
  readonly url?: string | undefined;
  readonly requireTotp?: boolean | undefined;
  readonly metricsListen?: string | undefined;
  readonly witnessIntervalSeconds?: number | undefined;
  /** The first admin's username (default `admin`; the demo's are `<party>-admin`). */
  readonly adminUsername?: string | undefined;
  /** `--tls-cert`, `--tls-key`, `--tls-ca`: checked, then recorded in config.json. */
  readonly tls?: TlsFlags | undefined;
}

export interface InitResult {
  readonly config: NodeConfig;
  /** The first admin: its username and its API token (shown once). */
  readonly adminUsername: string;
  readonly admin: IssuedToken;
  readonly verifierKey: string;
  /** What partners confirm out of band before adding this node as a peer. */
  readonly fingerprint: string;
}

/** Creates keys, config, store, the party's built-in agreements and a first admin. */
export async function initNode(o: InitOptions): Promise<InitResult> {
  if (!BUILT_IN_PARTIES.has(o.party)) {
    throw new SetupError(
      `unknown party '${o.party}': a node is for one of ${[...BUILT_IN_PARTIES.keys()].join(', ')}`,
    );
  }
  if (existsSync(configPath(o.dir)))
    throw new SetupError(`'${o.dir}' already holds a node (${configPath(o.dir)})`);
  const tls = initTls(o.dir, o.tls ?? {}, new Date());
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  chmodSync(o.dir, 0o700);
  const keys = generateNodeKeys();
  const stored = sealKeys(keys, o.passphrase);
  const config: NodeConfig = {
    party: o.party,
    origin: o.origin ?? `liaison.local/${o.party}`,
    database: o.database ?? 'store.sqlite',
    port: o.port ?? DEFAULT_PORT,
    host: o.host ?? '127.0.0.1',
    ...(o.url === undefined ? {} : { url: o.url }),
    ...(o.requireTotp === true ? { requireTotp: true } : {}),
    ...(o.metricsListen === undefined ? {} : { metricsListen: o.metricsListen }),
    ...(o.witnessIntervalSeconds === undefined
      ? {}
      : { witnessIntervalSeconds: o.witnessIntervalSeconds }),
    ...(tls === undefined ? {} : { tls }),
    createdAt: new Date().toISOString(),
    verifierKey: verifierKey(o.origin ?? `liaison.local/${o.party}`, rawPublicKey(keys.signing)),
  };
  if (o.metricsListen !== undefined) {
    try {
      parseListen(o.metricsListen, '--metrics-listen');
    } catch (e) {
      throw new SetupError(messageOf(e));
    }
  }
  const store = await openStore(databaseTarget(o.dir, config), o.passphrase);
  const node = await LiaisonNode.open({
    party: o.party,
    origin: config.origin,
    store,
    signingKey: keys.signing,
  });
  try {
    await node.transact(async (u) => {
      if ((await metaValue(u.tx, 'party')) !== undefined)
        throw new SetupError(`the store ${store.location} already belongs to a node`);
      await putMeta(u.tx, { party: o.party, origin: config.origin });
      // Setup: the first admin acts alone until the node has people to approve
      // privileged changes (src/node/setup-mode.ts).
      await openSetup(u);
      record(
        u,
        'node.initialized',
        { user: null, party: o.party },
        { party: o.party, origin: config.origin, verifierKey: node.verifierKey },
      );
    });
    // The party's built-in agreements, signed by this party: each binds once its
    // other parties' nodes have signed too (they do when they are added as peers).
    const federation = await Federation.open({
      node,
      signingKey: keys.signing,
      encryptionKey: keys.encryption,
      url:
        config.url ??
        `${tls?.cert === undefined ? 'http' : 'https'}://${config.host}:${config.port}`,
    });
    for (const t of BUILT_IN_TEMPLATES.values()) {
      if (t.parties.includes(o.party)) await proposeAgreement(federation, null, t);
    }
    const party = BUILT_IN_PARTIES.get(o.party);
    // The one person created without anyone's approval: logged as node init's.
    const adminUsername = o.adminUsername ?? 'admin';
    await createUser(node, null, {
      username: adminUsername,
      clearance: party?.scheme.unclassified.code ?? 'U',
      needToKnow: [],
      roles: ['admin'],
    });
    const admin = await issueToken(node, null, adminUsername, 'first admin (node init)');
    await node.checkpoint();
    writeFileSync(keysPath(o.dir), `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    writeFileSync(configPath(o.dir), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return {
      config,
      adminUsername,
      admin,
      verifierKey: node.verifierKey,
      fingerprint: federation.identity.fingerprint,
    };
  } finally {
    await node.close();
  }
}

export interface RunningNode {
  readonly node: LiaisonNode;
  readonly federation: Federation;
  /** Asks the peers to cosign this node's checkpoints (witnessing by default). */
  readonly cosigning: Cosigning;
  readonly alerts: AlertService;
  readonly app: FastifyInstance;
  readonly url: string;
  /** The metrics listener's URL, when the node has one. */
  readonly metricsUrl: string | null;
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly dir: string;
  readonly passphrase: string;
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  readonly logger?: boolean | undefined;
  /** How often to sign a checkpoint when the log has grown (ms). */
  readonly checkpointEveryMs?: number | undefined;
  /** How often to ask the peers to cosign (ms); overrides the config's witnessIntervalSeconds. */
  readonly witnessIntervalMs?: number | undefined;
  /** host:port for the metrics listener; overrides the config's `metricsListen`. */
  readonly metricsListen?: string | undefined;
  /** `--tls-cert`, `--tls-key`, `--tls-ca`: each overrides the config's. */
  readonly tls?: TlsFlags | undefined;
  /** The store, overriding the config's (a postgres:// URL the node's instances share). */
  readonly database?: string | undefined;
  /** NATS for the node's instances, overriding the config's `nats`. */
  readonly nats?: string | undefined;
  /** This instance's name (default: random); it shows in leases and /metrics. */
  readonly instance?: string | undefined;
}

/** The data directory and the files in it are for this node's operator only. */
function tightenPermissions(dir: string): void {
  chmodSync(dir, 0o700);
  for (const f of [configPath(dir), keysPath(dir)]) if (existsSync(f)) chmodSync(f, 0o600);
}

export async function startNode(o: StartOptions): Promise<RunningNode> {
  const config = readConfig(o.dir);
  tightenPermissions(o.dir);
  const tls = startTls(o.dir, configPath(o.dir), config.tls, o.tls ?? {}, new Date());
  const keys = openKeys(readStoredKeys(o.dir), o.passphrase);
  // The log's key is the one recorded at init: a keys.json replaced with another key
  // would sign a history partners never saw (docs/decisions.md #86).
  const signingVerifier = verifierKey(config.origin, rawPublicKey(keys.signing));
  if (config.verifierKey !== undefined && config.verifierKey !== signingVerifier)
    throw new SetupError(
      `keys.json in ${o.dir} holds a signing key other than the one recorded at node init (config.json verifierKey ${config.verifierKey}); the node does not start with it`,
    );
  const store = await openStore(
    databaseTarget(o.dir, o.database === undefined ? config : { ...config, database: o.database }),
    o.passphrase,
  );
  const natsUrl = o.nats ?? config.nats;
  if (natsUrl !== undefined && store.dialect !== 'postgres') {
    await store.close();
    throw new SetupError(
      `--nats ${natsUrl}: several instances share a postgres:// database; this node's store is ${store.location}`,
    );
  }
  // Every key the node has had: keys.json's, then each rotation's (src/federation/rotation.ts).
  const ring = new KeyRing(keys);
  try {
    await loadRotatedKeys(ring, store.db);
  } catch (e) {
    await store.close();
    throw e;
  }
  const node = await LiaisonNode.open({
    party: config.party,
    origin: config.origin,
    store,
    // What the node signs for every partner: the newest keys all its peers hold.
    get signingKey() {
      return ring.settled.keys.signing;
    },
    firstSigningKey: keys.signing,
    ...(o.instance === undefined ? {} : { instance: o.instance }),
  });
  let bus: Bus;
  try {
    bus =
      natsUrl === undefined
        ? new LocalBus()
        : await openNatsBus(natsUrl, config.origin, node.instance);
  } catch (e) {
    await node.close();
    throw new SetupError(messageOf(e));
  }
  node.connectBus(bus);
  const port = o.port ?? config.port;
  const host = o.host ?? config.host;
  // The URL is known only once listening when the system chooses the port.
  let url = config.url ?? '';
  const federation = await Federation.open({
    node,
    keys: ring,
    // What the node signs for every partner: the newest keys all its peers hold.
    get signingKey() {
      return ring.settled.keys.signing;
    },
    get encryptionKey() {
      return ring.current.keys.encryption;
    },
    get url() {
      return url;
    },
    aliasUrls: config.aliasUrls ?? [],
    // Peers over https are checked against the CA given beside Node's roots; their
    // keys stay pinned by fingerprint all the same (TLS is the transport only).
    fetch: trustingFetch(tls.ca),
    statusIntervalMs: (config.statusReportSeconds ?? 300) * 1000,
  });
  const alerts = new AlertService(federation, {
    ackDeadlineMs: (config.alertAckDeadlineSeconds ?? 60) * 1000,
  });
  // The ports: the federation tells partners what changes here; the alerts check and
  // keep the content alert items carry.
  node.connectNotifier(federation);
  federation.connectContent(alerts);
  const cosigning = new Cosigning(
    federation,
    o.witnessIntervalMs ??
      (config.witnessIntervalSeconds === undefined
        ? DEFAULT_WITNESS_INTERVAL_MS
        : config.witnessIntervalSeconds * 1000),
  );
  const metrics = createMetrics(node, () => outOfStep(federation));
  const app = await buildApi(node, {
    logger: o.logger === true ? { level: 'info' } : false,
    federation,
    alerts,
    metrics,
    signIn: { requireTotp: config.requireTotp === true },
    cosigning,
    ...(tls.server === null ? {} : { https: tls.server }),
  });
  const metricsAt = o.metricsListen ?? config.metricsListen;
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | null = null;
  try {
    await app.listen({ port, host });
  } catch (e) {
    await node.close();
    throw new SetupError(`cannot listen on ${host}:${port}: ${messageOf(e)}`);
  }
  if (metricsAt !== undefined) {
    try {
      metricsServer = await serveMetrics(metrics, parseListen(metricsAt, 'metricsListen'));
    } catch (e) {
      await app.close();
      await node.close();
      throw new SetupError(`cannot serve metrics on ${metricsAt}: ${messageOf(e)}`);
    }
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  if (url === '')
    url = `${tls.server === null ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  federation.start();
  cosigning.start();
  await alerts.start();
  const timer = setInterval(() => {
    if (node.tree.size > 0) void node.checkpoint().catch(() => {});
  }, o.checkpointEveryMs ?? 10_000);
  timer.unref();
  return {
    node,
    app,
    federation,
    cosigning,
    alerts,
    url,
    metricsUrl: metricsServer?.url ?? null,
    async stop() {
      clearInterval(timer);
      await new Promise<void>((r) =>
        metricsServer === null ? r() : metricsServer.server.close(() => r()),
      );
      alerts.stop();
      await cosigning.stop();
      await federation.stop();
      await app.close();
      await node.close();
      await bus.close();
    },
  };
}
