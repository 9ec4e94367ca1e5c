// `liaison demo`: three nodes (JP, KR, US) on loopback, peered, their built-in
// agreements countersigned, people seeded in each, a short exchange replayed.
// Run again on the same directory, it resumes.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { launchPreset } from '../alerts/model.js';
import { messageOf } from '../core/guards.js';
import { BUILT_IN_TEMPLATES } from '../core/index.js';
import { decideConsentRequest, requestConsent, sendItem } from '../federation/operations.js';
import { createItem, readItem } from '../node/items.js';
import { hashPassword } from '../node/passwords.js';
import { type Actor, ROLES, type Role } from '../node/roles.js';
import { endSetup, setupOpen, setupPassword } from '../node/setup-mode.js';
import { createUser, issueToken } from '../node/users.js';
import { acksOf } from '../store/alerts.js';
import { consentRequest } from '../store/consents.js';
import { ensurePostgresDatabase, isPostgresUrl } from '../store/db.js';
import { generateTls } from './certificates.js';
import { DEFAULT_PORT_BASE } from './demo-defaults.js';
import { initNode, type RunningNode, SetupError, startNode } from './setup.js';

const DEMO_PARTIES = ['JP', 'KR', 'US'] as const;
/** A token per role in demo.json, in the order of ROLES. */
const DEMO_ROLES = ROLES;

export { DEFAULT_PORT_BASE };

/** How often the demo's nodes ask each other to cosign (the default is 30 s). */
const DEMO_WITNESS_INTERVAL_MS = 10_000;
/** Only for the demo's throwaway keys; a real node takes LIAISON_PASSPHRASE or asks. */
export const DEMO_PASSPHRASE = 'liaison demo passphrase (not for real keys)';
/** Every demo user's console password (the demo is for trying things out). */
const DEMO_PASSWORD = 'liaison-demo-password';

/** A demo person's username: `<party>-<role>`, e.g. kr-admin, jp-officer. */
export const demoUsername = (party: string, role: Role): string => `${party.toLowerCase()}-${role}`;

const byRole = Type.Object(Object.fromEntries(ROLES.map((r) => [r, Type.String()])));
const DemoNodeSchema = Type.Object({
  party: Type.String(),
  url: Type.String(),
  /** Every instance's URL, the first being `url` (`liaison demo --instances N`). */
  urls: Type.Optional(Type.Array(Type.String())),
  /** The console username of the person holding each role (`<party>-<role>`). */
  users: byRole,
  /** A token per role, in the order of ROLES. */
  tokens: byRole,
});
/** demo.json: the nodes, their URLs, and a username and a token per role. */
const DemoFileSchema = Type.Object({
  nodes: Type.Array(DemoNodeSchema),
  /** The console password of every demo user (`<party>-<role>`, e.g. jp-officer). */
  password: Type.Optional(Type.String()),
  /** How many instances each node runs, and the NATS they share (the scale demo). */
  instances: Type.Optional(Type.Integer({ minimum: 1 })),
  nats: Type.Optional(Type.String()),
  /** With `--tls`: the private CA whose certificate the nodes serve HTTPS with (ca.pem). */
  ca: Type.Optional(Type.String()),
});
export type DemoNode = Static<typeof DemoNodeSchema>;
export type DemoFile = Static<typeof DemoFileSchema>;

/** demo.json, checked. */
function readDemoFile(path: string): DemoFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SetupError(`cannot read ${path}: ${messageOf(e)}`);
  }
  if (!Value.Check(DemoFileSchema, value))
    throw new SetupError(
      `${path} is not a demo file of this version: remove its directory to start afresh`,
    );
  return value;
}

export interface RunningDemo {
  readonly file: DemoFile;
  readonly nodes: readonly RunningNode[];
  readonly resumed: boolean;
  stop(): Promise<void>;
}

const TOP: Record<string, string> = { JP: 'KIMITSU', KR: 'I', US: 'TS' };
const SECRET: Record<string, string> = { JP: 'GOKUHI', KR: 'II', US: 'S' };
const NEED: string[] = ['dprk-missile', 'dprk-nuclear'];

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`the demo timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The port base a demo directory was started with, from its demo.json; null if none. */
export function storedPortBase(dir: string): number | null {
  const path = join(dir, 'demo.json');
  if (!existsSync(path)) return null;
  const first = readDemoFile(path).nodes[0];
  return first === undefined ? null : Number(new URL(first.url).port) - 1;
}

/** The demo's private CA and certificate (made once; an interrupted first run's are reused). */
function demoTls(dir: string, log: (s: string) => void): { cert: string; key: string; ca: string } {
  const files = {
    cert: resolve(dir, 'cert.pem'),
    key: resolve(dir, 'key.pem'),
    ca: resolve(dir, 'ca.pem'),
  };
  if (Object.values(files).every((f) => existsSync(f))) return files;
  const g = generateTls({ out: resolve(dir) });
  log(`made a private CA and a certificate for ${g.hosts.join(', ')} in ${dir}`);
  return { cert: g.cert, key: g.key, ca: g.ca };
}

/** Instance k (from 0) of the node of party number i listens on base + i + 1 + 10k. */
const INSTANCE_PORT_STRIDE = 10;
const MAX_INSTANCES = 4;

export async function runDemo(o: {
  dir: string;
  portBase: number;
  passphrase?: string;
  log?: (s: string) => void;
  /** Instances per node (default 1); more than one needs `database` and `nats`. */
  instances?: number;
  /** A PostgreSQL server URL: each node gets its own database there. */
  database?: string;
  /** NATS (JetStream) the instances of each node share. */
  nats?: string;
  /** Serve HTTPS with a certificate from a private CA made for the demo (in DIR/tls). */
  tls?: boolean;
}): Promise<RunningDemo> {
  const passphrase = o.passphrase ?? DEMO_PASSPHRASE;
  const log = o.log ?? (() => {});
  const demoPath = join(o.dir, 'demo.json');
  const resumed = existsSync(demoPath);
  const before = resumed ? readDemoFile(demoPath) : null;
  const instances = o.instances ?? before?.instances ?? 1;
  const nats = o.nats ?? before?.nats;
  if (!Number.isInteger(instances) || instances < 1 || instances > MAX_INSTANCES)
    throw new SetupError(`--instances ${instances}: give 1 to ${MAX_INSTANCES}`);
  if (instances > 1 && (nats === undefined || (o.database === undefined && !resumed)))
    throw new SetupError(
      `--instances ${instances}: the instances of a node share a PostgreSQL database and NATS; give --database postgres://127.0.0.1:5432/postgres --nats nats://127.0.0.1:4222`,
    );
  if (o.database !== undefined && !isPostgresUrl(o.database))
    throw new SetupError(`--database ${o.database}: give a postgres:// URL of the server`);
  if (o.tls === true && before !== null && before.ca === undefined)
    throw new SetupError(
      `the demo in ${o.dir} runs over http: resume it without --tls, or start one over https with another --data`,
    );
  const dirOf = (p: string) => join(o.dir, p);
  // --tls: one certificate for loopback serves the three nodes, and each trusts its CA.
  const tls = before === null && o.tls === true ? demoTls(dirOf('tls'), log) : undefined;
  const admins: Record<string, string> = {};
  const fingerprints: Record<string, string> = {};
  if (!resumed) {
    for (const [i, party] of DEMO_PARTIES.entries()) {
      if (existsSync(join(dirOf(party), 'config.json'))) continue;
      // Each node its own database on the server, named after the demo's directory.
      const database =
        o.database === undefined
          ? undefined
          : await ensurePostgresDatabase(
              o.database,
              `liaison_demo_${party.toLowerCase()}_${createHash('sha256').update(resolve(o.dir)).digest('hex').slice(0, 10)}`,
            );
      const r = await initNode({
        party,
        dir: dirOf(party),
        passphrase,
        port: o.portBase + i + 1,
        origin: `liaison.demo/${party}`,
        adminUsername: demoUsername(party, 'admin'),
        database,
        ...(tls === undefined ? {} : { tls }),
      });
      admins[party] = r.admin.token;
      fingerprints[party] = r.fingerprint;
      log(`initialized ${party} in ${dirOf(party)}`);
    }
  }
  const nodes: RunningNode[] = [];
  /** The instances after the first, by party (they serve the same node). */
  const more = new Map<string, RunningNode[]>();
  const stop = async () => {
    for (const n of [...nodes, ...[...more.values()].flat()]) await n.stop();
  };
  try {
    for (const [i, party] of DEMO_PARTIES.entries()) {
      for (let k = 0; k < instances; k++) {
        const running = await startNode({
          dir: dirOf(party),
          passphrase,
          port: o.portBase + i + 1 + INSTANCE_PORT_STRIDE * k,
          checkpointEveryMs: 5_000,
          // Each node asks the other two to cosign its log while it grows: every 10 s
          // here, so that the console shows cosignatures soon after the demo starts.
          witnessIntervalMs: DEMO_WITNESS_INTERVAL_MS,
          ...(instances > 1 ? { nats, instance: `${party.toLowerCase()}-${k + 1}` } : {}),
        });
        if (k === 0) nodes.push(running);
        else more.set(party, [...(more.get(party) ?? []), running]);
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  const urlsOf = (n: RunningNode) => [n.url, ...(more.get(n.node.party) ?? []).map((m) => m.url)];
  try {
    if (resumed) {
      const file = readDemoFile(demoPath);
      return { file, nodes, resumed, stop };
    }
    const byParty = new Map(nodes.map((n) => [n.node.party, n]));
    // Peer every pair, each side checking the other's fingerprint.
    for (const a of nodes) {
      for (const b of nodes) {
        if (a === b) continue;
        if (!a.federation.peers.has(b.node.party)) {
          await a.federation.addPeer(null, b.url, b.federation.identity.fingerprint);
        }
      }
    }
    // Every node signed its built-in agreements at init; peering sends the signatures.
    for (const n of nodes) {
      const mine = [...BUILT_IN_TEMPLATES.values()]
        .filter((t) => t.parties.includes(n.node.party))
        .map((t) => t.id);
      await until(`${n.node.party}'s agreements to bind`, () =>
        mine.every((id) => n.node.world.agreements.has(id)),
      );
    }
    const file: DemoFile = {
      nodes: [],
      password: DEMO_PASSWORD,
      ...(instances > 1 ? { instances, nats } : {}),
      ...(tls === undefined ? {} : { ca: tls.ca }),
    };
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    for (const n of nodes) {
      const party = n.node.party;
      // The admin is `<party>-admin`, unless a first, interrupted run left a node that
      // `liaison node init` made by hand (its admin is `admin`): then that one.
      const named = demoUsername(party, 'admin');
      const admin =
        !n.node.world.users.has(named) && n.node.world.users.has('admin') ? 'admin' : named;
      // A node a first, interrupted run initialized has no admin token here: mint one.
      const tokens: Record<string, string> = {
        admin: admins[party] ?? (await issueToken(n.node, null, admin, 'demo')).token,
      };
      if (admins[party] !== undefined) await setupPassword(n.node, admin, passwordHash);
      // The demo's people are seeded while the node is in setup (src/node/users.ts); the
      // security officer, cleared at the top level, comes last: with the admin, the node
      // then has two people for every two-person change, and setup ends by itself.
      const people: [Role, Role[], string, string[]][] = [
        ['officer', ['officer'], SECRET[party] ?? 'U', NEED],
        ['releasing-authority', ['releasing-authority', 'officer'], TOP[party] ?? 'U', NEED],
        ['auditor', ['auditor'], SECRET[party] ?? 'U', NEED],
        ['security-officer', ['security-officer'], TOP[party] ?? 'U', NEED],
      ];
      for (const [role, roles, clearance, needToKnow] of people) {
        const username = demoUsername(party, role);
        if (!n.node.world.users.has(username)) {
          await createUser(n.node, null, { username, clearance, needToKnow, roles, passwordHash });
        }
        tokens[role] = (await issueToken(n.node, null, username, 'demo')).token;
      }
      const open = await n.node.transact((u) => setupOpen(u));
      if (open) {
        await endSetup(n.node, { user: admin, party, roles: ['admin'] });
      }
      // In the order of ROLES, whatever order the people were created in.
      const ordered = Object.fromEntries(DEMO_ROLES.map((r) => [r, tokens[r] ?? '']));
      const users = Object.fromEntries(
        DEMO_ROLES.map((r) => [r, r === 'admin' ? admin : demoUsername(party, r)]),
      );
      file.nodes.push({
        party,
        url: n.url,
        ...(instances > 1 ? { urls: urlsOf(n) } : {}),
        users,
        tokens: ordered,
      });
    }
    writeFileSync(demoPath, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await replay(byParty, log);
    return { file, nodes, resumed, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A short exchange, so that inboxes, outboxes and logs are not empty. */
async function replay(nodes: Map<string, RunningNode>, log: (s: string) => void): Promise<void> {
  const jp = nodes.get('JP');
  const kr = nodes.get('KR');
  const us = nodes.get('US');
  if (jp === undefined || kr === undefined || us === undefined) return;
  const jpRa: Actor = {
    user: 'jp-releasing-authority',
    party: 'JP',
    roles: ['releasing-authority', 'officer'],
  };
  const report = await createItem(jp.node, jpRa, {
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    title: 'Launch report: two SRBMs from the Sunan area',
    body: "At 07:12 KST two short-range ballistic missiles were launched from the Sunan area towards the Sea of Japan. Apogee about 50 km, range about 350 km. Impact outside Japan's EEZ.",
  });
  await sendItem(jp.federation, jpRa, report.id, 'KR');
  await sendItem(jp.federation, jpRa, report.id, 'US');
  await until(
    'the launch report to reach KR and US',
    () =>
      kr.node.world.items.get(report.id)?.holdings.has('KR') === true &&
      us.node.world.items.get(report.id)?.holdings.has('US') === true,
  );
  await readItem(kr.node, { user: 'kr-officer', party: 'KR', roles: ['officer'] }, report.id);
  log(`JP released ${report.id} to KR (marked 군사II급비밀) and US; a KR officer read it`);
  const track = await createItem(jp.node, jpRa, {
    marking: 'HI',
    categories: ['dprk-missile'],
    title: 'Track summary',
    body: 'Estimated launch point, flight trajectory and expected impact point (trilateral format).',
  });
  await sendItem(jp.federation, jpRa, track.id, 'US');
  await until(
    'the track summary to reach US',
    () => us.node.world.items.get(track.id)?.holdings.has('US') === true,
  );
  const usRa: Actor = {
    user: 'us-releasing-authority',
    party: 'US',
    roles: ['releasing-authority', 'officer'],
  };
  const req = await requestConsent(us.federation, usRa, track.id, 'KR', 'share under TISA');
  try {
    await until('the consent request to reach JP', async () => {
      return (await consentRequest(jp.node.store.db, req.id)) !== undefined;
    });
    await decideConsentRequest(
      jp.federation,
      jpRa,
      req.id,
      true,
      'TISA: US may pass it to KR',
      null,
    );
    await until('the consent to reach US', () => us.node.world.consents.size > 0);
    await sendItem(us.federation, usRa, track.id, 'KR');
    log(`US forwarded ${track.id} to KR with JP's consent`);
  } catch (e) {
    log(`(the consent step of the replay did not complete: ${messageOf(e)})`);
  }
  // A FLASH alert (the launch preset, status Exercise): pushed at once, acknowledged by KR.
  const alert = await jp.alerts.send(jpRa, { alert: launchPreset(jp.node.now()) });
  const id = alert.view.id;
  await until(
    'the FLASH alert to reach KR and US',
    () =>
      kr.node.world.items.get(id)?.holdings.has('KR') === true &&
      us.node.world.items.get(id)?.holdings.has('US') === true,
  );
  await kr.alerts.acknowledge({ user: 'kr-officer', party: 'KR', roles: ['officer'] }, id);
  await until('the acknowledgement to reach JP', async () => {
    return (await acksOf(jp.node.store.db, id)).some((a) => a.party === 'KR');
  });
  log(`JP sent FLASH alert ${id} (launch exercise) to KR and US; a KR officer acknowledged it`);
}
