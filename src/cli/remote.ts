// What the CLI's verbs against a running node share: the context they print to, the
// client for the node the options name, printing (for people, or the node's JSON with
// --json), and the node's shapes in words. The verbs are in agreements.ts, people.ts,
// items.ts, federation.ts and alert.ts.

import type { Command } from 'commander';
import type { components } from './api-types.js';
import { type Common, type FlagsOf, NodeClient, resolveTarget } from './client.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';

/** The node's shapes, as its OpenAPI document gives them (api-types.ts). */
export type Schemas = components['schemas'];

export interface RemoteContext {
  readonly io: Io;
  setExit(code: number): void;
}

/**
 * The client for the node (and token) the options name; `flags` names the command's
 * flag for each request field, so that a refusal of a field names the flag.
 */
export const connect = (o: Common, flags: FlagsOf = {}): NodeClient =>
  new NodeClient(resolveTarget(o), flags);

/** Prints the node's answer as JSON with --json, else the lines for people. */
export function print(ctx: RemoteContext, o: Common, value: unknown, people: () => string[]): void {
  ctx.io.out(o.json === true ? `${JSON.stringify(value)}\n` : `${people().join('\n')}\n`);
}

/** How many rows a page of a listing shows unless --limit says otherwise. */
export const DEFAULT_LIMIT = 50;
/** The node's largest page (src/api/common.ts PageQuery). */
const MAX_LIMIT = 200;

/** The paging options of a listing, as commander gives them. */
export interface Paging {
  readonly limit?: string | undefined;
  readonly offset?: string | undefined;
}

/** Adds `--limit N --offset N` to a listing command. */
export function withPaging(cmd: Command): Command {
  return cmd
    .option('--limit <n>', `rows on the page, 1 to ${MAX_LIMIT} (default ${DEFAULT_LIMIT})`)
    .option('--offset <n>', 'rows to skip before the page (default 0)');
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

/** The page the options ask for; a bad value is a usage error naming the flag. */
export function pageOf(o: Paging): { readonly limit: number; readonly offset: number } {
  return {
    limit: o.limit === undefined ? DEFAULT_LIMIT : wholeNumber(o.limit, '--limit', 1, MAX_LIMIT),
    offset: o.offset === undefined ? 0 : wholeNumber(o.offset, '--offset', 0, 1_000_000),
  };
}

/**
 * The lines after a page of a listing: a hint to the next page when this one is full
 * (`more: --offset 50`); for an empty page past the first, that nothing is left.
 */
export function pageLines(
  shown: number,
  page: { readonly limit: number; readonly offset: number },
  none: string,
): string[] {
  if (shown === 0) return [page.offset === 0 ? none : `nothing after --offset ${page.offset}`];
  return shown >= page.limit ? [`more: --offset ${page.offset + page.limit}`] : [];
}

/** A decision and its reasons, on one line: `deny: CODE: message; …`. */
export const decisionLine = (d: Schemas['DecisionView']): string =>
  `${d.decision}: ${d.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}`;
