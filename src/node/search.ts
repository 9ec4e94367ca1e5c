// Full-text search over the items this node holds (docs/decisions.md #136). Each
// instance keeps its own index in memory (search-index.ts), never on disk: item
// content is to be encrypted at rest, and an FTS5 table or a tsvector would be its
// plaintext. The index follows the instance's World: before each search, the items
// the World holds that it has not indexed are read from the store and added (at the
// first search, every item: the build is timed and reported). What a search shows is
// a listing (RULES V1): only items the person may read now, counted and paged among
// themselves, logged as `listing.viewed` with view `search`.
import { formatInstant, type ItemRecord, type Precedence, type World } from '../core/index.js';
import { attachmentNames } from '../store/attachments.js';
import { type ItemText, itemTexts, TEXT_BATCH } from '../store/items.js';
import { RequestInvalid } from './errors.js';
import { type ItemSummary, summary } from './items.js';
import type { Actor } from './roles.js';
import { SearchIndex } from './search-index.js';
import { indexTerms, type QueryTerm, queryTerms, textMatches } from './search-text.js';
import type { LiaisonNode, Unit } from './service.js';
import { logListing, type Page, visible } from './visibility.js';

export interface SearchFilters {
  /** The originating party. */
  readonly originator?: string | undefined;
  /** A marking code: the originator's current marking, or the marking held here. */
  readonly marking?: string | undefined;
  /** A need-to-know category the item falls under. */
  readonly category?: string | undefined;
  readonly precedence?: Precedence | undefined;
  /** Created at or after (epoch ms). */
  readonly from?: number | undefined;
  /** Created before (epoch ms). */
  readonly to?: number | undefined;
}

/** What the first search of an instance reports: the index built, and how long it took. */
export interface IndexBuilt {
  readonly items: number;
  readonly terms: number;
  readonly ms: number;
}

/** One instance's index and what it knows of the World it follows. */
class NodeIndex {
  readonly index = new SearchIndex();
  /**
   * Where this instance is in its World's items. Items are only ever added to a
   * World's map, at its end, and a Map iterator not run to its end goes on to the
   * entries added after it was made: taking exactly the new ones from it costs only
   * them. A new World (a reload) is walked once, from the start.
   */
  private cursor: {
    readonly world: World;
    readonly entries: Iterator<[string, ItemRecord]>;
    seen: number;
  } | null = null;
  /** Items met and not indexed yet (their rows were not committed when looked for). */
  private readonly waiting = new Map<string, ItemRecord>();
  private running: Promise<void> | null = null;
  private built = false;

  /** The items of `world` not indexed yet, oldest first. */
  unindexed(world: World): ItemRecord[] {
    if (
      this.cursor === null ||
      this.cursor.world !== world ||
      world.items.size < this.cursor.seen
    ) {
      this.cursor = { world, entries: world.items.entries(), seen: 0 };
      // What waited may have been undone with the World it was in (a batch that failed).
      this.waiting.clear();
    }
    const c = this.cursor;
    // Never past the last entry: an iterator that has said `done` is done for good.
    while (c.seen < world.items.size) {
      const next = c.entries.next();
      if (next.done === true) break;
      c.seen++;
      const [id, item] = next.value;
      if (!this.index.has(id)) this.waiting.set(id, item);
    }
    const out: ItemRecord[] = [];
    for (const [id, item] of this.waiting) {
      if (this.index.has(id)) this.waiting.delete(id);
      else out.push(item);
    }
    return out.sort((x, y) => createdOf(x) - createdOf(y));
  }

  /** Adds rows to the index (a row already there is skipped). */
  add(rows: readonly ItemText[]): void {
    for (const r of rows) {
      if (this.index.has(r.id)) continue;
      const terms = indexTerms(r.title);
      for (const t of indexTerms(r.body)) terms.add(t);
      this.index.add(r.id, r.created_at, terms);
    }
  }

  /**
   * Outside any unit: indexes the committed rows of the items the node's World holds
   * and the index does not. One refresh at a time; others wait for it.
   */
  async refresh(node: LiaisonNode, built: (r: IndexBuilt) => void): Promise<void> {
    while (this.running !== null) await this.running;
    const missing = this.unindexed(node.world);
    if (missing.length === 0 && this.built) return;
    this.running = (async () => {
      const start = performance.now();
      for (let i = 0; i < missing.length; i += TEXT_BATCH) {
        const ids = missing.slice(i, i + TEXT_BATCH).map((m) => m.id);
        const rows = await withFileNames(node.store.db, await itemTexts(node.store.db, ids));
        // In order of creation, as the World gave them (the index walks back from its end).
        // An item whose row is not committed yet stays waiting, looked for next time.
        const byId = new Map(rows.map((r) => [r.id, r]));
        this.add(ids.flatMap((id) => byId.get(id) ?? []));
      }
      // Many at once (the first search): what growing left unused goes now.
      if (missing.length >= 1000) this.index.compact();
      if (!this.built) {
        this.built = true;
        built({
          items: this.index.size,
          terms: this.index.terms,
          ms: Math.round(performance.now() - start),
        });
      }
    })();
    try {
      await this.running;
    } finally {
      this.running = null;
    }
  }
}

const indexes = new WeakMap<LiaisonNode, NodeIndex>();

function indexOf(node: LiaisonNode): NodeIndex {
  let i = indexes.get(node);
  if (i === undefined) {
    i = new NodeIndex();
    indexes.set(node, i);
  }
  return i;
}

/** When the originator created the item, as its summary says (`createdAt`). */
function createdOf(item: ItemRecord): number {
  const since = item.holdings.get(item.originator.id)?.since ?? 0;
  return Number.isFinite(since) ? since : 0;
}

/** The query's terms; a query with no letter or digit is a bad request naming `q`. */
export function searchTerms(q: string): QueryTerm[] {
  const terms = queryTerms(q);
  if (terms.length === 0)
    throw new RequestInvalid(
      'invalid-request',
      'q: give at least one word (letters or digits) to search for',
      'q',
    );
  return terms;
}

/** Filters naming what this node does not know (a party, a marking code) are refused. */
function checkFilters(world: World, f: SearchFilters): void {
  if (f.originator !== undefined && !world.parties.has(f.originator))
    throw new RequestInvalid(
      'invalid-request',
      `originator: unknown party '${f.originator}'`,
      'originator',
    );
  if (f.marking !== undefined) {
    const code = f.marking;
    if (![...world.parties.values()].some((p) => p.scheme.byCode.has(code)))
      throw new RequestInvalid(
        'unknown-marking',
        `marking: no party's scheme has the code '${code}'`,
        'marking',
      );
  }
}

/** Does the item pass the filters (all but the dates, which the index knows)? */
function passes(node: LiaisonNode, item: ItemRecord, f: SearchFilters): boolean {
  if (f.originator !== undefined && item.originator.id !== f.originator) return false;
  if (f.precedence !== undefined && item.precedence !== f.precedence) return false;
  if (f.category !== undefined && !item.categories.includes(f.category)) return false;
  if (
    f.marking !== undefined &&
    item.marking.code !== f.marking &&
    item.holdings.get(node.party)?.marking.code !== f.marking
  )
    return false;
  return true;
}

const inRange = (created: number, f: SearchFilters): boolean =>
  (f.from === undefined || created >= f.from) && (f.to === undefined || created < f.to);

/** The filters as the log records them (the query's words are content: never logged). */
function loggedFilters(f: SearchFilters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(f)) {
    if (typeof v === 'string') out[k] = v;
    else if (typeof v === 'number') out[k] = formatInstant(v);
  }
  return out;
}

/**
 * Items this node holds that match the query and the filters and that the person may
 * read now (RULES V1), newest first (created, then id), one page: `offset` and `limit`
 * count only those. The page shown is logged (ids and filters; never the query's words).
 */
export async function searchItems(
  node: LiaisonNode,
  actor: Actor,
  q: string,
  filters: SearchFilters,
  p: Page,
  built: (r: IndexBuilt) => void = () => {},
): Promise<ItemSummary[]> {
  const terms = searchTerms(q);
  checkFilters(node.world, filters);
  const ix = indexOf(node);
  await ix.refresh(node, built);
  return node.transact(async (u) => {
    // What this unit's World holds that the index does not: another instance's items,
    // caught up just now, or items made earlier in this batch. Matched here one by one;
    // they enter the index only once this batch has committed.
    const late = ix.unindexed(u.world);
    const lateRows: ItemText[] = [];
    for (let i = 0; i < late.length; i += TEXT_BATCH)
      lateRows.push(
        ...(await withFileNames(
          u.tx,
          await itemTexts(
            u.tx,
            late.slice(i, i + TEXT_BATCH).map((m) => m.id),
          ),
        )),
      );
    u.afterCommit(() => ix.add(lateRows));
    const shown = page(node, u, actor, ix.index, terms, filters, p, lateRows);
    logListing(
      u,
      node,
      actor,
      'search',
      shown.map((s) => s.id),
      { filters: loggedFilters(filters) },
    );
    return shown;
  });
}

/** Attachment names are indexed with the body (decision #152): appended to it here. */
async function withFileNames(
  q: Parameters<typeof itemTexts>[0],
  rows: readonly ItemText[],
): Promise<ItemText[]> {
  const names = await attachmentNames(
    q,
    rows.map((r) => r.id),
  );
  return rows.map((r) => {
    const n = names.get(r.id);
    return n === undefined ? r : { ...r, body: `${r.body}\n${n.join('\n')}` };
  });
}

function page(
  node: LiaisonNode,
  u: Unit,
  actor: Actor,
  index: SearchIndex,
  terms: readonly QueryTerm[],
  f: SearchFilters,
  p: Page,
  lateRows: readonly ItemText[],
): ItemSummary[] {
  const accept = (id: string, created: number): ItemRecord | null => {
    if (!inRange(created, f)) return null;
    const item = u.world.items.get(id);
    if (item === undefined || !passes(node, item, f) || !visible(u, actor, id)) return null;
    return item;
  };
  type Hit = { readonly item: ItemRecord; readonly created: number };
  const hits: Hit[] = [];
  // The index's first offset + limit, then the late matches among them, then the page.
  for (const doc of index.find(
    terms,
    (d) => accept(index.idOf(d), index.createdOf(d)) !== null,
    0,
    p.offset + p.limit,
  )) {
    const item = u.world.items.get(index.idOf(doc));
    if (item !== undefined) hits.push({ item, created: index.createdOf(doc) });
  }
  for (const r of lateRows) {
    if (index.has(r.id)) continue;
    const item = accept(r.id, r.created_at);
    if (item === null) continue;
    const text = indexTerms(r.title);
    for (const t of indexTerms(r.body)) text.add(t);
    if (textMatches(terms, text)) hits.push({ item, created: r.created_at });
  }
  if (lateRows.length > 0)
    hits.sort((a, b) => b.created - a.created || (a.item.id < b.item.id ? -1 : 1));
  return hits.slice(p.offset, p.offset + p.limit).map((h) => summary(node, h.item));
}
