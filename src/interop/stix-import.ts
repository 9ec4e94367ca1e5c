// A STIX 2.1 bundle read back as what an item can hold, as pure data (no I/O): one
// report (or one note), its marking, its handling and its attachments. Everything an
// item cannot keep is refused, naming the place in the bundle (`objects.2.name`) and
// the problem (docs/stix.md lists what is kept, ignored and refused). Which marking the
// new item gets is decided by `itemFromStix` (stix-marking.ts), with the node's party.
import { isObject } from '../core/index.js';
import { type Attachment, ITEM_EXTENSION_ID } from './stix.js';
import {
  attachmentOf,
  fileOf,
  handlingOf,
  identifier,
  identifiers,
  invalid,
  type Json,
  markingOf,
  objectHead,
  onlyKnown,
  type ParsedHandling,
  type ParsedMarking,
  required,
  TLP,
  text,
  timestamp,
  under,
  unsupported,
} from './stix-objects.js';

export type { ParsedHandling, ParsedMarking } from './stix-objects.js';

/** Most objects a bundle may carry. */
export const MAX_OBJECTS = 1000;
/** An item's title and body limits (src/api/item-schemas.ts ItemBody). */
export const MAX_TITLE = 500;
export const MAX_BODY = 512 * 1024;

export interface ParsedStix {
  readonly bundle: string;
  /** The report (or note) that becomes the item, and where it is. */
  readonly content: { readonly type: 'report' | 'note'; readonly id: string; readonly at: string };
  readonly title: string;
  readonly body: string;
  /** Where the content's markings are named (`objects.0.object_marking_refs`). */
  readonly markingsAt: string;
  readonly marking: ParsedMarking | null;
  /** The content's other markings, as people read them (`TLP:AMBER`, `a statement`). */
  readonly otherMarkings: readonly string[];
  readonly handling: ParsedHandling | null;
  /** The content's labels, where it has them (the categories of a bundle from elsewhere). */
  readonly labels: { readonly at: string; readonly values: readonly string[] } | null;
  readonly attachments: readonly (Attachment & { readonly at: string })[];
}

/** STIX 2.1's own object types that an item cannot hold (refused by name). */
const OTHER_TYPES = new Set([
  'attack-pattern',
  'campaign',
  'course-of-action',
  'grouping',
  'incident',
  'indicator',
  'infrastructure',
  'intrusion-set',
  'language-content',
  'location',
  'malware',
  'malware-analysis',
  'observed-data',
  'opinion',
  'threat-actor',
  'tool',
  'vulnerability',
  'relationship',
  'sighting',
  'autonomous-system',
  'directory',
  'domain-name',
  'email-addr',
  'email-message',
  'ipv4-addr',
  'ipv6-addr',
  'mac-addr',
  'mutex',
  'network-traffic',
  'process',
  'software',
  'url',
  'user-account',
  'windows-registry-key',
  'x509-certificate',
]);

/** Properties every domain object may have (core.json); what an item cannot keep is refused below. */
const SDO_COMMON = [
  'type',
  'spec_version',
  'id',
  'created_by_ref',
  'created',
  'modified',
  'revoked',
  'labels',
  'confidence',
  'lang',
  'external_references',
  'object_marking_refs',
  'granular_markings',
  'extensions',
];
const CONTENT_PROPERTIES: Readonly<Record<'report' | 'note', readonly string[]>> = {
  report: [...SDO_COMMON, 'report_types', 'name', 'description', 'published', 'object_refs'],
  note: [...SDO_COMMON, 'abstract', 'content', 'authors', 'object_refs'],
};
interface Placed {
  readonly type: string;
  readonly o: Json;
  readonly at: string;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? 'an' : 'a');

/** Checks an object that carries no content of its own (identity, definitions). */
function checkAuxiliary(p: Placed): void {
  if (p.type === 'identity') {
    timestamp(p.o, 'created', p.at);
    timestamp(p.o, 'modified', p.at);
    required(p.o, 'name', p.at, 'an identity has a name', 1000);
  } else if (p.type === 'extension-definition') {
    timestamp(p.o, 'created', p.at);
    timestamp(p.o, 'modified', p.at);
    for (const k of ['name', 'schema', 'version'])
      required(p.o, k, p.at, 'an extension definition has one', 10_000);
  } else if (p.type === 'marking-definition') {
    markingOf(p.o, p.at);
  }
}

/** The content's markings: the Liaison one (at most one) and how people name the others. */
function markingsOf(
  c: Placed,
  byId: ReadonlyMap<string, Placed>,
): { ids: string[]; ours: ParsedMarking | null; others: string[] } {
  const at = under(c.at, 'object_marking_refs');
  const ids = identifiers(c.o, 'object_marking_refs', c.at, 'marking-definition') ?? [];
  const ours: ParsedMarking[] = [];
  const others: string[] = [];
  ids.forEach((id, i) => {
    const target = byId.get(id);
    const m =
      target !== undefined
        ? markingOf(target.o, target.at)
        : (TLP[id] ?? invalid(under(at, i), `'${id}' is not in the bundle`));
    if (typeof m === 'string') others.push(m);
    else ours.push(m);
  });
  if (ours.length > 1) unsupported(at, 'two Liaison markings: an item has one');
  return { ids, ours: ours[0] ?? null, others };
}

/**
 * A STIX 2.1 bundle as what an item can hold, or a StixInvalid naming where and what
 * is wrong. Nothing is fetched: what the bundle refers to must be in it.
 */
export function parseStixBundle(b: unknown): ParsedStix {
  if (!isObject(b)) return invalid('', 'a STIX bundle is a JSON object ({"type": "bundle", …})');
  if (b.spec_version !== undefined)
    invalid(
      'spec_version',
      b.spec_version === '2.0'
        ? 'a STIX 2.0 bundle: only STIX 2.1 is read'
        : 'a STIX 2.1 bundle has no spec_version',
    );
  if (b.type !== 'bundle') invalid('type', 'must be "bundle"');
  for (const k of Object.keys(b))
    if (!['type', 'id', 'objects'].includes(k)) invalid(k, 'not a property of a STIX bundle');
  const bundle = identifier(b.id, 'id', 'bundle');
  const objects = b.objects;
  if (!Array.isArray(objects) || objects.length === 0)
    return invalid('objects', 'must be a list of at least one STIX object');
  if (objects.length > MAX_OBJECTS) invalid('objects', `more than ${MAX_OBJECTS} objects`);

  const byId = new Map<string, Placed>();
  const contents: Placed[] = [];
  const artifacts: Placed[] = [];
  const files: Placed[] = [];
  objects.forEach((raw, i) => {
    const at = under('objects', i);
    const { type, id, o } = objectHead(raw, at);
    const before = byId.get(id);
    if (before !== undefined)
      invalid(
        under(at, 'id'),
        `'${id}' is also ${before.at}: an item keeps one version of each object`,
      );
    const placed = { type, o, at };
    byId.set(id, placed);
    if (type === 'report' || type === 'note') contents.push(placed);
    else if (type === 'artifact') artifacts.push(placed);
    else if (type === 'file') files.push(placed);
    else if (!['identity', 'marking-definition', 'extension-definition'].includes(type))
      unsupported(
        OTHER_TYPES.has(type) ? at : under(at, 'type'),
        OTHER_TYPES.has(type)
          ? `${article(type)} ${type} cannot be part of an item: export only the report, its marking and its attachments`
          : `'${type}' is a custom object type: an item cannot keep what it carries`,
      );
  });
  for (const p of byId.values()) checkAuxiliary(p);

  const reports = contents.filter((c) => c.type === 'report');
  const notes = contents.filter((c) => c.type === 'note');
  if (reports.length > 1)
    unsupported(
      reports[1]?.at ?? 'objects',
      `a second report (the first is ${reports[0]?.at}): an item is one report`,
    );
  if (reports.length === 1 && notes.length > 0)
    unsupported(notes[0]?.at ?? 'objects', 'a note beside the report: its content would be lost');
  if (notes.length > 1)
    unsupported(notes[1]?.at ?? 'objects', `a second note (the first is ${notes[0]?.at})`);
  const c = reports[0] ?? notes[0];
  if (c === undefined) return invalid('objects', 'no report (or note): nothing to make an item of');
  const kind = c.type === 'report' ? 'report' : 'note';
  const at = c.at;
  const o = c.o;

  onlyKnown(o, CONTENT_PROPERTIES[kind], at, `a ${kind}`);
  timestamp(o, 'created', at);
  timestamp(o, 'modified', at);
  if (o.revoked === true)
    unsupported(under(at, 'revoked'), `a revoked ${kind}: its creator withdrew it`);
  if (o.external_references !== undefined)
    unsupported(
      under(at, 'external_references'),
      'references to sources outside the bundle: an item cannot keep them',
    );
  if (o.granular_markings !== undefined)
    unsupported(
      under(at, 'granular_markings'),
      `markings of parts of a ${kind}: an item has one marking`,
    );
  if (o.created_by_ref !== undefined)
    identifier(o.created_by_ref, under(at, 'created_by_ref'), 'identity');

  let handling: ParsedHandling | null = null;
  if (o.extensions !== undefined) {
    if (!isObject(o.extensions)) return invalid(under(at, 'extensions'), 'must be an object');
    for (const [k, v] of Object.entries(o.extensions)) {
      const where = under(under(at, 'extensions'), k);
      if (k !== ITEM_EXTENSION_ID)
        unsupported(where, 'an extension this node does not know: its properties would be lost');
      handling = handlingOf(v, where);
    }
  }

  const title =
    kind === 'report'
      ? required(o, 'name', at, "a report's name is the item's title", MAX_TITLE)
      : required(o, 'abstract', at, "a note's abstract is the item's title", MAX_TITLE);
  if (title === '')
    invalid(under(at, kind === 'report' ? 'name' : 'abstract'), "empty: it is the item's title");
  const body =
    kind === 'report'
      ? (text(o, 'description', at, MAX_BODY) ?? '')
      : required(o, 'content', at, "a note's content is the item's body", MAX_BODY);
  if (kind === 'report') timestamp(o, 'published', at);

  const refs =
    identifiers(o, 'object_refs', at) ??
    invalid(under(at, 'object_refs'), `missing: a ${kind} refers to at least one object`);
  refs.forEach((ref, i) => {
    const target = byId.get(ref);
    if (
      target === undefined ||
      (target.type !== 'identity' && target.type !== 'artifact' && target.type !== 'file')
    )
      unsupported(
        under(under(at, 'object_refs'), i),
        target === undefined
          ? `'${ref}' is not in the bundle: what it refers to would be lost`
          : `refers to ${target.at}, ${article(target.type)} ${target.type}: an item refers only to its attachments`,
      );
  });

  const marks = markingsOf(c, byId);
  // Each file the content refers to names the artifact holding its bytes; an artifact
  // the content refers to directly is a file without a name.
  const carries = (p: Placed) => {
    const own = identifiers(p.o, 'object_marking_refs', p.at) ?? [];
    const foreign = own.findIndex((m) => !marks.ids.includes(m));
    if (foreign >= 0)
      unsupported(
        under(under(p.at, 'object_marking_refs'), foreign),
        `a marking the ${kind} does not carry: an attachment carries its item's marking`,
      );
  };
  const named = new Map<string, ReturnType<typeof fileOf> & { at: string; id: string }>();
  for (const f of files) {
    if (!refs.includes(String(f.o.id)))
      unsupported(f.at, `a file the ${kind} does not refer to (add it to its object_refs)`);
    carries(f);
    const file = { ...fileOf(f.o, f.at), at: f.at, id: String(f.o.id) };
    const target = byId.get(file.contentRef);
    if (target?.type !== 'artifact')
      invalid(under(f.at, 'content_ref'), `'${file.contentRef}' is not an artifact in the bundle`);
    if (named.has(file.contentRef))
      unsupported(f.at, `a second file for ${file.contentRef}: an item lists each file once`);
    named.set(file.contentRef, file);
  }
  const attachments = artifacts.map((a) => {
    const id = String(a.o.id);
    const file = named.get(id);
    if (file === undefined && !refs.includes(id))
      unsupported(a.at, `an artifact the ${kind} does not refer to (add it to its object_refs)`);
    carries(a);
    const bytes = attachmentOf(a.o, a.at);
    if (file?.sha256 !== undefined && file.sha256 !== bytes.sha256)
      invalid(
        under(under(file.at, 'hashes'), 'SHA-256'),
        `does not match its artifact's (${a.at})`,
      );
    if (file?.size !== undefined && bytes.content !== null && file.size !== bytes.size)
      invalid(under(file.at, 'size'), `${file.size} bytes, but its artifact holds ${bytes.size}`);
    return {
      ...bytes,
      name: file?.name ?? `attachment-${bytes.sha256.slice(0, 12)}`,
      mimeType: file?.mimeType ?? bytes.mimeType,
      size: bytes.content === null ? (file?.size ?? 0) : bytes.size,
      at: file?.at ?? a.at,
      // In the order the content lists them (a file by its own place there).
      order: refs.indexOf(file?.id ?? id),
    };
  });
  attachments.sort((x, y) => x.order - y.order);

  let labels: ParsedStix['labels'] = null;
  if (o.labels !== undefined) {
    const v = o.labels;
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string'))
      return invalid(under(at, 'labels'), 'must be a list of at least one text');
    labels = { at: under(at, 'labels'), values: v.map(String) };
  }
  return {
    bundle,
    content: { type: kind, id: String(o.id), at },
    title,
    body,
    markingsAt: under(at, 'object_marking_refs'),
    marking: marks.ours,
    otherMarkings: marks.others,
    handling,
    labels,
    attachments: attachments.map(({ order: _, ...a }) => a),
  };
}
