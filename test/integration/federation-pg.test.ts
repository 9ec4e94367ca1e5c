// The federation on PostgreSQL: JP and KR keep their stores in PostgreSQL (US on
// SQLite); a release travels, its receipt is stored, KR witnesses JP, both logs verify.
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReceipt } from '../../src/federation/receipts.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTrio, type Trio, waitFor } from '../support/federation.js';
import { http, liaison } from '../support/node-process.js';

type Json = Record<string, unknown>;
let trio: Trio;
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  const jp = await createTestDatabase('postgres');
  const kr = await createTestDatabase('postgres');
  dbs.push(jp, kr);
  trio = await startTrio({ JP: jp.target, KR: kr.target });
}, 120_000);

afterAll(async () => {
  await trio?.stop();
  for (const d of dbs) await d.drop();
});

describe('federation on PostgreSQL', () => {
  it('JP → KR release, receipt, a forward through US with consent, witnessing; both logs verify', async () => {
    const m = trio.members;
    const created = await http(m.JP.url, 'POST', '/v1/items', m.JP.tokens.ra, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Launch report',
      body: 'two SRBMs',
    });
    const id = (created.body as { id: string }).id;
    const sent = await http(m.JP.url, 'POST', `/v1/items/${id}/release`, m.JP.tokens.ra, {
      to: 'KR',
    });
    expect(sent.status).toBe(202);
    const envelope = (sent.body as { envelope: string }).envelope;
    const got = await waitFor('the item in KR’s inbox', async () =>
      ((await http(m.KR.url, 'GET', '/v1/inbox', m.KR.tokens.officer)).body as Json[]).find(
        (e) => e.item === id,
      ),
    );
    expect(got).toMatchObject({
      from: 'JP',
      marking: { code: 'II' },
      originatorMarking: { code: 'GOKUHI' },
    });
    const out = await waitFor('the receipt at JP', async () => {
      const r = (await http(m.JP.url, 'GET', `/v1/outbox/${envelope}`, m.JP.tokens.auditor))
        .body as { state: string; receipt: Json | null };
      return r.state === 'delivered' ? r : undefined;
    });
    const receipt = openReceipt(
      JSON.stringify(out.receipt),
      createPublicKey(trio.keys('KR').signing),
    );
    expect(receipt).toMatchObject({ envelope, status: 'accepted', from: 'KR' });
    // KR's inbox now; the forward below adds exactly one entry.
    const inboxSize = (
      (await http(m.KR.url, 'GET', '/v1/inbox', m.KR.tokens.officer)).body as Json[]
    ).length;
    // Through the US hub with JP's consent (US on SQLite, JP and KR on PostgreSQL).
    await http(m.JP.url, 'POST', `/v1/items/${id}/release`, m.JP.tokens.ra, { to: 'US' });
    await waitFor('the item at US', async () =>
      ((await http(m.US.url, 'GET', '/v1/inbox', m.US.tokens.officer)).body as Json[]).some(
        (e) => e.item === id,
      ),
    );
    const other = await http(m.JP.url, 'POST', '/v1/items', m.JP.tokens.ra, {
      marking: 'HI',
      categories: ['dprk-missile'],
      title: 'Track',
      body: 't',
    });
    const otherId = (other.body as { id: string }).id;
    await http(m.JP.url, 'POST', `/v1/items/${otherId}/release`, m.JP.tokens.ra, { to: 'US' });
    await waitFor('the track at US', async () =>
      ((await http(m.US.url, 'GET', '/v1/inbox', m.US.tokens.officer)).body as Json[]).some(
        (e) => e.item === otherId,
      ),
    );
    const req = await http(m.US.url, 'POST', '/v1/consents/requests', m.US.tokens.officer, {
      item: otherId,
      to: 'KR',
      note: 'TISA',
    });
    expect(req.status).toBe(201);
    const requestId = (req.body as { id: string }).id;
    await waitFor('JP to receive the request', async () =>
      (
        (await http(m.JP.url, 'GET', '/v1/consents/requests?direction=incoming', m.JP.tokens.ra))
          .body as Json[]
      ).some((r) => r.id === requestId),
    );
    const granted = await http(
      m.JP.url,
      'POST',
      `/v1/consents/requests/${requestId}/grant`,
      m.JP.tokens.ra,
      { reason: 'TISA' },
    );
    expect(granted.status).toBe(200);
    await waitFor('US to hold the consent', async () =>
      (
        (
          await http(
            m.US.url,
            'GET',
            '/v1/consents/requests?direction=outgoing',
            m.US.tokens.officer,
          )
        ).body as Json[]
      ).some((r) => r.id === requestId && r.status === 'granted'),
    );
    const fwd = await http(m.US.url, 'POST', `/v1/items/${otherId}/forward`, m.US.tokens.ra, {
      to: 'KR',
    });
    expect(fwd.status).toBe(202);
    await waitFor('the forwarded track at KR', async () =>
      ((await http(m.KR.url, 'GET', '/v1/inbox', m.KR.tokens.officer)).body as Json[]).some(
        (e) => e.item === otherId && e.from === 'US',
      ),
    );
    expect(
      ((await http(m.KR.url, 'GET', '/v1/inbox', m.KR.tokens.officer)).body as Json[]).length,
    ).toBe(inboxSize + 1);
    // KR witnesses JP: consistent, and JP then serves KR's cosignature.
    const witness = await http(m.KR.url, 'POST', '/v1/peers/JP/witness', m.KR.tokens.auditor);
    expect(witness.body).toMatchObject({ ok: true });
    await waitFor('JP to serve KR’s cosignature', async () =>
      (
        (await http(m.JP.url, 'GET', '/v1/log/checkpoints', m.JP.tokens.auditor)).body as {
          cosignedBy: string[];
        }[]
      ).some((c) => c.cosignedBy.includes('KR')),
    );
    for (const p of ['JP', 'KR', 'US'] as const) {
      const v = liaison(['audit', 'verify', '--node', m[p].url, '--token', m[p].tokens.auditor]);
      expect({ p, code: v.code }).toEqual({ p, code: 0 });
    }
  }, 120_000);
});
