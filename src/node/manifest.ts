// The originator's manifest of an item: what the originator says the item is (id,
// originator, version, marking, categories, releasability, precedence, creation
// instant) and the SHA-256 of its content, signed by the originator's node (JWS,
// EdDSA, typ liaison-manifest+jws). It is made once per version, stored with the
// item, and travels unchanged with every release, forward and reclassification, so
// that every holder checks the originator's word instead of the sender's.
// docs/wire.md §5.1 specifies it.
import { createHash, type KeyObject } from 'node:crypto';
import { type Static, Type as T } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type EpochMs, formatInstant, LiaisonError, PRECEDENCES } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { JoseError, jwsKid, signJws, verifyJws } from '../crypto/jose.js';

export const MANIFEST_TYP = 'liaison-manifest+jws';
export const MANIFEST_VERSION = 1;

const Party = T.String({ minLength: 1, maxLength: 32 });
const Instant = T.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
});

const ManifestSchema = T.Object(
  {
    v: T.Literal(MANIFEST_VERSION),
    item: T.String({ minLength: 1, maxLength: 200 }),
    originator: Party,
    /** 1 at creation; each reclassification signs the next. */
    version: T.Integer({ minimum: 1, maximum: 1_000_000 }),
    /** The originator's marking code, in its own scheme. */
    marking: T.String({ minLength: 1, maxLength: 64 }),
    categories: T.Array(T.String({ maxLength: 128 }), { minItems: 1, maxItems: 64 }),
    releasableTo: T.Union([T.Array(Party, { maxItems: 64 }), T.Null()]),
    precedence: T.Union(PRECEDENCES.map((p) => T.Literal(p))),
    createdAt: Instant,
    /** When this version was signed: the instant of the reclassification for version > 1. */
    issuedAt: Instant,
    /** `sha256:` and the hex SHA-256 of the content's canonical JSON (contentHash). */
    contentHash: T.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);
export type Manifest = Static<typeof ManifestSchema>;
const MANIFEST = TypeCompiler.Compile(ManifestSchema);

/** A file of an item as the content hash covers it (sha256: hex of the whole file). */
export interface AttachmentRef {
  readonly name: string;
  readonly type: string;
  readonly size: number;
  readonly sha256: string;
}

/** What the content hash covers: the item's text, an alert's payload, its files. */
export interface ItemContent {
  readonly title: string;
  readonly body: string;
  readonly alert?: unknown;
  /** In order; none and an empty list hash alike (decision #148). */
  readonly attachments?: readonly AttachmentRef[];
}

/**
 * `sha256:<hex>` of the RFC 8785 canonical JSON of {title, body[, alert][, attachments]}:
 * `attachments` only when there are some, so an item without files hashes as before.
 */
export function contentHash(c: ItemContent): string {
  const files = c.attachments ?? [];
  const content = {
    title: c.title,
    body: c.body,
    ...(c.alert === undefined ? {} : { alert: c.alert }),
    ...(files.length === 0
      ? {}
      : {
          attachments: files.map((f) => ({
            name: f.name,
            type: f.type,
            size: f.size,
            sha256: f.sha256,
          })),
        }),
  };
  return `sha256:${createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex')}`;
}

export type ManifestRefusal = 'bad-originator-signature' | 'malformed-manifest';

export class ManifestError extends LiaisonError<ManifestRefusal> {
  override readonly name = 'ManifestError';
  readonly family = 'federation';
}

/** Signs a manifest as its originator. */
export function signManifest(m: Manifest, key: KeyObject): string {
  return signJws(Buffer.from(canonicalJson(m), 'utf8'), key, {
    kid: m.originator,
    typ: MANIFEST_TYP,
  });
}

/** The manifest of a new item or of its next version, signed at `at`. */
export function makeManifest(
  fields: Omit<Manifest, 'v' | 'createdAt' | 'issuedAt'>,
  createdAt: EpochMs,
  at: EpochMs,
  key: KeyObject,
): { manifest: Manifest; jws: string } {
  const manifest: Manifest = {
    v: MANIFEST_VERSION,
    ...fields,
    createdAt: formatInstant(createdAt),
    issuedAt: formatInstant(at),
  };
  return { manifest, jws: signManifest(manifest, key) };
}

/**
 * Opens a manifest: its signer (the JWS kid) must be the originator it names, and the
 * signature must verify with one of the keys this node holds for that party.
 */
export function openManifest(
  jws: string,
  keysOf: (party: string) => readonly KeyObject[],
): Manifest {
  let kid: string;
  try {
    kid = jwsKid(jws);
  } catch {
    throw new ManifestError('malformed-manifest', 'the manifest is not a JWS');
  }
  const keys = keysOf(kid);
  if (keys.length === 0)
    throw new ManifestError(
      'bad-originator-signature',
      `no key of ${kid} is known here to check its manifest`,
    );
  let payload: Buffer | null = null;
  for (const key of keys) {
    try {
      const v = verifyJws(jws, key);
      if (v.header.typ !== MANIFEST_TYP) continue;
      payload = v.payload;
      break;
    } catch (e) {
      if (!(e instanceof JoseError)) throw e;
    }
  }
  if (payload === null)
    throw new ManifestError(
      'bad-originator-signature',
      `the manifest does not verify with ${kid}'s key`,
    );
  let m: unknown;
  try {
    m = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ManifestError('malformed-manifest', 'the manifest is not JSON');
  }
  if (!MANIFEST.Check(m)) {
    const first = MANIFEST.Errors(m).First();
    throw new ManifestError(
      'malformed-manifest',
      `the manifest is malformed at '${first?.path || '/'}': ${first?.message ?? ''}`,
    );
  }
  if (m.originator !== kid)
    throw new ManifestError(
      'bad-originator-signature',
      `the manifest names ${m.originator} as originator but ${kid} signed it`,
    );
  return m;
}

/** The manifest's payload, read without checking it (for a manifest this node signed or stored). */
export function manifestOf(jws: string): Manifest | null {
  const part = jws.split('.')[1];
  if (part === undefined) return null;
  try {
    const m: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return MANIFEST.Check(m) ? m : null;
  } catch {
    return null;
  }
}
