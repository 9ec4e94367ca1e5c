// The node's tables, as Kysely sees them. Instants are epoch milliseconds (bigint
// columns read back as numbers); JSON columns hold canonical JSON text; hashes are
// bytes (BLOB in SQLite, bytea in PostgreSQL).
export interface MetaTable {
  key: string;
  value: string;
}

export interface AgreementTable {
  id: string;
  /** The AgreementDefinition, canonical JSON. */
  definition: string;
  added_at: number;
}

export interface AgreementEventTable {
  agreement_id: string;
  seq: number;
  at: number;
  /** The LifecycleEvent, canonical JSON. */
  event: string;
  recorded_at: number;
}

export interface UserTable {
  id: string;
  username: string;
  party: string;
  clearance: string;
  need_to_know: string;
  clearance_expires: number | null;
  roles: string;
  created_at: number;
  disabled: number;
}

export interface TokenTable {
  id: string;
  user_id: string;
  /** SHA-256 of the token, hex: tokens are random, so a plain hash suffices. */
  hash: string;
  label: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface ItemTable {
  id: string;
  originator: string;
  marking: string;
  categories: string;
  releasable_to: string | null;
  title: string;
  body: string;
  created_at: number;
  created_by: string | null;
}

export interface HoldingTable {
  item_id: string;
  party: string;
  marking: string;
  receipts: string;
  since: number;
}

export interface CompromiseTable {
  id: string;
  item_id: string;
  party: string;
  reported_by: string;
  at: number;
  note: string;
}

export interface LogEntryTable {
  idx: number;
  leaf_hash: Uint8Array;
  /** The entry as canonical JSON: exactly the bytes that were hashed. */
  data: string;
  at: number;
}

export interface CheckpointTable {
  size: number;
  root: Uint8Array;
  /** The signed note (C2SP signed-note text). */
  note: string;
  at: number;
}

export interface Database {
  meta: MetaTable;
  agreements: AgreementTable;
  agreement_events: AgreementEventTable;
  users: UserTable;
  tokens: TokenTable;
  items: ItemTable;
  holdings: HoldingTable;
  compromise_reports: CompromiseTable;
  log_entries: LogEntryTable;
  checkpoints: CheckpointTable;
}
