// An agreement's status as two nodes compare it: the members of RULES L1–L7 both must
// compute alike at the same instant (state, how and when it ended, the notice and its
// target, contested), on the wire and compared instant by instant.
import {
  type AgreementStatus,
  type EpochMs,
  formatInstant,
  type PartyId,
  parseInstant,
  type World,
} from '../core/index.js';
import type { StatusOnWire } from './messages.js';

/** A status as sent: instants as RFC 3339 in UTC. */
export function statusOnWire(s: AgreementStatus): StatusOnWire {
  return {
    state: s.state,
    endedBy: s.endedBy,
    endedAt: s.endedAt === null ? null : formatInstant(s.endedAt),
    notice:
      s.notice === null
        ? null
        : {
            by: s.notice.by,
            receivedAt: formatInstant(s.notice.receivedAt),
            target: formatInstant(s.notice.target),
            suspended: s.notice.suspended,
          },
    contested: s.contested,
  };
}

/** An instant of a status, as epoch ms; throws TimeFormatError (malformed) if unreadable. */
const ms = (text: string | null): EpochMs | null => (text === null ? null : parseInstant(text).ms);

/**
 * The members in which two statuses differ (none: in step), compared by value: two
 * instants are the same instant however their offsets are written. Throws a
 * TimeFormatError if an instant of `theirs` cannot be read.
 */
export function differences(ours: StatusOnWire, theirs: StatusOnWire): string[] {
  const out: string[] = [];
  if (ours.state !== theirs.state) out.push('state');
  if (ours.endedBy !== theirs.endedBy) out.push('endedBy');
  if (ms(ours.endedAt) !== ms(theirs.endedAt)) out.push('endedAt');
  const a = ours.notice;
  const b = theirs.notice;
  if (a === null || b === null) {
    if (a !== b) out.push('notice');
  } else {
    if (a.by !== b.by) out.push('notice.by');
    if (ms(a.receivedAt) !== ms(b.receivedAt)) out.push('notice.receivedAt');
    if (ms(a.target) !== ms(b.target)) out.push('notice.target');
    if (a.suspended !== b.suspended) out.push('notice.suspended');
  }
  if (ours.contested !== theirs.contested) out.push('contested');
  return out;
}

/** The agreements binding here whose parties include both this party and `peer`, by id. */
export function sharedAgreements(world: World, self: PartyId, peer: PartyId): string[] {
  const out: string[] = [];
  for (const a of world.agreements.values())
    if (a.partyIds.has(self) && a.partyIds.has(peer)) out.push(a.id);
  return out.sort();
}
