// Proposals: agreements and changes awaiting the parties' signatures.
import type { Kysely, Selectable } from 'kysely';
import { column, json } from './json.js';
import type { Database, ProposalTable } from './schema.js';

type Q = Kysely<Database>;

export interface Proposal {
  readonly id: string;
  readonly kind: 'agreement' | 'change';
  readonly agreement: string;
  /** What is signed (its canonical JSON is in `bodyJson`). */
  readonly body: unknown;
  readonly bodyJson: string;
  /** Each party's base64 Ed25519 signature of `bodyJson`. */
  readonly signatures: Readonly<Record<string, string>>;
  readonly parties: readonly string[];
  /** 'proposed', or 'binding' once every party has signed. */
  readonly status: string;
  readonly createdAt: number;
}

function decodeProposal(r: Selectable<ProposalTable>): Proposal {
  return {
    id: r.id,
    // This node writes only these two kinds.
    kind: r.kind === 'change' ? 'change' : 'agreement',
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

/** Every proposal, by id. */
export async function allProposals(q: Q): Promise<Proposal[]> {
  const rows = await q.selectFrom('proposals').selectAll().orderBy('id').execute();
  return rows.map(decodeProposal);
}

export async function proposalById(q: Q, id: string): Promise<Proposal | undefined> {
  const row = await q.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : decodeProposal(row);
}

/** Stores a proposal; `bodyJson` is the canonical JSON of what is signed. */
export async function insertProposal(q: Q, p: Omit<Proposal, 'body'>): Promise<void> {
  await q
    .insertInto('proposals')
    .values({
      id: p.id,
      kind: p.kind,
      agreement_id: p.agreement,
      body: p.bodyJson,
      signatures: json(p.signatures),
      parties: json(p.parties),
      status: p.status,
      created_at: p.createdAt,
    })
    .execute();
}

export async function setSignatures(
  q: Q,
  id: string,
  signatures: Readonly<Record<string, string>>,
  status: string,
): Promise<void> {
  await q
    .updateTable('proposals')
    .set({ signatures: json(signatures), status })
    .where('id', '=', id)
    .execute();
}
