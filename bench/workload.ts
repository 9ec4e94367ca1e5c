// Deterministic workloads shared by the benchmarks: a world with the built-in
// agreements and the 2019 events, items and users, and random queries.
import {
  BUILT_IN_PARTIES,
  BUILT_IN_TEMPLATES,
  type ItemSpec,
  parseInstant,
  perform,
  type UserSpec,
  World,
} from '../src/core/index.js';

/** mulberry32: a small seeded PRNG, so every run measures the same queries. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ms = (s: string) => parseInstant(s).ms;
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

export const PARTIES = ['JP', 'KR', 'US'] as const;
export const CATEGORIES = ['dprk-missile', 'dprk-nuclear', 'maritime', 'cyber'] as const;
const MARKINGS: Record<string, readonly string[]> = {
  JP: ['U', 'HI', 'GOKUHI', 'TOKUTEI', 'KIMITSU'],
  KR: ['U', 'R', 'III', 'II', 'I'],
  US: ['U', 'C', 'S', 'TS'],
};
export const WINDOW = [ms('2015-01-01T00:00:00+09:00'), ms('2025-01-01T00:00:00+09:00')] as const;

export interface Workload {
  readonly world: World;
  readonly items: readonly ItemSpec[];
  readonly users: readonly UserSpec[];
  readonly releases: readonly { item: string; to: string; t: number }[];
  readonly reads: readonly { item: string; user: string; t: number }[];
}

export function buildWorkload(
  seed = 2019,
  nItems = 1000,
  nUsers = 200,
  nQueries = 100_000,
): Workload {
  const r = prng(seed);
  const items: ItemSpec[] = Array.from({ length: nItems }, (_, i) => {
    const originator = pick(r, PARTIES);
    const cats = CATEGORIES.filter(() => r() < 0.4);
    return {
      id: `item-${i}`,
      originator,
      marking: pick(r, MARKINGS[originator] ?? []),
      categories: cats.length > 0 ? cats : ['dprk-missile'],
      ...(r() < 0.1 ? { releasableTo: PARTIES.filter(() => r() < 0.5) } : {}),
    };
  });
  const users: UserSpec[] = Array.from({ length: nUsers }, (_, i) => {
    const party = pick(r, PARTIES);
    return {
      id: `user-${i}`,
      party,
      clearance: pick(r, MARKINGS[party] ?? []),
      needToKnow: CATEGORIES.filter(() => r() < 0.7),
      ...(r() < 0.1
        ? { clearanceExpires: WINDOW[0] + Math.floor(r() * (WINDOW[1] - WINDOW[0])) }
        : {}),
    };
  });
  const world = World.create({
    parties: [...BUILT_IN_PARTIES.values()],
    agreements: [...BUILT_IN_TEMPLATES.values()],
    users,
    items,
  });
  // The 2019 episode: notice, suspension (so GSOMIA's state depends on t).
  perform(
    world,
    { kind: 'notice', agreement: 'gsomia-jp-kr-2016', by: 'KR' },
    ms('2019-08-23T10:00:00+09:00'),
  );
  perform(
    world,
    { kind: 'suspend-notice', agreement: 'gsomia-jp-kr-2016', by: 'KR' },
    ms('2019-11-22T18:00:00+09:00'),
  );
  // Spread holdings so that reads and forwards have something to decide on.
  for (const it of items) {
    for (const to of PARTIES) {
      if (to !== it.originator && r() < 0.6) {
        perform(world, { kind: 'release', item: it.id, to }, ms('2020-01-01T00:00:00+09:00'));
      }
    }
  }
  const time = () => WINDOW[0] + Math.floor(r() * (WINDOW[1] - WINDOW[0]));
  // Releases go to another party (a party does not release to itself).
  const releases = Array.from({ length: nQueries }, () => {
    const item = items[Math.floor(r() * nItems)] as ItemSpec;
    const others = PARTIES.filter((p) => p !== item.originator);
    return { item: item.id, to: pick(r, others), t: time() };
  });
  const reads = Array.from({ length: nQueries }, () => ({
    item: `item-${Math.floor(r() * nItems)}`,
    user: `user-${Math.floor(r() * nUsers)}`,
    t: time(),
  }));
  return { world, items, users, releases, reads };
}
