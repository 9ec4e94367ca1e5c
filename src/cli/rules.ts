// `liaison rules [--json]`: the built-in schemes, templates and reason codes.
import {
  ACTION_KINDS,
  type AgreementDefinition,
  BUILT_IN_PARTIES,
  BUILT_IN_TEMPLATES,
  REASON_CODES,
} from '../core/index.js';
import { EXIT } from './errors.js';
import type { Io } from './io.js';
import { table } from './text.js';

function templateJson(d: AgreementDefinition): Record<string, unknown> {
  return {
    id: d.id,
    title: d.title ?? null,
    parties: d.parties,
    topology: d.topology.kind === 'hub' ? { hub: d.topology.hub } : 'mesh',
    rows: d.rows,
    scope: d.scope ?? null,
    entryIntoForce: d.entryIntoForce,
    initialTerm: d.initialTerm ?? null,
    renewalTerm: d.renewalTerm ?? null,
    noticePeriod: d.noticePeriod,
    timezone: d.timezone,
    articles: d.articles ?? {},
    assumptions: d.assumptions ?? [],
    assumed: d.assumed ?? [],
  };
}

export function rulesJson(): Record<string, unknown> {
  return {
    parties: [...BUILT_IN_PARTIES.values()].map((p) => ({
      id: p.id,
      name: p.name,
      scheme: p.scheme.markings.map((m) => ({
        code: m.code,
        rank: m.rank,
        name: m.name,
        en: m.en,
      })),
    })),
    templates: [...BUILT_IN_TEMPLATES.values()].map(templateJson),
    reasonCodes: REASON_CODES,
    actions: ['status', ...ACTION_KINDS],
  };
}

function markingName(party: string, code: string): string {
  const m = BUILT_IN_PARTIES.get(party)?.scheme.byCode.get(code);
  return m === undefined ? code : `${m.name} ${code}`;
}

export function rules(json: boolean, io: Io): number {
  if (json) {
    io.out(`${JSON.stringify(rulesJson())}\n`);
    return EXIT.ok;
  }
  const out: string[] = [
    'Classification schemes (rank 0 = unclassified; compare ranks only within one scheme)',
    '',
  ];
  const parties = [...BUILT_IN_PARTIES.values()];
  const maxRank = Math.max(...parties.flatMap((p) => p.scheme.markings.map((m) => m.rank)));
  const ranks = Array.from({ length: maxRank + 1 }, (_, i) => i);
  const schemeRows = parties.map((p) => [
    `${p.id} ${p.name}`,
    ...ranks.map((r) =>
      p.scheme.markings
        .filter((m) => m.rank === r)
        .map((m) => `${m.code} ${m.name}`)
        .join(', '),
    ),
  ]);
  for (const l of table(['party', ...ranks.map((r) => `rank ${r}`)], schemeRows))
    out.push(`  ${l}`);
  out.push('', 'Built-in agreements (templates)', '');
  for (const d of BUILT_IN_TEMPLATES.values()) {
    out.push(`  ${d.id} — ${d.title ?? ''}`);
    out.push(
      `    parties ${d.parties.join(', ')}${d.topology.kind === 'hub' ? ` (hub ${d.topology.hub})` : ''}; scope ${
        d.scope?.join(', ') ?? 'all'
      }`,
    );
    out.push(
      `    in force ${d.entryIntoForce}; ${
        d.initialTerm === undefined
          ? 'indefinite'
          : `${d.initialTerm}${d.renewalTerm === undefined ? ', no renewal' : `, renews ${d.renewalTerm}`}`
      }; notice ${d.noticePeriod}; ${d.timezone}`,
    );
    for (const row of d.rows) {
      out.push(
        `    row: ${Object.entries(row)
          .map(([p, codes]) => `${p} ${codes.map((c) => markingName(p, c)).join(' / ')}`)
          .join(' = ')}`,
      );
    }
    for (const a of d.assumptions ?? []) out.push(`    note: ${a}`);
    out.push('');
  }
  out.push('Reason codes', '');
  for (const l of table(
    ['code', 'effect', 'rules', 'meaning'],
    REASON_CODES.map((c) => [c.code, c.effect, c.rules.join(' ') || '—', c.meaning]),
  )) {
    out.push(`  ${l}`);
  }
  io.out(`${out.join('\n')}\n`);
  return EXIT.ok;
}
