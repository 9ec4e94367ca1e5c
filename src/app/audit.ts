// `liaison audit verify --data DIR`: a node's log audited from its store, on its own
// machine. The verifier key is the one recorded at `node init` (config.json), not the
// one in keys.json, which whoever replaced that file controls; checkpoints partners
// cosigned are checked too: those stored here, and with --peers those each partner
// holds (asked over a signed request), so that a log truncated or rewritten below a
// size a partner cosigned fails.
import { createPublicKey } from 'node:crypto';
import { messageOf } from '../core/index.js';
import { KeyRing, openKeys } from '../crypto/keys.js';
import { askWitnessed } from '../federation/cosigning.js';
import { loadPeers } from '../federation/peers.js';
import { loadRotatedKeys } from '../federation/rotation.js';
import { trustingFetch } from '../federation/transport.js';
import { cosignedWithAny } from '../federation/witness.js';
import {
  type AuditProblem,
  type AuditReport,
  auditLog,
  openWithKeys,
  type WitnessedCheckpoint,
} from '../log/audit.js';
import { checkHandover } from '../log/handover.js';
import {
  NoteError,
  parseCheckpoint,
  parseVerifierKey,
  rawPublicKey,
  verifierKey,
} from '../log/note.js';
import { openStore } from '../store/db.js';
import { checkpoints, entriesAsStored } from '../store/log.js';
import { allNodeKeys, type NodeKeyRow } from '../store/node-keys.js';
import { allCosignatures } from '../store/witnessing.js';
import { configPath, databaseTarget, readConfig, readStoredKeys } from './setup.js';
import { startTls } from './tls.js';

export interface DataAuditOptions {
  readonly dir: string;
  /** The verifier key to trust instead of the one recorded at init. */
  readonly verifierKey?: string | undefined;
  /** Ask every peer for the latest checkpoint of this log it cosigned. */
  readonly peers?: boolean | undefined;
  /** The passphrase of the node's keys (to sign the requests to peers). */
  readonly passphrase?: (() => Promise<string>) | undefined;
  readonly fetch?: typeof fetch;
}

export interface DataAudit {
  readonly report: AuditReport;
  /** The data directory and its party. */
  readonly source: string;
  /** Where the verifier key came from. */
  readonly verifierKey: { readonly key: string; readonly from: 'option' | 'init' | 'keys.json' };
  /** What the auditor should know that is not a problem of the log. */
  readonly warnings: readonly string[];
}

/** The body of a signed note: what comes before its signature lines. */
const noteBody = (note: string) => note.slice(0, note.indexOf('\n\n') + 1);

/**
 * The log's verifier keys from `initial` through the hand-overs of the rotations in the
 * store, each checked against the key before it; stops at the first that does not
 * follow (the log's own entries are audited for the same chain by auditLog).
 */
function handedOver(initial: string, rows: readonly NodeKeyRow[]): string[] {
  const keys = [initial];
  for (const row of rows) {
    try {
      const next = checkHandover(JSON.parse(row.handover), keys[keys.length - 1] ?? initial);
      keys.push(next.handover.to);
    } catch {
      break;
    }
  }
  return keys;
}

export async function auditDataDir(o: DataAuditOptions): Promise<DataAudit> {
  const config = readConfig(o.dir);
  const stored = readStoredKeys(o.dir);
  const inKeys = verifierKey(config.origin, rawPublicKey(createPublicKey(stored.signingPublic)));
  const warnings: string[] = [];
  const problems: AuditProblem[] = [];
  const problem = (message: string, checkpoint: number | null = null) =>
    problems.push({ entry: null, checkpoint, message });
  let chosen: DataAudit['verifierKey'];
  if (o.verifierKey !== undefined) chosen = { key: o.verifierKey, from: 'option' };
  else if (config.verifierKey !== undefined) {
    chosen = { key: config.verifierKey, from: 'init' };
    if (inKeys !== config.verifierKey)
      problem(
        `the log is signed by a key other than the one recorded at init: keys.json holds ${inKeys}, config.json recorded ${config.verifierKey} at node init (give --verifier-key to audit with another key)`,
      );
  } else {
    chosen = { key: inKeys, from: 'keys.json' };
    warnings.push(
      `${o.dir} was made before node init recorded the verifier key (config.json has no verifierKey): checking against the key in keys.json, which does not show a keys.json replaced with another key; give --verifier-key with the key partners hold`,
    );
  }
  const verifier = parseVerifierKey(chosen.key);
  // With --peers, the requests are signed with the node's keys: the rotated ones are
  // sealed in the store, opened with the passphrase.
  const passphrase =
    o.peers === true && o.passphrase !== undefined ? await o.passphrase() : undefined;
  const store = await openStore(databaseTarget(o.dir, config), passphrase);
  try {
    const db = store.db;
    const peers = await loadPeers(db);
    const signed = await checkpoints(db);
    const bySize = new Map(signed.map((c) => [c.size, c.note]));
    const witnessed: WitnessedCheckpoint[] = [];
    // The cosignatures partners sent, as stored here: each must still verify over the
    // checkpoint it was made for. The largest of each partner is checked against the log.
    const largest = new Map<string, WitnessedCheckpoint>();
    for (const c of await allCosignatures(db)) {
      const peer = peers.get(c.witness);
      if (peer === undefined) continue;
      const note = bySize.get(c.size);
      if (note === undefined) {
        problem(
          `${c.witness} cosigned a checkpoint of size ${c.size}, which is no longer stored: checkpoints were deleted`,
          c.size,
        );
        continue;
      }
      if (
        // Stored ones: made before or after the peer's rotations, with any key it had.
        !cosignedWithAny(note, c.line, peer.origin, [peer.signingKey, ...peer.formerSigningKeys])
      ) {
        problem(
          `the checkpoint of size ${c.size} no longer carries ${c.witness}'s cosignature: it was altered or re-signed after ${c.witness} cosigned it`,
          c.size,
        );
        continue;
      }
      let root: Buffer;
      try {
        root = parseCheckpoint(noteBody(note)).root;
      } catch {
        continue; // the checkpoint check reports an unreadable note
      }
      if ((largest.get(c.witness)?.size ?? -1) < c.size)
        largest.set(c.witness, { by: c.witness, size: c.size, root, source: 'local' });
    }
    witnessed.push(...largest.values());
    if (o.peers === true) {
      if (peers.size === 0) warnings.push('--peers: this node has no peers to ask');
      // Each peer is asked with the key of ours it holds (a rotation it has not taken yet).
      const ring = new KeyRing(openKeys(readStoredKeys(o.dir), passphrase ?? ''));
      await loadRotatedKeys(ring, db);
      const logKeys = handedOver(chosen.key, await allNodeKeys(db)).map(parseVerifierKey);
      for (const peer of [...peers.values()].sort((a, b) => (a.party < b.party ? -1 : 1))) {
        let held: Awaited<ReturnType<typeof askWitnessed>>;
        try {
          held = await askWitnessed(
            { party: config.party, signingKey: ring.signingFor(peer.ourEpoch) },
            peer,
            // Peers behind a private CA: the node's own tls.ca, as when it runs.
            o.fetch ??
              trustingFetch(startTls(o.dir, configPath(o.dir), config.tls, {}, new Date()).ca),
          );
        } catch (e) {
          problem(`could not check against ${peer.party}: ${messageOf(e)}`);
          continue;
        }
        if (held === null) {
          warnings.push(`${peer.party} holds no checkpoint of this log it cosigned`);
          continue;
        }
        try {
          const cp = openWithKeys(held.note, logKeys);
          witnessed.push({ by: peer.party, size: cp.size, root: cp.root, source: 'peer' });
        } catch (e) {
          problem(
            `the checkpoint of size ${held.size} ${peer.party} cosigned is not signed with the verifier key audited with (${e instanceof NoteError ? e.message : messageOf(e)}): the log's key changed after ${peer.party} cosigned it`,
            held.size,
          );
        }
      }
    }
    const report = await auditLog(entriesAsStored(db), signed, verifier, witnessed);
    return {
      report: {
        ...report,
        ok: report.ok && problems.length === 0,
        problems: [...problems, ...report.problems],
      },
      source: `${o.dir} (${config.party})`,
      verifierKey: chosen,
      warnings,
    };
  } finally {
    await store.close();
  }
}
