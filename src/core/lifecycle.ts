// One agreement at run time: its definition, its text versions (amendments, L8),
// its term clock (L2, L3) and its lifecycle events (notices L3–L6, mutual
// termination L7). Status at t folds the events up to t; whether it is in force at
// t is one comparison against an end instant recomputed when an event is added.

import {
  type AgreementDefinition,
  type AgreementTextSpec,
  type ArticleTopic,
  type AssumedPart,
  type CompiledText,
  checkDefinitionShape,
  compileText,
  type Topology,
} from './agreement.js';
import { type Term, TermClock } from './clock.js';
import { DefinitionError } from './errors.js';
import { defined } from './guards.js';
import type { RuleId } from './reasons.js';
import type { Party, PartyId } from './schemes.js';
import {
  canonicalTimeZone,
  type EpochMs,
  type IsoDuration,
  parseDuration,
  parseInstant,
  TimeFormatError,
  ZoneOffsets,
} from './time.js';

export type LifecycleEvent =
  | {
      readonly kind: 'notice';
      readonly at: EpochMs;
      readonly by: PartyId;
      readonly target: EpochMs;
    }
  | { readonly kind: 'suspend-notice'; readonly at: EpochMs; readonly by: PartyId }
  | { readonly kind: 'resume-notice'; readonly at: EpochMs; readonly by: PartyId }
  | { readonly kind: 'withdraw-notice'; readonly at: EpochMs; readonly by: PartyId }
  | { readonly kind: 'terminate'; readonly at: EpochMs; readonly effectiveAt: EpochMs }
  | { readonly kind: 'amend'; readonly at: EpochMs; readonly text: AgreementTextSpec };

export type AgreementState = 'pending' | 'in-force' | 'terminated';
export type EndedBy = 'notice' | 'mutual' | 'expiry';

export interface NoticeState {
  readonly by: PartyId;
  readonly receivedAt: EpochMs;
  readonly target: EpochMs;
  readonly suspended: boolean;
}

export interface AgreementEnd {
  readonly at: EpochMs;
  readonly by: EndedBy;
  /** RULES L5: ended by resuming a notice after its target (the ROK reading of 2019). */
  readonly contested: boolean;
}

export interface AgreementStatus {
  readonly agreement: string;
  readonly at: EpochMs;
  readonly state: AgreementState;
  /** The current term while in force; null when pending or terminated. */
  readonly term: Term | null;
  /**
   * End of the current term (null when indefinite); once terminated, the instant it
   * ended, which closed its last term; null while pending.
   */
  readonly termEnd: EpochMs | null;
  readonly endedAt: EpochMs | null;
  readonly endedBy: EndedBy | null;
  /** The pending notice, or once ended by notice, the notice that ended it. */
  readonly notice: NoticeState | null;
  readonly contested: boolean;
}

interface Fold {
  readonly notice: NoticeState | null;
  readonly end: AgreementEnd | null;
  /** The target of a notice that is active and will end the agreement when it arrives (L4). */
  readonly activeTarget: EpochMs | null;
}

function toDefinitionError(e: unknown, path: string): never {
  if (e instanceof TimeFormatError) throw new DefinitionError(e.message, [path]);
  throw e;
}

export class AgreementRuntime {
  readonly id: string;
  readonly parties: readonly Party[];
  readonly partyIds: ReadonlySet<PartyId>;
  readonly topology: Topology;
  readonly clock: TermClock;
  readonly entryIntoForce: EpochMs;
  /** Offset E was written in, for printing instants in the agreement's own terms. */
  readonly entryOffsetMinutes: number | null;
  private readonly versions: CompiledText[];
  private readonly eventList: LifecycleEvent[] = [];
  /** Instant from which the agreement is terminated, given every event so far. */
  private endAt: EpochMs = Number.POSITIVE_INFINITY;
  private readonly refCache = new Map<ArticleTopic, Map<RuleId, string>>();
  private endState: AgreementEnd | null = null;
  private endNotice: NoticeState | null = null;
  private offsets: ZoneOffsets;

  constructor(
    readonly definition: AgreementDefinition,
    known: ReadonlyMap<PartyId, Party>,
  ) {
    this.parties = checkDefinitionShape(definition, known);
    this.id = definition.id;
    this.partyIds = new Set(this.parties.map((p) => p.id));
    this.topology = definition.topology;
    let timezone: string;
    try {
      timezone = canonicalTimeZone(definition.timezone);
    } catch (e) {
      toDefinitionError(e, 'timezone');
    }
    let entry: ReturnType<typeof parseInstant>;
    try {
      entry = parseInstant(definition.entryIntoForce);
    } catch (e) {
      toDefinitionError(e, 'entryIntoForce');
    }
    this.entryIntoForce = entry.ms;
    this.offsets = new ZoneOffsets(timezone);
    this.entryOffsetMinutes = entry.offsetMinutes;
    const duration = (text: string | undefined, path: string): IsoDuration | null => {
      if (text === undefined) return null;
      try {
        return parseDuration(text);
      } catch (e) {
        toDefinitionError(e, path);
      }
    };
    this.clock = new TermClock(
      entry.ms,
      timezone,
      duration(definition.initialTerm, 'initialTerm'),
      duration(definition.renewalTerm, 'renewalTerm'),
    );
    this.versions = [
      compileText(
        definition.id,
        this.parties,
        { rows: definition.rows, scope: definition.scope, noticePeriod: definition.noticePeriod },
        Number.NEGATIVE_INFINITY,
      ),
    ];
    this.recompute();
  }

  get timezone(): string {
    return this.clock.timezone;
  }

  get events(): readonly LifecycleEvent[] {
    return this.eventList;
  }

  /** Every version of the text, oldest first. */
  get textVersions(): readonly CompiledText[] {
    return this.versions;
  }

  /** RULES L8: the text in force at t. */
  textAt(t: EpochMs): CompiledText {
    const v = this.versions;
    for (let i = v.length - 1; i > 0; i--) {
      const version = defined(v[i], 'a text version');
      if (version.from <= t) return version;
    }
    return defined(v[0], 'the first text');
  }

  /** RULES C1, L9: the text at t, or its last text if the agreement has ended by t. */
  lastTextAt(t: EpochMs): CompiledText {
    return this.textAt(t < this.endAt ? t : this.endAt - 1);
  }

  /** RULES L1–L7: in force at t. One comparison per bound; no calendar arithmetic. */
  inForceAt(t: EpochMs): boolean {
    return t >= this.entryIntoForce && t < this.endAt;
  }

  /** The instant from which the agreement is terminated, if any event so far ends it. */
  get terminatesAt(): EpochMs {
    return this.endAt;
  }

  /** A reference to the agreement's article on a topic, or to the RULES rule. */
  ref(topic: ArticleTopic, rule: RuleId): string {
    let byRule = this.refCache.get(topic);
    if (byRule === undefined) {
      byRule = new Map();
      this.refCache.set(topic, byRule);
    }
    let r = byRule.get(rule);
    if (r === undefined) {
      const article = this.definition.articles?.[topic];
      r =
        article === undefined
          ? `${this.id}, RULES ${rule}`
          : `${this.id} ${article}${this.assumes('articles') ? ' (approximate)' : ''}`;
      byRule.set(rule, r);
    }
    return r;
  }

  /**
   * Adds an event. Events must come in time order; the decision functions check
   * that each is allowed before it is added.
   */
  append(event: LifecycleEvent, path: readonly (string | number)[] = []): void {
    const last = this.eventList[this.eventList.length - 1];
    if (last !== undefined && event.at < last.at) {
      throw new RangeError(`lifecycle events of ${this.id} must be added in time order`);
    }
    if (event.kind === 'amend') {
      this.versions.push(compileText(this.id, this.parties, event.text, event.at, path));
    }
    this.eventList.push(event);
    this.recompute();
  }

  private recompute(): void {
    const folded = this.fold(Number.POSITIVE_INFINITY);
    this.endState = this.endFrom(folded);
    this.endNotice = this.endState?.by === 'notice' ? folded.notice : null;
    this.endAt = this.endState?.at ?? Number.POSITIVE_INFINITY;
  }

  /** How the agreement ends given every event so far, and the notice that ends it (if one does). */
  get ending(): { readonly end: AgreementEnd | null; readonly notice: NoticeState | null } {
    return { end: this.endState, notice: this.endNotice };
  }

  /** Whether a part of the definition rests on this product's assumption. */
  assumes(part: AssumedPart): boolean {
    return this.definition.assumed?.includes(part) ?? false;
  }

  /** A note to append where a decision rests on assumed equivalence rows ('' if none). */
  get rowsNote(): string {
    return this.assumes('rows')
      ? ` (${this.id}'s equivalence rows are an assumption; its own are not public)`
      : '';
  }

  /** An instant as RFC 3339 in the agreement's time zone. */
  show(t: EpochMs): string {
    return this.offsets.format(t);
  }

  /** Folds the events with at ≤ t into the notice state and any end they cause. */
  private fold(t: EpochMs): Fold {
    // A record, so that the compiler follows each field through the loop's cases.
    const f: { notice: NoticeState | null; end: AgreementEnd | null; ending: NoticeState | null } =
      { notice: null, end: null, ending: null };
    for (const e of this.eventList) {
      if (e.at > t) break;
      switch (e.kind) {
        case 'notice':
          f.notice = { by: e.by, receivedAt: e.at, target: e.target, suspended: false };
          break;
        case 'suspend-notice':
          if (f.notice !== null) f.notice = { ...f.notice, suspended: true };
          break;
        case 'resume-notice':
          if (f.notice !== null) {
            // RULES L5: resumed at or after its target, the notice ends the agreement at once.
            if (e.at >= f.notice.target && f.end === null) {
              f.ending = { ...f.notice, suspended: false };
              f.end = { at: e.at, by: 'notice', contested: true };
            }
            f.notice = { ...f.notice, suspended: false };
          }
          break;
        case 'withdraw-notice':
          f.notice = null;
          break;
        case 'terminate':
          if (f.end === null || e.effectiveAt < f.end.at) {
            f.end = { at: e.effectiveAt, by: 'mutual', contested: false };
          }
          break;
        case 'amend':
          break;
      }
    }
    if (f.ending !== null) {
      // Ended by a late resumption: the notice is spent, its (past) target ends nothing.
      return { notice: f.ending, end: f.end, activeTarget: null };
    }
    return {
      notice: f.notice,
      end: f.end,
      activeTarget: f.notice !== null && !f.notice.suspended ? f.notice.target : null,
    };
  }

  /** The earliest of: an explicit end, the active notice's target (L4), expiry at b1 (L3). */
  private endFrom(f: Fold): AgreementEnd | null {
    let end = f.end;
    const target = f.activeTarget;
    if (target !== null && (end === null || target < end.at)) {
      end = { at: target, by: 'notice', contested: false };
    }
    if (this.clock.boundaryCount === 1) {
      const b1 = this.clock.boundary(1);
      if (end === null || b1 < end.at) end = { at: b1, by: 'expiry', contested: false };
    }
    return end;
  }

  /** The agreement's status at t, from the events up to t (RULES L1–L7). */
  statusAt(t: EpochMs): AgreementStatus {
    const folded = this.fold(t);
    const end = this.endFrom(folded);
    const base: { agreement: string; at: EpochMs } = { agreement: this.id, at: t };
    if (t < this.entryIntoForce) {
      return {
        ...base,
        state: 'pending',
        term: null,
        termEnd: null,
        endedAt: null,
        endedBy: null,
        notice: folded.notice,
        contested: false,
      };
    }
    if (end !== null && t >= end.at) {
      return {
        ...base,
        state: 'terminated',
        term: null,
        termEnd: end.at,
        endedAt: end.at,
        endedBy: end.by,
        notice: end.by === 'notice' ? folded.notice : null,
        contested: end.contested,
      };
    }
    const term = this.clock.termAt(t);
    return {
      ...base,
      state: 'in-force',
      term,
      termEnd: term.end,
      endedAt: null,
      endedBy: null,
      notice: folded.notice,
      contested: false,
    };
  }

  /** RULES L3: the target of a notice received at n, under the text in force at n. */
  noticeTargetAt(n: EpochMs): EpochMs {
    return this.clock.noticeTarget(n, this.textAt(n).noticePeriod).target;
  }

  /**
   * The next renewal a notice could still stop, seen from t: the boundary B a notice
   * at t would target, and the deadline B − noticePeriod. Null when indefinite.
   */
  nextNoticeDeadline(
    t: EpochMs,
  ): { boundary: EpochMs; deadline: EpochMs; noticePeriod: string } | null {
    // Only a renewing agreement has renewals to stop.
    if (this.clock.boundaryCount !== Number.POSITIVE_INFINITY) return null;
    const np = this.textAt(t).noticePeriod;
    const { boundary } = this.clock.noticeTarget(Math.max(t, this.entryIntoForce), np);
    if (boundary === null) return null;
    return {
      boundary: this.clock.boundary(boundary),
      deadline: this.clock.deadline(boundary, np),
      noticePeriod: np.text,
    };
  }
}
