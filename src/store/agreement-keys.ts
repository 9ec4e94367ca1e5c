// Agreement keys: the signing key each party's signature of a proposal verified with.
// Once the proposal binds, its keys are bound to the agreement (docs/wire.md §9).
import type { Kysely, Selectable } from 'kysely';
import type { AgreementKeyTable, Database } from './schema.js';

type Q = Kysely<Database>;

export type AgreementKeyRow = Selectable<AgreementKeyTable>;

/** The keys recorded for a proposal, by party. */
export async function proposalKeys(q: Q, proposal: string): Promise<Map<string, string>> {
  const rows = await q
    .selectFrom('agreement_keys')
    .select(['party', 'signing_key'])
    .where('proposal_id', '=', proposal)
    .execute();
  return new Map(rows.map((r) => [r.party, r.signing_key]));
}

/** Records the key a party's signature of a proposal verified with (once per party). */
export async function insertProposalKey(
  q: Q,
  row: Omit<AgreementKeyRow, 'binding'>,
): Promise<void> {
  await q
    .insertInto('agreement_keys')
    .values({ ...row, binding: 0 })
    .onConflict((oc) => oc.columns(['proposal_id', 'party']).doNothing())
    .execute();
}

/** The proposal bound: its keys are now the agreement's. */
export async function bindProposalKeys(q: Q, proposal: string): Promise<void> {
  await q
    .updateTable('agreement_keys')
    .set({ binding: 1 })
    .where('proposal_id', '=', proposal)
    .execute();
}

/** Every key bound to an agreement. */
export function boundKeys(q: Q): Promise<AgreementKeyRow[]> {
  return q.selectFrom('agreement_keys').selectAll().where('binding', '=', 1).execute();
}
