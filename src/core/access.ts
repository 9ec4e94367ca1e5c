// Read (RULES A1–A4), acting (P1) and visibility (V1): may user U of party P open item
// I at t, act on it, or learn that it exists?
import { type Decision, deny, markingView, type Reason, reason, showMarking } from './decision.js';
import { reasonMeaning } from './reasons.js';
import type { Marking } from './schemes.js';
import type { EpochMs } from './time.js';
import {
  type Holding,
  type ItemRecord,
  showInAgreementZone,
  type UserRecord,
  type World,
} from './world.js';

export interface ReadRequest {
  readonly item: string;
  readonly user: string;
}

/** The access article of the agreement under which the holder received the item. */
function accessRef(
  w: World,
  holding: Holding | undefined,
  rule: 'A2' | 'A3',
): { ref: string; agreement: string } | undefined {
  const first = holding?.receipts[0];
  if (first?.agreement == null) return undefined;
  const a = w.agreements.get(first.agreement);
  return a === undefined ? undefined : { ref: a.ref('access', rule), agreement: a.id };
}

function survivalNote(w: World, holding: Holding, t: EpochMs): string {
  const first = holding.receipts[0];
  if (first?.agreement == null) return '';
  const a = w.agreements.get(first.agreement);
  if (a === undefined || a.inForceAt(t) || t < a.entryIntoForce) return '';
  // RULES A4 / L9: obligations on what was exchanged survive termination.
  return `; ${a.id} has ended, but obligations on what was exchanged survive (${a.ref('survival', 'A4')})`;
}

/**
 * RULES A2–A3 for a marking in the user's own scheme and a set of categories: every
 * failing check, in order (empty when the user may read). `what` names the item.
 */
function accessFailures(
  w: World,
  user: UserRecord,
  what: string,
  marking: Marking,
  categories: readonly string[],
  holding: Holding | undefined,
  t: EpochMs,
): Reason[] {
  const reasons: Reason[] = [];
  const extra = accessRef(w, holding, 'A2');
  if (user.clearance.rank < marking.rank) {
    reasons.push(
      reason(
        'clearance-insufficient',
        'A2',
        `${user.id} is cleared to ${showMarking(user.clearance)}, below ${what}'s ${showMarking(marking)} at ${user.party.id}`,
        extra,
      ),
    );
  }
  if (t >= user.clearanceExpires) {
    reasons.push(
      reason(
        'clearance-expired',
        'A2',
        `${user.id}'s clearance expired at ${showInAgreementZone(w, extra?.agreement, user.clearanceExpires)}`,
        extra,
      ),
    );
  }
  let missing: string[] | null = null;
  for (const c of categories) {
    if (user.needToKnow.has(c)) continue;
    if (missing === null) missing = [c];
    else missing.push(c);
  }
  if (missing !== null) {
    reasons.push(
      reason(
        'need-to-know',
        'A3',
        `${user.id}'s need-to-know lacks ${missing.join(', ')}; clearance alone never suffices`,
        accessRef(w, holding, 'A3'),
      ),
    );
  }
  return reasons;
}

/** RULES A1–A4. Clearance alone never suffices: need-to-know must cover every category. */
export function decideRead(w: World, req: ReadRequest, t: EpochMs): Decision {
  const user = w.users.get(req.user);
  if (user === undefined) return deny([reason('unknown-user', null, `unknown user '${req.user}'`)]);
  const item = w.items.get(req.item);
  if (item === undefined) return deny([reason('unknown-item', null, `unknown item '${req.item}'`)]);
  return read(w, user, item, t);
}

function read(w: World, user: UserRecord, item: ItemRecord, t: EpochMs): Decision {
  const party = user.party.id;
  const holding = item.holdings.get(party);
  if (holding === undefined) {
    return deny([reason('not-held', 'A1', `${party} does not hold ${item.id}`)]);
  }
  const marking = holding.marking;
  const reasons = accessFailures(w, user, item.id, marking, item.categories, holding, t);
  const view = markingView(marking, item.marking);
  if (reasons.length > 0) return deny(reasons, { marking: view });
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'A3',
        `${user.id} (${party}, cleared ${showMarking(user.clearance)}) may read ${item.id}, marked ${showMarking(marking)} at ${party}, with need-to-know for ${item.categories.join(', ')}${survivalNote(w, holding, t)}`,
        accessRef(w, holding, 'A3'),
      ),
    ],
    marking: view,
  };
}

/**
 * RULES V1: may this user learn that the item exists at t? Exactly when A1–A3 let them
 * read it. The fast path of listings: no messages are built.
 */
export function mayRead(w: World, userId: string, itemId: string, t: EpochMs): boolean {
  const user = w.users.get(userId);
  const item = w.items.get(itemId);
  if (user === undefined || item === undefined) return false;
  const holding = item.holdings.get(user.party.id);
  if (holding === undefined) return false;
  if (user.clearance.rank < holding.marking.rank || t >= user.clearanceExpires) return false;
  for (const c of item.categories) if (!user.needToKnow.has(c)) return false;
  return true;
}

/**
 * RULES P1: the person acting for `party` must be one of its people and allowed to
 * read the item at t. Returns the refusal (its first reason the first failing read
 * check, under rule P1), or null when they may act.
 */
export function actingRefusal(
  w: World,
  userId: string,
  party: string,
  item: ItemRecord,
  t: EpochMs,
): Decision | null {
  const user = w.users.get(userId);
  if (user === undefined || user.party.id !== party) {
    return deny([
      reason(
        'unknown-user',
        'P1',
        user === undefined
          ? `unknown user '${userId}'`
          : `${userId} is a person of ${user.party.id}, not of ${party}, the party that acts`,
      ),
    ]);
  }
  const r = read(w, user, item, t);
  if (r.decision === 'allow') return null;
  return deny(
    r.reasons.map((x) => ({
      ...x,
      rule: 'P1' as const,
      message: `${userId} may act on ${item.id} only if allowed to read it (RULES P1, ${x.rule ?? ''}): ${x.message}`,
    })),
  );
}

export interface CreateRequest {
  readonly user: string;
  /** A marking code of the user's own party's scheme. */
  readonly marking: string;
  readonly categories: readonly string[];
}

/**
 * Creating an item is acting on it (RULES P1, as this project applies it; docs/decisions.md):
 * its originator's person must be allowed to read it once it exists, so nobody writes
 * above their own clearance or outside their need-to-know.
 */
export function decideCreate(w: World, req: CreateRequest, t: EpochMs): Decision {
  const user = w.users.get(req.user);
  if (user === undefined) return deny([reason('unknown-user', null, `unknown user '${req.user}'`)]);
  const marking = user.party.scheme.byCode.get(req.marking);
  if (marking === undefined) {
    return deny([
      reason(
        'unknown-marking',
        null,
        `unknown marking '${req.marking}' for ${user.party.id} (known: ${user.party.scheme.markings.map((m) => m.code).join(', ')})`,
      ),
    ]);
  }
  const failures = accessFailures(w, user, 'the new item', marking, req.categories, undefined, t);
  if (failures.length > 0) {
    return deny(
      failures.map((x) => ({
        ...x,
        rule: 'P1' as const,
        message: `${user.id} may create an item only if allowed to read it (RULES P1, ${x.rule ?? ''}): ${x.message}`,
      })),
    );
  }
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'P1',
        `${user.id} may create an item marked ${showMarking(marking)} in ${req.categories.join(', ')}`,
      ),
    ],
  };
}

/**
 * RULES V1: a refusal as told to a person who may not read the item: each reason's code
 * and rule, with the code's generic meaning; never the item's marking, categories,
 * title, the agreement it came under, or a suggestion built from them.
 */
export function concealed(d: Decision): Decision {
  return {
    decision: d.decision,
    reasons: d.reasons.map((r) => ({ code: r.code, rule: r.rule, message: reasonMeaning(r.code) })),
  };
}
