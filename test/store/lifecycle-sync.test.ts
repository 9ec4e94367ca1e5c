// The rows of agreements in step (migration 0010-lifecycle-sync) on both databases:
// lifecycle messages sent and acknowledged, whether one is still in flight, and a
// partner's last status report kept (a later one replaces it).
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/db.js';
import {
  acknowledgeLifecycle,
  envelopeState,
  insertLifecycleSent,
  lifecycleDeliveries,
  lifecycleInFlight,
  lifecycleSent,
  peerStatus,
  peerStatuses,
  savePeerStatus,
} from '../../src/store/lifecycle-sync.js';
import { insertEnvelope } from '../../src/store/outbox.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const GSOMIA = 'gsomia-jp-kr-2016';
let db: TestDatabase | null = null;
let store: Store | null = null;

afterEach(async () => {
  await store?.close();
  store = null;
  await db?.drop();
  db = null;
});

describe.each(['sqlite', 'postgres'] as const)('agreements in step on %s', (kind) => {
  it('keeps lifecycle messages with their outcome and acknowledgement, and partners’ last reports', async () => {
    db = await createTestDatabase(kind);
    store = await openStore(db.target, 'test passphrase');
    const q = store.db;
    const envelope = (id: string, state: string, lastError: string | null = null) =>
      insertEnvelope(q, {
        id,
        peer: 'KR',
        seq: id.length,
        type: 'agreement.lifecycle',
        payload: '{}',
        state,
        attempts: 0,
        next_attempt_at: 0,
        last_error: lastError,
        receipt: null,
        created_at: 1,
        settled_at: null,
        item_id: null,
      });
    await envelope('e1', 'delivered');
    await envelope('e22', 'refused', 'stale-instant');
    for (const [id, at] of [
      ['e1', 1_000],
      ['e22', 2_000],
    ] as const)
      await insertLifecycleSent(q, {
        envelope: id,
        agreement_id: GSOMIA,
        peer: 'KR',
        action: 'notice',
        at,
        sent_at: at,
      });
    // Delivered, not yet acknowledged: in flight. A refused one is not.
    expect(await lifecycleInFlight(q, GSOMIA, 'KR')).toBe(true);
    expect(await lifecycleInFlight(q, GSOMIA, 'US')).toBe(false);
    await acknowledgeLifecycle(q, 'e1', {
      at: 1_000,
      status: '{}',
      differs: '[]',
      receivedAt: 1_500,
    });
    // The first acknowledgement stands.
    await acknowledgeLifecycle(q, 'e1', { at: 9, status: '{}', differs: '["at"]', receivedAt: 9 });
    expect(await lifecycleInFlight(q, GSOMIA, 'KR')).toBe(false);
    expect(await lifecycleSent(q, 'e1', 'KR')).toMatchObject({ ack_at: 1_000, ack_differs: '[]' });
    expect(await lifecycleSent(q, 'e1', 'US')).toBeUndefined();
    expect(
      (await lifecycleDeliveries(q, GSOMIA)).map((d) => [d.envelope, d.state, d.last_error]),
    ).toEqual([
      ['e1', 'delivered', null],
      ['e22', 'refused', 'stale-instant'],
    ]);
    expect(await lifecycleDeliveries(q, 'other')).toEqual([]);
    expect(await envelopeState(q, 'e22')).toBe('refused');
    expect(await envelopeState(q, 'nope')).toBeUndefined();

    const report = (at: number, differs: string) => ({
      agreement_id: GSOMIA,
      peer: 'KR',
      at,
      received_at: at + 1,
      envelope: `s${at}`,
      status: '{}',
      own: '{}',
      differs,
    });
    await savePeerStatus(q, report(5_000, '["state"]'));
    await savePeerStatus(q, report(6_000, '[]'));
    expect(await peerStatus(q, GSOMIA, 'KR')).toMatchObject({ at: 6_000, differs: '[]' });
    expect(await peerStatuses(q)).toHaveLength(1);
  });
});
