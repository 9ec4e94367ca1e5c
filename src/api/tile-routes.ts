// The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles), read-only, to the same
// roles as /v1/log: GET /checkpoint, /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>],
// so that an off-the-shelf tlog client can mirror and verify the log (docs/log.md).
import { Type as T } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { mayRead } from '../core/index.js';
import { parseTilePath, TILE_WIDTH, type TileRef, tilePath } from '../log/tiles.js';
import { AccessDenied, RequestInvalid } from '../node/errors.js';
import type { Role } from '../node/roles.js';
import type { LiaisonNode } from '../node/service.js';
import { readEntryBundle, readHashTile } from '../node/tiles.js';
import { type App, type Auth, actorOf, type Errors } from './common.js';
import { cosigned, entryItems } from './log-routes.js';

const AUDIT: readonly Role[] = ['auditor', 'security-officer', 'admin'];

/** A year: full tiles and bundles never change. Private: they are behind a token. */
const IMMUTABLE = 'private, max-age=31536000, immutable';
/** A partial tile never changes either, but may be replaced by the full one: an hour. */
const PARTIAL = 'private, max-age=3600';
/**
 * Entry bundles hold content: a reader's right to it is checked on every request (a
 * clearance can be lowered), so a cache must ask again.
 */
const CONTENT = 'private, no-cache';

const Binary = T.String({ format: 'binary' });
const octets = (description: string) => ({
  description,
  content: { 'application/octet-stream': { schema: Binary } },
});
const TileParams = T.Object({
  '*': T.String({
    description:
      'the tile index as x-prefixed groups of three digits, e.g. x001/234, then .p/<W> for a partial tile',
  }),
});
const LevelParams = T.Object({
  level: T.String({ description: 'the tile level, 0 … 63' }),
  '*': T.String({
    description:
      'the tile index as x-prefixed groups of three digits, e.g. x001/234, then .p/<W> for a partial tile',
  }),
});

/** The tile a path names, or a 400 naming what is wrong with it. */
function parsed(rest: string, kind: TileRef['kind']): TileRef {
  const t = parseTilePath(rest);
  if ('problem' in t)
    throw new RequestInvalid('invalid-request', `tile/${rest.slice(0, 80)}: ${t.problem}`);
  if (t.kind !== kind)
    throw new RequestInvalid(
      'invalid-request',
      `tile/${rest.slice(0, 80)} is not a ${kind === 'entries' ? 'bundle' : 'hash tile'} path`,
    );
  return t;
}

/**
 * Sends bytes as they are (no serializer): a hash tile with the cache lifetime of a full
 * or partial tile, an entry bundle to be checked again each time.
 */
function octetStream(reply: FastifyReply, t: TileRef, body: Buffer): FastifyReply {
  return reply
    .header('content-type', 'application/octet-stream')
    .header(
      'cache-control',
      t.kind === 'entries' ? CONTENT : t.width === TILE_WIDTH ? IMMUTABLE : PARTIAL,
    )
    .send(body);
}

export function registerTileRoutes(
  app: App,
  node: LiaisonNode,
  authOf: Auth,
  errors: Errors,
): void {
  const auth = authOf(AUDIT);

  app.get(
    '/checkpoint',
    {
      onRequest: auth,
      schema: {
        summary:
          'C2SP tlog-tiles: the latest signed checkpoint (a C2SP signed note, with partners’ cosignature lines), text/plain',
        response: {
          200: {
            description: 'the signed note',
            content: { 'text/plain': { schema: T.String() } },
          },
          ...errors,
        },
      },
    },
    async (_req, reply) => {
      const cp = await node.checkpoint();
      const note = (await cosigned(node, [cp])).get(cp.size)?.note ?? cp.note;
      void reply.header('content-type', 'text/plain; charset=utf-8');
      void reply.header('cache-control', 'no-cache');
      return note;
    },
  );

  app.get(
    '/tile/entries/*',
    {
      onRequest: auth,
      schema: {
        summary:
          'C2SP tlog-tiles: entry bundle N (entries N·256 …), each entry as a big-endian uint16 length and its canonical JSON. Refused (403) when it holds an entry about an item you may not read (RULES V1): /v1/log/entries gives those as leaf hashes',
        params: TileParams,
        response: { 200: octets('the entry bundle'), ...errors },
      },
    },
    async (req, reply) => {
      const t = parsed(`entries/${req.params['*']}`, 'entries');
      const { bundle, entries } = await readEntryBundle(node.tiles, t.index, t.width);
      const actor = actorOf(req);
      const now = node.now();
      const world = node.world;
      const withheld: number[] = [];
      for (const [i, e] of entries.entries()) {
        if (entryItems(e.toString('utf8')).some((item) => !mayRead(world, actor.user, item, now)))
          withheld.push(t.index * TILE_WIDTH + i);
      }
      if (withheld.length > 0) {
        const some = withheld.slice(0, 5).join(', ');
        throw new AccessDenied(
          'forbidden',
          `${tilePath(t)} holds ${withheld.length} entr${withheld.length === 1 ? 'y' : 'ies'} about items you may not read (RULES V1): ${some}${withheld.length > 5 ? ', …' : ''}. GET /v1/log/entries gives the others, and those as leaf hashes; tile/0/${tilePath({ ...t, kind: 'hashes' }).slice('tile/0/'.length)} has every leaf hash`,
        );
      }
      return octetStream(reply, t, bundle);
    },
  );

  app.get(
    '/tile/:level/*',
    {
      onRequest: auth,
      schema: {
        summary:
          'C2SP tlog-tiles: level-L hash tile N (256 hashes of 32 bytes; .p/W: the first W of a partial tile)',
        params: LevelParams,
        response: { 200: octets('the tile'), ...errors },
      },
    },
    async (req, reply) => {
      const t = parsed(`${req.params.level}/${req.params['*']}`, 'hashes');
      return octetStream(
        reply,
        t,
        await node.treeRead(() => readHashTile(node.tiles, t.level, t.index, t.width)),
      );
    },
  );
}
