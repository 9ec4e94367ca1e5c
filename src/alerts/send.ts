// Sending a FLASH alert: the item is created and released to each recipient in one
// unit of work. Every release is decided by the core (RULES R1–R5) and logged; nothing
// here is exempt from the release rules.
import { randomUUID } from 'node:crypto';
import type { Decision } from '../core/index.js';
import { FederationError } from '../federation/errors.js';
import type { ItemPayload } from '../federation/messages.js';
import { sendInUnit } from '../federation/operations.js';
import { PolicyDenied, RequestInvalid, Unavailable } from '../node/errors.js';
import { addNewItem } from '../node/items.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';
import { alertsByIds } from '../store/alerts.js';
import type { AlertContext } from './context.js';
import { keepAlert } from './held.js';
import { AlertInvalid, type AlertPayload, completeAlert, describe, headline } from './model.js';
import type { AlertView } from './views.js';

export interface SendAlert {
  readonly alert: unknown;
  /** A marking code of the sender's scheme; by default its SECRET equivalent. */
  readonly marking?: string | undefined;
  readonly categories?: readonly string[] | undefined;
  readonly releasableTo?: readonly string[] | undefined;
  /** Parties to release to; by default every peer. */
  readonly to?: readonly string[] | undefined;
  /** Overrides the node's acknowledgement deadline for this alert (ms). */
  readonly ackWithinMs?: number | undefined;
}

export interface Release {
  readonly to: string;
  readonly decision: Decision;
  readonly envelope: string | null;
}

export interface SentAlert {
  readonly view: AlertView;
  readonly releases: readonly Release[];
}

const DEFAULT_ALERT_CATEGORIES = ['dprk-missile'];

/** The sender's default marking: the level its scheme calls SECRET. */
function defaultMarking(u: Unit, party: string): string {
  const scheme = u.world.parties.get(party)?.scheme;
  const m = scheme?.markings.find((x) => x.en === 'SECRET') ?? scheme?.markings.at(-1);
  if (m === undefined) throw new Unavailable('internal', `no scheme for ${party}`);
  return m.code;
}

/** The alerts an update supersedes: each must be this party's, held here, and current. */
async function checkReferences(u: Unit, party: string, refs: readonly string[]): Promise<void> {
  const held = await alertsByIds(u.tx, refs);
  for (const ref of refs) {
    const r = held.find((x) => x.item === ref);
    if (r === undefined)
      throw new RequestInvalid('invalid-request', `alert.references: no alert '${ref}' here`);
    if (r.originator !== party)
      throw new PolicyDenied(
        'not-originator',
        `alert.references: '${ref}' was sent by ${r.originator}; only the originator updates its alerts`,
      );
    if (r.supersededBy !== null)
      throw new RequestInvalid(
        'invalid-request',
        `alert.references: '${ref}' is already superseded by '${r.supersededBy}'; reference the latest`,
      );
  }
}

/**
 * Creates a FLASH alert and releases it to each recipient in one unit: each release
 * is decided (RULES R1–R5) and logged; what is allowed is queued in the FLASH lane
 * and pushed at once; the originator's own officers get it on their sockets.
 */
export async function sendAlert(
  cx: AlertContext,
  actor: Actor,
  input: SendAlert,
  /** The node's acknowledgement deadline (ms), unless the input sets one. */
  ackDeadlineMs: number,
): Promise<SentAlert> {
  const { fed, party } = cx;
  const ackWithinMs = input.ackWithinMs ?? ackDeadlineMs;
  let payload: AlertPayload;
  try {
    payload = completeAlert(input.alert, { now: cx.node.now(), ackWithinMs });
  } catch (e) {
    if (e instanceof AlertInvalid) throw new RequestInvalid('invalid-request', e.message);
    throw e;
  }
  const recipients = input.to ?? [...fed.peers.keys()].sort();
  for (const p of recipients) {
    if (p === party)
      throw new RequestInvalid('invalid-request', `to: ${p} is this node's own party`);
    if (!fed.peers.has(p))
      throw new FederationError('no-peer', `to: no peer for ${p}: add it with 'liaison peer add'`);
  }
  return cx.node.transact(async (u) => {
    // Everything that can refuse is checked before anything is written.
    await checkReferences(u, party, payload.references);
    const id = `${party.toLowerCase()}-alert-${randomUUID()}`;
    const marking = input.marking ?? defaultMarking(u, party);
    const categories = input.categories ?? DEFAULT_ALERT_CATEGORIES;
    // Sending is acting (RULES P1): the sender must be allowed to read the alert.
    const body = describe(payload);
    const { item, manifest } = await addNewItem(
      u,
      actor,
      party,
      {
        id,
        marking,
        categories,
        releasableTo: input.releasableTo,
        title: headline(payload),
        body,
        precedence: 'FLASH',
      },
      cx.node.options.signingKey,
      {
        created: {
          msgType: payload.msgType,
          status: payload.status,
          references: payload.references,
        },
        payload,
      },
    );
    const itemPayload: ItemPayload = {
      id,
      originator: party,
      marking,
      categories: [...categories],
      releasableTo: input.releasableTo === undefined ? null : [...input.releasableTo],
      title: item.title ?? '',
      body,
      precedence: 'FLASH',
      alert: payload,
      manifest,
    };
    const releases: Release[] = [];
    for (const to of recipients) {
      const r = await sendInUnit(u, fed, actor, itemPayload, to);
      releases.push({ to, decision: r.decision, envelope: r.envelope });
    }
    const allowed = releases.filter((r) => r.envelope !== null).map((r) => r.to);
    const view = await keepAlert(cx, u, item, {
      item: id,
      originator: party,
      msgType: payload.msgType,
      payload,
      sentAt: u.now,
      receivedAt: u.now,
      supersededBy: null,
      ackDeadlineMs: ackWithinMs,
      recipients: allowed,
      escalations: 0,
    });
    if (allowed.length > 0 && payload.msgType !== 'Cancel') {
      // Several instances: the one that escalates loads it (src/alerts/escalation.ts).
      if (cx.node.shared) u.touch('alerts');
      u.afterCommit(() =>
        cx.escalations.watch(id, {
          due: u.now + ackWithinMs,
          level: 0,
          every: ackWithinMs,
          parties: new Set(allowed),
        }),
      );
    }
    return { view, releases };
  });
}
