// After an item is shared: its originator reclassifies it (RULES C1) and holders
// follow through their rows; a compromise is reported (GSOMIA Art. 17). Each is one
// implementation, whether it starts here or arrives from a partner; the node's
// notifier tells the partners the article names.
import { type KeyObject, randomUUID } from 'node:crypto';
import {
  type Decision,
  decide,
  type Effect,
  type ItemRecord,
  isPrecedence,
  parseInstant,
} from '../core/index.js';
import { insertCompromise, itemRow, pageCompromises, setMarkings } from '../store/items.js';
import { column } from '../store/json.js';
import { NotFound } from './errors.js';
import { type EventActor, record } from './events.js';
import { contentHash, type Manifest, makeManifest, manifestOf } from './manifest.js';
import type { CompromiseReport } from './ports.js';
import type { Actor } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';
import { listVisible, type Page, refusal } from './visibility.js';

/** RULES C1 here: the originator reclassifies its own item; the news goes on to holders. */
export function reclassifyItem(
  node: LiaisonNode,
  actor: Actor,
  itemId: string,
  marking: string,
): Promise<Decision> {
  return node.transact(async (u) => {
    const r = await reclassify(u, { user: actor.user, party: node.party }, itemId, {
      kind: 'sign',
      marking,
      key: node.options.signingKey,
    });
    if (r.item === null || r.manifest === null || r.decision.decision === 'deny')
      throw refusal(u, actor, itemId, r.decision);
    await node.notifier.reclassified(u, r.item, r.manifest, null);
    return r.decision;
  });
}

/**
 * The next version of an item's manifest: signed here by the originator, or signed by
 * the originator elsewhere and relayed (already checked against the version held).
 */
export type NextVersion =
  | { readonly kind: 'sign'; readonly marking: string; readonly key: KeyObject }
  | {
      readonly kind: 'signed';
      readonly manifest: Manifest;
      readonly jws: string;
      /**
       * The marking the relaying hop computed for this party (it knows the route this
       * node may not): taken when higher than the one computed here, never when lower.
       */
      readonly floor: { readonly party: string; readonly marking: string } | null;
    };

/**
 * RULES C1 in a unit: `actor.party` reclassifies (this party's person, or the partner
 * the news came from, on the originator's behalf), decided, logged by the one writer of
 * `item.reclassified`, and when allowed stored with the manifest of the new version and
 * applied. `onBehalfOf`: the originator, for news from a partner.
 */
export async function reclassify(
  u: Unit,
  actor: EventActor,
  itemId: string,
  next: NextVersion,
  onBehalfOf: string | null = null,
): Promise<{
  decision: Decision;
  item: ItemRecord | null;
  logIndex: number;
  manifest: string | null;
}> {
  const item = u.world.items.get(itemId);
  const marking = next.kind === 'sign' ? next.marking : next.manifest.marking;
  const version = next.kind === 'sign' ? (item?.version ?? 0) + 1 : next.manifest.version;
  const d = decide(
    u.world,
    {
      kind: 'reclassify',
      item: itemId,
      by: onBehalfOf ?? actor.party,
      marking,
      version,
      ...(actor.user === null ? {} : { user: actor.user }),
    },
    u.now,
  );
  const effect =
    d.decision === 'allow' && d.effect?.kind === 'reclassify'
      ? raised(u, d.effect, next.kind === 'signed' ? next.floor : null)
      : null;
  const allowed = effect !== null;
  const logIndex = record(
    u,
    'item.reclassified',
    actor,
    {
      item: itemId,
      from: item?.marking.code ?? null,
      to: marking,
      holders:
        effect?.holders ?? (d.holders ?? []).map((h) => ({ party: h.party, marking: h.code })),
      version: allowed ? version : null,
    },
    { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
  );
  let manifest: string | null = null;
  if (effect !== null) {
    manifest = next.kind === 'signed' ? next.jws : await nextManifest(u, itemId, next, version);
    await setMarkings(u.tx, effect.item, effect.marking, effect.holders, { manifest, version });
    u.apply(effect);
  }
  return { decision: d, item: item ?? null, logIndex, manifest };
}

type ReclassifyEffect = Extract<Effect, { kind: 'reclassify' }>;

/** The effect with `floor.party`'s marking raised to `floor.marking` when that is higher. */
function raised(
  u: Unit,
  e: ReclassifyEffect,
  floor: { readonly party: string; readonly marking: string } | null,
): ReclassifyEffect {
  if (floor === null) return e;
  const scheme = u.world.parties.get(floor.party)?.scheme;
  const claimed = scheme?.byCode.get(floor.marking);
  if (scheme === undefined || claimed === undefined) return e;
  return {
    ...e,
    holders: e.holders.map((h) => {
      if (h.party !== floor.party) return h;
      const computed = scheme.byCode.get(h.marking);
      return computed !== undefined && claimed.rank > computed.rank
        ? { party: h.party, marking: claimed.code }
        : h;
    }),
  };
}

/** The originator signs the manifest of the item's next version: only its marking changes. */
async function nextManifest(
  u: Unit,
  itemId: string,
  next: { readonly marking: string; readonly key: KeyObject },
  version: number,
): Promise<string> {
  const row = await itemRow(u.tx, itemId);
  if (row === undefined) throw new NotFound('unknown-item', `unknown item '${itemId}'`);
  const held = row.manifest === null ? null : manifestOf(row.manifest);
  const fields = {
    item: row.id,
    originator: row.originator,
    version,
    marking: next.marking,
    categories: held?.categories ?? column<string[]>(row.categories),
    releasableTo:
      held?.releasableTo ??
      (row.releasable_to === null ? null : column<string[]>(row.releasable_to)),
    precedence: held?.precedence ?? (isPrecedence(row.precedence) ? row.precedence : 'ROUTINE'),
    contentHash: held?.contentHash ?? contentHash({ title: row.title, body: row.body }),
  };
  const createdAt = held === null ? row.created_at : parseInstant(held.createdAt).ms;
  return makeManifest(fields, createdAt, u.now, next.key).jws;
}

export interface CompromiseView {
  readonly id: string;
  readonly item: string;
  readonly party: string;
  readonly reportedBy: string;
  readonly at: number;
  readonly note: string;
}

/** GSOMIA Art. 17 here: a person reports the compromise of this party's copy. */
export function reportCompromise(
  node: LiaisonNode,
  actor: Actor,
  itemId: string,
  note: string,
): Promise<CompromiseView> {
  return node.transact(async (u) => {
    const d = decide(
      u.world,
      { kind: 'report-compromise', item: itemId, by: node.party, user: actor.user },
      u.now,
    );
    const report: CompromiseReport = {
      id: `cmp-${randomUUID()}`,
      item: itemId,
      party: node.party,
      reportedBy: actor.user,
      at: u.now,
      note,
    };
    const who = { user: actor.user, party: node.party };
    const item = u.world.items.get(itemId);
    if (d.decision === 'deny' || item === undefined) {
      compromiseEntry(u, who, itemId, node.party, d);
      throw refusal(u, actor, itemId, d);
    }
    await recordCompromise(u, who, report, d);
    await node.notifier.compromised(u, item, report);
    return report;
  });
}

/**
 * Stores, applies and logs a compromise report that stands: decided here (`d`), or
 * told by a partner (`d` null; the federation has checked who may tell it).
 */
export async function recordCompromise(
  u: Unit,
  actor: EventActor,
  report: CompromiseReport,
  d: Decision | null,
): Promise<number> {
  if (!u.world.items.has(report.item))
    throw new NotFound('unknown-item', `unknown item '${report.item}'`);
  await insertCompromise(u.tx, {
    id: report.id,
    item_id: report.item,
    party: report.party,
    reported_by: report.reportedBy,
    at: report.at,
    note: report.note,
  });
  u.apply({ kind: 'compromise', item: report.item, by: report.party, at: report.at });
  return compromiseEntry(u, actor, report.item, report.party, d);
}

/** The one writer of `compromise.reported`. */
function compromiseEntry(
  u: Unit,
  actor: EventActor,
  item: string,
  party: string,
  d: Decision | null,
): number {
  return record(
    u,
    'compromise.reported',
    actor,
    { item, reportedBy: party },
    d === null ? undefined : { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
  );
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
    (u, offset, n) => pageCompromises(u.tx, offset, n),
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
