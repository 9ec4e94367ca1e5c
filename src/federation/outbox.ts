// The outbox worker: `enqueue` writes a message in the unit of the decision that caused
// it; after commit the worker is kicked. Per peer there are two lanes, each with one
// request in flight: FLASH messages in one, the rest in the other by precedence, then
// in order. A failed request backs off per peer (200 ms after the first failure,
// doubling to 30 s). With several instances of the node (PostgreSQL), each lane is
// delivered by the instance that holds its lease (`deliver:<peer>:<lane>`,
// src/node/leases.ts), which it confirms before each batch leaves and fences when it
// settles; a new holder sends again what was in flight, and the peer answers an
// envelope it already has with its first receipt, so each takes effect once.
import { randomUUID } from 'node:crypto';
import { precedenceRank } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { RequestInvalid } from '../node/errors.js';
import { deliveryLease, Leases } from '../node/leases.js';
import type { Unit } from '../node/service.js';
import {
  flashDue,
  insertEnvelope,
  lastSeqOf,
  type PendingRow,
  recordFailure,
  rescheduleTo,
} from '../store/outbox.js';
import { sendAttachments } from './attachment-transfer.js';
import {
  type Fence,
  filesOf,
  type Lane,
  type PreparedBatch,
  prepare,
  settle,
  stillAllowed,
} from './delivery.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { MAX_MESSAGE_BYTES, type Outgoing, peekRelayed, WIRE_VERSION } from './messages.js';
import type { Peer } from './peers.js';
import { postMessages } from './requests.js';

const LANES: readonly Lane[] = ['flash', 'normal'];
const NOTHING_IN_FLIGHT: ReadonlySet<string> = new Set();

/** Retry delay after n consecutive failures to reach a peer: 200 ms doubling, at most 30 s. */
const backoff = (failures: number) => Math.min(30_000, 100 * 2 ** Math.min(failures, 9));

export class Outbox {
  private readonly failures = new Map<string, number>();
  /** Delivery lanes running now, by "peer/lane"; "again" = kicked while running. */
  private readonly lanes = new Map<string, 'busy' | 'again'>();
  /** The last unexpected error of the worker (told on stderr once). */
  private lastPumpError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  /** This instance's leases (several instances share the store), or null (one process). */
  private readonly leases: Leases | null;
  /** The delivery leases this instance wants, with what gives each up. */
  private readonly wants = new Map<string, () => Promise<void>>();

  constructor(
    private readonly fed: Federation,
    /** The last sequence number queued to each peer. */
    private readonly seq: Map<string, number>,
  ) {
    this.leases = fed.node.shared ? Leases.of(fed.node) : null;
    // Another instance queued messages: the lanes this one holds send them.
    if (this.leases !== null)
      fed.node.onTouched((tags, foreign) => {
        if (foreign && tags.includes('outbox')) this.kick();
      });
  }

  /** Another instance queued envelopes: the next sequence numbers come from the store. */
  forgetSeqs(): void {
    this.seq.clear();
  }

  /** Whether the worker is stopping: nothing more is prepared or sent. */
  get stopped(): boolean {
    return this.stopping;
  }

  /** Queues a message to `to` in this unit's transaction; it leaves once committed. */
  async enqueue(u: Unit, to: string, ...[type, body, itemId = null]: Outgoing): Promise<string> {
    const fed = this.fed;
    if (!fed.peers.has(to))
      throw new FederationError('no-peer', `no peer for ${to}: add it with 'liaison peer add'`);
    const id = randomUUID();
    const payload = canonicalJson({ v: WIRE_VERSION, id, type, from: fed.party, to, body });
    // Sealing encodes twice in base64url (JWS, then JWE): about 16/9 of the JSON.
    const sealedBytes = Math.ceil((Buffer.byteLength(payload, 'utf8') * 16) / 9) + 1024;
    if (sealedBytes > MAX_MESSAGE_BYTES) {
      throw new RequestInvalid(
        'item-too-large',
        `sealed, this ${type} would be about ${sealedBytes} bytes; a message is limited to ${MAX_MESSAGE_BYTES}`,
      );
    }
    // With several instances another may have queued to `to` since: its change told
    // us (`forgetSeqs`), and the store, read under the node's write lock, knows.
    const last = this.seq.get(to) ?? (fed.node.shared ? await lastSeqOf(u.tx, to) : 0);
    const seq = last + 1;
    this.seq.set(to, seq);
    if (fed.node.shared) u.touch('outbox');
    await insertEnvelope(u.tx, {
      id,
      peer: to,
      seq,
      type,
      payload,
      state: 'pending',
      attempts: 0,
      next_attempt_at: u.now,
      last_error: null,
      receipt: null,
      created_at: u.now,
      settled_at: null,
      item_id: itemId,
      // An item leaves at its own precedence; acknowledgements and escalations as FLASH.
      precedence:
        type === 'item'
          ? precedenceRank(body.item.precedence ?? 'ROUTINE')
          : type === 'alert.ack' ||
              type === 'alert.escalation' ||
              (type === 'relay' && peekRelayed(body.message)?.type === 'alert.ack')
            ? 0
            : precedenceRank('ROUTINE'),
    });
    u.afterCommit(() => this.kick());
    return id;
  }

  start(intervalMs: number): void {
    this.stopping = false;
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearInterval(this.timer);
    while (this.lanes.size > 0) await new Promise((r) => setTimeout(r, 5));
    // Released now, so that another instance takes the lanes over at its next try.
    const wants = [...this.wants.values()];
    this.wants.clear();
    await Promise.all(wants.map((giveUp) => giveUp()));
  }

  /** An operator's "retry now": forget the backoff towards a peer and send what is due. */
  async retryNow(party: string): Promise<number> {
    if (!this.fed.peers.has(party)) throw new FederationError('no-peer', `no peer ${party}`);
    this.failures.delete(party);
    const n = await rescheduleTo(this.fed.node.store.db, party, this.fed.node.now());
    this.kick();
    return n;
  }

  /** Wakes the outbox worker: every lane of every peer sends what is due. */
  kick(): void {
    if (this.stopping) return;
    if (this.leases !== null) this.wantLanes(this.leases);
    for (const party of this.fed.peers.keys()) for (const lane of LANES) this.run(party, lane);
  }

  /** Wants the lease of every lane of every peer (a lane is delivered when it is taken). */
  private wantLanes(leases: Leases): void {
    for (const party of this.fed.peers.keys()) {
      for (const lane of LANES) {
        const name = deliveryLease(party, lane);
        if (!this.wants.has(name))
          this.wants.set(
            name,
            leases.want(name, (held) => {
              if (held) this.run(party, lane);
            }),
          );
      }
    }
  }

  /**
   * Runs one lane of one peer until nothing is due. FLASH messages have a lane of
   * their own, so that an alert never waits behind a large batch of routine traffic
   * already in flight; the other lane sends IMMEDIATE, then PRIORITY, then ROUTINE.
   */
  private run(party: string, lane: Lane): void {
    if (this.stopping) return;
    if (this.leases !== null && !this.leases.held(deliveryLease(party, lane))) return;
    const key = `${party}/${lane}`;
    if (this.lanes.has(key)) {
      this.lanes.set(key, 'again');
      return;
    }
    this.lanes.set(key, 'busy');
    void this.deliverTo(party, lane)
      .catch((e: unknown) => {
        // Delivery failures are recorded per batch (backOff); this is anything else,
        // e.g. the store closing under us. Told once per distinct error; the timer
        // kicks again.
        const message = e instanceof Error ? e.message : String(e);
        if (message !== this.lastPumpError)
          process.stderr.write(`liaison: the outbox worker failed: ${message}\n`);
        this.lastPumpError = message;
      })
      .finally(() => {
        const again = this.lanes.get(key) === 'again';
        this.lanes.delete(key);
        if (this.stopping) return;
        if (again) this.run(party, lane);
        // The normal lane yields to due FLASH messages; it resumes when they are out.
        if (lane === 'flash') this.run(party, 'normal');
      });
  }

  /**
   * Sends a lane's pending messages to a peer, highest precedence first and in
   * order within a precedence, a batch at a time, until none is due. Pipelined:
   * while the peer works on one batch, this node verifies and stores the receipts of
   * the previous one and seals the next. One request per lane is in flight to a
   * peer, so the peer receives each lane's messages in order.
   */
  private async deliverTo(party: string, lane: Lane): Promise<void> {
    const fed = this.fed;
    const peer = fed.peers.get(party);
    if (peer === undefined) return;
    const fence = this.fenceOf(party, lane);
    let done: { batch: PreparedBatch; receipts: string[] } | null = null;
    let batch = await prepare(fed, peer, lane, NOTHING_IN_FLIGHT, fence);
    while (batch !== null && !this.stopping) {
      // Decided when it was sealed; decided again now, just before it leaves.
      if (!stillAllowed(fed, batch.rows)) {
        batch = await prepare(fed, peer, lane, NOTHING_IN_FLIGHT, fence);
        continue;
      }
      // Lower precedence waits while FLASH messages to this peer are due (ACP 121).
      if (lane === 'normal' && (await flashDue(fed.node.store.db, party, fed.node.now()))) {
        if (done !== null) await this.settleOrBackOff(peer, done.batch, done.receipts, fence);
        this.run(party, 'flash');
        return;
      }
      // Several instances: the lane's lease, renewed if need be, before a batch leaves.
      // Without it, the batch stays pending for the instance that holds the lease now.
      if (this.leases !== null && !(await this.leases.confirm(deliveryLease(party, lane)))) {
        if (done !== null) await this.settleOrBackOff(peer, done.batch, done.receipts, fence);
        return;
      }
      const current = batch;
      // An item's files first, resumed where the peer's chunks stop; then the batch.
      const posting = sendAttachments(fed, peer, current.rows, filesOf)
        .then(() => postMessages(fed, peer, current.sealed))
        .then(
          (receipts) => ({ receipts, error: null }),
          (error: unknown) => ({ receipts: null, error }),
        );
      if (done !== null && !(await this.settleOrBackOff(peer, done.batch, done.receipts, fence))) {
        await posting;
        return;
      }
      const next = prepare(fed, peer, lane, new Set(current.rows.map((r) => r.id)), fence);
      const answer = await posting;
      if (answer.receipts === null) {
        await next.catch(() => null);
        if (!(answer.error instanceof FederationError)) throw answer.error;
        await this.backOff(party, current.rows, answer.error);
        return;
      }
      this.failures.delete(party);
      done = { batch: current, receipts: answer.receipts };
      batch = await next;
    }
    if (done !== null) await this.settleOrBackOff(peer, done.batch, done.receipts, fence);
  }

  /**
   * Several instances: what a lane's writes check in their transaction, that this
   * instance still holds the lane's lease (undefined: one process, nothing to check).
   */
  private fenceOf(party: string, lane: Lane): Fence | undefined {
    const leases = this.leases;
    if (leases === null) return undefined;
    const name = deliveryLease(party, lane);
    return (u) => leases.fence(u, name);
  }

  /**
   * Settles a delivered batch; if its receipts do not check out, backs off instead.
   * False: not settled (backed off, or the lane's lease is another instance's now,
   * which sends the batch again and gets the peer's first receipts).
   */
  private async settleOrBackOff(
    peer: Peer,
    batch: PreparedBatch,
    receipts: string[],
    fence: Fence | undefined,
  ): Promise<boolean> {
    try {
      return await settle(this.fed, peer, batch.rows, receipts, fence);
    } catch (e) {
      // The peer's fault backs off towards it; anything else is ours, for the pump.
      if (!(e instanceof FederationError)) throw e;
      await this.backOff(peer.party, batch.rows, e);
      return false;
    }
  }

  /**
   * A batch did not go through: back off towards the peer, by its consecutive
   * failures. The backoff is the peer's, not the batch's: every message queued to it
   * waits until the same instant, so that when the peer is back the FLASH lane
   * goes first. (A FLASH message queued meanwhile still makes one attempt at once.)
   */
  private async backOff(
    party: string,
    rows: readonly PendingRow[],
    e: FederationError,
  ): Promise<void> {
    const first = rows[0];
    if (first === undefined) return;
    const failures = (this.failures.get(party) ?? 0) + 1;
    this.failures.set(party, failures);
    const now = this.fed.node.now();
    await recordFailure(
      this.fed.node.store.db,
      party,
      rows.map((r) => r.id),
      first.attempts + 1,
      `${e.code}: ${e.message}`.slice(0, 500),
      now + backoff(failures),
    );
  }
}
