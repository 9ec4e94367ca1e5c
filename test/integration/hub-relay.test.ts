// Through the hub (issue 11, point 7): JP and KR are NOT peered; each is peered only
// with US. Agreements bind everywhere because US relays every signature with the
// signatories' keys; KR learns JP's key from the countersigned TISA. A JP alert
// reaches KR through US (JP's consent asked by US); KR checks JP's manifest with the
// agreement-bound key, acknowledges it, and JP records the acknowledgement signed by
// KR, relayed by US. A relay whose inner message was altered, or signed by US in KR's
// name, is refused at JP and logged.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyJws, x25519PublicKeyFromRaw } from '../../src/crypto/jose.js';
import { signRelayed } from '../../src/federation/messages.js';
import { ed25519PublicKeyFromRaw } from '../../src/log/note.js';
import { openSqlite } from '../../src/store/db.js';
import { type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import { envelope, postSealed } from '../support/hostile.js';
import { http } from '../support/node-process.js';

type Json = Record<string, unknown>;
let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, role: 'officer' | 'ra' | 'clerk' | 'auditor' | 'admin') =>
  trio.members[p].tokens[role];

async function identityOf(p: Party): Promise<{ signingKey: string; encryptionKey: string }> {
  const res = await fetch(`${url(p)}/v1/federation/identity`);
  const jws = await res.text();
  return JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

function rows<T>(p: Party, query: string, ...args: unknown[]): T[] {
  const db = openSqlite(`${trio.members[p].init.dir}/store.sqlite`, { readonly: true });
  try {
    return db.prepare(query).all(...args) as T[];
  } finally {
    db.close();
  }
}

async function logEntries(p: Party): Promise<Json[]> {
  const r = (await http(url(p), 'GET', '/v1/log/entries?start=0&limit=10000', tok(p, 'auditor')))
    .body as { data?: string }[];
  return r.flatMap((x) => (x.data === undefined ? [] : [JSON.parse(x.data) as Json]));
}

beforeAll(async () => {
  trio = await startTrio({}, [], { unpeered: [['JP', 'KR']] });
}, 60_000);

afterAll(async () => {
  await trio?.stop();
});

describe('through the hub: JP and KR not peered', () => {
  let alertId = '';

  it('TISA binds at all three; KR binds it with the JP key it learnt through US', async () => {
    for (const p of ['JP', 'KR', 'US'] as const) {
      const peers = (await http(url(p), 'GET', '/v1/peers', tok(p, 'admin'))).body as Json[];
      if (p !== 'US') expect(peers.map((x) => x.party)).toEqual(['US']);
      const list = (await http(url(p), 'GET', '/v1/agreements', tok(p, 'admin'))).body as Json[];
      expect(list.find((a) => a.id === 'tisa-2014')).toMatchObject({ binding: true });
    }
    const jp = await identityOf('JP');
    const bound = rows<{ party: string; signing_key: string; binding: number }>(
      'KR',
      "SELECT party, signing_key, binding FROM agreement_keys WHERE agreement_id = 'tisa-2014'",
    );
    expect(bound.find((r) => r.party === 'JP')).toMatchObject({
      signing_key: jp.signingKey,
      binding: 1,
    });
    // The console and CLI show them, for the operators to compare out of band.
    const keys = (
      await http(url('KR'), 'GET', '/v1/agreements/tisa-2014/keys', tok('KR', 'officer'))
    ).body as Json[];
    expect(keys.map((k) => [k.party, k.source])).toEqual([
      ['JP', 'agreement'],
      ['KR', 'own'],
      ['US', 'pinned'],
    ]);
    expect(keys[0]).toMatchObject({
      signingKey: jp.signingKey,
      sha256: createHash('sha256').update(Buffer.from(jp.signingKey, 'base64')).digest('hex'),
    });
    const none = await http(url('KR'), 'GET', '/v1/agreements/no-such/keys', tok('KR', 'officer'));
    expect(none.status).toBe(404);
  });

  it('a JP alert reaches KR through US with JP consent; KR acknowledges it through US; JP records it signed by KR', async () => {
    const preset = (await http(url('JP'), 'GET', '/v1/alerts/presets/launch', tok('JP', 'officer')))
      .body as Json;
    const sent = await http(url('JP'), 'POST', '/v1/alerts', tok('JP', 'ra'), {
      alert: preset,
      to: ['US'],
    });
    expect(sent.status, sent.text).toBe(201);
    alertId = (sent.body as { id: string }).id;
    await waitFor('the alert at US', async () =>
      ((await http(url('US'), 'GET', '/v1/inbox', tok('US', 'officer'))).body as Json[]).some(
        (e) => e.item === alertId,
      ),
    );
    const req = await http(url('US'), 'POST', '/v1/consents/requests', tok('US', 'officer'), {
      item: alertId,
      to: 'KR',
      note: 'TISA',
    });
    expect(req.status, req.text).toBe(201);
    const requestId = (req.body as { id: string }).id;
    await waitFor('JP to receive the request', async () =>
      (
        (await http(url('JP'), 'GET', '/v1/consents/requests?direction=incoming', tok('JP', 'ra')))
          .body as Json[]
      ).some((r) => r.id === requestId),
    );
    const granted = await http(
      url('JP'),
      'POST',
      `/v1/consents/requests/${requestId}/grant`,
      tok('JP', 'ra'),
      { reason: 'TISA route' },
    );
    expect(granted.status, granted.text).toBe(200);
    await waitFor('US to receive the consent', async () =>
      (
        (await http(url('US'), 'GET', '/v1/consents/requests?direction=outgoing', tok('US', 'ra')))
          .body as Json[]
      ).some((r) => r.id === requestId && r.status === 'granted'),
    );
    const fwd = await http(url('US'), 'POST', `/v1/items/${alertId}/forward`, tok('US', 'ra'), {
      to: 'KR',
    });
    expect(fwd.status, fwd.text).toBe(202);
    // KR checked JP's manifest (and consent) with the key bound in TISA: it accepted.
    const got = await waitFor('the alert at KR', async () =>
      ((await http(url('KR'), 'GET', '/v1/inbox', tok('KR', 'officer'))).body as Json[]).find(
        (e) => e.item === alertId,
      ),
    );
    expect(got).toMatchObject({ from: 'US', originatorMarking: { party: 'JP', code: 'GOKUHI' } });

    const ack = await http(url('KR'), 'POST', `/v1/alerts/${alertId}/ack`, tok('KR', 'officer'));
    expect(ack.status, ack.text).toBe(200);
    expect(ack.body).toMatchObject({ party: 'KR', user: 'kr-officer', sentTo: 'JP' });
    const recorded = await waitFor('JP to record KR acknowledgement', async () =>
      rows<{ party: string; user_id: string; signature: string }>(
        'JP',
        'SELECT party, user_id, signature FROM alert_acks WHERE item_id = ? AND party = ?',
        alertId,
        'KR',
      ).at(0),
    );
    expect(recorded.user_id).toBe('kr-officer');
    // Signed by KR, not by the hub.
    const kr = ed25519PublicKeyFromRaw(Buffer.from((await identityOf('KR')).signingKey, 'base64'));
    const v = verifyJws(recorded.signature, kr);
    expect(JSON.parse(v.payload.toString('utf8'))).toMatchObject({
      alert: alertId,
      party: 'KR',
      user: 'kr-officer',
    });
    // The hub logged that it relayed it.
    const relayed = (await logEntries('US')).filter((e) => e.type === 'message.relayed');
    expect(relayed.some((e) => (e.subject as Json).to === 'JP')).toBe(true);
  });

  it('a relay altered, or signed by US in KR name, is refused at JP and logged', async () => {
    const us = trio.keys('US');
    const jpEnc = x25519PublicKeyFromRaw(
      Buffer.from((await identityOf('JP')).encryptionKey, 'base64'),
    );
    const usSigning = us.signing;
    const ackBody = { ack: 'e30.e30.AAAA' };
    const inner = {
      v: 1,
      id: 'forged-inner-1',
      type: 'alert.ack',
      from: 'KR',
      to: 'JP',
      sentAt: new Date().toISOString(),
      body: ackBody,
    };
    // US signs a message in KR's name.
    const forged = signRelayed(inner, 'KR', usSigning);
    // An honest-looking relay whose inner payload was changed after signing.
    const parts = signRelayed({ ...inner, id: 'altered-inner-1' }, 'US', usSigning).split('.');
    const alteredPayload = Buffer.from(
      JSON.stringify({ ...inner, id: 'altered-inner-1', from: 'US', body: { ack: 'x.y.z' } }),
    ).toString('base64url');
    const altered = `${parts[0]}.${alteredPayload}.${parts[2]}`;
    const r = await postSealed(
      url('JP'),
      [
        envelope('relay', 'US', 'JP', { to: 'JP', message: forged }),
        envelope('relay', 'US', 'JP', { to: 'JP', message: altered }),
      ],
      us.signing,
      'US',
      jpEnc,
    );
    expect(r.status).toBe(200);
    const codes = (r.body as { receipts: string[] }).receipts.map(
      (t) => (JSON.parse(t) as { receipt: { code: string } }).receipt.code,
    );
    expect(codes).toEqual(['bad-signature', 'bad-signature']);
    const refused = (await logEntries('JP')).filter(
      (e) => e.type === 'message.refused' && (e.subject as Json).type === 'relay',
    );
    expect(refused.length).toBeGreaterThanOrEqual(2);
    // Nothing recorded: JP still holds exactly one acknowledgement by KR.
    expect(
      rows('JP', 'SELECT * FROM alert_acks WHERE item_id = ? AND party = ?', alertId, 'KR').length,
    ).toBe(1);
  });
});
