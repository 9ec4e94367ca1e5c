// The node's notifier, as the federation implements it: what changed here is told to
// the partners it concerns, as messages queued in the unit that changed it.
import {
  type EpochMs,
  formatInstant,
  type ItemRecord,
  type NoticeActionKind,
} from '../core/index.js';
import type { CompromiseReport } from '../node/ports.js';
import type { Unit } from '../node/service.js';
import { insertLifecycleSent } from '../store/lifecycle-sync.js';
import type { Federation } from './federation.js';

/**
 * Notices travel as lifecycle messages to the other parties; each is kept, to be
 * matched with the partner's acknowledgement (or its refusal).
 */
export async function tellNotice(
  fed: Federation,
  u: Unit,
  agreement: string,
  action: NoticeActionKind,
  at: EpochMs,
): Promise<void> {
  const a = u.world.agreements.get(agreement);
  if (a === undefined) return;
  for (const party of a.partyIds) {
    if (party !== fed.party && fed.peers.has(party)) {
      const envelope = await fed.enqueue(u, party, 'agreement.lifecycle', {
        agreement,
        action,
        at: formatInstant(at),
      });
      await insertLifecycleSent(u.tx, {
        envelope,
        agreement_id: agreement,
        peer: party,
        action,
        at,
        sent_at: u.now,
      });
    }
  }
}

/**
 * A reclassification goes hop by hop: to each holder this party gave the item to,
 * but the party that told us, with the originator's signed manifest unchanged.
 */
export async function tellReclassified(
  fed: Federation,
  u: Unit,
  item: ItemRecord,
  manifest: string,
  except: string | null,
): Promise<void> {
  for (const h of item.holdings.values()) {
    if (
      h.party !== fed.party &&
      h.party !== except &&
      h.receipts.some((r) => r.from === fed.party) &&
      fed.peers.has(h.party)
    ) {
      await fed.enqueue(
        u,
        h.party,
        'item.reclassified',
        { item: item.id, manifest, recipientMarking: h.marking.code },
        item.id,
      );
    }
  }
}

/**
 * GSOMIA Art. 17: a holder tells the originator of its own compromise at once; the
 * originator tells every other holder.
 */
export async function tellCompromise(
  fed: Federation,
  u: Unit,
  item: ItemRecord,
  report: CompromiseReport,
): Promise<void> {
  const body = {
    item: item.id,
    reportedBy: report.party,
    note: report.note,
    at: formatInstant(report.at),
  };
  const targets =
    item.originator.id === fed.party
      ? [...item.holdings.keys()].filter((p) => p !== fed.party && p !== report.party)
      : report.party === fed.party
        ? [item.originator.id]
        : [];
  for (const p of targets)
    if (fed.peers.has(p)) await fed.enqueue(u, p, 'compromise.report', body, item.id);
}
