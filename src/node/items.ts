// Items at a node: creating one (creating is acting, RULES P1), listing what a person
// may see, and reading (RULES A1–A3), each decided by the core and logged.
import { type KeyObject, randomUUID } from 'node:crypto';
import {
  type Decision,
  decide,
  decideCreate,
  type ItemRecord,
  markingRef,
  type Precedence,
  parseInstant,
} from '../core/index.js';
import { insertItemAttachments, itemAttachments, uploadedBy } from '../store/attachments.js';
import { insertItems, itemRow } from '../store/items.js';
import { json } from '../store/json.js';
import { deniedBy, RequestInvalid, Unavailable } from './errors.js';
import { type EventActor, type EventSubjects, record } from './events.js';
import { type AttachmentRef, contentHash, makeManifest, manifestOf } from './manifest.js';
import type { Actor } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';
import { logListing, type Page, refusal, visible } from './visibility.js';

export interface NewItem {
  /** Given by the caller (an alert's id), or made here. */
  readonly id?: string | undefined;
  readonly marking: string;
  readonly categories: readonly string[];
  readonly title: string;
  readonly body: string;
  readonly releasableTo?: readonly string[] | undefined;
  /** ACP 121; ROUTINE when absent. */
  readonly precedence?: Precedence | undefined;
  /** Files its creator uploaded (POST /v1/attachments), named by their SHA-256. */
  readonly attachments?:
    | readonly { readonly name: string; readonly type: string; readonly sha256: string }[]
    | undefined;
}

export interface ItemSummary {
  readonly id: string;
  /** Shown only to a person who may read the item (RULES V1: listings are filtered first). */
  readonly title: string;
  readonly originator: string;
  readonly marking: {
    readonly party: string;
    readonly code: string;
    readonly name: string;
    readonly en: string;
  };
  readonly originatorMarking: {
    readonly party: string;
    readonly code: string;
    readonly name: string;
    readonly en: string;
  };
  readonly categories: readonly string[];
  readonly releasableTo: readonly string[] | null;
  readonly precedence: Precedence;
  readonly createdAt: number;
  readonly compromised: boolean;
}

/** An item as a listing shows it (its title included: only to someone who may read it). */
export function summary(node: LiaisonNode, item: ItemRecord): ItemSummary {
  const held = item.holdings.get(node.party)?.marking ?? item.marking;
  return {
    id: item.id,
    title: item.title ?? '',
    originator: item.originator.id,
    marking: markingRef(held),
    originatorMarking: markingRef(item.marking),
    categories: item.categories,
    releasableTo: item.releasableTo === null ? null : [...item.releasableTo],
    precedence: item.precedence,
    createdAt: Number.isFinite(item.holdings.get(item.originator.id)?.since ?? 0)
      ? (item.holdings.get(item.originator.id)?.since ?? 0)
      : 0,
    compromised: item.compromise.length > 0,
  };
}

/** What an alert adds to its item's creation entry. */
export type CreatedAlert = NonNullable<EventSubjects['item.created']['alert']>;
/** Where an imported item came from, logged with its creation (a STIX bundle, src/node/stix.ts). */
export type ImportedFrom = NonNullable<EventSubjects['item.created']['imported']>;

/**
 * Creates an item of this node's party in a unit: decided (creating is acting, RULES
 * P1: nobody writes above their own clearance or outside their need-to-know), added
 * to the World, stored and logged. A refusal is logged (`item.created`, deny) and
 * thrown; an unknown marking is a bad request, not a decision about a person.
 */
export async function addNewItem(
  u: Unit,
  actor: Actor,
  party: string,
  input: NewItem,
  /** The node's signing key: the originator signs the item's manifest. */
  key: KeyObject,
  /** An alert's log subject and payload (part of the content the manifest hashes). */
  withAlert: { readonly created: CreatedAlert; readonly payload: unknown } | null = null,
  imported: ImportedFrom | null = null,
): Promise<{ item: ItemRecord; manifest: string }> {
  const alert = withAlert?.created ?? null;
  const who: EventActor = { user: actor.user, party };
  const subject = (item: string | null, precedence: Precedence | null) => ({
    item,
    marking: input.marking,
    categories: input.categories,
    releasableTo: input.releasableTo ?? null,
    precedence,
    alert,
    ...(imported === null ? {} : { imported }),
  });
  const may = decideCreate(
    u.world,
    { user: actor.user, marking: input.marking, categories: input.categories },
    u.now,
  );
  if (may.decision === 'deny') {
    if (may.reasons[0]?.rule === 'P1')
      recordCreation(u, who, { ...subject(null, null), releasableTo: null, alert: null }, may);
    throw deniedBy(may);
  }
  const files = await attachmentRefs(u, actor, input.attachments ?? []);
  const id = input.id ?? `${party.toLowerCase()}-${randomUUID()}`;
  u.apply({
    kind: 'add-item',
    item: {
      id,
      originator: party,
      marking: input.marking,
      categories: input.categories,
      releasableTo: input.releasableTo,
      title: input.title,
      precedence: input.precedence,
    },
    since: u.now,
  });
  const item = u.world.items.get(id);
  if (item === undefined) throw new Unavailable('internal', `item ${id} was not added`);
  const { jws: manifest } = makeManifest(
    {
      item: id,
      originator: party,
      version: 1,
      marking: input.marking,
      categories: [...input.categories],
      releasableTo: input.releasableTo === undefined ? null : [...input.releasableTo],
      precedence: item.precedence,
      contentHash: contentHash({
        title: input.title,
        body: input.body,
        ...(withAlert === null ? {} : { alert: withAlert.payload }),
        attachments: files,
      }),
    },
    u.now,
    u.now,
    key,
  );
  await insertItems(u.tx, [
    {
      id,
      originator: party,
      marking: input.marking,
      categories: json(input.categories),
      releasable_to: input.releasableTo === undefined ? null : json(input.releasableTo),
      title: input.title,
      body: input.body,
      created_at: u.now,
      created_by: actor.user,
      precedence: item.precedence,
      manifest,
      version: 1,
    },
  ]);
  await insertItemAttachments(
    u.tx,
    files.map((f, idx) => ({ item_id: id, idx, ...f })),
  );
  recordCreation(u, who, subject(id, item.precedence), null);
  return { item, manifest };
}

/**
 * The files a new item names, with their sizes: each one its creator uploaded (a hash
 * alone, known to someone else, grants nothing: decision #149), else a bad request
 * naming the file.
 */
async function attachmentRefs(
  u: Unit,
  actor: Actor,
  named: NonNullable<NewItem['attachments']>,
): Promise<AttachmentRef[]> {
  const out: AttachmentRef[] = [];
  for (const [i, a] of named.entries()) {
    const size = await uploadedBy(u.tx, actor.user, a.sha256);
    if (size === undefined)
      throw new RequestInvalid(
        'invalid-request',
        `attachments.${i} ('${a.name}'): you have uploaded no file with SHA-256 ${a.sha256} (upload it first: POST /v1/attachments; uploads expire after a day)`,
        `attachments.${i}.sha256`,
      );
    out.push({ name: a.name, type: a.type, size, sha256: a.sha256 });
  }
  return out;
}

/** The one writer of `item.created`: a creation, or its refusal (`item` null). */
function recordCreation(
  u: Unit,
  actor: EventActor,
  subject: EventSubjects['item.created'],
  refused: Decision | null,
): number {
  return record(
    u,
    'item.created',
    actor,
    subject,
    refused === null
      ? undefined
      : { decision: 'deny', reasons: refused.reasons.map((r) => r.code) },
  );
}

export function createItem(
  node: LiaisonNode,
  actor: Actor,
  input: NewItem,
  imported: ImportedFrom | null = null,
): Promise<ItemSummary> {
  return node.transact(async (u) =>
    summary(
      node,
      (await addNewItem(u, actor, node.party, input, node.options.signingKey, null, imported)).item,
    ),
  );
}

/**
 * Items this node holds that the person may read (RULES V1), newest first: metadata
 * and the title (which the person may read), never bodies. The page shown is logged
 * (ids only: titles never enter the log).
 */
export function listItems(node: LiaisonNode, actor: Actor, p: Page): Promise<ItemSummary[]> {
  return node.transact(async (u) => {
    const held = [...u.world.items.values()].filter(
      (i) => i.holdings.has(node.party) && visible(u, actor, i.id),
    );
    held.sort(
      (a, b) =>
        (b.holdings.get(node.party)?.since ?? 0) - (a.holdings.get(node.party)?.since ?? 0) ||
        (a.id < b.id ? -1 : 1),
    );
    const shown = held.slice(p.offset, p.offset + p.limit).map((i) => summary(node, i));
    logListing(
      u,
      node,
      actor,
      'items',
      shown.map((i) => i.id),
    );
    return shown;
  });
}

export interface ItemContent extends ItemSummary {
  readonly body: string;
  readonly decision: Decision;
  /** The log index at which this read was recorded. */
  readonly logIndex: number;
  /** Its files, in order. */
  readonly attachments: readonly AttachmentRef[];
  /** The originator's manifest version held here (1 at creation). */
  readonly version: number;
  /** When the originator created the item, and signed the version held (from its manifest). */
  readonly originatedAt: number;
  readonly versionAt: number;
}

/**
 * RULES A1–A3, decided and logged whether allowed or denied; `view` says in the log
 * what showed the content (`item`, or `stix` for an export).
 */
export function readItem(
  node: LiaisonNode,
  actor: Actor,
  id: string,
  view = 'item',
): Promise<ItemContent> {
  return node.transact(async (u) => {
    const { item, decision, logIndex } = decideRead(u, actor, node.party, id, { view });
    const row = await itemRow(u.tx, id);
    const s = summary(node, item);
    const m = row?.manifest == null ? null : manifestOf(row.manifest);
    return {
      ...s,
      title: row?.title ?? item.title ?? '',
      body: row?.body ?? '',
      decision,
      logIndex,
      version: item.version,
      originatedAt: m === null ? s.createdAt : parseInstant(m.createdAt).ms,
      versionAt: m === null ? s.createdAt : parseInstant(m.issuedAt).ms,
      attachments: (await itemAttachments(u.tx, id)).map((a) => ({
        name: a.name,
        type: a.type,
        size: a.size,
        sha256: a.sha256,
      })),
    };
  });
}

/**
 * RULES A1–A3 in a unit: logged as `item.read` (a denial always; an allowed read unless
 * the caller logs its own event), and a denial throws. Every view of an item's
 * content or history goes through here: the item read, an alert, its CAP export, the
 * console's history and proofs.
 */
export function decideRead(
  u: Unit,
  actor: Actor,
  party: string,
  itemId: string,
  o: { readonly view?: string; readonly logAllowed?: boolean; readonly attachment?: string } = {},
): { item: ItemRecord; decision: Decision; logIndex: number } {
  const item = u.world.items.get(itemId);
  const d = decide(u.world, { kind: 'read', item: itemId, user: actor.user }, u.now);
  const allowed = d.decision === 'allow' && item !== undefined;
  const logIndex =
    allowed && o.logAllowed === false
      ? -1
      : record(
          u,
          'item.read',
          { user: actor.user, party },
          {
            item: itemId,
            marking: item?.holdings.get(party)?.marking.code ?? null,
            view: o.view ?? 'item',
            ...(o.attachment === undefined ? {} : { attachment: o.attachment }),
          },
          { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
        );
  // Whoever is refused a read may not read the item: only codes and rules (RULES V1).
  if (!allowed) throw refusal(u, actor, itemId, d);
  return { item, decision: d, logIndex };
}
