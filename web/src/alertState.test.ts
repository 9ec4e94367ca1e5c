import { describe, expect, it } from 'vitest';
import { merge, withAck } from './alertState';
import type { AlertDetail, AlertPayload, AlertView } from './types';

const marking = { party: 'KR', code: 'II', name: '군사II급비밀', en: 'SECRET' };
const alert = (id: string, sent: string, references: string[] = []): AlertView => ({
  id,
  originator: 'JP',
  precedence: 'FLASH',
  marking,
  originatorMarking: { party: 'JP', code: 'GOKUHI', name: '極秘', en: 'SECRET' },
  categories: ['dprk-missile'],
  title: id,
  alert: { sent, references } as unknown as AlertPayload,
  receivedAt: sent,
  supersededBy: null,
  escalations: 0,
});

describe('merge', () => {
  it('keeps what the list said about acknowledgement when an escalation replaces an alert', () => {
    const listed = { ...alert('a1', '2026-01-01T00:00:00Z'), acknowledgedHere: true };
    const escalated = { ...alert('a1', '2026-01-01T00:00:00Z'), escalations: 1 };
    const [a] = merge([listed], escalated);
    expect(a?.escalations).toBe(1);
    expect(a?.acknowledgedHere).toBe(true);
  });

  it('a new alert is not acknowledged; the alerts it references are superseded; newest first', () => {
    const out = merge(
      [alert('a1', '2026-01-01T00:00:00Z')],
      alert('a2', '2026-01-01T00:05:00Z', ['a1']),
    );
    expect(out.map((a) => a.id)).toEqual(['a2', 'a1']);
    expect(out[0]?.acknowledgedHere).toBe(false);
    expect(out[1]?.supersededBy).toBe('a2');
  });
});

describe('withAck', () => {
  const detail: AlertDetail = {
    ...alert('a1', '2026-01-01T00:00:00Z'),
    acks: [],
    parties: [
      { party: 'KR', delivery: 'delivered', deliveredAt: null, firstAckAt: null, acks: 0 },
      { party: 'US', delivery: 'delivered', deliveredAt: null, firstAckAt: null, acks: 0 },
    ],
    logIndex: 7,
  };
  const ack = (user: string, at: string) => ({ party: 'KR', user, at, receivedAt: at });

  it('adds the acknowledgement and updates its party’s row only', () => {
    const d = withAck(detail, ack('kr-officer', '2026-01-01T00:01:00Z'));
    expect(d.acks).toHaveLength(1);
    expect(d.parties[0]).toMatchObject({
      party: 'KR',
      acks: 1,
      firstAckAt: '2026-01-01T00:01:00Z',
    });
    expect(d.parties[1]).toMatchObject({ party: 'US', acks: 0, firstAckAt: null });
  });

  it('counts a user once, and keeps the earliest acknowledgement first', () => {
    const once = withAck(detail, ack('kr-officer', '2026-01-01T00:02:00Z'));
    expect(withAck(once, ack('kr-officer', '2026-01-01T00:02:00Z'))).toBe(once);
    const twice = withAck(once, ack('kr-security-officer', '2026-01-01T00:01:00Z'));
    expect(twice.parties[0]).toMatchObject({ acks: 2, firstAckAt: '2026-01-01T00:01:00Z' });
  });
});
