// Agreements and their lifecycle events: the rows behind the World's agreements.
import type { Kysely } from 'kysely';
import type { AgreementDefinition, LifecycleEvent } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import type { Database } from './schema.js';

type Q = Kysely<Database>;

export async function insertAgreement(q: Q, def: AgreementDefinition, at: number): Promise<void> {
  await q
    .insertInto('agreements')
    .values({ id: def.id, definition: canonicalJson(def), added_at: at })
    .execute();
}

/** Appends an agreement's lifecycle event at position `seq`. */
export async function insertAgreementEvent(
  q: Q,
  agreement: string,
  seq: number,
  event: LifecycleEvent,
  recordedAt: number,
): Promise<void> {
  await q
    .insertInto('agreement_events')
    .values({
      agreement_id: agreement,
      seq,
      at: event.at,
      event: canonicalJson(event),
      recorded_at: recordedAt,
    })
    .execute();
}
