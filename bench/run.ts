// `npm run bench`: measures and prints a table. Never asserts: figures are recorded
// in BENCHMARKS.md with the machine they were measured on.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { accessFigures, type Latency } from './access.js';
import { alertFigures, type Spread } from './alerts.js';
import { cedarRates } from './cedar.js';
import { contentFigures } from './content.js';
import { coreRates } from './core.js';
import { federationFigures, sealingRates } from './federation.js';
import { type AppendFigure, nodeFigures } from './node.js';
import { scaleRows } from './scale.js';
import { searchFigures } from './search.js';
import { simulatorRates } from './simulator.js';
import { buildWorkload } from './workload.js';

const quick = process.argv.includes('--quick');
const budget = quick ? 300 : 1500;
const simSteps = quick ? 100_000 : 1_000_000;

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
type Row = [string, string, string];

/** The policy core and Cedar on the same workload, in one process (the ratio needs both). */
async function policySection(): Promise<Row[]> {
  const rows: Row[] = [];
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

  return rows;
}

async function simulatorSection(): Promise<Row[]> {
  const rows: Row[] = [];
  const sim = simulatorRates(simSteps);
  rows.push(
    [
      `simulator steps/s, ${fmt(sim.steps)}-step JSON scenario (parse + validate + replay + JSON Lines)`,
      `${fmt(sim.totalPerSecond)} (parse ${sim.parseSeconds.toFixed(2)} s, replay ${sim.runSeconds.toFixed(2)} s, ${sim.megabytes.toFixed(0)} MB in, ${sim.outputMegabytes.toFixed(0)} MB out)`,
      '≥ 100,000',
    ],
    ['simulator steps/s, replay only', fmt(sim.runPerSecond), '(reported)'],
  );

  return rows;
}

async function nodeSection(part: 'appends' | 'proofs' | 'reads'): Promise<Row[]> {
  const rows: Row[] = [];
  const nf = await nodeFigures(quick, part);
  const appendRow = (db: string, f: AppendFigure | null | undefined): Row => [
    `durable log appends/s, group-committed (${db}; one entry per unit, ≤ 512 units per transaction)`,
    f == null ? 'not measured (no server)' : `${fmt(f.perSecond)} (${fmt(f.entries)} entries)`,
    db.startsWith('SQLite') ? '≥ 50,000 on one core' : '(reported)',
  ];
  if (nf.sqliteAppends !== undefined && nf.sha256 !== undefined) {
    rows.push(
      appendRow('SQLite, WAL, synchronous=FULL', nf.sqliteAppends),
      appendRow('PostgreSQL', nf.postgresAppends),
      ['SHA-256 hashes/s, same run (250-byte leaves, 1 core)', fmt(nf.sha256), '(reference)'],
      [
        'appends / SHA-256 (SQLite)',
        `${((nf.sqliteAppends.perSecond / nf.sha256) * 100).toFixed(1)}%`,
        '(reported)',
      ],
    );
  }
  if (nf.proofs !== undefined) {
    const p = nf.proofs;
    rows.push([
      `inclusion-proof generation at ${fmt(p.size)} entries`,
      `${p.meanMicros.toFixed(2)} µs mean, ${p.p99Micros.toFixed(2)} µs p99 (verify ${p.verifyMicros.toFixed(1)} µs; tree built in ${p.buildSeconds.toFixed(1)} s)`,
      '≤ 50 µs',
    ]);
  }
  if (nf.sqliteReads !== undefined) {
    const r = nf.sqliteReads;
    const pgReads = nf.postgresReads;
    rows.push(
      [
        'authorized, logged item reads/s over HTTP (SQLite; 64 connections from a second process on the same 2 cores)',
        `${fmt(r.perSecond)} (${fmt(r.ok)} reads, ${r.refused} refused)`,
        '≥ 5,000',
      ],
      [
        'authorized, logged item reads/s over HTTP (PostgreSQL)',
        pgReads == null
          ? 'not measured (no server)'
          : `${fmt(pgReads.perSecond)} (${fmt(pgReads.ok)} reads)`,
        '(reported)',
      ],
    );
  }
  return rows;
}

async function federationSection(): Promise<Row[]> {
  const f = await federationFigures(quick);
  const seal = await sealingRates(quick ? 300 : 1000);
  return [
    [
      `envelopes/s JP→KR end to end, two node processes on loopback (${fmt(f.drained)} queued envelopes drained: sign, encrypt, HTTP, decrypt, verify, decide, store, log, signed receipt with inclusion proof, receipt checked and stored)`,
      fmt(f.drainPerSecond),
      '≥ 3,000',
    ],
    [
      'crypto-only limit: the same sign + encrypt + decrypt + verify per envelope, no I/O, 1 core',
      fmt(f.cryptoPerSecond),
      '(reference)',
    ],
    [
      'end to end / crypto-only',
      `${((f.drainPerSecond / f.cryptoPerSecond) * 100).toFixed(0)}%`,
      '≥ 50%',
    ],
    [
      `envelopes/s including the release API (${fmt(f.envelopes)} releases by HTTP from a third process while delivery runs)`,
      fmt(f.perSecond),
      '(reported)',
    ],
    [
      'release latency under that load (API call → signed receipt): p50 / p99',
      `${f.loaded.p50} ms / ${f.loaded.p99} ms`,
      '(reported)',
    ],
    [
      `release latency unloaded (one at a time, ${f.unloaded.n}): p50 / p99`,
      `${f.unloaded.p50} ms / ${f.unloaded.p99} ms`,
      '(reported)',
    ],
    [
      'sealing (JWS EdDSA then JWE ECDH-ES/X25519 A256GCM) per second: ours on node:crypto / the jose library, same run',
      `${fmt(seal.ours)} / ${fmt(seal.jose)} (×${(seal.ours / seal.jose).toFixed(1)})`,
      '(why we seal on node:crypto)',
    ],
  ];
}

async function alertsSection(): Promise<Row[]> {
  const a = await alertFigures(quick);
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const spread = (s: Spread) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)} ms`;
  const s = a.sustained;
  const mb = (p: 'JP' | 'KR' | 'US') =>
    `${p} ${s.rssMb[p].start.toFixed(0)} / ${s.rssMb[p].max.toFixed(0)} / ${s.rssMb[p].end.toFixed(0)}`;
  const who = `${fmt(a.sockets)} officer sockets (${fmt(a.officersPerNode)} on KR, ${fmt(a.officersPerNode)} on US; ${fmt(a.officersPerNode)} distinct officers per node, one socket each) held by the bench process`;
  return [
    [
      `FLASH alert end to end, 3 node processes (JP, KR, US) on loopback: POST /v1/alerts at JP (preset launch) → its frame on each of ${who}; ${a.rounds} alerts one at a time (each awaited on every socket, then ${20} ms pause): p50 / p99 / max over ${fmt(a.ours.all.n)} deliveries`,
      spread(a.ours.all),
      'p99 ≤ 50 ms',
    ],
    [
      'same alerts, per alert: the first of the sockets (the hop JP → KR/US) / the last of the sockets; p50 / p99 / max',
      `first ${spread(a.ours.firstPerAlert)}; last ${spread(a.ours.lastPerAlert)}`,
      '(reported)',
    ],
    ['same alerts, API call → 201 at JP: p50 / p99 / max', spread(a.ours.api), '(reported)'],
    [
      'missing deliveries (alert × socket) in that run',
      `${fmt(a.ours.missing)} of ${fmt(a.ours.expected)}`,
      '0',
    ],
    [
      `bare ws baseline: a WebSocketServer alone in its own process, HTTP POST → a frame of the same size (KR ${a.frameBytes.KR} B, US ${a.frameBytes.US} B) on ${fmt(a.sockets)} sockets of the bench process, same rounds: p50 / p99 / max`,
      spread(a.bare.all),
      '(reference)',
    ],
    [
      'bare ws, per broadcast: first / last of the sockets, p50 / p99 / max; missing',
      `first ${spread(a.bare.firstPerAlert)}; last ${spread(a.bare.lastPerAlert)}; ${fmt(a.bare.missing)} of ${fmt(a.bare.expected)} missing`,
      '(reference)',
    ],
    [
      'event-loop delay of the bench process (which receives every frame), p50 / p99 / max: during ours; during bare ws; during the sustained run',
      `${spread(a.ours.benchLoopDelay)}; ${spread(a.bare.benchLoopDelay)}; ${spread(s.benchLoopDelay)}`,
      '(reported)',
    ],
    [
      `CPU per alert, same rounds: JP (decide, store, log, seal 2 envelopes) / KR / US (each: open, decide, store, log, push to ${fmt(a.officersPerNode)} sockets); bare ws server per broadcast to ${fmt(a.sockets)}`,
      `JP ${a.ours.cpuMsPerAlert.JP.toFixed(1)} / KR ${a.ours.cpuMsPerAlert.KR.toFixed(1)} / US ${a.ours.cpuMsPerAlert.US.toFixed(1)} ms; bare ${a.bare.cpuMsPerBroadcast.toFixed(1)} ms`,
      '(reported)',
    ],
    [
      'ratio ours / bare ws, p50 / p99 (all deliveries)',
      `${(a.ours.all.p50 / a.bare.all.p50).toFixed(1)}× / ${(a.ours.all.p99 / a.bare.all.p99).toFixed(1)}×`,
      '≤ 3×',
    ],
    [
      `sustained: ${fmt(s.scheduled / s.seconds)} alerts/s scheduled for ${s.seconds} s at JP (one call due every ${(1000 * s.seconds) / s.scheduled} ms, ≤ 16 in flight; a call due while 16 are in flight is skipped), ${fmt(a.sockets)} sockets: sent, achieved rate`,
      `${fmt(s.sent)} of ${fmt(s.scheduled)} sent in ${s.sendSeconds.toFixed(1)} s = ${s.achievedPerSecond.toFixed(1)}/s (${fmt(s.skipped)} skipped, ${fmt(s.errors)} errors)`,
      '100/s',
    ],
    [
      'sustained: delivered per socket (min over sockets); lost = expected − received, summed',
      `${fmt(s.minPerSocket)} of ${fmt(s.sent)}; ${fmt(s.lost)} lost of ${fmt(s.expected)} (all in ${s.drainSeconds.toFixed(1)} s after the last answer)`,
      '0 lost',
    ],
    [
      'sustained: delivery throughput, first call to last frame: frames/s to the sockets (= alerts/s delivered to all of them)',
      `${fmt(s.received / (s.sendSeconds + s.drainSeconds))} frames/s (${(s.received / s.sockets / (s.sendSeconds + s.drainSeconds)).toFixed(1)} alerts/s) over ${(s.sendSeconds + s.drainSeconds).toFixed(1)} s`,
      '100 alerts/s = 200,000 frames/s',
    ],
    [
      'sustained: latency, API call → frame, over all deliveries: p50 / p99 / max',
      spread(s.latency),
      'p99 ≤ 50 ms',
    ],
    [
      'sustained: per alert, last of the sockets: p50 / p99 / max; API call → 201: p50 / p99',
      `${spread(s.lastPerAlert)}; API ${ms(s.api.p50)} / ${ms(s.api.p99)} ms`,
      '(reported)',
    ],
    [
      'sustained: RSS of each node process, sampled every second: start / max / end (MB)',
      `${mb('JP')}; ${mb('KR')}; ${mb('US')}`,
      '(reported)',
    ],
    [
      'sustained: CPU seconds used over the run (sending + draining), per process',
      `JP ${s.cpuSeconds.JP.toFixed(1)}, KR ${s.cpuSeconds.KR.toFixed(1)}, US ${s.cpuSeconds.US.toFixed(1)}, bench ${s.cpuSeconds.bench.toFixed(1)}; other processes on the machine ${s.otherCpuSeconds.toFixed(1)} (2 cores: ${(2 * (s.sendSeconds + s.drainSeconds)).toFixed(0)} available)`,
      '(reported)',
    ],
    [
      'share of the 2 cores used by processes outside this benchmark: during ours (one at a time); during bare ws',
      `${(a.ours.otherCpuShare * 100).toFixed(0)}%; ${(a.bare.otherCpuShare * 100).toFixed(0)}%`,
      '(noise; ideally ~0)',
    ],
    [
      'releases refused; escalation frames; duplicate or stray frames; sockets closed by the server',
      `${a.denied}; ${a.escalations}; ${a.duplicates + a.strays}; ${a.unexpectedCloses}`,
      'all 0',
    ],
  ];
}

async function accessSection(): Promise<Row[]> {
  const a = await accessFigures(quick);
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const l = (x: Latency) => `${ms(x.p50)} / ${ms(x.p99)} / ${ms(x.max)} ms (n ${fmt(x.n)})`;
  return [
    ['GET /healthz, idle: p50 / p99 / max', l(a.healthIdle), '(reference)'],
    [
      `GET /healthz every 20 ms while two people each run the largest accepted scenario (256 KiB, 2,800 steps) back to back in worker threads, ${a.simulationSeconds} s: p50 / p99 / max`,
      l(a.healthDuringSimulations),
      'max < 100 ms',
    ],
    [
      'simulations completed in that time; /healthz p99 during / idle',
      `${fmt(a.simulations)}; ×${(a.healthDuringSimulations.p99 / a.healthIdle.p99).toFixed(1)}`,
      '(reported)',
    ],
    ['password sign-in (scrypt N=2^15), idle: p50 / p99 / max', l(a.signInIdle), '(reference)'],
    [
      'the same sign-in from 127.0.0.1 while 400 parallel sign-ins with 1 KB passwords arrive from another address: p50 / p99 / max',
      l(a.signInDuringFlood),
      'max < 1 s',
    ],
    [
      'flood requests refused at once (429) / sent; their answer time p50 / p99 / max',
      `${fmt(a.flood.refusedAtOnce)} / ${fmt(a.flood.sent)}; ${l(a.flood.floodMs)}`,
      '(reported)',
    ],
    [
      'sign-in p50 during the flood / idle',
      `×${(a.signInDuringFlood.p50 / a.signInIdle.p50).toFixed(1)}`,
      '(reported)',
    ],
  ];
}

async function searchSection(): Promise<Row[]> {
  const f = searchFigures(quick);
  return [
    [
      `search index build, ${fmt(f.items)} items (English, Japanese, Korean; ${f.textMegabytes.toFixed(0)} MB of text), 1 core`,
      `${f.buildSeconds.toFixed(1)} s (${fmt(f.items / f.buildSeconds)} items/s; ${fmt(f.terms)} terms), then compacted in ${f.compactSeconds.toFixed(2)} s`,
      '(reported)',
    ],
    [
      'search index memory per item (heap + buffers held after the build; ids shared with the World)',
      `${fmt(f.bytesPerItem)} B: posting lists ${fmt(f.postingBytesPerItem)} B (${fmt(f.denseTerms)} terms as bitmaps), the rest the term dictionary (${(f.terms / f.items).toFixed(1)} terms per item), ids and instants`,
      '≤ ~300 B',
    ],
    ...f.kinds.map(
      (k): Row => [
        `search queries/s, ${k.name}: index / linear String.includes scan (first page of 50, mean ${k.meanHits.toFixed(1)} hits)`,
        `${fmt(k.index)} / ${fmt(k.scan)} (×${(k.index / k.scan).toFixed(k.index < k.scan ? 2 : 0)})`,
        '(reported)',
      ],
    ),
  ];
}

/**
 * Issue 14's figures: attachments JP → KR against a plain copy and AES-256-GCM +
 * SHA-256 of the same bytes, then search queries/s at 100,000 items (the search section's).
 */
async function contentSection(): Promise<Row[]> {
  return [...(await attachmentRows()), ...(await searchSection())];
}

async function attachmentRows(): Promise<Row[]> {
  const f = await contentFigures(quick);
  const rate = (s: number) => f.megabytes / s;
  const mb = (s: number) => `${rate(s).toFixed(1)} MB/s`;
  return [
    [
      `attachment upload at JP, ${f.megabytes.toFixed(0)} MB (CLI --attach, streamed, chunks sealed at rest)`,
      mb(f.uploadSeconds),
      '(reported)',
    ],
    [
      `attachment JP → KR, ${f.megabytes.toFixed(0)} MB: release until KR holds the item (chunks sealed to KR, kept sealed, hashed)`,
      mb(f.transferSeconds),
      '(reported)',
    ],
    ['plain file copy of the same bytes (read, write, fsync)', mb(f.copySeconds), '(reference)'],
    ['AES-256-GCM + SHA-256 over the same bytes, 1 core', mb(f.cryptoSeconds), '(reference)'],
    [
      'ratio transfer / copy; transfer / crypto-only',
      `×${(f.copySeconds / f.transferSeconds).toFixed(3)}; ×${(f.cryptoSeconds / f.transferSeconds).toFixed(3)}`,
      '(reported)',
    ],
  ];
}

const SECTIONS: Record<string, () => Promise<Row[]>> = {
  policy: policySection,
  simulator: simulatorSection,
  appends: () => nodeSection('appends'),
  proofs: () => nodeSection('proofs'),
  reads: () => nodeSection('reads'),
  federation: federationSection,
  alerts: alertsSection,
  access: accessSection,
  scale: () => scaleRows(quick),
  // Run alone, or as part of `content`: not twice in a full run.
  ...(process.argv.includes('--section') ? { search: searchSection } : {}),
  content: contentSection,
};

const sectionArg = process.argv.indexOf('--section');
if (sectionArg >= 0) {
  // A child: measure one section in a fresh process and hand the rows to the parent.
  const name = process.argv[sectionArg + 1] ?? '';
  const run = SECTIONS[name];
  if (run === undefined) throw new Error(`unknown section ${name}`);
  const rows = await run();
  process.stdout.write(`\n@@rows ${JSON.stringify(rows)}\n`);
  // Asked for by a person (`npm run bench -- --section NAME`), not by the parent: a table.
  if (!process.argv.includes('--child')) printTable(rows);
} else {
  // Each section runs in its own process, so that one's heap does not slow the next.
  const rows: Row[] = [];
  for (const name of Object.keys(SECTIONS)) {
    const r = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--section', name, '--child', ...(quick ? ['--quick'] : [])],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const line = r.stdout.split('\n').find((l) => l.startsWith('@@rows '));
    if (r.status !== 0 || line === undefined) {
      rows.push([`section ${name}`, `failed (exit ${r.status})`, '']);
      continue;
    }
    rows.push(...(JSON.parse(line.slice(7)) as Row[]));
  }
  printTable(rows);
}

function printTable(rows: Row[]): void {
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
}
