// What a node does for its people: agreements and items, the operations behind the
// API and the CLI. Each change decides with the core, then writes its rows and its log
// entry in one unit. People, tokens and sign-in are in users.ts, auth.ts, signin.ts.
import { randomUUID } from 'node:crypto';
import {
  type AgreementDefinition,
  type AgreementExplanation,
  applyEffect,
  type Decision,
  decide,
  decideCreate,
  explainAgreement,
  type ItemRecord,
  markingRef,
  type NoticeActionKind,
  type Precedence,
  World,
} from '../core/index.js';
import { Conflict, deniedBy, NotFound, Unavailable } from './errors.js';
import { record } from './events.js';
import type { Actor } from './roles.js';
import { json, type LiaisonNode, type Unit } from './service.js';
import { listVisible, logListing, type Page, refusal, visible } from './visibility.js';

// ---------------------------------------------------------------- agreements

export function addAgreement(
  node: LiaisonNode,
  actor: Actor | null,
  def: AgreementDefinition,
): Promise<string> {
  return node.transact(async (u) => {
    if (u.world.agreements.has(def.id)) throw new Conflict(`agreement '${def.id}' exists`);
    await recordAgreement(u, def, { user: actor?.user ?? null, party: node.party }, null);
    return def.id;
  });
}

/**
 * Adds an agreement in a unit: the World, the store and the log. An invalid
 * definition is refused before anything is written. Used for a node's own agreements
 * (`signedBy` null) and for those that bind when every party has signed.
 */
export async function recordAgreement(
  u: Unit,
  def: AgreementDefinition,
  actor: { readonly user: string | null; readonly party: string },
  signedBy: readonly string[] | null,
): Promise<void> {
  u.apply({ kind: 'add-agreement', definition: def });
  await u.tx
    .insertInto('agreements')
    .values({ id: def.id, definition: json(def), added_at: u.now })
    .execute();
  record(u, 'agreement.added', actor, {
    agreement: def.id,
    definition: signedBy === null ? def : null,
    signedBy,
  });
}

export interface AgreementEntry {
  readonly id: string;
  /** Every party has signed: the agreement binds, and decisions use it. */
  readonly binding: boolean;
  readonly signedBy: readonly string[];
  readonly awaiting: readonly string[];
  readonly explanation: AgreementExplanation;
}

/**
 * The agreements a node knows: those that bind (in its World) and those proposed and
 * still awaiting signatures, each explained at `at` (a proposal by its own clock).
 */
export async function agreementCatalog(node: LiaisonNode, at: number): Promise<AgreementEntry[]> {
  const proposals = await node.store.db
    .selectFrom('proposals')
    .selectAll()
    .where('kind', '=', 'agreement')
    .execute();
  const out = new Map<string, AgreementEntry>();
  for (const p of proposals) {
    const parties = JSON.parse(p.parties) as string[];
    const signedBy = Object.keys(JSON.parse(p.signatures) as Record<string, string>).sort();
    const bound = node.world.agreements.get(p.agreement_id);
    let explanation: AgreementExplanation;
    if (bound !== undefined) explanation = explainAgreement(bound, at);
    else {
      const w = World.create({
        parties: [...node.world.parties.values()],
        agreements: [JSON.parse(p.body) as AgreementDefinition],
      });
      explanation = explainAgreement(
        w.agreements.get(p.agreement_id) as NonNullable<ReturnType<typeof w.agreements.get>>,
        at,
      );
    }
    out.set(p.agreement_id, {
      id: p.agreement_id,
      binding: bound !== undefined,
      signedBy,
      awaiting: parties.filter((x) => !signedBy.includes(x)),
      explanation,
    });
  }
  for (const a of node.world.agreements.values()) {
    if (!out.has(a.id)) {
      out.set(a.id, {
        id: a.id,
        binding: true,
        signedBy: [...a.partyIds],
        awaiting: [],
        explanation: explainAgreement(a, at),
      });
    }
  }
  return [...out.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
}

export async function explainAt(
  node: LiaisonNode,
  id: string,
  at: number,
): Promise<AgreementEntry> {
  const entry = (await agreementCatalog(node, at)).find((e) => e.id === id);
  if (entry === undefined) throw new NotFound('unknown-agreement', `unknown agreement '${id}'`);
  return entry;
}

/** Gives, suspends, resumes or withdraws a notice on behalf of this node's party. */
export function noticeAction(
  node: LiaisonNode,
  actor: Actor,
  agreementId: string,
  kind: NoticeActionKind,
): Promise<Decision> {
  return node.transact(async (u) => {
    if (!u.world.agreements.has(agreementId)) {
      throw new NotFound('unknown-agreement', `unknown agreement '${agreementId}'`);
    }
    const d = decide(u.world, { kind, agreement: agreementId, by: node.party }, u.now);
    record(
      u,
      'agreement.lifecycle',
      { user: actor.user, party: node.party },
      { agreement: agreementId, action: kind },
      { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
    );
    if (d.decision === 'allow') await recordLifecycle(u, d);
    return d;
  });
}

// ---------------------------------------------------------------- items

export interface NewItem {
  readonly marking: string;
  readonly categories: readonly string[];
  readonly title: string;
  readonly body: string;
  readonly releasableTo?: readonly string[] | undefined;
  /** ACP 121; ROUTINE when absent. */
  readonly precedence?: Precedence | undefined;
}

export interface ItemSummary {
  readonly id: string;
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

function summary(node: LiaisonNode, item: ItemRecord): ItemSummary {
  const held = item.holdings.get(node.party)?.marking ?? item.marking;
  return {
    id: item.id,
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

/**
 * Creating is acting (RULES P1): nobody writes above their own clearance or outside
 * their need-to-know. A refusal is logged (`item.created`, deny) and thrown.
 */
export function mayCreate(
  u: Unit,
  actor: Actor,
  party: string,
  marking: string,
  categories: readonly string[],
): void {
  const may = decideCreate(u.world, { user: actor.user, marking, categories }, u.now);
  if (may.decision === 'allow') return;
  // An unknown marking is a bad request, not a decision about a person: not logged.
  if (may.reasons[0]?.rule !== 'P1') throw deniedBy(may);
  record(
    u,
    'item.created',
    { user: actor.user, party },
    { item: null, marking, categories, releasableTo: null, precedence: null, alert: null },
    { decision: 'deny', reasons: may.reasons.map((r) => r.code) },
  );
  throw deniedBy(may);
}

export function createItem(node: LiaisonNode, actor: Actor, input: NewItem): Promise<ItemSummary> {
  return node.transact(async (u) => {
    mayCreate(u, actor, node.party, input.marking, input.categories);
    const id = `${node.party.toLowerCase()}-${randomUUID()}`;
    u.apply({
      kind: 'add-item',
      item: {
        id,
        originator: node.party,
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
    await u.tx
      .insertInto('items')
      .values({
        id,
        originator: node.party,
        marking: input.marking,
        categories: json(input.categories),
        releasable_to: input.releasableTo === undefined ? null : json(input.releasableTo),
        title: input.title,
        body: input.body,
        created_at: u.now,
        created_by: actor.user,
        precedence: item.precedence,
      })
      .execute();
    record(
      u,
      'item.created',
      { user: actor.user, party: node.party },
      {
        item: id,
        marking: input.marking,
        categories: input.categories,
        releasableTo: input.releasableTo ?? null,
        precedence: item.precedence,
        alert: null,
      },
    );
    return summary(node, item);
  });
}

/**
 * Items this node holds that the person may read (RULES V1), newest first: metadata
 * only, never titles or bodies. The page shown is logged.
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
  readonly title: string;
  readonly body: string;
  readonly decision: Decision;
  /** The log index at which this read was recorded. */
  readonly logIndex: number;
}

/** RULES A1–A3, decided and logged whether allowed or denied. */
export function readItem(node: LiaisonNode, actor: Actor, id: string): Promise<ItemContent> {
  return node.transact(async (u) => {
    const { item, decision, logIndex } = decideRead(u, actor, node.party, id);
    const row = await u.tx
      .selectFrom('items')
      .select(['title', 'body'])
      .where('id', '=', id)
      .executeTakeFirst();
    return {
      ...summary(node, item),
      title: row?.title ?? '',
      body: row?.body ?? '',
      decision,
      logIndex,
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
  o: { readonly view?: string; readonly logAllowed?: boolean } = {},
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
          },
          { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
        );
  // Whoever is refused a read may not read the item: only codes and rules (RULES V1).
  if (!allowed) throw refusal(u, actor, itemId, d);
  return { item, decision: d, logIndex };
}

/** RULES C1: the originator reclassifies its own item; holders follow through their rows. */
export function reclassifyItem(
  node: LiaisonNode,
  actor: Actor,
  itemId: string,
  marking: string,
): Promise<Decision> {
  return node.transact(async (u) => {
    const item = u.world.items.get(itemId);
    const from = item?.marking.code ?? null;
    const d = decide(
      u.world,
      { kind: 'reclassify', item: itemId, by: node.party, marking, user: actor.user },
      u.now,
    );
    record(
      u,
      'item.reclassified',
      { user: actor.user, party: node.party },
      {
        item: itemId,
        from,
        to: marking,
        holders: (d.holders ?? []).map((h) => ({ party: h.party, marking: h.code })),
      },
      { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
    );
    if (d.decision === 'deny' || d.effect?.kind !== 'reclassify')
      throw refusal(u, actor, itemId, d);
    await applyReclassification(u, d);
    return d;
  });
}

export interface CompromiseView {
  readonly id: string;
  readonly item: string;
  readonly party: string;
  readonly reportedBy: string;
  readonly at: number;
  readonly note: string;
}

export function reportCompromise(
  node: LiaisonNode,
  actor: Actor,
  itemId: string,
  note: string,
): Promise<CompromiseView> {
  return node.transact((u) => recordCompromise(u, actor, node.party, itemId, note));
}

/**
 * GSOMIA Art. 17 in a unit: decides the report, logs it, stores it and applies it.
 * The federation's report (which also tells the other holders) builds on it.
 */
export async function recordCompromise(
  u: Unit,
  actor: Actor,
  party: string,
  itemId: string,
  note: string,
): Promise<CompromiseView> {
  const d = decide(
    u.world,
    { kind: 'report-compromise', item: itemId, by: party, user: actor.user },
    u.now,
  );
  record(
    u,
    'compromise.reported',
    { user: actor.user, party },
    { item: itemId },
    { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
  );
  if (d.decision === 'deny' || !u.world.items.has(itemId)) throw refusal(u, actor, itemId, d);
  const view: CompromiseView = {
    id: `cmp-${randomUUID()}`,
    item: itemId,
    party,
    reportedBy: actor.user,
    at: u.now,
    note,
  };
  await u.tx
    .insertInto('compromise_reports')
    .values({
      id: view.id,
      item_id: itemId,
      party,
      reported_by: actor.user,
      at: u.now,
      note,
    })
    .execute();
  if (d.effect !== undefined) applyEffect(u.world, d.effect);
  return view;
}

/** Compromise reports about items the person may read (RULES V1), newest first; logged. */
export async function listCompromises(
  node: LiaisonNode,
  actor: Actor,
  p: Page,
): Promise<CompromiseView[]> {
  const rows = await listVisible(
    node,
    actor,
    'compromise-reports',
    p,
    (u, offset, n) =>
      u.tx
        .selectFrom('compromise_reports')
        .selectAll()
        .orderBy('at', 'desc')
        .orderBy('id')
        .limit(n)
        .offset(offset)
        .execute(),
    (r) => r.item_id,
  );
  return rows.map((r) => ({
    id: r.id,
    item: r.item_id,
    party: r.party,
    reportedBy: r.reported_by,
    at: r.at,
    note: r.note,
  }));
}

/** Applies and stores an allowed lifecycle decision. */
export async function recordLifecycle(u: Unit, d: Decision): Promise<void> {
  if (d.effect?.kind !== 'lifecycle') return;
  const a = u.world.agreements.get(d.effect.agreement);
  const seq = a?.events.length ?? 0;
  await u.tx
    .insertInto('agreement_events')
    .values({
      agreement_id: d.effect.agreement,
      seq,
      at: d.effect.event.at,
      event: json(d.effect.event),
      recorded_at: u.now,
    })
    .execute();
  applyEffect(u.world, d.effect);
}

/** Applies and stores a reclassification (the originator's marking and every holder's). */
export async function applyReclassification(u: Unit, d: Decision): Promise<void> {
  if (d.effect?.kind !== 'reclassify') return;
  const e = d.effect;
  await u.tx.updateTable('items').set({ marking: e.marking }).where('id', '=', e.item).execute();
  for (const h of e.holders) {
    await u.tx
      .updateTable('holdings')
      .set({ marking: h.marking })
      .where('item_id', '=', e.item)
      .where('party', '=', h.party)
      .execute();
  }
  applyEffect(u.world, e);
}
