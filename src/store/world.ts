// Loads a node's World from its store: every row becomes the core effect that made
// it, applied in the order it was written.
import type { Kysely } from 'kysely';
import {
  type AgreementDefinition,
  applyEffect,
  BUILT_IN_PARTIES,
  isPrecedence,
  type LifecycleEvent,
  type Receipt,
  World,
} from '../core/index.js';
import { openItemFields } from './content-keys.js';
import { column } from './json.js';
import type { Database } from './schema.js';

const parse = column;

export async function loadWorld(db: Kysely<Database>): Promise<World> {
  const world = World.create({ parties: [...BUILT_IN_PARTIES.values()] });
  const apply = applyEffect.bind(null, world);
  for (const a of await db
    .selectFrom('agreements')
    .selectAll()
    .orderBy('added_at')
    .orderBy('id')
    .execute()) {
    apply({ kind: 'add-agreement', definition: parse<AgreementDefinition>(a.definition) });
  }
  for (const e of await db
    .selectFrom('agreement_events')
    .selectAll()
    .orderBy('agreement_id')
    .orderBy('seq')
    .execute()) {
    if (world.agreements.has(e.agreement_id))
      apply({
        kind: 'lifecycle',
        agreement: e.agreement_id,
        event: parse<LifecycleEvent>(e.event),
      });
  }
  for (const u of await db.selectFrom('users').selectAll().execute()) {
    apply({
      kind: 'add-user',
      user: {
        id: u.id,
        party: u.party,
        clearance: u.clearance,
        needToKnow: parse<string[]>(u.need_to_know),
        clearanceExpires: u.clearance_expires ?? undefined,
      },
    });
  }
  const items = await db
    .selectFrom('items')
    .select([
      'id',
      'originator',
      'marking',
      'categories',
      'releasable_to',
      'title',
      'precedence',
      'version',
      'created_at',
    ])
    .orderBy('created_at')
    .execute();
  // Titles are sealed at rest (the World keeps them for listings); bodies are not read.
  for (const it of await openItemFields(db, items)) {
    apply({
      kind: 'add-item',
      item: {
        id: it.id,
        originator: it.originator,
        marking: it.marking,
        categories: parse<string[]>(it.categories),
        releasableTo: it.releasable_to === null ? undefined : parse<string[]>(it.releasable_to),
        title: it.title,
        precedence: isPrecedence(it.precedence) ? it.precedence : 'ROUTINE',
        version: it.version,
      },
      since: it.created_at,
    });
  }
  for (const h of await db.selectFrom('holdings').selectAll().orderBy('since').execute()) {
    const item = world.items.get(h.item_id);
    const marking = world.parties.get(h.party)?.scheme.byCode.get(h.marking);
    if (item === undefined || marking === undefined || h.party === item.originator.id) continue;
    apply({
      kind: 'hold',
      item: h.item_id,
      party: h.party,
      marking: h.marking,
      receipts: parse<Receipt[]>(h.receipts),
      since: h.since,
    });
  }
  for (const c of await db.selectFrom('consents').selectAll().orderBy('granted_at').execute()) {
    apply({
      kind: 'consent',
      consent: {
        id: c.id,
        item: c.item_id,
        by: c.by_party,
        holder: c.holder,
        to: c.to_party,
        grantedAt: c.granted_at,
        expires: c.expires ?? Number.POSITIVE_INFINITY,
        revokedAt: c.revoked_at ?? Number.POSITIVE_INFINITY,
        ...(c.item_version === null ? {} : { version: c.item_version }),
      },
    });
  }
  for (const c of await db.selectFrom('compromise_reports').selectAll().orderBy('at').execute()) {
    if (world.items.has(c.item_id))
      apply({ kind: 'compromise', item: c.item_id, by: c.party, at: c.at });
  }
  return world;
}
