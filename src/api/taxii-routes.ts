// TAXII 2.1 (OASIS), the read side (issue 14; docs/taxii.md): discovery at /taxii2/,
// one API root at /taxii2/api/, a collection per need-to-know category of the person
// asking, and its objects (paged by added_after, limit and next) and objects by id.
// Authenticated with the node's bearer tokens, for the roles that read items; every
// item served is a read, decided and logged like GET /v1/items/{id} (view `taxii`).
// Answers are TAXII resources (application/taxii+json;version=2.1), errors TAXII error
// messages; the routes are left out of the node's OpenAPI document (OASIS specifies them).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiaisonError } from '../core/index.js';
import { NotFound, RequestInvalid } from '../node/errors.js';
import type { LiaisonNode } from '../node/service.js';
import {
  collectionsFor,
  decodeNext,
  encodeNext,
  type TaxiiCollection,
  taxiiObjects,
} from '../node/taxii.js';
import { type App, type Auth, actorOf, baseUrlOf, READERS } from './common.js';
import { answer, fromFramework, INTERNAL } from './errors.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';
export const TAXII_DISCOVERY = '/taxii2/';
export const TAXII_API_ROOT = '/taxii2/api/';

/**
 * Whether an Accept header admits TAXII 2.1: `application/taxii+json` with no version or
 * version 2.1, `application/*` or `*\/*`; an absent header admits anything.
 */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    const version = params.find((p) => p.startsWith('version='))?.slice('version='.length);
    if (type === '*/*' || type === 'application/*') return true;
    return type === 'application/taxii+json' && (version === undefined || version === '2.1');
  });
}

/** A TAXII error message resource for one of ours. */
function taxiiError(e: LiaisonError): { status: number; body: Record<string, string> } {
  const a = answer(e);
  return {
    status: a.status,
    body: {
      title: a.body.error.code,
      description: a.body.error.message,
      error_code: a.body.error.code,
      http_status: String(a.status),
    },
  };
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply
    .status(status)
    .header('content-type', TAXII_MEDIA_TYPE)
    .serializer(JSON.stringify)
    .send(body);
}

/** A query or path parameter's text(s), as Fastify parsed them (no schema here). */
function field(from: unknown, name: string): string | string[] | undefined {
  const v: unknown =
    typeof from === 'object' && from !== null ? Reflect.get(from, name) : undefined;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return undefined;
}

/** A path parameter. */
function param(req: FastifyRequest, name: string): string {
  const v = field(req.params, name);
  return typeof v === 'string' ? v : '';
}

/** A query parameter given once (TAXII's are single-valued but match[...] lists). */
function one(req: FastifyRequest, name: string): string | undefined {
  const v = field(req.query, name);
  if (Array.isArray(v)) throw new RequestInvalid('invalid-request', `${name}: give it once`, name);
  return v;
}

/** match[type] / match[id]: comma-separated, possibly repeated; null when absent. */
function matchOf(req: FastifyRequest, name: string): string[] | null {
  const v = field(req.query, `match[${name}]`);
  if (v === undefined) return null;
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== '');
}

function limitOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < 1)
    throw new RequestInvalid('invalid-request', 'limit: a positive integer', 'limit');
  return Number(text);
}

function instantOf(text: string | undefined): number | null {
  if (text === undefined) return null;
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms))
    throw new RequestInvalid(
      'invalid-request',
      'added_after: a STIX timestamp (RFC 3339, UTC, e.g. 2026-12-07T09:00:00.000Z)',
      'added_after',
    );
  return ms;
}

const timestamp = (ms: number) => new Date(ms).toISOString();

function collectionResource(c: TaxiiCollection) {
  return {
    id: c.id,
    title: c.title,
    description: c.description,
    alias: c.category,
    can_read: true,
    can_write: false,
    media_types: [STIX_MEDIA_TYPE],
  };
}

export function registerTaxiiRoutes(app: App, node: LiaisonNode, auth: Auth): void {
  void app.register(async (taxii: App) => {
    // Errors here are TAXII error messages, with the same statuses and codes as ours.
    taxii.setErrorHandler((err: Error & { code?: string; statusCode?: number }, req, reply) => {
      let e = fromFramework(err, 0);
      if (e === null) {
        req.log.error(err);
        e = INTERNAL;
      }
      const t = taxiiError(e);
      void send(reply, t.status, t.body);
    });
    // After authentication (an unknown caller learns nothing else), before the handler.
    taxii.addHook('preHandler', async (req, reply) => {
      if (!acceptsTaxii(req.headers.accept))
        return send(reply, 406, {
          title: 'not-acceptable',
          description: `this answers only ${TAXII_MEDIA_TYPE} (send Accept: ${TAXII_MEDIA_TYPE})`,
          error_code: 'not-acceptable',
          http_status: '406',
        });
    });

    const readers = { onRequest: auth(READERS), schema: { hide: true } } as const;
    const collection = (req: FastifyRequest): TaxiiCollection => {
      const id = param(req, 'id');
      const c = collectionsFor(node, actorOf(req)).find((x) => x.id === id);
      // Not one of yours: answered like a collection that does not exist.
      if (c === undefined) throw new NotFound('not-found', `no collection '${id.slice(0, 100)}'`);
      return c;
    };

    taxii.get(TAXII_DISCOVERY, readers, async (_req, reply) =>
      send(reply, 200, {
        title: `Liaison node ${node.party}`,
        description: `TAXII 2.1 for the items ${node.party}'s Liaison node holds that you may read (read only)`,
        default: TAXII_API_ROOT,
        api_roots: [TAXII_API_ROOT],
      }),
    );

    taxii.get(TAXII_API_ROOT, readers, async (_req, reply) =>
      send(reply, 200, {
        title: `Liaison ${node.party}: items`,
        description: 'One collection per need-to-know category of the person asking',
        versions: [TAXII_MEDIA_TYPE],
        max_content_length: 0,
      }),
    );

    taxii.get(`${TAXII_API_ROOT}collections/`, readers, async (req, reply) => {
      const cs = collectionsFor(node, actorOf(req)).map(collectionResource);
      return send(reply, 200, cs.length === 0 ? {} : { collections: cs });
    });

    taxii.get(`${TAXII_API_ROOT}collections/:id/`, readers, async (req, reply) =>
      send(reply, 200, collectionResource(collection(req))),
    );

    const objects = async (req: FastifyRequest, reply: FastifyReply, objectId: string | null) => {
      const c = collection(req);
      const next = one(req, 'next');
      const page = await taxiiObjects(node, actorOf(req), c.category, {
        addedAfter: instantOf(one(req, 'added_after')),
        limit: limitOf(one(req, 'limit')),
        next: next === undefined ? null : decodeNext(next),
        types: matchOf(req, 'type'),
        ids: objectId === null ? matchOf(req, 'id') : [objectId],
        baseUrl: baseUrlOf(req),
      });
      if (objectId !== null && page.objects.length === 0 && next === undefined)
        throw new NotFound('not-found', `no object '${objectId.slice(0, 300)}'`);
      if (page.first !== null && page.last !== null)
        void reply
          .header('X-TAXII-Date-Added-First', timestamp(page.first))
          .header('X-TAXII-Date-Added-Last', timestamp(page.last));
      return send(reply, 200, {
        more: page.more,
        ...(page.next === null ? {} : { next: encodeNext(page.next) }),
        ...(page.objects.length === 0 ? {} : { objects: page.objects }),
      });
    };

    taxii.get(`${TAXII_API_ROOT}collections/:id/objects/`, readers, (req, reply) =>
      objects(req, reply, null),
    );
    taxii.get(`${TAXII_API_ROOT}collections/:id/objects/:object/`, readers, (req, reply) =>
      objects(req, reply, param(req, 'object')),
    );
  });
}
