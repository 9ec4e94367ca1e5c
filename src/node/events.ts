// What the log records: one map from each event type to the shape of its subject,
// and the one way a unit writes an event (`record`). docs/log.md's table is checked
// against EVENT_TYPES by a test; scripts/structure.mjs checks that each event type is
// recorded from one place in src, and that nothing else writes to the log.
import type { AgreementDefinition, Precedence } from '../core/index.js';
import type { Actor } from './roles.js';
import type { Unit } from './service.js';

type Instant = string;
type Party = string;

/** A marking by code, as entries name them. */
type Held = { readonly party: Party; readonly marking: string };

export interface EventSubjects {
  'node.initialized': { party: Party; origin: string; verifierKey: string };
  'node.setup-ended': { how: string };
  /** The node key of encryption at rest replaced: its id and the new one, data keys re-wrapped. */
  'node.data-key-rotated': { previous: string; next: string; keys: number };
  'agreement.added': {
    agreement: string;
    definition: AgreementDefinition | null;
    signedBy: readonly Party[] | null;
  };
  /** A notice action, here or by a partner (`at`: when it acted), or a signed change taking effect. */
  'agreement.lifecycle': {
    agreement: string;
    action: string;
    /** When the party acted (a notice action). */
    at?: Instant;
    /** When a signed change took effect. */
    effectiveAt?: Instant;
    signedBy?: readonly Party[] | null;
  };
  /**
   * A partner acknowledged a lifecycle action of this party: the instant it recorded and
   * its status then; `differs` names what is not as here (empty: in step).
   */
  'agreement.lifecycle-acknowledged': {
    agreement: string;
    action: string;
    envelope: string;
    at: Instant;
    status: AgreementStatusSeen;
    differs: readonly string[];
  };
  /** A partner's status report, compared with this node's status at the same instant. */
  'agreement.status-compared': {
    envelope: string;
    at: Instant;
    agreements: readonly {
      agreement: string;
      result: 'agrees' | 'diverged' | 'in-flight';
      /** When diverged: what differs, the partner's status and this node's. */
      differs?: readonly string[];
      theirs?: AgreementStatusSeen;
      ours?: AgreementStatusSeen;
    }[];
    /** Agreements the partner reported that do not bind here. */
    unknown: readonly string[];
  };
  'proposal.signed': {
    proposal: string;
    agreement: string;
    kind: string;
    signedBy: readonly Party[];
    complete: boolean;
  };
  'user.created': {
    user: string;
    clearance: string;
    needToKnow: readonly string[];
    roles: readonly string[];
    setup: boolean;
  };
  'user.clearance-changed': {
    user: string;
    from: { clearance: string; needToKnow: readonly string[] };
    to: { clearance: string; needToKnow: readonly string[]; expires: number | null };
    setup: boolean;
    proposedBy: string | null;
    change: string | null;
  };
  'user.roles-changed': {
    user: string;
    from: readonly string[];
    to: readonly string[];
    setup: boolean;
    proposedBy: string | null;
    change: string | null;
  };
  'user.change-proposed': {
    change: string;
    user: string;
    kind: 'clearance' | 'roles';
    roles: readonly string[] | null;
    clearance: string | null;
    needToKnow: readonly string[] | null;
    expires: number | null;
    approver: string;
  };
  'user.change-decided': {
    change: string;
    user: string;
    status: string;
    proposedBy: string;
    note: string | null;
  };
  'user.password-changed': {
    user: string;
    cleared: boolean;
    reset: boolean;
    setup: boolean;
    sessionsRevoked: number;
  };
  /** A sign-in that succeeded, or the first failure of an account in a minute. */
  'user.sign-in': { username: string; source: string; factor: string | null };
  'user.sign-in-failures': {
    username: string;
    failures: number;
    throttled: number;
    sources: readonly string[];
    from: Instant;
    to: Instant;
  };
  'user.totp-enrolled': { user: string };
  'user.totp-removed': { user: string };
  'token.created': {
    token: string;
    user: string;
    label: string;
    expiresAt: number | null;
    kind: string;
  };
  'token.revoked': { token: string; user: string };
  /** An item created here (`item` null: a creation refused before it had an id). */
  'item.created': {
    item: string | null;
    marking: string;
    categories: readonly string[];
    releasableTo: readonly Party[] | null;
    precedence: Precedence | null;
    alert: { msgType: string; status: string; references: readonly string[] } | null;
    /** An item made from a STIX 2.1 bundle: the bundle's id, its report's, the source item's. */
    imported?: { format: 'stix-2.1'; bundle: string; object: string; item: string | null };
  };
  /** A read, allowed or denied; `view` says what showed it (the item, its history, …). */
  'item.read': {
    item: string;
    marking: string | null;
    view: string;
    /** A file of the item downloaded (view `attachment`): its SHA-256, hex. */
    attachment?: string;
  };
  'listing.viewed': { view: string; items: readonly string[] };
  'item.released': ItemSent;
  'item.forwarded': ItemSent;
  'item.received': {
    envelope: string;
    item: string;
    kind: 'release' | 'forward';
    originator: Held;
    marking: string | null;
    categories: readonly string[];
  };
  'item.reclassified': {
    item: string;
    from?: string | null;
    to: string;
    holders: readonly Held[];
    /** The originator's manifest version of the new marking (issue 11). */
    version?: number | null;
  };
  'compromise.reported': { item: string; reportedBy?: Party };
  'consent.requested': {
    request?: string | null;
    item: string;
    holder: Party;
    to: Party;
    originator?: Party | null;
  };
  'consent.decided': {
    request: string;
    item: string;
    holder: Party;
    to: Party;
    consent?: string | null;
    reason?: string | null;
    expires?: Instant | null;
  };
  'consent.revoked': { consent: string };
  'peer.added': { peer: Party; url: string; origin: string; fingerprint: string };
  /**
   * This node rotated its keys: the hand-over, signed by the old key and the new
   * (src/log/handover.ts); an auditor follows it from the key recorded at init.
   */
  'node.keys-rotated': {
    handover: Readonly<Record<string, unknown>>;
    previous: string;
    next: string;
  };
  /** A peer handed its keys over: the epoch and fingerprints, from and to. */
  'peer.keys-rotated': {
    peer: Party;
    epoch: number;
    from: string;
    to: string;
    fingerprint: string;
  };
  'envelope.withheld': { envelope: string; to: Party; item: string | null };
  /** An envelope delivered, with the receiver's receipt (its log index there). */
  'envelope.delivered': EnvelopeSettled;
  /** An envelope its receiver refused, with the refusal code. */
  'envelope.refused': EnvelopeSettled;
  /** A partner's message accepted (not an item: `item.received` says those). */
  'message.received': {
    envelope: string;
    type: string;
    /** What the message said, e.g. the size of a cosigned checkpoint. */
    size?: number;
  };
  /** A partner's request or message refused. */
  'message.refused': {
    envelope?: string | null;
    type?: string | null;
    position?: number | null;
    /** A request refused before it was a message: the path it came to, and why. */
    path?: string | null;
    reason?: string;
    alsoRefusedNotLogged?: number;
  };
  /** At a hub: a partner's message passed on to a party it is not peered with. */
  'message.relayed': {
    envelope: string;
    /** The id of the author's message inside, and its type. */
    relayed: string;
    type: string;
    to: Party;
    /** The envelope this node queued to `to`. */
    onward: string;
  };
  'witness.checkpoint': { peer: Party; size: number; root: string };
  'witness.split-view': { peer: Party; size: number; problems: readonly string[] };
  'alert.pushed': {
    item: string;
    event: string;
    /** The event's node-wide id (what a stream resumes after). */
    id: number;
    users: readonly string[];
    /** Pushed to a stream catching up after it resumed. */
    resumed?: boolean;
  };
  'alert.acknowledged': { item: string; at: Instant; to?: Party | null };
  'alert.escalated': {
    item: string;
    level: number;
    parties?: readonly { party: Party; delivery: string | null }[] | null;
    envelope?: string | null;
  };
}

/** An agreement's status at an instant, as nodes compare it (docs/wire.md §5.13). */
type AgreementStatusSeen = {
  state: string;
  endedBy: string | null;
  endedAt: Instant | null;
  notice: { by: Party; receivedAt: Instant; target: Instant; suspended: boolean } | null;
  contested: boolean;
};

type ItemSent = {
  item: string;
  to: Party;
  envelope: string | null;
  marking: string | null;
  agreements: readonly string[];
};

type EnvelopeSettled = {
  envelope: string;
  to: Party;
  type: string;
  item: string | null;
  peerLogIndex: number | null;
};

export type EventType = keyof EventSubjects;

const TYPES: { readonly [K in EventType]: true } = {
  'node.initialized': true,
  'node.setup-ended': true,
  'node.data-key-rotated': true,
  'agreement.added': true,
  'agreement.lifecycle': true,
  'agreement.lifecycle-acknowledged': true,
  'agreement.status-compared': true,
  'proposal.signed': true,
  'user.created': true,
  'user.clearance-changed': true,
  'user.roles-changed': true,
  'user.change-proposed': true,
  'user.change-decided': true,
  'user.password-changed': true,
  'user.sign-in': true,
  'user.sign-in-failures': true,
  'user.totp-enrolled': true,
  'user.totp-removed': true,
  'token.created': true,
  'token.revoked': true,
  'item.created': true,
  'item.read': true,
  'listing.viewed': true,
  'item.released': true,
  'item.forwarded': true,
  'item.received': true,
  'item.reclassified': true,
  'consent.requested': true,
  'consent.decided': true,
  'consent.revoked': true,
  'compromise.reported': true,
  'peer.added': true,
  'node.keys-rotated': true,
  'peer.keys-rotated': true,
  'envelope.delivered': true,
  'envelope.refused': true,
  'envelope.withheld': true,
  'message.received': true,
  'message.refused': true,
  'message.relayed': true,
  'witness.checkpoint': true,
  'witness.split-view': true,
  'alert.pushed': true,
  'alert.acknowledged': true,
  'alert.escalated': true,
};

/** Every event type, in the order docs/log.md lists them. */
export const EVENT_TYPES: readonly EventType[] = Object.keys(TYPES).filter(isEventType);

function isEventType(k: string): k is EventType {
  return Object.hasOwn(TYPES, k);
}

/** Who acted: a person of a party, or a party's node itself (`user` null). */
export type EventActor = { readonly user: string | null; readonly party: Party };

export function actorOf(actor: Actor | null, party: Party): EventActor {
  return { user: actor?.user ?? null, party };
}

/**
 * Records an event in the unit's transaction and returns its log index: the one way
 * anything is written to the log. A decided event carries its decision and reason
 * codes, first first.
 */
export function record<K extends EventType>(
  u: Unit,
  type: K,
  actor: EventActor,
  subject: EventSubjects[K],
  decided?: { readonly decision: 'allow' | 'deny'; readonly reasons: readonly string[] },
): number {
  return u.log({
    type,
    actor,
    subject,
    ...(decided === undefined ? {} : { decision: decided.decision, reasons: decided.reasons }),
  });
}
