// The CLI's wording helpers (issue 12): one form for markings, English plurals, cells
// cut to fit, times in a named zone, notices in words, refusals told by their flag,
// paging, and the node's schema refusals in words.
import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { ItemBody } from '../../src/api/item-schemas.js';
import { validationError } from '../../src/api/validation.js';
import { RemoteError, withFlag } from '../../src/cli/client.js';
import { clip, count, markingText } from '../../src/cli/format.js';
import { noticeWords, stateWords } from '../../src/cli/lifecycle-words.js';
import { pageLines, pageOf } from '../../src/cli/remote.js';
import { displayWidth } from '../../src/cli/text.js';
import { clockIn, localZone, offsetIn, relative, timeIn, zoneHeader } from '../../src/cli/time.js';

const GOKUHI = { party: 'JP', code: 'GOKUHI', name: '極秘', en: 'SECRET' };
const II = { party: 'KR', code: 'II', name: '군사II급비밀', en: 'SECRET' };
const S = { party: 'US', code: 'S', name: 'SECRET', en: 'SECRET' };
const JP_U = { party: 'JP', code: 'U', name: '指定なし', en: 'NOT DESIGNATED (unclassified)' };

describe('markingText: one form everywhere', () => {
  it('party, native name, English gloss in parentheses', () => {
    expect(markingText(GOKUHI)).toBe('JP 極秘 (SECRET)');
    expect(markingText(II)).toBe('KR 군사II급비밀 (SECRET)');
  });
  it('no gloss when it is the name; a gloss with parentheses is flattened', () => {
    expect(markingText(S)).toBe('US SECRET');
    expect(markingText(JP_U)).toBe('JP 指定なし (NOT DESIGNATED, unclassified)');
  });
  it('without the party where a column names it; a dash for none', () => {
    expect(markingText(II, { party: false })).toBe('군사II급비밀 (SECRET)');
    expect(markingText(null)).toBe('—');
    expect(markingText(undefined)).toBe('—');
  });
});

describe('count: English plural rules', () => {
  it('one and other', () => {
    expect(count(1, 'attempt')).toBe('1 attempt');
    expect(count(2, 'attempt')).toBe('2 attempts');
    expect(count(0, 'alert')).toBe('0 alerts');
    expect(count(1, 'entry', 'entries')).toBe('1 entry');
    expect(count(7, 'entry', 'entries')).toBe('7 entries');
  });
});

describe('clip: a cell that fits', () => {
  it('keeps what fits, cuts the rest with an ellipsis, counting CJK as two columns', () => {
    expect(clip('short', 10)).toBe('short');
    expect(clip('a title that is too long', 10)).toBe('a title t…');
    const cut = clip('一二三四五六七八九十', 9);
    expect(cut).toBe('一二三四…');
    expect(displayWidth(cut)).toBeLessThanOrEqual(9);
    expect(clip('two\nlines', 20)).toBe('two lines');
  });
});

describe('times: the zone named, the wall clock of that zone', () => {
  const at = '2019-11-22T15:00:00Z'; // midnight of 23 November in Seoul
  it('timeIn names the zone and its offset; UTC is UTC', () => {
    expect(timeIn(at, 'Asia/Seoul')).toBe('2019-11-23 00:00 Asia/Seoul (UTC+09:00)');
    expect(timeIn(at, 'UTC')).toBe('2019-11-22 15:00 UTC');
    expect(timeIn(Date.parse(at) + 5_000, 'UTC')).toBe('2019-11-22 15:00:05 UTC');
  });
  it('follows summer time in a zone that has it', () => {
    expect(timeIn('2024-07-01T12:00:00Z', 'America/New_York')).toBe(
      '2024-07-01 08:00 America/New_York (UTC-04:00)',
    );
    expect(timeIn('2024-01-01T12:00:00Z', 'America/New_York')).toBe(
      '2024-01-01 07:00 America/New_York (UTC-05:00)',
    );
  });
  it('clockIn and offsetIn for texts that name the zone once', () => {
    expect(clockIn(at, 'Asia/Tokyo')).toBe('2019-11-23 00:00');
    expect(offsetIn(at, 'Asia/Tokyo')).toBe('2019-11-23 00:00 +09:00');
    expect(offsetIn(at, 'UTC')).toBe('2019-11-22 15:00 UTC');
    expect(zoneHeader('received', 'Etc/UTC')).toBe('received (UTC)');
  });
  it('none is a dash; text that is no instant is printed as it came', () => {
    expect(timeIn(null, 'UTC')).toBe('—');
    expect(clockIn(undefined, 'UTC')).toBe('—');
    expect(timeIn('soon', 'UTC')).toBe('soon');
  });
  it('localZone is the TZ of the process', () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = 'Asia/Tokyo';
      expect(localZone()).toBe('Asia/Tokyo');
      process.env.TZ = 'America/New_York';
      expect(localZone()).toBe('America/New_York');
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
  it('relative: whole days, hours or minutes, ahead or behind', () => {
    const t = Date.parse(at);
    expect(relative(t, t + 350 * 86_400_000 + 3_600_000)).toBe('in 350 days');
    expect(relative(t, t + 2 * 86_400_000)).toBe('in 2 days');
    expect(relative(t, t + 30 * 3_600_000)).toBe('in 30 hours');
    expect(relative(t, t + 60_000)).toBe('in 1 minute');
    expect(relative(t, t - 3 * 3_600_000)).toBe('3 hours ago');
    expect(relative(t, t + 10_000)).toBe('now');
  });
});

describe('notices and states in words', () => {
  const zone = 'Asia/Seoul';
  const notice = {
    by: 'KR',
    receivedAt: '2019-08-23T01:00:00Z',
    target: '2019-11-22T15:00:00Z',
    suspended: false,
  };
  const inForce = { state: 'in-force', endedAt: null, endedBy: null, contested: false };
  it('an active notice counts down to its target, in the agreement zone', () => {
    expect(noticeWords({ ...inForce, notice }, '2019-08-23T01:00:00Z', zone)).toBe(
      'notice by KR: the agreement ends at 2019-11-23 00:00 Asia/Seoul (UTC+09:00) (in 91 days)',
    );
  });
  it('a suspended notice does not count down: it says what resuming would do', () => {
    const s = { ...inForce, notice: { ...notice, suspended: true } };
    const before = noticeWords(s, '2019-11-22T09:00:00Z', zone) ?? '';
    expect(before).toContain('SUSPENDED: it terminates nothing while suspended');
    expect(before).toContain('if resumed before 2019-11-23 00:00 Asia/Seoul');
    expect(before).not.toMatch(/\bin \d+ (days?|hours?|minutes?)\b/);
    const after = noticeWords(s, '2020-01-01T00:00:00Z', zone) ?? '';
    expect(after).toContain('SUSPENDED past its target');
    expect(after).toContain('if resumed, the agreement ends at once (contested, RULES L5)');
    expect(after).not.toMatch(/\bin \d+ (days?|hours?|minutes?)\b|ago/);
  });
  it('a terminated agreement has no pending notice; its end is told', () => {
    const ended = {
      state: 'terminated',
      endedAt: '2019-11-22T15:00:00Z',
      endedBy: 'notice',
      contested: false,
      notice,
    };
    expect(noticeWords(ended, '2020-01-01T00:00:00Z', zone)).toBeNull();
    expect(stateWords(ended, zone)).toBe(
      "terminated 2019-11-23 00:00 Asia/Seoul (UTC+09:00) by KR's notice",
    );
    expect(stateWords({ ...ended, endedBy: 'mutual', notice: null }, 'UTC')).toBe(
      'terminated 2019-11-22 15:00 UTC by mutual termination',
    );
    expect(stateWords({ ...inForce, notice: null }, zone)).toBe('in-force');
  });
});

describe('refusals told by the flag', () => {
  const flags = { categories: '--category', marking: '--marking', to: '--to' };
  it('a field of the request becomes its flag, a list element its list', () => {
    const e = withFlag(
      new RemoteError(400, 'invalid-request', 'categories: give at least one', [], 'categories'),
      flags,
    );
    expect(e.message).toBe('--category: give at least one');
    const el = withFlag(
      new RemoteError(
        400,
        'invalid-request',
        'categories.2: must not be empty',
        [],
        'categories.2',
      ),
      flags,
    );
    expect(el.message).toBe('--category: must not be empty');
    const q = withFlag(
      new RemoteError(400, 'invalid-request', 'query limit: must be at most 200', [], 'limit'),
      {},
    );
    expect(q.message).toBe('--limit: must be at most 200');
  });
  it('a refusal named only by its code finds its field; others stay as the node said', () => {
    const m = withFlag(
      new RemoteError(403, 'unknown-marking', "unknown marking 'X' for JP (known: U)"),
      flags,
    );
    expect(m.message).toBe("--marking: unknown marking 'X' for JP (known: U)");
    const other = new RemoteError(400, 'invalid-request', 'title: is missing', [], 'title');
    expect(withFlag(other, flags)).toBe(other);
    const policy = new RemoteError(403, 'clearance-insufficient', 'no');
    expect(withFlag(policy, flags)).toBe(policy);
  });
});

describe('paging', () => {
  it('defaults, and bad values named by their flag', () => {
    expect(pageOf({})).toEqual({ limit: 50, offset: 0 });
    expect(pageOf({ limit: '200', offset: '400' })).toEqual({ limit: 200, offset: 400 });
    expect(() => pageOf({ limit: '201' })).toThrow(
      "--limit must be a whole number from 1 to 200, not '201'",
    );
    expect(() => pageOf({ limit: '1.5' })).toThrow(/--limit must be a whole number/);
    expect(() => pageOf({ offset: '-1' })).toThrow(/--offset must be a whole number from 0/);
  });
  it('a full page says where the next one starts; an empty one past the first says so', () => {
    expect(pageLines(50, { limit: 50, offset: 0 }, 'inbox empty')).toEqual(['more: --offset 50']);
    expect(pageLines(3, { limit: 50, offset: 50 }, 'inbox empty')).toEqual([]);
    expect(pageLines(0, { limit: 50, offset: 0 }, 'inbox empty')).toEqual(['inbox empty']);
    expect(pageLines(0, { limit: 50, offset: 50 }, 'inbox empty')).toEqual([
      'nothing after --offset 50',
    ]);
  });
});

describe("the node's schema refusals in words (Ajv errors as Fastify gives them)", () => {
  const ajv = new Ajv({ coerceTypes: false, allErrors: false, strict: false });
  const check = (schema: object, value: unknown, context = 'body') => {
    const validate = ajv.compile(schema);
    expect(validate(value)).toBe(false);
    const e = validationError(validate.errors, context);
    if (e === null) throw new Error('no error');
    return e;
  };
  const item = { marking: 'GOKUHI', categories: ['dprk-missile'], title: 't', body: 'b' };
  it('too few, too long, missing, unknown, wrong type, not one of', () => {
    const few = check(ItemBody, { ...item, categories: [] });
    expect([few.message, few.field]).toEqual(['categories: give at least one', 'categories']);
    expect(check(ItemBody, { ...item, title: 'x'.repeat(501) }).message).toBe(
      'title: must be at most 500 characters',
    );
    const missing = check(ItemBody, { marking: 'GOKUHI', categories: ['x'], body: '' });
    expect([missing.message, missing.field]).toEqual(['title: is missing', 'title']);
    expect(check(ItemBody, { ...item, colour: 'red' }).message).toBe(
      'colour: is not a field of this request',
    );
    expect(check(ItemBody, { ...item, precedence: 'URGENT' }).message).toBe(
      'precedence: must be one of: FLASH, IMMEDIATE, PRIORITY, ROUTINE',
    );
    expect(check(ItemBody, { ...item, categories: 'dprk-missile' }).message).toBe(
      'categories: must be a list',
    );
    expect(check(ItemBody, { ...item, marking: 'GO KU' }).message).toMatch(
      /^marking: must be letters, digits, (\. )?_ or -, starting with a letter or digit$/,
    );
  });
  it('the query is named as such', () => {
    const q = check(
      T.Object({ limit: T.Optional(T.Integer({ minimum: 1, maximum: 200 })) }),
      { limit: 500 },
      'querystring',
    );
    expect([q.message, q.field]).toEqual(['query limit: must be at most 200', 'limit']);
    expect(validationError('not ajv', 'body')).toBeNull();
  });
});
