// The node's API as the console uses it. The API's shapes are generated from its
// OpenAPI document into src/cli/api-types.ts (by scripts/openapi.mjs, never by hand;
// the CLI reads the node's answers through the same file); this file names the ones
// the console uses and holds what is the console's own (the alert stream's frames, a
// log entry read back, narrowing helpers).
import type { components, paths } from '../../src/cli/api-types';
import { roleValues } from '../../src/cli/api-types';

type Schemas = components['schemas'];

/** The JSON body a route takes. */
type Body<P extends keyof paths, M extends 'post' | 'put'> = paths[P][M] extends {
  readonly requestBody?: { readonly content: { readonly 'application/json': infer B } };
}
  ? B
  : never;

/** Mutable, for building a request body field by field. */
type Draft<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };

export const ROLES = roleValues;
export type Role = Schemas['Role'];

/** A classification marking in one party's scheme: `name` is native, `en` its English gloss. */
export type Marking = Schemas['Marking'];
/** A recipient's marking, with the originator's beside it (release and forward results). */
export type MarkingPair = Schemas['MarkingPair'];
export type Reason = Schemas['Reason'];
export type ErrorBody = Schemas['Error'];

/** POST /v1/session (201). */
export type Session = Schemas['Session'];
/** A second factor (TOTP): whether this account has one, and whether the node requires one. */
export type TotpState = Schemas['TotpState'];
/** GET /v1/me: who the token belongs to. */
export type Me = Schemas['Me'];
/** POST /v1/me/totp (201): a new secret, to confirm with a code. */
export type TotpEnrolment = Schemas['TotpEnrolment'];
/** POST /v1/me/totp/confirm. */
export type TotpConfirmed = Schemas['TotpConfirmed'];
/** PUT /v1/users/{id}/password: the user's other sessions, revoked. */
export type PasswordSet = Schemas['PasswordSet'];
export type NodeInfo = Schemas['NodeInfo'];

/** GET /v1/users: a person of this node. */
export type UserView = Schemas['UserView'];
export type UserChange = Schemas['UserChange'];
/** GET /v1/approvals: a change of clearance or roles and its second person. */
export type ChangeView = Schemas['ChangeView'];
export type ChangeStatus = ChangeView['status'];
/**
 * PUT /v1/users/{id}/roles and /clearance (200 applied, 202 pending), and the answer
 * to an approval or rejection: the person as they are now, and the change.
 */
export type ChangeOutcome = Schemas['ChangeOutcome'];

export type NoticeState = Schemas['NoticeState'];
export type AgreementSummary = Schemas['AgreementSummary'];
export type AgreementState = AgreementSummary['state'];
export type LifecycleEvent = Schemas['LifecycleEvent'];
export type AgreementExplanation = Schemas['AgreementExplanation'];
export type EquivalenceRow = AgreementExplanation['equivalence'][number];
export type NoticesList = Schemas['NoticesList'];
export type NoticeAction = Body<'/v1/agreements/{id}/notices', 'post'>['action'];
export type DecisionView = Schemas['DecisionView'];
/** GET /v1/agreement-sync: whether this node and its peers compute the same statuses. */
export type SyncReport = Schemas['SyncReport'];
export type AgreementSync = Schemas['AgreementSync'];
export type PeerSync = Schemas['PeerSync'];
/** A lifecycle message sent to a partner: its outcome and the partner's acknowledgement. */
export type LifecycleDelivery = Schemas['LifecycleDelivery'];
export type AgreementStatusView = Schemas['AgreementStatusView'];

export type ItemSummary = Schemas['ItemSummary'];
export type Precedence = ItemSummary['precedence'];
export type ItemContent = Schemas['ItemContent'];
/** A file of an item, and a file uploaded before it is named in one. */
export type Attachment = Schemas['Attachment'];
export type Uploaded = Schemas['Uploaded'];
/** POST /v1/items. */
export type NewItem = Draft<Body<'/v1/items', 'post'>>;

export type InboxEntry = Schemas['InboxEntry'];
export type OutboxEntry = Schemas['OutboxEntry'];
/** The answer to a release or forward (202). */
export type TransferResult = Schemas['TransferResult'];
/** One party's answer to a release (or forward) to several: POST /v1/items/{id}/releases. */
export type TransferResultTo = Schemas['TransferResultTo'];
/** POST /v1/items/{id}/releases (200): one result per party, in the order given. */
export type TransferResults = Schemas['TransferResults'];

export type HistoryEntry = Schemas['HistoryEntry'];
export type ItemHistory = Schemas['ItemHistory'];
/**
 * An RFC 9162 inclusion proof with the signed checkpoint it leads to:
 * /v1/items/{id}/proof (`treeSize`) or /v1/log/proof/inclusion (`size`).
 */
export type InclusionProof = Schemas['ItemProof'] | Schemas['InclusionProof'];
export type ConsistencyProof = Schemas['ConsistencyProof'];

export type ConsentRequest = Schemas['ConsentRequest'];
export type Peer = Schemas['Peer'];
/** POST /v1/peers/{id}/witness. */
export type WitnessReport = Schemas['WitnessReport'];
/** GET /v1/log/witnesses: who cosigns this log, whose logs this node cosigns, its alarms. */
export type Witnessing = Schemas['Witnessing'];
export type Cosigner = Schemas['Cosigner'];
export type WitnessAlarm = Schemas['WitnessAlarm'];

/** What an officer writes (or the preset supplies). */
export type AlertInput = Schemas['AlertInput'];
export type AlertPayload = Schemas['AlertPayload'];
export type GeoPoint = AlertPayload['launch'];
export type CapStatus = AlertPayload['status'];
export type CapMsgType = AlertPayload['msgType'];
export type Confidence = AlertPayload['confidence'];
export type AlertView = Schemas['AlertView'];
export type AckView = Schemas['AckView'];
export type PartyStatus = Schemas['PartyStatus'];
export type AlertDetail = Schemas['AlertDetail'];
export type AckResult = Schemas['AckResult'];
export type AlertRelease = Schemas['AlertRelease'];
export type SentAlert = Schemas['SentAlert'];
/** POST /v1/alerts with a payload (the node checks it, naming a field it refuses). */
export type SendAlertBody = Draft<Omit<Body<'/v1/alerts', 'post'>, 'alert'>> & {
  alert: AlertInput;
};

/**
 * A frame of the alert stream (WebSocket /v1/alerts/stream): `ready` says where the
 * stream starts, as an opaque `after` (`missed`: some events the client asked to resume
 * from are no longer kept); every event has its opaque id, which `?after=<id>` resumes
 * after. Ids say nothing of order or count: compare them only for equality.
 */
export type StreamFrame =
  | {
      readonly type: 'ready';
      readonly party: string;
      readonly user: string;
      readonly after: string;
      readonly missed: boolean;
    }
  | { readonly type: 'alert'; readonly id: string; readonly alert: AlertView }
  | { readonly type: 'escalation'; readonly id: string; readonly alert: AlertView }
  | ({ readonly type: 'ack'; readonly id: string; readonly item: string } & AckView);

export type LogEntry = Schemas['LogEntry'];

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

export type CheckpointView = Schemas['CheckpointView'];

export type SimStatusStep = Schemas['SimStatusStep'];
export type SimDecisionStep = Schemas['SimDecisionStep'];
export type SimStep = SimStatusStep | SimDecisionStep;
export type SimSummary = Schemas['SimulateResult']['summary'];
export type SimulateResult = Schemas['SimulateResult'];

export const isStatusStep = (s: SimStep): s is SimStatusStep => s.action === 'status';
