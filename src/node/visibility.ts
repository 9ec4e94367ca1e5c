// RULES V1 at the node: a person learns that an item exists only if RULES A1–A3 let
// them read it now. Listings leave out the rest without a trace (offset and limit
// count only what the person sees); each listing's disclosure is logged; a refusal to
// someone who may not read the item says only its reason code and rule.
import { createHash } from 'node:crypto';
import { concealed, type Decision, mayRead } from '../core/index.js';
import { deniedBy, NotFound, type PolicyDenied } from './errors.js';
import { record } from './events.js';
import type { Actor } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';

/** Largest page any listing returns: the bound on one `listing.viewed` entry. */
const MAX_PAGE = 200;

export interface Page {
  readonly limit: number;
  readonly offset: number;
}

/** A page from query parameters, clamped to 1..MAX_PAGE and offset ≥ 0. */
export function page(limit: number | undefined, offset: number | undefined, fallback = 100): Page {
  return {
    limit: Math.min(Math.max(Math.trunc(limit ?? fallback), 1), MAX_PAGE),
    offset: Math.max(Math.trunc(offset ?? 0), 0),
  };
}

/** RULES V1: may this person see the item (in a listing, a history, a refusal)? */
export function visible(u: Unit, actor: Actor, itemId: string | null): boolean {
  return itemId !== null && mayRead(u.world, actor.user, itemId, u.now);
}

/**
 * One page of what the person may see, in the order rows come: `fetch(offset, n)`
 * reads the underlying rows; `item(row)` names the item a row is about (null: the row
 * is about none and is shown). Skips and counts only visible rows.
 */
async function visiblePage<R>(
  u: Unit,
  actor: Actor,
  p: Page,
  fetch: (offset: number, n: number) => Promise<readonly R[]>,
  item: (row: R) => string | null,
): Promise<R[]> {
  const out: R[] = [];
  let skip = p.offset;
  const chunk = 500;
  for (let at = 0; ; at += chunk) {
    const rows = await fetch(at, chunk);
    for (const r of rows) {
      const id = item(r);
      if (id !== null && !visible(u, actor, id)) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      out.push(r);
      if (out.length >= p.limit) return out;
    }
    if (rows.length < chunk) return out;
  }
}

/**
 * A listing, in one unit: one page of the rows the person may see (`visiblePage`), with
 * what it showed logged (`logListing`) under `view`.
 */
export function listVisible<R>(
  node: LiaisonNode,
  actor: Actor,
  view: string,
  p: Page,
  fetch: (u: Unit, offset: number, n: number) => Promise<readonly R[]>,
  item: (row: R) => string | null,
): Promise<R[]> {
  return node.transact(async (u) => {
    const rows = await visiblePage(u, actor, p, (offset, n) => fetch(u, offset, n), item);
    logListing(
      u,
      node,
      actor,
      view,
      rows.flatMap((r) => {
        const id = item(r);
        return id === null ? [] : [id];
      }),
    );
    return rows;
  });
}

interface Shown {
  readonly digest: string;
  readonly at: number;
}

const lastShown = new WeakMap<LiaisonNode, Map<string, Shown>>();
/** The same listing shown again to the same person within this time is not logged again. */
const REPEAT_MS = 10 * 60_000;

/**
 * Logs what a listing showed a person: the ids of the items, at most MAX_PAGE per call
 * (a page). Nothing is logged for an empty listing, nor for one identical to what the
 * same person was shown in the same view in the last ten minutes (a console refreshing).
 */
export function logListing(
  u: Unit,
  node: LiaisonNode,
  actor: Actor,
  view: string,
  items: readonly string[],
  extra: Readonly<Record<string, unknown>> = {},
): void {
  if (items.length === 0) return;
  const shown = items.slice(0, MAX_PAGE);
  let byNode = lastShown.get(node);
  if (byNode === undefined) {
    byNode = new Map();
    lastShown.set(node, byNode);
  }
  const key = `${actor.user}\u0000${view}`;
  const digest = createHash('sha256').update(shown.join('\u0000')).digest('hex');
  const before = byNode.get(key);
  if (before !== undefined && before.digest === digest && u.now - before.at < REPEAT_MS) return;
  const remember = byNode;
  u.afterCommit(() => {
    if (remember.size > 10_000) remember.clear();
    remember.set(key, { digest, at: u.now });
  });
  record(
    u,
    'listing.viewed',
    { user: actor.user, party: node.party },
    { view, items: shown, ...extra },
    { decision: 'allow', reasons: ['allowed'] },
  );
}

/**
 * A refusal about an item as the person is told it: in full when they may read the
 * item, otherwise only reason codes and rules (RULES V1).
 */
export function refusal(u: Unit, actor: Actor, itemId: string, d: Decision): PolicyDenied {
  return deniedBy(visible(u, actor, itemId) ? d : concealed(d));
}

/** An item the person may not see is answered like one that does not exist. */
export function notFound(what: string, id: string): NotFound {
  return new NotFound('not-found', `no ${what} '${id}'`);
}
