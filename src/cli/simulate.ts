// `liaison simulate FILE [--json]`: replay a scenario; a table for people, JSON
// Lines for machines. Exit 0 when every expectation holds, 1 when one does not.
import { formatInstant, type MarkingRef } from '../core/index.js';
import { parseScenario, runScenario, type StepResult, stepJson } from '../simulate/index.js';
import { EXIT } from './errors.js';
import { count, markingText } from './format.js';
import { type Io, readInput } from './io.js';
import { table } from './text.js';

function showView(m: MarkingRef): string {
  return markingText(m);
}

function describeAction(r: StepResult): string {
  const a = r.step.action;
  switch (a.kind) {
    case 'status':
      return `status ${a.agreement}`;
    case 'release':
      return `release ${a.item} → ${a.to}`;
    case 'forward':
      return `forward ${a.item} ${a.by} → ${a.to}`;
    case 'read':
      return `read ${a.item} by ${a.user}`;
    case 'consent':
      return `consent ${a.id}: ${a.by} lets ${a.holder} pass ${a.item} → ${a.to}`;
    case 'revoke-consent':
      return `revoke-consent ${a.id} by ${a.by}`;
    case 'reclassify':
      return `reclassify ${a.item} → ${a.marking} by ${a.by}`;
    case 'report-compromise':
      return `report-compromise ${a.item} by ${a.by}`;
    case 'notice':
    case 'suspend-notice':
    case 'resume-notice':
    case 'withdraw-notice':
      return `${a.kind} ${a.agreement} by ${a.by}`;
    case 'terminate':
      return `terminate ${a.agreement} (mutual)`;
    case 'amend': {
      const what = [
        a.rows && 'rows',
        a.scope !== undefined && 'scope',
        a.noticePeriod && 'noticePeriod',
      ]
        .filter(Boolean)
        .join(', ');
      return `amend ${a.agreement} (${what})`;
    }
  }
}

function describeResult(r: StepResult): { result: string; detail: string; notes: string[] } {
  const offset = r.step.at.offsetMinutes;
  const fmt = (ms: number) => formatInstant(ms, offset);
  if (r.status !== null) {
    const s = r.status;
    const parts: string[] = [];
    if (s.state === 'in-force')
      parts.push(s.termEnd === null ? 'indefinite' : `term ends ${fmt(s.termEnd)}`);
    if (s.state === 'terminated' && s.endedAt !== null) {
      parts.push(
        `ended ${fmt(s.endedAt)} by ${s.endedBy ?? '?'}${s.contested ? ' (contested)' : ''}`,
      );
    }
    if (s.notice !== null && s.state !== 'terminated') {
      parts.push(
        `notice by ${s.notice.by} → ${fmt(s.notice.target)}${s.notice.suspended ? ' (suspended)' : ''}`,
      );
    }
    return { result: s.state, detail: parts.join('; '), notes: [] };
  }
  const d = r.decision;
  if (d === null) return { result: '', detail: '', notes: [] };
  const first = d.reasons[0];
  let detail = first?.code ?? '';
  if (d.decision === 'allow' && d.marking !== undefined) {
    detail = `${showView(d.marking)} ← ${showView(d.marking.originator)}`;
  } else if (d.decision === 'allow' && d.holders !== undefined) {
    detail = d.holders.map((h) => showView(h)).join(', ');
  } else if (d.decision === 'allow' && d.notice !== undefined) {
    detail =
      d.notice === null
        ? 'no notice pending'
        : `notice by ${d.notice.by} → ${fmt(d.notice.target)}${d.notice.suspended ? ' (suspended)' : ''}`;
  }
  const notes = d.reasons.map(
    (x) => `${x.code}: ${x.message}${x.ref === undefined ? '' : `  [${x.ref}]`}`,
  );
  if (d.suggestion !== undefined) notes.push(`suggestion: ${d.suggestion.message}`);
  return { result: d.decision, detail, notes };
}

/** People's form: one row per step, each followed by its reasons and any suggestion. */
export function renderTable(name: string, file: string, results: readonly StepResult[]): string[] {
  const rows = results.map((r) => {
    const { result, detail } = describeResult(r);
    return [
      String(r.step.index),
      formatInstant(r.step.at.ms, r.step.at.offsetMinutes),
      describeAction(r),
      result,
      detail,
      r.outcome === null ? '' : r.outcome === 'ok' ? 'ok' : 'MISMATCH',
    ];
  });
  const lines = table(['#', 'at', 'action', 'result', 'detail', 'expect'], rows);
  const out = [`${name}  (${file})`, '', lines[0] ?? '', lines[1] ?? ''];
  results.forEach((r, i) => {
    out.push(lines[i + 2] ?? '');
    for (const note of describeResult(r).notes) out.push(`      ↳ ${note}`);
    for (const m of r.mismatches) out.push(`      ✗ ${m}`);
  });
  return out;
}

export function simulate(file: string, displayName: string, json: boolean, io: Io): number {
  const scenario = parseScenario(readInput(file), displayName);
  if (json) {
    let buffer: string[] = [];
    const { summary } = runScenario(scenario, (r) => {
      buffer.push(JSON.stringify(stepJson(r)));
      if (buffer.length >= 1000) {
        io.out(`${buffer.join('\n')}\n`);
        buffer = [];
      }
    });
    if (buffer.length > 0) io.out(`${buffer.join('\n')}\n`);
    return summary.mismatches === 0 ? EXIT.ok : EXIT.failed;
  }
  const results: StepResult[] = [];
  const { summary } = runScenario(scenario, (r) => results.push(r));
  const lines = renderTable(scenario.name, displayName, results);
  lines.push(
    '',
    `${count(summary.steps, 'step')}: ${summary.ok} of ${count(summary.expectations, 'expectation')} met${summary.mismatches === 0 ? '' : `, ${summary.mismatches} NOT MET`}`,
  );
  io.out(`${lines.join('\n')}\n`);
  return summary.mismatches === 0 ? EXIT.ok : EXIT.failed;
}
