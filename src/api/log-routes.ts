// The log's API: signed checkpoints, entries, inclusion and consistency proofs, in
// the formats an independent RFC 9162 / C2SP implementation reads.

import { Type as T } from '@sinclair/typebox';
import { formatInstant, mayRead } from '../core/index.js';
import { RequestInvalid } from '../node/errors.js';
import type { Role } from '../node/roles.js';
import type { LiaisonNode } from '../node/service.js';
import { checkpointOfSize, checkpoints, cosignaturesOfSizes, entriesFrom } from '../store/log.js';
import { type App, type Auth, actorOf, type Errors } from './common.js';
import {
  CheckpointQuery,
  CheckpointView,
  ConsistencyProof,
  ConsistencyQuery,
  EntriesQuery,
  InclusionProof,
  InclusionQuery,
  LogEntry,
} from './log-schemas.js';
import { ref } from './schemas.js';

const AUDIT: readonly Role[] = ['auditor', 'security-officer', 'admin'];

/** A field of a parsed JSON value, if it is an object that has it. */
const field = (x: unknown, key: string): unknown =>
  typeof x === 'object' && x !== null ? Object.getOwnPropertyDescriptor(x, key)?.value : undefined;

/** The items a log entry is about (its subject's `item`, or the `items` a listing showed). */
export function entryItems(data: string): string[] {
  let subject: unknown;
  try {
    subject = field(JSON.parse(data), 'subject');
  } catch {
    return [];
  }
  const item = field(subject, 'item');
  const items = field(subject, 'items');
  const out: string[] = [];
  if (typeof item === 'string') out.push(item);
  if (Array.isArray(items)) for (const i of items) if (typeof i === 'string') out.push(i);
  return out;
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

export function registerLogRoutes(app: App, node: LiaisonNode, authOf: Auth, errors: Errors): void {
  const auth = authOf(AUDIT);
  app.get(
    '/v1/log/checkpoint',
    {
      onRequest: auth,
      schema: {
        summary:
          'The latest signed checkpoint (C2SP tlog-checkpoint in a signed note); text/plain unless ?format=json',
        querystring: CheckpointQuery,
        response: { 200: T.Union([ref(CheckpointView), T.String()]), ...errors },
      },
    },
    async (req, reply) => {
      const cp = await node.checkpoint();
      const co = await cosigned(node, [cp]);
      const view = co.get(cp.size) ?? { note: cp.note, cosignedBy: [] };
      if (req.query.format === 'json') {
        return {
          origin: node.origin,
          size: cp.size,
          root: b64(cp.root),
          note: view.note,
          at: formatInstant(cp.at),
          cosignedBy: view.cosignedBy,
        };
      }
      void reply.header('content-type', 'text/plain; charset=utf-8');
      return view.note;
    },
  );

  app.get(
    '/v1/log/checkpoints',
    {
      onRequest: auth,
      schema: {
        summary: 'Every checkpoint this node has signed, oldest first',
        response: { 200: T.Array(ref(CheckpointView)), ...errors },
      },
    },
    async () => {
      const rows = await checkpoints(node.store.db);
      const co = await cosigned(node, rows);
      return rows.map((r) => ({
        origin: node.origin,
        size: r.size,
        root: b64(r.root),
        note: co.get(r.size)?.note ?? r.note,
        at: formatInstant(r.at),
        cosignedBy: co.get(r.size)?.cosignedBy ?? [],
      }));
    },
  );

  app.get(
    '/v1/log/entries',
    {
      onRequest: auth,
      schema: {
        summary:
          'Log entries in order, with their leaf hashes. An entry about an item you may not read shows only its leaf hash (RULES V1): the tree still verifies',
        querystring: EntriesQuery,
        response: { 200: T.Array(ref(LogEntry)), ...errors },
      },
    },
    async (req) => {
      const actor = actorOf(req);
      const rows = await entriesFrom(node.store.db, req.query.start ?? 0, req.query.limit ?? 1000);
      const now = node.now();
      const world = node.world;
      return rows.map((r) => {
        const leafHash = Buffer.from(r.leafHash).toString('hex');
        const hidden = entryItems(r.data).some((i) => !mayRead(world, actor.user, i, now));
        return hidden
          ? { index: r.index, leafHash, redacted: true as const }
          : { index: r.index, leafHash, data: r.data };
      });
    },
  );

  app.get(
    '/v1/log/proof/inclusion',
    {
      onRequest: auth,
      schema: {
        summary:
          'RFC 9162 inclusion proof of entry `index` in the tree of `size` (default: the latest checkpoint)',
        querystring: InclusionQuery,
        response: { 200: ref(InclusionProof), ...errors },
      },
    },
    async (req) => {
      const cp = await checkpointFor(node, req.query.size);
      const index = req.query.index;
      if (index >= cp.size)
        throw new RequestInvalid(
          'invalid-request',
          `index ${index} is not in a tree of size ${cp.size}`,
        );
      const [leaf, proof] = await node.treeRead((t) =>
        Promise.all([t.leafHashAt(index), t.inclusionProof(index, cp.size)]),
      );
      return {
        index,
        size: cp.size,
        root: b64(cp.root),
        leafHash: b64(leaf),
        proof: proof.map(b64),
        checkpoint: cp.note,
      };
    },
  );

  app.get(
    '/v1/log/proof/consistency',
    {
      onRequest: auth,
      schema: {
        summary:
          'RFC 9162 consistency proof between tree sizes `from` and `to` (default: the latest checkpoint)',
        querystring: ConsistencyQuery,
        response: { 200: ref(ConsistencyProof), ...errors },
      },
    },
    async (req) => {
      const cp = await checkpointFor(node, req.query.to);
      const from = req.query.from;
      if (from > cp.size)
        throw new RequestInvalid(
          'invalid-request',
          `from ${from} is beyond the tree size ${cp.size}`,
        );
      const [fromRoot, proof] = await node.treeRead((t) =>
        Promise.all([t.rootAt(from), t.consistencyProof(from, cp.size)]),
      );
      return {
        from,
        fromRoot: b64(fromRoot),
        size: cp.size,
        root: b64(cp.root),
        proof: proof.map(b64),
        checkpoint: cp.note,
      };
    },
  );
}

/**
 * Checkpoints with the cosignature lines partners sent for them (C2SP
 * tlog-cosignature), appended to the note's signatures, and who cosigned.
 */
export async function cosigned(
  node: LiaisonNode,
  checkpoints: readonly { size: number; note: string }[],
): Promise<Map<number, { note: string; cosignedBy: string[] }>> {
  const out = new Map<number, { note: string; cosignedBy: string[] }>();
  const sizes = checkpoints.map((c) => c.size);
  const lines = new Map<number, { witness: string; line: string }[]>();
  for (const r of await cosignaturesOfSizes(node.store.db, sizes)) {
    lines.set(r.size, [...(lines.get(r.size) ?? []), r]);
  }
  for (const c of checkpoints) {
    const l = lines.get(c.size) ?? [];
    out.set(c.size, {
      note: c.note + l.map((x) => `${x.line}\n`).join(''),
      cosignedBy: l.map((x) => x.witness),
    });
  }
  return out;
}

/** The latest checkpoint, or the stored one of exactly `size`. */
export async function checkpointFor(node: LiaisonNode, size: number | undefined) {
  const latest = await node.checkpoint();
  if (size === undefined || size === latest.size) return latest;
  const row = await checkpointOfSize(node.store.db, size);
  if (row === undefined) {
    throw new RequestInvalid(
      'invalid-request',
      `no checkpoint of size ${size}; see /v1/log/checkpoints for the sizes signed`,
    );
  }
  return { size: row.size, root: Buffer.from(row.root), note: row.note, at: row.at };
}
