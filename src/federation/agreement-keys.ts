// The keys of all parties bound to an agreement (docs/wire.md §9, docs/decisions.md):
// when a proposal binds, the key each party's signature verified with is bound to the
// agreement. A party this node never peered with (one reached only through a hub) is
// then known by the key the countersigned agreement binds. Kept in memory for the
// synchronous checks (manifests, consents, acknowledgements, relayed messages).
import type { KeyObject } from 'node:crypto';
import type { World } from '../core/index.js';
import { ed25519PublicKeyFromRaw, rawPublicKey } from '../log/note.js';
import type { Unit } from '../node/service.js';
import {
  bindProposalKeys,
  boundKeys,
  insertProposalKey,
  proposalKeys,
} from '../store/agreement-keys.js';
import type { Store } from '../store/db.js';
import { proposalById } from '../store/proposals.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { partyKeys } from './manifests.js';
import type { MessageBody } from './messages.js';

type ProposalBody = MessageBody<'proposal.signature'>;

/** A raw Ed25519 public key (32 bytes, base64) as a key, or null if it is not one. */
export function keyFromBase64(b64: string): KeyObject | null {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32 || raw.toString('base64') !== b64) return null;
  try {
    return ed25519PublicKeyFromRaw(raw);
  } catch {
    return null;
  }
}

/** A public key as the identity document writes it (raw 32 bytes, base64). */
export const keyToBase64 = (k: KeyObject): string => rawPublicKey(k).toString('base64');

export class AgreementKeys {
  /** agreement → party → key (base64), bound by a proposal of that agreement. */
  private readonly bound = new Map<string, Map<string, string>>();

  static async load(db: Store['db']): Promise<AgreementKeys> {
    const keys = new AgreementKeys();
    for (const r of await boundKeys(db)) keys.bind(r.agreement_id, r.party, r.signing_key);
    return keys;
  }

  /** Takes the bindings another instance of this node loaded (after it bound keys there). */
  replaceWith(other: AgreementKeys): void {
    this.bound.clear();
    for (const [a, m] of other.bound) this.bound.set(a, new Map(m));
  }

  /** Binds a party's key to an agreement (after the binding unit commits). */
  bind(agreement: string, party: string, key: string): void {
    let m = this.bound.get(agreement);
    if (m === undefined) {
      m = new Map();
      this.bound.set(agreement, m);
    }
    m.set(party, key);
  }

  /** The keys bound to one agreement, by party (sorted), for operators to compare. */
  keysOfAgreement(agreement: string): [party: string, key: string][] {
    return [...(this.bound.get(agreement) ?? new Map<string, string>())].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
  }

  /**
   * The keys bound for `party` in agreements that `self` and `party` are both parties
   * to (as the World holds them), distinct, in agreement id order.
   */
  keysOf(world: World, self: string, party: string): KeyObject[] {
    const seen = new Set<string>();
    const out: KeyObject[] = [];
    for (const id of [...this.bound.keys()].sort()) {
      const b64 = this.bound.get(id)?.get(party);
      const a = world.agreements.get(id);
      if (b64 === undefined || a === undefined || seen.has(b64)) continue;
      if (!a.partyIds.has(self) || !a.partyIds.has(party)) continue;
      const k = keyFromBase64(b64);
      if (k === null) continue;
      seen.add(b64);
      out.push(k);
    }
    return out;
  }
}

/**
 * The key a signatory's signature is verified with, and its base64 form; null when
 * none is known here nor claimed (the signature is then dropped).
 */
export function signatoryKey(
  fed: Federation,
  p: ProposalBody,
  party: string,
  recorded: string | undefined,
): { key: KeyObject; b64: string } | null {
  const claimed = p.keys?.[party];
  const pinned = fed.signingKeyOf(party);
  const known =
    pinned !== undefined
      ? keyToBase64(pinned)
      : (recorded ?? firstOf(partyKeys(fed, party).map(keyToBase64)));
  if (known !== undefined) {
    if (claimed !== undefined && claimed !== known)
      throw new FederationError(
        'bad-signature',
        `the key given for ${party} on ${p.proposal} is not the key of ${party} known here`,
      );
    const key = pinned ?? keyFromBase64(known);
    return key === null ? null : { key, b64: known };
  }
  if (claimed === undefined) return null;
  const key = keyFromBase64(claimed);
  if (key === null)
    throw new FederationError(
      'bad-signature',
      `the key given for ${party} on ${p.proposal} is not an Ed25519 public key`,
    );
  return { key, b64: claimed };
}

const firstOf = (xs: readonly string[]): string | undefined => xs[0];

/** The proposal bound: the keys its signatures verified with are the agreement's. */
export async function bindKeys(
  fed: Federation,
  u: Unit,
  proposal: string,
  agreement: string,
  parties: readonly string[],
): Promise<void> {
  const keys = await proposalKeys(u.tx, proposal);
  // Signatures merged before keys were recorded (older nodes): the key they verified with.
  for (const party of parties) {
    if (keys.has(party)) continue;
    const k = party === fed.party ? fed.options.signingKey : fed.signingKeyOf(party);
    if (k === undefined) continue;
    const b64 = keyToBase64(k);
    await insertProposalKey(u.tx, {
      proposal_id: proposal,
      agreement_id: agreement,
      party,
      signing_key: b64,
      recorded_at: u.now,
    });
    keys.set(party, b64);
  }
  await bindProposalKeys(u.tx, proposal);
  u.touch('agreement-keys');
  u.afterCommit(() => {
    for (const [party, b64] of keys) fed.agreementKeys.bind(agreement, party, b64);
  });
}

/**
 * A proposal as this node sends it: every signature it holds, with the key of each
 * signatory whose signature it carries (its own, a pinned peer's, or the one the
 * signature verified with here).
 */
export async function outgoingProposal(
  fed: Federation,
  u: Unit,
  id: string,
): Promise<ProposalBody | undefined> {
  const p = await proposalById(u.tx, id);
  if (p === undefined) return undefined;
  const recorded = await proposalKeys(u.tx, id);
  const keys: Record<string, string> = {};
  for (const party of Object.keys(p.signatures)) {
    // The key the signature verified with when it was recorded (a rotation since then
    // does not change what signed it); else ours or the pinned one.
    const k = party === fed.party ? fed.options.signingKey : fed.signingKeyOf(party);
    const b64 = recorded.get(party) ?? (k === undefined ? undefined : keyToBase64(k));
    if (b64 !== undefined) keys[party] = b64;
  }
  return {
    proposal: p.id,
    kind: p.kind,
    agreement: p.agreement,
    body: p.body,
    parties: [...p.parties],
    signatures: { ...p.signatures },
    keys,
  };
}
