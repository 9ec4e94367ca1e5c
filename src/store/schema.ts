import type { Generated } from 'kysely';
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
  /** scrypt hash for the console's sign-in; null = token sign-in only. */
  password_hash: Generated<string | null>;
  /** RFC 6238 secret (base32) once the user has enrolled a second factor; null = none. */
  totp_secret: Generated<string | null>;
  /** A secret offered for enrolment, not yet confirmed with a code. */
  totp_pending: Generated<string | null>;
  /** The last time step accepted, so that a code is never accepted twice. */
  totp_last_step: Generated<number | null>;
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
  /** 'api' (issued), 'session' (password sign-in) or 'enrol' (may only enrol a second factor). */
  kind: Generated<string>;
}

/** A change to a person's clearance or roles that waits for a second person (two-person rule). */
export interface UserChangeTable {
  id: string;
  user_id: string;
  /** 'clearance' or 'roles'. */
  kind: string;
  /** The change, canonical JSON: the state it sets. */
  change: string;
  proposed_by: string;
  proposed_at: number;
  /** 'pending', 'approved', 'rejected' or 'withdrawn'. */
  status: string;
  decided_by: string | null;
  decided_at: number | null;
  note: string | null;
  /** Who may approve it, in words, as it stood when proposed. */
  approver: string;
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
  /** ACP 121: FLASH, IMMEDIATE, PRIORITY or ROUTINE. */
  precedence: Generated<string>;
  /** The originator's signed manifest of the version held (src/node/manifest.ts). */
  manifest: string | null;
  /** The manifest's version: 1 at creation, one more per reclassification. */
  version: Generated<number>;
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

/** A full C2SP tlog-tiles hash tile (256 hashes, 8,192 bytes): immutable once written. */
export interface LogTileTable {
  level: number;
  idx: number;
  hashes: Uint8Array;
}

/** A full C2SP tlog-tiles entry bundle (entries idx·256 … idx·256+255): immutable. */
export interface LogEntryBundleTable {
  idx: number;
  data: Uint8Array;
}

export interface CheckpointTable {
  size: number;
  root: Uint8Array;
  /** The signed note (C2SP signed-note text). */
  note: string;
  at: number;
}

export interface PeerTable {
  party: string;
  url: string;
  origin: string;
  /** Raw Ed25519 public key, base64. */
  signing_key: string;
  /** Raw X25519 public key, base64. */
  encryption_key: string;
  fingerprint: string;
  added_at: number;
  /** The epoch of this node's keys the peer has accepted (0: keys.json's). */
  our_epoch: Generated<number>;
  /** The epoch of the peer's keys held here (each rotation it announces adds one). */
  their_epoch: Generated<number>;
  /** JSON array of the peer's earlier raw Ed25519 public keys (base64), oldest first. */
  former_keys: Generated<string>;
}

/** A rotation of this node's keys (epoch ≥ 1; keys.json holds epoch 0). */
export interface NodeKeyTable {
  epoch: number;
  /** PKCS#8 PEM, encrypted under the node's passphrase (as in keys.json). */
  signing_private: string;
  encryption_private: string;
  /** The signed hand-over from the previous epoch's key (JSON, src/log/handover.ts). */
  handover: string;
  created_at: number;
}

export interface NonceTable {
  nonce: string;
  expires_at: number;
}

/** A signed proposal: an agreement to bind, or a change (mutual termination, amendment) to apply. */
export interface ProposalTable {
  id: string;
  kind: string;
  agreement_id: string;
  /** Canonical JSON of what is signed. */
  body: string;
  /** {party: base64 Ed25519 signature of `body`} */
  signatures: string;
  parties: string;
  status: string;
  created_at: number;
}

export interface OutboxTable {
  id: string;
  peer: string;
  seq: number;
  type: string;
  /** Canonical JSON of the message (sealed at send time). */
  payload: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  /** Unused since migration 0003: receipts are kept in outbox_receipts. Always null. */
  receipt: string | null;
  created_at: number;
  settled_at: number | null;
  item_id: string | null;
  /** 0 FLASH … 3 ROUTINE: the outbox sends the smallest first. */
  precedence: Generated<number>;
}

export interface OutboxReceiptTable {
  envelope: string;
  /** The receiver's signed receipt (JWS). */
  receipt: string;
}

export interface InboxTable {
  id: string;
  from_party: string;
  type: string;
  received_at: number;
  status: string;
  code: string;
  /** The signed receipt returned (again) for this envelope. */
  receipt: string;
  log_index: number | null;
  item_id: string | null;
}

export interface ConsentTable {
  id: string;
  item_id: string;
  by_party: string;
  holder: string;
  to_party: string;
  granted_at: number;
  expires: number | null;
  revoked_at: number | null;
  /** The originator's JWS over the consent. */
  jws: string;
  /** The manifest version of the item the consent was given for (null: any, before 0007). */
  item_version: number | null;
}

export interface ConsentRequestTable {
  id: string;
  direction: string;
  item_id: string;
  originator: string;
  holder: string;
  to_party: string;
  requested_by: string;
  note: string;
  requested_at: number;
  status: string;
  reason: string | null;
  decided_at: number | null;
  decided_by: string | null;
  consent_id: string | null;
}

export interface PeerCheckpointTable {
  peer: string;
  size: number;
  root: Uint8Array;
  note: string;
  seen_at: number;
}

export interface CosignatureTable {
  size: number;
  witness: string;
  /** The C2SP tlog-cosignature signature line. */
  line: string;
  at: number;
}

/**
 * An alarm this node raised as a witness: a partner's checkpoint that showed a split
 * view or a rollback, kept as the partner signed it (evidence). One per checkpoint.
 */
export interface WitnessAlarmTable {
  peer: string;
  size: number;
  root: Uint8Array;
  /** 'split-view' or 'rollback'. */
  kind: string;
  /** The partner's signed note, as presented. */
  note: string;
  problem: string;
  at: number;
  /** The log entry that recorded it (`witness.split-view`). */
  log_index: number;
}

/** A FLASH alert's payload; the item itself is in `items`. */
export interface AlertTable {
  item_id: string;
  originator: string;
  /** CAP msgType: Alert, Update or Cancel. */
  msg_type: string;
  /** The AlertPayload, canonical JSON. */
  payload: string;
  /** When the originator sent it. */
  sent_at: number;
  /** When this node stored it (= sent_at at the originator). */
  received_at: number;
  /** The alert that superseded this one, here. */
  superseded_by: string | null;
  ack_deadline_ms: number;
  /** At the originator: the parties it was released to, JSON array. */
  recipients: string;
  escalations: number;
}

export interface AlertAckTable {
  item_id: string;
  party: string;
  user_id: string;
  acked_at: number;
  received_at: number;
  /** The acknowledging node's JWS over the acknowledgement. */
  signature: string;
}

/** The key each party's signature of a proposal verified with (bound once it binds). */
export interface AgreementKeyTable {
  proposal_id: string;
  agreement_id: string;
  party: string;
  /** Raw Ed25519 public key, base64 (as in the identity document). */
  signing_key: string;
  /** 1 once the proposal binds. */
  binding: number;
  recorded_at: number;
}

/** A lifecycle message this node sent, and the partner's acknowledgement of it. */
export interface LifecycleSentTable {
  /** The envelope id of the `agreement.lifecycle` message (its outbox row). */
  envelope: string;
  agreement_id: string;
  peer: string;
  action: string;
  /** The instant of the action, as sent. */
  at: number;
  sent_at: number;
  /** The instant the partner says it recorded; null until acknowledged. */
  ack_at: number | null;
  /** The partner's status after it (canonical JSON). */
  ack_status: string | null;
  /** What differs from this node's status at that instant: a JSON array, '[]' in step. */
  ack_differs: string | null;
  ack_received_at: number | null;
}

/** The last status a partner reported of an agreement, compared with ours at its instant. */
export interface PeerAgreementStatusTable {
  agreement_id: string;
  peer: string;
  /** The instant the partner computed its status at. */
  at: number;
  received_at: number;
  envelope: string;
  /** The partner's status and this node's at `at` (canonical JSON). */
  status: string;
  own: string;
  /** What differs: a JSON array, '[]' when in step. */
  differs: string;
}

/** What one committed batch did, for the node's other instances (src/store/cluster.ts). */
export interface NodeChangeTable {
  id: Generated<number>;
  /** The core effects the batch applied, in order (canonical JSON array). */
  effects: string;
  /** The caches it touched (JSON array of tags, e.g. "peers", "token:<id>"). */
  tags: string;
  /** The instance that committed it. */
  instance: string;
  at: number;
}

/** One instance at a time holds a lease (a peer's delivery lane, a node-wide timer). */
export interface LeaseTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** An event pushed to officers' streams, numbered node-wide in commit order (src/store/alert-events.ts). */
export interface AlertEventTable {
  seq: number;
  /** The alert it is about. */
  item: string;
  /** alert, escalation or ack. */
  kind: string;
  /** The frame as officers receive it, without its id (JSON). */
  text: string;
  at: number;
}

/** A file's bytes, chunked; `sha256` (hex) once every chunk is in (src/store/attachments.ts). */
export interface AttachmentBlobTable {
  id: string;
  sha256: string | null;
  size: number;
  chunks: number;
  created_at: number;
}

/** One chunk (1 MiB, the last shorter) of a blob. */
export interface AttachmentChunkTable {
  blob_id: string;
  seq: number;
  data: Uint8Array;
}

/**
 * A peer delivered this file here, every chunk checked (src/federation/attachment-transfer.ts):
 * only that peer is told the file is here, and only its items may name it.
 */
export interface AttachmentDeliveryTable {
  party: string;
  sha256: string;
  at: number;
}

/** An upload: its uploader may name this hash in an item they create; expires unused. */
export interface AttachmentUploadTable {
  id: string;
  user_id: string;
  sha256: string;
  size: number;
  created_at: number;
}

/** An item's files, in the order its creator gave them. */
export interface ItemAttachmentTable {
  item_id: string;
  idx: number;
  name: string;
  type: string;
  size: number;
  sha256: string;
}

/** A data key wrapped by the node key `kek_id` (src/store/content-keys.ts). */
export interface DataKeyTable {
  /** An item's id, or '.records' (the key of the other rows that carry content). */
  owner: string;
  kek_id: string;
  /** Sealed text (src/crypto/at-rest.ts `wrapKey`). */
  wrapped: string;
}

export interface Database {
  meta: MetaTable;
  data_keys: DataKeyTable;
  agreements: AgreementTable;
  agreement_events: AgreementEventTable;
  users: UserTable;
  tokens: TokenTable;
  user_changes: UserChangeTable;
  items: ItemTable;
  holdings: HoldingTable;
  compromise_reports: CompromiseTable;
  log_entries: LogEntryTable;
  checkpoints: CheckpointTable;
  log_tiles: LogTileTable;
  log_entry_bundles: LogEntryBundleTable;
  peers: PeerTable;
  node_keys: NodeKeyTable;
  seen_nonces: NonceTable;
  proposals: ProposalTable;
  outbox: OutboxTable;
  outbox_receipts: OutboxReceiptTable;
  inbox: InboxTable;
  consents: ConsentTable;
  consent_requests: ConsentRequestTable;
  peer_checkpoints: PeerCheckpointTable;
  cosignatures: CosignatureTable;
  witness_alarms: WitnessAlarmTable;
  alerts: AlertTable;
  alert_acks: AlertAckTable;
  agreement_keys: AgreementKeyTable;
  lifecycle_sent: LifecycleSentTable;
  peer_agreement_status: PeerAgreementStatusTable;
  node_changes: NodeChangeTable;
  leases: LeaseTable;
  alert_events: AlertEventTable;
  attachment_blobs: AttachmentBlobTable;
  attachment_deliveries: AttachmentDeliveryTable;
  attachment_chunks: AttachmentChunkTable;
  attachment_uploads: AttachmentUploadTable;
  item_attachments: ItemAttachmentTable;
}
