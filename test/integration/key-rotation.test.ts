// Rotation of a node's own keys on real node processes (docs/decisions.md #155): JP
// rotates twice, once while US is down. KR takes each hand-over at once; US takes both
// in order when it is back (the second verifies only with the key the first handed
// over). Items flow both ways after each rotation, an item whose manifest JP signed
// before the rotations still verifies at US, partners cosign JP's checkpoints signed
// with the new key, and `audit verify` follows the hand-overs from the key recorded at
// init. A passphrase change reseals the rotated keys: the node starts with the new one.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/store/db.js';
import { type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import { http, liaison, PASSPHRASE, startNodeProcess } from '../support/node-process.js';

type Json = Record<string, unknown>;
interface PeerRow {
  party: string;
  fingerprint: string;
  verifierKey: string;
  epoch: number;
  holdsOurEpoch: number;
}
interface Rotation {
  epoch: number;
  fingerprint: string;
  verifierKey: string;
  previousVerifierKey: string;
  peers: string[];
  logIndex: number;
}

let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, role: 'officer' | 'ra' | 'auditor' | 'admin') =>
  trio.members[p].tokens[role];

async function peers(p: Party): Promise<PeerRow[]> {
  return (await http(url(p), 'GET', '/v1/peers', tok(p, 'admin'))).body as PeerRow[];
}
const peerOf = async (p: Party, q: Party) => (await peers(p)).find((r) => r.party === q);

async function createItem(title: string): Promise<string> {
  const r = await http(url('JP'), 'POST', '/v1/items', tok('JP', 'ra'), {
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    title,
    body: `${title}: body`,
  });
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}

/** JP releases `id` to `to`, which then reads it with its title. */
async function releaseAndRead(id: string, to: Party, title: string): Promise<void> {
  const sent = await http(url('JP'), 'POST', `/v1/items/${id}/release`, tok('JP', 'ra'), { to });
  expect(sent.status).toBe(202);
  const read = await waitFor(`${id} at ${to}`, async () => {
    const r = await http(url(to), 'GET', `/v1/items/${id}`, tok(to, 'officer'));
    return r.status === 200 && r;
  });
  expect(read.body).toMatchObject({ title, originatorMarking: { party: 'JP', code: 'GOKUHI' } });
}

function rotate(): Rotation {
  const r = liaison([
    'node',
    'rotate-keys',
    '--node',
    url('JP'),
    '--token',
    tok('JP', 'admin'),
    '--json',
  ]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Rotation;
}

async function identityFingerprint(p: Party): Promise<string> {
  const jws = (await http(url(p), 'GET', '/v1/federation/identity')).text;
  return (JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString()) as Json)
    .fingerprint as string;
}

beforeAll(async () => {
  trio = await startTrio({}, ['--witness-interval', '1']);
}, 120_000);

afterAll(async () => {
  await trio?.stop();
});

describe("rotating a node's own keys", () => {
  let before: string;
  let first: Rotation;
  let second: Rotation;
  let older: string;

  it('JP rotates: the hand-over is logged, KR pins the new keys, items flow both ways', async () => {
    older = await createItem('Before the rotation');
    await releaseAndRead(older, 'KR', 'Before the rotation');
    before = await identityFingerprint('JP');
    const info0 = (await http(url('JP'), 'GET', '/v1/node', tok('JP', 'auditor'))).body as Json;
    await trio.members.US.proc.stop(); // US misses both rotations

    first = rotate();
    expect(first).toMatchObject({ epoch: 1, peers: ['KR', 'US'] });
    expect(first.fingerprint).not.toBe(before);
    expect(first.previousVerifierKey).toBe(info0.verifierKey);
    expect(await identityFingerprint('JP')).toBe(first.fingerprint);
    const info = (await http(url('JP'), 'GET', '/v1/node', tok('JP', 'auditor'))).body as Json;
    // What JP signs for every partner (checkpoints, manifests) stays signed with the
    // keys all its peers hold: US, down, holds only the first.
    expect(info).toMatchObject({
      verifierKey: info0.verifierKey,
      initialVerifierKey: info0.verifierKey,
    });
    const entry = (
      (
        await http(
          url('JP'),
          'GET',
          `/v1/log/entries?start=${first.logIndex}&limit=1`,
          tok('JP', 'auditor'),
        )
      ).body as { data: string }[]
    )[0];
    expect(JSON.parse(entry?.data ?? '{}')).toMatchObject({
      type: 'node.keys-rotated',
      subject: { handover: { epoch: 1, from: info0.verifierKey, to: first.verifierKey } },
    });

    // KR takes the hand-over; JP then signs towards KR with the new key.
    const jpAtKr = await waitFor('KR to pin JP’s new keys', async () => {
      const p = await peerOf('KR', 'JP');
      return p?.epoch === 1 && p;
    });
    expect(jpAtKr).toMatchObject({
      fingerprint: first.fingerprint,
      verifierKey: first.verifierKey,
    });
    await waitFor(
      'JP to see KR holds its new keys',
      async () => (await peerOf('JP', 'KR'))?.holdsOurEpoch === 1,
    );
    expect((await peerOf('JP', 'US'))?.holdsOurEpoch).toBe(0);
    const krLog = (
      await http(url('KR'), 'GET', '/v1/log/entries?start=0&limit=5000', tok('KR', 'auditor'))
    ).body as { data: string | null }[];
    expect(
      krLog.some(
        (e) => e.data !== null && (JSON.parse(e.data) as Json).type === 'peer.keys-rotated',
      ),
    ).toBe(true);

    const after = await createItem('After the first rotation');
    await releaseAndRead(after, 'KR', 'After the first rotation');
    // KR → JP: KR still verifies JP's receipts, signed with JP's new key.
    const kr = await http(url('KR'), 'POST', '/v1/items', tok('KR', 'ra'), {
      marking: 'II',
      categories: ['dprk-missile'],
      title: 'From KR after the rotation',
      body: '',
    });
    const krId = (kr.body as { id: string }).id;
    const sent = await http(url('KR'), 'POST', `/v1/items/${krId}/release`, tok('KR', 'ra'), {
      to: 'JP',
    });
    expect(sent.status).toBe(202);
    await waitFor('KR’s item at JP', async () => {
      const r = await http(url('JP'), 'GET', `/v1/items/${krId}`, tok('JP', 'officer'));
      return r.status === 200;
    });
  }, 120_000);

  it('a second rotation while US is down: US takes both hand-overs in order when back', async () => {
    second = rotate();
    expect(second).toMatchObject({ epoch: 2, previousVerifierKey: first.verifierKey });
    await waitFor('KR to pin epoch 2', async () => (await peerOf('KR', 'JP'))?.epoch === 2);
    const us = trio.members.US;
    us.proc = await startNodeProcess(us.init.dir, us.url);
    // JP backs off from a peer that was down; an operator's retry sends at once.
    await http(url('JP'), 'POST', '/v1/peers/US/retry', tok('JP', 'admin'));
    const jpAtUs = await waitFor(
      'US to pin JP’s keys of epoch 2',
      async () => {
        const p = await peerOf('US', 'JP');
        return p?.epoch === 2 && p;
      },
      60_000,
    );
    expect(jpAtUs.fingerprint).toBe(second.fingerprint);
    await waitFor(
      'JP to see US holds epoch 2',
      async () => (await peerOf('JP', 'US'))?.holdsOurEpoch === 2,
    );
    // Every peer holds the newest keys: JP's log is signed with them from now on.
    const info = (await http(url('JP'), 'GET', '/v1/node', tok('JP', 'auditor'))).body as Json;
    expect(info.verifierKey).toBe(second.verifierKey);
    // An item whose manifest JP signed with its first key still verifies at US.
    await releaseAndRead(older, 'US', 'Before the rotation');
    const fresh = await createItem('After the second rotation');
    await releaseAndRead(fresh, 'US', 'After the second rotation');
  }, 120_000);

  it('partners cosign checkpoints signed with the new key; audit verify follows the hand-overs', async () => {
    const size = ((await http(url('JP'), 'GET', '/readyz')).body as { logSize: number }).logSize;
    await waitFor(
      'KR and US to cosign JP’s log beyond the rotations',
      async () => {
        const w = (await http(url('JP'), 'GET', '/v1/log/witnesses', tok('JP', 'auditor')))
          .body as { cosigners: { party: string; size: number | null }[] };
        return w.cosigners.length === 2 && w.cosigners.every((c) => (c.size ?? 0) >= size);
      },
      60_000,
    );
    const byNode = liaison([
      'audit',
      'verify',
      '--node',
      url('JP'),
      '--token',
      tok('JP', 'auditor'),
      '--json',
    ]);
    expect(byNode.err).toBe('');
    const nodeReport = JSON.parse(byNode.out) as { ok: boolean; keys: { verifierKey: string }[] };
    expect(nodeReport.ok).toBe(true);
    expect(nodeReport.keys.map((k) => k.verifierKey)).toEqual([
      first.previousVerifierKey,
      first.verifierKey,
      second.verifierKey,
    ]);
    // Against the key recorded at init, with what the partners hold.
    const byData = liaison(
      ['audit', 'verify', '--data', trio.members.JP.init.dir, '--peers', '--json'],
      {
        LIAISON_PASSPHRASE: PASSPHRASE,
      },
    );
    const dataReport = JSON.parse(byData.out || '{}') as {
      ok: boolean;
      witnessed: { by: string; source: string; ok: boolean }[];
      keys: { verifierKey: string; entry: number | null }[];
    };
    expect(dataReport.ok, byData.out + byData.err).toBe(true);
    expect(
      dataReport.witnessed
        .filter((w) => w.source === 'peer' && w.ok)
        .map((w) => w.by)
        .sort(),
    ).toEqual(['KR', 'US']);
    expect(dataReport.keys.map((k) => k.verifierKey)).toEqual(
      nodeReport.keys.map((k) => k.verifierKey),
    );
  }, 120_000);

  it('a receipt for the hand-over that never came back does not stop the lane: the next request is signed with the keys the peer took', async () => {
    // JP forgets that KR took epoch 2 (as if KR's answer had been lost): it signs towards
    // KR with epoch 1's key again, which KR no longer accepts for a request.
    const jp = trio.members.JP;
    await jp.proc.stop();
    const db = openSqlite(join(jp.init.dir, 'store.sqlite'));
    db.prepare("UPDATE peers SET our_epoch = 1 WHERE party = 'KR'").run();
    db.close();
    jp.proc = await startNodeProcess(jp.init.dir, jp.url);
    expect((await peerOf('JP', 'KR'))?.holdsOurEpoch).toBe(1);
    const id = await createItem('After a lost receipt');
    await releaseAndRead(id, 'KR', 'After a lost receipt');
  }, 120_000);

  it('a passphrase change reseals the rotated keys: JP starts with the new one, on epoch 2', async () => {
    const jp = trio.members.JP;
    await jp.proc.stop();
    const changed = liaison(['node', 'passphrase', '--data', jp.init.dir], {
      LIAISON_PASSPHRASE: PASSPHRASE,
      LIAISON_NEW_PASSPHRASE: 'a brand new passphrase',
    });
    expect(changed.err).toBe('');
    expect(changed.code).toBe(0);
    const old = liaison(['node', 'start', '--data', jp.init.dir, '--port', '0'], {
      LIAISON_PASSPHRASE: PASSPHRASE,
    });
    expect(old.code).not.toBe(0);
    expect(old.err).toMatch(/passphrase/);
    jp.proc = await startNodeProcess(jp.init.dir, jp.url, [], {
      LIAISON_PASSPHRASE: 'a brand new passphrase',
    });
    expect(await identityFingerprint('JP')).toBe(second.fingerprint);
    const last = await createItem('After the passphrase change');
    await releaseAndRead(last, 'KR', 'After the passphrase change');
  }, 120_000);
});
