// One STIX object at a time, as the import reads it: the checks every object passes (a
// type, an id of that type, STIX 2.1), the Liaison extensions, markings and artifacts.
// Each refusal names where it is (`objects.1.extensions.…`); pure, like stix-import.ts.
import { createHash } from 'node:crypto';
import { isObject, oneOf, PRECEDENCES, type Precedence } from '../core/index.js';
import { StixInvalid } from './errors.js';
import { type Attachment, MARKING_EXTENSION_ID, type StixMarking } from './stix.js';

/** The Liaison marking of the content, as the bundle carries it. */
export interface ParsedMarking extends StixMarking {
  readonly originator: StixMarking;
  /** Where its extension is (`objects.1.extensions.extension-definition--…`). */
  readonly at: string;
}

/** The Liaison item extension of the content. */
export interface ParsedHandling {
  readonly at: string;
  readonly item: string;
  readonly version: number;
  readonly originator: string;
  readonly precedence: Precedence;
  readonly categories: readonly string[];
  readonly releasableTo: readonly string[] | null;
}

export type Json = Record<string, unknown>;

export const invalid = (at: string, problem: string): never => {
  throw new StixInvalid('invalid-stix', at, problem);
};
export const unsupported = (at: string, problem: string): never => {
  throw new StixInvalid('unsupported-stix', at, problem);
};
export const under = (at: string, key: string | number): string =>
  at === '' ? `${key}` : `${at}.${key}`;

// The OASIS schemas' patterns (common/identifier.json, core.json's type), written so that
// they run in linear time.
const IDENTIFIER =
  /^([a-z][a-z0-9-]*[a-z0-9])--[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$/;
const TYPE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*-?$/;
const TIMESTAMP =
  /^[0-9]{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?Z$/;
const BASE64 = /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$/;
const MIME = /^(application|audio|font|image|message|model|multipart|text|video)\/[a-zA-Z0-9.+_-]+/;
const PARTY = /^[A-Z][A-Z0-9]{1,15}$/;
const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** The TLP 1.0 marking definitions (STIX 2.1 §7.2.1.4), which a bundle may name without carrying. */
export const TLP: Readonly<Record<string, string>> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'TLP:WHITE',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'TLP:GREEN',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'TLP:AMBER',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'TLP:RED',
};

const ARTIFACT_PROPERTIES = [
  'type',
  'spec_version',
  'id',
  'object_marking_refs',
  'granular_markings',
  'defanged',
  'extensions',
  'mime_type',
  'payload_bin',
  'url',
  'hashes',
  'encryption_algorithm',
  'decryption_key',
];

export function text(o: Json, key: string, at: string, max = 100_000): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return invalid(under(at, key), 'must be text');
  if (v.length > max) return invalid(under(at, key), `longer than ${max} characters`);
  return v;
}

export function required(o: Json, key: string, at: string, why: string, max?: number): string {
  const v = text(o, key, at, max);
  return v === undefined ? invalid(under(at, key), `missing: ${why}`) : v;
}

export function identifier(v: unknown, at: string, prefix?: string): string {
  if (typeof v !== 'string' || v.length > 300 || !IDENTIFIER.test(v))
    return invalid(at, 'must be a STIX identifier (type--UUID)');
  if (prefix !== undefined && !v.startsWith(`${prefix}--`))
    return invalid(at, `must be the id of a ${prefix}`);
  return v;
}

export function identifiers(
  o: Json,
  key: string,
  at: string,
  prefix?: string,
): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0)
    return invalid(under(at, key), 'must be a list of at least one id');
  return v.map((x, i) => identifier(x, under(under(at, key), i), prefix));
}

export function timestamp(o: Json, key: string, at: string): void {
  const v = required(o, key, at, 'STIX 2.1 requires it', 40);
  if (!TIMESTAMP.test(v)) invalid(under(at, key), 'must be an RFC 3339 UTC instant (…Z)');
}

export function onlyKnown(o: Json, allowed: readonly string[], at: string, what: string): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      unsupported(under(at, k), `not a property of ${what} that an item can keep`);
}

/** The common properties of an object: a type, an id of that type, STIX 2.1. */
export function objectHead(o: unknown, at: string): { type: string; id: string; o: Json } {
  if (!isObject(o)) return invalid(at, 'must be a STIX object');
  const type = required(o, 'type', at, 'every STIX object has a type', 250);
  if (!TYPE.test(type)) invalid(under(at, 'type'), `'${type}' is not a STIX type name`);
  const id = identifier(o.id, under(at, 'id'));
  if (!id.startsWith(`${type}--`)) invalid(under(at, 'id'), `must start with '${type}--'`);
  const spec = o.spec_version;
  // Cyber-observables may leave spec_version out (STIX 2.1 §3.1); other objects may not.
  if ((type !== 'artifact' && type !== 'file') || spec !== undefined) {
    if (spec === undefined) invalid(under(at, 'spec_version'), 'missing: give "2.1"');
    if (spec !== '2.1')
      invalid(under(at, 'spec_version'), `${JSON.stringify(spec)}: only STIX 2.1 is read`);
  }
  return { type, id, o };
}

function stixMarking(v: unknown, at: string): StixMarking {
  if (!isObject(v)) return invalid(at, 'must be an object');
  const party = required(v, 'party', at, "the marking's party", 16);
  if (!PARTY.test(party)) invalid(under(at, 'party'), `'${party}' is not a party code`);
  const code = required(v, 'code', at, "the marking's code", 32);
  if (!CODE.test(code)) invalid(under(at, 'code'), `'${code}' is not a marking code`);
  return {
    party,
    code,
    name: required(v, 'name', at, "the marking's native name", 200),
    gloss: required(v, 'gloss', at, "the marking's English gloss", 200),
  };
}

function noOtherKeys(o: Json, keys: readonly string[], at: string, what: string): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) invalid(under(at, k), `not a property of ${what}`);
}

function markingExtension(v: unknown, at: string): Omit<ParsedMarking, 'at'> {
  if (!isObject(v)) return invalid(at, 'must be an object');
  noOtherKeys(
    v,
    ['extension_type', 'party', 'code', 'name', 'gloss', 'originator'],
    at,
    'the liaison-marking extension (1.0.0)',
  );
  if (v.extension_type !== 'property-extension')
    invalid(under(at, 'extension_type'), 'must be "property-extension"');
  const originator = stixMarking(v.originator, under(at, 'originator'));
  noOtherKeys(
    isObject(v.originator) ? v.originator : {},
    ['party', 'code', 'name', 'gloss'],
    under(at, 'originator'),
    "the liaison-marking extension's originator",
  );
  return { ...stixMarking(v, at), originator };
}

/** A marking-definition: ours (with where its extension is), or how people name another. */
export function markingOf(o: Json, at: string): ParsedMarking | string {
  timestamp(o, 'created', at);
  const ext = isObject(o.extensions) ? o.extensions[MARKING_EXTENSION_ID] : undefined;
  if (ext !== undefined) {
    const where = under(under(at, 'extensions'), MARKING_EXTENSION_ID);
    return { ...markingExtension(ext, where), at: where };
  }
  const tlp = TLP[String(o.id)];
  if (tlp !== undefined) return tlp;
  const def = isObject(o.definition) ? o.definition : {};
  if (o.definition_type === 'tlp' && typeof def.tlp === 'string') return `TLP:${def.tlp}`;
  if (o.definition_type === 'statement' && typeof def.statement === 'string')
    return `the statement "${def.statement.slice(0, 80)}"`;
  return typeof o.name === 'string' ? `the marking "${o.name.slice(0, 80)}"` : String(o.id);
}

function strings(v: unknown, at: string, max: number, maxLength: number): string[] {
  if (!Array.isArray(v) || v.length === 0) return invalid(at, 'must be a list of at least one');
  if (v.length > max) return invalid(at, `more than ${max}`);
  return v.map((x, i) =>
    typeof x === 'string' && x.length > 0 && x.length <= maxLength
      ? x
      : invalid(under(at, i), `must be text of 1 to ${maxLength} characters`),
  );
}

export function handlingOf(v: unknown, at: string): ParsedHandling {
  if (!isObject(v)) return invalid(at, 'must be an object');
  const keys = ['extension_type', 'item', 'version', 'originator', 'precedence', 'categories'];
  noOtherKeys(v, [...keys, 'releasable_to'], at, 'the liaison-item extension (1.0.0)');
  if (v.extension_type !== 'property-extension')
    invalid(under(at, 'extension_type'), 'must be "property-extension"');
  const item = required(v, 'item', at, "the item's id at its originator", 200);
  const version = v.version;
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1)
    invalid(under(at, 'version'), 'must be a whole number from 1');
  const originator = required(v, 'originator', at, "the originator's party", 16);
  if (!PARTY.test(originator)) invalid(under(at, 'originator'), `'${originator}' is not a party`);
  const precedence = v.precedence;
  if (!oneOf(PRECEDENCES, precedence))
    return invalid(under(at, 'precedence'), `must be one of: ${PRECEDENCES.join(', ')}`);
  const categories = strings(v.categories, under(at, 'categories'), 64, 64);
  let releasableTo: string[] | null = null;
  if (v.releasable_to !== undefined) {
    const r = v.releasable_to;
    const rat = under(at, 'releasable_to');
    if (!isObject(r) || !Array.isArray(r.parties))
      return invalid(rat, 'must be {"parties": [...]}');
    noOtherKeys(r, ['parties'], rat, 'releasable_to');
    if (r.parties.length > 64) invalid(under(rat, 'parties'), 'more than 64');
    releasableTo = r.parties.map((p, i) =>
      typeof p === 'string' && PARTY.test(p)
        ? p
        : invalid(under(under(rat, 'parties'), i), 'must be a party code'),
    );
  }
  return { at, item, version: Number(version), originator, precedence, categories, releasableTo };
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** The SHA-256 an object's `hashes` give (lowercase hex), if they give one. */
function sha256Of(o: Json, at: string): string | undefined {
  const hashes = o.hashes;
  if (hashes === undefined) return undefined;
  if (!isObject(hashes)) return invalid(under(at, 'hashes'), 'must be an object');
  const sha = hashes['SHA-256'];
  if (sha === undefined) return undefined;
  if (typeof sha !== 'string' || !SHA256_HEX.test(sha))
    return invalid(under(under(at, 'hashes'), 'SHA-256'), 'must be 64 hex digits');
  return sha.toLowerCase();
}

/**
 * An artifact's bytes: embedded (payload_bin, checked against its SHA-256 when given),
 * or by URL with its SHA-256 (the node fetches nothing: the file must already be here,
 * uploaded by the importer). Named by the file that refers to it, if any.
 */
export function attachmentOf(o: Json, at: string): Omit<Attachment, 'name'> {
  onlyKnown(o, ARTIFACT_PROPERTIES, at, 'an artifact');
  if (o.encryption_algorithm !== undefined || o.decryption_key !== undefined)
    unsupported(at, 'an encrypted artifact: give its content as it is');
  if (o.granular_markings !== undefined)
    unsupported(under(at, 'granular_markings'), 'an attachment carries its item’s one marking');
  if (o.extensions !== undefined)
    unsupported(under(at, 'extensions'), 'an extension an attachment cannot keep');
  const mime = text(o, 'mime_type', at, 200);
  if (mime !== undefined && !MIME.test(mime))
    invalid(under(at, 'mime_type'), `'${mime}' is not an IANA media type`);
  const sha = sha256Of(o, at);
  if (o.payload_bin === undefined) {
    const url = required(
      o,
      'url',
      at,
      "the attachment's content: payload_bin (base64) or url",
      4000,
    );
    if (sha === undefined)
      invalid(
        under(at, 'hashes'),
        'an artifact by url gives its SHA-256 (STIX 2.1 requires hashes)',
      );
    return { mimeType: mime ?? null, sha256: sha ?? '', size: 0, content: null, url };
  }
  if (o.url !== undefined)
    invalid(under(at, 'url'), 'an artifact has payload_bin or url, not both');
  const payload = required(o, 'payload_bin', at, "the attachment's content (base64)", 8 << 20);
  if (!BASE64.test(payload))
    invalid(under(at, 'payload_bin'), 'must be base64 of at least one byte');
  const content = new Uint8Array(Buffer.from(payload, 'base64'));
  const actual = createHash('sha256').update(content).digest('hex');
  if (sha !== undefined && sha !== actual)
    invalid(under(under(at, 'hashes'), 'SHA-256'), 'does not match payload_bin');
  return { mimeType: mime ?? null, sha256: actual, size: content.length, content, url: null };
}

const FILE_PROPERTIES = [
  'type',
  'spec_version',
  'id',
  'object_marking_refs',
  'defanged',
  'name',
  'size',
  'mime_type',
  'hashes',
  'content_ref',
];

/** A file object: the name (and size, type) of the artifact its content_ref names. */
export function fileOf(
  o: Json,
  at: string,
): { name: string; size?: number; mimeType?: string; sha256?: string; contentRef: string } {
  onlyKnown(o, FILE_PROPERTIES, at, 'a file');
  const name = required(o, 'name', at, "the file's name", 255);
  const contentRef = identifier(o.content_ref, under(at, 'content_ref'), 'artifact');
  const size = o.size;
  if (size !== undefined && (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1))
    invalid(under(at, 'size'), 'must be a whole number of bytes, at least one');
  const mime = text(o, 'mime_type', at, 200);
  if (mime !== undefined && !MIME.test(mime))
    invalid(under(at, 'mime_type'), `'${mime}' is not an IANA media type`);
  const sha = sha256Of(o, at);
  return {
    name,
    contentRef,
    ...(typeof size === 'number' ? { size } : {}),
    ...(mime === undefined ? {} : { mimeType: mime }),
    ...(sha === undefined ? {} : { sha256: sha }),
  };
}
