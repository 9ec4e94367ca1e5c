// `npm run bench`: measures and prints a table. Never asserts: figures are recorded
// in BENCHMARKS.md with the machine they were measured on.
import { cpus } from 'node:os';
import { cedarRates } from './cedar.js';
import { coreRates } from './core.js';
import { nodeFigures } from './node.js';
import { simulatorRates } from './simulator.js';
import { buildWorkload } from './workload.js';

const quick = process.argv.includes('--quick');
const budget = quick ? 300 : 1500;
const simSteps = quick ? 100_000 : 1_000_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rows: [string, string, string][] = [];

const workload = buildWorkload();
const core = coreRates(workload, budget);
rows.push(
  [
    'core release decisions/s (mixed instants, 1 core)',
    `${fmt(core.release.perSecond)} (${(core.release.allowShare * 100).toFixed(0)}% allow)`,
    '≥ 1,000,000',
  ],
  [
    'core release decisions/s (one instant, 1 core)',
    `${fmt(core.releaseSameInstant.perSecond)}`,
    '≥ 1,000,000',
  ],
  [
    'core read decisions/s (mixed instants, 1 core)',
    `${fmt(core.read.perSecond)} (${(core.read.allowShare * 100).toFixed(0)}% allow)`,
    '≥ 1,000,000',
  ],
);

const cedar = cedarRates(workload, budget * 2);
rows.push(
  [
    'Cedar release decisions/s, same queries (1 core)',
    `${fmt(cedar.release.perSecond)} (${(cedar.release.allowShare * 100).toFixed(0)}% allow)`,
    '(peer)',
  ],
  [
    'Cedar read decisions/s, same queries (1 core)',
    `${fmt(cedar.read.perSecond)} (${(cedar.read.allowShare * 100).toFixed(0)}% allow)`,
    '(peer)',
  ],
  [
    'ratio core / Cedar, release',
    `${(core.release.perSecond / cedar.release.perSecond).toFixed(0)}×`,
    '≥ 10×',
  ],
  [
    'ratio core / Cedar, read',
    `${(core.read.perSecond / cedar.read.perSecond).toFixed(0)}×`,
    '≥ 10×',
  ],
  [
    'Cedar requests per decision (one per candidate agreement / consent)',
    cedar.requestsPerDecision.toFixed(2),
    '(reported)',
  ],
  [
    'core and Cedar give the same decision and first reason',
    `${fmt(cedar.agreed)} of ${fmt(cedar.compared)} queries`,
    'all',
  ],
);

const sim = simulatorRates(simSteps);
rows.push(
  [
    `simulator steps/s, ${fmt(sim.steps)}-step JSON scenario (parse + validate + replay + JSON Lines)`,
    `${fmt(sim.totalPerSecond)} (parse ${sim.parseSeconds.toFixed(2)} s, replay ${sim.runSeconds.toFixed(2)} s, ${sim.megabytes.toFixed(0)} MB in, ${sim.outputMegabytes.toFixed(0)} MB out)`,
    '≥ 100,000',
  ],
  ['simulator steps/s, replay only', fmt(sim.runPerSecond), '(reported)'],
);

const nf = await nodeFigures(quick);
const appendRow = (
  db: string,
  f: { perSecond: number; entries: number; transactions: number } | null,
) =>
  [
    `durable log appends/s, group-committed (${db}; one entry per unit, ≤ 512 units per transaction)`,
    f === null ? 'not measured (no server)' : `${fmt(f.perSecond)} (${fmt(f.entries)} entries)`,
    db.startsWith('SQLite') ? '≥ 50,000 on one core' : '(reported)',
  ] as [string, string, string];
rows.push(
  appendRow('SQLite, WAL, synchronous=FULL', nf.sqliteAppends),
  appendRow('PostgreSQL', nf.postgresAppends),
  ['SHA-256 hashes/s, same run (250-byte leaves, 1 core)', fmt(nf.sha256), '(reference)'],
  [
    'appends / SHA-256 ratio (SQLite)',
    `${((nf.sqliteAppends.perSecond / nf.sha256) * 100).toFixed(1)}%`,
    '(reported)',
  ],
  [
    `inclusion-proof generation at ${fmt(nf.proofs.size)} entries`,
    `${nf.proofs.meanMicros.toFixed(2)} µs mean, ${nf.proofs.p99Micros.toFixed(2)} µs p99 (verify ${nf.proofs.verifyMicros.toFixed(1)} µs; tree built in ${nf.proofs.buildSeconds.toFixed(1)} s)`,
    '≤ 50 µs',
  ],
  [
    'authorized, logged item reads/s over HTTP (SQLite; 64 connections from a second process on the same 2 cores)',
    `${fmt(nf.sqliteReads.perSecond)} (${fmt(nf.sqliteReads.ok)} reads, ${nf.sqliteReads.refused} refused)`,
    '≥ 5,000',
  ],
  [
    'authorized, logged item reads/s over HTTP (PostgreSQL)',
    nf.postgresReads === null
      ? 'not measured (no server)'
      : `${fmt(nf.postgresReads.perSecond)} (${fmt(nf.postgresReads.ok)} reads)`,
    '(reported)',
  ],
);

const widths = [0, 1, 2].map((i) =>
  Math.max(...[['figure', 'measured', 'goal'], ...rows].map((r) => (r[i] ?? '').length)),
);
const line = (r: readonly string[]) =>
  `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(
  `\nLiaison benchmarks — node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}${quick ? ' (quick)' : ''}\n`,
);
console.log(line(['figure', 'measured', 'goal']));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
