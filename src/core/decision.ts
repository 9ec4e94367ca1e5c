// The shape of every decision the core takes: allow or deny, with reasons that
// carry a docs/rules.md reason code, the rule, a message for people and the article it rests on.

import type { AgreementDefinition } from './agreement.js';
import type { AgreementStatus, LifecycleEvent, NoticeState } from './lifecycle.js';
import type { ReasonCode, RuleId } from './reasons.js';
import type { Marking, PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import type { ConsentRecord, ItemSpec, Receipt, UserSpec } from './world.js';

export interface Reason {
  readonly code: ReasonCode;
  readonly rule: RuleId | null;
  readonly message: string;
  /** Agreement id and article, where one applies. */
  readonly ref?: string;
  /** The agreement this reason is about, where it is about one. */
  readonly agreement?: string;
  /** The party this reason is about (e.g. the holder on a reclassification). */
  readonly party?: PartyId;
}

export interface MarkingRef {
  readonly party: PartyId;
  readonly code: string;
  readonly name: string;
  readonly en: string;
}

/** A marking as shown to the recipient: its own, with the originator's beside it (R5). */
export interface MarkingView extends MarkingRef {
  readonly originator: MarkingRef;
}

export interface ConsentNeeded {
  readonly by: PartyId;
  readonly item: string;
  readonly holder: PartyId;
  readonly to: PartyId;
}

export type Suggestion =
  | {
      readonly kind: 'hub-route';
      readonly via: PartyId;
      /** The agreement for the first hop (release to the hub) and the second (forward). */
      readonly releaseUnder: string;
      readonly forwardUnder: string;
      readonly consent: ConsentNeeded;
      /** A consent that already covers the second hop, if there is one. */
      readonly existingConsent: string | null;
      readonly marking: MarkingView;
      readonly message: string;
    }
  | {
      readonly kind: 'request-consent';
      readonly consent: ConsentNeeded;
      readonly message: string;
    };

/**
 * What an allowed decision (or a node's own bookkeeping) changes; `applyEffect`
 * carries it out, and is the only way a World changes.
 */
export type Effect =
  | {
      readonly kind: 'hold';
      readonly item: string;
      readonly party: PartyId;
      readonly marking: string;
      readonly receipts: readonly Receipt[];
      /** When the party came to hold it (default: the first receipt's instant). */
      readonly since?: EpochMs;
    }
  | { readonly kind: 'add-agreement'; readonly definition: AgreementDefinition }
  | { readonly kind: 'add-user'; readonly user: UserSpec }
  | {
      readonly kind: 'update-user';
      readonly id: string;
      readonly change: Partial<Omit<UserSpec, 'id' | 'party'>>;
    }
  | { readonly kind: 'add-item'; readonly item: ItemSpec; readonly since: EpochMs }
  | { readonly kind: 'consent'; readonly consent: ConsentRecord }
  | { readonly kind: 'revoke-consent'; readonly id: string; readonly at: EpochMs }
  | {
      readonly kind: 'reclassify';
      readonly item: string;
      readonly marking: string;
      /** The manifest version the new marking comes with. */
      readonly version: number;
      readonly holders: readonly { readonly party: PartyId; readonly marking: string }[];
    }
  | {
      readonly kind: 'compromise';
      readonly item: string;
      readonly by: PartyId;
      readonly at: EpochMs;
    }
  | { readonly kind: 'lifecycle'; readonly agreement: string; readonly event: LifecycleEvent };

export interface Decision {
  readonly decision: 'allow' | 'deny';
  /** The first reason is the first check that failed (deny) or why it passes (allow). */
  readonly reasons: readonly Reason[];
  /** Release, forward, read: the marking at the recipient (or reader's party). */
  readonly marking?: MarkingView;
  /** The agreements under which a transfer is allowed. */
  readonly agreements?: readonly string[];
  readonly suggestion?: Suggestion;
  /** Reclassify: every holder's marking afterwards. */
  readonly holders?: readonly MarkingView[];
  /** Notice actions: the notice as it stands after the action. */
  readonly notice?: NoticeState | null;
  readonly effect?: Effect;
}

/** A status report (the `status` action), which decides nothing. */
export interface StatusReport {
  readonly status: AgreementStatus;
}

export function markingRef(m: Marking): MarkingRef {
  return { party: m.party, code: m.code, name: m.name, en: m.en };
}

export function markingView(m: Marking, originator: Marking): MarkingView {
  return {
    party: m.party,
    code: m.code,
    name: m.name,
    en: m.en,
    originator: {
      party: originator.party,
      code: originator.code,
      name: originator.name,
      en: originator.en,
    },
  };
}

export function deny(reasons: readonly Reason[], extra?: Partial<Decision>): Decision {
  return { decision: 'deny', reasons, ...extra };
}

export function reason(
  code: ReasonCode,
  rule: RuleId | null,
  message: string,
  extra?: { ref?: string; agreement?: string; party?: PartyId },
): Reason {
  return extra === undefined ? { code, rule, message } : { code, rule, message, ...extra };
}

/** `name (English gloss)` as officers read a marking: 군사II급비밀 (SECRET). */
export function showMarking(m: Marking): string {
  return m.label;
}
