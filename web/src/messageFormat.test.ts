// The console's ICU MessageFormat subset: simple, number, plural and select
// arguments, nesting, `#`, exact matches, apostrophe quoting, missing arguments and
// the plural categories of English, Japanese and Korean.
import { describe, expect, it } from 'vitest';
import { checkMessage, formatMessage, MessageSyntaxError, messageArguments } from './messageFormat';

const attempts = '{n, plural, =0 {no attempt yet} one {# attempt} other {# attempts}}';

describe('simple arguments', () => {
  it('fills named arguments and keeps the rest of the text', () => {
    expect(formatMessage('Node {party} ({user})', 'en', { party: 'JP', user: 'jp-officer' })).toBe(
      'Node JP (jp-officer)',
    );
  });
  it('keeps the placeholder of a missing argument', () => {
    expect(formatMessage('From {party} at {at}', 'en', { party: 'KR' })).toBe('From KR at {at}');
    expect(formatMessage('From {party}', 'en')).toBe('From {party}');
  });
  it('formats {n, number} for the language', () => {
    expect(formatMessage('{n, number} entries', 'en', { n: 12345 })).toBe('12,345 entries');
    expect(formatMessage('{n, number}件', 'ja', { n: 12345 })).toBe('12,345件');
  });
  it('leaves a text without arguments alone, typographic apostrophes included', () => {
    expect(formatMessage('This node’s scheme first', 'en')).toBe('This node’s scheme first');
  });
});

describe('plural', () => {
  it('chooses one and other in English, # formatted', () => {
    expect(formatMessage(attempts, 'en', { n: 1 })).toBe('1 attempt');
    expect(formatMessage(attempts, 'en', { n: 2 })).toBe('2 attempts');
    expect(formatMessage(attempts, 'en', { n: 1500 })).toBe('1,500 attempts');
  });
  it('prefers an exact =N match to the category', () => {
    expect(formatMessage(attempts, 'en', { n: 0 })).toBe('no attempt yet');
    expect(formatMessage('{n, plural, =1 {just one} one {# one} other {#}}', 'en', { n: 1 })).toBe(
      'just one',
    );
  });
  it('uses only `other` in Japanese and Korean', () => {
    const ja = '{n, plural, one {ONE} other {#件の試行}}';
    expect(formatMessage(ja, 'ja', { n: 1 })).toBe('1件の試行');
    expect(formatMessage(ja, 'ja', { n: 2 })).toBe('2件の試行');
    const ko = '{n, plural, one {ONE} other {#회 시도}}';
    expect(formatMessage(ko, 'ko', { n: 1 })).toBe('1회 시도');
    expect(formatMessage(ko, 'ko-KR', { n: 1000 })).toBe('1,000회 시도');
  });
  it('reads a numeric string as its number', () => {
    expect(formatMessage(attempts, 'en', { n: '1' })).toBe('1 attempt');
  });
  it('falls back to other for a value that is not a number, keeping the placeholder for #', () => {
    expect(formatMessage(attempts, 'en', { n: 'many' })).toBe('{n} attempts');
    expect(formatMessage(attempts, 'en', {})).toBe('{n} attempts');
  });
  it('applies offset: to the category and to #', () => {
    const m =
      '{n, plural, offset:1 =0 {nobody} =1 {you} one {you and # other} other {you and # others}}';
    expect(formatMessage(m, 'en', { n: 0 })).toBe('nobody');
    expect(formatMessage(m, 'en', { n: 1 })).toBe('you');
    expect(formatMessage(m, 'en', { n: 2 })).toBe('you and 1 other');
    expect(formatMessage(m, 'en', { n: 3 })).toBe('you and 2 others');
  });
  it('nests: a plural inside a plural, arguments and braces inside cases', () => {
    const m =
      '{ok, plural, one {# of {total, plural, one {# check} other {# checks}} passed} other {# of {total, plural, one {# check} other {# checks}} passed}} for {who}';
    expect(formatMessage(m, 'en', { ok: 1, total: 1, who: 'JP' })).toBe(
      '1 of 1 check passed for JP',
    );
    expect(formatMessage(m, 'en', { ok: 2, total: 5, who: 'KR' })).toBe(
      '2 of 5 checks passed for KR',
    );
  });
  it('# in a select nested in a plural is the plural’s number', () => {
    const m =
      '{n, plural, one {# {kind, select, alert {alert} other {message}}} other {# {kind, select, alert {alerts} other {messages}}}}';
    expect(formatMessage(m, 'en', { n: 1, kind: 'alert' })).toBe('1 alert');
    expect(formatMessage(m, 'en', { n: 3, kind: 'x' })).toBe('3 messages');
  });
  it('# outside a plural is a plain character', () => {
    expect(formatMessage('entry #{index}', 'en', { index: 4 })).toBe('entry #4');
  });
});

describe('select', () => {
  const m = '{kind, select, alert {an alert} receipt {a receipt} other {a message}}';
  it('chooses the matching case, else other', () => {
    expect(formatMessage(m, 'en', { kind: 'alert' })).toBe('an alert');
    expect(formatMessage(m, 'en', { kind: 'receipt' })).toBe('a receipt');
    expect(formatMessage(m, 'en', { kind: 'consent' })).toBe('a message');
    expect(formatMessage(m, 'en', {})).toBe('a message');
  });
});

describe('quoting', () => {
  it("'' is one apostrophe, and '{…}' is literal text", () => {
    expect(formatMessage("it''s {x}", 'en', { x: 1 })).toBe("it's 1");
    expect(formatMessage("'{x}' is {x}", 'en', { x: 1 })).toBe('{x} is 1');
    expect(formatMessage("{n, plural, other {'#' is #}}", 'en', { n: 3 })).toBe('# is 3');
  });
  it('a lone apostrophe before a letter stays', () => {
    expect(formatMessage("the partner's log", 'en')).toBe("the partner's log");
  });
});

describe('syntax errors', () => {
  it('names what is wrong', () => {
    expect(() => checkMessage('{n, plural, one {#}}')).toThrow(/without an "other" case/);
    expect(() => checkMessage('{n, plural, one {#} other {#}')).toThrow(MessageSyntaxError);
    expect(() => checkMessage('{n, plurl, other {#}}')).toThrow(/unknown argument type "plurl"/);
    expect(() => checkMessage('{n, plural, some {#} other {#}}')).toThrow(/bad plural case "some"/);
    expect(() => checkMessage('a } b')).toThrow(/unmatched/);
  });
  it('formatMessage returns a malformed pattern unchanged rather than failing the page', () => {
    expect(formatMessage('{n, plural, one {#}}', 'en', { n: 1 })).toBe('{n, plural, one {#}}');
  });
});

describe('messageArguments', () => {
  it('lists each argument with how it is used', () => {
    expect([...messageArguments(`${attempts} to {peer}`)]).toEqual([
      ['n', 'plural'],
      ['peer', 'simple'],
    ]);
  });
});
