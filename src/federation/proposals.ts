// Agreements between nodes are proposals: the canonical JSON of a definition (or of a
// change to one: a mutual termination, an amendment) signed by each party. Who must
// sign comes from what is signed; a proposal binds only when every party has signed.
import { sign as edSign, verify as edVerify, randomUUID } from 'node:crypto';
import {
  type AgreementDefinition,
  AgreementDefinitionSchema,
  AgreementRuntime,
  BUILT_IN_PARTIES,
  compileText,
  DefinitionError,
  decide,
  type EquivalenceRow,
  firstSchemaError,
  formatInstant,
  isAgreementDefinition,
  parseInstant,
  World,
} from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { recordAgreement, recordLifecycle } from '../node/agreements.js';
import { Conflict, definitionError, NotFound, PolicyDenied, Unavailable } from '../node/errors.js';
import { record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';
import { insertProposalKey, proposalKeys } from '../store/agreement-keys.js';
import { allProposals, insertProposal, proposalById, setSignatures } from '../store/proposals.js';
import { bindKeys, outgoingProposal, signatoryKey } from './agreement-keys.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import type { MessageBody } from './messages.js';

type ProposalBody = MessageBody<'proposal.signature'>;

const agreementProposalId = (id: string) => `agreement:${id}`;

/** Signs a proposal's canonical body as this party (Ed25519, base64). */
function signBody(fed: Federation, body: unknown): string {
  return edSign(null, Buffer.from(canonicalJson(body), 'utf8'), fed.options.signingKey).toString(
    'base64',
  );
}

/** Merges signatures into our copy of a proposal; binds it once every party has signed. */
export async function mergeProposal(
  fed: Federation,
  u: Unit,
  p: ProposalBody,
  from: string | null,
): Promise<number> {
  const existing = await proposalById(u.tx, p.proposal);
  const bodyText = canonicalJson(p.body);
  if (existing !== undefined && existing.bodyJson !== bodyText) {
    throw new Conflict(`proposal ${p.proposal} has another text here`);
  }
  // Who must sign comes from what is signed (or from the agreement we hold), never
  // from the message: a peer cannot shorten the list of signatories.
  const parties = signatories(u, p);
  if (!parties.includes(fed.party))
    throw new PolicyDenied('not-a-party', `${fed.party} is not a party to ${p.agreement}`);
  const signatures: Record<string, string> = { ...existing?.signatures };
  // The key each signature verifies with (docs/wire.md §9): a pinned peer's, else the
  // one recorded for this proposal, else one bound in another agreement, else the key
  // the sender claims; a claim that differs from a key known here is refused.
  const held = await proposalKeys(u.tx, p.proposal);
  const verifiedWith = new Map<string, string>();
  for (const [party, sig] of Object.entries(p.signatures)) {
    if (!parties.includes(party)) continue;
    const key = signatoryKey(fed, p, party, held.get(party));
    if (key === null) continue;
    if (!edVerify(null, Buffer.from(bodyText, 'utf8'), key.key, Buffer.from(sig, 'base64'))) {
      throw new FederationError(
        'bad-signature',
        `the signature of ${party} on ${p.proposal} does not verify`,
      );
    }
    signatures[party] = sig;
    if (!held.has(party)) verifiedWith.set(party, key.b64);
  }
  const added = Object.keys(signatures).filter((x) => existing?.signatures[x] === undefined);
  const complete = parties.every((x) => signatures[x] !== undefined);
  const binding = existing?.status === 'binding';
  const status = binding || complete ? 'binding' : 'proposed';
  // Bind first: if the definition cannot bind, nothing of the proposal is written.
  if (complete && !binding) await bind(fed, u, { ...p, parties });
  for (const [party, b64] of verifiedWith) {
    await insertProposalKey(u.tx, {
      proposal_id: p.proposal,
      agreement_id: p.agreement,
      party,
      signing_key: b64,
      recorded_at: u.now,
    });
  }
  if (complete && !binding) await bindKeys(fed, u, p.proposal, p.agreement, parties);
  if (existing === undefined) {
    await insertProposal(u.tx, {
      id: p.proposal,
      kind: p.kind,
      agreement: p.agreement,
      bodyJson: bodyText,
      signatures,
      parties,
      status,
      createdAt: u.now,
    });
  } else {
    await setSignatures(u.tx, p.proposal, signatures, status);
  }
  // Relay: signatures new here go on to the proposal's other parties that are our
  // peers (not back to the sender), so that a party peered only with a hub still
  // receives every signature (docs/wire.md §9).
  if (from !== null && added.length > 0) {
    const out = await outgoingProposal(fed, u, p.proposal);
    for (const party of parties) {
      if (party !== fed.party && party !== from && fed.peers.has(party) && out !== undefined)
        await fed.enqueue(u, party, 'proposal.signature', out);
    }
  }
  return record(
    u,
    'proposal.signed',
    { user: null, party: from ?? fed.party },
    {
      proposal: p.proposal,
      agreement: p.agreement,
      kind: p.kind,
      signedBy: Object.keys(signatures).sort(),
      complete,
    },
  );
}

/** The parties that must sign a proposal: the definition's, or the agreement's for a change. */
function signatories(u: Unit, p: ProposalBody): string[] {
  const body = p.body;
  const isObject = typeof body === 'object' && body !== null;
  let parties: readonly unknown[] | undefined;
  if (p.kind === 'agreement') {
    if (!isAgreementDefinition(body)) {
      const e = firstSchemaError(AgreementDefinitionSchema, body);
      throw new FederationError(
        'malformed-message',
        `the proposed definition of ${p.agreement} is malformed${e === null ? '' : ` at ${e.path || '/'}: ${e.message}`}`,
      );
    }
    if (body.id !== p.agreement || p.proposal !== agreementProposalId(p.agreement))
      throw new FederationError('malformed-message', `the proposal does not define ${p.agreement}`);
    // Nobody signs a definition the core cannot run: parties known, rows complete, …
    try {
      new AgreementRuntime(body, u.world.parties);
    } catch (e) {
      if (e instanceof DefinitionError)
        throw new FederationError(
          'malformed-message',
          `the proposed definition of ${p.agreement} is invalid: ${e.message}`,
        );
      throw e;
    }
    parties = body.parties;
  } else {
    if (
      !(
        isObject &&
        'agreement' in body &&
        body.agreement === p.agreement &&
        'proposal' in body &&
        body.proposal === p.proposal
      )
    )
      throw new FederationError(
        'malformed-message',
        `the signed change is not proposal ${p.proposal} to ${p.agreement}`,
      );
    const a = u.world.agreements.get(p.agreement);
    if (a === undefined)
      throw new NotFound('unknown-agreement', `unknown agreement '${p.agreement}'`);
    parties = [...a.partyIds];
  }
  if (parties === undefined || !parties.every((x) => typeof x === 'string'))
    throw new FederationError(
      'malformed-message',
      `the proposal of ${p.agreement} names no parties`,
    );
  const list = [...parties].sort();
  if (canonicalJson(list) !== canonicalJson([...p.parties].sort()))
    throw new FederationError(
      'malformed-message',
      `the proposal lists ${p.parties.join(', ')}; what is signed binds ${list.join(', ')}`,
    );
  return list;
}

/** A signed change, as `proposeChange` writes it. */
interface Change {
  readonly agreement: string;
  readonly kind: 'terminate' | 'amend';
  readonly effectiveAt: string;
  readonly rows?: readonly EquivalenceRow[];
  readonly scope?: readonly string[] | null;
  readonly noticePeriod?: string;
}

const strings = (x: unknown): x is readonly string[] =>
  Array.isArray(x) && x.every((s) => typeof s === 'string');
const isRow = (x: unknown): x is EquivalenceRow =>
  typeof x === 'object' && x !== null && Object.values(x).every(strings);

/** What a signed change says, or a refusal naming what it lacks. */
function changeOf(body: unknown): Change {
  if (
    typeof body !== 'object' ||
    body === null ||
    !('agreement' in body && 'kind' in body && 'effectiveAt' in body) ||
    typeof body.agreement !== 'string' ||
    (body.kind !== 'terminate' && body.kind !== 'amend') ||
    typeof body.effectiveAt !== 'string'
  )
    throw new FederationError(
      'malformed-message',
      'the signed change lacks its agreement, kind or instant',
    );
  const rows = 'rows' in body ? body.rows : undefined;
  const scope = 'scope' in body ? body.scope : undefined;
  const noticePeriod = 'noticePeriod' in body ? body.noticePeriod : undefined;
  if (
    (rows !== undefined && !(Array.isArray(rows) && rows.every(isRow))) ||
    (scope !== undefined && scope !== null && !strings(scope)) ||
    (noticePeriod !== undefined && typeof noticePeriod !== 'string')
  )
    throw new FederationError('malformed-message', 'the signed change has a malformed text');
  return {
    agreement: body.agreement,
    kind: body.kind,
    effectiveAt: body.effectiveAt,
    ...(rows === undefined ? {} : { rows }),
    ...(scope === undefined ? {} : { scope }),
    ...(noticePeriod === undefined ? {} : { noticePeriod }),
  };
}

/** What every party has signed takes effect: the agreement binds, or the change applies. */
async function bind(fed: Federation, u: Unit, p: ProposalBody): Promise<void> {
  const actor = { user: null, party: fed.party };
  if (p.kind === 'agreement') {
    // signatories() checked it; the core checks it again as it adds it.
    const def = p.body;
    if (!isAgreementDefinition(def))
      throw new FederationError(
        'malformed-message',
        `the definition of ${p.agreement} is malformed`,
      );
    if (u.world.agreements.has(def.id)) return;
    await recordAgreement(u, def, actor, p.parties);
    return;
  }
  const change = changeOf(p.body);
  const at = Math.max(parseInstant(change.effectiveAt).ms, u.now);
  const d =
    change.kind === 'terminate'
      ? decide(u.world, { kind: 'terminate', agreement: change.agreement, effectiveAt: at }, u.now)
      : decide(
          u.world,
          {
            kind: 'amend',
            agreement: change.agreement,
            ...(change.rows === undefined ? {} : { rows: change.rows }),
            ...(change.scope === undefined ? {} : { scope: change.scope }),
            ...(change.noticePeriod === undefined ? {} : { noticePeriod: change.noticePeriod }),
          },
          at,
        );
  await recordLifecycle(
    u,
    actor,
    {
      agreement: change.agreement,
      action: change.kind,
      effectiveAt: formatInstant(at),
      signedBy: p.parties,
    },
    d,
  );
}

/** Creates (or countersigns) a proposal as this party and sends our signature to the others. */
async function signAndSend(
  fed: Federation,
  u: Unit,
  p: Omit<ProposalBody, 'signatures'>,
): Promise<void> {
  const signature = signBody(fed, p.body);
  const existing = await proposalById(u.tx, p.proposal);
  const merged = { ...p, signatures: { ...existing?.signatures, [fed.party]: signature } };
  await mergeProposal(fed, u, merged, null);
  const out = await outgoingProposal(fed, u, p.proposal);
  for (const party of p.parties) {
    if (party !== fed.party && fed.peers.has(party) && out !== undefined)
      await fed.enqueue(u, party, 'proposal.signature', out);
  }
}

/** Proposes an agreement (a template or a custom definition), signed by this party. */
export async function proposeAgreement(
  fed: Federation,
  _actor: Actor | null,
  def: AgreementDefinition,
): Promise<string> {
  if (!def.parties.includes(fed.party))
    throw new PolicyDenied('not-a-party', `${fed.party} is not a party to ${def.id}`);
  try {
    World.create({ parties: [...BUILT_IN_PARTIES.values()], agreements: [def] });
  } catch (e) {
    definitionError(e);
  }
  const id = agreementProposalId(def.id);
  await fed.node.transact(async (u) => {
    if (u.world.agreements.has(def.id)) throw new Conflict(`agreement '${def.id}' already binds`);
    await signAndSend(fed, u, {
      proposal: id,
      kind: 'agreement',
      agreement: def.id,
      body: def,
      parties: [...def.parties],
    });
  });
  return id;
}

export interface ProposalView {
  readonly id: string;
  readonly kind: string;
  readonly agreement: string;
  readonly parties: readonly string[];
  readonly signedBy: readonly string[];
  readonly awaiting: readonly string[];
  readonly status: string;
  readonly body: unknown;
}

/** Countersigns a proposal this node holds (an agreement, or a change to one). */
export async function signProposal(fed: Federation, proposalId: string): Promise<ProposalView> {
  await fed.node.transact(async (u) => {
    const p = await proposalById(u.tx, proposalId);
    if (p === undefined) throw new NotFound('unknown-agreement', `no proposal '${proposalId}'`);
    await signAndSend(fed, u, {
      proposal: p.id,
      kind: p.kind,
      agreement: p.agreement,
      body: p.body,
      parties: [...p.parties],
    });
  });
  const view = (await listProposals(fed)).find((p) => p.id === proposalId);
  if (view === undefined) throw new Unavailable('internal', 'the proposal vanished');
  return view;
}

export async function listProposals(fed: Federation): Promise<ProposalView[]> {
  return (await allProposals(fed.node.store.db)).map((p) => {
    const signedBy = Object.keys(p.signatures).sort();
    return {
      id: p.id,
      kind: p.kind,
      agreement: p.agreement,
      parties: p.parties,
      signedBy,
      awaiting: p.parties.filter((x) => !signedBy.includes(x)),
      status: p.status,
      body: p.body,
    };
  });
}

export interface ChangeRequest {
  readonly kind: 'terminate' | 'amend';
  readonly effectiveAt: number;
  readonly rows?: readonly EquivalenceRow[] | undefined;
  readonly scope?: readonly string[] | null | undefined;
  readonly noticePeriod?: string | undefined;
}

/** Proposes a mutual termination or an amendment (RULES L7, L8): it applies once every party has signed. */
export async function proposeChange(
  fed: Federation,
  agreementId: string,
  change: ChangeRequest,
): Promise<string> {
  const a = fed.node.world.agreements.get(agreementId);
  if (a === undefined)
    throw new NotFound('unknown-agreement', `unknown agreement '${agreementId}'`);
  if (change.kind === 'amend') {
    // The amended text must compile now, as it will when every party has signed.
    const current = a.textAt(change.effectiveAt);
    try {
      compileText(
        a.id,
        a.parties,
        {
          rows: change.rows ?? current.rows,
          scope:
            change.scope === undefined
              ? current.scope === null
                ? undefined
                : [...current.scope]
              : (change.scope ?? undefined),
          noticePeriod: change.noticePeriod ?? current.noticePeriod.text,
        },
        change.effectiveAt,
      );
    } catch (e) {
      definitionError(e);
    }
  }
  const id = `change:${randomUUID()}`;
  // The proposal id is inside what is signed: a signed change cannot be replayed
  // under another id to apply again.
  const body = {
    proposal: id,
    agreement: agreementId,
    kind: change.kind,
    effectiveAt: formatInstant(change.effectiveAt),
    ...(change.rows === undefined ? {} : { rows: change.rows }),
    ...(change.scope === undefined ? {} : { scope: change.scope }),
    ...(change.noticePeriod === undefined ? {} : { noticePeriod: change.noticePeriod }),
  };
  await fed.node.transact(async (u) => {
    await signAndSend(fed, u, {
      proposal: id,
      kind: 'change',
      agreement: agreementId,
      body,
      parties: [...a.partyIds],
    });
  });
  return id;
}
