// The simulated consequence of a notice action before an admin confirms it: a
// scenario (SCENARIOS.md) generated from the agreement as the node explains it now
// (its current text inline, its lifecycle events replayed), the proposed action at
// this instant, then the agreement's status just after it and just after each
// coming boundary. POST /v1/simulate runs it on the node's own core.
import { durationUpperBoundMs } from './format';
import type {
  AgreementExplanation,
  NoticeAction,
  SimDecisionStep,
  SimStatusStep,
  SimulateResult,
} from './types';
import { isStatusStep } from './types';

type Step = Record<string, unknown> & { at: string };

const LIFECYCLE = new Set(['notice', 'suspend-notice', 'resume-notice', 'withdraw-notice']);

const iso = (ms: number): string => new Date(ms).toISOString();

/** The agreement's current text as an inline scenario definition. */
function inlineDefinition(x: AgreementExplanation): Record<string, unknown> {
  const def: Record<string, unknown> = {
    id: x.id,
    parties: x.parties.map((p) => p.id),
    rows: x.equivalence.map((row) =>
      Object.fromEntries(Object.entries(row).map(([party, ms]) => [party, ms.map((m) => m.code)])),
    ),
    topology: x.topology === 'mesh' ? 'mesh' : { hub: x.topology.hub },
    entryIntoForce: x.entryIntoForce,
    noticePeriod: x.noticePeriod,
    timezone: x.timezone,
  };
  if (x.initialTerm !== null) def.initialTerm = x.initialTerm;
  if (x.renewalTerm !== null) def.renewalTerm = x.renewalTerm;
  if (x.scope !== null) def.scope = [...x.scope];
  // The agreement's articles, so that the simulated decision cites the article the
  // node's decision will cite ("Art. 21.3"), not the RULES rule it falls back to.
  const articles = articlesOf(x);
  if (articles !== null) def.articles = articles;
  // …and which parts are assumed, so that it says "(approximate)" where the node does.
  if (x.assumed.length > 0) def.assumed = [...x.assumed];
  return def;
}

/** The explanation's article references by topic; null when it cites none. */
export function articlesOf(x: AgreementExplanation): Record<string, string> | null {
  return Object.keys(x.articles).length === 0 ? null : { ...x.articles };
}

export interface Preview {
  /** The scenario sent, as JSON text. */
  readonly scenario: string;
  /** The instants of the status steps that follow the action. */
  readonly checks: readonly string[];
}

export function previewScenario(
  x: AgreementExplanation,
  action: NoticeAction,
  by: string,
  nowMs: number,
): Preview {
  const steps: Step[] = [];
  for (const e of x.events) {
    if (LIFECYCLE.has(e.kind) && e.by !== undefined) {
      steps.push({ at: e.at, [e.kind]: { agreement: x.id, by: e.by } });
    } else if (e.kind === 'terminate') {
      steps.push({ at: e.effectiveAt ?? e.at, terminate: { agreement: x.id } });
    }
    // Amendments are already in the current text used as the definition.
  }
  const past = steps.map((s) => Date.parse(s.at)).filter((at) => at <= nowMs);
  const now = Math.max(nowMs, ...past.map((at) => at + 1));
  steps.push({ at: iso(now), [action]: { agreement: x.id, by } });
  const checks = new Set<number>([now + 1000]);
  for (const b of x.boundaries) {
    const at = Date.parse(b.at);
    if (at > now) checks.add(at + 1000);
  }
  const period = durationUpperBoundMs(x.noticePeriod);
  if (period !== null && x.boundaries.every((b) => Date.parse(b.at) <= now)) {
    // An indefinite agreement: a notice takes effect a notice period after it is given.
    checks.add(now + period + 86_400_000);
  }
  const sorted = [...checks].sort((a, b) => a - b);
  for (const at of sorted) steps.push({ at: iso(at), status: { agreement: x.id } });
  steps.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const scenario = {
    name: `console preview: ${action} on ${x.id} by ${by}`,
    parties: x.parties.map((p) => p.id),
    agreements: [inlineDefinition(x)],
    timeline: steps,
  };
  return { scenario: JSON.stringify(scenario, null, 2), checks: sorted.map(iso) };
}

export interface PreviewOutcome {
  /** The proposed action's decision in the simulation. */
  readonly decision: SimDecisionStep | null;
  /** The agreement's status after it. */
  readonly statuses: readonly SimStatusStep[];
  /** The first status at which it has ended, if any. */
  readonly ends: SimStatusStep | null;
  /** When it ends: the notice's target when that is what ends it, else the first status that shows it ended. */
  readonly endsAt: string | null;
}

export function readPreview(result: SimulateResult, action: NoticeAction): PreviewOutcome {
  const decisions = result.steps.filter(
    (s): s is SimDecisionStep => !isStatusStep(s) && s.action === action,
  );
  const decision = decisions[decisions.length - 1] ?? null;
  const after = decision === null ? 0 : decision.step;
  const statuses = result.steps.filter(
    (s): s is SimStatusStep => isStatusStep(s) && s.step > after,
  );
  const ends = statuses.find((s) => s.state === 'terminated') ?? null;
  let endsAt: string | null = null;
  if (ends !== null) {
    const n = decision?.notice;
    endsAt =
      n != null && !n.suspended && Date.parse(n.target) <= Date.parse(ends.at) ? n.target : ends.at;
  }
  return { decision, statuses, ends, endsAt };
}
