// The differential harness: plays random worlds (random-world.ts) and decides every
// query with the policy core and with Cedar (cedar-encoding.ts). They must agree on
// allow/deny, on the first reason code, on the agreements an allowed transfer goes
// under, and on the agreement a deny's first reason comes from (RULES §4). Every
// disagreement is a bug in one of the two: the first few are kept with their world.
import {
  type Decision,
  decideForward,
  decideRead,
  decideRelease,
  type EpochMs,
  formatInstant,
  type World,
} from '../../src/core/index.js';
import type { CedarAnswer, CedarLiaison } from './cedar-encoding.js';
import { playScenario, type Query } from './random-world.js';

/** Base seed; LIAISON_DIFF_SEED overrides it to explore other worlds. */
export const BASE_SEED = Number(process.env.LIAISON_DIFF_SEED ?? 20_161_123);

/** Codes compared for "which agreement": a check of one in-force agreement failed. */
const AGREEMENT_CODES = new Set([
  'hub-route-required',
  'level-not-covered',
  'out-of-scope',
  'not-releasable',
]);

export interface Mismatch {
  readonly seed: number;
  readonly query: Query;
  readonly t: EpochMs;
  readonly core: Decision;
  readonly cedar: CedarAnswer;
  readonly what: string;
  readonly world: string;
}

export function coreDecide(w: World, q: Query, t: EpochMs): Decision {
  switch (q.kind) {
    case 'release':
      return decideRelease(w, q, t);
    case 'forward':
      return decideForward(w, q, t);
    case 'read':
      return decideRead(w, q, t);
  }
}

export function cedarDecide(c: CedarLiaison, w: World, q: Query, t: EpochMs): CedarAnswer {
  switch (q.kind) {
    case 'release':
      return c.release(w, q, t);
    case 'forward':
      return c.forward(w, q, t);
    case 'read':
      return c.read(w, q, t);
  }
}

/** Where core and Cedar differ, in words; null when they agree. */
export function compare(core: Decision, cedar: CedarAnswer): string | null {
  const code = core.reasons[0]?.code;
  if (core.decision !== cedar.decision || code !== cedar.code) {
    return `decision: core ${core.decision}/${code}, cedar ${cedar.decision}/${cedar.code}`;
  }
  if (core.decision === 'allow' && core.agreements !== undefined) {
    const mine = [...core.agreements].sort().join(',');
    const theirs = cedar.agreements.join(',');
    if (mine !== theirs) return `allowed under: core [${mine}], cedar [${theirs}]`;
  }
  if (core.decision === 'deny' && AGREEMENT_CODES.has(cedar.code)) {
    const mine = core.reasons[0]?.agreement;
    if (mine !== cedar.agreement) {
      return `first reason's agreement: core ${mine}, cedar ${cedar.agreement}`;
    }
  }
  return null;
}

/** How a query's kind is counted: a transfer naming the person who acts (P1) apart. */
export function kindKey(q: Query): string {
  return q.kind !== 'read' && q.user !== undefined ? `${q.kind}+user` : q.kind;
}

/** The parts of the world a query depends on, for a readable counterexample. */
function describeWorld(w: World, q: Query, t: EpochMs): string {
  const lines: string[] = [];
  const item = w.items.get(q.item);
  const parties = new Set<string>();
  if (item !== undefined) {
    const holdings = [...item.holdings.values()]
      .map((h) => `${h.party}:${h.marking.code}(rank ${h.marking.rank})`)
      .join(', ');
    lines.push(
      `item ${item.id}: originator ${item.originator.id} ${item.marking.code} (rank ${item.marking.rank}), categories [${item.categories.join(', ')}], releasableTo ${
        item.releasableTo === null ? '(none)' : `[${[...item.releasableTo].join(', ')}]`
      }, holdings ${holdings}`,
    );
    parties.add(item.originator.id);
  }
  const u = q.user === undefined ? undefined : w.users.get(q.user);
  if (u !== undefined) {
    lines.push(
      `user ${u.id}: party ${u.party.id}, clearance ${u.clearance.code} (rank ${u.clearance.rank}), NTK [${[...u.needToKnow].join(', ')}], expires ${formatInstant(u.clearanceExpires)}`,
    );
  }
  if (q.kind !== 'read') {
    parties.add(q.to);
    if (q.kind === 'forward') parties.add(q.by);
    for (const c of w.consentsByItem.get(q.item) ?? []) {
      lines.push(
        `consent ${c.id}: by ${c.by}, holder ${c.holder}, to ${c.to}, granted ${formatInstant(c.grantedAt)}, expires ${formatInstant(c.expires)}, revoked ${formatInstant(c.revokedAt)}`,
      );
    }
    for (const a of w.agreements.values()) {
      const text = a.textAt(t);
      lines.push(
        `agreement ${a.id}: parties [${[...a.partyIds].join(', ')}], ${a.topology.kind === 'hub' ? `hub ${a.topology.hub}` : 'mesh'}, in force at t: ${a.inForceAt(t)}, rows ${JSON.stringify(text.rows)}, scope ${text.scope === null ? '(all)' : `[${[...text.scope].join(', ')}]`}, ${a.textVersions.length} text version(s)`,
      );
    }
  }
  return lines.map((l) => `    ${l}`).join('\n');
}

export function show(m: Mismatch): string {
  const reasons = m.core.reasons
    .map((r) => `${r.code}${r.agreement === undefined ? '' : `@${r.agreement}`}`)
    .join(', ');
  return [
    `seed ${m.seed}: ${JSON.stringify(m.query)} at ${formatInstant(m.t)} (${m.t})`,
    `  ${m.what}`,
    `  core reasons: ${reasons}; agreements [${m.core.agreements?.join(', ') ?? ''}]`,
    `  cedar: ${m.cedar.decision}/${m.cedar.code}${m.cedar.agreement === undefined ? '' : `@${m.cedar.agreement}`}; agreements [${m.cedar.agreements.join(', ')}]`,
    m.world,
  ].join('\n');
}

export interface RunResult {
  readonly total: number;
  readonly requests: number;
  readonly seconds: number;
  readonly counts: ReadonlyMap<string, number>;
  readonly mismatchCount: number;
  readonly mismatches: readonly Mismatch[];
  /** Transfers decided among two or more applicable agreements. */
  readonly multiAgreement: number;
  /** Forwards with two or more consents naming item, holder and recipient. */
  readonly multiConsent: number;
}

/** Plays `scenarios` random worlds from `seed` and decides every query with both. */
export function runDifferential(
  cedar: CedarLiaison,
  seed: number,
  scenarios: number,
  queriesPerScenario: number,
): RunResult {
  const started = performance.now();
  const requestsBefore = cedar.requests;
  const multiAgreementBefore = cedar.multiAgreement;
  const multiConsentBefore = cedar.multiConsent;
  const counts = new Map<string, number>();
  const mismatches: Mismatch[] = [];
  let total = 0;
  let mismatchCount = 0;
  for (let s = 0; s < scenarios; s++) {
    const scenarioSeed = seed + s;
    playScenario(scenarioSeed, { queries: queriesPerScenario }, (w, q, t) => {
      const core = coreDecide(w, q, t);
      const answer = cedarDecide(cedar, w, q, t);
      total++;
      const key = `${kindKey(q)} ${core.decision} ${core.reasons[0]?.code}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const what = compare(core, answer);
      if (what === null) return;
      mismatchCount++;
      if (mismatches.length < 5) {
        const world = describeWorld(w, q, t);
        mismatches.push({ seed: scenarioSeed, query: q, t, core, cedar: answer, what, world });
      }
    });
  }
  return {
    total,
    requests: cedar.requests - requestsBefore,
    seconds: (performance.now() - started) / 1000,
    counts,
    mismatchCount,
    mismatches,
    multiAgreement: cedar.multiAgreement - multiAgreementBefore,
    multiConsent: cedar.multiConsent - multiConsentBefore,
  };
}

export function report(label: string, r: RunResult): void {
  const distribution = [...r.counts]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `  ${k.padEnd(51)} ${n}`)
    .join('\n');
  console.log(
    `${label}: ${r.total} queries, ${r.requests} Cedar requests, ${r.mismatchCount} disagreements, ${r.seconds.toFixed(1)} s; ${r.multiAgreement} transfers among ≥ 2 agreements, ${r.multiConsent} forwards with ≥ 2 consents naming them\n${distribution}`,
  );
  if (r.mismatches.length > 0) {
    console.error(
      `core and Cedar disagree on ${r.mismatchCount} of ${r.total} queries; the first ${r.mismatches.length}:\n\n${r.mismatches.map(show).join('\n\n')}`,
    );
  }
}

/** How many queries of a kind (as `kindKey` counts them) got this first reason code. */
export function countOf(r: RunResult, kind: string, code: string): number {
  let n = 0;
  for (const [key, count] of r.counts) {
    const [k, , c] = key.split(' ');
    if (k === kind && c === code) n += count;
  }
  return n;
}

/** Every reason code the encoded rules (R1–R6, F0–F5, A1–A4, P1) can give. */
export const ALL_CODES = [
  'allowed',
  'unclassified',
  'unknown-item',
  'unknown-party',
  'unknown-user',
  'not-held',
  'no-agreement',
  'agreement-not-in-force',
  'hub-route-required',
  'level-not-covered',
  'out-of-scope',
  'not-releasable',
  'consent-required',
  'consent-expired',
  'consent-revoked',
  'not-originator',
  'clearance-insufficient',
  'clearance-expired',
  'need-to-know',
  'already-held',
];

/**
 * The new rules, each of which the generated queries must reach (kind as `kindKey`
 * counts it, first reason code): R6 / F5 with and without an acting person, and P1's
 * refusals and its passing through to the later checks on releases and forwards.
 */
export const REQUIRED_OUTCOMES: readonly (readonly [string, string])[] = [
  ['release', 'already-held'],
  ['forward', 'already-held'],
  ['release+user', 'already-held'],
  ['forward+user', 'already-held'],
  ['release+user', 'unknown-user'],
  ['forward+user', 'unknown-user'],
  ['forward+user', 'not-held'],
  ['release+user', 'clearance-insufficient'],
  ['forward+user', 'clearance-insufficient'],
  ['release+user', 'clearance-expired'],
  ['forward+user', 'clearance-expired'],
  ['release+user', 'need-to-know'],
  ['forward+user', 'need-to-know'],
  ['release+user', 'allowed'],
  ['forward+user', 'allowed'],
  ['release+user', 'agreement-not-in-force'],
  ['forward+user', 'consent-required'],
];
