// The console's messages: every one parses as ICU MessageFormat in every language,
// the three languages use the same arguments, and every message that shows a count
// chooses its words by plural rules, so "1 attempts" or "2 alert(s)" cannot come back.
import { describe, expect, it } from 'vitest';
import { LANGS, MESSAGES, type MsgKey, translate } from './i18n';
import { checkMessage, messageArguments } from './messageFormat';

/** Arguments that carry a count of something. */
const COUNT_PARAMS = new Set([
  'n',
  'count',
  'total',
  'steps',
  'expectations',
  'seconds',
  'attempts',
]);

/**
 * Messages where a count stands alone, governing no word, so it needs no plural: each
 * with why. A key listed here that no longer shows a count plainly fails the test.
 */
const PLAIN_COUNTS: Readonly<Partial<Record<MsgKey, string>>> = {
  'overview.notInForce': 'a count in brackets after a heading: "Not in force (2):"',
  'filters.count': '"Showing 1 of 3": no noun',
  'audit.history': 'a count in brackets: "All checkpoints (4)"',
  'audit.witnessingEvery': '"every 30 s": a unit symbol, not a word',
  'sync.silent': '"within 30 s": a unit symbol',
  'sync.hint': '"every 30 s": a unit symbol',
  'account.changed': '"Other sessions ended: 2.": a count after a colon',
  'audit.withheldCount': 'a count after a colon',
  'audit.fullWithheld': 'a count after a colon',
};

const en = MESSAGES.en;
const keys = Object.keys(en) as MsgKey[];

describe('every message', () => {
  it.each(LANGS.map((l) => l.code))('parses in %s', (lang) => {
    const bad: string[] = [];
    for (const key of keys) {
      try {
        checkMessage(MESSAGES[lang][key]);
      } catch (e) {
        bad.push(`${key}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it.each(['ja', 'ko'] as const)('uses the same arguments in %s as in English', (lang) => {
    const differ: string[] = [];
    for (const key of keys) {
      const want = [...messageArguments(en[key]).keys()].sort().join(',');
      const got = [...messageArguments(MESSAGES[lang][key]).keys()].sort().join(',');
      if (want !== got) differ.push(`${key}: en {${want}}, ${lang} {${got}}`);
    }
    expect(differ).toEqual([]);
  });

  it('never writes "(s)" or "(es)" for a plural, in any language', () => {
    const found = LANGS.flatMap((l) =>
      keys.filter((k) => /\((s|es)\)/i.test(MESSAGES[l.code][k])).map((k) => `${l.code} ${k}`),
    );
    expect(found).toEqual([]);
  });
});

describe('counts', () => {
  const countKeys = keys.filter((k) =>
    [...messageArguments(en[k]).keys()].some((p) => COUNT_PARAMS.has(p)),
  );

  it('finds the count messages (the walk below is not empty)', () => {
    expect(countKeys).toEqual(expect.arrayContaining(['outbox.attempts', 'flash.awaiting']));
  });

  it('every English message with a count uses plural syntax for it (or is listed as plain)', () => {
    const plain: string[] = [];
    for (const key of countKeys) {
      const args = messageArguments(en[key]);
      const simple = [...args].filter(([p, use]) => COUNT_PARAMS.has(p) && use === 'simple');
      if (simple.length > 0 && PLAIN_COUNTS[key] === undefined)
        plain.push(`${key}: {${simple.map(([p]) => p).join('}, {')}} in "${en[key]}"`);
    }
    expect(plain).toEqual([]);
  });

  it('each plain-count exemption still names a message that shows a count plainly', () => {
    for (const key of Object.keys(PLAIN_COUNTS) as MsgKey[]) {
      const args = messageArguments(en[key]);
      expect(
        [...args].some(([p, use]) => COUNT_PARAMS.has(p) && use === 'simple'),
        key,
      ).toBe(true);
    }
  });

  it('no English count message says "1 …s" for one or drops the plural for two', () => {
    const wrong: string[] = [];
    for (const key of countKeys) {
      if (PLAIN_COUNTS[key] !== undefined) continue;
      const params = (n: number) =>
        Object.fromEntries(
          [...messageArguments(en[key]).keys()].map((p) => [p, COUNT_PARAMS.has(p) ? n : 'X']),
        );
      const one = translate('en', key, params(1));
      const two = translate('en', key, params(2));
      // "1 attempts", "1 entries", "1 seconds" (but "1 is" or "1 of" are fine).
      if (/\b1 (?!is\b|was\b|has\b)[a-z]+s\b/.test(one)) wrong.push(`${key} (1): ${one}`);
      if (one === two.replace(/\b2\b/g, '1'))
        wrong.push(`${key}: one and other read alike: ${two}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('translate', () => {
  it('chooses English plural forms', () => {
    expect(translate('en', 'outbox.attempts', { n: 1 })).toBe('1 attempt');
    expect(translate('en', 'outbox.attempts', { n: 3 })).toBe('3 attempts');
    expect(translate('en', 'flash.awaiting', { n: 1 })).toBe('1 alert awaits acknowledgement');
    expect(translate('en', 'flash.awaiting', { n: 2 })).toBe('2 alerts await acknowledgement');
    expect(translate('en', 'flash.escalated', { n: 1 })).toBe('escalated once');
    expect(translate('en', 'flash.escalated', { n: 3 })).toBe('escalated 3 times');
  });
  it('formats the count for Japanese and Korean, which have one form', () => {
    expect(translate('ja', 'outbox.attempts', { n: 1 })).toBe('1 回試行');
    expect(translate('ja', 'audit.fullHashing', { n: 12000 })).toBe('12,000 件をハッシュ計算中…');
    expect(translate('ko', 'flash.awaiting', { n: 1 })).toBe('수신 확인을 기다리는 경보 1건');
    expect(translate('ko', 'outbox.attempts', { n: 2 })).toBe('2회 시도');
  });
  it('fills simple arguments and keeps a missing one visible', () => {
    expect(translate('en', 'timeline.termLabel', { index: 11 })).toBe('Term 11');
    expect(translate('en', 'flash.from', {})).toBe('from {party}');
  });
});
