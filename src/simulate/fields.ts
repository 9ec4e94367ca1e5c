// Reading a scenario's parsed YAML or JSON: each reader checks a value's type and
// reports the file, line and step where it is wrong.
import {
  type DefinitionPath,
  isObject,
  type OffsetInstant,
  oneOf,
  parseInstant,
  TimeFormatError,
} from '../core/index.js';
import { ScenarioInvalid } from './errors.js';

export type Path = (string | number)[];
export type Locate = (path: DefinitionPath) => number | null;

/** Where an error is reported: the file, a line finder, and the step being read. */
export class Ctx {
  step: number | null = null;
  action: string | null = null;
  constructor(
    readonly file: string,
    readonly locate: Locate,
    /** Lines for steps that are fine: free for YAML, skipped for JSON (which has none cheaply). */
    readonly stepLine: Locate,
  ) {}

  fail(path: DefinitionPath, problem: string): never {
    throw new ScenarioInvalid(this.file, problem, this.locate(path), this.step, this.action);
  }
}

export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text '${v}'`;
  return `${typeof v} ${String(v)}`;
}

function fieldName(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function asMap(ctx: Ctx, v: unknown, path: Path): Record<string, unknown> {
  if (!isObject(v)) {
    ctx.fail(path, `${fieldName(path) || 'the file'} must be a mapping, not ${typeName(v)}`);
  }
  return v;
}

/** A string that must be one of `list`. */
export function asOneOf<T extends string>(
  ctx: Ctx,
  v: unknown,
  list: readonly T[],
  path: Path,
  orNull = '',
): T {
  const s = asString(ctx, v, path);
  if (!oneOf(list, s)) {
    ctx.fail(path, `${fieldName(path)} must be one of ${list.join(', ')}${orNull}, not '${s}'`);
  }
  return s;
}

export function asList(ctx: Ctx, v: unknown, path: Path): unknown[] {
  if (!Array.isArray(v)) ctx.fail(path, `${fieldName(path)} must be a list, not ${typeName(v)}`);
  return v;
}

export function asString(ctx: Ctx, v: unknown, path: Path): string {
  if (typeof v !== 'string') {
    const hint = typeof v === 'number' || typeof v === 'boolean' ? " (quote it, e.g. '1')" : '';
    ctx.fail(path, `${fieldName(path)} must be text, not ${typeName(v)}${hint}`);
  }
  if (v.length === 0) ctx.fail(path, `${fieldName(path)} is empty`);
  return v;
}

export function asStringList(ctx: Ctx, v: unknown, path: Path): string[] {
  return asList(ctx, v, path).map((x, i) => asString(ctx, x, [...path, i]));
}

export function asInstant(ctx: Ctx, v: unknown, path: Path): OffsetInstant {
  const text = asString(ctx, v, path);
  try {
    return parseInstant(text);
  } catch (e) {
    if (e instanceof TimeFormatError) ctx.fail(path, `${fieldName(path)}: ${e.message}`);
    throw e;
  }
}

export function onlyKeys(
  ctx: Ctx,
  o: Record<string, unknown>,
  path: Path,
  allowed: readonly string[],
  what: string,
): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      ctx.fail([...path, k], `unknown field '${k}' in ${what} (allowed: ${allowed.join(', ')})`);
    }
  }
}

export function required(
  ctx: Ctx,
  o: Record<string, unknown>,
  key: string,
  path: Path,
  what: string,
): unknown {
  if (!(key in o) || o[key] === undefined) ctx.fail(path, `${what} needs '${key}'`);
  return o[key];
}

export function optString(
  ctx: Ctx,
  o: Record<string, unknown>,
  key: string,
  path: Path,
): string | undefined {
  return o[key] === undefined ? undefined : asString(ctx, o[key], [...path, key]);
}
