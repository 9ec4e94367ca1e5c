// How the CLI words what it shows: a marking (one form in every command), a count with
// its noun (English plural rules), and a cell cut to fit a table. Times are in time.ts.

import { displayWidth } from './text.js';

/** A marking as the node gives it (api-types' Marking, the core's MarkingRef). */
export interface MarkingLike {
  readonly party: string;
  readonly code: string;
  readonly name: string;
  readonly en: string;
}

/**
 * A marking in the CLI's one form: the party, the native name, and the English gloss in
 * parentheses, as the console shows it: `JP 極秘 (SECRET)`, `KR 군사II급비밀 (SECRET)`.
 * The gloss is left out when it is the name itself (`US SECRET`); a gloss that has its
 * own parentheses is flattened (`JP 指定なし (NOT DESIGNATED, unclassified)`). Without
 * the party (`party: false`) where a column or a line already names it. '—' for none.
 */
export function markingText(
  m: MarkingLike | null | undefined,
  o: { readonly party?: boolean } = {},
): string {
  if (m === null || m === undefined) return '—';
  const gloss = m.en.replace(/\s*\(([^()]*)\)/g, ', $1').trim();
  const text = gloss === '' || gloss === m.name ? m.name : `${m.name} (${gloss})`;
  return o.party === false ? text : `${m.party} ${text}`;
}

const EN = new Intl.PluralRules('en');

/**
 * A count with its noun in English: `1 attempt`, `2 attempts`, `0 alerts`. The plural
 * form (`other`) is the noun with an s unless given.
 */
export function count(n: number, one: string, other = `${one}s`): string {
  return `${n} ${EN.select(n) === 'one' ? one : other}`;
}

/** Widest a title may be in a table, in terminal columns: `item read` shows it whole. */
export const TITLE_COLUMNS = 40;

/**
 * A cell cut to at most `columns` terminal columns (a CJK character takes two), ending
 * in '…' when cut. Whitespace runs (a newline in a title) become one space.
 */
export function clip(text: string, columns = TITLE_COLUMNS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (displayWidth(flat) <= columns) return flat;
  let out = '';
  for (const ch of flat) {
    if (displayWidth(out + ch) > columns - 1) break;
    out += ch;
  }
  return `${out.trimEnd()}…`;
}
