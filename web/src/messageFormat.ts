// A small ICU MessageFormat: `{name}` arguments, `{n, number}`, plural and select
// arguments, nested to any depth:
//
//   {n, plural, =0 {no attempt} one {# attempt} other {# attempts}}
//   {kind, select, alert {an alert} other {a message}}
//
// A plural chooses an exact `=N` match first, then the category Intl.PluralRules gives
// for the language (ja and ko have only `other`), then `other`; `#` is the number
// formatted for the language (minus the plural's `offset:` when it has one).
// Apostrophes quote as in ICU 4.8+: `''` is one apostrophe, and `'` opens a quote only
// before `{`, `}` or `#` (the messages use the typographic ’, which is never special).
// A missing argument keeps its placeholder (`{name}`, or `{n}` for a plural's `#`),
// so a mistake shows on screen instead of vanishing.

type Node =
  | { readonly k: 'text'; readonly text: string }
  | { readonly k: 'pound' }
  | { readonly k: 'arg'; readonly name: string; readonly number: boolean }
  | {
      readonly k: 'plural';
      readonly name: string;
      readonly offset: number;
      readonly cases: ReadonlyMap<string, readonly Node[]>;
    }
  | { readonly k: 'select'; readonly name: string; readonly cases: ReadonlyMap<string, Msg> };
type Msg = readonly Node[];

export type MessageParams = Readonly<Record<string, string | number>>;

export class MessageSyntaxError extends Error {
  constructor(pattern: string, at: number, what: string) {
    super(`message "${pattern}": ${what} at offset ${at}`);
    this.name = 'MessageSyntaxError';
  }
}

const NAME = /^[A-Za-z_][\w-]*$/;

class Parser {
  private i = 0;
  constructor(private readonly src: string) {}

  private fail(what: string): never {
    throw new MessageSyntaxError(this.src, this.i, what);
  }

  /** The whole pattern. */
  top(): Msg {
    const m = this.message(false);
    if (this.i < this.src.length) this.fail('unmatched "}"');
    return m;
  }

  /** Text and arguments up to an unquoted `}` (not consumed) or the end. */
  private message(inPlural: boolean): Msg {
    const out: Node[] = [];
    let text = '';
    const flush = () => {
      if (text !== '') out.push({ k: 'text', text });
      text = '';
    };
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (c === "'") {
        const next = s[this.i + 1];
        if (next === "'") {
          text += "'";
          this.i += 2;
        } else if (next === '{' || next === '}' || (next === '#' && inPlural)) {
          // Quoted until the next lone apostrophe ('' inside stays one apostrophe).
          this.i += 1;
          for (;;) {
            if (this.i >= s.length) break;
            const q = s[this.i] as string;
            if (q === "'") {
              if (s[this.i + 1] === "'") {
                text += "'";
                this.i += 2;
                continue;
              }
              this.i += 1;
              break;
            }
            text += q;
            this.i += 1;
          }
        } else {
          text += "'";
          this.i += 1;
        }
      } else if (c === '{') {
        flush();
        this.i += 1;
        out.push(this.argument(inPlural));
      } else if (c === '}') {
        break;
      } else if (c === '#' && inPlural) {
        flush();
        out.push({ k: 'pound' });
        this.i += 1;
      } else {
        text += c;
        this.i += 1;
      }
    }
    flush();
    return out;
  }

  private skipSpace(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i] as string)) this.i += 1;
  }

  /** A word: an argument name, a type, a case key (`=0`, `one`, `offset:1`). */
  private word(): string {
    this.skipSpace();
    const start = this.i;
    while (this.i < this.src.length && !/[\s{},]/.test(this.src[this.i] as string)) this.i += 1;
    return this.src.slice(start, this.i);
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.src[this.i] !== c) this.fail(`expected "${c}"`);
    this.i += 1;
  }

  /** After `{`: `name}`, `name, number}`, `name, plural, …}` or `name, select, …}`. */
  private argument(inPlural: boolean): Node {
    const name = this.word();
    if (!NAME.test(name)) this.fail(`bad argument name "${name}"`);
    this.skipSpace();
    if (this.src[this.i] === '}') {
      this.i += 1;
      return { k: 'arg', name, number: false };
    }
    this.expect(',');
    const type = this.word();
    this.skipSpace();
    if (type === 'number') {
      this.expect('}');
      return { k: 'arg', name, number: true };
    }
    if (type !== 'plural' && type !== 'select') this.fail(`unknown argument type "${type}"`);
    this.expect(',');
    let offset = 0;
    const cases = new Map<string, Msg>();
    for (;;) {
      this.skipSpace();
      if (this.src[this.i] === '}') {
        this.i += 1;
        break;
      }
      const key = this.word();
      if (key === '') this.fail('expected a case');
      if (type === 'plural' && key.startsWith('offset:')) {
        offset = Number(key.slice('offset:'.length));
        if (!Number.isFinite(offset)) this.fail(`bad offset "${key}"`);
        continue;
      }
      if (type === 'plural' && !/^(=-?\d+(\.\d+)?|zero|one|two|few|many|other)$/.test(key))
        this.fail(`bad plural case "${key}"`);
      if (cases.has(key)) this.fail(`case "${key}" twice`);
      this.expect('{');
      cases.set(key, this.message(type === 'plural' || inPlural));
      this.expect('}');
    }
    if (!cases.has('other')) this.fail(`${type} "${name}" without an "other" case`);
    return type === 'plural' ? { k: 'plural', name, offset, cases } : { k: 'select', name, cases };
  }
}

const parsed = new Map<string, Msg>();

/** The pattern's syntax tree (cached); throws MessageSyntaxError on a malformed one. */
function parse(pattern: string): Msg {
  let m = parsed.get(pattern);
  if (m === undefined) {
    m = new Parser(pattern).top();
    parsed.set(pattern, m);
  }
  return m;
}

/** Throws MessageSyntaxError when `pattern` is not a message this formatter reads. */
export function checkMessage(pattern: string): void {
  parse(pattern);
}

/** The names of a pattern's arguments, with how each is used. */
export function messageArguments(pattern: string): Map<string, 'simple' | 'plural' | 'select'> {
  const out = new Map<string, 'simple' | 'plural' | 'select'>();
  const walk = (m: Msg) => {
    for (const n of m) {
      if (n.k === 'arg') {
        if (!out.has(n.name)) out.set(n.name, 'simple');
      } else if (n.k === 'plural' || n.k === 'select') {
        out.set(n.name, n.k);
        for (const c of n.cases.values()) walk(c);
      }
    }
  };
  walk(parse(pattern));
  return out;
}

const rulesCache = new Map<string, Intl.PluralRules>();
const numberCache = new Map<string, Intl.NumberFormat>();

function pluralRules(locale: string): Intl.PluralRules {
  let r = rulesCache.get(locale);
  if (r === undefined) {
    r = new Intl.PluralRules(locale);
    rulesCache.set(locale, r);
  }
  return r;
}

function formatNumber(locale: string, n: number): string {
  let f = numberCache.get(locale);
  if (f === undefined) {
    f = new Intl.NumberFormat(locale, { maximumFractionDigits: 3 });
    numberCache.set(locale, f);
  }
  return f.format(n);
}

/** A number, or a string that is one ("3"); null otherwise. */
function numeric(v: string | number | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(v)) return Number(v);
  return null;
}

function render(
  m: Msg,
  locale: string,
  params: MessageParams,
  pound: { readonly value: number | null; readonly name: string } | null,
): string {
  let out = '';
  for (const n of m) {
    switch (n.k) {
      case 'text':
        out += n.text;
        break;
      case 'pound':
        out +=
          pound === null
            ? '#'
            : pound.value === null
              ? `{${pound.name}}`
              : formatNumber(locale, pound.value);
        break;
      case 'arg': {
        const v = params[n.name];
        if (v === undefined) out += `{${n.name}}`;
        else {
          const num = n.number ? numeric(v) : null;
          out += num === null ? String(v) : formatNumber(locale, num);
        }
        break;
      }
      case 'plural': {
        const value = numeric(params[n.name]);
        let chosen: Msg | undefined;
        if (value !== null) {
          chosen = n.cases.get(`=${value}`);
          chosen ??= n.cases.get(pluralRules(locale).select(value - n.offset));
        }
        chosen ??= n.cases.get('other') ?? [];
        out += render(chosen, locale, params, {
          value: value === null ? null : value - n.offset,
          name: n.name,
        });
        break;
      }
      case 'select': {
        const v = params[n.name];
        const chosen =
          (v === undefined ? undefined : n.cases.get(String(v))) ?? n.cases.get('other');
        out += render(chosen ?? [], locale, params, pound);
        break;
      }
    }
  }
  return out;
}

/**
 * `pattern` with its arguments filled in for `locale` (a BCP 47 tag: "en", "ja-JP").
 * A malformed pattern is returned as it is (the unit tests parse every message).
 */
export function formatMessage(pattern: string, locale: string, params: MessageParams = {}): string {
  let m: Msg;
  try {
    m = parse(pattern);
  } catch {
    return pattern;
  }
  return render(m, locale, params, null);
}
