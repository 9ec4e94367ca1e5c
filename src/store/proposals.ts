// Proposals: agreements and changes awaiting the parties' signatures.
import type { Kysely, Selectable } from 'kysely';
import { column } from './json.js';
import type { Database, ProposalTable } from './schema.js';

type Q = Kysely<Database>;

export interface Proposal {
  readonly id: string;
  readonly kind: string;
  readonly agreement: string;
  /** What is signed (its canonical JSON is in `bodyJson`). */
  readonly body: unknown;
  readonly bodyJson: string;
  /** Each party's base64 Ed25519 signature of `bodyJson`. */
  readonly signatures: Readonly<Record<string, string>>;
  readonly parties: readonly string[];
  readonly status: string;
  readonly createdAt: number;
}

export function decodeProposal(r: Selectable<ProposalTable>): Proposal {
  return {
    id: r.id,
    kind: r.kind,
    agreement: r.agreement_id,
    body: column<unknown>(r.body),
    bodyJson: r.body,
    signatures: column<Record<string, string>>(r.signatures),
    parties: column<string[]>(r.parties),
    status: r.status,
    createdAt: r.created_at,
  };
}

/** Every proposal of a kind ('agreement' or 'change'), by id. */
export async function proposalsOfKind(q: Q, kind: 'agreement' | 'change'): Promise<Proposal[]> {
  const rows = await q
    .selectFrom('proposals')
    .selectAll()
    .where('kind', '=', kind)
    .orderBy('id')
    .execute();
  return rows.map(decodeProposal);
}
