// After an item is shared: its originator reclassifies it (RULES C1) and holders
// follow through their rows; a compromise is reported (GSOMIA Art. 17). Each is one
// implementation, whether it starts here or arrives from a partner; the node's
// notifier tells the partners the article names.
import { randomUUID } from 'node:crypto';
import { type Decision, decide, type ItemRecord } from '../core/index.js';
import { insertCompromise, pageCompromises, setMarkings } from '../store/items.js';
import { NotFound } from './errors.js';
import { type EventActor, record } from './events.js';
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
    const r = await reclassify(u, { user: actor.user, party: node.party }, itemId, marking);
    if (r.item === null || r.decision.decision === 'deny')
      throw refusal(u, actor, itemId, r.decision);
    await node.notifier.reclassified(u, r.item, marking, u.now, null);
    return r.decision;
  });
}

/**
 * RULES C1 in a unit: `actor.party` reclassifies (this party's person, or the partner
 * the news came from, on the originator's behalf), decided, logged by the one writer of
 * `item.reclassified`, and when allowed stored and applied. `onBehalfOf`: the
 * originator, for news from a partner.
 */
export async function reclassify(
  u: Unit,
  actor: EventActor,
  itemId: string,
  marking: string,
  onBehalfOf: string | null = null,
): Promise<{ decision: Decision; item: ItemRecord | null; logIndex: number }> {
  const item = u.world.items.get(itemId);
  const d = decide(
    u.world,
    {
      kind: 'reclassify',
      item: itemId,
      by: onBehalfOf ?? actor.party,
      marking,
      ...(actor.user === null ? {} : { user: actor.user }),
    },
    u.now,
  );
  const logIndex = record(
    u,
    'item.reclassified',
    actor,
    {
      item: itemId,
      from: item?.marking.code ?? null,
      to: marking,
      holders: (d.holders ?? []).map((h) => ({ party: h.party, marking: h.code })),
    },
    { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
  );
  if (d.decision === 'allow' && d.effect?.kind === 'reclassify') {
    await setMarkings(u.tx, d.effect.item, d.effect.marking, d.effect.holders);
    u.apply(d.effect);
  }
  return { decision: d, item: item ?? null, logIndex };
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
