// Seeded random worlds and query streams for the differential test (and the benchmark).
// A scenario is a world (built-in and custom parties, random agreements, users and
// items) played along a timeline: lifecycle events, consents and their revocation,
// reclassification, and release / forward / read queries. Queries at the timeline's
// instant are performed (an allowed release or forward creates a holding); others are
// asked at a random instant and change nothing. Some transfers go to a party that
// already holds the item (RULES R6, F5), and some name the person who acts (P1): one of
// the acting party's people (with whatever clearance, need-to-know and expiry they
// have), someone of another party, or nobody known.
import {
  type Action,
  type AgreementDefinition,
  applyEffect,
  BUILT_IN_PARTIES,
  BUILT_IN_TEMPLATES,
  type ConsentRecord,
  createParty,
  decide,
  type EpochMs,
  type EquivalenceRow,
  type ForwardRequest,
  type ItemSpec,
  type MarkingSpec,
  type Party,
  type PartyId,
  perform,
  type ReadRequest,
  type ReleaseRequest,
  type UserSpec,
  World,
} from '../../src/core/index.js';

/** A small fast seeded PRNG (sfc32). */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError('pick from an empty list');
    return xs[this.int(xs.length)] as T;
  }

  /** A random subset, each element kept with probability p. */
  subset<T>(xs: readonly T[], p = 0.5): T[] {
    return xs.filter(() => this.chance(p));
  }

  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }
}

export type Query =
  | ({ readonly kind: 'release' } & ReleaseRequest)
  | ({ readonly kind: 'forward' } & ForwardRequest)
  | ({ readonly kind: 'read' } & ReadRequest);

/** Called for every query, before it is performed (if it is). */
export type Visit = (w: World, q: Query, t: EpochMs) => void;

export const CATEGORIES = ['dprk-nuclear', 'dprk-missile', 'cyber', 'maritime', 'space'];
const ZONES = ['Asia/Tokyo', 'Asia/Seoul', 'America/New_York', 'Europe/Berlin', 'UTC'];
const OFFSETS = [540, 0, -240, 60, 330];
const INITIAL_TERMS = ['P1Y', 'P2Y', 'P5Y', 'P6M', 'P3M', 'P1Y6M'];
const RENEWAL_TERMS = ['P1Y', 'P2Y', 'P6M'];
const NOTICE_PERIODS = ['P90D', 'P30D', 'P6M', 'P0D', 'P1Y'];
const DAY = 86_400_000;
const YEAR = 365 * DAY;
/** 2008-01-01T00:00Z to 2026-01-01T00:00Z. */
export const WINDOW: readonly [EpochMs, EpochMs] = [Date.UTC(2008, 0, 1), Date.UTC(2026, 0, 1)];

function rfc3339(ms: EpochMs, offsetMinutes: number): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

function customParty(r: Rng, id: PartyId): Party {
  const specs: MarkingSpec[] = [{ code: 'U', rank: 0, name: `${id} unclassified` }];
  if (r.chance(0.3)) specs.push({ code: 'OPEN', rank: 0, name: `${id} open` });
  const n = r.range(2, 4);
  for (let i = 1; i <= n; i++) {
    specs.push({ code: `L${i}`, rank: r.range(1, 3), name: `${id} level ${i}` });
  }
  return createParty(id, `Party ${id}`, specs);
}

/** Random equivalence rows over `parties`: each marking in one row at most. */
function randomRows(r: Rng, parties: readonly Party[]): EquivalenceRow[] {
  const unused = new Map(
    parties.map((p) => [
      p.id,
      r.shuffle(p.scheme.markings.filter((m) => m.rank > 0 || r.chance(0.1)).map((m) => m.code)),
    ]),
  );
  const rows: EquivalenceRow[] = [];
  const count = r.chance(0.05) ? 0 : r.range(1, 4);
  for (let i = 0; i < count; i++) {
    const row: Record<PartyId, string[]> = {};
    const named = r.shuffle(parties).slice(0, r.range(2, parties.length));
    for (const p of named) {
      const left = unused.get(p.id) ?? [];
      if (left.length === 0) continue;
      const take = r.chance(0.25) && left.length > 1 ? 2 : 1;
      row[p.id] = left.splice(0, take);
    }
    if (Object.keys(row).length >= 2) rows.push(row);
  }
  return rows;
}

function randomScope(r: Rng): string[] | undefined {
  if (!r.chance(0.4)) return undefined;
  const s = r.subset(CATEGORIES, 0.6);
  return s.length === 0 ? [r.pick(CATEGORIES)] : s;
}

function randomAgreement(r: Rng, id: string, all: readonly Party[]): AgreementDefinition {
  const parties = r.shuffle(all).slice(0, r.chance(0.6) ? 2 : r.range(3, Math.min(4, all.length)));
  const zone = r.int(ZONES.length);
  const entry = r.range(Date.UTC(2008, 0, 1), Date.UTC(2016, 0, 1));
  const initialTerm = r.chance(0.55) ? undefined : r.pick(INITIAL_TERMS);
  const renewalTerm =
    initialTerm !== undefined && r.chance(0.8) ? r.pick(RENEWAL_TERMS) : undefined;
  const scope = randomScope(r);
  return {
    id,
    parties: parties.map((p) => p.id),
    rows: randomRows(r, parties),
    ...(scope === undefined ? {} : { scope }),
    topology:
      parties.length >= 3 && r.chance(0.5)
        ? { kind: 'hub', hub: r.pick(parties).id }
        : { kind: 'mesh' },
    entryIntoForce: rfc3339(entry, OFFSETS[zone] as number),
    ...(initialTerm === undefined ? {} : { initialTerm }),
    ...(renewalTerm === undefined ? {} : { renewalTerm }),
    noticePeriod: r.pick(NOTICE_PERIODS),
    timezone: ZONES[zone] as string,
  };
}

/** A marking of p's scheme: classified mostly, unclassified (R1, F0) sometimes. */
function markingFor(r: Rng, p: Party): string {
  const classified = p.scheme.markings.filter((m) => m.rank > 0);
  return (classified.length > 0 && r.chance(0.88) ? r.pick(classified) : r.pick(p.scheme.markings))
    .code;
}

function randomCategories(r: Rng): string[] {
  const first = r.pick(CATEGORIES);
  if (!r.chance(0.35)) return [first];
  const second = r.pick(CATEGORIES);
  return second === first ? [first] : [first, second];
}

export interface ScenarioOptions {
  /** Queries in the scenario (performed or asked). */
  readonly queries: number;
  /** Other timeline events (lifecycle, consents, revocations, reclassification). */
  readonly events?: number;
}

export interface ScenarioStats {
  readonly parties: number;
  readonly agreements: number;
  readonly items: number;
  readonly users: number;
  readonly consents: number;
  readonly lifecycleEvents: number;
}

/** Builds a random world from `seed` and plays its timeline, calling `visit` for each query. */
export function playScenario(seed: number, opts: ScenarioOptions, visit: Visit): ScenarioStats {
  const r = new Rng(seed);
  const parties: Party[] = [...BUILT_IN_PARTIES.values()];
  const customCount = r.pick([0, 1, 1, 2]);
  for (let i = 0; i < customCount; i++) parties.push(customParty(r, `X${'ABC'[i]}`));

  const agreements: AgreementDefinition[] = [];
  for (const template of BUILT_IN_TEMPLATES.values()) {
    if (r.chance(0.3)) agreements.push(template);
  }
  const randomCount = r.chance(0.04) ? 0 : r.range(1, 4);
  for (let i = 0; i < randomCount; i++) {
    agreements.push(randomAgreement(r, `a${r.int(10)}${'abcdefgh'[i]}`, parties));
  }

  const users: UserSpec[] = [];
  for (const p of parties) {
    const n = r.range(1, 3);
    for (let i = 0; i < n; i++) {
      const expires = r.chance(0.3) ? r.range(WINDOW[0], WINDOW[1]) : undefined;
      users.push({
        id: `u-${p.id}-${i}`,
        party: p.id,
        clearance: r.pick(p.scheme.markings).code,
        needToKnow: r.chance(0.3) ? [...CATEGORIES] : r.subset(CATEGORIES, 0.6),
        ...(expires === undefined ? {} : { clearanceExpires: expires }),
      });
    }
  }

  const items: ItemSpec[] = [];
  const itemCount = r.range(5, 10);
  for (let i = 0; i < itemCount; i++) {
    const origin = r.pick(parties);
    const releasable = r.chance(0.25) ? r.subset(parties, 0.5).map((p) => p.id) : undefined;
    items.push({
      id: `i${i}`,
      originator: origin.id,
      marking: markingFor(r, origin),
      categories: randomCategories(r),
      ...(releasable === undefined ? {} : { releasableTo: releasable }),
    });
  }

  const w = World.create({ parties, agreements, users, items });
  const partyIds = parties.map((p) => p.id);
  const itemIds = items.map((i) => i.id);
  const userIds = users.map((u) => u.id);
  const agreementIds = agreements.map((a) => a.id);

  const events = opts.events ?? Math.ceil(opts.queries / 3);
  const total = opts.queries + events;
  const instants: EpochMs[] = [];
  for (let i = 0; i < total; i++) instants.push(r.range(WINDOW[0], WINDOW[1]));
  instants.sort((a, b) => a - b);
  // Which steps are queries: a random `opts.queries` of them.
  const isQuery = r.shuffle(instants.map((_, i) => i < opts.queries));

  let consentCount = 0;
  let lifecycleCount = 0;
  const someInstant = (): EpochMs => r.range(WINDOW[0], WINDOW[1]);
  const unknownOr = <T extends string>(p: number, value: T, unknown: string): string =>
    r.chance(p) ? unknown : value;

  const holdersOf = (itemId: string): PartyId[] => [
    ...(w.items.get(itemId)?.holdings.keys() ?? []),
  ];
  /** A party other than `sender` that already holds the item (R6, F5), if any. */
  const holderBesides = (itemId: string, sender: PartyId): PartyId | undefined => {
    const others = holdersOf(itemId).filter((p) => p !== sender);
    return others.length > 0 ? r.pick(others) : undefined;
  };
  const usersOf = new Map<PartyId, string[]>(
    partyIds.map((p) => [p, users.filter((u) => u.party === p).map((u) => u.id)]),
  );
  /** Each party's person with the highest clearance (ties: the widest need-to-know). */
  const bestCleared = new Map<PartyId, string>();
  for (const [party, ids] of usersOf) {
    const records = ids.map((id) => w.users.get(id)).filter((u) => u !== undefined);
    records.sort(
      (a, b) => b.clearance.rank - a.clearance.rank || b.needToKnow.size - a.needToKnow.size,
    );
    if (records[0] !== undefined) bestCleared.set(party, records[0].id);
  }
  /**
   * The person who acts for `party` (RULES P1), named on some transfers: mostly one of
   * its own people (often its best cleared, so that many pass P1 and meet the later
   * checks), sometimes a person of another party, rarely an unknown id.
   */
  const actingUser = (party: PartyId): { user?: string } => {
    if (!r.chance(0.35)) return {};
    const roll = r.next();
    const own = usersOf.get(party) ?? [];
    if (roll < 0.8 && own.length > 0) {
      return { user: (r.chance(0.6) ? bestCleared.get(party) : undefined) ?? r.pick(own) };
    }
    const strangers = userIds.filter((u) => !own.includes(u));
    if (roll < 0.94 && strangers.length > 0) return { user: r.pick(strangers) };
    return { user: 'ghost-user' };
  };
  // Parties that share an agreement with p, so that many transfers get past R2.
  const partners = new Map<PartyId, PartyId[]>(
    partyIds.map((p) => [
      p,
      partyIds.filter(
        (q) => q !== p && agreements.some((a) => a.parties.includes(p) && a.parties.includes(q)),
      ),
    ]),
  );
  const recipientFor = (sender: PartyId): PartyId => {
    const linked = partners.get(sender) ?? [];
    return linked.length > 0 && r.chance(0.65) ? r.pick(linked) : r.pick(partyIds);
  };
  /** Items some party other than the originator holds. */
  const passedOn = (): string[] => itemIds.filter((i) => (w.items.get(i)?.holdings.size ?? 0) > 1);

  const randomQuery = (): Query => {
    const roll = r.next();
    if (roll < 0.36) {
      const item = r.pick(itemIds);
      const origin = w.items.get(item)?.originator.id as PartyId;
      const to = (r.chance(0.12) ? holderBesides(item, origin) : undefined) ?? recipientFor(origin);
      return {
        kind: 'release',
        item: unknownOr(0.02, item, 'ghost-item'),
        to: unknownOr(0.02, to, 'ZZ'),
        ...actingUser(origin),
      };
    }
    if (roll < 0.72) {
      // Bias towards forwards that a consent covers, and by parties that hold the item.
      const consents = [...w.consents.values()];
      if (consents.length > 0 && r.chance(0.45)) {
        const c = r.pick(consents);
        return { kind: 'forward', item: c.item, by: c.holder, to: c.to, ...actingUser(c.holder) };
      }
      const moved = passedOn();
      const item = moved.length > 0 && r.chance(0.75) ? r.pick(moved) : r.pick(itemIds);
      const origin = w.items.get(item)?.originator.id as PartyId;
      const others = holdersOf(item).filter((p) => p !== origin);
      const by =
        others.length > 0 && r.chance(0.85)
          ? r.pick(others)
          : r.chance(0.3)
            ? origin
            : r.pick(partyIds);
      const to = (r.chance(0.12) ? holderBesides(item, by) : undefined) ?? recipientFor(by);
      return {
        kind: 'forward',
        item: unknownOr(0.02, item, 'ghost-item'),
        by: unknownOr(0.02, by, 'ZZ'),
        to: unknownOr(0.02, to, 'YY'),
        ...actingUser(by),
      };
    }
    const user = r.pick(userIds);
    const party = w.users.get(user)?.party.id as PartyId;
    const held = itemIds.filter((i) => w.items.get(i)?.holdings.has(party));
    const item = held.length > 0 && r.chance(0.75) ? r.pick(held) : r.pick(itemIds);
    return {
      kind: 'read',
      user: unknownOr(0.02, user, 'ghost-user'),
      item: unknownOr(0.02, item, 'ghost-item'),
    };
  };

  const lifecycle = (t: EpochMs): void => {
    if (agreementIds.length === 0) return;
    const id = r.pick(agreementIds);
    const a = w.agreements.get(id);
    if (a === undefined) return;
    const members = [...a.partyIds];
    const roll = r.next();
    let action: Action;
    if (roll < 0.3) action = { kind: 'notice', agreement: id, by: r.pick(members) };
    else if (roll < 0.46) action = { kind: 'suspend-notice', agreement: id, by: r.pick(members) };
    else if (roll < 0.6) action = { kind: 'resume-notice', agreement: id, by: r.pick(members) };
    else if (roll < 0.72) action = { kind: 'withdraw-notice', agreement: id, by: r.pick(members) };
    else if (roll < 0.78) {
      action = {
        kind: 'terminate',
        agreement: id,
        ...(r.chance(0.5) ? { effectiveAt: t + r.range(0, 2 * YEAR) } : {}),
      };
    } else {
      const scope = r.chance(0.5) ? (r.chance(0.3) ? null : (randomScope(r) ?? null)) : undefined;
      action = {
        kind: 'amend',
        agreement: id,
        ...(r.chance(0.7) ? { rows: randomRows(r, a.parties) } : {}),
        ...(scope === undefined ? {} : { scope }),
      };
    }
    if (perform(w, action, t).decision === 'allow') lifecycleCount++;
  };

  const consent = (t: EpochMs): void => {
    const item = r.pick(itemIds);
    const rec = w.items.get(item);
    if (rec === undefined) return;
    const origin = rec.originator.id;
    const others = holdersOf(item).filter((p) => p !== origin);
    const holder = others.length > 0 && r.chance(0.8) ? r.pick(others) : r.pick(partyIds);
    // Now and then a consent to a party that already holds the item (F5).
    const to = (r.chance(0.1) ? holderBesides(item, holder) : undefined) ?? recipientFor(holder);
    const expires = r.chance(0.6) ? t + r.range(10 * DAY, 3 * YEAR) : undefined;
    const id = `c${consentCount++}`;
    if (r.chance(0.04)) {
      // A consent recorded from a party other than the originator (e.g. imported from
      // another node): decideConsent never grants one, but F1 says how to judge it.
      const by = r.pick(partyIds.filter((p) => p !== origin));
      const record: ConsentRecord = {
        id,
        item,
        by,
        holder,
        to,
        grantedAt: t,
        expires: expires ?? Number.POSITIVE_INFINITY,
        revokedAt: Number.POSITIVE_INFINITY,
      };
      applyEffect(w, { kind: 'consent', consent: record });
      return;
    }
    perform(w, { kind: 'consent', id, item, by: origin, holder, to, expires }, t);
  };

  const revoke = (t: EpochMs): void => {
    const consents = [...w.consents.values()];
    if (consents.length === 0) return;
    const c = r.pick(consents);
    perform(w, { kind: 'revoke-consent', id: c.id, by: c.by }, t);
  };

  const reclassify = (t: EpochMs): void => {
    const item = w.items.get(r.pick(itemIds));
    if (item === undefined) return;
    const marking = markingFor(r, item.originator);
    perform(w, { kind: 'reclassify', item: item.id, by: item.originator.id, marking }, t);
  };

  instants.forEach((t, i) => {
    if (isQuery[i]) {
      const q = randomQuery();
      // Most queries happen now and are performed; the rest are asked at another instant.
      const now = r.chance(0.75);
      const at = now ? t : someInstant();
      visit(w, q, at);
      if (now && q.kind !== 'read') {
        const d = decide(w, q, at);
        if (d.decision === 'allow' && d.effect !== undefined) applyEffect(w, d.effect);
      }
      return;
    }
    const roll = r.next();
    if (roll < 0.12) lifecycle(t);
    else if (roll < 0.65) consent(t);
    else if (roll < 0.9) revoke(t);
    else reclassify(t);
  });

  return {
    parties: parties.length,
    agreements: agreements.length,
    items: items.length,
    users: users.length,
    consents: consentCount,
    lifecycleEvents: lifecycleCount,
  };
}
