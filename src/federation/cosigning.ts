// Witnessing by default: while this node's log grows, it asks each peer to cosign its
// latest checkpoint (C2SP tlog-witness `add-checkpoint`, signed like every request
// between nodes, docs/wire.md §10) once per interval, and stores the cosignature it
// gets back to serve with the checkpoint. No request to a peer that has already
// cosigned the latest size; a failure backs off (the interval doubling, at most 15
// minutes) and is kept for the console, never fatal. Nothing here writes the log:
// a cosignature logged would grow the log, which would ask for another cosignature.
// `askWitnessed` is the other question a log asks its witnesses: which checkpoint of
// it they cosigned (for `liaison audit verify --peers`). With several instances of the
// node (PostgreSQL), the instance that holds the `leader` lease asks (src/node/leases.ts).
import type { KeyObject } from 'node:crypto';
import { isObject, messageOf } from '../core/index.js';
import { LEADER, Leases } from '../node/leases.js';
import { saveCosignature } from '../store/witness.js';
import { latestCosignatures, latestCosignedSize } from '../store/witnessing.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { signRequest } from './httpsig.js';
import type { Peer } from './peers.js';
import { verifyCosignature } from './witness.js';

/** The default interval between two rounds of requests (at least once a minute). */
export const DEFAULT_WITNESS_INTERVAL_MS = 30_000;
const MAX_BACKOFF_MS = 15 * 60_000;

/** How one peer's witnessing of this node's log stands. */
export interface CosignerStatus {
  readonly party: string;
  /** The largest size of this log the peer cosigned, and when its cosignature arrived. */
  readonly size: number | null;
  readonly at: number | null;
  /** The last request, and what went wrong with it (null: nothing). */
  readonly lastAttemptAt: number | null;
  readonly lastError: string | null;
  /** The next request waits until then after failures (null: the next round). */
  readonly retryAt: number | null;
}

interface PeerState {
  busy: boolean;
  failures: number;
  retryAt: number;
  lastAttemptAt: number | null;
  lastError: string | null;
  /** The size the peer said it last cosigned (409), to send as `old`. */
  known: number | null;
}

/** Asks peers to cosign this node's checkpoints, one request per peer at a time. */
export class Cosigning {
  private readonly state = new Map<string, PeerState>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** Several instances: this instance's leases, and what gives the `leader` lease up. */
  private readonly leases: Leases | null;
  private giveUp: (() => Promise<void>) | null = null;

  constructor(
    private readonly fed: Federation,
    readonly intervalMs: number = DEFAULT_WITNESS_INTERVAL_MS,
  ) {
    this.leases = fed.node.shared ? Leases.of(fed.node) : null;
  }

  start(): void {
    this.stopping = false;
    this.timer = setInterval(() => this.round(), this.intervalMs);
    this.timer.unref();
    if (this.leases !== null && this.giveUp === null)
      this.giveUp = this.leases.want(LEADER, (held) => {
        if (held) this.round();
      });
    this.round();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await Promise.all([...this.running]);
    const giveUp = this.giveUp;
    this.giveUp = null;
    await giveUp?.();
  }

  /**
   * One round: each peer not busy and not backing off is asked, if there is anything
   * new (several instances: by the one that holds the `leader` lease).
   */
  round(): void {
    if (this.stopping) return;
    if (this.leases !== null && !this.leases.held(LEADER)) return;
    for (const party of this.fed.peers.keys()) {
      const st = this.stateOf(party);
      if (st.busy || this.fed.node.now() < st.retryAt) continue;
      st.busy = true;
      const run = this.askOne(party, st).finally(() => {
        st.busy = false;
        this.running.delete(run);
      });
      this.running.add(run);
    }
  }

  /** Each peer's witnessing of this log, by party. */
  async status(): Promise<CosignerStatus[]> {
    const latest = new Map(
      (await latestCosignatures(this.fed.node.store.db)).map((c) => [c.witness, c]),
    );
    return [...this.fed.peers.keys()].sort().map((party) => {
      const st = this.state.get(party);
      const c = latest.get(party);
      return {
        party,
        size: c?.size ?? null,
        at: c?.at ?? null,
        lastAttemptAt: st?.lastAttemptAt ?? null,
        lastError: st?.lastError ?? null,
        retryAt: st !== undefined && st.retryAt > 0 ? st.retryAt : null,
      };
    });
  }

  private stateOf(party: string): PeerState {
    let st = this.state.get(party);
    if (st === undefined) {
      st = {
        busy: false,
        failures: 0,
        retryAt: 0,
        lastAttemptAt: null,
        lastError: null,
        known: null,
      };
      this.state.set(party, st);
    }
    return st;
  }

  private async askOne(party: string, st: PeerState): Promise<void> {
    try {
      await this.ask(party, st);
      st.failures = 0;
      st.retryAt = 0;
      st.lastError = null;
    } catch (e) {
      if (this.stopping) return;
      st.failures++;
      st.retryAt =
        this.fed.node.now() +
        Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** Math.min(st.failures, 10));
      const message = messageOf(e);
      // Told once per distinct failure; the console shows the last one.
      if (message !== st.lastError)
        process.stderr.write(`liaison: witnessing by ${party}: ${message}\n`);
      st.lastError = message;
    }
  }

  /** Asks `party` to cosign the latest checkpoint, if it has not cosigned that size. */
  private async ask(party: string, st: PeerState): Promise<void> {
    const fed = this.fed;
    const peer = fed.peers.get(party);
    if (peer === undefined) return;
    const cp = await fed.node.checkpoint();
    if (cp.size === 0) return;
    const cosigned = await latestCosignedSize(fed.node.store.db, party);
    if (cosigned !== undefined && cosigned > cp.size)
      throw new FederationError(
        'peer-unreachable',
        `${party} cosigned this log at size ${cosigned}, but it holds ${cp.size} entries: entries were lost or deleted`,
      );
    if (cosigned === cp.size) return;
    st.lastAttemptAt = fed.node.now();
    let old = st.known ?? cosigned ?? 0;
    // A 409 tells the size the peer last cosigned: one more try from there.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (old > cp.size)
        throw new FederationError(
          'peer-unreachable',
          `${party} cosigned this log at size ${old}, but it holds ${cp.size} entries: entries were lost or deleted`,
        );
      const proof =
        old === 0 ? [] : await fed.node.treeRead((t) => t.consistencyProof(old, cp.size));
      const body = `old ${old}\n${proof.map((h) => `${Buffer.from(h).toString('base64')}\n`).join('')}\n${cp.note}`;
      const res = await postCheckpoint(fed, peer, body);
      if (res.status === 200) {
        const line = res.text
          .split('\n')
          .find((l) => verifyCosignature(cp.note, l, peer.origin, peer.signingKey));
        if (line === undefined)
          throw new FederationError(
            'bad-signature',
            `${party} answered without a cosignature that verifies with its pinned key`,
          );
        await fed.node.transact((u) =>
          saveCosignature(u.tx, { size: cp.size, witness: party, line, at: u.now }),
        );
        st.known = cp.size;
        return;
      }
      const size = /^(0|[1-9][0-9]*)\n$/.exec(res.text)?.[1];
      if (res.status !== 409 || size === undefined)
        throw new FederationError(
          'peer-unreachable',
          `${party} answered ${res.status}: ${res.text.slice(0, 300)}`,
        );
      old = Number(size);
      st.known = old;
    }
    throw new FederationError('peer-unreachable', `${party} answered 409 twice`);
  }
}

/** POSTs an add-checkpoint request to a peer, signed (RFC 9421). */
async function postCheckpoint(
  fed: Federation,
  peer: Peer,
  body: string,
): Promise<{ status: number; text: string }> {
  const bytes = Buffer.from(body, 'utf8');
  const url = new URL(`${peer.url}/v1/federation/add-checkpoint`);
  const headers = signRequest(
    { method: 'POST', authority: url.host, path: url.pathname, body: bytes },
    fed.signingKeyFor(peer),
    fed.party,
    fed.node.now(),
  );
  try {
    const res = await fed.fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' },
      body: bytes,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: res.status, text: await res.text() };
  } catch (e) {
    throw new FederationError('peer-unreachable', `${peer.party}: ${messageOf(e)}`);
  }
}

/**
 * Asks a peer, as `as.party` (the request signed with `as.signingKey`), for the latest
 * checkpoint of that party's log the peer cosigned (`GET /v1/federation/witnessed`),
 * and checks the peer's cosignature on it; null if the peer cosigned none. For
 * `liaison audit verify --data --peers`, which runs without the node.
 */
export async function askWitnessed(
  as: { readonly party: string; readonly signingKey: KeyObject },
  peer: Peer,
  fetchFn: typeof fetch = fetch,
): Promise<{ size: number; note: string; seenAt: string } | null> {
  const url = new URL(`${peer.url}/v1/federation/witnessed`);
  const headers = signRequest(
    { method: 'GET', authority: url.host, path: url.pathname, body: Buffer.alloc(0) },
    as.signingKey,
    as.party,
    Date.now(),
  );
  let status: number;
  let text: string;
  try {
    const res = await fetchFn(url, { headers, signal: AbortSignal.timeout(15_000) });
    status = res.status;
    text = await res.text();
  } catch (e) {
    throw new FederationError('peer-unreachable', `${peer.party}: ${messageOf(e)}`);
  }
  if (status !== 200)
    throw new FederationError(
      'peer-unreachable',
      `${peer.party} answered ${status}: ${text.slice(0, 300)}`,
    );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const cp = isObject(body) ? body.checkpoint : undefined;
  if (cp === null) return null;
  if (
    !isObject(cp) ||
    typeof cp.size !== 'number' ||
    typeof cp.note !== 'string' ||
    typeof cp.seenAt !== 'string'
  )
    throw new FederationError('peer-unreachable', `${peer.party} answered without a checkpoint`);
  const note = cp.note;
  const lines = note.slice(note.indexOf('\n\n') + 2).split('\n');
  if (!lines.some((l) => verifyCosignature(note, l, peer.origin, peer.signingKey)))
    throw new FederationError(
      'bad-signature',
      `the checkpoint ${peer.party} holds does not carry its cosignature`,
    );
  return { size: cp.size, note, seenAt: cp.seenAt };
}
