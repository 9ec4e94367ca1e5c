// A hostile or compromised partner, with its real node key (issue 11): the US node
// tries to make KR believe what JP never said. Each attack is sent as a signed,
// sealed, well-formed message (test/support/hostile.ts); each is refused with its own
// code and logged at KR, nothing of it is stored, and afterwards the honest parties
// agree on holdings, markings, versions and agreement status.
import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { x25519PublicKeyFromRaw } from '../../src/crypto/jose.js';
import { generateNodeKeys, type NodeKeys } from '../../src/crypto/keys.js';
import { buildIdentity, signIdentity } from '../../src/federation/identity.js';
import type { ItemPayload, Message } from '../../src/federation/messages.js';
import { type Handover, signHandover } from '../../src/log/handover.js';
import { rawPublicKey, verifierKey } from '../../src/log/note.js';
import { openManifest, manifestOf as readManifest } from '../../src/node/manifest.js';
import { openSqlite } from '../../src/store/db.js';
import {
  askAndGrantConsent,
  type Party,
  startTrio,
  type Trio,
  waitFor,
} from '../support/federation.js';
import {
  chunkRequest,
  envelope,
  heldAt,
  manifestOf,
  postSealed,
  signedItem,
} from '../support/hostile.js';
import { http, storedEntries } from '../support/node-process.js';

type Json = Record<string, unknown>;
let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, role: 'officer' | 'ra' | 'clerk' | 'auditor' | 'admin') =>
  trio.members[p].tokens[role];

async function createItem(p: Party, marking: string, title: string): Promise<string> {
  const r = await http(url(p), 'POST', '/v1/items', tok(p, 'ra'), {
    marking,
    categories: ['dprk-missile'],
    title,
    body: `${title}: the originator's text`,
  });
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}

async function inbox(p: Party): Promise<Json[]> {
  return (await http(url(p), 'GET', '/v1/inbox', tok(p, 'officer'))).body as Json[];
}

async function releaseAndWait(from: Party, id: string, to: Party): Promise<void> {
  const r = await http(url(from), 'POST', `/v1/items/${id}/release`, tok(from, 'ra'), { to });
  expect(r.status).toBe(202);
  await waitFor(`${id} at ${to}`, async () => (await inbox(to)).some((e) => e.item === id));
}

/** A row of a node's store, read as its operator would (read-only). */
function storeRow<T>(p: Party, query: string, ...args: unknown[]): T | undefined {
  const db = openSqlite(`${trio.members[p].init.dir}/store.sqlite`, { readonly: true });
  try {
    return db.prepare(query).get(...args) as T | undefined;
  } finally {
    db.close();
  }
}

interface ItemRowView {
  id: string;
  originator: string;
  marking: string;
  categories: string;
  title: string;
  body: string;
  precedence: string;
  manifest: string;
  version: number;
}

/** The item as its originator stores it: its content and its signed manifest. */
function originatorCopy(id: string): ItemRowView {
  const row = storeRow<ItemRowView>('JP', 'SELECT * FROM items WHERE id = ?', id);
  if (row === undefined) throw new Error(`JP has no item ${id}`);
  return row;
}

/**
 * The item as JP would send it, with JP's manifest: the row from JP's store, the text
 * through JP's API (the store holds it encrypted at rest).
 */
async function asSent(id: string): Promise<ItemPayload> {
  const r = originatorCopy(id);
  const read = await http(url('JP'), 'GET', `/v1/items/${id}`, tok('JP', 'ra'));
  expect(read.status).toBe(200);
  const text = read.body as { title: string; body: string };
  return {
    id: r.id,
    originator: r.originator,
    marking: r.marking,
    categories: JSON.parse(r.categories) as string[],
    releasableTo: null,
    title: text.title,
    body: text.body,
    precedence: 'ROUTINE',
    manifest: r.manifest,
  };
}

let krEnc: ReturnType<typeof x25519PublicKeyFromRaw>;

/** US → KR, signed and sealed with US's real keys. */
async function fromUs(m: Message): Promise<{ status: string; code: string }> {
  const r = await postSealed(url('KR'), [m], trio.keys('US').signing, 'US', krEnc);
  expect(r.status).toBe(200);
  const receipts = (r.body as { receipts: string[] }).receipts;
  const receipt = (JSON.parse(receipts[0] ?? '{}') as { receipt: { status: string; code: string } })
    .receipt;
  return { status: receipt.status, code: receipt.code };
}

const forward = (item: ItemPayload, over: Partial<Message<'item'>['body']> = {}): Message =>
  envelope('item', 'US', 'KR', {
    kind: 'forward',
    item,
    senderMarking: 'S',
    recipientMarking: 'II',
    agreements: ['tisa-2014'],
    consent: null,
    ...over,
  });

/** Sends an attack; expects it refused with `code`, logged at KR, and KR's inbox unchanged. */
async function refused(what: string, m: Message, code: string): Promise<void> {
  const size = ((await http(url('KR'), 'GET', '/readyz')).body as { logSize: number }).logSize;
  const before = (await inbox('KR')).length;
  expect({ what, ...(await fromUs(m)) }).toEqual({ what, status: 'refused', code });
  const logged = await storedEntries(trio.members.KR.init, undefined, size);
  expect({
    what,
    logged: logged.some(
      (e) => e.decision === 'deny' && ((e.reasons as string[] | undefined) ?? []).includes(code),
    ),
  }).toEqual({ what, logged: true });
  expect((await inbox('KR')).length).toBe(before);
}

beforeAll(async () => {
  trio = await startTrio();
  const jws = (await http(url('KR'), 'GET', '/v1/federation/identity')).text;
  const id = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString()) as {
    encryptionKey: string;
  };
  krEnc = x25519PublicKeyFromRaw(Buffer.from(id.encryptionKey, 'base64'));
}, 120_000);

afterAll(async () => {
  await trio?.stop();
});

describe('a hostile partner with its real key', () => {
  let x = '';
  let consent = '';

  it('cannot alter an item it forwards: content, markings, manifest and claims are the originator’s', async () => {
    x = await createItem('JP', 'GOKUHI', 'Launch report');
    const other = await createItem('JP', 'HI', 'Older report');
    await releaseAndWait('JP', x, 'US');
    await releaseAndWait('JP', other, 'US');
    const real = await asSent(x);
    const us = trio.keys('US').signing;
    // Without consent nothing passes; the content and manifest checks come first.
    await refused(
      'new title and body under JP’s manifest',
      forward({ ...real, title: 'Altered', body: 'Altered text' }),
      'content-mismatch',
    );
    await refused(
      'JP’s marking claimed as HI',
      forward({ ...real, marking: 'HI' }),
      'marking-mismatch',
    );
    await refused(
      'a manifest re-signed by US in JP’s name, marking HI',
      forward(signedItem(us, { ...real, marking: 'HI', title: 'Altered', body: 'Altered text' })),
      'bad-originator-signature',
    );
    await refused(
      'a manifest signed as US that names JP as the originator',
      forward({
        ...real,
        manifest: manifestOf(us, { ...real, originator: 'US' }, { over: { originator: 'JP' } }),
      }),
      'bad-originator-signature',
    );
    const older = await asSent(other);
    await refused(
      'JP’s valid manifest and content of another item, under this item’s id',
      forward({ ...older, id: x }),
      'manifest-mismatch',
    );
    await refused(
      'the real item with another item’s manifest',
      forward({ ...real, manifest: older.manifest }),
      'manifest-mismatch',
    );
    await refused(
      'US claims to hold it at C, lower than S',
      forward(real, { senderMarking: 'C' }),
      'marking-mismatch',
    );
    // With JP's consent: only the honest forward passes.
    await askAndGrantConsent(trio, x, 'US', 'JP', 'KR');
    consent = await waitFor('the consent at US', async () => {
      const row = storeRow<{ jws: string }>('US', 'SELECT jws FROM consents WHERE item_id = ?', x);
      return row?.jws;
    });
    await refused(
      'US marks it III for KR, lower than II',
      forward(real, { consent, recipientMarking: 'III' }),
      'marking-mismatch',
    );
    await refused(
      'altered text with JP’s consent',
      forward({ ...real, body: 'Altered text' }, { consent }),
      'content-mismatch',
    );
    // The honest forward, by US's node, is accepted: KR holds JP's words at II, once.
    const sent = await http(url('US'), 'POST', `/v1/items/${x}/forward`, tok('US', 'ra'), {
      to: 'KR',
    });
    expect(sent.status).toBe(202);
    await waitFor('x at KR', async () => (await inbox('KR')).some((e) => e.item === x));
    const read = await http(url('KR'), 'GET', `/v1/items/${x}`, tok('KR', 'officer'));
    expect(read.body).toMatchObject({
      title: 'Launch report',
      body: "Launch report: the originator's text",
      marking: { code: 'II' },
      originatorMarking: { code: 'GOKUHI' },
    });
    expect((await inbox('KR')).filter((e) => e.item === x)).toHaveLength(1);
    // KR keeps JP's manifest, which verifies with JP's key.
    const kept = storeRow<{ manifest: string; version: number }>(
      'KR',
      'SELECT manifest, version FROM items WHERE id = ?',
      x,
    );
    const jpKey = createPublicKey(trio.keys('JP').signing);
    expect(openManifest(kept?.manifest ?? '', (p) => (p === 'JP' ? [jpKey] : []))).toMatchObject({
      item: x,
      originator: 'JP',
      version: 1,
      marking: 'GOKUHI',
    });
  });

  it('cannot make up an item in another party’s name', async () => {
    const made = {
      id: `jp-${randomUUID()}`,
      originator: 'JP',
      marking: 'HI',
      categories: ['dprk-missile'],
      releasableTo: null,
      title: 'A report JP never wrote',
      body: 'Made up by US',
    };
    await refused(
      'an item signed by US in JP’s name',
      forward(signedItem(trio.keys('US').signing, made), {
        senderMarking: 'C',
        recipientMarking: 'III',
      }),
      'bad-originator-signature',
    );
    await refused(
      'an item signed by an unknown key in JP’s name',
      forward(signedItem(generateKeyPairSync('ed25519').privateKey, made), {
        senderMarking: 'C',
        recipientMarking: 'III',
      }),
      'bad-originator-signature',
    );
    expect(storeRow('KR', 'SELECT id FROM items WHERE id = ?', made.id)).toBeUndefined();
    expect(storeRow('JP', 'SELECT id FROM items WHERE id = ?', made.id)).toBeUndefined();
  });

  it('relays a reclassification only as the originator signed it; an older version never overrides', async () => {
    // JP reclassifies; the news reaches KR through US, hop by hop, as JP's version 2.
    const r = await http(url('JP'), 'POST', `/v1/items/${x}/reclassify`, tok('JP', 'ra'), {
      marking: 'HI',
    });
    expect(r.status).toBe(200);
    await waitFor('version 2 at KR', async () =>
      storeRow<{ version: number }>('KR', 'SELECT version FROM items WHERE id = ?', x)?.version ===
      2
        ? true
        : undefined,
    );
    const kept = storeRow<{ manifest: string; marking: string }>(
      'KR',
      'SELECT manifest, marking FROM items WHERE id = ?',
      x,
    );
    expect(kept?.marking).toBe('HI');
    expect(readManifest(kept?.manifest ?? '')).toMatchObject({ version: 2, marking: 'HI' });
    expect(kept?.manifest).toBe(originatorCopy(x).manifest);
    const krView = await http(url('KR'), 'GET', `/v1/items/${x}`, tok('KR', 'officer'));
    expect(krView.body).toMatchObject({
      marking: { code: 'III' },
      originatorMarking: { code: 'HI' },
    });
    const v1 = await asSent(x);
    const first = manifestOf(trio.keys('JP').signing, { ...v1, marking: 'GOKUHI' }, { version: 1 });
    await refused(
      'JP’s version 1 replayed after version 2',
      envelope('item.reclassified', 'US', 'KR', {
        item: x,
        manifest: first,
        recipientMarking: 'II',
      }),
      'stale-manifest',
    );
    await refused(
      'a version 3 signed by US in JP’s name, back to GOKUHI',
      envelope('item.reclassified', 'US', 'KR', {
        item: x,
        manifest: manifestOf(trio.keys('US').signing, { ...v1, marking: 'GOKUHI' }, { version: 3 }),
        recipientMarking: 'II',
      }),
      'bad-originator-signature',
    );
    await refused(
      'a version 3 by JP with other content',
      envelope('item.reclassified', 'US', 'KR', {
        item: x,
        manifest: manifestOf(
          trio.keys('JP').signing,
          { ...v1, marking: 'GOKUHI', body: 'Other text' },
          { version: 3 },
        ),
        recipientMarking: 'II',
      }),
      'content-mismatch',
    );
    // An item forwarded with an older manifest than the one held is stale too.
    await refused(
      'the item again with its version 1 manifest',
      forward({ ...v1, marking: 'GOKUHI', manifest: first }, { consent }),
      'stale-manifest',
    );
    expect(
      storeRow<{ version: number; marking: string }>(
        'KR',
        'SELECT version, marking FROM items WHERE id = ?',
        x,
      ),
    ).toEqual({ version: 2, marking: 'HI' });
  });

  it('a forward to a party that already holds the item is refused there, and the inbox lists it once', async () => {
    const z = await createItem('JP', 'HI', 'Held twice');
    await releaseAndWait('JP', z, 'KR');
    await releaseAndWait('JP', z, 'US');
    // US, which does not know that KR holds it, asks and gets JP's consent, and forwards.
    await askAndGrantConsent(trio, z, 'US', 'JP', 'KR');
    const zConsent = await waitFor(
      'the consent at US',
      async () =>
        storeRow<{ jws: string }>('US', 'SELECT jws FROM consents WHERE item_id = ?', z)?.jws,
    );
    await refused(
      'a forward of an item KR holds, with consent',
      forward(await asSent(z), { senderMarking: 'C', recipientMarking: 'III', consent: zConsent }),
      'already-held',
    );
    // Through US's node: KR refuses it, and US's outbox says why.
    const sent = await http(url('US'), 'POST', `/v1/items/${z}/forward`, tok('US', 'ra'), {
      to: 'KR',
    });
    expect(sent.status).toBe(202);
    const envelopeId = (sent.body as { envelope: string }).envelope;
    const out = await waitFor(
      'US’s outbox to settle',
      async () =>
        (
          (await http(url('US'), 'GET', `/v1/outbox/${envelopeId}`, tok('US', 'auditor'))).body as {
            state?: string;
            receipt?: { status: string; code: string } | null;
          }
        ).receipt ?? undefined,
    );
    expect(out).toMatchObject({ receipt: { status: 'refused', code: 'already-held' } });
    expect((await inbox('KR')).filter((e) => e.item === z)).toHaveLength(1);
  });

  it('cannot end an agreement with a lifecycle instant out of its time', async () => {
    const day = 86_400_000;
    for (const [what, at] of [
      ['a notice dated 2016', '2016-11-23T00:00:00Z'],
      ['a notice dated tomorrow', new Date(Date.now() + day).toISOString()],
    ] as const) {
      await refused(
        what,
        envelope('agreement.lifecycle', 'US', 'KR', {
          agreement: 'gsia-us-kr-1987',
          action: 'notice',
          at,
        }),
        'stale-instant',
      );
    }
    const a = await http(url('KR'), 'GET', '/v1/agreements/gsia-us-kr-1987', tok('KR', 'officer'));
    expect(a.body).toMatchObject({ notice: null });
  });

  it('afterwards the honest parties agree: holdings, markings, versions and agreement status', async () => {
    // US recorded KR's holding of x at the marking KR holds it at.
    const usView = storeRow<{ marking: string }>(
      'US',
      "SELECT marking FROM holdings WHERE item_id = ? AND party = 'KR'",
      x,
    );
    const krOwn = storeRow<{ marking: string }>(
      'KR',
      "SELECT marking FROM holdings WHERE item_id = ? AND party = 'KR'",
      x,
    );
    expect(krOwn?.marking).toBe('III');
    expect(usView?.marking).toBe(krOwn?.marking);
    for (const p of ['US', 'KR'] as const)
      expect(
        storeRow<{ version: number; marking: string }>(
          p,
          'SELECT version, marking FROM items WHERE id = ?',
          x,
        ),
      ).toEqual({ version: 2, marking: 'HI' });
    const status = async (p: Party) =>
      (
        (await http(url(p), 'GET', '/v1/agreements/gsomia-jp-kr-2016', tok(p, 'officer'))).body as {
          status: unknown;
        }
      ).status;
    expect(await status('KR')).toEqual(await status('JP'));
  });
});

describe("a hostile partner's key hand-overs (node.keys)", () => {
  const usKey = () => trio.keys('US').signing;
  const usVerifier = () => verifierKey('liaison.local/US', rawPublicKey(usKey()));
  /** A hand-over from US's real key to `next`, with `over` changed before signing. */
  const handover = (next: NodeKeys, over: Partial<Handover> = {}): Handover => {
    const id = buildIdentity('US', 'liaison.local/US', url('US'), next.signing, next.encryption);
    return {
      v: 1,
      party: 'US',
      origin: 'liaison.local/US',
      epoch: 1,
      from: usVerifier(),
      to: verifierKey('liaison.local/US', rawPublicKey(next.signing)),
      encryptionKey: id.encryptionKey,
      fingerprint: id.fingerprint,
      at: new Date().toISOString(),
      ...over,
    };
  };
  const identityOf = (k: NodeKeys) =>
    signIdentity(
      buildIdentity('US', 'liaison.local/US', url('US'), k.signing, k.encryption),
      k.signing,
    );
  const usAtKr = async () =>
    (
      (await http(url('KR'), 'GET', '/v1/peers', tok('KR', 'admin'))).body as {
        party: string;
        fingerprint: string;
        epoch: number;
      }[]
    ).find((p) => p.party === 'US');

  it('cannot hand over keys the old key did not sign, to keys it does not hold, or for another party', async () => {
    const before = await usAtKr();
    const next = generateNodeKeys();
    const other = generateNodeKeys();
    const send = (signed: unknown, identity: string) =>
      fromUs(envelope('node.keys', 'US', 'KR', { handover: signed, identity }));
    // Signed by the new key alone: the old key's signature is another key's.
    const alone = signHandover(
      handover(next, { from: verifierKey('liaison.local/US', rawPublicKey(other.signing)) }),
      other.signing,
      next.signing,
    );
    expect(
      await send(
        { ...alone, handover: { ...alone.handover, from: usVerifier() } },
        identityOf(next),
      ),
    ).toEqual({ status: 'refused', code: 'bad-signature' });
    // Properly signed, but the identity holds other keys than the hand-over names.
    const proper = signHandover(handover(next), usKey(), next.signing);
    expect(await send(proper, identityOf(other))).toEqual({
      status: 'refused',
      code: 'bad-signature',
    });
    // No proof the new key is held: `next` signed by another key.
    const other2 = signHandover(handover(other), usKey(), other.signing);
    expect(await send({ ...proper, next: other2.next }, identityOf(next))).toEqual({
      status: 'refused',
      code: 'bad-signature',
    });
    // US's key handing over JP's identity.
    const jpIdentity = buildIdentity(
      'JP',
      'liaison.local/JP',
      url('JP'),
      next.signing,
      next.encryption,
    );
    const asJp = signHandover(
      { ...handover(next), party: 'JP', fingerprint: jpIdentity.fingerprint },
      usKey(),
      next.signing,
    );
    expect(await send(asJp, signIdentity(jpIdentity, next.signing))).toEqual({
      status: 'refused',
      code: 'malformed-message',
    });
    // Malformed.
    expect(await send({ handover: { v: 1 } }, identityOf(next))).toEqual({
      status: 'refused',
      code: 'malformed-message',
    });
    // KR still holds US's keys as pinned.
    expect(await usAtKr()).toEqual(before);
  });
});

describe('a hostile partner and files (decision #164)', () => {
  const MiB = 1024 * 1024;
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const us = () => ({ signing: trio.keys('US').signing, keyId: 'US' });
  const kr = () => ({ url: url('KR'), party: 'KR', encryption: krEnc });
  const upload = async (p: Party, bytes: Buffer) => {
    const res = await fetch(`${url(p)}/v1/attachments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tok(p, 'ra')}`,
        'content-type': 'application/octet-stream',
      },
      body: bytes,
    });
    expect(res.status).toBe(201);
  };

  it('learns nothing of the files KR holds, cannot name them, and cannot spoil what JP sends', async () => {
    // KR holds a file of its own.
    const own = Buffer.from(`KR's own imagery ${randomUUID()}`);
    await upload('KR', own);
    const ownRef = { name: 'own.bin', type: 'application/octet-stream', size: own.length };
    // Asked by US, KR says it holds none of it, as of any file it does not hold.
    expect(await heldAt(url('KR'), sha(own), us().signing, 'US')).toEqual({
      status: 200,
      body: { complete: false, chunks: [] },
    });
    // An item of US's own naming it is refused: US never delivered that file to KR.
    const named = {
      id: `us-${randomUUID()}`,
      originator: 'US',
      marking: 'S',
      categories: ['dprk-missile'],
      releasableTo: null,
      title: 'Names a file KR holds',
      body: 'probing',
      attachments: [{ ...ownRef, sha256: sha(own) }],
    };
    const r = await postSealed(
      url('KR'),
      [
        envelope('item', 'US', 'KR', {
          kind: 'release',
          item: signedItem(trio.keys('US').signing, named),
          senderMarking: 'S',
          recipientMarking: 'II',
          agreements: ['gsia-us-kr-1987'],
          consent: null,
        }),
      ],
      trio.keys('US').signing,
      'US',
      krEnc,
    );
    const receipt = (
      JSON.parse((r.body as { receipts: string[] }).receipts[0] ?? '{}') as {
        receipt: { status: string; code: string; message: string };
      }
    ).receipt;
    expect(receipt).toMatchObject({ status: 'refused', code: 'content-mismatch' });
    expect(receipt.message).toContain('has not arrived here whole');

    // US sends KR a false first chunk of a file JP is about to send; sent twice, the
    // second is a replay.
    const file = randomBytes(MiB + MiB / 2);
    const ref = { sha256: sha(file), size: file.length };
    const put = chunkRequest(kr(), us(), ref, 0, randomBytes(MiB));
    const first = await fetch(put.url, put.init);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ complete: false, chunks: [0] });
    const again = await fetch(put.url, put.init);
    expect(again.status).toBe(401);
    // JP's item with that file reaches KR whole: US's chunk was kept apart.
    await upload('JP', file);
    const made = await http(url('JP'), 'POST', '/v1/items', tok('JP', 'ra'), {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'With a file',
      body: 'see the file',
      attachments: [{ name: 'f.bin', type: 'application/octet-stream', sha256: ref.sha256 }],
    });
    expect(made.status, made.text).toBe(201);
    const id = (made.body as { id: string }).id;
    await releaseAndWait('JP', id, 'KR');
    const down = await fetch(`${url('KR')}/v1/items/${id}/attachments/${ref.sha256}`, {
      headers: { authorization: `Bearer ${tok('KR', 'officer')}` },
    });
    expect(down.status).toBe(200);
    expect(sha(Buffer.from(await down.arrayBuffer()))).toBe(ref.sha256);
    // US is still told only of its own chunk; JP, that the file is here.
    expect(await heldAt(url('KR'), ref.sha256, us().signing, 'US')).toEqual({
      status: 200,
      body: { complete: false, chunks: [0] },
    });
    expect(await heldAt(url('KR'), ref.sha256, trio.keys('JP').signing, 'JP')).toEqual({
      status: 200,
      body: { complete: true, chunks: [] },
    });
  });
});
