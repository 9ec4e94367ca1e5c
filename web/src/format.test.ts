// Instants as the console shows them: an agreement's in its own zone, named; every
// other one in the viewer's zone, named; in English, Japanese and Korean alike.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  forbiddenRoles,
  formatInstant,
  isKnownZone,
  joinList,
  noticeShown,
  viewerZone,
  zoneName,
} from './format';

// The GSOMIA deadline: 24 Aug 2027 15:00 UTC is 25 Aug 2027 00:00 in Seoul.
const deadline = '2027-08-24T15:00:00Z';
const ms = Date.parse(deadline);

beforeAll(() => {
  // The viewer sits in London (British Summer Time in August), not in any agreement's zone.
  vi.stubEnv('TZ', 'Europe/London');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

describe("an agreement's instants: the agreement's zone, named", () => {
  it('English', () => {
    expect(formatInstant(deadline, 'en', { timeZone: 'Asia/Seoul' })).toBe(
      '25 Aug 2027, 00:00 GMT+9 (South Korea Time)',
    );
    expect(formatInstant(deadline, 'en', { timeZone: 'America/New_York' })).toBe(
      '24 Aug 2027, 11:00 GMT-4 (New York Time)',
    );
  });
  it('Japanese: the same instant in Seoul time, not UTC', () => {
    expect(formatInstant(deadline, 'ja', { timeZone: 'Asia/Seoul' })).toBe(
      '2027年8月25日 00:00 GMT+9（韓国時間）',
    );
    // Tokyo's short name is already a name: no repetition.
    expect(formatInstant(deadline, 'ja', { timeZone: 'Asia/Tokyo' })).toBe(
      '2027年8月25日 00:00 JST',
    );
  });
  it('Korean', () => {
    expect(formatInstant(deadline, 'ko', { timeZone: 'Asia/Seoul' })).toBe(
      '2027년 8월 25일 00:00 GMT+9 (대한민국 시간)',
    );
  });
  it('UTC is named once', () => {
    expect(formatInstant(deadline, 'en', { timeZone: 'UTC' })).toBe('24 Aug 2027, 15:00 UTC');
  });
  it('with seconds', () => {
    expect(
      formatInstant('2027-08-24T14:59:59Z', 'en', { timeZone: 'Asia/Seoul', seconds: true }),
    ).toBe('24 Aug 2027, 23:59:59 GMT+9 (South Korea Time)');
  });
  it('follows daylight saving in the agreement’s zone', () => {
    expect(formatInstant('2027-01-10T05:00:00Z', 'en', { timeZone: 'America/New_York' })).toBe(
      '10 Jan 2027, 00:00 GMT-5 (New York Time)',
    );
  });
});

describe("other instants: the viewer's zone, named", () => {
  it('uses the browser’s zone in every language', () => {
    expect(viewerZone()).toBe('Europe/London');
    expect(formatInstant(deadline, 'en')).toBe('24 Aug 2027, 16:00 BST');
    expect(formatInstant(deadline, 'ja')).toMatch(/^2027年8月24日 16:00 (BST|GMT\+1)$/);
    expect(formatInstant(deadline, 'ko')).toMatch(/^2027년 8월 24일 16:00 (BST|GMT\+1)$/);
  });
  it('an unknown agreement zone falls back to the viewer’s, whose name shows it', () => {
    expect(isKnownZone('Mars/Olympus_Mons')).toBe(false);
    expect(formatInstant(deadline, 'en', { timeZone: 'Mars/Olympus_Mons' })).toBe(
      '24 Aug 2027, 16:00 BST',
    );
  });
});

describe('inputs', () => {
  it('a missing instant is a dash; an unparseable one is shown as given', () => {
    expect(formatInstant(null, 'en')).toBe('—');
    expect(formatInstant(undefined, 'ja')).toBe('—');
    expect(formatInstant('next Tuesday', 'en')).toBe('next Tuesday');
  });
});

describe('zoneName', () => {
  it('short for the viewer, with the generic name for an agreement', () => {
    expect(zoneName(ms, 'en', 'Asia/Seoul', false)).toBe('GMT+9');
    expect(zoneName(ms, 'en', 'Asia/Seoul', true)).toBe('GMT+9 (South Korea Time)');
    expect(zoneName(ms, 'ko', 'Asia/Tokyo', true)).toBe('GMT+9 (일본 시간)');
  });
});

describe('noticeShown', () => {
  it('a terminated agreement never shows a pending notice', () => {
    expect(noticeShown('terminated', { suspended: false })).toBe('none');
    expect(noticeShown('terminated', { suspended: true })).toBe('none');
  });
  it('a suspended notice is shown as suspended, an active one as pending', () => {
    expect(noticeShown('in-force', { suspended: true })).toBe('suspended');
    expect(noticeShown('in-force', { suspended: false })).toBe('pending');
    expect(noticeShown('in-force', null)).toBe('none');
  });
});

describe('joinList', () => {
  it('joins as each language does', () => {
    expect(joinList(['officer', 'auditor', 'admin'], 'en')).toBe('officer, auditor and admin');
    expect(joinList(['releasing authority', 'admin'], 'en', 'disjunction')).toBe(
      'releasing authority or admin',
    );
    expect(joinList(['提供権限者', '管理者'], 'ja', 'disjunction')).toBe('提供権限者または管理者');
    expect(joinList(['제공 승인권자', '관리자'], 'ko', 'disjunction')).toBe(
      '제공 승인권자 또는 관리자',
    );
  });
});

describe('forbiddenRoles', () => {
  const roles = ['officer', 'releasing-authority', 'security-officer', 'auditor', 'admin'];
  it('reads the roles needed and held from the node’s message', () => {
    expect(
      forbiddenRoles('this needs the role releasing-authority or admin; you have officer', roles),
    ).toEqual({ needed: ['releasing-authority', 'admin'], held: ['officer'] });
  });
  it('does not read security-officer as officer', () => {
    expect(
      forbiddenRoles(
        'this needs one of the roles security-officer; you have auditor, officer',
        roles,
      ),
    ).toEqual({ needed: ['security-officer'], held: ['auditor', 'officer'] });
  });
  it('no role named: null; no role held: empty', () => {
    expect(forbiddenRoles('forbidden', roles)).toBeNull();
    expect(forbiddenRoles('this needs the role admin; you have no role', roles)).toEqual({
      needed: ['admin'],
      held: [],
    });
  });
});

describe('shortZone', () => {
  it('names the agreement’s zone by its offset only, for labels short of room', () => {
    expect(formatInstant(deadline, 'en', { timeZone: 'Asia/Seoul', shortZone: true })).toBe(
      '25 Aug 2027, 00:00 GMT+9',
    );
  });
});
