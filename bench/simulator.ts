// Simulator throughput on a generated 1,000,000-step scenario (JSON): parsing and
// validating the file, then replaying it with JSON Lines output (discarded).
import { formatInstant } from '../src/core/index.js';
import { parseScenario, runScenario, stepJson } from '../src/simulate/index.js';
import { CATEGORIES, ms, PARTIES, prng } from './workload.js';

export function generateScenario(steps: number, seed = 7): string {
  const r = prng(seed);
  const nItems = 500;
  const nUsers = 100;
  const markings: Record<string, string[]> = {
    JP: ['HI', 'GOKUHI', 'KIMITSU'],
    KR: ['III', 'II', 'I'],
    US: ['C', 'S', 'TS'],
  };
  const items = Array.from({ length: nItems }, (_, i) => {
    const originator = PARTIES[i % 3] as string;
    const m = markings[originator] as string[];
    return { id: `i${i}`, originator, marking: m[i % m.length], categories: [CATEGORIES[i % 2]] };
  });
  const users = Array.from({ length: nUsers }, (_, i) => {
    const party = PARTIES[i % 3] as string;
    const m = markings[party] as string[];
    return {
      id: `u${i}`,
      party,
      clearance: m[(i >> 1) % m.length],
      needToKnow: [CATEGORIES[i % 2], 'dprk-nuclear'],
    };
  });
  const start = ms('2016-12-01T00:00:00+09:00');
  const timeline: Record<string, unknown>[] = [];
  let consent = 0;
  for (let s = 0; s < steps; s++) {
    const at = formatInstant(start + s * 60_000, 9 * 60);
    const x = r();
    const item = `i${Math.floor(r() * nItems)}`;
    const party = PARTIES[Math.floor(r() * 3)] as string;
    if (x < 0.4) timeline.push({ at, release: { item, to: party } });
    else if (x < 0.8) timeline.push({ at, read: { item, user: `u${Math.floor(r() * nUsers)}` } });
    else if (x < 0.9) timeline.push({ at, status: { agreement: 'gsomia-jp-kr-2016' } });
    else if (x < 0.95) {
      const holder = PARTIES[Math.floor(r() * 3)] as string;
      timeline.push({
        at,
        consent: {
          id: `c${consent++}`,
          item,
          by: items[Number(item.slice(1))]?.originator,
          holder,
          to: party,
        },
      });
    } else timeline.push({ at, forward: { item, by: PARTIES[Math.floor(r() * 3)], to: party } });
  }
  return JSON.stringify({
    name: `generated ${steps}-step scenario`,
    parties: ['JP', 'KR', 'US'],
    agreements: [
      { use: 'gsomia-jp-kr-2016' },
      { use: 'gsomia-us-jp-2007' },
      { use: 'gsia-us-kr-1987' },
      { use: 'tisa-2014' },
    ],
    users,
    items,
    timeline,
  });
}

export function simulatorRates(steps: number) {
  const text = generateScenario(steps);
  const t0 = process.hrtime.bigint();
  const scenario = parseScenario(text, 'generated.json');
  const t1 = process.hrtime.bigint();
  let bytes = 0;
  const { summary } = runScenario(scenario, (res) => {
    bytes += JSON.stringify(stepJson(res)).length + 1;
  });
  const t2 = process.hrtime.bigint();
  const parseS = Number(t1 - t0) / 1e9;
  const runS = Number(t2 - t1) / 1e9;
  return {
    steps: summary.steps,
    megabytes: text.length / 1e6,
    outputMegabytes: bytes / 1e6,
    parseSeconds: parseS,
    runSeconds: runS,
    totalPerSecond: summary.steps / (parseS + runS),
    runPerSecond: summary.steps / runS,
  };
}
