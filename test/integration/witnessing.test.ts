// Witnessing by default, on real node processes: every node asks its peers to cosign
// its log (here every second) with no one asking; `audit verify --data --peers` fails a
// log truncated below what partners cosigned; the witness raises an alarm (log event,
// metric, the console's API) when a partner presents a checkpoint smaller than one it
// cosigned; and a history re-signed with a new key in keys.json fails `audit verify
// --data` against the key recorded at init.
import { createPublicKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/crypto/canonical-json.js';
import { generateNodeKeys, sealKeys } from '../../src/crypto/keys.js';
import { verifyCosignature } from '../../src/federation/witness.js';
import { leafHash, MerkleTree } from '../../src/log/merkle.js';
import { checkpointBody, rawPublicKey, signNote, verifierKey } from '../../src/log/note.js';
import { openSqlite } from '../../src/store/db.js';
import { type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import {
  http,
  initNodeDir,
  liaison,
  PASSPHRASE,
  startNodeProcess,
  storedEntries,
} from '../support/node-process.js';

interface Cosigner {
  party: string;
  size: number | null;
  at: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
}
interface Witnessing {
  intervalSeconds: number | null;
  cosigners: Cosigner[];
  witnessed: { party: string; size: number }[];
  alarms: { peer: string; kind: string; size: number; problem: string; logIndex: number }[];
}
interface AuditJson {
  ok: boolean;
  entries: number;
  witnessed: { by: string; size: number; source: string; ok: boolean }[];
  problems: { message: string }[];
}

let trio: Trio;
const PEERS: Record<Party, Party[]> = { JP: ['KR', 'US'], KR: ['JP', 'US'], US: ['JP', 'KR'] };
const url = (p: Party) => trio.members[p].url;
const auditor = (p: Party) => trio.members[p].tokens.auditor;

async function witnessing(p: Party): Promise<Witnessing> {
  const r = await http(url(p), 'GET', '/v1/log/witnesses', auditor(p));
  expect(r.status).toBe(200);
  return r.body as Witnessing;
}

async function checkpointSize(p: Party): Promise<number> {
  return (
    (await http(url(p), 'GET', '/v1/log/checkpoint?format=json', auditor(p))).body as {
      size: number;
    }
  ).size;
}

async function createItems(p: Party, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await http(url(p), 'POST', '/v1/items', trio.members[p].tokens.ra, {
      marking: 'U',
      categories: ['dprk-missile'],
      title: `filler ${i}`,
      body: '',
    });
    expect(r.status).toBe(201);
  }
}

/** Waits until every peer of `p` has cosigned at least `size` of its log. */
function cosignedBy(p: Party, size: number): Promise<Witnessing> {
  return waitFor(`${PEERS[p].join(' and ')} to cosign ${p}'s log at ${size}`, async () => {
    const w = await witnessing(p);
    return w.cosigners.every((c) => (c.size ?? 0) >= size) && w.cosigners.length === 2 && w;
  });
}

function auditData(dir: string, ...more: string[]) {
  const r = liaison(['audit', 'verify', '--data', dir, '--json', ...more]);
  return { code: r.code, err: r.err, report: JSON.parse(r.out || '{}') as AuditJson };
}

let ready = 0;
let firstCosignatureMs = 0;

beforeAll(async () => {
  trio = await startTrio({}, ['--witness-interval', '1']);
  ready = Date.now();
}, 120_000);

afterAll(async () => {
  await trio?.stop();
});

describe('witnessing by default', () => {
  it('every node’s log is cosigned by both peers with no one asking, and served with it', async () => {
    const sizes = await Promise.all((['JP', 'KR', 'US'] as const).map(checkpointSize));
    const seen = await Promise.all(
      (['JP', 'KR', 'US'] as const).map((p, i) => cosignedBy(p, sizes[i] ?? 1)),
    );
    firstCosignatureMs = Date.now() - ready;
    for (const w of seen) {
      expect(w.intervalSeconds).toBe(1);
      for (const c of w.cosigners) expect(c).toMatchObject({ lastError: null });
    }
    // The cosignature lines travel with the checkpoints (C2SP tlog-cosignature) and verify
    // with the witnesses' keys.
    for (const p of ['JP', 'KR', 'US'] as const) {
      const rows = (await http(url(p), 'GET', '/v1/log/checkpoints', auditor(p))).body as {
        size: number;
        note: string;
        cosignedBy: string[];
      }[];
      const both = rows.filter((r) => PEERS[p].every((q) => r.cosignedBy.includes(q))).at(-1);
      expect(both, `${p}: a checkpoint cosigned by both peers`).toBeDefined();
      for (const q of PEERS[p]) {
        const line = both?.note.split('\n').find((l) => l.startsWith(`— liaison.local/${q} `));
        expect(
          verifyCosignature(
            both?.note ?? '',
            line ?? '',
            `liaison.local/${q}`,
            createPublicKey(trio.keys(q).signing),
          ),
        ).toBe(true);
      }
      // Each peer holds the latest checkpoint of p it cosigned.
      const w = await witnessing(PEERS[p][0] ?? 'JP');
      expect(w.witnessed.find((x) => x.party === p)?.size).toBeGreaterThanOrEqual(both?.size ?? 0);
    }
    // Nothing about routine cosigning is logged (a logged cosignature would grow the log,
    // which would ask for another).
    const types = (await storedEntries(trio.members.KR.init, undefined, 0)).map((e) => e.type);
    expect(types).not.toContain('witness.checkpoint');
    expect(types).not.toContain('witness.split-view');
  }, 30_000);

  it('grows, is cosigned again within the interval; idle, asks nothing', async () => {
    await createItems('JP', 3);
    const size = await checkpointSize('JP');
    const t0 = Date.now();
    await cosignedBy('JP', size);
    expect(Date.now() - t0).toBeLessThan(5_000);
    // Idle: the log does not grow, and no request goes out for three intervals.
    const before = (await witnessing('JP')).cosigners.map((c) => [c.party, c.lastAttemptAt]);
    await new Promise((r) => setTimeout(r, 3_500));
    expect(await checkpointSize('JP')).toBe(size);
    expect((await witnessing('JP')).cosigners.map((c) => [c.party, c.lastAttemptAt])).toEqual(
      before,
    );
  }, 30_000);

  it('a log truncated below what partners cosigned fails `audit verify --data --peers`; the witnesses raise an alarm when it presents a smaller checkpoint', async () => {
    await createItems('JP', 60);
    const size = await checkpointSize('JP');
    await cosignedBy('JP', size);
    const jp = trio.members.JP;
    const dir = jp.init.dir;
    await jp.proc.stop();
    // An administrator deletes the last 50 entries and the checkpoints that cover them.
    const cut = size - 50;
    const db = openSqlite(join(dir, 'store.sqlite'));
    db.prepare('DELETE FROM log_entries WHERE idx >= ?').run(cut);
    db.prepare('DELETE FROM checkpoints WHERE size > ?').run(cut);
    db.close();
    // The cosignatures stored here still name the sizes that are gone.
    const local = auditData(dir);
    expect(local.code).toBe(1);
    expect(local.report.problems.map((p) => p.message).join('\n')).toMatch(
      /cosigned a checkpoint of size \d+, which is no longer stored: checkpoints were deleted/,
    );
    // Deleted too, the log looks whole to itself: only the partners know better.
    const db2 = openSqlite(join(dir, 'store.sqlite'));
    db2.prepare('DELETE FROM cosignatures WHERE size > ?').run(cut);
    db2.close();
    expect(auditData(dir).code).toBe(0);
    const peers = auditData(dir, '--peers');
    expect(peers.code).toBe(1);
    expect(peers.report.ok).toBe(false);
    for (const q of ['KR', 'US']) {
      expect(peers.report.witnessed).toContainEqual({ by: q, size, source: 'peer', ok: false });
      expect(peers.report.problems.map((p) => p.message)).toContain(
        `${q} cosigned a checkpoint of size ${size} (as ${q} holds it), but the log holds ${cut} entries: entries a partner cosigned are gone (the log was truncated)`,
      );
    }
    // For people: one line per partner, and the problem.
    const text = liaison(['audit', 'verify', '--data', dir, '--peers']);
    expect(text.code).toBe(1);
    expect(text.out).toContain(`✗ KR cosigned size ${size} (as KR holds it)`);
    expect(text.out).toMatch(/the log was truncated/);

    // Restarted, JP's log grows a little and JP asks for cosignatures of a checkpoint
    // smaller than the one KR and US cosigned: a rollback, alarmed at each witness.
    await trio.restart('JP');
    await createItems('JP', 2);
    for (const q of ['KR', 'US'] as const) {
      const w = await waitFor(`${q}'s alarm`, async () => {
        const v = await witnessing(q);
        return v.alarms.length > 0 && v;
      });
      expect(w.alarms[0]).toMatchObject({ peer: 'JP', kind: 'rollback' });
      expect(w.alarms[0]?.problem).toMatch(
        new RegExp(`JP presents size \\d+ as its latest checkpoint, smaller than the ${size}`),
      );
      const entries = await storedEntries(trio.members[q].init, undefined, 0);
      const logged = entries.find((e) => e.index === w.alarms[0]?.logIndex);
      expect(logged).toMatchObject({
        type: 'witness.split-view',
        decision: 'deny',
        reasons: ['rollback'],
        subject: { peer: 'JP' },
      });
      const metrics = await http(url(q), 'GET', '/metrics', auditor(q));
      expect(metrics.text).toContain('liaison_witness_alarms{peer="JP",kind="rollback"} 1');
      expect(metrics.text).toMatch(/liaison_log_cosigned_size\{witness="JP"\} \d+/);
    }
    // JP is told why its requests fail.
    const jpSide = await waitFor('JP to see the refusal', async () => {
      const v = await witnessing('JP');
      return v.cosigners.every((c) => c.lastError !== null) && v;
    });
    expect(jpSide.cosigners[0]?.lastError).toMatch(/entries were lost or deleted/);
    // Presented again, the same checkpoint raises no second alarm.
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await witnessing('KR')).alarms).toHaveLength(1);
  }, 50_000);

  it('grown past what was cosigned, the rewritten log cannot prove it extends it: a split view at each witness', async () => {
    const cosigned = (await witnessing('KR')).witnessed.find((w) => w.party === 'JP')?.size ?? 0;
    await createItems('JP', cosigned - (await checkpointSize('JP')) + 3);
    expect(await checkpointSize('JP')).toBeGreaterThan(cosigned);
    for (const q of ['KR', 'US'] as const) {
      // JP's requests back off after the refusals above (the interval doubling).
      const alarm = await waitFor(
        `${q}'s split-view alarm`,
        async () => (await witnessing(q)).alarms.find((a) => a.kind === 'split-view'),
        40_000,
      );
      expect(alarm).toMatchObject({ peer: 'JP' });
      expect(alarm.problem).toMatch(
        new RegExp(`not consistent with the one of size ${cosigned} this node cosigned`),
      );
      const metrics = await http(url(q), 'GET', '/metrics', auditor(q));
      expect(metrics.text).toContain('liaison_witness_alarms{peer="JP",kind="split-view"} 1');
      // What the witness cosigned stays: the rewritten log is not cosigned.
      expect((await witnessing(q)).witnessed.find((w) => w.party === 'JP')?.size).toBe(cosigned);
    }
  }, 60_000);
});

describe('the verifier key recorded at init', () => {
  it('a history re-signed with a new key in keys.json fails `audit verify --data`; --verifier-key still overrides; a directory made before says so', async () => {
    const init = initNodeDir('JP');
    const node = await startNodeProcess(init.dir);
    for (let i = 0; i < 3; i++) {
      await http(node.url, 'POST', '/v1/users', init.adminToken, {
        username: `u${i}`,
        clearance: 'U',
        needToKnow: [],
        roles: ['officer'],
      });
      await http(node.url, 'GET', '/v1/log/checkpoint', init.adminToken);
    }
    await node.stop();
    const config = JSON.parse(readFileSync(join(init.dir, 'config.json'), 'utf8')) as {
      verifierKey: string;
      origin: string;
    };
    expect(config.verifierKey).toBe(init.verifierKey);
    expect(auditData(init.dir).code).toBe(0);

    // Rewrite the last entry and re-sign every checkpoint with a new key, put in keys.json.
    const keys = generateNodeKeys();
    const db = openSqlite(join(init.dir, 'store.sqlite'));
    const rows = db.prepare('SELECT idx, leaf_hash, data FROM log_entries ORDER BY idx').all() as {
      idx: number;
      leaf_hash: Buffer;
      data: string;
    }[];
    const last = rows.at(-1);
    if (last === undefined) throw new Error('no entries');
    const forged = canonicalJson({
      ...(JSON.parse(last.data) as object),
      subject: { user: 'nobody', clearance: 'U', needToKnow: [], roles: [], setup: true },
    });
    db.prepare('UPDATE log_entries SET data = ?, leaf_hash = ? WHERE idx = ?').run(
      forged,
      leafHash(Buffer.from(forged)),
      last.idx,
    );
    const tree = new MerkleTree();
    for (const r of rows)
      tree.append(r.idx === last.idx ? leafHash(Buffer.from(forged)) : Buffer.from(r.leaf_hash));
    for (const c of db.prepare('SELECT size FROM checkpoints').all() as { size: number }[]) {
      const root = Buffer.from(tree.root(c.size));
      const note = signNote(
        checkpointBody({ origin: config.origin, size: c.size, root }),
        config.origin,
        keys.signing,
      );
      db.prepare('UPDATE checkpoints SET note = ?, root = ? WHERE size = ?').run(
        note,
        root,
        c.size,
      );
    }
    db.close();
    writeFileSync(join(init.dir, 'keys.json'), JSON.stringify(sealKeys(keys, PASSPHRASE)));

    const forgedAudit = auditData(init.dir);
    expect(forgedAudit.code).toBe(1);
    expect(forgedAudit.report.problems[0]?.message).toMatch(
      /^the log is signed by a key other than the one recorded at init/,
    );
    expect(
      forgedAudit.report.problems.some((p) => /checkpoint of size \d+: /.test(p.message)),
    ).toBe(true);
    // The auditor may still choose the key: the forged log is consistent under its own key.
    const newKey = verifierKey(config.origin, rawPublicKey(keys.signing));
    expect(auditData(init.dir, '--verifier-key', newKey).code).toBe(0);
    // Nor does the node start with the replaced key: it would sign on with it.
    await expect(startNodeProcess(init.dir)).rejects.toThrow(
      /holds a signing key other than the one recorded at node init/,
    );
    // A data directory made before the key was recorded: as before, with a warning.
    const older = JSON.parse(readFileSync(join(init.dir, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete older.verifierKey;
    writeFileSync(join(init.dir, 'config.json'), JSON.stringify(older));
    const old = auditData(init.dir);
    expect(old.code).toBe(0);
    expect(old.err).toMatch(/made before node init recorded the verifier key/);
  }, 90_000);
});

afterAll(() => {
  // The figure the report quotes: how long the first cosignatures took, trio start included.
  process.stdout.write(
    `witnessing: every log cosigned by both peers ${firstCosignatureMs} ms after the trio was ready\n`,
  );
});
