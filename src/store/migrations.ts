// Numbered migrations. Each runs once, in order, inside a transaction; the same
// code serves SQLite and PostgreSQL (only the bytes type differs).
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { atRestMigration } from './migration-at-rest.js';
import { attachmentDeliveriesMigration, attachmentsMigration } from './migration-attachments.js';

export type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect): Record<string, Migration> {
  const bytes = dialect === 'postgres' ? sql`bytea` : sql`blob`;
  return {
    '0001-initial': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('meta')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('agreements')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('definition', 'text', (c) => c.notNull())
          .addColumn('added_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('agreement_events')
          .addColumn('agreement_id', 'text', (c) => c.notNull().references('agreements.id'))
          .addColumn('seq', 'integer', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('event', 'text', (c) => c.notNull())
          .addColumn('recorded_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('agreement_events_pk', ['agreement_id', 'seq'])
          .execute();
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('party', 'text', (c) => c.notNull())
          .addColumn('clearance', 'text', (c) => c.notNull())
          .addColumn('need_to_know', 'text', (c) => c.notNull())
          .addColumn('clearance_expires', 'bigint')
          .addColumn('roles', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('hash', 'text', (c) => c.notNull().unique())
          .addColumn('label', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .execute();
        await db.schema
          .createTable('items')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('originator', 'text', (c) => c.notNull())
          .addColumn('marking', 'text', (c) => c.notNull())
          .addColumn('categories', 'text', (c) => c.notNull())
          .addColumn('releasable_to', 'text')
          .addColumn('title', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('created_by', 'text')
          .execute();
        await db.schema
          .createTable('holdings')
          .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
          .addColumn('party', 'text', (c) => c.notNull())
          .addColumn('marking', 'text', (c) => c.notNull())
          .addColumn('receipts', 'text', (c) => c.notNull())
          .addColumn('since', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('holdings_pk', ['item_id', 'party'])
          .execute();
        await db.schema
          .createTable('compromise_reports')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('item_id', 'text', (c) => c.notNull().references('items.id'))
          .addColumn('party', 'text', (c) => c.notNull())
          .addColumn('reported_by', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('log_entries')
          .addColumn('idx', 'bigint', (c) => c.primaryKey())
          .addColumn('leaf_hash', bytes, (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('checkpoints')
          .addColumn('size', 'bigint', (c) => c.primaryKey())
          .addColumn('root', bytes, (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0002-federation': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('peers')
          .addColumn('party', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('origin', 'text', (c) => c.notNull())
          .addColumn('signing_key', 'text', (c) => c.notNull())
          .addColumn('encryption_key', 'text', (c) => c.notNull())
          .addColumn('fingerprint', 'text', (c) => c.notNull())
          .addColumn('added_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('seen_nonces')
          .addColumn('nonce', 'text', (c) => c.primaryKey())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('proposals')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('agreement_id', 'text', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('signatures', 'text', (c) => c.notNull())
          .addColumn('parties', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('outbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('peer', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('last_error', 'text')
          .addColumn('receipt', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('settled_at', 'bigint')
          .addColumn('item_id', 'text')
          .addUniqueConstraint('outbox_peer_seq', ['peer', 'seq'])
          .execute();
        await db.schema
          .createIndex('outbox_pending')
          .on('outbox')
          .columns(['state', 'peer', 'seq'])
          .execute();
        await db.schema
          .createTable('inbox')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('from_party', 'text', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('code', 'text', (c) => c.notNull())
          .addColumn('receipt', 'text', (c) => c.notNull())
          .addColumn('log_index', 'bigint')
          .addColumn('item_id', 'text')
          .execute();
        await db.schema
          .createTable('consents')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addColumn('by_party', 'text', (c) => c.notNull())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('to_party', 'text', (c) => c.notNull())
          .addColumn('granted_at', 'bigint', (c) => c.notNull())
          .addColumn('expires', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .addColumn('jws', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('consent_requests')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('direction', 'text', (c) => c.notNull())
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addColumn('originator', 'text', (c) => c.notNull())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('to_party', 'text', (c) => c.notNull())
          .addColumn('requested_by', 'text', (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('requested_at', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('reason', 'text')
          .addColumn('decided_at', 'bigint')
          .addColumn('decided_by', 'text')
          .addColumn('consent_id', 'text')
          .execute();
        await db.schema
          .createTable('peer_checkpoints')
          .addColumn('peer', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('root', bytes, (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('seen_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('peer_checkpoints_pk', ['peer', 'size'])
          .execute();
        await db.schema
          .createTable('cosignatures')
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('witness', 'text', (c) => c.notNull())
          .addColumn('line', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('cosignatures_pk', ['size', 'witness'])
          .execute();
      },
    },
    '0003-outbox-receipts': {
      async up(db: Kysely<unknown>) {
        // Receipts of settled envelopes, written many rows at a time.
        await db.schema
          .createTable('outbox_receipts')
          .addColumn('envelope', 'text', (c) => c.primaryKey())
          .addColumn('receipt', 'text', (c) => c.notNull())
          .execute();
      },
    },
    '0004-precedence-and-alerts': {
      async up(db: Kysely<unknown>) {
        // ACP 121 precedence of every item, and of every queued message as a rank
        // (0 FLASH … 3 ROUTINE): the outbox sends the smallest rank first.
        await db.schema
          .alterTable('items')
          .addColumn('precedence', 'text', (c) => c.notNull().defaultTo('ROUTINE'))
          .execute();
        await db.schema
          .alterTable('outbox')
          .addColumn('precedence', 'integer', (c) => c.notNull().defaultTo(3))
          .execute();
        await db.schema
          .createIndex('outbox_lane')
          .on('outbox')
          .columns(['state', 'peer', 'precedence', 'seq'])
          .execute();
        // A FLASH alert's structured payload, beside its item row.
        await db.schema
          .createTable('alerts')
          .addColumn('item_id', 'text', (c) => c.primaryKey())
          .addColumn('originator', 'text', (c) => c.notNull())
          .addColumn('msg_type', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('superseded_by', 'text')
          .addColumn('ack_deadline_ms', 'bigint', (c) => c.notNull())
          .addColumn('recipients', 'text', (c) => c.notNull())
          .addColumn('escalations', 'integer', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('alert_acks')
          .addColumn('item_id', 'text', (c) => c.notNull())
          .addColumn('party', 'text', (c) => c.notNull())
          .addColumn('user_id', 'text', (c) => c.notNull())
          .addColumn('acked_at', 'bigint', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('signature', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('alert_acks_pk', ['item_id', 'party', 'user_id'])
          .execute();
      },
    },
    '0005-passwords': {
      async up(db: Kysely<unknown>) {
        // The console's sign-in: an scrypt hash (src/node/passwords.ts), or null.
        await db.schema.alterTable('users').addColumn('password_hash', 'text').execute();
      },
    },
    '0006-access': {
      async up(db: Kysely<unknown>) {
        // Sessions are revoked on a password change; an 'enrol' token may only enrol TOTP.
        await db.schema
          .alterTable('tokens')
          .addColumn('kind', 'text', (c) => c.notNull().defaultTo('api'))
          .execute();
        await sql`UPDATE tokens SET kind = 'session' WHERE label = 'console session'`.execute(db);
        // RFC 6238 second factor.
        await db.schema.alterTable('users').addColumn('totp_secret', 'text').execute();
        await db.schema.alterTable('users').addColumn('totp_pending', 'text').execute();
        await db.schema.alterTable('users').addColumn('totp_last_step', 'bigint').execute();
        // Changes to clearances and roles that wait for a second person.
        await db.schema
          .createTable('user_changes')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('change', 'text', (c) => c.notNull())
          .addColumn('proposed_by', 'text', (c) => c.notNull())
          .addColumn('proposed_at', 'bigint', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('decided_by', 'text')
          .addColumn('decided_at', 'bigint')
          .addColumn('note', 'text')
          .addColumn('approver', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('user_changes_status')
          .on('user_changes')
          .columns(['status', 'proposed_at'])
          .execute();
      },
    },
    '0007-manifests': {
      async up(db: Kysely<unknown>) {
        // The originator's signed manifest of the item's current version (issue 11).
        await db.schema.alterTable('items').addColumn('manifest', 'text').execute();
        await db.schema
          .alterTable('items')
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
        await db.schema.alterTable('consents').addColumn('item_version', 'integer').execute();
      },
    },
    '0009-witnessing': {
      async up(db: Kysely<unknown>) {
        // The alarms a witness raised about a partner's log (docs/wire.md §10).
        await db.schema
          .createTable('witness_alarms')
          .addColumn('peer', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('root', bytes, (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('note', 'text', (c) => c.notNull())
          .addColumn('problem', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('log_index', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('witness_alarms_pk', ['peer', 'size', 'root'])
          .execute();
      },
    },
    '0010-lifecycle-sync': {
      async up(db: Kysely<unknown>) {
        // Lifecycle messages sent and their acknowledgements; partners' status reports
        // (docs/wire.md §5.6, §5.13, §5.14).
        await db.schema
          .createTable('lifecycle_sent')
          .addColumn('envelope', 'text', (c) => c.primaryKey())
          .addColumn('agreement_id', 'text', (c) => c.notNull())
          .addColumn('peer', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('sent_at', 'bigint', (c) => c.notNull())
          .addColumn('ack_at', 'bigint')
          .addColumn('ack_status', 'text')
          .addColumn('ack_differs', 'text')
          .addColumn('ack_received_at', 'bigint')
          .execute();
        await db.schema
          .createIndex('lifecycle_sent_agreement')
          .on('lifecycle_sent')
          .columns(['agreement_id', 'peer'])
          .execute();
        await db.schema
          .createTable('peer_agreement_status')
          .addColumn('agreement_id', 'text', (c) => c.notNull())
          .addColumn('peer', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('received_at', 'bigint', (c) => c.notNull())
          .addColumn('envelope', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('own', 'text', (c) => c.notNull())
          .addColumn('differs', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('peer_agreement_status_pk', ['agreement_id', 'peer'])
          .execute();
      },
    },
    '0011-agreement-keys': {
      async up(db: Kysely<unknown>) {
        // The signing key each party's signature of a proposal verified with; once the
        // proposal binds, the agreement binds these keys (docs/wire.md §9).
        await db.schema
          .createTable('agreement_keys')
          .addColumn('proposal_id', 'text', (c) => c.notNull())
          .addColumn('agreement_id', 'text', (c) => c.notNull())
          .addColumn('party', 'text', (c) => c.notNull())
          .addColumn('signing_key', 'text', (c) => c.notNull())
          .addColumn('binding', 'integer', (c) => c.notNull())
          .addColumn('recorded_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('agreement_keys_pk', ['proposal_id', 'party'])
          .execute();
      },
    },
    '0012-log-tiles': {
      async up(db: Kysely<unknown>) {
        // The log's tree as C2SP tlog-tiles: full hash tiles and full entry bundles,
        // written in the transaction of the entry that completes them (docs/log.md).
        // A log older than this migration gets them when the node next opens.
        await db.schema
          .createTable('log_tiles')
          .addColumn('level', 'integer', (c) => c.notNull())
          .addColumn('idx', 'bigint', (c) => c.notNull())
          .addColumn('hashes', bytes, (c) => c.notNull())
          .addPrimaryKeyConstraint('log_tiles_pk', ['level', 'idx'])
          .execute();
        await db.schema
          .createTable('log_entry_bundles')
          .addColumn('idx', 'bigint', (c) => c.primaryKey())
          .addColumn('data', bytes, (c) => c.notNull())
          .execute();
      },
    },
    '0013-instances': {
      async up(db: Kysely<unknown>) {
        // Several instances of one node (docs/deploy.md): what each batch of units did
        // to the World and which caches it touched, in commit order, so that the
        // other instances apply the same effects; and leases, so that one instance
        // at a time delivers to a peer's lane or runs a node-wide timer.
        const id =
          dialect === 'postgres'
            ? db.schema
                .createTable('node_changes')
                .addColumn('id', 'bigserial', (c) => c.primaryKey())
            : db.schema
                .createTable('node_changes')
                .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
        await id
          .addColumn('effects', 'text', (c) => c.notNull())
          .addColumn('tags', 'text', (c) => c.notNull())
          .addColumn('instance', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('leases')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('holder', 'text', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0014-alert-events': {
      async up(db: Kysely<unknown>) {
        // Every event pushed to officers' streams (an alert, an escalation, an
        // acknowledgement), numbered in commit order under the node's write lock: each
        // instance pushes them to its own sockets in that order, and a stream resumes
        // after the last id it saw (src/alerts/hub.ts). `text` is the frame, without id.
        await db.schema
          .createTable('alert_events')
          .addColumn('seq', 'bigint', (c) => c.primaryKey())
          .addColumn('item', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('text', 'text', (c) => c.notNull())
          .addColumn('at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0015-key-rotation': {
      async up(db: Kysely<unknown>) {
        // The node's keys after the first (keys.json holds epoch 0): each rotation's
        // keys sealed under the passphrase as keys.json's are, with the hand-over the
        // previous key signed (docs/decisions.md #155). Every instance opens them.
        await db.schema
          .createTable('node_keys')
          .addColumn('epoch', 'integer', (c) => c.primaryKey())
          .addColumn('signing_private', 'text', (c) => c.notNull())
          .addColumn('encryption_private', 'text', (c) => c.notNull())
          .addColumn('handover', 'text', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        // Per peer: the epoch of our keys it has accepted (we sign towards it with that
        // epoch's key until it accepts the next), the epoch of its keys we hold, and
        // the signing keys it used before (to verify what they signed then).
        await db.schema
          .alterTable('peers')
          .addColumn('our_epoch', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('peers')
          .addColumn('their_epoch', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('peers')
          .addColumn('former_keys', 'text', (c) => c.notNull().defaultTo('[]'))
          .execute();
      },
    },
    '0016-encryption-at-rest': atRestMigration,
    '0017-attachments': attachmentsMigration(bytes),
    '0018-attachment-deliveries': attachmentDeliveriesMigration,
  };
}

export class NumberedMigrations implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations(this.dialect);
  }
}
