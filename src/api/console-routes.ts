// What the browser console needs beyond the rest of the API: an item's decision
// history with the log proof the browser verifies itself, and the console's own files
// at `/`. (Sign-in and who am I are in user-routes.ts.)
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { NotFound, RequestInvalid } from '../node/errors.js';
import { decideRead } from '../node/items.js';
import type { Actor, Role } from '../node/roles.js';
import type { LiaisonNode } from '../node/service.js';
import { entriesNamingItem, entryAt } from '../store/log.js';
import { type App, type Auth, actorOf, type Errors, READERS } from './common.js';
import { ItemHistory, ItemProof, LoggedEntry, ProofQuery } from './item-schemas.js';
import { checkpointFor } from './log-routes.js';
import { IdParams, ref } from './schemas.js';
import { SimulateBody, SimulateResultJson } from './simulate-schemas.js';
import { MAX_SCENARIO_CHARS, Simulations } from './simulation.js';

/** A log entry's canonical JSON, read back; undefined if it is not an entry. */
function parseEntry(data: string): Static<typeof LoggedEntry> | undefined {
  const entry: unknown = JSON.parse(data);
  return Value.Check(LoggedEntry, entry) ? entry : undefined;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Where the console's built files are: web/dist beside dist/. */
const CONSOLE_DIR = resolve(import.meta.dirname, '../../web/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function registerConsoleRoutes(
  app: App,
  node: LiaisonNode,
  auth: Auth,
  errors: Errors,
): void {
  /** The simulator is for policy work: those who give notices, release, and guard access. */
  const planners: Role[] = ['admin', 'releasing-authority', 'security-officer'];
  const simulations = new Simulations();
  app.addHook('onClose', async () => {
    await simulations.close();
  });

  /** RULES A1–A3 for the item a history or proof is about; a refusal is logged. */
  const mayRead = (actor: Actor, item: string, what: string) =>
    node.transact((u) => {
      decideRead(u, actor, node.party, item, { view: what, logAllowed: false });
    });

  /** The log entries about an item (newest 500), oldest first. */
  async function entriesAbout(item: string) {
    const rows = await entriesNamingItem(node.store.db, item, 500);
    return rows
      .flatMap((r) => {
        const entry = parseEntry(r.data);
        return entry?.subject.item === item ? [{ index: r.index, entry }] : [];
      })
      .reverse();
  }

  app.get(
    '/v1/items/:id/history',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'The log entries about an item (its decisions: created, released, received, read, …), for a reader of it',
        params: IdParams,
        response: { 200: ref(ItemHistory), ...errors },
      },
    },
    async (req) => {
      await mayRead(actorOf(req), req.params.id, 'history');
      const entries = await entriesAbout(req.params.id);
      return {
        item: req.params.id,
        entries: entries.map(({ index, entry }) => ({
          index,
          type: entry.type,
          at: entry.at,
          actor: entry.actor,
          decision: entry.decision ?? null,
          reasons: entry.reasons ?? [],
          subject: entry.subject,
        })),
      };
    },
  );

  app.get(
    '/v1/items/:id/proof',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'RFC 9162 inclusion proof of a log entry about this item, against the latest signed checkpoint (the browser verifies it)',
        params: IdParams,
        querystring: ProofQuery,
        response: { 200: ref(ItemProof), ...errors },
      },
    },
    async (req) => {
      await mayRead(actorOf(req), req.params.id, 'proof');
      const index = req.query.index;
      const data = await entryAt(node.store.db, index);
      if (data === undefined || parseEntry(data)?.subject.item !== req.params.id)
        throw new RequestInvalid(
          'invalid-request',
          `log entry ${index} is not about ${req.params.id}`,
        );
      const cp = await checkpointFor(node, undefined);
      const [leaf, proof] = await node.treeRead((t) =>
        Promise.all([t.leafHashAt(index), t.inclusionProof(index, cp.size)]),
      );
      return {
        index,
        treeSize: cp.size,
        entry: data,
        leafHash: b64(leaf),
        proof: proof.map(b64),
        root: b64(cp.root),
        checkpoint: cp.note,
      };
    },
  );

  app.post(
    '/v1/simulate',
    {
      onRequest: auth(planners),
      bodyLimit: MAX_SCENARIO_CHARS * 4 + 4096,
      schema: {
        summary: `Run a scenario (YAML or JSON, the scenario file format) on the pure core in a worker thread: its decisions, step by step. Touches nothing of the node. At most ${MAX_SCENARIO_CHARS / 1024} KiB, one run at a time per person.`,
        body: SimulateBody,
        response: { 200: SimulateResultJson, ...errors },
      },
    },
    async (req, reply) => {
      const name = req.body.name ?? 'scenario';
      const out = await simulations.run(actorOf(req).user, req.body.scenario, name);
      // Already JSON, made in the worker: sent as it is.
      return reply.type('application/json; charset=utf-8').serializer(String).send(out.json);
    },
  );

  // ------------------------------------------------------------------ the console
  const root = normalize(CONSOLE_DIR + sep);
  const send = (path: string) => readFileSync(path);
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const url = req.url.split('?')[0] ?? '/';
    if (url.startsWith('/v1/') || url === '/v1')
      throw new NotFound('not-found', `no route GET ${url}`);
    let path: string;
    try {
      path = decodeURIComponent(url);
    } catch {
      throw new NotFound('not-found', 'no such page');
    }
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) throw new NotFound('not-found', `no route GET ${url}`);
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
    if (!existsSync(file)) {
      return reply
        .type('text/plain; charset=utf-8')
        .status(404)
        .send('The console is not built: run `npm run build` (it runs `vite build`).\n');
    }
    const immutable = file.includes(`${sep}assets${sep}`);
    return reply
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header(
        'content-security-policy',
        // WebSockets only to this node (browsers before CSP 3 do not count ws: as 'self').
        // blob: for an item's files previewed (images, and PDF in a frame), fetched with
        // the session's token and typed by the console, never by the file.
        `default-src 'self'; connect-src 'self'${sameOriginSockets(req.headers.host)}; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; frame-src blob:; media-src 'self' data:; frame-ancestors 'none'`,
      )
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .send(send(file));
  });
}

/** ws: and wss: to the host the page came from, when it is a plain host[:port]. */
function sameOriginSockets(host: string | undefined): string {
  if (host === undefined || !/^[A-Za-z0-9.[\]:-]{1,255}$/.test(host)) return '';
  return ` ws://${host} wss://${host}`;
}
