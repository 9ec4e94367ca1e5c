// Attachments: a file uploaded as a raw streamed body (never parsed, never held whole),
// then named in an item by its SHA-256 (POST /v1/items); an item's file downloaded as
// a stream, a logged read of the item (RULES A1-A3).
import { Readable } from 'node:stream';
import { Type as T } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { type Download, openAttachment, uploadAttachment } from '../node/attachments.js';
import { RequestInvalid } from '../node/errors.js';
import type { LiaisonNode } from '../node/service.js';
import { type App, type Auth, actorOf, type Errors, READERS } from './common.js';
import { Uploaded } from './item-schemas.js';
import { ref } from './schemas.js';

const Binary = T.String({ format: 'binary' });
const FileParams = T.Object({
  id: T.String({ minLength: 1, maxLength: 200 }),
  sha256: T.String({ pattern: '^[0-9a-f]{64}$', description: 'the file, by its SHA-256 (hex)' }),
});

/** `Content-Disposition` naming the file: an ASCII fallback and the name as given (RFC 6266). */
export function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function registerAttachmentRoutes(
  app: App,
  node: LiaisonNode,
  auth: Auth,
  errors: Errors,
): void {
  // Only here is a body a stream: other routes still answer 415 to octet-stream.
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) =>
      done(null, payload),
    );
    scope.post(
      '/v1/attachments',
      {
        onRequest: auth(['officer', 'releasing-authority']),
        schema: {
          summary:
            'Upload a file (the raw body, application/octet-stream, streamed; at most 1 GiB); name it in an item by the sha256 answered',
          body: {
            description: 'the file, as it is',
            content: { 'application/octet-stream': { schema: Binary } },
          },
          response: { 201: ref(Uploaded), ...errors },
        },
        // The body is the stream itself: nothing to validate, and no JSON schema for it.
        validatorCompiler: () => () => true,
      },
      async (req, reply) => {
        const body = req.body;
        if (!(body instanceof Readable))
          throw new RequestInvalid(
            'unsupported',
            'send the file as the raw body with Content-Type: application/octet-stream',
          );
        const length = req.headers['content-length'];
        const up = await uploadAttachment(
          node,
          actorOf(req),
          body,
          length === undefined ? null : Number(length),
        );
        return reply.status(201).send(up);
      },
    );
  });

  app.get(
    '/v1/items/:id/attachments/:sha256',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'Download a file of an item you may read (streamed; decided by RULES A1–A3 and logged as a read, view attachment)',
        params: FileParams,
        response: {
          200: {
            description: 'the file, with its name in Content-Disposition',
            content: { 'application/octet-stream': { schema: Binary } },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const f = await openAttachment(node, actorOf(req), req.params.id, req.params.sha256);
      return fileStream(reply, f);
    },
  );
}

/** Sends a file as it is stored (no serializer), a chunk at a time. */
function fileStream(reply: FastifyReply, f: Download): FastifyReply {
  return reply
    .header('content-type', f.type)
    .header('content-length', String(f.size))
    .header('content-disposition', disposition(f.name))
    .header('x-content-sha256', f.sha256)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'private, no-store')
    .send(Readable.from(f.bytes));
}
