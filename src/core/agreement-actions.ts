// Lifecycle actions (RULES L3–L8) are decided like any other action: a notice by a
// non-party is `not-a-party`, a second pending notice `notice-already-pending`,
// suspending when nothing is pending `no-pending-notice`.
import { type AgreementTextSpec, compileText, type EquivalenceRow } from './agreement.js';
import { type Decision, deny, type Reason, reason } from './decision.js';
import type {
  AgreementRuntime,
  AgreementStatus,
  LifecycleEvent,
  NoticeState,
} from './lifecycle.js';
import type { PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import type { World } from './world.js';

export type NoticeActionKind = 'notice' | 'suspend-notice' | 'resume-notice' | 'withdraw-notice';

export interface NoticeActionRequest {
  readonly agreement: string;
  readonly by: PartyId;
}

export interface TerminationRequest {
  readonly agreement: string;
  /** When the mutual termination takes effect; defaults to the decision instant. */
  readonly effectiveAt?: EpochMs | undefined;
}

/** Fields an amendment may change; absent fields keep the text in force at t. */
export interface AmendmentRequest {
  readonly agreement: string;
  readonly rows?: readonly EquivalenceRow[] | undefined;
  /** `null` removes the scope (all categories); absent keeps it. */
  readonly scope?: readonly string[] | null | undefined;
  readonly noticePeriod?: string | undefined;
}

function lookup(w: World, id: string): AgreementRuntime | Reason {
  return w.agreements.get(id) ?? reason('unknown-agreement', null, `unknown agreement '${id}'`);
}

function at(a: AgreementRuntime, t: EpochMs): string {
  return a.show(t);
}

function notInForce(a: AgreementRuntime, s: AgreementStatus, rule: 'L1' | 'L4' | 'L7'): Reason {
  const why =
    s.state === 'pending'
      ? `it enters into force only at ${at(a, a.entryIntoForce)}`
      : `it ended at ${at(a, s.endedAt ?? s.at)} by ${s.endedBy ?? 'termination'}`;
  return reason(
    'agreement-not-in-force',
    rule,
    `${a.id} is not in force at ${at(a, s.at)}: ${why}`,
    {
      ref: a.ref('in-force', rule),
      agreement: a.id,
    },
  );
}

function lifecycleDecision(
  a: AgreementRuntime,
  event: LifecycleEvent,
  rule: Reason['rule'],
  message: string,
  notice: NoticeState | null,
): Decision {
  return {
    decision: 'allow',
    reasons: [
      reason('allowed', rule, message, { ref: a.ref('notice', rule ?? 'L3'), agreement: a.id }),
    ],
    notice,
    effect: { kind: 'lifecycle', agreement: a.id, event },
  };
}

/** RULES L3–L6: give, suspend, resume or withdraw a termination notice at t. */
export function decideNoticeAction(
  w: World,
  kind: NoticeActionKind,
  req: NoticeActionRequest,
  t: EpochMs,
): Decision {
  const a = lookup(w, req.agreement);
  if ('code' in a) return deny([a]);
  if (!w.parties.has(req.by)) {
    return deny([reason('unknown-party', null, `unknown party '${req.by}' in by`)]);
  }
  if (!a.partyIds.has(req.by)) {
    return deny([
      reason(
        'not-a-party',
        'L6',
        `${req.by} is not a party to ${a.id} (parties: ${[...a.partyIds].join(', ')})`,
        { ref: a.ref('notice', 'L6'), agreement: a.id },
      ),
    ]);
  }
  const s = a.statusAt(t);
  if (s.state !== 'in-force') return deny([notInForce(a, s, s.state === 'pending' ? 'L1' : 'L4')]);
  const pending = s.notice;
  const ref = { ref: a.ref('notice', 'L6'), agreement: a.id };
  if (kind === 'notice') {
    if (pending !== null) {
      return deny([
        reason(
          'notice-already-pending',
          'L6',
          `${pending.by}'s notice of ${at(a, pending.receivedAt)} is still pending${
            pending.suspended ? ' (suspended)' : ''
          }; one pending notice per agreement at a time`,
          ref,
        ),
      ]);
    }
    const target = a.noticeTargetAt(t);
    const np = a.textAt(t).noticePeriod.text;
    const notice: NoticeState = { by: req.by, receivedAt: t, target, suspended: false };
    const how =
      a.clock.boundaryCount === 0
        ? `${np} after receipt (the agreement is indefinite)`
        : a.clock.boundaryCount === 1
          ? 'at the end of its only term (it does not renew)'
          : `at the first term boundary at least ${np} away`;
    return lifecycleDecision(
      a,
      { kind: 'notice', at: t, by: req.by, target },
      'L3',
      `${req.by} gives notice to terminate ${a.id}; unless suspended or withdrawn it takes effect at ${at(a, target)}, ${how}${
        a.assumes('noticePeriod')
          ? ` (the ${np} notice period is an assumption; the agreement's own is not public)`
          : ''
      }`,
      notice,
    );
  }
  if (pending === null) {
    return deny([
      reason('no-pending-notice', 'L6', `no notice of termination of ${a.id} is pending`, ref),
    ]);
  }
  if (pending.by !== req.by) {
    return deny([
      reason(
        'not-originator',
        'L6',
        `only ${pending.by}, who gave the notice, may ${kind.replace('-notice', '')} it; ${req.by} may not`,
        ref,
      ),
    ]);
  }
  switch (kind) {
    case 'suspend-notice':
      if (pending.suspended) {
        return deny([
          reason('no-pending-notice', 'L5', `${pending.by}'s notice is already suspended`, ref),
        ]);
      }
      return lifecycleDecision(
        a,
        { kind: 'suspend-notice', at: t, by: req.by },
        'L5',
        `${req.by} suspends its notice: it terminates nothing while suspended, and ${a.id} stays in force and keeps renewing`,
        { ...pending, suspended: true },
      );
    case 'resume-notice': {
      if (!pending.suspended) {
        return deny([
          reason(
            'no-pending-notice',
            'L5',
            `${pending.by}'s notice is active, not suspended; there is nothing to resume`,
            ref,
          ),
        ]);
      }
      const late = t >= pending.target;
      return lifecycleDecision(
        a,
        { kind: 'resume-notice', at: t, by: req.by },
        'L5',
        late
          ? `${req.by} resumes its notice after its target ${at(a, pending.target)}: ${a.id} terminates at once, at ${at(a, t)} (contested: the ROK reading of 2019)`
          : `${req.by} resumes its notice: it is active again and takes effect at ${at(a, pending.target)}`,
        { ...pending, suspended: false },
      );
    }
    case 'withdraw-notice':
      return lifecycleDecision(
        a,
        { kind: 'withdraw-notice', at: t, by: req.by },
        'L6',
        `${req.by} withdraws its notice of ${at(a, pending.receivedAt)}: it is void, and ${a.id} continues`,
        null,
      );
  }
}

/** RULES L7: mutual termination by all parties ends the agreement at its instant. */
export function decideTermination(w: World, req: TerminationRequest, t: EpochMs): Decision {
  const a = lookup(w, req.agreement);
  if ('code' in a) return deny([a]);
  const s = a.statusAt(t);
  if (s.state === 'terminated') return deny([notInForce(a, s, 'L7')]);
  const effectiveAt = Math.max(req.effectiveAt ?? t, t);
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'L7',
        `all parties (${[...a.partyIds].join(', ')}) terminate ${a.id} by mutual consent from ${at(a, effectiveAt)}; obligations on what was exchanged survive`,
        { ref: a.ref('termination', 'L7'), agreement: a.id },
      ),
    ],
    effect: {
      kind: 'lifecycle',
      agreement: a.id,
      event: { kind: 'terminate', at: t, effectiveAt },
    },
  };
}

/** RULES L8: an amendment by all parties; decisions from t on use the new text. */
export function decideAmendment(w: World, req: AmendmentRequest, t: EpochMs): Decision {
  const a = lookup(w, req.agreement);
  if ('code' in a) return deny([a]);
  const s = a.statusAt(t);
  if (s.state === 'terminated') return deny([notInForce(a, s, 'L7')]);
  const current = a.textAt(t);
  const text: AgreementTextSpec = {
    rows: req.rows ?? current.rows,
    scope:
      req.scope === undefined
        ? current.scope === null
          ? undefined
          : [...current.scope]
        : (req.scope ?? undefined),
    noticePeriod: req.noticePeriod ?? current.noticePeriod.text,
  };
  // Throws a DefinitionError naming the bad row or field before anything changes.
  compileText(a.id, a.parties, text, t);
  const changed = [
    req.rows === undefined ? null : 'equivalence rows',
    req.scope === undefined ? null : 'scope',
    req.noticePeriod === undefined ? null : 'notice period',
  ].filter((x) => x !== null);
  return {
    decision: 'allow',
    reasons: [
      reason(
        'allowed',
        'L8',
        `all parties amend ${a.id} (${changed.join(', ') || 'no change'}); decisions from ${at(a, t)} use the new text`,
        { ref: a.ref('amendment', 'L8'), agreement: a.id },
      ),
    ],
    effect: { kind: 'lifecycle', agreement: a.id, event: { kind: 'amend', at: t, text } },
  };
}
