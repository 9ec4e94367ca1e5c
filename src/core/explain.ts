// An agreement explained at an instant: its term and boundaries, the next notice
// deadline, any pending notice and the equivalence table with native names. The
// CLI prints it; a node's API will serve it.
import type { AssumedPart } from './agreement.js';
import { type MarkingRef, markingRef } from './decision.js';
import type { AgreementRuntime, AgreementStatus, LifecycleEvent } from './lifecycle.js';
import type { PartyId } from './schemes.js';
import { type EpochMs, formatInstant } from './time.js';

export interface NoticeDeadline {
  /** The renewal boundary B a notice given now would stop. */
  readonly boundary: EpochMs;
  /** B − noticePeriod: the last instant a notice may arrive to stop renewal at B. */
  readonly deadline: EpochMs;
  readonly noticePeriod: string;
}

export interface AgreementExplanation {
  readonly id: string;
  readonly title: string | null;
  readonly parties: readonly { readonly id: PartyId; readonly name: string }[];
  readonly topology: { readonly kind: 'mesh' } | { readonly kind: 'hub'; readonly hub: PartyId };
  readonly timezone: string;
  readonly entryIntoForce: EpochMs;
  readonly initialTerm: string | null;
  readonly renewalTerm: string | null;
  /** 'renews' (automatic renewal), 'fixed' (one term) or 'indefinite'. */
  readonly termKind: 'renews' | 'fixed' | 'indefinite';
  readonly noticePeriod: string;
  readonly scope: readonly string[] | null;
  readonly assumptions: readonly string[];
  /** Parts of the definition that rest on an assumption. */
  readonly assumed: readonly AssumedPart[];
  /** The articles decisions cite, by topic (scope, protection, …); empty when none. */
  readonly articles: Readonly<Record<string, string>>;
  readonly status: AgreementStatus;
  /** Boundaries around t: up to two before it and three after. */
  readonly boundaries: readonly { readonly index: number; readonly at: EpochMs }[];
  readonly nextNoticeDeadline: NoticeDeadline | null;
  readonly equivalence: readonly { readonly [party: PartyId]: readonly MarkingRef[] }[];
  /** Classified markings of each party that no row covers: nothing at them moves. */
  readonly uncovered: { readonly [party: PartyId]: readonly MarkingRef[] };
  readonly versions: readonly { readonly from: EpochMs | null }[];
  readonly events: readonly LifecycleEvent[];
}

export function explainAgreement(a: AgreementRuntime, t: EpochMs): AgreementExplanation {
  const def = a.definition;
  const text = a.textAt(t);
  const clock = a.clock;
  const boundaries: { index: number; at: EpochMs }[] = [];
  if (clock.boundaryCount > 0) {
    const passed = clock.boundariesAtOrBefore(t);
    const from = Math.max(1, passed - 1);
    const to = Math.min(clock.boundaryCount, passed + 3);
    // Once ended, no boundary after the end is shown: there are no more terms.
    const end = a.terminatesAt;
    for (let k = from; k <= to; k++) {
      const b = clock.boundary(k);
      if (b > end && t >= end) break;
      boundaries.push({ index: k, at: b });
    }
  }
  const status = a.statusAt(t);
  const nextNoticeDeadline = status.state === 'terminated' ? null : a.nextNoticeDeadline(t);
  const equivalence = text.rows.map((row) => {
    const out: Record<PartyId, MarkingRef[]> = {};
    for (const p of a.parties) {
      const codes = row[p.id];
      if (codes === undefined) continue;
      out[p.id] = codes.flatMap((c) => {
        const m = p.scheme.byCode.get(c);
        return m === undefined ? [] : [markingRef(m)];
      });
    }
    return out;
  });
  const uncovered: Record<PartyId, MarkingRef[]> = {};
  for (const p of a.parties) {
    const covered = text.translate.get(p.id);
    const missing = p.scheme.markings
      .filter((m) => m.rank > 0 && !covered?.has(m.code))
      .map(markingRef);
    if (missing.length > 0) uncovered[p.id] = missing;
  }
  return {
    id: a.id,
    title: def.title ?? null,
    parties: a.parties.map((p) => ({ id: p.id, name: p.name })),
    topology: a.topology,
    timezone: a.timezone,
    entryIntoForce: a.entryIntoForce,
    initialTerm: clock.initialTerm?.text ?? null,
    renewalTerm: clock.renewalTerm?.text ?? null,
    termKind:
      clock.boundaryCount === 0 ? 'indefinite' : clock.boundaryCount === 1 ? 'fixed' : 'renews',
    noticePeriod: text.noticePeriod.text,
    scope: text.scope === null ? null : [...text.scope],
    assumptions: def.assumptions ?? [],
    assumed: def.assumed ?? [],
    articles: { ...def.articles },
    status,
    boundaries,
    nextNoticeDeadline,
    equivalence,
    uncovered,
    versions: a.textVersions.map((v) => ({ from: Number.isFinite(v.from) ? v.from : null })),
    events: a.events,
  };
}

function eventJson(e: LifecycleEvent, fmt: (ms: number) => string) {
  switch (e.kind) {
    case 'notice':
      return { kind: e.kind, at: fmt(e.at), by: e.by, target: fmt(e.target) };
    case 'terminate':
      return { kind: e.kind, at: fmt(e.at), effectiveAt: fmt(e.effectiveAt) };
    case 'amend':
      return { kind: e.kind, at: fmt(e.at), text: e.text };
    default:
      return { kind: e.kind, at: fmt(e.at), by: e.by };
  }
}

/** The explanation as JSON, instants as RFC 3339 in `offset` (null = Z). */
export function explanationJson(x: AgreementExplanation, offset: number | null) {
  const fmt = (ms: number) => formatInstant(ms, offset);
  const opt = (ms: number | null) => (ms === null ? null : fmt(ms));
  const s = x.status;
  return {
    id: x.id,
    title: x.title,
    parties: x.parties,
    topology: x.topology.kind === 'hub' ? { hub: x.topology.hub } : ('mesh' as const),
    timezone: x.timezone,
    entryIntoForce: fmt(x.entryIntoForce),
    initialTerm: x.initialTerm,
    renewalTerm: x.renewalTerm,
    termKind: x.termKind,
    noticePeriod: x.noticePeriod,
    scope: x.scope,
    assumptions: x.assumptions,
    assumed: x.assumed,
    articles: x.articles,
    at: fmt(s.at),
    state: s.state,
    term:
      s.term === null
        ? null
        : { index: s.term.index, start: fmt(s.term.start), end: opt(s.term.end) },
    termEnd: opt(s.termEnd),
    endedAt: opt(s.endedAt),
    endedBy: s.endedBy,
    contested: s.contested,
    notice:
      s.notice === null
        ? null
        : {
            by: s.notice.by,
            receivedAt: fmt(s.notice.receivedAt),
            target: fmt(s.notice.target),
            suspended: s.notice.suspended,
          },
    boundaries: x.boundaries.map((b) => ({ index: b.index, at: fmt(b.at) })),
    nextNoticeDeadline:
      x.nextNoticeDeadline === null
        ? null
        : {
            boundary: fmt(x.nextNoticeDeadline.boundary),
            deadline: fmt(x.nextNoticeDeadline.deadline),
            noticePeriod: x.nextNoticeDeadline.noticePeriod,
          },
    equivalence: x.equivalence,
    uncovered: x.uncovered,
    versions: x.versions.map((v) => ({ from: opt(v.from) })),
    events: x.events.map((e) => eventJson(e, fmt)),
  };
}
