// Scenario files (SCENARIOS.md): YAML or JSON that sets up parties, agreements,
// users and items, then a timeline of actions. Parsing validates everything it
// can before anything runs, and every error names the file, line and step.
import { isNode, LineCounter, parseDocument } from 'yaml';
import {
  ACTION_KINDS,
  type Action,
  type AgreementDefinition,
  BUILT_IN_PARTIES,
  BUILT_IN_TEMPLATES,
  compileText,
  createParty,
  DefinitionError,
  type DefinitionPath,
  type EndedBy,
  type EquivalenceRow,
  type ItemSpec,
  isReasonCode,
  type MarkingSpec,
  type OffsetInstant,
  type Party,
  parseInstant,
  type ReasonCode,
  TimeFormatError,
  type Topology,
  type UserSpec,
  World,
  type WorldSpec,
} from '../core/index.js';
import { ScenarioInvalid } from './errors.js';

export type StatusAction = { readonly kind: 'status'; readonly agreement: string };
export type ScenarioAction = Action | StatusAction;
export type ScenarioActionKind = ScenarioAction['kind'];

export const SCENARIO_ACTIONS: readonly ScenarioActionKind[] = ['status', ...ACTION_KINDS];

export type Expectation =
  | {
      readonly kind: 'decision';
      readonly decision: 'allow' | 'deny';
      /** The first reason's code. */
      readonly reason?: ReasonCode;
      /** The recipient's (or reader's) marking code. */
      readonly marking?: string;
    }
  | {
      readonly kind: 'status';
      readonly state: 'pending' | 'in-force' | 'terminated';
      readonly termEnd?: number | null;
      readonly endedBy?: EndedBy | null;
      readonly noticeTarget?: number | null;
      readonly noticeSuspended?: boolean | null;
      readonly contested?: boolean;
    };

export interface ScenarioStep {
  /** 1-based, as printed. */
  readonly index: number;
  readonly at: OffsetInstant;
  readonly action: ScenarioAction;
  readonly expect: Expectation | null;
  /** The `expect` value as written. */
  readonly expectRaw: unknown;
  readonly line: number | null;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description: string | null;
  readonly world: WorldSpec;
  readonly steps: readonly ScenarioStep[];
}

type Path = (string | number)[];
type Locate = (path: DefinitionPath) => number | null;

/** Where an error is reported: the file, a line finder, and the step being read. */
class Ctx {
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

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text '${v}'`;
  return `${typeof v} ${String(v)}`;
}

function fieldName(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function asMap(ctx: Ctx, v: unknown, path: Path): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    ctx.fail(path, `${fieldName(path) || 'the file'} must be a mapping, not ${typeName(v)}`);
  }
  return v as Record<string, unknown>;
}

function asList(ctx: Ctx, v: unknown, path: Path): unknown[] {
  if (!Array.isArray(v)) ctx.fail(path, `${fieldName(path)} must be a list, not ${typeName(v)}`);
  return v;
}

function asString(ctx: Ctx, v: unknown, path: Path): string {
  if (typeof v !== 'string') {
    const hint = typeof v === 'number' || typeof v === 'boolean' ? " (quote it, e.g. '1')" : '';
    ctx.fail(path, `${fieldName(path)} must be text, not ${typeName(v)}${hint}`);
  }
  if (v.length === 0) ctx.fail(path, `${fieldName(path)} is empty`);
  return v;
}

function asStringList(ctx: Ctx, v: unknown, path: Path): string[] {
  return asList(ctx, v, path).map((x, i) => asString(ctx, x, [...path, i]));
}

function asInstant(ctx: Ctx, v: unknown, path: Path): OffsetInstant {
  const text = asString(ctx, v, path);
  try {
    return parseInstant(text);
  } catch (e) {
    if (e instanceof TimeFormatError) ctx.fail(path, `${fieldName(path)}: ${e.message}`);
    throw e;
  }
}

function onlyKeys(
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

function required(
  ctx: Ctx,
  o: Record<string, unknown>,
  key: string,
  path: Path,
  what: string,
): unknown {
  if (!(key in o) || o[key] === undefined) ctx.fail(path, `${what} needs '${key}'`);
  return o[key];
}

function optString(
  ctx: Ctx,
  o: Record<string, unknown>,
  key: string,
  path: Path,
): string | undefined {
  return o[key] === undefined ? undefined : asString(ctx, o[key], [...path, key]);
}

// ---------------------------------------------------------------- definitions

function readParty(ctx: Ctx, v: unknown, path: Path): Party {
  if (typeof v === 'string') {
    const p = BUILT_IN_PARTIES.get(v);
    if (p === undefined) {
      ctx.fail(
        path,
        `unknown party '${v}': the built-in parties are ${[...BUILT_IN_PARTIES.keys()].join(', ')}; declare a custom party as {id, scheme}`,
      );
    }
    return p;
  }
  const o = asMap(ctx, v, path);
  onlyKeys(ctx, o, path, ['id', 'name', 'scheme'], 'a party');
  const id = asString(ctx, required(ctx, o, 'id', path, 'a party'), [...path, 'id']);
  if (o.scheme === undefined) {
    const p = BUILT_IN_PARTIES.get(id);
    if (p === undefined)
      ctx.fail(path, `custom party '${id}' needs a scheme: [{code, rank, name, en}, …]`);
    return p;
  }
  if (BUILT_IN_PARTIES.has(id)) {
    ctx.fail([...path, 'id'], `party '${id}' is built in; give a custom party another id`);
  }
  const specs: MarkingSpec[] = asList(ctx, o.scheme, [...path, 'scheme']).map((m, i) => {
    const mp = [...path, 'scheme', i];
    const mo = asMap(ctx, m, mp);
    onlyKeys(ctx, mo, mp, ['code', 'rank', 'name', 'en'], 'a marking');
    const rank = required(ctx, mo, 'rank', mp, 'a marking');
    if (typeof rank !== 'number')
      ctx.fail([...mp, 'rank'], `rank must be a number, not ${typeName(rank)}`);
    const code = asString(ctx, required(ctx, mo, 'code', mp, 'a marking'), [...mp, 'code']);
    const name = optString(ctx, mo, 'name', mp) ?? code;
    const en = optString(ctx, mo, 'en', mp);
    return en === undefined ? { code, rank, name } : { code, rank, name, en };
  });
  try {
    return createParty(id, optString(ctx, o, 'name', path) ?? id, specs);
  } catch (e) {
    if (e instanceof DefinitionError) ctx.fail([...path, ...e.path], e.message);
    throw e;
  }
}

function readRows(ctx: Ctx, v: unknown, path: Path): EquivalenceRow[] {
  return asList(ctx, v, path).map((row, r) => {
    const rp = [...path, r];
    const o = asMap(ctx, row, rp);
    const out: Record<string, readonly string[]> = {};
    for (const [party, codes] of Object.entries(o)) {
      out[party] = typeof codes === 'string' ? [codes] : asStringList(ctx, codes, [...rp, party]);
    }
    return out;
  });
}

function readScope(ctx: Ctx, v: unknown, path: Path): string[] {
  const scope = asStringList(ctx, v, path);
  if (scope.length === 0) {
    ctx.fail(
      path,
      'scope is an empty list, which would cover nothing; omit scope to cover every category',
    );
  }
  return scope;
}

const INLINE_AGREEMENT_KEYS = [
  'id',
  'title',
  'parties',
  'rows',
  'scope',
  'topology',
  'entryIntoForce',
  'initialTerm',
  'renewalTerm',
  'noticePeriod',
  'timezone',
  'articles',
  'assumptions',
] as const;

function readAgreement(ctx: Ctx, v: unknown, path: Path): AgreementDefinition {
  const o = asMap(ctx, v, path);
  if ('use' in o) {
    onlyKeys(ctx, o, path, ['use'], 'a template reference');
    const id = asString(ctx, o.use, [...path, 'use']);
    const t = BUILT_IN_TEMPLATES.get(id);
    if (t === undefined) {
      ctx.fail(
        [...path, 'use'],
        `unknown template '${id}' (built in: ${[...BUILT_IN_TEMPLATES.keys()].join(', ')})`,
      );
    }
    return t;
  }
  onlyKeys(ctx, o, path, INLINE_AGREEMENT_KEYS, 'an agreement');
  const what = 'an inline agreement';
  const id = asString(ctx, required(ctx, o, 'id', path, what), [...path, 'id']);
  let topology: Topology = { kind: 'mesh' };
  if (o.topology !== undefined && o.topology !== 'mesh') {
    const tp = [...path, 'topology'];
    if (typeof o.topology === 'string')
      ctx.fail(tp, `topology must be 'mesh' or {hub: PARTY}, not '${o.topology}'`);
    const t = asMap(ctx, o.topology, tp);
    onlyKeys(ctx, t, tp, ['hub'], 'a topology');
    topology = {
      kind: 'hub',
      hub: asString(ctx, required(ctx, t, 'hub', tp, 'a hub topology'), [...tp, 'hub']),
    };
  }
  const articles: Record<string, string> = {};
  if (o.articles !== undefined) {
    const a = asMap(ctx, o.articles, [...path, 'articles']);
    for (const [k, val] of Object.entries(a))
      articles[k] = asString(ctx, val, [...path, 'articles', k]);
  }
  const instant = asString(ctx, required(ctx, o, 'entryIntoForce', path, what), [
    ...path,
    'entryIntoForce',
  ]);
  asInstant(ctx, instant, [...path, 'entryIntoForce']);
  const def: AgreementDefinition = {
    id,
    parties: asStringList(ctx, required(ctx, o, 'parties', path, what), [...path, 'parties']),
    rows: readRows(ctx, required(ctx, o, 'rows', path, what), [...path, 'rows']),
    topology,
    entryIntoForce: instant,
    noticePeriod: asString(ctx, required(ctx, o, 'noticePeriod', path, what), [
      ...path,
      'noticePeriod',
    ]),
    timezone: asString(ctx, required(ctx, o, 'timezone', path, what), [...path, 'timezone']),
    ...(o.title === undefined ? {} : { title: asString(ctx, o.title, [...path, 'title']) }),
    ...(o.scope === undefined ? {} : { scope: readScope(ctx, o.scope, [...path, 'scope']) }),
    ...(o.initialTerm === undefined
      ? {}
      : { initialTerm: asString(ctx, o.initialTerm, [...path, 'initialTerm']) }),
    ...(o.renewalTerm === undefined
      ? {}
      : { renewalTerm: asString(ctx, o.renewalTerm, [...path, 'renewalTerm']) }),
    ...(o.articles === undefined ? {} : { articles }),
    ...(o.assumptions === undefined
      ? {}
      : { assumptions: asStringList(ctx, o.assumptions, [...path, 'assumptions']) }),
  };
  return def;
}

function readUser(ctx: Ctx, v: unknown, path: Path): UserSpec {
  const o = asMap(ctx, v, path);
  onlyKeys(ctx, o, path, ['id', 'party', 'clearance', 'needToKnow', 'clearanceExpires'], 'a user');
  const what = 'a user';
  return {
    id: asString(ctx, required(ctx, o, 'id', path, what), [...path, 'id']),
    party: asString(ctx, required(ctx, o, 'party', path, what), [...path, 'party']),
    clearance: asString(ctx, required(ctx, o, 'clearance', path, what), [...path, 'clearance']),
    needToKnow:
      o.needToKnow === undefined ? [] : asStringList(ctx, o.needToKnow, [...path, 'needToKnow']),
    clearanceExpires:
      o.clearanceExpires === undefined
        ? undefined
        : asInstant(ctx, o.clearanceExpires, [...path, 'clearanceExpires']).ms,
  };
}

function readItem(ctx: Ctx, v: unknown, path: Path): ItemSpec {
  const o = asMap(ctx, v, path);
  onlyKeys(
    ctx,
    o,
    path,
    ['id', 'originator', 'marking', 'categories', 'releasableTo', 'title'],
    'an item',
  );
  const what = 'an item';
  return {
    id: asString(ctx, required(ctx, o, 'id', path, what), [...path, 'id']),
    originator: asString(ctx, required(ctx, o, 'originator', path, what), [...path, 'originator']),
    marking: asString(ctx, required(ctx, o, 'marking', path, what), [...path, 'marking']),
    categories: asStringList(ctx, required(ctx, o, 'categories', path, what), [
      ...path,
      'categories',
    ]),
    releasableTo:
      o.releasableTo === undefined
        ? undefined
        : asStringList(ctx, o.releasableTo, [...path, 'releasableTo']),
    title: optString(ctx, o, 'title', path),
  };
}

// ---------------------------------------------------------------- timeline

const ACTION_FIELDS: Record<
  ScenarioActionKind,
  { required: readonly string[]; optional: readonly string[] }
> = {
  status: { required: ['agreement'], optional: [] },
  release: { required: ['item', 'to'], optional: ['user'] },
  forward: { required: ['item', 'by', 'to'], optional: ['user'] },
  read: { required: ['item', 'user'], optional: [] },
  consent: { required: ['id', 'item', 'by', 'holder', 'to'], optional: ['expires', 'user'] },
  'revoke-consent': { required: ['id', 'by'], optional: ['user'] },
  reclassify: { required: ['item', 'by', 'marking'], optional: ['user'] },
  'report-compromise': { required: ['item', 'by'], optional: ['user'] },
  notice: { required: ['agreement', 'by'], optional: [] },
  'suspend-notice': { required: ['agreement', 'by'], optional: [] },
  'resume-notice': { required: ['agreement', 'by'], optional: [] },
  'withdraw-notice': { required: ['agreement', 'by'], optional: [] },
  terminate: { required: ['agreement'], optional: [] },
  amend: { required: ['agreement'], optional: ['rows', 'scope', 'noticePeriod'] },
};

const ACTION_SET: ReadonlySet<string> = new Set(SCENARIO_ACTIONS);

interface Registry {
  readonly world: World;
  readonly consentIds: Set<string>;
}

function knownParty(ctx: Ctx, reg: Registry, id: string, path: Path): void {
  if (!reg.world.parties.has(id)) {
    ctx.fail(
      path,
      `unknown party '${id}' in ${String(path[path.length - 1])} (declared parties: ${[...reg.world.parties.keys()].join(', ')})`,
    );
  }
}

function knownItem(ctx: Ctx, reg: Registry, id: string, path: Path): void {
  if (!reg.world.items.has(id)) {
    ctx.fail(
      path,
      `unknown item '${id}' (declared items: ${[...reg.world.items.keys()].join(', ') || 'none'})`,
    );
  }
}

function knownAgreement(ctx: Ctx, reg: Registry, id: string, path: Path): void {
  if (!reg.world.agreements.has(id)) {
    ctx.fail(
      path,
      `unknown agreement '${id}' (declared agreements: ${[...reg.world.agreements.keys()].join(', ') || 'none'})`,
    );
  }
}

function readAction(
  ctx: Ctx,
  reg: Registry,
  kind: ScenarioActionKind,
  v: unknown,
  path: Path,
): ScenarioAction {
  const o = asMap(ctx, v, path);
  const fields = ACTION_FIELDS[kind];
  onlyKeys(ctx, o, path, [...fields.required, ...fields.optional], `a ${kind} action`);
  for (const f of fields.required) required(ctx, o, f, path, `a ${kind} action`);
  const s = (key: string): string => asString(ctx, o[key], [...path, key]);
  const party = (key: string): string => {
    const id = s(key);
    knownParty(ctx, reg, id, [...path, key]);
    return id;
  };
  const item = (): string => {
    const id = s('item');
    knownItem(ctx, reg, id, [...path, 'item']);
    return id;
  };
  const agreement = (): string => {
    const id = s('agreement');
    knownAgreement(ctx, reg, id, [...path, 'agreement']);
    return id;
  };
  const knownUser = (user: string): void => {
    if (!reg.world.users.has(user)) {
      ctx.fail(
        [...path, 'user'],
        `unknown user '${user}' (declared users: ${[...reg.world.users.keys()].join(', ') || 'none'})`,
      );
    }
  };
  /** The acting person (SCENARIOS.md: RULES P1 applies): a user of the acting party. */
  const actor = (acting: string | undefined): { user?: string } => {
    if (o.user === undefined) return {};
    const user = s('user');
    knownUser(user);
    const of = reg.world.users.get(user)?.party.id;
    if (acting !== undefined && of !== acting) {
      ctx.fail(
        [...path, 'user'],
        `user '${user}' is a person of ${of}, but ${acting} acts in this step: name one of ${acting}'s users`,
      );
    }
    return { user };
  };
  let action: ScenarioAction;
  switch (kind) {
    case 'status':
      action = { kind, agreement: agreement() };
      break;
    case 'release': {
      const id = item();
      action = {
        kind,
        item: id,
        to: party('to'),
        ...actor(reg.world.items.get(id)?.originator.id),
      };
      break;
    }
    case 'forward': {
      const by = party('by');
      action = { kind, item: item(), by, to: party('to'), ...actor(by) };
      break;
    }
    case 'read': {
      const user = s('user');
      knownUser(user);
      action = { kind, item: item(), user };
      break;
    }
    case 'consent': {
      const id = s('id');
      if (reg.consentIds.has(id)) ctx.fail([...path, 'id'], `consent id '${id}' is used twice`);
      reg.consentIds.add(id);
      const by = party('by');
      action = {
        kind,
        id,
        item: item(),
        by,
        holder: party('holder'),
        to: party('to'),
        expires:
          o.expires === undefined ? undefined : asInstant(ctx, o.expires, [...path, 'expires']).ms,
        ...actor(by),
      };
      break;
    }
    case 'revoke-consent': {
      const by = party('by');
      action = { kind, id: s('id'), by, ...actor(by) };
      break;
    }
    case 'reclassify': {
      const id = item();
      const code = s('marking');
      const originator = reg.world.items.get(id)?.originator;
      if (originator !== undefined && !originator.scheme.byCode.has(code)) {
        ctx.fail(
          [...path, 'marking'],
          `unknown marking '${code}' for ${originator.id}, the originator of ${id} (known: ${originator.scheme.markings.map((m) => m.code).join(', ')})`,
        );
      }
      const by = party('by');
      action = { kind, item: id, by, marking: code, ...actor(by) };
      break;
    }
    case 'report-compromise': {
      const by = party('by');
      action = { kind, item: item(), by, ...actor(by) };
      break;
    }
    case 'notice':
    case 'suspend-notice':
    case 'resume-notice':
    case 'withdraw-notice':
      action = { kind, agreement: agreement(), by: party('by') };
      break;
    case 'terminate':
      action = { kind, agreement: agreement() };
      break;
    case 'amend': {
      const id = agreement();
      if (o.rows === undefined && o.scope === undefined && o.noticePeriod === undefined) {
        ctx.fail(path, 'an amend action changes at least one of rows, scope, noticePeriod');
      }
      const rows = o.rows === undefined ? undefined : readRows(ctx, o.rows, [...path, 'rows']);
      const scope =
        o.scope === undefined
          ? undefined
          : o.scope === null
            ? null
            : readScope(ctx, o.scope, [...path, 'scope']);
      const noticePeriod = o.noticePeriod === undefined ? undefined : s('noticePeriod');
      const a = reg.world.agreements.get(id);
      if (a !== undefined) {
        try {
          compileText(
            id,
            a.parties,
            {
              rows: rows ?? a.textVersions[0]?.rows ?? [],
              scope: scope ?? undefined,
              noticePeriod: noticePeriod ?? 'P0D',
            },
            0,
          );
        } catch (e) {
          if (e instanceof DefinitionError) ctx.fail([...path, ...e.path], e.message);
          throw e;
        }
      }
      action = { kind, agreement: id, rows, scope, noticePeriod };
      break;
    }
  }
  return action;
}

const STATES = ['pending', 'in-force', 'terminated'] as const;
const ENDED_BY = ['notice', 'mutual', 'expiry'] as const;

function readExpect(ctx: Ctx, kind: ScenarioActionKind, v: unknown, path: Path): Expectation {
  if (kind === 'status') {
    if (typeof v === 'string') {
      ctx.fail(path, `a status step expects a mapping such as {state: in-force}, not '${v}'`);
    }
    const o = asMap(ctx, v, path);
    onlyKeys(
      ctx,
      o,
      path,
      ['state', 'termEnd', 'endedBy', 'noticeTarget', 'noticeSuspended', 'contested'],
      'a status expectation',
    );
    const state = asString(ctx, required(ctx, o, 'state', path, 'a status expectation'), [
      ...path,
      'state',
    ]);
    if (!(STATES as readonly string[]).includes(state)) {
      ctx.fail([...path, 'state'], `state must be one of ${STATES.join(', ')}, not '${state}'`);
    }
    const instantOrNull = (key: string): number | null | undefined =>
      o[key] === undefined
        ? undefined
        : o[key] === null
          ? null
          : asInstant(ctx, o[key], [...path, key]).ms;
    let endedBy: EndedBy | null | undefined;
    if (o.endedBy !== undefined && o.endedBy !== null) {
      const e = asString(ctx, o.endedBy, [...path, 'endedBy']);
      if (!(ENDED_BY as readonly string[]).includes(e)) {
        ctx.fail(
          [...path, 'endedBy'],
          `endedBy must be one of ${ENDED_BY.join(', ')} or null, not '${e}'`,
        );
      }
      endedBy = e as EndedBy;
    } else if (o.endedBy === null) endedBy = null;
    const bool = (key: string): boolean | undefined => {
      if (o[key] === undefined) return undefined;
      if (typeof o[key] !== 'boolean')
        ctx.fail([...path, key], `${key} must be true or false, not ${typeName(o[key])}`);
      return o[key] as boolean;
    };
    const termEnd = instantOrNull('termEnd');
    const noticeTarget = instantOrNull('noticeTarget');
    const contested = bool('contested');
    // noticeSuspended: null expects no notice at all.
    const noticeSuspended = o.noticeSuspended === null ? null : bool('noticeSuspended');
    return {
      kind: 'status',
      state: state as (typeof STATES)[number],
      ...(termEnd === undefined ? {} : { termEnd }),
      ...(endedBy === undefined ? {} : { endedBy }),
      ...(noticeTarget === undefined ? {} : { noticeTarget }),
      ...(contested === undefined ? {} : { contested }),
      ...(noticeSuspended === undefined ? {} : { noticeSuspended }),
    };
  }
  if (v === 'allow' || v === 'deny') return { kind: 'decision', decision: v };
  if (typeof v === 'string')
    ctx.fail(path, `expect must be allow, deny or {decision, reason}, not '${v}'`);
  const o = asMap(ctx, v, path);
  onlyKeys(ctx, o, path, ['decision', 'reason', 'marking'], 'an expectation');
  const decision = asString(ctx, required(ctx, o, 'decision', path, 'an expectation'), [
    ...path,
    'decision',
  ]);
  if (decision !== 'allow' && decision !== 'deny') {
    ctx.fail([...path, 'decision'], `decision must be allow or deny, not '${decision}'`);
  }
  let reasonCode: ReasonCode | undefined;
  if (o.reason !== undefined) {
    const r = asString(ctx, o.reason, [...path, 'reason']);
    if (!isReasonCode(r))
      ctx.fail([...path, 'reason'], `unknown reason code '${r}' (see: liaison rules)`);
    reasonCode = r;
  }
  const marking = optString(ctx, o, 'marking', path);
  return {
    kind: 'decision',
    decision,
    ...(reasonCode === undefined ? {} : { reason: reasonCode }),
    ...(marking === undefined ? {} : { marking }),
  };
}

function readStep(ctx: Ctx, reg: Registry, v: unknown, index: number, path: Path): ScenarioStep {
  ctx.step = index + 1;
  ctx.action = null;
  const o = asMap(ctx, v, path);
  const kinds = Object.keys(o).filter((k) => ACTION_SET.has(k));
  const unknown = Object.keys(o).filter((k) => !ACTION_SET.has(k) && k !== 'at' && k !== 'expect');
  if (kinds.length === 0) {
    if (unknown.length > 0) {
      ctx.fail(
        [...path, unknown[0] as string],
        `unknown action '${unknown[0]}' (known: ${SCENARIO_ACTIONS.join(', ')})`,
      );
    }
    ctx.fail(path, `the step has no action (known: ${SCENARIO_ACTIONS.join(', ')})`);
  }
  if (kinds.length > 1)
    ctx.fail(path, `a step has one action, this one has ${kinds.join(' and ')}`);
  const kind = kinds[0] as ScenarioActionKind;
  ctx.action = kind;
  if (unknown.length > 0) {
    ctx.fail(
      [...path, unknown[0] as string],
      `unknown field '${unknown[0]}' in the step (a step has at, one action, and expect)`,
    );
  }
  const at = asInstant(ctx, required(ctx, o, 'at', path, 'a step'), [...path, 'at']);
  const action = readAction(ctx, reg, kind, o[kind], [...path, kind]);
  const expect =
    o.expect === undefined ? null : readExpect(ctx, kind, o.expect, [...path, 'expect']);
  return {
    index: index + 1,
    at,
    action,
    expect,
    expectRaw: o.expect,
    line: ctx.stepLine(path),
  };
}

// ---------------------------------------------------------------- files

/** Alias expansions a YAML scenario may use (yaml's own default is 100). */
export const MAX_ALIAS_COUNT = 1000;

function yamlLocator(text: string): {
  value: unknown;
  locate: Locate;
  error: { message: string; line: number | null } | null;
} {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  const locate: Locate = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };
  if (first !== undefined) {
    const line = lineCounter.linePos(first.pos[0]).line;
    const message = first.message.split('\n')[0] ?? first.message;
    return { value: undefined, locate, error: { message: `YAML syntax error: ${message}`, line } };
  }
  try {
    // yaml refuses a document whose aliases expand past this count (an alias bomb).
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), locate, error: null };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      value: undefined,
      locate,
      error: {
        message: `YAML aliases: ${message.split('\n')[0]} (at most ${MAX_ALIAS_COUNT} alias expansions)`,
        line: null,
      },
    };
  }
}

function jsonError(text: string, e: unknown): { message: string; line: number | null } {
  // V8 quotes a slice of the source, newlines included; keep only its verdict.
  const raw = e instanceof Error ? e.message : String(e);
  const message = raw.replace(/, (\.\.\.)?".*" is not valid JSON$/s, '').replace(/\s+/g, ' ');
  const pos = /position (\d+)/.exec(message);
  const lineMatch = /line (\d+)/.exec(message);
  let line: number | null = lineMatch ? Number(lineMatch[1]) : null;
  if (line === null && pos) line = text.slice(0, Number(pos[1])).split('\n').length;
  return { message: `JSON syntax error: ${message}`, line };
}

/** Parses and validates a scenario. Throws ScenarioInvalid naming file, line and step. */
export function parseScenario(text: string, file: string): Scenario {
  let value: unknown;
  let locate: Locate;
  let stepLine: Locate;
  if (/\.json$/i.test(file)) {
    // JSON.parse is fast enough for generated million-step files; lines are found
    // lazily (by re-reading as YAML) only when an error needs one.
    try {
      value = JSON.parse(text);
    } catch (e) {
      const err = jsonError(text, e);
      throw new ScenarioInvalid(file, err.message, err.line);
    }
    let lazy: Locate | null = null;
    locate = (path) => {
      lazy ??= yamlLocator(text).locate;
      return lazy(path);
    };
    stepLine = () => null;
  } else {
    const parsed = yamlLocator(text);
    if (parsed.error !== null)
      throw new ScenarioInvalid(file, parsed.error.message, parsed.error.line);
    value = parsed.value;
    locate = parsed.locate;
    stepLine = locate;
  }
  const ctx = new Ctx(file, locate, stepLine);
  const top = asMap(ctx, value, []);
  onlyKeys(
    ctx,
    top,
    [],
    ['name', 'description', 'parties', 'agreements', 'users', 'items', 'timeline'],
    'a scenario',
  );
  const parties = asList(ctx, required(ctx, top, 'parties', [], 'a scenario'), ['parties']).map(
    (p, i) => readParty(ctx, p, ['parties', i]),
  );
  const agreements =
    top.agreements === undefined
      ? []
      : asList(ctx, top.agreements, ['agreements']).map((a, i) =>
          readAgreement(ctx, a, ['agreements', i]),
        );
  const users =
    top.users === undefined
      ? []
      : asList(ctx, top.users, ['users']).map((u, i) => readUser(ctx, u, ['users', i]));
  const items =
    top.items === undefined
      ? []
      : asList(ctx, top.items, ['items']).map((it, i) => readItem(ctx, it, ['items', i]));
  const spec: WorldSpec = { parties, agreements, users, items };
  let world: World;
  try {
    world = World.create(spec);
  } catch (e) {
    if (e instanceof DefinitionError) ctx.fail(e.path, e.message);
    throw e;
  }
  const reg: Registry = { world, consentIds: new Set() };
  const rawSteps = asList(ctx, required(ctx, top, 'timeline', [], 'a scenario'), ['timeline']);
  const steps: ScenarioStep[] = [];
  let previous: ScenarioStep | null = null;
  for (let i = 0; i < rawSteps.length; i++) {
    const step = readStep(ctx, reg, rawSteps[i], i, ['timeline', i]);
    if (previous !== null && step.at.ms < previous.at.ms) {
      ctx.fail(
        ['timeline', i, 'at'],
        `at ${String((rawSteps[i] as Record<string, unknown>).at)} is earlier than step ${previous.index}'s; timeline steps must be in time order`,
      );
    }
    steps.push(step);
    previous = step;
  }
  ctx.step = null;
  ctx.action = null;
  // A revocation must name a consent that some step grants.
  for (const s of steps) {
    if (s.action.kind === 'revoke-consent' && !reg.consentIds.has(s.action.id)) {
      ctx.step = s.index;
      ctx.action = s.action.kind;
      ctx.fail(
        ['timeline', s.index - 1, 'revoke-consent', 'id'],
        `unknown consent '${s.action.id}': no step grants it`,
      );
    }
  }
  const name = top.name === undefined ? file : asString(ctx, top.name, ['name']);
  const description =
    top.description === undefined ? null : asString(ctx, top.description, ['description']);
  return { file, name, description, world: spec, steps };
}
