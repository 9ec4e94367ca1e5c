// Whether this node and its peers compute the same status of each agreement they share:
// each peer's last report (compared with ours at its instant), and the lifecycle
// messages this node sent with their outcome and acknowledgement. What `liaison
// agreement check`, the console's banner and /metrics show.

import { isObject } from '../core/guards.js';
import { type EpochMs, formatInstant } from '../core/index.js';
import { NotFound } from '../node/errors.js';
import { column } from '../store/json.js';
import {
  type LifecycleDeliveryRow,
  lifecycleDeliveries,
  type PeerStatusRow,
  peerStatuses,
} from '../store/lifecycle-sync.js';
import { sharedAgreements, statusOnWire } from './agreement-status.js';
import type { Federation } from './federation.js';
import { MAX_SKEW_MS } from './httpsig.js';
import type { StatusOnWire } from './messages.js';

/**
 * A peer's standing on an agreement: its last report agrees or diverges; it is silent
 * (no report within the expected period); or it is awaited (none yet, still in time).
 */
export type PeerStanding = 'agrees' | 'diverged' | 'silent' | 'awaiting';

export interface PeerSync {
  readonly peer: string;
  readonly result: PeerStanding;
  readonly reportedAt: string | null;
  readonly receivedAt: string | null;
  readonly theirs: StatusOnWire | null;
  readonly ours: StatusOnWire | null;
  readonly differs: readonly string[];
}

export interface LifecycleDelivery {
  readonly envelope: string;
  readonly agreement: string;
  readonly to: string;
  readonly action: 'notice' | 'suspend-notice' | 'resume-notice' | 'withdraw-notice';
  readonly at: string;
  readonly sentAt: string;
  readonly state: 'pending' | 'delivered' | 'refused' | 'withheld';
  /** The partner's refusal code (e.g. `stale-instant`), once refused or withheld. */
  readonly code: string | null;
  readonly acknowledged: {
    readonly at: string;
    readonly receivedAt: string;
    readonly status: StatusOnWire;
    readonly differs: readonly string[];
  } | null;
}

export interface AgreementSync {
  readonly agreement: string;
  /** The agreement's IANA time zone, where its instants are shown. */
  readonly timezone: string;
  /** This node's status now. */
  readonly status: StatusOnWire;
  readonly peers: readonly PeerSync[];
  readonly deliveries: readonly LifecycleDelivery[];
}

export interface SyncReport {
  readonly at: string;
  readonly intervalSeconds: number;
  /** A peer that has not reported for this long is silent. */
  readonly expectedWithinSeconds: number;
  /** Every peer agrees on every agreement shared with it, and none is silent. */
  readonly inStep: boolean;
  readonly agreements: readonly AgreementSync[];
}

const ACTIONS = ['notice', 'suspend-notice', 'resume-notice', 'withdraw-notice'] as const;
const STATES = ['pending', 'delivered', 'refused', 'withheld'] as const;
const oneOf = <L extends string>(values: readonly L[], v: string | null, or: L): L =>
  values.find((x) => x === v) ?? or;

/** A JSON array of strings as stored (what differs). */
function stringsOf(text: string | null): string[] {
  if (text === null) return [];
  const v: unknown = column(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A status as stored (canonical JSON of what was on the wire, checked on arrival). */
function statusOf(text: string): StatusOnWire | null {
  const v: unknown = column(text);
  if (!isObject(v)) return null;
  const { state, endedBy, endedAt, notice, contested } = v;
  if (state !== 'pending' && state !== 'in-force' && state !== 'terminated') return null;
  if (endedBy !== null && endedBy !== 'notice' && endedBy !== 'mutual' && endedBy !== 'expiry')
    return null;
  if (endedAt !== null && typeof endedAt !== 'string') return null;
  if (typeof contested !== 'boolean') return null;
  if (notice === null) return { state, endedBy, endedAt, notice: null, contested };
  if (
    !isObject(notice) ||
    typeof notice.by !== 'string' ||
    typeof notice.receivedAt !== 'string' ||
    typeof notice.target !== 'string' ||
    typeof notice.suspended !== 'boolean'
  )
    return null;
  return {
    state,
    endedBy,
    endedAt,
    notice: {
      by: notice.by,
      receivedAt: notice.receivedAt,
      target: notice.target,
      suspended: notice.suspended,
    },
    contested,
  };
}

/** The lifecycle messages sent, as shown: their outcome and the partner's acknowledgement. */
export function deliveryViews(rows: readonly LifecycleDeliveryRow[]): LifecycleDelivery[] {
  return rows.map((r) => {
    const state = oneOf(STATES, r.state, 'pending');
    const status = r.ack_status === null ? null : statusOf(r.ack_status);
    return {
      envelope: r.envelope,
      agreement: r.agreement_id,
      to: r.peer,
      action: oneOf(ACTIONS, r.action, 'notice'),
      at: formatInstant(r.at),
      sentAt: formatInstant(r.sent_at),
      state,
      code: state === 'refused' || state === 'withheld' ? r.last_error : null,
      acknowledged:
        r.ack_at === null || r.ack_received_at === null || status === null
          ? null
          : {
              at: formatInstant(r.ack_at),
              receivedAt: formatInstant(r.ack_received_at),
              status,
              differs: stringsOf(r.ack_differs),
            },
    };
  });
}

/** How long a peer may stay without reporting: two intervals (one report may be lost) and the skew. */
export const expectedWithinMs = (fed: Federation): number =>
  2 * fed.reporter.intervalMs + MAX_SKEW_MS;

function standing(fed: Federation, row: PeerStatusRow | undefined, now: EpochMs): PeerStanding {
  const within = expectedWithinMs(fed);
  if (row === undefined) return now - fed.reporter.startedAt > within ? 'silent' : 'awaiting';
  if (stringsOf(row.differs).length > 0) return 'diverged';
  return row.at < now - within ? 'silent' : 'agrees';
}

/**
 * Each agreement binding here (or only `agreement`) with each peer that is a party to
 * it: the peer's last report and how it stands, and the lifecycle messages sent.
 */
export async function syncReport(fed: Federation, agreement: string | null): Promise<SyncReport> {
  const node = fed.node;
  const now = node.now();
  if (agreement !== null && !node.world.agreements.has(agreement))
    throw new NotFound('unknown-agreement', `no agreement '${agreement}' binds here`);
  const reports = new Map(
    (await peerStatuses(node.store.db)).map((r) => [`${r.agreement_id}\u0000${r.peer}`, r]),
  );
  const deliveries = deliveryViews(await lifecycleDeliveries(node.store.db, agreement));
  const out: AgreementSync[] = [];
  const ids = agreement === null ? [...node.world.agreements.keys()].sort() : [agreement];
  for (const id of ids) {
    const a = node.world.agreements.get(id);
    if (a === undefined) continue;
    const peers: PeerSync[] = [];
    for (const peer of [...fed.peers.keys()].sort()) {
      if (!sharedAgreements(node.world, fed.party, peer).includes(id)) continue;
      const row = reports.get(`${id}\u0000${peer}`);
      peers.push({
        peer,
        result: standing(fed, row, now),
        reportedAt: row === undefined ? null : formatInstant(row.at),
        receivedAt: row === undefined ? null : formatInstant(row.received_at),
        theirs: row === undefined ? null : statusOf(row.status),
        ours: row === undefined ? null : statusOf(row.own),
        differs: row === undefined ? [] : stringsOf(row.differs),
      });
    }
    if (peers.length === 0 && agreement === null) continue;
    out.push({
      agreement: id,
      timezone: a.timezone,
      status: statusOnWire(a.statusAt(now)),
      peers,
      deliveries: deliveries.filter((d) => d.agreement === id),
    });
  }
  return {
    at: formatInstant(now),
    intervalSeconds: Math.round(fed.reporter.intervalMs / 1000),
    expectedWithinSeconds: Math.round(expectedWithinMs(fed) / 1000),
    inStep: out.every((x) =>
      x.peers.every((p) => p.result === 'agrees' || p.result === 'awaiting'),
    ),
    agreements: out,
  };
}

/** The pairs of agreement and peer out of step now (for /metrics): diverged or silent. */
export async function outOfStep(
  fed: Federation,
): Promise<{ agreement: string; peer: string; problem: 'diverged' | 'silent' }[]> {
  const out: { agreement: string; peer: string; problem: 'diverged' | 'silent' }[] = [];
  for (const a of (await syncReport(fed, null)).agreements)
    for (const p of a.peers)
      if (p.result === 'diverged' || p.result === 'silent')
        out.push({ agreement: a.agreement, peer: p.peer, problem: p.result });
  return out;
}
