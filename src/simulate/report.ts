// The machine form of a simulation (SCENARIOS.md "Output"): one JSON object per
// step, instants printed in the step's own offset.
import { formatInstant, type NoticeState, type Reason } from '../core/index.js';
import type { StepResult } from './run.js';

function reasonJson(r: Reason): Record<string, unknown> {
  const out: Record<string, unknown> = { code: r.code, message: r.message };
  if (r.ref !== undefined) out.ref = r.ref;
  if (r.rule !== null) out.rule = r.rule;
  if (r.agreement !== undefined) out.agreement = r.agreement;
  if (r.party !== undefined) out.party = r.party;
  return out;
}

function noticeJson(n: NoticeState | null, offset: number | null): Record<string, unknown> | null {
  if (n === null) return null;
  return {
    by: n.by,
    receivedAt: formatInstant(n.receivedAt, offset),
    target: formatInstant(n.target, offset),
    suspended: n.suspended,
  };
}

/** The step's action fields, normalised, instants in the step's offset. */
function argsJson(r: StepResult, offset: number | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.step.action)) {
    if (k === 'kind' || v === undefined) continue;
    out[k] =
      (k === 'expires' || k === 'effectiveAt') && typeof v === 'number'
        ? formatInstant(v, offset)
        : v;
  }
  return out;
}

export function stepJson(r: StepResult): Record<string, unknown> {
  const { step } = r;
  const offset = step.at.offsetMinutes;
  const fmt = (ms: number | null): string | null =>
    ms === null ? null : formatInstant(ms, offset);
  const out: Record<string, unknown> = {
    step: step.index,
    at: fmt(step.at.ms),
    action: step.action.kind,
    args: argsJson(r, offset),
  };
  if (r.status !== null) {
    const s = r.status;
    out.agreement = s.agreement;
    out.state = s.state;
    out.termEnd = fmt(s.termEnd);
    out.endedBy = s.endedBy;
    out.notice = noticeJson(s.notice, offset);
    out.contested = s.contested;
    if (s.term !== null) {
      out.term = { index: s.term.index, start: fmt(s.term.start), end: fmt(s.term.end) };
    }
  } else if (r.decision !== null) {
    const d = r.decision;
    out.decision = d.decision;
    out.reasons = d.reasons.map(reasonJson);
    if (d.marking !== undefined) out.marking = d.marking;
    if (d.agreements !== undefined) out.agreements = d.agreements;
    if (d.suggestion !== undefined) out.suggestion = d.suggestion;
    if (d.holders !== undefined) out.holders = d.holders;
    if (d.notice !== undefined) out.notice = noticeJson(d.notice, offset);
  }
  if (r.outcome !== null) {
    out.expect = r.outcome;
    if (r.outcome === 'mismatch') {
      out.expected = step.expectRaw;
      out.mismatches = r.mismatches;
    }
  }
  return out;
}
