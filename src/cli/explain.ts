// `liaison agreement explain ID --at INSTANT [--scenario FILE] [--json]`.
import { defined } from '../core/guards.js';
import {
  type AgreementExplanation,
  type AgreementRuntime,
  BUILT_IN_PARTIES,
  BUILT_IN_TEMPLATES,
  explainAgreement,
  explanationJson,
  type MarkingRef,
  type OffsetInstant,
  World,
} from '../core/index.js';
import { parseScenario, runScenario } from '../simulate/index.js';
import { EXIT, UsageError } from './errors.js';
import { markingText } from './format.js';
import { type Io, readInput } from './io.js';
import { noticeWords } from './lifecycle-words.js';
import { table } from './text.js';
import { offsetIn, relative, zoneLine } from './time.js';

/** The agreement with that id: from the scenario replayed up to t, else a built-in template. */
export function resolveAgreement(
  id: string,
  at: OffsetInstant,
  scenarioFile: string | undefined,
): AgreementRuntime {
  if (scenarioFile !== undefined) {
    const scenario = parseScenario(readInput(scenarioFile), scenarioFile);
    const { world } = runScenario(scenario, () => {}, { until: at.ms });
    const a = world.agreements.get(id);
    if (a === undefined) {
      throw new UsageError(
        `unknown agreement '${id}' in ${scenarioFile} (it has: ${[...world.agreements.keys()].join(', ') || 'none'})`,
      );
    }
    return a;
  }
  const def = BUILT_IN_TEMPLATES.get(id);
  if (def === undefined) {
    throw new UsageError(
      `unknown agreement '${id}': built in are ${[...BUILT_IN_TEMPLATES.keys()].join(', ')}; pass --scenario FILE for others`,
    );
  }
  const world = World.create({ parties: [...BUILT_IN_PARTIES.values()], agreements: [def] });
  return defined(world.agreements.get(id), `agreement ${id}`);
}

const showRefs = (ms: readonly MarkingRef[]) =>
  ms.map((m) => markingText(m, { party: false })).join(' / ');

/** The explanation for people: every instant in the agreement's own zone, named. */
export function renderExplanation(x: AgreementExplanation): string[] {
  const fmt = (ms: number) => offsetIn(ms, x.timezone);
  const s = x.status;
  const out: string[] = [];
  out.push(`${x.id}${x.title === null ? '' : ` — ${x.title}`}`);
  out.push(
    `Parties:       ${x.parties.map((p) => `${p.id} (${p.name})`).join(', ')}; ${
      x.topology.kind === 'hub' ? `hub ${x.topology.hub}: spoke-to-spoke goes through it` : 'mesh'
    }`,
  );
  const term =
    x.termKind === 'indefinite'
      ? 'indefinite'
      : `initial term ${x.initialTerm}, ${x.termKind === 'renews' ? `renews automatically by ${x.renewalTerm}` : 'no renewal'}`;
  out.push(
    `Term rules:    in force from ${fmt(x.entryIntoForce)}; ${term}; notice period ${x.noticePeriod}${
      x.assumed.includes('noticePeriod') ? ' (ASSUMED)' : ''
    }; calendar in ${x.timezone}`,
  );
  out.push(`               ${zoneLine(x.timezone, "the agreement's zone")}`);
  out.push(`Scope:         ${x.scope === null ? 'all categories' : x.scope.join(', ')}`);
  out.push('');
  out.push(`At ${fmt(s.at)}: ${s.state.toUpperCase()}${s.contested ? ' (contested)' : ''}`);
  if (s.state === 'pending') out.push(`  enters into force at ${fmt(x.entryIntoForce)}`);
  if (s.state === 'terminated' && s.endedAt !== null) {
    out.push(
      `  ended at ${fmt(s.endedAt)} by ${s.endedBy}; obligations on what was exchanged survive (RULES L9)`,
    );
  }
  if (s.term !== null) {
    out.push(
      `  current term #${s.term.index}: ${fmt(s.term.start)} → ${s.term.end === null ? 'no calendar end' : fmt(s.term.end)}`,
    );
  }
  if (x.boundaries.length > 0) {
    out.push(
      `  boundaries: ${x.boundaries.map((b) => `b${b.index} ${fmt(b.at)}${b.at <= s.at ? ' (passed)' : ''}`).join(', ')}`,
    );
  }
  const d = x.nextNoticeDeadline;
  if (d !== null) {
    if (s.termEnd !== null && s.state === 'in-force' && s.termEnd < d.boundary) {
      out.push(
        `  the renewal at ${fmt(s.termEnd)} can no longer be stopped by notice: its deadline has passed`,
      );
    }
    out.push(
      `  next notice deadline: to stop renewal at ${fmt(d.boundary)}, notice must arrive by ${fmt(d.deadline)} (B − ${d.noticePeriod}; ${relative(s.at, d.deadline)})`,
    );
  } else if (s.state !== 'terminated') {
    out.push(
      x.termKind === 'indefinite'
        ? `  no renewals: a notice takes effect ${x.noticePeriod} after it arrives`
        : '  no renewal: the agreement ends at the end of its only term (endedBy: expiry)',
    );
  }
  const notice = noticeWords(s, s.at, x.timezone, (t) => offsetIn(t, x.timezone));
  if (s.notice !== null && s.state === 'terminated') {
    out.push(
      `  ended by the notice of ${s.notice.by}, received ${fmt(s.notice.receivedAt)}, which targeted ${fmt(s.notice.target)}`,
    );
  } else if (s.notice !== null && notice !== null) {
    out.push(`  pending ${notice}; received ${fmt(s.notice.receivedAt)}`);
  } else if (s.state === 'in-force') {
    out.push('  pending notice: none');
  }
  out.push('');
  out.push(
    `Equivalence table${x.assumed.includes('rows') ? ' (ASSUMED: these rows are not public)' : ''} (a marking in no row is not covered):`,
  );
  const ids = x.parties.map((p) => p.id);
  const rows = x.equivalence.map((row) => ids.map((id) => showRefs(row[id] ?? [])));
  for (const line of table(ids, rows)) out.push(`  ${line}`);
  const gaps = Object.entries(x.uncovered);
  if (gaps.length > 0) {
    out.push(`  not covered: ${gaps.map(([p, ms]) => `${p} ${showRefs(ms)}`).join('; ')}`);
  }
  if (x.versions.length > 1) {
    out.push(
      `  amended: ${x.versions
        .slice(1)
        .map((v) => (v.from === null ? '' : fmt(v.from)))
        .join(', ')} (the table above is the text in force at ${fmt(s.at)})`,
    );
  }
  if (x.assumptions.length > 0) {
    out.push('');
    out.push('Assumptions and notes:');
    for (const a of x.assumptions) out.push(`  - ${a}`);
  }
  return out;
}

export function explain(
  id: string,
  at: OffsetInstant,
  scenario: string | undefined,
  json: boolean,
  io: Io,
): number {
  const a = resolveAgreement(id, at, scenario);
  const x = explainAgreement(a, at.ms);
  if (json) io.out(`${JSON.stringify(explanationJson(x, at.offsetMinutes))}\n`);
  else io.out(`${renderExplanation(x).join('\n')}\n`);
  return EXIT.ok;
}
