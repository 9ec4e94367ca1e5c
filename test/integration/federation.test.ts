// Three real node processes on loopback: the 2019 story end to end, the
// counterfactual with the hub route, refusals of bad input, and witnessing.

import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES } from '../../src/core/index.js';
import { canonicalJson } from '../../src/crypto/canonical-json.js';
import { signJws, x25519PublicKeyFromRaw } from '../../src/crypto/jose.js';
import { signRequest } from '../../src/federation/httpsig.js';
import { type Message, sealMessage } from '../../src/federation/messages.js';
import { openReceipt } from '../../src/federation/receipts.js';
import { verifyCosignature } from '../../src/federation/witness.js';
import { leafHash, verifyInclusion } from '../../src/log/merkle.js';
import { openSqlite } from '../../src/store/db.js';
import {
  type Party,
  startTrio,
  type Trio,
  terminateGsomia,
  waitFor,
} from '../support/federation.js';
import { manifestOf, signedItem } from '../support/hostile.js';
import { http, liaison, storedEntries } from '../support/node-process.js';

type Json = Record<string, unknown>;
let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, role: 'officer' | 'ra' | 'clerk' | 'auditor' | 'admin') =>
  trio.members[p].tokens[role];
const err = (r: { body: unknown }) =>
  (r.body as { error: { code: string; message: string } }).error;

async function createItem(
  p: Party,
  marking: string,
  categories = ['dprk-missile'],
  title = 'report',
): Promise<string> {
  const r = await http(url(p), 'POST', '/v1/items', tok(p, 'ra'), {
    marking,
    categories,
    title,
    body: `${title} body`,
  });
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}

async function inbox(p: Party): Promise<Json[]> {
  return (await http(url(p), 'GET', '/v1/inbox', tok(p, 'officer'))).body as Json[];
}

/**
 * The log as its operator reads it from the store: the API withholds entries about
 * items the caller may not read (RULES V1), and some of these are about items that no
 * one here may read (refused on arrival).
 */
async function logEntries(p: Party, start = 0): Promise<Json[]> {
  return storedEntries(trio.members[p].init, undefined, start);
}

async function logSize(p: Party): Promise<number> {
  return ((await http(url(p), 'GET', '/readyz')).body as { logSize: number }).logSize;
}

beforeAll(async () => {
  trio = await startTrio();
}, 120_000);

afterAll(async () => {
  await trio?.stop();
});

describe('three nodes share under their agreements', () => {
  it('JP releases a launch report to KR: KR reads it at 군사II급비밀 with JP’s 極秘 beside it; both logs hold it; the receipt proves it', async () => {
    const id = await createItem('JP', 'GOKUHI', ['dprk-missile'], 'Launch report');
    const sent = await http(url('JP'), 'POST', `/v1/items/${id}/release`, tok('JP', 'ra'), {
      to: 'KR',
    });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({ decision: 'allow', marking: { party: 'KR', code: 'II' } });
    const entry = await waitFor('the item in KR’s inbox', async () =>
      (await inbox('KR')).find((e) => e.item === id),
    );
    expect(entry).toMatchObject({
      from: 'JP',
      marking: { party: 'KR', code: 'II', name: '군사II급비밀' },
      originatorMarking: { party: 'JP', code: 'GOKUHI', name: '極秘' },
    });
    const read = await http(url('KR'), 'GET', `/v1/items/${id}`, tok('KR', 'officer'));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      title: 'Launch report',
      marking: { code: 'II' },
      originatorMarking: { code: 'GOKUHI' },
    });
    const clerk = await http(url('KR'), 'GET', `/v1/items/${id}`, tok('KR', 'clerk'));
    expect(err(clerk).code).toBe('clearance-insufficient');
    const out = await waitFor('JP’s outbox to settle', async () => {
      const rows = (await http(url('JP'), 'GET', '/v1/outbox', tok('JP', 'auditor')))
        .body as Json[];
      return rows.find(
        (r) => r.envelope === (sent.body as Json).envelope && r.state === 'delivered',
      );
    });
    expect(out.to).toBe('KR');
    // The receipt JP stored: KR's signature over the batch, this receipt's place in the
    // batch, and the proof that KR logged the envelope.
    const stored = (
      await http(url('JP'), 'GET', `/v1/outbox/${out.envelope as string}`, tok('JP', 'auditor'))
    ).body as { receipt: Json };
    const krSigning = createPublicKey(trio.keys('KR').signing);
    const receipt = openReceipt(JSON.stringify(stored.receipt), krSigning);
    expect(receipt).toMatchObject({ envelope: out.envelope, from: 'KR', status: 'accepted' });
    const krEntry = (
      (
        await http(
          url('KR'),
          'GET',
          `/v1/log/entries?start=${receipt.logIndex}&limit=1`,
          tok('KR', 'auditor'),
        )
      ).body as { data: string }[]
    )[0] as { data: string };
    expect(JSON.parse(krEntry.data)).toMatchObject({
      type: 'item.received',
      subject: { envelope: out.envelope, item: id },
      decision: 'allow',
    });
    expect(leafHash(Buffer.from(krEntry.data)).toString('base64')).toBe(receipt.leafHash);
    expect(
      verifyInclusion(
        Buffer.from(receipt.leafHash as string, 'base64'),
        receipt.logIndex as number,
        receipt.treeSize as number,
        (receipt.proof as string[]).map((h) => Buffer.from(h, 'base64')),
        Buffer.from(receipt.root as string, 'base64'),
      ),
    ).toBe(true);
    // A receipt altered after signing does not verify.
    const altered = { ...stored.receipt, receipt: { ...receipt, status: 'refused' } };
    expect(() => openReceipt(JSON.stringify(altered), krSigning)).toThrow(/does not verify/);
    const jpLog = await logEntries('JP');
    expect(
      jpLog.some(
        (e) =>
          e.type === 'item.released' && (e.subject as Json).item === id && e.decision === 'allow',
      ),
    ).toBe(true);
    expect(
      jpLog.some((e) => e.type === 'envelope.delivered' && (e.subject as Json).item === id),
    ).toBe(true);
    const krLog = await logEntries('KR');
    expect(
      krLog.some(
        (e) =>
          e.type === 'item.received' && (e.subject as Json).item === id && e.decision === 'allow',
      ),
    ).toBe(true);
  });

  it('a notice and its suspension travel as lifecycle events; both sides compute the same status at every instant', async () => {
    const give = await http(
      url('KR'),
      'POST',
      '/v1/agreements/gsomia-jp-kr-2016/notices',
      tok('KR', 'admin'),
      { action: 'notice' },
    );
    expect(give.status).toBe(200);
    await waitFor('JP to record KR’s notice', async () => {
      const n = (
        await http(
          url('JP'),
          'GET',
          '/v1/agreements/gsomia-jp-kr-2016/notices',
          tok('JP', 'officer'),
        )
      ).body as { events: Json[] };
      return n.events.some((e) => e.kind === 'notice' && e.by === 'KR');
    });
    const same = async () => {
      const now = Date.now();
      for (const at of [
        now,
        now + 100 * 86_400_000,
        now + 400 * 86_400_000,
        now + 800 * 86_400_000,
      ]) {
        const q = `?at=${encodeURIComponent(new Date(at).toISOString())}`;
        const [j, k] = await Promise.all(
          (['JP', 'KR'] as const).map(
            async (p) =>
              (await http(url(p), 'GET', `/v1/agreements/gsomia-jp-kr-2016${q}`, tok(p, 'officer')))
                .body as Json,
          ),
        );
        for (const field of ['state', 'termEnd', 'endedBy', 'notice'])
          expect({ at, field, v: (j as Json)[field] }).toEqual({
            at,
            field,
            v: (k as Json)[field],
          });
      }
    };
    await same();
    const suspend = await http(
      url('KR'),
      'POST',
      '/v1/agreements/gsomia-jp-kr-2016/notices',
      tok('KR', 'admin'),
      { action: 'suspend-notice' },
    );
    expect(suspend.status).toBe(200);
    await waitFor('JP to see the suspension', async () => {
      const a = (
        await http(url('JP'), 'GET', '/v1/agreements/gsomia-jp-kr-2016', tok('JP', 'officer'))
      ).body as { notice: { suspended: boolean } | null };
      return a.notice?.suspended === true;
    });
    await same();
    // JP may not suspend or withdraw KR's notice (RULES L6).
    const wrong = await http(
      url('JP'),
      'POST',
      '/v1/agreements/gsomia-jp-kr-2016/notices',
      tok('JP', 'admin'),
      { action: 'withdraw-notice' },
    );
    expect(err(wrong).code).toBe('not-originator');
    await http(url('KR'), 'POST', '/v1/agreements/gsomia-jp-kr-2016/notices', tok('KR', 'admin'), {
      action: 'withdraw-notice',
    });
    await waitFor('JP to see the withdrawal', async () => {
      const a = (
        await http(url('JP'), 'GET', '/v1/agreements/gsomia-jp-kr-2016', tok('JP', 'officer'))
      ).body as { notice: unknown };
      return a.notice === null;
    });
  });

  it('refuses bad input with a clear code, logs the refusal, and stores nothing', async () => {
    const jpKeys = trio.keys('JP');
    const identity = async (p: Party) => {
      const jws = (await http(url(p), 'GET', '/v1/federation/identity')).text;
      return JSON.parse(Buffer.from(jws.split('.')[1] as string, 'base64url').toString()) as {
        encryptionKey: string;
      };
    };
    const krEnc = x25519PublicKeyFromRaw(
      Buffer.from((await identity('KR')).encryptionKey, 'base64'),
    );
    const usEnc = x25519PublicKeyFromRaw(
      Buffer.from((await identity('US')).encryptionKey, 'base64'),
    );
    const itemId = await createItem('JP', 'GOKUHI');
    const template = (id: string) => {
      const t = BUILT_IN_TEMPLATES.get(id);
      if (t === undefined) throw new Error(`no template ${id}`);
      return t;
    };
    const tisa = template('tisa-2014');
    const gsomia = template('gsomia-jp-kr-2016');
    const message = (over: Partial<Message<'item'>> = {}): Message<'item'> => ({
      v: 1,
      id: randomUUID(),
      type: 'item',
      from: 'JP',
      to: 'KR',
      sentAt: new Date().toISOString(),
      body: {
        kind: 'release',
        item: signedItem(jpKeys.signing, {
          id: itemId,
          originator: 'JP',
          marking: 'GOKUHI',
          categories: ['dprk-missile'],
          releasableTo: null,
          title: 't',
          body: 'b',
        }),
        senderMarking: 'GOKUHI',
        recipientMarking: 'II',
        agreements: ['gsomia-jp-kr-2016'],
        consent: null,
      },
      ...over,
    });
    const post = async (jwes: string[], raw?: Buffer) => {
      const target = new URL(`${url('KR')}/v1/federation/messages`);
      const body = raw ?? Buffer.from(JSON.stringify({ messages: jwes }));
      const headers = signRequest(
        { method: 'POST', authority: target.host, path: target.pathname, body },
        jpKeys.signing,
        'JP',
        Date.now(),
      );
      const res = await fetch(target, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      });
      return { status: res.status, body: (await res.json()) as Json, headers, bodyBytes: body };
    };
    const receiptOf = (r: { body: Json }) =>
      (JSON.parse((r.body.receipts as string[])[0] as string) as { receipt: Json }).receipt;
    const before = (await inbox('KR')).length;
    const krItem = await createItem('KR', 'III');
    const krDb = openSqlite(`${trio.members.KR.init.dir}/store.sqlite`, { readonly: true });
    const usEnvelopeAtKr = (
      krDb.prepare("SELECT id FROM inbox WHERE from_party = 'US' LIMIT 1").get() as { id: string }
    ).id;
    krDb.close();
    const refusals: [string, () => Promise<{ status: number; body: Json }>, string][] = [
      [
        'a forged signature',
        () => post([sealMessage(message(), generateKeyPairSync('ed25519').privateKey, krEnc)]),
        'bad-signature',
      ],
      [
        'an envelope meant for another node',
        () => post([sealMessage(message({ to: 'US' }), jpKeys.signing, usEnc)]),
        'wrong-recipient',
      ],
      [
        'tampered ciphertext',
        () => {
          const parts = sealMessage(message(), jpKeys.signing, krEnc).split('.');
          const ct = parts[3] as string;
          parts[3] = `${ct.slice(0, 20)}${ct[20] === 'A' ? 'B' : 'A'}${ct.slice(21)}`;
          return post([parts.join('.')]);
        },
        'undecryptable',
      ],
      [
        'a level the agreement does not cover',
        () =>
          post([
            sealMessage(
              message({
                body: {
                  ...message().body,
                  // Signed by JP as KIMITSU: the manifest is good; the level is not covered.
                  item: signedItem(jpKeys.signing, {
                    id: `jp-${randomUUID()}`,
                    originator: 'JP',
                    marking: 'KIMITSU',
                    categories: ['dprk-missile'],
                    releasableTo: null,
                    title: 't',
                    body: 'b',
                  }),
                  senderMarking: 'KIMITSU',
                },
              }),
              jpKeys.signing,
              krEnc,
            ),
          ]),
        'level-not-covered',
      ],
      [
        'an unknown agreement',
        () =>
          post([
            sealMessage(
              {
                v: 1,
                id: randomUUID(),
                type: 'agreement.lifecycle',
                from: 'JP',
                to: 'KR',
                sentAt: new Date().toISOString(),
                body: {
                  agreement: 'no-such-agreement',
                  action: 'notice',
                  at: new Date().toISOString(),
                },
              },
              jpKeys.signing,
              krEnc,
            ),
          ]),
        'unknown-agreement',
      ],
      ['an oversize envelope', () => post(['x'.repeat(2 * 1024 * 1024 + 10)]), 'oversize-message'],
      [
        'a body that does not have its type’s shape',
        () =>
          post([
            sealMessage(
              message({ body: { ...message().body, agreements: 'gsomia' as unknown as string[] } }),
              jpKeys.signing,
              krEnc,
            ),
          ]),
        'malformed-message',
      ],
      [
        'an envelope id another party already used',
        () => post([sealMessage(message({ id: usEnvelopeAtKr }), jpKeys.signing, krEnc)]),
        'malformed-message',
      ],
      [
        'a reclassification of an item JP neither originated nor passed on',
        () =>
          post([
            sealMessage(
              {
                v: 1,
                id: randomUUID(),
                type: 'item.reclassified',
                from: 'JP',
                to: 'KR',
                sentAt: new Date().toISOString(),
                body: {
                  item: krItem,
                  manifest: manifestOf(
                    jpKeys.signing,
                    {
                      id: krItem,
                      originator: 'JP',
                      marking: 'HI',
                      categories: ['dprk-missile'],
                      releasableTo: null,
                      title: 't',
                      body: 'b',
                    },
                    { version: 2 },
                  ),
                  recipientMarking: 'III',
                },
              },
              jpKeys.signing,
              krEnc,
            ),
          ]),
        'not-originator',
      ],
      [
        'a proposal that leaves out one of the signatories of what is signed',
        () =>
          post([
            sealMessage(
              {
                v: 1,
                id: randomUUID(),
                type: 'proposal.signature',
                from: 'JP',
                to: 'KR',
                sentAt: new Date().toISOString(),
                body: {
                  proposal: 'agreement:sneaky',
                  kind: 'agreement',
                  agreement: 'sneaky',
                  body: { ...tisa, id: 'sneaky' },
                  parties: ['JP', 'KR'],
                  signatures: {},
                },
              },
              jpKeys.signing,
              krEnc,
            ),
          ]),
        'malformed-message',
      ],
      [
        'a proposal whose definition the core cannot run (a marking no scheme has)',
        () =>
          post([
            sealMessage(
              {
                v: 1,
                id: randomUUID(),
                type: 'proposal.signature',
                from: 'JP',
                to: 'KR',
                sentAt: new Date().toISOString(),
                body: {
                  proposal: 'agreement:broken',
                  kind: 'agreement',
                  agreement: 'broken',
                  body: { ...gsomia, id: 'broken', rows: [{ JP: ['NOPE'], KR: ['II'] }] },
                  parties: ['JP', 'KR'],
                  signatures: {},
                },
              },
              jpKeys.signing,
              krEnc,
            ),
          ]),
        'malformed-message',
      ],
    ];
    for (const [what, run, code] of refusals) {
      const sizeBefore = await logSize('KR');
      const r = await run();
      expect({ what, status: r.status }).toEqual({ what, status: 200 });
      const receipt = receiptOf(r);
      expect({ what, status: receipt.status, code: receipt.code }).toEqual({
        what,
        status: 'refused',
        code,
      });
      const logged = await logEntries('KR', sizeBefore);
      expect({
        what,
        logged: logged.some((e) => e.decision === 'deny' && (e.reasons as string[]).includes(code)),
      }).toEqual({ what, logged: true });
    }
    // A replayed request (same signature, same nonce) is refused before anything is read.
    const first = await post([
      sealMessage(
        message({
          body: { ...message().body, item: { ...message().body.item, marking: 'KIMITSU' } },
        }),
        jpKeys.signing,
        krEnc,
      ),
    ]);
    const target = new URL(`${url('KR')}/v1/federation/messages`);
    const again = await fetch(target, {
      method: 'POST',
      headers: { ...first.headers, 'content-type': 'application/json' },
      body: first.bodyBytes,
    });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(
      'replayed-request',
    );
    // A request larger than the limit is refused whole: 413, or, when the node closes
    // the connection before the client has finished writing, a broken pipe.
    const huge = await post(
      [],
      Buffer.from(JSON.stringify({ messages: ['x'.repeat(17 * 1024 * 1024)] })),
    ).then(
      (r) => r.status,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
    );
    expect([413, 'EPIPE', 'ECONNRESET']).toContain(huge);
    expect(await inbox('KR')).toHaveLength(before);
    // A consent for another item, or another recipient, does not let a forward through.
    const x = await createItem('JP', 'GOKUHI');
    const y = await createItem('JP', 'GOKUHI');
    await http(url('JP'), 'POST', `/v1/items/${x}/release`, tok('JP', 'ra'), { to: 'US' });
    await waitFor('the item at US', async () =>
      ((await http(url('US'), 'GET', '/v1/inbox', tok('US', 'officer'))).body as Json[]).some(
        (e) => e.item === x,
      ),
    );
    const consentFor = (item: string, to: string) =>
      signJws(
        Buffer.from(
          canonicalJson({
            id: `consent-${randomUUID()}`,
            item,
            by: 'JP',
            holder: 'US',
            to,
            grantedAt: new Date().toISOString(),
            expires: null,
            version: 1,
          }),
        ),
        jpKeys.signing,
        { kid: 'JP', typ: 'liaison-consent+jws' },
      );
    const usKeys = trio.keys('US');
    const forwardWith = (consent: string) => {
      const m: Message<'item'> = {
        ...message({ from: 'US' }),
        body: {
          ...message().body,
          kind: 'forward',
          item: signedItem(jpKeys.signing, {
            id: x,
            originator: 'JP',
            marking: 'GOKUHI',
            categories: ['dprk-missile'],
            releasableTo: null,
            title: 't',
            body: 'b',
          }),
          senderMarking: 'S',
          consent,
        },
      };
      const jwe = sealMessage(m, usKeys.signing, krEnc);
      const body = Buffer.from(JSON.stringify({ messages: [jwe] }));
      const headers = signRequest(
        { method: 'POST', authority: target.host, path: target.pathname, body },
        usKeys.signing,
        'US',
        Date.now(),
      );
      return fetch(target, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      }).then(async (res) => ({ status: res.status, body: (await res.json()) as Json }));
    };
    expect(receiptOf(await forwardWith(consentFor(y, 'KR')))).toMatchObject({
      status: 'refused',
      code: 'consent-required',
    });
    expect(receiptOf(await forwardWith(consentFor(x, 'JP')))).toMatchObject({
      status: 'refused',
      code: 'consent-required',
    });
    expect((await inbox('KR')).some((e) => e.item === x)).toBe(false);
    // The control: JP's consent for this item, this holder and this recipient lets it through.
    expect(receiptOf(await forwardWith(consentFor(x, 'KR')))).toMatchObject({
      status: 'accepted',
    });
    expect((await inbox('KR')).some((e) => e.item === x && e.from === 'US')).toBe(true);
  }, 60_000);

  it('a flood of unsigned requests is refused; the log records them at a bounded rate and counts the rest', async () => {
    const sizeBefore = await logSize('US');
    const target = `${url('US')}/v1/federation/messages`;
    const codes = await Promise.all(
      Array.from({ length: 300 }, () =>
        fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"messages":[]}',
        }).then((r) => r.status),
      ),
    );
    expect(new Set(codes)).toEqual(new Set([401]));
    const grown = (await logSize('US')) - sizeBefore;
    expect(grown).toBeGreaterThan(0);
    expect(grown).toBeLessThan(300);
    // The next refusal logged says how many were not.
    await new Promise((r) => setTimeout(r, 200));
    expect(
      (
        await fetch(target, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(401);
    const refusals = (await logEntries('US', sizeBefore)).filter(
      (e) => e.type === 'message.refused',
    );
    const notLogged = refusals.reduce(
      (n, e) => n + (((e.subject as Json).alsoRefusedNotLogged as number | undefined) ?? 0),
      0,
    );
    expect(notLogged).toBeGreaterThan(0);
    expect(refusals.length + notLogged).toBe(301);
  });

  it('counterfactual: the agreement ends at its instant; a queued envelope never leaves after it; the hub route through US with JP’s consent works', async () => {
    const end = Date.now() + 6_000;
    await terminateGsomia(trio, end);
    // KR is down when JP queues one more release before the end: it cannot be delivered in time.
    await trio.members.KR.proc.stop();
    const late = await createItem('JP', 'GOKUHI', ['dprk-missile'], 'Queued before the end');
    const queued = await http(url('JP'), 'POST', `/v1/items/${late}/release`, tok('JP', 'ra'), {
      to: 'KR',
    });
    expect(queued.status).toBe(202);
    expect(Date.now()).toBeLessThan(end);
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now()) + 300));
    await trio.restart('KR');
    const settled = await waitFor('the queued envelope to settle', async () => {
      const rows = (await http(url('JP'), 'GET', '/v1/outbox', tok('JP', 'auditor')))
        .body as Json[];
      const row = rows.find((r) => r.envelope === (queued.body as Json).envelope);
      return row !== undefined && row.state !== 'pending' ? row : undefined;
    });
    expect(settled).toMatchObject({ state: 'withheld', lastError: 'hub-route-required' });
    expect((await inbox('KR')).some((e) => e.item === late)).toBe(false);
    for (const p of ['JP', 'KR'] as const) {
      const a = (await http(url(p), 'GET', '/v1/agreements/gsomia-jp-kr-2016', tok(p, 'officer')))
        .body as Json;
      expect({ p, state: a.state, endedBy: a.endedBy }).toEqual({
        p,
        state: 'terminated',
        endedBy: 'mutual',
      });
    }
    // An envelope under the ended agreement, sent to KR anyway (JP's keys, a valid
    // request): KR decides it with its own copy, refuses it, logs it, stores nothing.
    const krIdentity = JSON.parse(
      Buffer.from(
        (await http(url('KR'), 'GET', '/v1/federation/identity')).text.split('.')[1] as string,
        'base64url',
      ).toString(),
    ) as { encryptionKey: string };
    const jpSigning = trio.keys('JP').signing;
    const stale: Message<'item'> = {
      v: 1,
      id: randomUUID(),
      type: 'item',
      from: 'JP',
      to: 'KR',
      sentAt: new Date().toISOString(),
      body: {
        kind: 'release',
        item: signedItem(jpSigning, {
          id: late,
          originator: 'JP',
          marking: 'GOKUHI',
          categories: ['dprk-missile'],
          releasableTo: null,
          title: 'Queued before the end',
          body: 'Queued before the end body',
        }),
        senderMarking: 'GOKUHI',
        recipientMarking: 'II',
        agreements: ['gsomia-jp-kr-2016'],
        consent: null,
      },
    };
    const target = new URL(`${url('KR')}/v1/federation/messages`);
    const staleBody = Buffer.from(
      JSON.stringify({
        messages: [
          sealMessage(
            stale,
            jpSigning,
            x25519PublicKeyFromRaw(Buffer.from(krIdentity.encryptionKey, 'base64')),
          ),
        ],
      }),
    );
    const krSizeBefore = await logSize('KR');
    const staleReply = await fetch(target, {
      method: 'POST',
      headers: {
        ...signRequest(
          { method: 'POST', authority: target.host, path: target.pathname, body: staleBody },
          jpSigning,
          'JP',
          Date.now(),
        ),
        'content-type': 'application/json',
      },
      body: staleBody,
    });
    expect(staleReply.status).toBe(200);
    const staleReceipt = (
      JSON.parse(((await staleReply.json()) as { receipts: string[] }).receipts[0] as string) as {
        receipt: Json;
      }
    ).receipt;
    expect(staleReceipt).toMatchObject({ status: 'refused', code: 'hub-route-required' });
    expect(
      (await logEntries('KR', krSizeBefore)).some(
        (e) =>
          e.type === 'item.received' &&
          e.decision === 'deny' &&
          (e.reasons as string[]).includes('hub-route-required'),
      ),
    ).toBe(true);
    expect((await inbox('KR')).some((e) => e.item === late)).toBe(false);
    const krRead = await http(url('KR'), 'GET', `/v1/items/${late}`, tok('KR', 'officer'));
    expect(krRead.status).toBe(404);
    // The next release is refused, and the refusal suggests the hub route and its consent.
    const direct = await http(url('JP'), 'POST', `/v1/items/${late}/release`, tok('JP', 'ra'), {
      to: 'KR',
    });
    expect(err(direct).code).toBe('hub-route-required');
    // Through the US: release to US, US asks, JP's releasing authority grants, US forwards.
    await http(url('JP'), 'POST', `/v1/items/${late}/release`, tok('JP', 'ra'), { to: 'US' });
    await waitFor('the item at US', async () =>
      ((await http(url('US'), 'GET', '/v1/inbox', tok('US', 'officer'))).body as Json[]).some(
        (e) => e.item === late,
      ),
    );
    const refused = await http(url('US'), 'POST', `/v1/items/${late}/forward`, tok('US', 'ra'), {
      to: 'KR',
    });
    expect(err(refused).code).toBe('consent-required');
    const req = await http(url('US'), 'POST', '/v1/consents/requests', tok('US', 'officer'), {
      item: late,
      to: 'KR',
      note: 'TISA',
    });
    expect(req.status).toBe(201);
    const requestId = (req.body as { id: string }).id;
    await waitFor('JP to receive the request', async () =>
      (
        (await http(url('JP'), 'GET', '/v1/consents/requests?direction=incoming', tok('JP', 'ra')))
          .body as Json[]
      ).some((r) => r.id === requestId),
    );
    const byOfficer = await http(
      url('JP'),
      'POST',
      `/v1/consents/requests/${requestId}/grant`,
      tok('JP', 'officer'),
      { reason: 'no' },
    );
    expect(err(byOfficer).code).toBe('forbidden');
    const granted = await http(
      url('JP'),
      'POST',
      `/v1/consents/requests/${requestId}/grant`,
      tok('JP', 'ra'),
      { reason: 'TISA route for dprk-missile' },
    );
    expect(granted.status).toBe(200);
    await waitFor('US to receive the consent', async () =>
      (
        (
          await http(
            url('US'),
            'GET',
            '/v1/consents/requests?direction=outgoing',
            tok('US', 'officer'),
          )
        ).body as Json[]
      ).some((r) => r.id === requestId && r.status === 'granted'),
    );
    // The consent is kept across a restart of the holder's node.
    await trio.restart('US');
    const fwd = await http(url('US'), 'POST', `/v1/items/${late}/forward`, tok('US', 'ra'), {
      to: 'KR',
    });
    expect(fwd.status).toBe(202);
    const got = await waitFor('the forwarded item at KR', async () =>
      (await inbox('KR')).find((e) => e.item === late),
    );
    expect(got).toMatchObject({
      from: 'US',
      marking: { code: 'II' },
      originatorMarking: { party: 'JP', code: 'GOKUHI' },
    });
  }, 90_000);

  /** `liaison audit verify` at KR of JP's log, as KR's auditor. */
  const krVerifiesJp = () =>
    liaison([
      'audit',
      'verify',
      '--peer',
      url('JP'),
      '--node',
      url('KR'),
      '--token',
      tok('KR', 'auditor'),
    ]);

  it('witnessing: KR cosigns JP’s checkpoints and finds them consistent; after JP’s history is rewritten, KR reports a split view', async () => {
    const first = await http(url('KR'), 'POST', '/v1/peers/JP/witness', tok('KR', 'auditor'));
    expect(first.body).toMatchObject({ ok: true });
    await createItem('JP', 'HI');
    const cli = krVerifiesJp();
    expect(cli.code).toBe(0);
    expect(cli.out).toContain('OK: consistent with every checkpoint');
    // JP serves its checkpoint with KR's cosignature line (C2SP tlog-cosignature).
    const cosigned = await waitFor('JP to serve KR’s cosignature', async () => {
      const rows = (await http(url('JP'), 'GET', '/v1/log/checkpoints', tok('JP', 'auditor')))
        .body as { size: number; note: string; cosignedBy: string[] }[];
      return rows.find((r) => r.cosignedBy.includes('KR'));
    });
    const line = cosigned.note.split('\n').find((l) => l.startsWith('— liaison.local/KR '));
    expect(line).toBeDefined();
    expect(
      verifyCosignature(
        cosigned.note,
        line as string,
        'liaison.local/KR',
        createPublicKey(trio.keys('KR').signing),
      ),
    ).toBe(true);
    expect(
      verifyCosignature(
        cosigned.note.replace(/\n\d+\n/, '\n99999\n'),
        line as string,
        'liaison.local/KR',
        createPublicKey(trio.keys('KR').signing),
      ),
    ).toBe(false);
    // Rewrite JP's history directly in its database, consistently (data and leaf hash).
    await trio.members.JP.proc.stop();
    const db = openSqlite(`${trio.members.JP.init.dir}/store.sqlite`);
    const row = db.prepare('SELECT data FROM log_entries WHERE idx = 1').get() as { data: string };
    const forged = row.data.replace('"party":"JP"', '"party":"XX"');
    db.prepare('UPDATE log_entries SET data = ?, leaf_hash = ? WHERE idx = 1').run(
      forged,
      leafHash(Buffer.from(forged)),
    );
    db.prepare('DELETE FROM checkpoints').run();
    db.close();
    await trio.restart('JP');
    await createItem('JP', 'HI');
    const split = krVerifiesJp();
    expect(split.code).toBe(1);
    expect(split.out).toContain('SPLIT VIEW');
    expect(split.out).toMatch(/not consistent with the one of size \d+ seen before/);
    const krLog = await logEntries('KR');
    expect(krLog.some((e) => e.type === 'witness.split-view')).toBe(true);
  }, 60_000);
});
