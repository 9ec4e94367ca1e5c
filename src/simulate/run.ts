// Replays a scenario's timeline on the policy core with a virtual clock: each step
// is decided at its own instant, and an allowed step's effect is applied.
import {
  type AgreementStatus,
  applyEffect,
  type Decision,
  decide,
  formatInstant,
  World,
} from '../core/index.js';
import type { Expectation, Scenario, ScenarioStep } from './scenario.js';

export interface StepResult {
  readonly step: ScenarioStep;
  /** Set for every action but `status`. */
  readonly decision: Decision | null;
  /** Set for `status`. */
  readonly status: AgreementStatus | null;
  readonly outcome: 'ok' | 'mismatch' | null;
  /** What differed, when the outcome is a mismatch. */
  readonly mismatches: readonly string[];
}

export interface RunSummary {
  readonly steps: number;
  readonly expectations: number;
  readonly ok: number;
  readonly mismatches: number;
}

function sameInstant(expected: number | null, actual: number | null): boolean {
  return expected === actual;
}

function checkDecision(e: Expectation & { kind: 'decision' }, d: Decision): string[] {
  const out: string[] = [];
  if (d.decision !== e.decision) out.push(`decision ${d.decision}, expected ${e.decision}`);
  const first = d.reasons[0]?.code;
  if (e.reason !== undefined && first !== e.reason) {
    out.push(`first reason ${first ?? 'none'}, expected ${e.reason}`);
  }
  if (e.marking !== undefined && d.marking?.code !== e.marking) {
    out.push(`marking ${d.marking?.code ?? 'none'}, expected ${e.marking}`);
  }
  return out;
}

function checkStatus(
  e: Expectation & { kind: 'status' },
  s: AgreementStatus,
  offset: number | null,
): string[] {
  const out: string[] = [];
  const show = (ms: number | null) => (ms === null ? 'null' : formatInstant(ms, offset));
  if (s.state !== e.state) out.push(`state ${s.state}, expected ${e.state}`);
  if (e.termEnd !== undefined && !sameInstant(e.termEnd, s.termEnd)) {
    out.push(`termEnd ${show(s.termEnd)}, expected ${show(e.termEnd)}`);
  }
  if (e.endedBy !== undefined && e.endedBy !== s.endedBy) {
    out.push(`endedBy ${s.endedBy ?? 'null'}, expected ${e.endedBy ?? 'null'}`);
  }
  if (e.noticeTarget !== undefined && !sameInstant(e.noticeTarget, s.notice?.target ?? null)) {
    out.push(`noticeTarget ${show(s.notice?.target ?? null)}, expected ${show(e.noticeTarget)}`);
  }
  if (e.noticeSuspended !== undefined && e.noticeSuspended !== (s.notice?.suspended ?? null)) {
    out.push(
      `noticeSuspended ${String(s.notice?.suspended ?? null)}, expected ${String(e.noticeSuspended)}`,
    );
  }
  if (e.contested !== undefined && e.contested !== s.contested) {
    out.push(`contested ${String(s.contested)}, expected ${String(e.contested)}`);
  }
  return out;
}

export interface RunOptions {
  /** Stop before the first step later than this instant. */
  readonly until?: number;
}

/**
 * Runs the steps in order and calls `onStep` with each result as it is decided.
 * Returns the summary and the world as the last step left it.
 */
export function runScenario(
  scenario: Scenario,
  onStep: (r: StepResult) => void,
  options: RunOptions = {},
): { summary: RunSummary; world: World } {
  const world = World.create(scenario.world);
  const until = options.until ?? Number.POSITIVE_INFINITY;
  let expectations = 0;
  let ok = 0;
  let steps = 0;
  for (const step of scenario.steps) {
    const t = step.at.ms;
    if (t > until) break;
    steps++;
    let decision: Decision | null = null;
    let status: AgreementStatus | null = null;
    let mismatches: string[] = [];
    if (step.action.kind === 'status') {
      const a = world.agreements.get(step.action.agreement);
      // The parser has checked the id; a missing agreement here is a bug.
      if (a === undefined) throw new RangeError(`agreement ${step.action.agreement} vanished`);
      status = a.statusAt(t);
      if (step.expect?.kind === 'status')
        mismatches = checkStatus(step.expect, status, step.at.offsetMinutes);
    } else {
      decision = decide(world, step.action, t);
      if (decision.decision === 'allow' && decision.effect !== undefined)
        applyEffect(world, decision.effect);
      if (step.expect?.kind === 'decision') mismatches = checkDecision(step.expect, decision);
    }
    let outcome: StepResult['outcome'] = null;
    if (step.expect !== null) {
      expectations++;
      outcome = mismatches.length === 0 ? 'ok' : 'mismatch';
      if (outcome === 'ok') ok++;
    }
    onStep({ step, decision, status, outcome, mismatches });
  }
  return { summary: { steps, expectations, ok, mismatches: expectations - ok }, world };
}
