// RULES F1: the third-party rule's written consent of the originator, as a forward
// needs it.
import { type Reason, reason } from './decision.js';
import type { PartyId } from './schemes.js';
import type { EpochMs } from './time.js';
import { type ConsentRecord, type ItemRecord, showInAgreementZone, type World } from './world.js';

export type ConsentOutcome =
  | { readonly ok: true; readonly consent: ConsentRecord | null }
  | { readonly ok: false; readonly reason: Reason };

/**
 * RULES F1: a consent of the originator naming the item, holder and recipient,
 * valid at t. Any valid one suffices; otherwise the newest one gives the code.
 */
export function checkConsent(
  w: World,
  item: ItemRecord,
  holder: PartyId,
  to: PartyId,
  t: EpochMs,
  /** A consent that arrived with a forward, weighed as if it were in the World. */
  extra: ConsentRecord | null = null,
): ConsentOutcome {
  const held = w.consentsByItem.get(item.id);
  const list =
    extra === null || extra.item !== item.id || w.consents.has(extra.id)
      ? held
      : [...(held ?? []), extra];
  let newest: ConsentRecord | null = null;
  let otherVersion: ConsentRecord | null = null;
  if (list !== undefined) {
    for (const c of list) {
      if (c.holder !== holder || c.to !== to || c.grantedAt > t) continue;
      // A consent names the manifest version it was given for: a reclassified item
      // needs a consent for its new version.
      if (c.version !== undefined && c.version !== item.version) {
        otherVersion = c;
        continue;
      }
      if (c.by === item.originator.id && c.revokedAt > t && t < c.expires)
        return { ok: true, consent: c };
      if (newest === null || c.grantedAt >= newest.grantedAt) newest = c;
    }
  }
  const origin = item.originator.id;
  if (newest === null) {
    return {
      ok: false,
      reason: reason(
        'consent-required',
        'F1',
        otherVersion === null
          ? `${holder} may pass ${origin}'s ${item.id} to ${to} only with ${origin}'s written consent naming the item, ${holder} and ${to}; there is none`
          : `${holder} may pass ${origin}'s ${item.id} to ${to} only with ${origin}'s written consent for its version ${item.version}; consent ${otherVersion.id} was given for version ${otherVersion.version}, before a reclassification`,
        consentRef(w, item, holder),
      ),
    };
  }
  if (newest.by !== origin) {
    return {
      ok: false,
      reason: reason(
        'not-originator',
        'F1',
        `consent ${newest.id} was given by ${newest.by}, but only the originator ${origin} may consent`,
        consentRef(w, item, holder),
      ),
    };
  }
  const ref = consentRef(w, item, holder);
  const show = (ms: EpochMs) => showInAgreementZone(w, ref?.agreement, ms);
  if (newest.revokedAt <= t) {
    return {
      ok: false,
      reason: reason(
        'consent-revoked',
        'F1',
        `${origin} revoked consent ${newest.id} at ${show(newest.revokedAt)}`,
        ref,
      ),
    };
  }
  return {
    ok: false,
    reason: reason(
      'consent-expired',
      'F1',
      `consent ${newest.id} of ${origin} expired at ${show(newest.expires)}`,
      ref,
    ),
  };
}

/** The third-party article of the agreement under which the holder received the item. */
function consentRef(
  w: World,
  item: ItemRecord,
  holder: PartyId,
): { ref: string; agreement: string } | undefined {
  const first = item.holdings.get(holder)?.receipts[0];
  const a = first?.agreement == null ? undefined : w.agreements.get(first.agreement);
  return a === undefined ? undefined : { ref: a.ref('third-party', 'F1'), agreement: a.id };
}

/** RULES F0–F4: holder `by`, not the originator, sends the originator's item to `to`. */
