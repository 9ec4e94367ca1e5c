// An agreement's state and notice in words, the same in every command that shows them
// (agreement list, show, check, explain): instants in the agreement's zone, a countdown
// only for an active notice, and a suspended notice said to be suspended with what
// resuming it would do (RULES L5). A terminated agreement has no pending notice.

import { type At, relative, timeIn, toMs } from './time.js';

export interface NoticeLike {
  readonly by: string;
  readonly receivedAt: string | number;
  readonly target: string | number;
  readonly suspended: boolean;
}

export interface StatusLike {
  readonly state: string;
  readonly endedAt: string | number | null;
  readonly endedBy: string | null;
  readonly contested: boolean;
  readonly notice: NoticeLike | null;
}

/** The state, and for a terminated agreement when and how it ended. */
export function stateWords(
  s: StatusLike,
  zone: string,
  fmt: (at: At) => string = (t) => timeIn(t, zone),
): string {
  if (s.state !== 'terminated') return s.state;
  const how =
    s.endedBy === 'notice'
      ? `by ${s.notice === null ? 'notice' : `${s.notice.by}'s notice`}`
      : s.endedBy === 'mutual'
        ? 'by mutual termination'
        : s.endedBy === 'expiry'
          ? 'at the end of its term'
          : '';
  const when = s.endedAt === null ? '' : ` ${fmt(s.endedAt)}`;
  return `terminated${when}${how === '' ? '' : ` ${how}`}${s.contested ? ' (contested, RULES L5)' : ''}`;
}

/**
 * The pending notice at `at`, in words (instants by `fmt`, by default in the zone and
 * naming it); null when there is none to speak of (none, or
 * the agreement is terminated: what ended it is in `stateWords`).
 */
export function noticeWords(
  s: StatusLike,
  at: At,
  zone: string,
  fmt: (at: At) => string = (t) => timeIn(t, zone),
): string | null {
  const n = s.notice;
  if (n === null || s.state === 'terminated') return null;
  const target = fmt(n.target);
  if (!n.suspended) {
    const left = relative(at, n.target);
    return `notice by ${n.by}: the agreement ends at ${target}${left === '' ? '' : ` (${left})`}`;
  }
  const now = at === null || at === undefined ? null : toMs(at);
  const end = toMs(n.target);
  const past = now !== null && end !== null && now >= end;
  return past
    ? `notice by ${n.by} SUSPENDED past its target ${target}: it terminates nothing; if resumed, the agreement ends at once (contested, RULES L5)`
    : `notice by ${n.by} SUSPENDED: it terminates nothing while suspended; if resumed before ${target}, the agreement ends then; resumed later, at once (RULES L5)`;
}
