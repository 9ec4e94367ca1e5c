// A scenario's timeline: each step's action, the parties, items and agreements it
// names, and what it expects, checked before anything runs.
import {
  ACTION_KINDS,
  type Action,
  compileText,
  DefinitionError,
  type EndedBy,
  isReasonCode,
  type OffsetInstant,
  oneOf,
  type ReasonCode,
  type World,
} from '../core/index.js';
import { readRows, readScope } from './definitions.js';
import {
  asInstant,
  asMap,
  asOneOf,
  asString,
  type Ctx,
  onlyKeys,
  optString,
  type Path,
  required,
  typeName,
} from './fields.js';

// ---------------------------------------------------------------- timeline

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

export interface Registry {
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
    const state = asOneOf(ctx, required(ctx, o, 'state', path, 'a status expectation'), STATES, [
      ...path,
      'state',
    ]);
    const instantOrNull = (key: string): number | null | undefined =>
      o[key] === undefined
        ? undefined
        : o[key] === null
          ? null
          : asInstant(ctx, o[key], [...path, key]).ms;
    let endedBy: EndedBy | null | undefined;
    if (o.endedBy !== undefined && o.endedBy !== null) {
      endedBy = asOneOf(ctx, o.endedBy, ENDED_BY, [...path, 'endedBy'], ' or null');
    } else if (o.endedBy === null) endedBy = null;
    const bool = (key: string): boolean | undefined => {
      const b = o[key];
      if (b === undefined) return undefined;
      if (typeof b !== 'boolean')
        ctx.fail([...path, key], `${key} must be true or false, not ${typeName(b)}`);
      return b;
    };
    const termEnd = instantOrNull('termEnd');
    const noticeTarget = instantOrNull('noticeTarget');
    const contested = bool('contested');
    // noticeSuspended: null expects no notice at all.
    const noticeSuspended = o.noticeSuspended === null ? null : bool('noticeSuspended');
    return {
      kind: 'status',
      state,
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

export function readStep(
  ctx: Ctx,
  reg: Registry,
  v: unknown,
  index: number,
  path: Path,
): ScenarioStep {
  ctx.step = index + 1;
  ctx.action = null;
  const o = asMap(ctx, v, path);
  const kinds = Object.keys(o).filter((k): k is ScenarioActionKind => oneOf(SCENARIO_ACTIONS, k));
  const [strange] = Object.keys(o).filter(
    (k) => !oneOf(SCENARIO_ACTIONS, k) && k !== 'at' && k !== 'expect',
  );
  const [kind, second] = kinds;
  if (kind === undefined) {
    if (strange !== undefined) {
      ctx.fail(
        [...path, strange],
        `unknown action '${strange}' (known: ${SCENARIO_ACTIONS.join(', ')})`,
      );
    }
    ctx.fail(path, `the step has no action (known: ${SCENARIO_ACTIONS.join(', ')})`);
  }
  if (second !== undefined)
    ctx.fail(path, `a step has one action, this one has ${kinds.join(' and ')}`);
  ctx.action = kind;
  if (strange !== undefined) {
    ctx.fail(
      [...path, strange],
      `unknown field '${strange}' in the step (a step has at, one action, and expect)`,
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
