// A peer sending this node an item's files before the item (docs/wire.md §5.16): which
// chunks of a file are here, and one chunk, each an RFC 9421-signed request from a
// peer (no bearer token), the chunk sealed to this node's key.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  CHUNK_KEY,
  type Held,
  heldChunks,
  receiveChunk,
} from '../federation/attachment-transfer.js';
import type { Federation } from '../federation/federation.js';
import { RequestInvalid } from '../node/errors.js';
import type { App, Errors } from './common.js';

/** A sealed chunk: 1 MiB, its IV and tag. */
const CHUNK_BODY_LIMIT = 1024 * 1024 + 1024;

const FileParams = T.Object({
  sha256: T.String({ pattern: '^[0-9a-f]{64}$', description: 'the file, by its SHA-256 (hex)' }),
});
const ChunkParams = T.Object({
  sha256: T.String({ pattern: '^[0-9a-f]{64}$' }),
  seq: T.Integer({ minimum: 0, description: 'the chunk number, from 0 (1 MiB each)' }),
});
const ChunkQuery = T.Object({
  size: T.Integer({ minimum: 1, description: 'the whole file, in bytes' }),
});
const HeldChunks = T.Object(
  {
    complete: T.Boolean({ description: 'the file is here, whole and checked' }),
    chunks: T.Array(T.Integer(), { description: 'otherwise, the chunks here so far' }),
  },
  { additionalProperties: false },
);

const copied = (h: Held) => ({ complete: h.complete, chunks: [...h.chunks] });

const received = (req: FastifyRequest, body: Buffer) => ({
  method: req.method,
  host: req.headers.host,
  path: req.url,
  body,
});

export function registerAttachmentTransferRoutes(app: App, fed: Federation, errors: Errors): void {
  // The party each request was signed by, from its hook to its handler.
  const senders = new WeakMap<FastifyRequest, string>();
  const senderOf = (req: FastifyRequest): string => {
    const party = senders.get(req);
    if (party === undefined) throw new Error('a transfer request reached its handler unsigned');
    return party;
  };
  const signedGet = async (req: FastifyRequest) => {
    senders.set(req, await fed.authenticateOnce(received(req, Buffer.alloc(0)), req.headers));
  };
  app.get(
    '/v1/federation/attachments/:sha256',
    {
      onRequest: signedGet,
      schema: {
        summary:
          'A peer asks which chunks of a file it is about to send are here (RFC 9421-signed)',
        security: [],
        params: FileParams,
        response: { 200: HeldChunks, ...errors },
      },
    },
    async (req) => copied(await heldChunks(fed, senderOf(req), req.params.sha256)),
  );

  void app.register(async (child) => {
    child.removeAllContentTypeParsers();
    // Any body is taken as the bytes that were signed: the signature is checked first
    // (a request not from a peer is 401 whatever it carries), then what it is.
    child.addContentTypeParser(
      ['application/octet-stream', 'application/json'],
      { parseAs: 'buffer', bodyLimit: CHUNK_BODY_LIMIT },
      (_req, body, done) => {
        done(null, body);
      },
    );
    child.withTypeProvider<TypeBoxTypeProvider>().put(
      '/v1/federation/attachments/:sha256/chunks/:seq',
      {
        bodyLimit: CHUNK_BODY_LIMIT,
        schema: {
          summary:
            "A peer sends one chunk of an item's file (RFC 9421-signed; the bytes under AES-256-GCM, its key a JWE to this node in the liaison-chunk-key header)",
          security: [],
          params: ChunkParams,
          querystring: ChunkQuery,
          response: { 200: HeldChunks, ...errors },
        },
        // Before the path and query are validated: a stranger learns nothing of them.
        preValidation: async (req) => {
          const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
          senders.set(req, await fed.authenticateOnce(received(req, raw), req.headers));
        },
      },
      async (req) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : null;
        if (raw === null || req.headers['content-type'] !== 'application/octet-stream')
          throw new RequestInvalid('unsupported', 'send the chunk as application/octet-stream');
        const key = req.headers[CHUNK_KEY];
        if (typeof key !== 'string')
          throw new RequestInvalid('invalid-request', `a chunk comes with its key (${CHUNK_KEY})`);
        return copied(
          await receiveChunk(
            fed,
            senderOf(req),
            req.params.sha256,
            req.params.seq,
            req.query.size,
            raw,
            key,
          ),
        );
      },
    );
  });
}
