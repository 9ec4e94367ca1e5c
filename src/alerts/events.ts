// The log events of acknowledgements and escalations, each written from here only
// (`alert.pushed` is written by the hub).
import type { AlertAckPayload } from '../federation/messages.js';
import { type EventSubjects, record } from '../node/events.js';
import type { Unit } from '../node/service.js';

/**
 * Logs an acknowledgement: an officer's here, a decided act with the party it is sent
 * to (`sentTo`, null at the originator), or a partner's arriving at the originator
 * (`sentTo` undefined).
 */
export function recordAcknowledged(u: Unit, a: AlertAckPayload, sentTo?: string | null): number {
  const here = sentTo !== undefined;
  return record(
    u,
    'alert.acknowledged',
    { user: a.user, party: a.party },
    here ? { item: a.alert, at: a.at, to: sentTo } : { item: a.alert, at: a.at },
    here ? { decision: 'allow', reasons: ['allowed'] } : undefined,
  );
}

type Escalated = EventSubjects['alert.escalated'];

/**
 * Logs an escalation: at the originator (`by` this party) with each silent party's
 * delivery, or at a recipient (`by` the originator) with the envelope that carried it.
 */
export function recordEscalated(
  u: Unit,
  by: string,
  item: string,
  level: number,
  detail: { readonly parties: NonNullable<Escalated['parties']> } | { readonly envelope: string },
): number {
  return record(u, 'alert.escalated', { user: null, party: by }, { item, level, ...detail });
}
