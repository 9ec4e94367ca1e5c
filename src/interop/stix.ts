// An item as a STIX 2.1 bundle (OASIS), as pure data: no I/O, no clock (every instant
// comes from the item). The mapping (docs/stix.md):
//
//   item                  → report: name = title, description = body, created = the
//                           originator's creation, modified = the version's manifest time;
//                           the Liaison item extension carries precedence, categories and
//                           releasability
//   originator, holder    → identity (one per party; the holder is the exporting node)
//   marking               → marking-definition with the Liaison marking extension: the
//                           holder's party, code, native name and English gloss, and the
//                           originator's marking beside it
//   each attachment       → file (name, size, mime_type, SHA-256) in the report's
//                           object_refs, whose content_ref is an artifact (payload_bin when
//                           the node embeds the bytes, else url and SHA-256), both under
//                           the item's marking
//
// Ids are `type--UUIDv5` under LIAISON_NAMESPACE, so the same item version exported
// twice by the same node is the same bundle, byte for byte.
import { createHash } from 'node:crypto';
import type { EpochMs, MarkingRef, Precedence } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';

/** The media type of a STIX 2.1 bundle (TAXII 2.1). */
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/** RFC 9562's namespace for URLs. */
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
/** STIX 2.1 §2.9: the namespace of deterministic ids of cyber-observable objects. */
export const STIX_SCO_NAMESPACE = '00abedb4-aa42-466c-9c01-fed23315a9b7';

/** A UUID version 5 (RFC 9562 §5.5): SHA-1 of namespace and name. */
export function uuidv5(namespace: string, name: string): string {
  const h = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  h.writeUInt8((h.readUInt8(6) & 0x0f) | 0x50, 6);
  h.writeUInt8((h.readUInt8(8) & 0x3f) | 0x80, 8);
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** The project's namespace: UUIDv5 of `https://liaison.local/stix` under the URL namespace. */
export const LIAISON_NAMESPACE = uuidv5(URL_NAMESPACE, 'https://liaison.local/stix');

const idOf = (type: string, name: string) => `${type}--${uuidv5(LIAISON_NAMESPACE, name)}`;

/** When the project's own objects (its identity, its extension definitions) were made. */
export const STIX_EPOCH = '2026-12-07T00:00:00.000Z';

export const LIAISON_IDENTITY_ID = idOf('identity', 'identity/liaison');
export const MARKING_EXTENSION_ID = idOf('extension-definition', 'extension/liaison-marking/v1');
export const ITEM_EXTENSION_ID = idOf('extension-definition', 'extension/liaison-item/v1');
/** Where the extensions' JSON schemas are named (their text: docs/stix/ in the repository). */
export const MARKING_EXTENSION_SCHEMA = 'https://liaison.local/stix/liaison-marking-v1.schema.json';
export const ITEM_EXTENSION_SCHEMA = 'https://liaison.local/stix/liaison-item-v1.schema.json';

/** A STIX object, as JSON: its type and id, and whatever else its type has. */
export interface StixObject {
  readonly type: string;
  readonly id: string;
  readonly [property: string]: unknown;
}

export interface StixBundle {
  readonly type: 'bundle';
  readonly id: string;
  readonly objects: readonly StixObject[];
}

export interface PartyRef {
  readonly id: string;
  /** Its full name (`Japan`). */
  readonly name: string;
}

/** A file attached to an item. */
export interface Attachment {
  /** The file's name, as its uploader gave it. */
  readonly name: string;
  /** An IANA media type, or null when unknown. */
  readonly mimeType: string | null;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
  readonly size: number;
  /** The bytes, embedded as the artifact's payload_bin; null when it refers to `url`. */
  readonly content: Uint8Array | null;
  /** Where the bytes can be fetched (with a token), when not embedded. */
  readonly url: string | null;
}

/** An item as one node holds it: what its bundle is made of. */
export interface ItemForStix {
  readonly id: string;
  /** The originator's manifest version held (1 at creation, one more per reclassification). */
  readonly version: number;
  readonly title: string;
  readonly body: string;
  readonly originator: PartyRef;
  /** The exporting node's party, whose marking the item carries here. */
  readonly holder: PartyRef;
  /** The holder's marking (its own scheme). */
  readonly marking: MarkingRef;
  /** The originator's marking, beside it (RULES R5). */
  readonly originatorMarking: MarkingRef;
  readonly categories: readonly string[];
  readonly releasableTo: readonly string[] | null;
  readonly precedence: Precedence;
  /** When the originator created the item. */
  readonly createdAt: EpochMs;
  /** When the originator signed the version held (its creation for version 1). */
  readonly modifiedAt: EpochMs;
  readonly attachments: readonly Attachment[];
}

/** A marking as the Liaison marking extension writes it (the schema's `marking`). */
export interface StixMarking {
  readonly party: string;
  readonly code: string;
  /** The native name (`極秘`). */
  readonly name: string;
  /** The English gloss (`SECRET`). */
  readonly gloss: string;
}

/** The Liaison marking extension of a marking-definition. */
export interface MarkingExtension extends StixMarking {
  readonly extension_type: 'property-extension';
  readonly originator: StixMarking;
}

/** The Liaison item extension of a report. */
export interface ItemExtension {
  readonly extension_type: 'property-extension';
  /** The item's id at its originator (an import makes a new item with a new id). */
  readonly item: string;
  readonly version: number;
  /** The originator's party. */
  readonly originator: string;
  readonly precedence: Precedence;
  readonly categories: readonly string[];
  /** Absent: releasable to any party an agreement allows; present: only these (maybe none). */
  readonly releasable_to?: { readonly parties: readonly string[] };
}

/** An instant as STIX writes it: UTC, to the millisecond. */
export const stixTime = (ms: EpochMs): string => new Date(ms).toISOString();

/** A marking as people read it (decision #106): `JP 極秘 (SECRET)`, `US SECRET`. */
export function markingLabel(m: StixMarking): string {
  const gloss = m.gloss.replace(/\s*\(([^()]*)\)/g, ', $1').trim();
  return `${m.party} ${gloss === '' || gloss === m.name ? m.name : `${m.name} (${gloss})`}`;
}

const stixMarking = (m: MarkingRef): StixMarking => ({
  party: m.party,
  code: m.code,
  name: m.name,
  gloss: m.en,
});

/** The identity of a party: one id per party, the same in every bundle. */
export const partyIdentityId = (party: string): string =>
  idOf('identity', `identity/party/${party}`);

const common = { spec_version: '2.1', created: STIX_EPOCH, modified: STIX_EPOCH } as const;

/** The project's identity: the creator of its extension definitions. */
export const LIAISON_IDENTITY: StixObject = {
  type: 'identity',
  id: LIAISON_IDENTITY_ID,
  ...common,
  name: 'Liaison',
  identity_class: 'system',
  description:
    'Liaison: nodes that share classified items between parties under security agreements. It defines the STIX extensions liaison-marking and liaison-item.',
};

export const MARKING_EXTENSION: StixObject = {
  type: 'extension-definition',
  id: MARKING_EXTENSION_ID,
  ...common,
  created_by_ref: LIAISON_IDENTITY_ID,
  name: 'liaison-marking',
  description:
    "A party's classification marking of an item, as the exporting node holds it: the party, the marking's code in that party's scheme, its native name and English gloss, and the originator's marking beside it (a recipient's marking differs from the originator's).",
  schema: MARKING_EXTENSION_SCHEMA,
  version: '1.0.0',
  extension_types: ['property-extension'],
};

export const ITEM_EXTENSION: StixObject = {
  type: 'extension-definition',
  id: ITEM_EXTENSION_ID,
  ...common,
  created_by_ref: LIAISON_IDENTITY_ID,
  name: 'liaison-item',
  description:
    "How a Liaison item is handled: its id and manifest version at the originator, the originator's party, ACP 121 precedence, need-to-know categories, and the parties it may be released to.",
  schema: ITEM_EXTENSION_SCHEMA,
  version: '1.0.0',
  extension_types: ['property-extension'],
};

function partyIdentity(p: PartyRef): StixObject {
  return {
    type: 'identity',
    id: partyIdentityId(p.id),
    ...common,
    name: p.name,
    identity_class: 'organization',
    description: `Party ${p.id} of a Liaison security agreement`,
  };
}

/** The marking-definition of a holder's marking with the originator's: its id from its content. */
export function markingDefinition(marking: MarkingRef, originator: MarkingRef): StixObject {
  const ext: MarkingExtension = {
    extension_type: 'property-extension',
    ...stixMarking(marking),
    originator: stixMarking(originator),
  };
  const here = markingLabel(ext);
  const there = markingLabel(ext.originator);
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id: idOf('marking-definition', `marking/${canonicalJson(ext)}`),
    created: STIX_EPOCH,
    created_by_ref: partyIdentityId(marking.party),
    name: here === there ? here : `${here}; originator ${there}`,
    extensions: { [MARKING_EXTENSION_ID]: ext },
  };
}

/** An attachment's bytes as an artifact: its id is STIX's deterministic one, from its SHA-256. */
export function artifactOf(a: Attachment, markingId: string): StixObject {
  if (a.size === 0) throw new RangeError('an attachment has at least one byte');
  if (a.content === null && a.url === null)
    throw new RangeError('an attachment is embedded or has a URL');
  const hashes = { 'SHA-256': a.sha256 };
  return {
    type: 'artifact',
    spec_version: '2.1',
    id: `artifact--${uuidv5(STIX_SCO_NAMESPACE, canonicalJson({ hashes }))}`,
    ...(a.mimeType === null ? {} : { mime_type: a.mimeType }),
    ...(a.content === null
      ? { url: a.url }
      : { payload_bin: Buffer.from(a.content).toString('base64') }),
    hashes,
    object_marking_refs: [markingId],
  };
}

/** An attachment as a file (its name, size and type) whose content is `artifact`. */
export function fileOf(a: Attachment, artifact: StixObject, markingId: string): StixObject {
  const hashes = { 'SHA-256': a.sha256 };
  return {
    type: 'file',
    spec_version: '2.1',
    id: `file--${uuidv5(STIX_SCO_NAMESPACE, canonicalJson({ hashes, name: a.name }))}`,
    name: a.name,
    size: a.size,
    ...(a.mimeType === null ? {} : { mime_type: a.mimeType }),
    hashes,
    content_ref: artifact.id,
    object_marking_refs: [markingId],
  };
}

/**
 * The item as a STIX 2.1 bundle: its report first, then the marking, the identities,
 * the extension definitions and the attachments. The report's id is the item's at this
 * node's party (a recipient's export carries another marking, so it is another object).
 */
export function toStixBundle(item: ItemForStix): StixBundle {
  const marking = markingDefinition(item.marking, item.originatorMarking);
  const files = item.attachments.map((a) => {
    const artifact = artifactOf(a, marking.id);
    return { file: fileOf(a, artifact, marking.id), artifact };
  });
  const originator = partyIdentity(item.originator);
  const ext: ItemExtension = {
    extension_type: 'property-extension',
    item: item.id,
    version: item.version,
    originator: item.originator.id,
    precedence: item.precedence,
    categories: [...item.categories],
    ...(item.releasableTo === null ? {} : { releasable_to: { parties: [...item.releasableTo] } }),
  };
  const report: StixObject = {
    type: 'report',
    spec_version: '2.1',
    id: idOf('report', `report/${item.holder.id}/${item.id}`),
    created_by_ref: originator.id,
    created: stixTime(item.createdAt),
    modified: stixTime(Math.max(item.modifiedAt, item.createdAt)),
    name: item.title,
    description: item.body,
    published: stixTime(item.createdAt),
    // A report refers to at least one object: its originator, then its files.
    object_refs: [originator.id, ...files.map((f) => f.file.id)],
    object_marking_refs: [marking.id],
    extensions: { [ITEM_EXTENSION_ID]: ext },
  };
  const identities =
    item.holder.id === item.originator.id ? [originator] : [originator, partyIdentity(item.holder)];
  const objects = [
    report,
    marking,
    ...identities,
    LIAISON_IDENTITY,
    MARKING_EXTENSION,
    ITEM_EXTENSION,
    ...files.flatMap((f) => [f.file, f.artifact]),
  ];
  return {
    type: 'bundle',
    id: idOf('bundle', `bundle/${canonicalJson(objects)}`),
    objects,
  };
}
