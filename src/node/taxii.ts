// TAXII 2.1 collections at a node (issue 14; docs/taxii.md): one collection per
// need-to-know category of the person asking, whose objects are the STIX bundles of
// the items this node holds in that category that the person may read now (RULES V1).
// Every item served is read through `exportStix` (so `readItem`: decided by RULES
// A1–A3 and logged as `item.read`, view `taxii`). Pages are cut in the order items
// were added here, (date added, id), and a page's `next` is the last item it served:
// nothing a page says (objects, `more`, `next`, dates) comes from an item the person
// may not read.
import { type ItemRecord, LiaisonError, markingRef } from '../core/index.js';
import { LIAISON_NAMESPACE, type StixObject, toStixBundle, uuidv5 } from '../interop/stix.js';
import { itemAttachments } from '../store/attachments.js';
import { RequestInvalid } from './errors.js';
import type { Actor } from './roles.js';
import type { LiaisonNode } from './service.js';
import { exportStix } from './stix.js';
import { visible } from './visibility.js';

/** The most objects one page holds, whatever `limit` asks (and when it asks nothing). */
export const TAXII_MAX_OBJECTS = 100;

export interface TaxiiCollection {
  readonly id: string;
  readonly category: string;
  readonly title: string;
  readonly description: string;
}

/** A category's collection id: UUIDv5 of `taxii/collection/category/NAME` (the STIX namespace). */
export const collectionId = (category: string): string =>
  uuidv5(LIAISON_NAMESPACE, `taxii/collection/category/${category}`);

/** The person's collections: one per category of their need-to-know, in name order. */
export function collectionsFor(node: LiaisonNode, actor: Actor): TaxiiCollection[] {
  const user = node.world.users.get(actor.user);
  return [...(user?.needToKnow ?? [])].sort().map((category) => ({
    id: collectionId(category),
    category,
    title: `Liaison items: ${category}`,
    description: `Items held by ${node.party}'s node in category ${category} that you may read now, as STIX 2.1 (report, marking-definition, identities, extension definitions)`,
  }));
}

/** Where a page ended: the last item it served (its date added here and its id). */
export interface Cursor {
  readonly at: number;
  readonly id: string;
}

/** A `next` token: the page's last item, base64url JSON (it tells only what the person saw). */
export function encodeNext(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.at, c.id]), 'utf8').toString('base64url');
}

/** A `next` token read back; a bad one is a 400. */
export function decodeNext(token: string): Cursor {
  const bad = () =>
    new RequestInvalid('invalid-request', 'next: not a token this node gave', 'next');
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(token)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(v) ||
    v.length !== 2 ||
    typeof v[0] !== 'number' ||
    !Number.isSafeInteger(v[0]) ||
    typeof v[1] !== 'string' ||
    v[1].length === 0 ||
    v[1].length > 200
  )
    throw bad();
  return { at: v[0], id: v[1] };
}

export interface ObjectsQuery {
  /** Only items added here strictly after this instant (ms). */
  readonly addedAfter: number | null;
  /** The most objects wanted (clamped to 1..TAXII_MAX_OBJECTS). */
  readonly limit: number | null;
  readonly next: Cursor | null;
  /** match[type] and match[id]: objects of these types / with these ids only. */
  readonly types: readonly string[] | null;
  readonly ids: readonly string[] | null;
  /** This node's base URL as the client reached it: files are referred to there. */
  readonly baseUrl: string;
}

export interface ObjectsPage {
  readonly objects: StixObject[];
  readonly more: boolean;
  /** The last item served, when `more`. */
  readonly next: Cursor | null;
  /** The dates added of the first and last items served (ms), null when none. */
  readonly first: number | null;
  readonly last: number | null;
  /** The items served (each read and logged). */
  readonly items: readonly string[];
}

const addedAt = (node: LiaisonNode, item: ItemRecord): number => {
  const since = item.holdings.get(node.party)?.since ?? 0;
  return Number.isFinite(since) ? since : 0;
};

/**
 * The ids and types of an item's bundle, from what the node knows without reading its
 * content (its marking, parties and id, and its files' names and hashes, make every
 * object's id): how many objects an item adds to a page is known before it is read, so
 * no item is read that is not served.
 */
async function outline(node: LiaisonNode, item: ItemRecord): Promise<readonly StixObject[]> {
  const party = (p: string) => ({ id: p, name: node.world.parties.get(p)?.name ?? p });
  const held = item.holdings.get(node.party)?.marking ?? item.marking;
  return toStixBundle({
    id: item.id,
    version: item.version,
    title: '',
    body: '',
    originator: party(item.originator.id),
    holder: party(node.party),
    marking: markingRef(held),
    originatorMarking: markingRef(item.marking),
    categories: item.categories,
    releasableTo: item.releasableTo === null ? null : [...item.releasableTo],
    precedence: item.precedence,
    createdAt: 0,
    modifiedAt: 0,
    attachments: (await itemAttachments(node.store.db, item.id)).map((a) => ({
      name: a.name,
      mimeType: a.type,
      sha256: a.sha256,
      size: a.size,
      content: null,
      url: '',
    })),
  }).objects;
}

/**
 * One page of a category's objects for this person. Items are taken whole, in (date
 * added, id) order after `next`, while their objects (shared ones once per page) fit in
 * `limit`; a first item larger than `limit` is served whole all the same (an item is
 * never split across pages). Items the person may not read are never looked at for
 * anything but being skipped.
 */
export async function taxiiObjects(
  node: LiaisonNode,
  actor: Actor,
  category: string,
  q: ObjectsQuery,
): Promise<ObjectsPage> {
  const limit = Math.min(Math.max(Math.trunc(q.limit ?? TAXII_MAX_OBJECTS), 1), TAXII_MAX_OBJECTS);
  const wanted = (o: StixObject) =>
    (q.types === null || q.types.includes(o.type)) && (q.ids === null || q.ids.includes(o.id));
  const candidates = await node.transact(async (u) =>
    [...u.world.items.values()]
      .filter(
        (i) =>
          i.holdings.has(node.party) && i.categories.includes(category) && visible(u, actor, i.id),
      )
      .map((i) => ({ item: i, at: addedAt(node, i) }))
      .filter(
        ({ item, at }) =>
          (q.addedAfter === null || at > q.addedAfter) &&
          (q.next === null || at > q.next.at || (at === q.next.at && item.id > q.next.id)),
      )
      .sort((a, b) => a.at - b.at || (a.item.id < b.item.id ? -1 : a.item.id > b.item.id ? 1 : 0)),
  );
  const objects: StixObject[] = [];
  const seen = new Set<string>();
  const items: string[] = [];
  let first: number | null = null;
  let last: Cursor | null = null;
  let more = false;
  for (const { item, at } of candidates) {
    const shape = (await outline(node, item)).filter(wanted);
    if (shape.length === 0) continue;
    const adds = shape.filter((o) => !seen.has(o.id)).length;
    if (items.length > 0 && objects.length + adds > limit) {
      more = true;
      break;
    }
    let bundle: readonly StixObject[];
    try {
      // Files by URL, never embedded: a page stays small whatever the files weigh.
      bundle = (
        await exportStix(node, actor, item.id, { view: 'taxii', inlineUpTo: 0, baseUrl: q.baseUrl })
      ).objects;
    } catch (e) {
      // No longer readable since the page began (its refusal is logged): left out.
      if (e instanceof LiaisonError) continue;
      throw e;
    }
    for (const o of bundle.filter(wanted)) {
      if (seen.has(o.id)) continue;
      seen.add(o.id);
      objects.push(o);
    }
    items.push(item.id);
    first ??= at;
    last = { at, id: item.id };
  }
  return {
    objects,
    more,
    next: more ? last : null,
    first,
    last: last?.at ?? null,
    items,
  };
}
