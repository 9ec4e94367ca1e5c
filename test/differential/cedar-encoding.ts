// Maps a World and a release / forward / read query to Cedar requests over the
// policies in liaison.cedar, and combines the per-candidate answers by RULES §4.
// Dev-only: the differential test (cedar.test.ts) and the benchmark use it to put
// "the same queries through Cedar":
//
//   const cedar = new CedarLiaison();          // preparses liaison.cedar once
//   cedar.release(world, { item, to, user? }, t);  // -> { decision, code, agreements, ... }
//   cedar.forward(world, { item, by, to, user? }, t);
//   cedar.read(world, { item, user }, t);
//
// What is translated is data, not decisions: parties, items with their holdings,
// consents, users (the reader, or the person acting for a transfer's sender), and
// agreements with their rows as coverage sets. Taken from the core's lifecycle
// (RULES §3) are only whether an agreement is in force at t (`inForceAt`, L1–L7) and
// which version of its text is in force at t (`textAt`, L8).
// Everything else — linking the two parties, topology, rows, scope, releasability,
// holding (the sender's, and the recipient's for R6 / F5), consent match and validity,
// the acting person's party, clearance and need-to-know (P1, A1-A3), and the order of
// the checks — is evaluated by Cedar. The harness only enumerates candidates and applies
// RULES §4 across their answers.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  CedarValueJson,
  Context,
  EntityJson,
  PolicyJson,
  TypeAndId,
} from '@cedar-policy/cedar-wasm/nodejs';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type {
  AgreementRuntime,
  CompiledText,
  ConsentRecord,
  EpochMs,
  ForwardRequest,
  ItemRecord,
  PartyId,
  ReadRequest,
  ReleaseRequest,
  UserRecord,
  World,
} from '../../src/core/index.js';

/** What Cedar, with the harness's RULES §4 aggregation, answers for one query. */
export interface CedarAnswer {
  readonly decision: 'allow' | 'deny';
  /** The reason code: `allowed`, `unclassified`, or the first failing check. */
  readonly code: string;
  /** Allowed transfers: the agreements under which some candidate passed every check. */
  readonly agreements: readonly string[];
  /** A deny from a check of one agreement: the agreement the code comes from. */
  readonly agreement?: string;
  /** How many Cedar requests the answer took. */
  readonly requests: number;
}

interface PolicyInfo {
  readonly code: string;
  readonly rule: string | null;
  /** The candidate in the context is not one the rule ranges over. */
  readonly inapplicable: boolean;
}

/** One Cedar response: its decision and the single policy that determined it. */
interface Verdict {
  readonly allow: boolean;
  readonly policy: string;
  readonly code: string;
  readonly inapplicable: boolean;
}

const ACTION_TRANSFER: TypeAndId = { type: 'Action', id: 'transfer' };
const ACTION_READ: TypeAndId = { type: 'Action', id: 'read' };

/**
 * Codes decided before any consent or agreement is looked at (the same for every
 * candidate): unknown ids, the acting person (P1), F4, and R1 / F0.
 */
const PRE_CANDIDATE = new Set([
  'unknown-item',
  'unknown-party',
  'unknown-user',
  'clearance-insufficient',
  'clearance-expired',
  'need-to-know',
  'not-held',
  'unclassified',
]);

/**
 * R6 / F5: passed every other check, but the recipient already holds the item. Before
 * any candidate for an unclassified item (R1 / F0), else per candidate agreement.
 */
const ALREADY_HELD = 'already-held';

/** RULES R2–R4 in order: the number of checks an agreement passed before failing this one. */
const PATH_CHECK_ORDER: Readonly<Record<string, number>> = {
  'agreement-not-in-force': 1,
  'hub-route-required': 2,
  'level-not-covered': 3,
  'out-of-scope': 4,
  'not-releasable': 5,
};

const CONSENT_CODES = new Set(['not-originator', 'consent-revoked', 'consent-expired']);

/** The context attributes a request may or may not carry. */
const OPTIONAL_CONTEXT = ['user', 'consent', 'agreement'] as const;

/** `context has x` as a Cedar JSON expression: x, else null. */
function contextHas(e: unknown): string | null {
  if (typeof e !== 'object' || e === null || !('has' in e)) return null;
  const { left, attr } = (e as { has: { left: unknown; attr: string } }).has;
  return typeof left === 'object' && left !== null && 'Var' in left && left.Var === 'context'
    ? attr
    : null;
}

/** The operands of a chain of `&&`. */
function conjuncts(e: unknown): unknown[] {
  if (typeof e !== 'object' || e === null || !('&&' in e)) return [e];
  const { left, right } = (e as { '&&': { left: unknown; right: unknown } })['&&'];
  return [...conjuncts(left), ...conjuncts(right)];
}

/**
 * The optional context attributes a policy can only be satisfied with (true: a `when`
 * clause has `context has x` as a conjunct) or without (false: `unless { context has x }`).
 * Leaving such a policy out of a request's set changes no answer; the guards it shares
 * with the policies that stay are still evaluated (and would still report an error).
 */
function contextNeeds(
  conditions: readonly { kind: string; body: unknown }[],
): Map<string, boolean> {
  const needs = new Map<string, boolean>();
  for (const { kind, body } of conditions) {
    if (kind === 'when') {
      for (const c of conjuncts(body)) {
        const attr = contextHas(c);
        if (attr !== null) needs.set(attr, true);
      }
    } else {
      const attr = contextHas(body);
      if (attr !== null) needs.set(attr, false);
    }
  }
  return needs;
}

interface ParsedPolicy {
  readonly id: string;
  readonly text: string;
  readonly needs: ReadonlyMap<string, boolean>;
}

/** Finds liaison.cedar next to this module, or (compiled elsewhere) in test/differential above it. */
export function findPolicyFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    for (const candidate of [
      join(dir, 'liaison.cedar'),
      join(dir, 'test', 'differential', 'liaison.cedar'),
    ]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  const fromCwd = join(process.cwd(), 'test', 'differential', 'liaison.cedar');
  if (existsSync(fromCwd)) return fromCwd;
  throw new Error('cannot find test/differential/liaison.cedar');
}

const uid = (type: string, id: string): TypeAndId => ({ type, id });
const ref = (type: string, id: string) => ({ __entity: { type, id } });
const markingId = (party: PartyId, code: string): string => `${party}:${code}`;

interface WorldCache {
  readonly parties: Map<PartyId, EntityJson>;
  /** Agreement entities by `id#textVersion#inForce`. */
  readonly agreements: Map<string, EntityJson>;
}

/** Parties of a row see the other parties' markings of that row: P -> those marking ids. */
export function coverage(text: CompiledText): Record<PartyId, string[]> {
  const tags: Record<PartyId, string[]> = {};
  for (const row of text.rows) {
    const entries = Object.entries(row);
    for (const [to] of entries) {
      for (const [from, codes] of entries) {
        if (from === to) continue;
        const list = tags[to] ?? [];
        for (const code of codes) list.push(markingId(from, code));
        tags[to] = list;
      }
    }
  }
  return tags;
}

/** The agreement as Cedar sees it at one instant: its text then, and whether it is in force. */
export function agreementEntity(
  a: AgreementRuntime,
  text: CompiledText,
  inForce: boolean,
): EntityJson {
  const attrs: Record<string, CedarValueJson> = {
    parties: [...a.partyIds],
    inForce,
  };
  if (a.topology.kind === 'hub') attrs.hub = a.topology.hub;
  if (text.scope !== null) attrs.scope = [...text.scope];
  return { uid: uid('Agreement', a.id), attrs, parents: [], tags: coverage(text) };
}

export function itemEntity(item: ItemRecord): EntityJson {
  const attrs: Record<string, CedarValueJson> = {
    originator: item.originator.id,
    rank: item.marking.rank,
    categories: [...item.categories],
  };
  if (item.releasableTo !== null) attrs.releasableTo = [...item.releasableTo];
  const tags: Record<string, CedarValueJson> = {};
  for (const [party, h] of item.holdings) {
    tags[party] = { id: markingId(party, h.marking.code), rank: h.marking.rank };
  }
  return { uid: uid('Item', item.id), attrs, parents: [], tags };
}

export function consentEntity(c: ConsentRecord): EntityJson {
  const attrs: Record<string, CedarValueJson> = {
    item: ref('Item', c.item),
    by: c.by,
    holder: c.holder,
    to: c.to,
    grantedAt: c.grantedAt,
  };
  if (Number.isFinite(c.expires)) attrs.expires = c.expires;
  if (Number.isFinite(c.revokedAt)) attrs.revokedAt = c.revokedAt;
  return { uid: uid('Consent', c.id), attrs, parents: [] };
}

export function userEntity(u: UserRecord): EntityJson {
  const attrs: Record<string, CedarValueJson> = {
    party: u.party.id,
    clearance: { id: markingId(u.party.id, u.clearance.code), rank: u.clearance.rank },
    needToKnow: [...u.needToKnow],
  };
  if (Number.isFinite(u.clearanceExpires)) attrs.clearanceExpires = u.clearanceExpires;
  return { uid: uid('User', u.id), attrs, parents: [] };
}

let nextSetId = 0;

export interface CedarLiaisonOptions {
  /**
   * Send every agreement of the world as a candidate (and every consent on the item),
   * leaving it to Cedar to find which link the two parties (name the item, holder and
   * recipient). Off by default: then the harness sends only agreements that list both
   * parties and consents naming the holder and recipient, which Cedar checks again.
   */
  readonly exhaustive?: boolean;
  /** The policy text; liaison.cedar by default. */
  readonly policies?: string;
}

/** The Cedar side of the differential test: the preparsed policies, and the encoding. */
export class CedarLiaison {
  /** The policies of each action id, with the context attributes they need. */
  private readonly byAction = new Map<string, ParsedPolicy[]>();
  /** Preparsed policy sets by action id and the optional context attributes present. */
  private readonly sets = new Map<string, string>();
  private readonly instance = nextSetId++;
  private readonly info = new Map<string, PolicyInfo>();
  private readonly caches = new WeakMap<World, WorldCache>();
  private readonly exhaustive: boolean;
  /** Requests sent so far. */
  requests = 0;
  /** Transfers decided among two or more applicable agreements (RULES §4 aggregation). */
  multiAgreement = 0;
  /** Forwards with two or more consents naming item, holder and recipient (F1 "newest"). */
  multiConsent = 0;

  constructor(options: CedarLiaisonOptions = {}) {
    this.exhaustive = options.exhaustive ?? false;
    const text = options.policies ?? readFileSync(findPolicyFile(), 'utf8');
    const parts = cedar.policySetTextToParts(text);
    if (parts.type !== 'success') {
      throw new Error(`liaison.cedar: ${parts.errors.map((e) => e.message).join('; ')}`);
    }
    // Split by action so that a request meets only its own action's policies, and by the
    // optional context attributes the request carries, so that it meets only the
    // policies that can be satisfied with them present or absent (the policies' scopes
    // and `context has` conditions would skip the others anyway; this only saves
    // evaluation time, which grows with the number of policies).
    for (const policy of parts.policies) {
      const json = cedar.policyToJson(policy);
      if (json.type !== 'success') throw new Error(`policy: ${json.errors[0]?.message}`);
      const annotations: NonNullable<PolicyJson['annotations']> = json.json.annotations ?? {};
      const { id, code } = annotations;
      if (id === undefined || code === undefined) {
        throw new Error(`every policy in liaison.cedar needs @id and @code:\n${policy}`);
      }
      if (this.info.has(id)) throw new Error(`policy id ${id} appears twice`);
      const action = json.json.action;
      if (action.op !== '==' || !('entity' in action)) {
        throw new Error(`policy ${id} must name one action (action == Action::"...")`);
      }
      const actionId = 'id' in action.entity ? action.entity.id : action.entity.__entity.id;
      const list = this.byAction.get(actionId) ?? [];
      list.push({ id, text: policy, needs: contextNeeds(json.json.conditions) });
      this.byAction.set(actionId, list);
      this.info.set(id, {
        code,
        rule: annotations.rule ?? null,
        inapplicable: annotations.inapplicable !== undefined,
      });
    }
  }

  /** The preparsed set of the action's policies that a request with this context can meet. */
  private policySet(actionId: string, context: Context): string {
    const present = OPTIONAL_CONTEXT.filter((a) => a in context);
    const key = `${actionId}:${present.join('+')}`;
    let setId = this.sets.get(key);
    if (setId !== undefined) return setId;
    const policies = this.byAction.get(actionId);
    if (policies === undefined) throw new Error(`no policies for action ${actionId}`);
    const chosen: Record<string, string> = {};
    for (const p of policies) {
      const fits = [...p.needs].every(([attr, needed]) => {
        const carried = attr in context;
        return carried === needed;
      });
      if (fits) chosen[p.id] = p.text;
    }
    setId = `liaison-differential-${this.instance}-${key}`;
    const parsed = cedar.preparsePolicySet(setId, { staticPolicies: chosen });
    if (parsed.type !== 'success') {
      throw new Error(`liaison.cedar: ${parsed.errors.map((e) => e.message).join('; ')}`);
    }
    this.sets.set(key, setId);
    return setId;
  }

  /** Policy id -> RULES reason code, rule, and whether it marks an inapplicable candidate. */
  get policies(): ReadonlyMap<string, PolicyInfo> {
    return this.info;
  }

  private cache(w: World): WorldCache {
    let c = this.caches.get(w);
    if (c === undefined) {
      c = { parties: new Map(), agreements: new Map() };
      this.caches.set(w, c);
    }
    return c;
  }

  /** A known party as an entity; an unknown one is absent from the request (`has pid` fails). */
  private party(w: World, id: PartyId): EntityJson | undefined {
    if (!w.parties.has(id)) return undefined;
    const cache = this.cache(w);
    let entity = cache.parties.get(id);
    if (entity === undefined) {
      entity = { uid: uid('Party', id), attrs: { pid: id }, parents: [] };
      cache.parties.set(id, entity);
    }
    return entity;
  }

  /** The candidate agreements for a transfer from `sender` to `to`, as Cedar entities at t. */
  private candidates(
    w: World,
    sender: PartyId,
    to: PartyId,
    t: EpochMs,
  ): { aid: string; entity: EntityJson }[] {
    const cache = this.cache(w);
    const out: { aid: string; entity: EntityJson }[] = [];
    for (const a of w.agreements.values()) {
      const listed = a.definition.parties;
      if (!this.exhaustive && !(listed.includes(sender) && listed.includes(to))) continue;
      // The core's lifecycle (RULES §3) gives the text in force at t (L8) and the state.
      const text = a.textAt(t);
      const inForce = a.inForceAt(t);
      const key = `${a.id}#${a.textVersions.indexOf(text)}#${inForce}`;
      let entity = cache.agreements.get(key);
      if (entity === undefined) {
        entity = agreementEntity(a, text, inForce);
        cache.agreements.set(key, entity);
      }
      out.push({ aid: a.id, entity });
    }
    return out;
  }

  private ask(
    principal: TypeAndId,
    action: TypeAndId,
    resource: TypeAndId,
    context: Context,
    entities: EntityJson[],
  ): Verdict {
    this.requests++;
    const setId = this.policySet(action.id, context);
    const answer = cedar.statefulIsAuthorized({
      principal,
      action,
      resource,
      context,
      entities,
      preparsedPolicySetId: setId,
    });
    if (answer.type !== 'success') {
      throw new Error(`cedar failed: ${answer.errors.map((e) => e.message).join('; ')}`);
    }
    const { decision, diagnostics } = answer.response;
    if (diagnostics.errors.length > 0) {
      throw new Error(
        `cedar policy errors: ${diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join('; ')}`,
      );
    }
    // The guards make exactly one policy determining: the first failing check, or the permit.
    const [policy, ...more] = diagnostics.reason;
    if (policy === undefined || more.length > 0) {
      throw new Error(
        `expected exactly one determining policy, got [${diagnostics.reason.join(', ')}] (${decision}) for ${JSON.stringify(
          { principal, action, resource, context },
        )}`,
      );
    }
    const info = this.info.get(policy);
    if (info === undefined) throw new Error(`unknown policy id ${policy}`);
    return {
      allow: decision === 'allow',
      policy,
      code: info.code,
      inapplicable: info.inapplicable,
    };
  }

  /** RULES R1–R6 (and P1 for `req.user`): the originator of `req.item` releases it to `req.to` at t. */
  release(w: World, req: ReleaseRequest, t: EpochMs): CedarAnswer {
    const item = w.items.get(req.item);
    // An unknown item has no originator; Cedar stops at unknown-item before reading the sender.
    const sender = item?.originator.id ?? req.to;
    return this.transfer(w, req.item, item, sender, req.to, req.user, t, null);
  }

  /** RULES F0–F5 and P1 (a release when `req.by` is the originator). */
  forward(w: World, req: ForwardRequest, t: EpochMs): CedarAnswer {
    const item = w.items.get(req.item);
    let consents: readonly ConsentRecord[] = [];
    if (item !== undefined) {
      consents = w.consentsByItem.get(item.id) ?? [];
      if (!this.exhaustive)
        consents = consents.filter((c) => c.holder === req.by && c.to === req.to);
    }
    return this.transfer(w, req.item, item, req.by, req.to, req.user, t, consents);
  }

  /** RULES A1–A4. */
  read(w: World, req: ReadRequest, t: EpochMs): CedarAnswer {
    const user = w.users.get(req.user);
    const item = w.items.get(req.item);
    const entities: EntityJson[] = [];
    if (user !== undefined) entities.push(userEntity(user));
    if (item !== undefined) entities.push(itemEntity(item));
    const start = this.requests;
    const v = this.ask(
      uid('User', req.user),
      ACTION_READ,
      uid('Item', req.item),
      { now: t },
      entities,
    );
    return this.answer(v, start);
  }

  private answer(v: Verdict, start: number, agreement?: string): CedarAnswer {
    return {
      decision: v.allow ? 'allow' : 'deny',
      code: v.code,
      agreements: [],
      requests: this.requests - start,
      ...(agreement === undefined ? {} : { agreement }),
    };
  }

  /**
   * A transfer by `sender`, with `user` the person acting for it (P1) if one is named.
   * `consents` is null for a release query (no consent is asked about) and the
   * candidate consents for a forward: one request per consent, then one per candidate
   * agreement with a consent that passed F1.
   */
  private transfer(
    w: World,
    itemId: string,
    item: ItemRecord | undefined,
    sender: PartyId,
    to: PartyId,
    user: string | undefined,
    t: EpochMs,
    consents: readonly ConsentRecord[] | null,
  ): CedarAnswer {
    const start = this.requests;
    const entities: EntityJson[] = [];
    const senderEntity = this.party(w, sender);
    if (senderEntity !== undefined) entities.push(senderEntity);
    const toEntity = this.party(w, to);
    if (toEntity !== undefined && to !== sender) entities.push(toEntity);
    if (item !== undefined) entities.push(itemEntity(item));
    const principal = uid('Party', sender);
    const resource = uid('Item', itemId);
    const base: Context = { now: t, to: ref('Party', to) };
    if (user !== undefined) {
      // An unknown user is named but absent from the entities (`has party` fails).
      base.user = ref('User', user);
      const record = w.users.get(user);
      if (record !== undefined) entities.push(userEntity(record));
    }
    const ask = (context: Context, extra: EntityJson[]): Verdict =>
      this.ask(principal, ACTION_TRANSFER, resource, context, [...entities, ...extra]);

    let context = base;
    let consentEntities: EntityJson[] = [];
    if (consents !== null) {
      if (consents.length === 0) {
        const v = ask(base, []);
        // `no-agreement` here means F1 did not apply (a forward by the originator).
        if (v.code !== 'no-agreement') return this.answer(v, start);
      } else {
        const asked = consents.map((c) => {
          const entity = consentEntity(c);
          const v = ask({ ...base, consent: ref('Consent', c.id) }, [entity]);
          return { c, entity, v };
        });
        const first = asked[0] as (typeof asked)[number];
        if (asked.filter((x) => !x.v.inapplicable).length >= 2) this.multiConsent++;
        // Without an agreement in the context, `already-held` can only follow R1 / F0.
        if (PRE_CANDIDATE.has(first.v.code) || first.v.code === ALREADY_HELD) {
          for (const x of asked) {
            if (x.v.code !== first.v.code) {
              throw new Error(`pre-candidate codes differ: ${first.v.code} vs ${x.v.code}`);
            }
          }
          return this.answer(first.v, start);
        }
        // No path check reads the consent: any one that passed F1 stands for all.
        const passing = asked.find((x) => x.v.code === 'no-agreement');
        if (passing === undefined) {
          // RULES F1: no valid consent; the newest one naming item, holder and recipient
          // gives the code (ties: the one recorded later).
          let newest: (typeof asked)[number] | null = null;
          for (const x of asked) {
            if (x.v.inapplicable) continue;
            if (!CONSENT_CODES.has(x.v.code)) {
              throw new Error(`unexpected consent-stage code ${x.v.code}`);
            }
            if (newest === null || x.c.grantedAt >= newest.c.grantedAt) newest = x;
          }
          if (newest === null) return this.answer(ask(base, []), start); // consent-required
          return this.answer(newest.v, start);
        }
        context = { ...base, consent: ref('Consent', passing.c.id) };
        consentEntities = [passing.entity];
      }
    }

    const candidates = this.candidates(w, sender, to, t);
    const results = candidates.map(({ aid, entity }) => ({
      aid,
      v: ask({ ...context, agreement: ref('Agreement', aid) }, [...consentEntities, entity]),
    }));
    const first = results[0];
    if (first !== undefined && PRE_CANDIDATE.has(first.v.code)) {
      for (const r of results) {
        if (r.v.code !== first.v.code) {
          throw new Error(`pre-candidate codes differ: ${first.v.code} vs ${r.v.code}`);
        }
      }
      return this.answer(first.v, start);
    }
    const applicable = results.filter((r) => !r.v.inapplicable);
    // RULES R2: no agreement links the two parties; Cedar says so given no candidate.
    if (applicable.length === 0) return this.answer(ask(context, consentEntities), start);
    if (applicable.length >= 2) this.multiAgreement++;
    const allowing = applicable.filter((r) => r.v.allow);
    // R6 / F5, checked last: some candidate passed every other check, but the recipient
    // already holds the item (which no candidate changes, so then none allows).
    const held = applicable.filter((r) => r.v.code === ALREADY_HELD);
    if (held.length > 0) {
      if (allowing.length > 0) {
        throw new Error(
          `candidates both allow and say already-held: ${[...allowing, ...held].map((r) => r.aid).join(', ')}`,
        );
      }
      return this.answer((held[0] as (typeof held)[number]).v, start);
    }
    if (allowing.length > 0) {
      return {
        decision: 'allow',
        code: (allowing[0] as (typeof allowing)[number]).v.code,
        agreements: [...new Set(allowing.map((r) => r.aid))].sort(byId),
        requests: this.requests - start,
      };
    }
    // RULES §4: the in-force agreement that passed the most checks (ties: smallest id),
    // or agreement-not-in-force when none is in force.
    let best: (typeof results)[number] | null = null;
    let bestRank = 0;
    for (const r of applicable) {
      const rank = PATH_CHECK_ORDER[r.v.code];
      if (rank === undefined) throw new Error(`unexpected path code ${r.v.code}`);
      if (best === null || rank > bestRank || (rank === bestRank && byId(r.aid, best.aid) < 0)) {
        best = r;
        bestRank = rank;
      }
    }
    const chosen = best as (typeof results)[number];
    return this.answer(chosen.v, start, chosen.aid);
  }
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
