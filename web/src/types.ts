// The node's API as the console uses it: one type per JSON shape (README "The HTTP
// API", the OpenAPI document at /openapi.json, and the contract for /v1/session,
// /v1/me, /v1/items/{id}/history, /v1/items/{id}/proof and /v1/simulate).

export const ROLES = [
  'officer',
  'releasing-authority',
  'security-officer',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** A classification marking in one party's scheme: `name` is native, `en` its English gloss. */
export interface Marking {
  readonly party: string;
  readonly code: string;
  readonly name: string;
  readonly en: string;
}

/** A recipient's marking, with the originator's beside it (release and forward results). */
export interface MarkingPair extends Marking {
  readonly originator?: Marking;
}

export interface Reason {
  readonly code: string;
  readonly rule?: string | null;
  readonly message: string;
  readonly ref?: string;
  readonly agreement?: string;
  readonly party?: string;
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly reasons?: readonly Reason[];
  };
}

/** POST /v1/session (201). */
export interface Session {
  readonly token: string;
  readonly tokenId?: string;
  readonly user: string;
  readonly party: string;
  readonly roles: readonly Role[];
  readonly expiresAt: string | null;
  /**
   * The node requires a second factor and this account has none yet: the token may
   * only call GET /v1/me, POST /v1/me/totp, POST /v1/me/totp/confirm and DELETE /v1/session.
   */
  readonly enrolRequired?: boolean;
}

/** A second factor (TOTP): whether this account has one, and whether the node requires one. */
export interface TotpState {
  readonly enrolled: boolean;
  readonly required: boolean;
}

/** GET /v1/me: who the token belongs to. */
export interface Me {
  readonly user: string;
  readonly party: string;
  readonly roles: readonly Role[];
  /** The user's clearance, a marking of their party's scheme (null: none on record). */
  readonly clearance: Marking | null;
  readonly needToKnow: readonly string[];
  /** The markings of the user's party's scheme, lowest first (for forms). */
  readonly scheme: readonly Marking[];
  /** Absent from an older node. */
  readonly totp?: TotpState;
  /** The token may only enrol a second factor (its roles are then empty). */
  readonly enrolRequired?: boolean;
}

/** POST /v1/me/totp (201): a new secret, to confirm with a code. */
export interface TotpEnrolment {
  /** base32, for typing into an authenticator by hand */
  readonly secret: string;
  /** otpauth://totp/… for a QR code */
  readonly uri: string;
}

export interface NodeInfo {
  readonly party: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly signingPublicKey: string;
  readonly logSize: number;
  /** In setup: one admin may still grant privileges alone (absent from an older node). */
  readonly setup?: boolean;
  /** Password sign-in needs a second factor. */
  readonly requireTotp?: boolean;
}

/** GET /v1/users: a person of this node. */
export interface UserView {
  readonly id: string;
  readonly party: string;
  /** A marking code of the party's scheme. */
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  readonly clearanceExpires: string | null;
  readonly roles: readonly Role[];
}

export type UserChange =
  | { readonly kind: 'roles'; readonly roles: readonly Role[] }
  | {
      readonly kind: 'clearance';
      readonly clearance: string;
      readonly needToKnow: readonly string[];
      /** ms since the epoch, as the node stores it, or null */
      readonly clearanceExpires: number | string | null;
    };

export type ChangeStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

/** GET /v1/approvals: a change of clearance or roles and its second person. */
export interface ChangeView {
  readonly id: string;
  /** Whom the change is about. */
  readonly user: string;
  readonly change: UserChange;
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly status: ChangeStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly note: string | null;
  /** Who may approve it, in words (English, from the node). */
  readonly approver: string;
}

/**
 * PUT /v1/users/{id}/roles and /clearance (200 applied, 202 pending), and the answer
 * to an approval or rejection: the person as they are now, and the change.
 */
export interface ChangeOutcome extends UserView {
  readonly status: 'applied' | 'pending';
  readonly change: ChangeView | null;
}

export interface NoticeState {
  readonly by: string;
  readonly receivedAt: string;
  readonly target: string;
  readonly suspended: boolean;
}

export type AgreementState = 'pending' | 'in-force' | 'terminated';

export interface AgreementSummary {
  readonly id: string;
  readonly title: string | null;
  readonly parties: readonly string[];
  readonly binding: boolean;
  readonly signedBy: readonly string[];
  readonly awaiting: readonly string[];
  readonly state: AgreementState | string;
  readonly termEnd: string | null;
  readonly nextNoticeDeadline: string | null;
  readonly notice: NoticeState | null;
}

export interface LifecycleEvent {
  readonly kind:
    | 'notice'
    | 'suspend-notice'
    | 'resume-notice'
    | 'withdraw-notice'
    | 'terminate'
    | 'amend'
    | string;
  readonly at: string;
  readonly by?: string;
  readonly target?: string;
  readonly effectiveAt?: string;
  readonly text?: unknown;
}

export type EquivalenceRow = Readonly<Record<string, readonly Marking[]>>;

export interface AgreementExplanation {
  readonly id: string;
  readonly title: string | null;
  readonly parties: readonly { readonly id: string; readonly name: string }[];
  readonly topology: 'mesh' | { readonly hub: string };
  readonly timezone: string;
  readonly entryIntoForce: string;
  readonly initialTerm: string | null;
  readonly renewalTerm: string | null;
  readonly termKind: 'renews' | 'fixed' | 'indefinite' | string;
  readonly noticePeriod: string;
  readonly scope: readonly string[] | null;
  readonly assumptions: readonly string[];
  readonly assumed: readonly string[];
  readonly at: string;
  readonly state: AgreementState | string;
  readonly term: {
    readonly index: number;
    readonly start: string;
    readonly end: string | null;
  } | null;
  readonly termEnd: string | null;
  readonly endedAt: string | null;
  readonly endedBy: 'notice' | 'mutual' | 'expiry' | string | null;
  readonly contested: boolean;
  readonly notice: NoticeState | null;
  readonly boundaries: readonly { readonly index: number; readonly at: string }[];
  readonly nextNoticeDeadline: {
    readonly boundary: string;
    readonly deadline: string;
    readonly noticePeriod: string;
  } | null;
  readonly equivalence: readonly EquivalenceRow[];
  readonly uncovered: Readonly<Record<string, readonly Marking[]>>;
  readonly versions: readonly { readonly from: string | null }[];
  readonly events: readonly LifecycleEvent[];
  readonly binding: boolean;
  readonly signedBy: readonly string[];
  readonly awaiting: readonly string[];
}

export interface NoticesList {
  readonly agreement: string;
  readonly binding?: boolean;
  readonly events: readonly LifecycleEvent[];
}

export type NoticeAction = 'notice' | 'suspend-notice' | 'resume-notice' | 'withdraw-notice';

export interface DecisionView {
  readonly decision: 'allow' | 'deny';
  readonly reasons: readonly Reason[];
}

export type Precedence = 'FLASH' | 'IMMEDIATE' | 'PRIORITY' | 'ROUTINE';

export interface ItemSummary {
  readonly id: string;
  readonly originator: string;
  readonly marking: Marking;
  readonly originatorMarking: Marking;
  readonly categories: readonly string[];
  readonly releasableTo: readonly string[] | null;
  readonly precedence: Precedence;
  readonly createdAt: string;
  readonly compromised: boolean;
}

export interface ItemContent extends ItemSummary {
  readonly title: string;
  readonly body: string;
  readonly reasons: readonly Reason[];
  readonly logIndex: number;
}

export interface NewItem {
  marking: string;
  categories: string[];
  title: string;
  body: string;
  precedence?: Precedence;
  releasableTo?: string[];
}

export interface InboxEntry {
  readonly envelope: string;
  readonly item: string;
  readonly from: string;
  readonly receivedAt: string;
  readonly title: string;
  readonly marking: Marking;
  readonly originatorMarking: Marking;
  readonly categories: readonly string[];
}

export interface OutboxEntry {
  readonly envelope: string;
  readonly to: string;
  readonly seq: number;
  readonly type: string;
  readonly item: string | null;
  readonly state: 'pending' | 'delivered' | 'refused' | 'withheld' | string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly settledAt: string | null;
}

/** The answer to a release or forward (202), allowed. */
export interface TransferResult {
  readonly envelope: string | null;
  readonly decision: 'allow' | 'deny';
  readonly marking: MarkingPair | null;
  readonly reasons: readonly Reason[];
}

export interface HistoryEntry {
  readonly index: number;
  readonly type: string;
  readonly at: string;
  readonly actor: { readonly user: string | null; readonly party: string };
  readonly decision?: 'allow' | 'deny' | string;
  readonly reasons?: readonly (string | Reason)[];
  readonly subject: Readonly<Record<string, unknown>>;
}

export interface ItemHistory {
  readonly item: string;
  readonly entries: readonly HistoryEntry[];
}

/** An RFC 9162 inclusion proof with the signed checkpoint it leads to. */
export interface InclusionProof {
  readonly index: number;
  /** `treeSize` in /v1/items/{id}/proof; `size` in /v1/log/proof/inclusion. */
  readonly treeSize?: number;
  readonly size?: number;
  readonly leafHash: string;
  readonly proof: readonly string[];
  readonly root: string;
  readonly checkpoint: string;
}

export interface ConsistencyProof {
  readonly from: number;
  readonly fromRoot: string;
  readonly size: number;
  readonly root: string;
  readonly proof: readonly string[];
  readonly checkpoint: string;
}

export interface ConsentRequest {
  readonly id: string;
  readonly direction: 'incoming' | 'outgoing';
  readonly item: string;
  readonly originator: string;
  readonly holder: string;
  readonly to: string;
  readonly requestedBy: string;
  readonly note: string;
  readonly requestedAt: string;
  readonly status: 'pending' | 'granted' | 'refused' | string;
  readonly reason: string | null;
  readonly consent: string | null;
}

export interface Peer {
  readonly party: string;
  readonly url: string;
  readonly origin: string;
  readonly fingerprint: string;
  readonly verifierKey: string;
}

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
  readonly area: string;
}

export type CapStatus = 'Actual' | 'Exercise' | 'Test';
export type CapMsgType = 'Alert' | 'Update' | 'Cancel';
export type Confidence = 'high' | 'medium' | 'low';

/** What an officer writes (or the preset supplies). */
export interface AlertInput {
  status?: CapStatus;
  msgType?: CapMsgType;
  references?: string[];
  final?: boolean;
  correction?: boolean;
  detectedAt: string;
  launchedAt: string;
  launch: { lat: number; lon: number; area: string };
  count: number;
  bearingDeg: number;
  assessedType: string;
  apogeeKm: number;
  distanceKm: number;
  impact: { lat: number; lon: number; area: string; insideJapanEez: boolean };
  confidence: Confidence;
  remarks?: string;
}

export interface AlertPayload {
  readonly kind: 'missile-launch';
  readonly status: CapStatus;
  readonly msgType: CapMsgType;
  readonly references: readonly string[];
  readonly final: boolean;
  readonly correction: boolean;
  readonly sent: string;
  readonly detectedAt: string;
  readonly launchedAt: string;
  readonly launch: GeoPoint;
  readonly count: number;
  readonly bearingDeg: number;
  readonly assessedType: string;
  readonly apogeeKm: number;
  readonly distanceKm: number;
  readonly impact: GeoPoint & { readonly insideJapanEez: boolean };
  readonly confidence: Confidence;
  readonly remarks: string;
  readonly ackWithinMs: number;
}

export interface AlertView {
  readonly id: string;
  readonly originator: string;
  readonly precedence: string;
  readonly marking: Marking;
  readonly originatorMarking: Marking;
  readonly categories: readonly string[];
  readonly title: string;
  readonly alert: AlertPayload;
  readonly receivedAt: string;
  readonly supersededBy: string | null;
  readonly escalations: number;
  /**
   * In GET /v1/alerts: whether an officer of this node's party has acknowledged it.
   * Absent in stream frames and in GET /v1/alerts/{id}.
   */
  readonly acknowledgedHere?: boolean;
}

export interface AckView {
  readonly party: string;
  readonly user: string;
  readonly at: string;
  readonly receivedAt: string;
}

export interface PartyStatus {
  readonly party: string;
  readonly delivery: string | null;
  readonly deliveredAt: string | null;
  readonly firstAckAt: string | null;
  readonly acks: number;
}

export interface AlertDetail extends AlertView {
  readonly acks: readonly AckView[];
  readonly parties: readonly PartyStatus[];
  readonly logIndex: number;
}

export interface AckResult {
  readonly item: string;
  readonly party: string;
  readonly user: string;
  readonly at: string;
  readonly sentTo: string | null;
  readonly already: boolean;
}

export interface AlertRelease {
  readonly to: string;
  readonly decision: 'allow' | 'deny';
  readonly marking: MarkingPair | null;
  readonly envelope: string | null;
  readonly reasons: readonly Reason[];
}

export interface SentAlert {
  readonly id: string;
  readonly alert: AlertView;
  readonly releases: readonly AlertRelease[];
}

export interface SendAlertBody {
  alert: AlertInput;
  to?: string[];
  ackWithinSeconds?: number;
}

/** A frame of the alert stream (WebSocket /v1/alerts/stream). */
export type StreamFrame =
  | { readonly type: 'ready'; readonly party: string; readonly user: string }
  | { readonly type: 'alert'; readonly alert: AlertView }
  | { readonly type: 'escalation'; readonly alert: AlertView }
  | {
      readonly type: 'ack';
      readonly item: string;
      readonly party: string;
      readonly user: string;
      readonly at: string;
      readonly receivedAt: string;
    };

export interface LogEntry {
  readonly index: number;
  /** hex */
  readonly leafHash: string;
  /**
   * The entry's canonical JSON: the exact bytes that were hashed. Absent when the
   * entry is withheld (`redacted`).
   */
  readonly data?: string;
  /** The entry is about an item the caller may not read (RULES V1): only its leaf hash is shown. */
  readonly redacted?: true;
}

/** A log entry's content, parsed from `data`. */
export interface LogEntryData {
  readonly index: number;
  readonly type: string;
  readonly at: string;
  readonly prev: string | null;
  readonly actor: { readonly user: string | null; readonly party: string };
  readonly decision?: string;
  readonly reasons?: readonly string[];
  readonly subject: Readonly<Record<string, unknown>>;
}

export interface CheckpointView {
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly note: string;
  readonly at: string;
  readonly cosignedBy?: readonly string[];
}

export interface SimStatusStep {
  readonly step: number;
  readonly at: string;
  readonly action: 'status';
  readonly args: Readonly<Record<string, unknown>>;
  readonly agreement: string;
  readonly state: AgreementState | string;
  readonly termEnd: string | null;
  readonly endedBy: string | null;
  readonly notice: NoticeState | null;
  readonly contested: boolean;
  readonly term?: { readonly index: number; readonly start: string; readonly end: string | null };
  readonly expect?: 'ok' | 'mismatch';
  readonly expected?: unknown;
  readonly mismatches?: readonly string[];
}

export interface SimDecisionStep {
  readonly step: number;
  readonly at: string;
  readonly action: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly decision: 'allow' | 'deny';
  readonly reasons: readonly Reason[];
  readonly marking?: MarkingPair;
  readonly agreements?: readonly string[];
  readonly notice?: NoticeState | null;
  readonly expect?: 'ok' | 'mismatch';
  readonly expected?: unknown;
  readonly mismatches?: readonly string[];
}

export type SimStep = SimStatusStep | SimDecisionStep;

export interface SimSummary {
  readonly steps?: number;
  readonly expectations?: number;
  readonly ok?: number;
  readonly mismatches?: number;
  readonly [key: string]: unknown;
}

export interface SimulateResult {
  readonly summary: SimSummary;
  readonly steps: readonly SimStep[];
}

export const isStatusStep = (s: SimStep): s is SimStatusStep => s.action === 'status';
