// Agreements at a node: adding one, the catalog (binding and proposed), and the
// lifecycle: a notice action by this party or a partner, or a signed change taking
// effect, each decided by the core, logged by one writer and stored.
import {
  type AgreementDefinition,
  type AgreementExplanation,
  AgreementRuntime,
  type Decision,
  decide,
  type EpochMs,
  explainAgreement,
  formatInstant,
  isAgreementDefinition,
  type NoticeActionKind,
} from '../core/index.js';
import { insertAgreement, insertAgreementEvent } from '../store/agreements.js';
import { proposalsOfKind } from '../store/proposals.js';
import { Conflict, NotFound } from './errors.js';
import { type EventActor, type EventSubjects, record } from './events.js';
import type { Actor } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';

export function addAgreement(
  node: LiaisonNode,
  actor: Actor | null,
  def: AgreementDefinition,
): Promise<string> {
  return node.transact(async (u) => {
    if (u.world.agreements.has(def.id)) throw new Conflict(`agreement '${def.id}' exists`);
    await recordAgreement(u, def, { user: actor?.user ?? null, party: node.party }, null);
    return def.id;
  });
}

/**
 * Adds an agreement in a unit: the World, the store and the log. An invalid
 * definition is refused before anything is written. Used for a node's own agreements
 * (`signedBy` null) and for those that bind when every party has signed.
 */
export async function recordAgreement(
  u: Unit,
  def: AgreementDefinition,
  actor: EventActor,
  signedBy: readonly string[] | null,
): Promise<void> {
  u.apply({ kind: 'add-agreement', definition: def });
  await insertAgreement(u.tx, def, u.now);
  record(u, 'agreement.added', actor, {
    agreement: def.id,
    definition: signedBy === null ? def : null,
    signedBy,
  });
}

export interface AgreementEntry {
  readonly id: string;
  /** Every party has signed: the agreement binds, and decisions use it. */
  readonly binding: boolean;
  readonly signedBy: readonly string[];
  readonly awaiting: readonly string[];
  readonly explanation: AgreementExplanation;
}

/**
 * The agreements a node knows: those that bind (in its World) and those proposed and
 * still awaiting signatures, each explained at `at` (a proposal by its own clock).
 */
export async function agreementCatalog(node: LiaisonNode, at: number): Promise<AgreementEntry[]> {
  const proposals = await proposalsOfKind(node.store.db, 'agreement');
  const out = new Map<string, AgreementEntry>();
  for (const p of proposals) {
    const signedBy = Object.keys(p.signatures).sort();
    const bound = node.world.agreements.get(p.agreement);
    // A proposal's definition was checked when it was proposed (or its signature merged).
    const body = p.body;
    const runtime =
      bound ??
      (isAgreementDefinition(body) ? new AgreementRuntime(body, node.world.parties) : null);
    if (runtime === null) continue;
    out.set(p.agreement, {
      id: p.agreement,
      binding: bound !== undefined,
      signedBy,
      awaiting: p.parties.filter((x) => !signedBy.includes(x)),
      explanation: explainAgreement(runtime, at),
    });
  }
  for (const a of node.world.agreements.values()) {
    if (!out.has(a.id)) {
      out.set(a.id, {
        id: a.id,
        binding: true,
        signedBy: [...a.partyIds],
        awaiting: [],
        explanation: explainAgreement(a, at),
      });
    }
  }
  return [...out.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
}

export async function explainAt(
  node: LiaisonNode,
  id: string,
  at: number,
): Promise<AgreementEntry> {
  const entry = (await agreementCatalog(node, at)).find((e) => e.id === id);
  if (entry === undefined) throw new NotFound('unknown-agreement', `unknown agreement '${id}'`);
  return entry;
}

/**
 * Gives, suspends, resumes or withdraws a notice on behalf of this node's party, and
 * tells the other parties (the node's notifier).
 */
export function noticeAction(
  node: LiaisonNode,
  actor: Actor,
  agreementId: string,
  kind: NoticeActionKind,
): Promise<Decision> {
  return node.transact(async (u) => {
    if (!u.world.agreements.has(agreementId)) {
      throw new NotFound('unknown-agreement', `unknown agreement '${agreementId}'`);
    }
    const { decision } = await decideNotice(
      u,
      { user: actor.user, party: node.party },
      agreementId,
      kind,
      u.now,
    );
    if (decision.decision === 'allow')
      await node.notifier.noticeAction(u, agreementId, kind, u.now);
    return decision;
  });
}

/**
 * RULES L*: a notice action by `actor.party` (this party's person, or a partner as its
 * message says) at `at`, decided, logged and, when allowed, stored.
 */
export async function decideNotice(
  u: Unit,
  actor: EventActor,
  agreement: string,
  action: NoticeActionKind,
  at: EpochMs,
): Promise<{ decision: Decision; logIndex: number }> {
  const d = decide(u.world, { kind: action, agreement, by: actor.party }, at);
  const logIndex = await recordLifecycle(
    u,
    actor,
    { agreement, action, ...(at === u.now ? {} : { at: formatInstant(at) }) },
    d,
  );
  return { decision: d, logIndex };
}

/**
 * The one writer of `agreement.lifecycle`: logs a lifecycle decision (a notice action,
 * or a signed change taking effect) and, when allowed, applies and stores its event.
 */
export async function recordLifecycle(
  u: Unit,
  actor: EventActor,
  subject: EventSubjects['agreement.lifecycle'],
  d: Decision,
): Promise<number> {
  const i = record(u, 'agreement.lifecycle', actor, subject, {
    decision: d.decision,
    reasons: d.reasons.map((r) => r.code),
  });
  if (d.decision === 'allow' && d.effect?.kind === 'lifecycle') {
    const seq = u.world.agreements.get(d.effect.agreement)?.events.length ?? 0;
    await insertAgreementEvent(u.tx, d.effect.agreement, seq, d.effect.event, u.now);
    u.apply(d.effect);
  }
  return i;
}
