// The agreement paths an item may travel from one party to another at t (RULES R2–R5,
// F2–F3, TISA hub routing): which agreements are in force, cover the level and the
// scope, and allow the recipient; the first failure of each path explains a denial.
import { type Reason, reason, showMarking } from './decision.js';
import { defined } from './guards.js';
import type { AgreementRuntime } from './lifecycle.js';
import type { Marking, PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import type { ItemRecord, World } from './world.js';

const NOT_IN_FORCE = 1;
const HUB = 2;
const LEVEL = 3;
const SCOPE = 4;
const RELEASABLE = 5;

/**
 * R2–R4 (and F2, with the holder in the originator's place) under one agreement:
 * the recipient's marking if every check passes, else the number of the first
 * check that fails.
 */
function checkPath(
  a: AgreementRuntime,
  sender: PartyId,
  senderMarking: Marking,
  recipient: PartyId,
  item: ItemRecord,
  t: EpochMs,
): Marking | number {
  if (!a.inForceAt(t)) return NOT_IN_FORCE;
  const topology = a.topology;
  if (topology.kind === 'hub' && sender !== topology.hub && recipient !== topology.hub) return HUB;
  const text = a.textAt(t);
  const target = text.translate.get(sender)?.get(senderMarking.code)?.get(recipient);
  if (target === undefined) return LEVEL;
  const scope = text.scope;
  if (scope !== null) {
    for (const c of item.categories) if (!scope.has(c)) return SCOPE;
  }
  if (item.releasableTo !== null && !item.releasableTo.has(recipient)) return RELEASABLE;
  return target;
}

function notInForceMessage(a: AgreementRuntime, t: EpochMs): string {
  const when = a.show(t);
  const { end, notice } = a.ending;
  if (t < a.entryIntoForce || end === null) {
    return `${a.id} is not in force at ${when}: it enters into force at ${a.show(a.entryIntoForce)}`;
  }
  const how =
    end.by === 'notice'
      ? `by ${notice?.by ?? 'a party'}'s notice${end.contested ? ' (contested)' : ''}`
      : end.by === 'mutual'
        ? 'by mutual termination'
        : 'by expiry of its term';
  return `${a.id} is not in force at ${when}: it ended at ${a.show(end.at)} ${how}`;
}

/** Every failing check of one agreement, in order (for the explanation of a deny). */
function pathFailures(
  a: AgreementRuntime,
  sender: PartyId,
  senderMarking: Marking,
  recipient: PartyId,
  item: ItemRecord,
  t: EpochMs,
  ruleFor: 'R' | 'F',
  firstOnly = false,
): Reason[] {
  const inForceRule = ruleFor === 'R' ? 'R2' : 'F2';
  const coverRule = ruleFor === 'R' ? 'R4' : 'F2';
  const extra = { agreement: a.id };
  if (!a.inForceAt(t)) {
    return [
      reason('agreement-not-in-force', inForceRule, notInForceMessage(a, t), {
        ...extra,
        ref: a.ref('in-force', inForceRule),
      }),
    ];
  }
  const out: Reason[] = [];
  const topology = a.topology;
  if (topology.kind === 'hub' && sender !== topology.hub && recipient !== topology.hub) {
    out.push(
      reason(
        'hub-route-required',
        ruleFor === 'R' ? 'R3' : 'F2',
        `${a.id} routes through its hub ${topology.hub}: ${sender}→${recipient} is spoke to spoke and must go via ${topology.hub} as a forward`,
        { ...extra, ref: a.ref('topology', 'R3') },
      ),
    );
    if (firstOnly) return out;
  }
  const text = a.textAt(t);
  if (text.translate.get(sender)?.get(senderMarking.code)?.get(recipient) === undefined) {
    out.push(
      reason(
        'level-not-covered',
        coverRule,
        `${sender}'s ${showMarking(senderMarking)} is in no equivalence row of ${a.id} that names ${recipient}${a.rowsNote}`,
        { ...extra, ref: a.ref('equivalence', 'R4') },
      ),
    );
    if (firstOnly) return out;
  }
  if (text.scope !== null) {
    const outside = item.categories.filter((c) => !text.scope?.has(c));
    if (outside.length > 0) {
      out.push(
        reason(
          'out-of-scope',
          coverRule,
          `${item.id}'s categor${outside.length === 1 ? 'y' : 'ies'} ${outside.join(', ')} lie${
            outside.length === 1 ? 's' : ''
          } outside the scope of ${a.id} (${[...text.scope].join(', ')})`,
          { ...extra, ref: a.ref('scope', 'R4') },
        ),
      );
      if (firstOnly) return out;
    }
  }
  if (item.releasableTo !== null && !item.releasableTo.has(recipient)) {
    out.push(
      reason(
        'not-releasable',
        coverRule,
        `${item.id} is releasable only to ${[...item.releasableTo].join(', ') || 'no one'}; ${recipient} is not on the list`,
        { ...extra, ref: a.ref('releasability', 'R4') },
      ),
    );
  }
  return out;
}

export type PathsOutcome =
  | {
      readonly allow: true;
      readonly target: Marking;
      /** The agreements that allow it, the one named first. */
      readonly via: readonly [AgreementRuntime, ...AgreementRuntime[]];
    }
  | { readonly allow: false; readonly reasons: Reason[] };

/**
 * Evaluates every agreement between sender and recipient (RULES §4): any one that
 * passes every check allows, and the recipient takes the highest of their markings
 * (R5; ties: the smallest id). Otherwise the first reason comes from the in-force
 * agreement that passed the most checks (ties: smallest id), or is
 * `agreement-not-in-force` when none is in force.
 */
export function evaluatePaths(
  w: World,
  item: ItemRecord,
  sender: PartyId,
  senderMarking: Marking,
  recipient: PartyId,
  t: EpochMs,
  ruleFor: 'R' | 'F',
): PathsOutcome {
  const candidates = w.agreementsBetween(sender, recipient);
  let best: Marking | null = null;
  let via: [AgreementRuntime, ...AgreementRuntime[]] | null = null;
  let bestFail = 0;
  let bestFailAgreement: AgreementRuntime | null = null;
  for (const a of candidates) {
    const r = checkPath(a, sender, senderMarking, recipient, item, t);
    if (typeof r !== 'number') {
      if (best === null || r.rank > best.rank) best = r;
      if (via === null) via = [a];
      else via.push(a);
    } else if (r > bestFail) {
      bestFail = r;
      bestFailAgreement = a;
    }
  }
  if (best !== null && via !== null) return { allow: true, target: best, via };
  if (candidates.length === 0) {
    return {
      allow: false,
      reasons: [
        reason(
          'no-agreement',
          ruleFor === 'R' ? 'R2' : 'F2',
          `no agreement links ${sender} and ${recipient}`,
        ),
      ],
    };
  }
  const first = bestFailAgreement ?? defined(candidates[0], 'a candidate agreement');
  const reasons = pathFailures(first, sender, senderMarking, recipient, item, t, ruleFor);
  for (const a of candidates) {
    if (a === first) continue;
    const more = pathFailures(a, sender, senderMarking, recipient, item, t, ruleFor, true);
    if (more[0] !== undefined) reasons.push(more[0]);
  }
  return { allow: false, reasons };
}
