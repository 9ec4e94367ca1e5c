// Witnessing by default (docs/wire.md §10): a partner asks this node to cosign its
// checkpoint (C2SP tlog-witness add-checkpoint) and to show the latest checkpoint of its
// log this node cosigned, both RFC 9421-signed; and, for the console, how witnessing
// stands both ways, with the alarms this node raised.
import type { FastifyRequest } from 'fastify';
import { formatInstant } from '../core/index.js';
import { Cosigning } from '../federation/cosigning.js';
import type { Federation } from '../federation/federation.js';
import { addCheckpoint, witnessedCheckpoint } from '../federation/witness.js';
import { latestPeerCheckpoints, witnessAlarms } from '../store/witnessing.js';
import { type App, type Auth, type Errors, iso } from './common.js';
import { ErrorBody, ref, Text } from './schemas.js';
import { WitnessedCheckpoint, Witnessing } from './witness-schemas.js';

/** An add-checkpoint body: the old size, up to 63 hashes, and a checkpoint note. */
const MAX_ADD_CHECKPOINT_BYTES = 64 * 1024;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

export function registerWitnessRoutes(
  app: App,
  fed: Federation,
  cosigning: Cosigning | null,
  auth: Auth,
  errors: Errors,
): void {
  const node = fed.node;
  /** A signed request from a peer (its nonce stored before it is answered); the peer's party. */
  const peerOf = (req: FastifyRequest, body: Buffer) =>
    fed.authenticateOnce(
      { method: req.method, host: req.headers.host, path: req.url, body },
      req.headers,
    );

  void app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: MAX_ADD_CHECKPOINT_BYTES },
      (_req, body, done) => {
        done(null, body);
      },
    );
    child.post(
      '/v1/federation/add-checkpoint',
      {
        bodyLimit: MAX_ADD_CHECKPOINT_BYTES,
        schema: {
          summary:
            'A peer asks this node to cosign its latest checkpoint (C2SP tlog-witness add-checkpoint, RFC 9421-signed): `old <size>`, the consistency proof, a blank line, the signed checkpoint; answers the cosignature line, or 409 with the size this node last cosigned',
          security: [],
          response: {
            200: Text,
            ...errors,
            409: Text,
            422: ref(ErrorBody),
          },
        },
      },
      async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const party = await peerOf(req, raw);
        const a = await addCheckpoint(fed, party, raw.toString('utf8'));
        if (a.status === 200) {
          void reply.header('content-type', 'text/plain; charset=utf-8');
          return `${a.line}\n`;
        }
        if (a.status === 409) {
          void reply.status(409).header('content-type', 'text/x.tlog.size');
          return `${a.size}\n`;
        }
        return reply.status(a.status).send({ error: { code: a.code, message: a.message } });
      },
    );
  });

  app.get(
    '/v1/federation/witnessed',
    {
      schema: {
        summary:
          "A peer asks for the latest checkpoint of its own log this node cosigned (RFC 9421-signed), with this node's cosignature",
        security: [],
        response: { 200: ref(WitnessedCheckpoint), ...errors },
      },
    },
    async (req) => {
      // No query and no body: the signature is checked first thing.
      const party = await peerOf(req, Buffer.alloc(0));
      const w = await witnessedCheckpoint(fed, party);
      return {
        checkpoint:
          w === null ? null : { size: w.size, note: w.note, seenAt: formatInstant(w.seenAt) },
      };
    },
  );

  app.get(
    '/v1/log/witnesses',
    {
      onRequest: auth(['auditor', 'security-officer', 'admin']),
      schema: {
        summary:
          'Witnessing both ways: which partners cosigned this log up to which size and when, the latest checkpoint of each partner’s log this node cosigned, and the alarms it raised (split views, rollbacks)',
        response: { 200: ref(Witnessing), ...errors },
      },
    },
    async () => {
      const db = node.store.db;
      const c = cosigning ?? new Cosigning(fed);
      const cosigners = (await c.status()).map((s) => ({
        party: s.party,
        size: s.size,
        at: iso(s.at),
        lastAttemptAt: iso(s.lastAttemptAt),
        lastError: s.lastError,
        retryAt: iso(s.retryAt),
      }));
      const witnessed = (await latestPeerCheckpoints(db)).map((w) => ({
        party: w.peer,
        origin: fed.peers.get(w.peer)?.origin ?? '',
        size: w.size,
        root: b64(w.root),
        at: formatInstant(w.seen_at),
      }));
      const alarms = (await witnessAlarms(db, 100)).map((a) => ({
        peer: a.peer,
        kind: a.kind === 'rollback' ? ('rollback' as const) : ('split-view' as const),
        size: a.size,
        root: b64(a.root),
        problem: a.problem,
        at: formatInstant(a.at),
        logIndex: a.log_index,
        note: a.note,
      }));
      return {
        intervalSeconds: cosigning === null ? null : Math.round(cosigning.intervalMs / 1000),
        cosigners,
        witnessed,
        alarms,
      };
    },
  );
}
