// Scenario files (SCENARIOS.md): YAML or JSON that sets up parties, agreements,
// users and items, then a timeline of actions. Parsing validates everything it
// can before anything runs, and every error names the file, line and step.
import { isNode, LineCounter, parseDocument } from 'yaml';
import { DefinitionError, World, type WorldSpec } from '../core/index.js';
import { readAgreement, readItem, readParty, readUser } from './definitions.js';
import { ScenarioInvalid } from './errors.js';
import { asList, asMap, asString, Ctx, type Locate, onlyKeys, required } from './fields.js';
import { type Registry, readStep } from './timeline.js';

export type {
  Expectation,
  ScenarioAction,
  ScenarioActionKind,
  ScenarioStep,
  StatusAction,
} from './timeline.js';
export { SCENARIO_ACTIONS } from './timeline.js';

import type { ScenarioStep } from './timeline.js';

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description: string | null;
  readonly world: WorldSpec;
  readonly steps: readonly ScenarioStep[];
}

// ---------------------------------------------------------------- files

/** Alias expansions a YAML scenario may use (yaml's own default is 100). */
const MAX_ALIAS_COUNT = 1000;

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
        `at ${String(asMap(ctx, rawSteps[i], ['timeline', i]).at)} is earlier than step ${previous.index}'s; timeline steps must be in time order`,
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
