// Agreements in step between nodes (docs/wire.md §5.6, §5.13, §5.14): the freshness
// window of a partner's lifecycle instant, and how two statuses are compared.
import { describe, expect, it } from 'vitest';
import { LiaisonError } from '../../src/core/index.js';
import {
  differences,
  sharedAgreements,
  statusOnWire,
} from '../../src/federation/agreement-status.js';
import { freshInstant, LIFECYCLE_WINDOW_MS } from '../../src/federation/handlers/arrival.js';
import { MAX_SKEW_MS } from '../../src/federation/httpsig.js';
import type { StatusOnWire } from '../../src/federation/messages.js';
import { act, ms, world } from './helpers.js';

const GSOMIA = 'gsomia-jp-kr-2016';
const NOW = ms('2026-11-28T08:00:00Z');

/** The error freshInstant throws for `at`, or null when it accepts it. */
function refusal(at: number): { code: string; message: string } | null {
  try {
    expect(freshInstant(at, NOW, 'the notice')).toBe(at);
    return null;
  } catch (e) {
    if (!(e instanceof LiaisonError)) throw e;
    return { code: e.code, message: e.message };
  }
}

describe('the freshness window of a lifecycle instant', () => {
  it('accepts an instant from 5 minutes before arrival to 60 s after, bounds included', () => {
    expect(LIFECYCLE_WINDOW_MS).toBe(5 * 60_000);
    expect(MAX_SKEW_MS).toBe(60_000);
    for (const at of [NOW, NOW - LIFECYCLE_WINDOW_MS, NOW + MAX_SKEW_MS, NOW - 1, NOW + 1])
      expect({ at, refused: refusal(at) }).toEqual({ at, refused: null });
  });

  it('refuses an instant more than 5 minutes old as stale-instant, naming it and the arrival', () => {
    const r = refusal(NOW - LIFECYCLE_WINDOW_MS - 1);
    expect(r?.code).toBe('stale-instant');
    expect(r?.message).toContain('more than 5 minutes before it arrived (2026-11-28T08:00:00Z)');
  });

  it('refuses the 2016 notice of the incident as stale-instant', () => {
    const r = refusal(ms('2016-12-01T09:00:00+09:00'));
    expect(r).toEqual({
      code: 'stale-instant',
      message:
        'the notice is dated 2016-12-01T00:00:00Z, more than 5 minutes before it arrived (2026-11-28T08:00:00Z): not recorded; the sender must act again',
    });
  });

  it('refuses an instant more than 60 s ahead of the receiver’s clock as stale-instant', () => {
    const r = refusal(NOW + MAX_SKEW_MS + 1);
    expect(r?.code).toBe('stale-instant');
    expect(r?.message).toContain('more than 60 s ahead');
  });
});

describe('comparing two nodes’ status of an agreement', () => {
  const w = world({ agreements: [GSOMIA, 'gsomia-us-jp-2007', 'tisa-2014'] });
  const gsomia = w.agreements.get(GSOMIA);
  if (gsomia === undefined) throw new Error(GSOMIA);
  const inForce = statusOnWire(gsomia.statusAt(NOW));

  it('puts a status on the wire with its instants in UTC', () => {
    expect(inForce).toEqual({
      state: 'in-force',
      endedBy: null,
      endedAt: null,
      notice: null,
      contested: false,
    });
    const w2 = world({ agreements: [GSOMIA] });
    expect(
      act(w2, '2019-08-23T10:00:00+09:00', { kind: 'notice', agreement: GSOMIA, by: 'KR' }),
    ).toMatchObject({ decision: 'allow' });
    const s = w2.agreements.get(GSOMIA)?.statusAt(ms('2019-12-01T00:00:00Z'));
    if (s === undefined) throw new Error(GSOMIA);
    expect(statusOnWire(s)).toEqual({
      state: 'terminated',
      endedBy: 'notice',
      endedAt: '2019-11-22T15:00:00Z',
      notice: {
        by: 'KR',
        receivedAt: '2019-08-23T01:00:00Z',
        target: '2019-11-22T15:00:00Z',
        suspended: false,
      },
      contested: false,
    });
  });

  const withNotice: StatusOnWire = {
    ...inForce,
    notice: {
      by: 'JP',
      receivedAt: '2026-11-28T08:00:00Z',
      target: '2027-11-22T15:00:00Z',
      suspended: false,
    },
  };

  it('finds no difference between equal statuses, however their instants are written', () => {
    expect(differences(inForce, { ...inForce })).toEqual([]);
    expect(
      differences(withNotice, {
        ...withNotice,
        notice: {
          by: 'JP',
          receivedAt: '2026-11-28T17:00:00+09:00',
          target: '2027-11-23T00:00:00.000+09:00',
          suspended: false,
        },
      }),
    ).toEqual([]);
  });

  it('names each member that differs', () => {
    expect(differences(inForce, withNotice)).toEqual(['notice']);
    expect(
      differences(withNotice, {
        ...withNotice,
        notice: {
          by: 'KR',
          receivedAt: '2026-11-28T08:00:00Z',
          target: '2028-11-22T15:00:00Z',
          suspended: true,
        },
      }),
    ).toEqual(['notice.by', 'notice.target', 'notice.suspended']);
    expect(
      differences(inForce, {
        state: 'terminated',
        endedBy: 'mutual',
        endedAt: '2026-11-28T08:00:00Z',
        notice: null,
        contested: true,
      }),
    ).toEqual(['state', 'endedBy', 'endedAt', 'contested']);
  });

  it('throws on an instant it cannot read (the message is then malformed)', () => {
    expect(() => differences(inForce, { ...inForce, endedAt: '2026-02-30T00:00:00Z' })).toThrow();
  });

  it('compares the agreements binding for both parties, by id', () => {
    expect(sharedAgreements(w, 'JP', 'KR')).toEqual([GSOMIA, 'tisa-2014']);
    expect(sharedAgreements(w, 'JP', 'US')).toEqual(['gsomia-us-jp-2007', 'tisa-2014']);
    expect(sharedAgreements(w, 'KR', 'US')).toEqual(['tisa-2014']);
  });
});
