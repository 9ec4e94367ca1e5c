// The alert list's bookkeeping, kept pure for tests: an alert from the stream merged
// into the list, and an acknowledgement added to an opened alert's detail.
import type { AckView, AlertDetail, AlertView } from './types';

/** Adds an alert from the stream (an escalation replaces the alert it is about). */
export function merge(list: readonly AlertView[], a: AlertView): AlertView[] {
  const before = list.find((x) => x.id === a.id);
  const out = list.filter((x) => x.id !== a.id);
  // Stream frames do not say whether this party acknowledged it; the list did.
  out.push({ ...a, acknowledgedHere: a.acknowledgedHere ?? before?.acknowledgedHere ?? false });
  // The referenced alerts are superseded by this one.
  const refs = new Set(a.alert.references);
  return out
    .map((x) => (refs.has(x.id) && x.supersededBy === null ? { ...x, supersededBy: a.id } : x))
    .sort((x, y) => Date.parse(y.alert.sent) - Date.parse(x.alert.sent));
}

export const sameAck = (x: AckView, y: AckView) => x.party === y.party && x.user === y.user;

/** An opened alert's detail with one more acknowledgement (the per-party table too). */
export function withAck(d: AlertDetail, ack: AckView): AlertDetail {
  if (d.acks.some((x) => sameAck(x, ack))) return d;
  const earlier = (a: string | null, b: string) =>
    a === null || Date.parse(b) < Date.parse(a) ? b : a;
  return {
    ...d,
    acks: [...d.acks, ack],
    parties: d.parties.map((p) =>
      p.party === ack.party
        ? { ...p, acks: p.acks + 1, firstAckAt: earlier(p.firstAckAt, ack.at) }
        : p,
    ),
  };
}
