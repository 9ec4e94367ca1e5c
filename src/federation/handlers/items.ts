// Arriving items and what follows them: a release or forward (decided again here, with
// this node's agreements at its clock), a reclassification passed on hop by hop, a
// compromise report, and the messages of an item's content (an alert's
// acknowledgements and escalations, handled by the content port).
import {
  type ArrivalDecision,
  DefinitionError,
  decideArrival,
  LiaisonError,
  markingFromOriginator,
  parseInstant,
} from '../../core/index.js';
import { reclassify, recordCompromise } from '../../node/custody.js';
import { deniedBy, NotFound, PolicyDenied, RequestInvalid } from '../../node/errors.js';
import { record } from '../../node/events.js';
import type { CompromiseReport } from '../../node/ports.js';
import { insertItemAttachments } from '../../store/attachments.js';
import { insertConsent } from '../../store/consents.js';
import { itemRow } from '../../store/items.js';
import { json } from '../../store/json.js';
import { missingFile } from '../attachment-transfer.js';
import { consentRow, openConsent } from '../consents.js';
import { FederationError } from '../errors.js';
import { checkItemAgainstManifest, checkNextVersion } from '../manifests.js';
import type { OnAccepted } from '../ports.js';
import { type Arrival, accepted, cameFrom, denied, notLater, type Outcome } from './arrival.js';

/** Receives an item: re-decided here with our own agreements, at our own clock. */
export async function receiveItem({ fed, u, m, rows }: Arrival<'item'>): Promise<Outcome> {
  const b = m.body;
  const it = b.item;
  const release = b.kind === 'release';
  let onAccepted: OnAccepted | null = null;
  if (it.alert !== undefined) {
    if (it.precedence !== 'FLASH')
      throw new FederationError('malformed-message', 'an alert travels as a FLASH item');
    // A node without the alerts module keeps the item's text and drops its content.
    try {
      onAccepted = fed.content?.check(it.alert) ?? null;
    } catch (e) {
      if (e instanceof LiaisonError) throw new FederationError('malformed-message', e.message);
      throw e;
    }
  }
  // The originator's word: its signed manifest, the item and its content checked against it.
  const manifest = checkItemAgainstManifest(fed, it);
  // Its files were sent before it, by its sender: each must be here, with the hash the
  // manifest covers.
  const files = it.attachments ?? [];
  const missing = await missingFile(u.tx, m.from, files);
  if (missing !== null)
    throw new FederationError(
      'content-mismatch',
      `the file '${missing.name}' of ${it.id} (SHA-256 ${missing.sha256}) has not arrived here whole`,
    );
  const known = u.world.items.get(it.id);
  if (known !== undefined && manifest.version < known.version)
    throw new FederationError(
      'stale-manifest',
      `version ${manifest.version} of ${it.id} is older than version ${known.version}, held here`,
    );
  const consent = !release && b.consent !== null ? openConsent(fed, b.consent) : null;
  const spec = {
    id: manifest.item,
    originator: manifest.originator,
    marking: manifest.marking,
    categories: manifest.categories,
    releasableTo: manifest.releasableTo ?? undefined,
    title: it.title,
    precedence: manifest.precedence,
    version: manifest.version,
  };
  let arrival: ArrivalDecision;
  try {
    // Markings are computed, not claimed (RULES R5, F3): the sender's from the
    // originator's signed marking, unless this node saw the sender receive it.
    const described = known ?? u.world.itemRecord(spec, u.now);
    const sender =
      described.holdings.get(m.from)?.marking ??
      markingFromOriginator(u.world, described, m.from, u.now);
    if (sender === null)
      throw new FederationError(
        'marking-mismatch',
        `no agreement known here translates ${manifest.originator}'s ${manifest.marking} for ${m.from}: its marking of ${it.id} cannot be computed`,
      );
    if (sender.code !== b.senderMarking)
      throw new FederationError(
        'marking-mismatch',
        `${m.from} says it holds ${it.id} at ${b.senderMarking}; from ${manifest.originator}'s signed ${manifest.marking} (version ${manifest.version}) it holds it at ${sender.code}`,
      );
    arrival = decideArrival(
      u.world,
      {
        item: spec,
        kind: b.kind,
        from: m.from,
        to: fed.party,
        senderMarking: sender.code,
        consent,
      },
      u.now,
    );
  } catch (e) {
    if (e instanceof DefinitionError) throw new FederationError('malformed-message', e.message);
    throw e;
  }
  const computed = arrival.decision.marking;
  if (
    arrival.decision.decision === 'allow' &&
    computed !== undefined &&
    computed.code !== b.recipientMarking
  )
    throw new FederationError(
      'marking-mismatch',
      `${m.from} marks ${it.id} ${b.recipientMarking} for ${fed.party}; the rules give ${computed.code}`,
    );
  const d = arrival.decision;
  const i = record(
    u,
    'item.received',
    { user: null, party: m.from },
    {
      envelope: m.id,
      item: it.id,
      kind: b.kind,
      originator: { party: it.originator, marking: it.marking },
      marking: d.marking?.code ?? null,
      categories: it.categories,
    },
    { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
  );
  if (d.decision === 'deny') return denied(d, i, it.id);
  // Nothing changed before this point: the World changes by the decision's effects.
  const created = arrival.effects.some((e) => e.kind === 'add-item');
  const senderHolding = arrival.effects.some((e) => e.kind === 'hold' && e.party === m.from);
  for (const e of arrival.effects) u.apply(e);
  if (consent !== null && b.consent !== null && arrival.effects.some((e) => e.kind === 'consent'))
    await insertConsent(u.tx, consentRow(consent, b.consent));
  const item = u.world.items.get(it.id);
  if (created && item !== undefined) {
    rows.items.push({
      id: it.id,
      originator: it.originator,
      marking: it.marking,
      categories: json(it.categories),
      releasable_to: it.releasableTo === null ? null : json(it.releasableTo),
      title: it.title,
      body: it.body,
      created_at: u.now,
      created_by: null,
      precedence: manifest.precedence,
      manifest: it.manifest,
      version: manifest.version,
    });
    if (onAccepted !== null) await onAccepted(u, item, m.from);
    await insertItemAttachments(
      u.tx,
      files.map((f, idx) => ({ item_id: it.id, idx, ...f })),
    );
  }
  if (senderHolding) rows.holdings.push([it.id, m.from]);
  rows.holdings.push([it.id, fed.party]);
  return accepted(i, `${it.id} received, marked ${d.marking?.code ?? ''}`, it.id);
}

/** RULES C1 from a partner: the originator's reclassification, passed on hop by hop. */
export async function receiveReclassified({
  fed,
  u,
  m,
}: Arrival<'item.reclassified'>): Promise<Outcome> {
  const b = m.body;
  const item = u.world.items.get(b.item);
  if (item === undefined) throw new NotFound('unknown-item', `unknown item '${b.item}'`);
  if (!cameFrom(fed, item, m.from)) {
    throw new PolicyDenied(
      'not-originator',
      `${m.from} is neither the originator of ${b.item} nor the party it came from`,
    );
  }
  // The originator's word: the next version of its manifest, unchanged from it.
  const held = await itemRow(u.tx, b.item);
  const manifest = checkNextVersion(fed, b.manifest, item, held?.manifest ?? null);
  notLater(parseInstant(manifest.issuedAt).ms, u.now, 'the reclassification');
  const { decision: d, logIndex: i } = await reclassify(
    u,
    { user: null, party: m.from },
    b.item,
    {
      kind: 'signed',
      manifest,
      jws: b.manifest,
      floor: { party: fed.party, marking: b.recipientMarking },
    },
    item.originator.id,
  );
  if (d.decision === 'deny') throw deniedBy(d);
  // Hop by hop: pass the same signed manifest on to those we sent the item to.
  await fed.reclassified(u, item, b.manifest, m.from);
  return accepted(i, `${b.item} reclassified`, b.item);
}

/** GSOMIA Art. 17 from a partner: a compromise, told by its party or relayed by the hop it came from. */
export async function receiveCompromise({
  fed,
  u,
  m,
}: Arrival<'compromise.report'>): Promise<Outcome> {
  const b = m.body;
  const item = u.world.items.get(b.item);
  if (item === undefined) throw new NotFound('unknown-item', `unknown item '${b.item}'`);
  // A party reports its own compromise; others' reports come relayed by the hop the
  // item came from (the originator, or the holder that forwarded it).
  if (b.reportedBy !== m.from && !cameFrom(fed, item, m.from)) {
    throw new FederationError(
      'malformed-message',
      `${m.from} may report its own compromise, not one by ${b.reportedBy}`,
    );
  }
  const report: CompromiseReport = {
    id: `cmp-${m.id}`,
    item: b.item,
    party: b.reportedBy,
    reportedBy: m.from,
    at: notLater(parseInstant(b.at).ms, u.now, 'the report'),
    note: b.note,
  };
  const i = await recordCompromise(u, { user: null, party: m.from }, report, null);
  await fed.compromised(u, item, report);
  return accepted(i, `compromise of ${b.item} recorded`, b.item);
}

/** An alert's acknowledgement or escalation: the content port's (refused without one). */
export async function receiveContentMessage({
  fed,
  u,
  m,
}: Arrival<'alert.ack' | 'alert.escalation'>): Promise<Outcome> {
  if (fed.content === null)
    throw new RequestInvalid('unsupported', 'this node does not handle alerts');
  const r = await fed.content.message(u, m);
  return accepted(r.logIndex, r.message, r.itemId);
}
