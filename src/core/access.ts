// Read (RULES A1–A4): may user U of party P open item I at t?
import { type Decision, deny, markingView, type Reason, reason, showMarking } from './decision.js';
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
  holding: Holding,
  rule: 'A2' | 'A3',
): { ref: string; agreement: string } | undefined {
  const first = holding.receipts[0];
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
  const extra = accessRef(w, holding, 'A2');
  const reasons: Reason[] = [];
  if (user.clearance.rank < marking.rank) {
    reasons.push(
      reason(
        'clearance-insufficient',
        'A2',
        `${user.id} is cleared to ${showMarking(user.clearance)}, below ${item.id}'s ${showMarking(marking)} at ${party}`,
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
  for (const c of item.categories) {
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
