// One entry point for every decidable action, as the simulator and a node use it.
import { decideRead, type ReadRequest } from './access.js';
import {
  type AmendmentRequest,
  decideAmendment,
  decideNoticeAction,
  decideTermination,
  type NoticeActionKind,
  type NoticeActionRequest,
  type TerminationRequest,
} from './agreement-actions.js';
import {
  type CompromiseRequest,
  type ConsentRequest,
  decideCompromiseReport,
  decideConsent,
  decideReclassify,
  decideRevokeConsent,
  type ReclassifyRequest,
  type RevokeConsentRequest,
} from './custody.js';
import type { Decision } from './decision.js';
import { applyEffect } from './effects.js';
import type { EpochMs } from './time.js';
import {
  decideForward,
  decideRelease,
  type ForwardRequest,
  type ReleaseRequest,
} from './transfer.js';
import type { World } from './world.js';

export type Action =
  | ({ readonly kind: 'release' } & ReleaseRequest)
  | ({ readonly kind: 'forward' } & ForwardRequest)
  | ({ readonly kind: 'read' } & ReadRequest)
  | ({ readonly kind: 'consent' } & ConsentRequest)
  | ({ readonly kind: 'revoke-consent' } & RevokeConsentRequest)
  | ({ readonly kind: 'reclassify' } & ReclassifyRequest)
  | ({ readonly kind: 'report-compromise' } & CompromiseRequest)
  | ({ readonly kind: NoticeActionKind } & NoticeActionRequest)
  | ({ readonly kind: 'terminate' } & TerminationRequest)
  | ({ readonly kind: 'amend' } & AmendmentRequest);

export type ActionKind = Action['kind'];

export const ACTION_KINDS: readonly ActionKind[] = [
  'release',
  'forward',
  'read',
  'consent',
  'revoke-consent',
  'reclassify',
  'report-compromise',
  'notice',
  'suspend-notice',
  'resume-notice',
  'withdraw-notice',
  'terminate',
  'amend',
];

/** Decides an action at t. Pure: the World is only read. */
export function decide(w: World, action: Action, t: EpochMs): Decision {
  switch (action.kind) {
    case 'release':
      return decideRelease(w, action, t);
    case 'forward':
      return decideForward(w, action, t);
    case 'read':
      return decideRead(w, action, t);
    case 'consent':
      return decideConsent(w, action, t);
    case 'revoke-consent':
      return decideRevokeConsent(w, action, t);
    case 'reclassify':
      return decideReclassify(w, action, t);
    case 'report-compromise':
      return decideCompromiseReport(w, action, t);
    case 'notice':
    case 'suspend-notice':
    case 'resume-notice':
    case 'withdraw-notice':
      return decideNoticeAction(w, action.kind, action, t);
    case 'terminate':
      return decideTermination(w, action, t);
    case 'amend':
      return decideAmendment(w, action, t);
  }
}

/** Decides an action and, when allowed, applies its effect. */
export function perform(w: World, action: Action, t: EpochMs): Decision {
  const d = decide(w, action, t);
  if (d.decision === 'allow' && d.effect !== undefined) applyEffect(w, d.effect);
  return d;
}
