// Live fan-out across the node's instances. An event (an alert, an escalation, an
// acknowledgement) is stored with a node-wide id in the unit that causes it
// (`record`); after the commit it is announced on the bus (`alerts.events`, the id
// only), and EVERY instance, the committing one included, pushes the events it has
// not pushed yet, in id order, to its own sockets: in a unit of its own (which first
// catches up with the other instances), it decides per connected user whether they
// may read the alert now (RULES A1–A3: clearance, its expiry, need-to-know), logs one
// `alert.pushed` entry per event naming them, and sends once that has committed. A
// push is a disclosure: logged before it happens.
//
// Each socket has a position, the last event it was given: a stream that resumes
// (`?after=<id>`) starts there, catches up from the table, and joins the others; one
// pump per instance serves every socket, so nothing is sent twice or skipped, and
// live events wait while a socket catches up. A lost bus message is covered by
// polling the table every second. An officer never sees an event's number, only an
// opaque token for it (stream-token.ts): numbers would tell them, by their gaps, that
// events they may not read exist.
import { decide } from '../core/index.js';
import { record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { LiaisonNode, Unit } from '../node/service.js';
import {
  type AlertEventRow,
  alertEventRange,
  alertEventsAfter,
  insertAlertEvent,
  lastAlertEventBefore,
  pruneAlertEvents,
} from '../store/alert-events.js';
import { type StreamPosition, StreamTokens } from './stream-token.js';

export interface Subscriber {
  readonly actor: Actor;
  /** Sends one text frame (UTF-8 bytes, encoded once for every socket); must not throw. */
  send(frame: Buffer): void;
}

export type AlertEventKind = 'alert' | 'escalation' | 'ack';

/** The bus topic an instance announces a committed event on: `{"seq":<id>}`. */
export const EVENTS_TOPIC = 'alerts.events';
/** A stream resumes at most this far back; events are kept at least this long. */
export const KEEP_MS = 3_600_000;
/** Events read per socket position per unit. */
const PAGE = 500;
const PRUNE_EVERY = 1000;
const POLL_MS = 1000;

/** Where a stream starts: after event `at`; `missed` when its client asked for earlier ones. */
export interface Start {
  readonly at: number;
  readonly missed: boolean;
}

/**
 * Where a stream that asks to resume after `after` starts (null: from now; undefined:
 * a token this node did not make), given the numbers the table holds (`first`..`last`,
 * 0 when empty) and `floor()`, the last event before `cutoff` (the oldest time a
 * stream resumes from). A position reached before the cutoff starts at the floor; one
 * the table does not have (a token from another node, or a restored database) starts
 * from now, or from the oldest event held; each says `missed`. Nothing here depends
 * on how many events there were, which the officer may not know.
 */
export async function startOf(
  after: StreamPosition | null | undefined,
  held: { readonly first: number; readonly last: number },
  cutoff: number,
  floor: () => Promise<number>,
): Promise<Start> {
  if (after === null) return { at: held.last, missed: false };
  if (after === undefined || after.seq > held.last) return { at: held.last, missed: true };
  if (after.at < cutoff) return { at: Math.max(await floor(), after.seq), missed: true };
  const oldest = Math.max(held.first - 1, 0);
  return after.seq < oldest ? { at: oldest, missed: true } : { at: after.seq, missed: false };
}

/** The frame with its token first: `{"id":"<token>","type":"alert",…}` (texts are JSON objects). */
export function frameOf(
  e: Pick<AlertEventRow, 'seq' | 'text' | 'at'>,
  tokens: StreamTokens,
): Buffer {
  return Buffer.from(`{"id":"${tokens.eventId(e)}",${e.text.slice(1)}`, 'utf8');
}

function listIn<K, V>(m: Map<K, V[]>, k: K): V[] {
  let list = m.get(k);
  if (list === undefined) {
    list = [];
    m.set(k, list);
  }
  return list;
}

interface Stream {
  readonly s: Subscriber;
  /** Asked to resume after this token (null: from now). */
  readonly after: string | null;
  /** The last event id this socket was given, or starts after; null until it starts. */
  at: number | null;
  /** Catching up after a resume: its pushes are logged `resumed`. */
  resuming: boolean;
}

/** What one unit decided: each socket's frames and new position, and the newest id. */
interface Plan {
  readonly starts: Map<Stream, Start>;
  readonly frames: Map<Stream, Buffer[]>;
  readonly at: Map<Stream, number>;
  readonly last: number;
  readonly more: boolean;
}

export class AlertHub {
  private readonly streams = new Set<Stream>();
  /** The newest event id this instance has heard of (its own commits, the bus, the poll). */
  private known = 0;
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly tokens: StreamTokens;

  constructor(private readonly node: LiaisonNode) {
    this.tokens = StreamTokens.of(node.options.firstSigningKey ?? node.options.signingKey);
  }

  /** Listens to the other instances' announcements and polls for lost ones. */
  start(): void {
    const bus = this.node.bus;
    if (bus !== null && this.node.shared)
      this.unsubscribe = bus.subscribe(EVENTS_TOPIC, (data) => {
        const m = /^\{"seq":(\d+)\}$/.exec(Buffer.from(data).toString('utf8'));
        if (m !== null) this.heard(Number(m[1]));
      });
    this.timer = setInterval(() => void this.poll(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /**
   * Adds a connected officer, to be sent `ready` and then every event after the token
   * `after` (null: from now) that they may read; returns the function that removes it.
   */
  add(s: Subscriber, after: string | null = null): () => void {
    const st: Stream = { s, after, at: null, resuming: after !== null };
    this.streams.add(st);
    this.wake();
    return () => {
      this.streams.delete(st);
    };
  }

  get size(): number {
    return this.streams.size;
  }

  /**
   * Stores an event about `item` with the next id, in this unit (under the node's
   * write lock), to be pushed by every instance once the unit has committed. Returns
   * its id.
   */
  async record(u: Unit, item: string, kind: AlertEventKind, text: string): Promise<number> {
    if (!text.startsWith('{')) throw new TypeError('an alert event is a JSON object');
    const seq = await insertAlertEvent(u.tx, { item, kind, text, at: u.now });
    if (seq % PRUNE_EVERY === 0) await pruneAlertEvents(u.tx, u.now - KEEP_MS, seq);
    u.afterCommit(() => {
      this.heard(seq);
      const bus = this.node.bus;
      if (bus !== null && this.node.shared)
        void bus.publish(EVENTS_TOPIC, Buffer.from(`{"seq":${seq}}`, 'utf8')).catch(() => {});
    });
    return seq;
  }

  private heard(seq: number): void {
    if (seq > this.known) this.known = seq;
    this.wake();
  }

  /** Whether a socket has yet to start, or is behind the newest event heard of. */
  private behind(): boolean {
    for (const st of this.streams) if (st.at === null || st.at < this.known) return true;
    return false;
  }

  private wake(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (!this.behind()) return;
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
    });
  }

  /** Units, one after another, until every socket is at the newest event. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        this.again = false;
        const { more, last } = await this.pumpOnce();
        if (more || this.again) continue;
        // Nothing was heard meanwhile: the table's newest (read under the lock) is the
        // newest there is, whatever a stray announcement claimed.
        this.known = last;
        if (!this.behind()) return;
      }
    } catch {
      // The store failed or the node is closing: the next event or poll tries again.
    }
  }

  private async poll(): Promise<void> {
    if (this.streams.size === 0) return;
    if (this.node.shared) {
      try {
        const { last } = await alertEventRange(this.node.store.db);
        if (last > this.known) this.known = last;
      } catch {
        return;
      }
    }
    this.wake();
  }

  /** One unit: decides and logs what each socket gets next, then sends it. */
  private async pumpOnce(): Promise<{ more: boolean; last: number }> {
    const streams = [...this.streams];
    if (streams.length === 0) return { more: false, last: this.known };
    const plan = await this.node.transact((u) => this.decide(u, streams));
    for (const st of streams) {
      const at = plan.at.get(st);
      if (!this.streams.has(st) || at === undefined) continue;
      const start = plan.starts.get(st);
      if (start !== undefined) {
        const { party } = this.node;
        // Where it starts, as a fresh token: two `ready`s cannot be compared.
        const after = this.tokens.seal({ seq: start.at, at: this.node.now() });
        const ready = { type: 'ready', party, user: st.s.actor.user, after };
        st.s.send(Buffer.from(JSON.stringify({ ...ready, missed: start.missed }), 'utf8'));
      }
      for (const f of plan.frames.get(st) ?? []) st.s.send(f);
      st.at = at;
      if (at >= plan.last) st.resuming = false;
    }
    return { more: plan.more, last: plan.last };
  }

  /** In the unit: memory is not changed here (a failed batch runs its units again). */
  private async decide(u: Unit, streams: readonly Stream[]): Promise<Plan> {
    const held = await alertEventRange(u.tx);
    const cutoff = u.now - KEEP_MS;
    let floor: number | null = null;
    const floorOf = async () => {
      floor ??= (await lastAlertEventBefore(u.tx, cutoff)) ?? Math.max(held.first - 1, 0);
      return floor;
    };
    const starts = new Map<Stream, Start>();
    const at = new Map<Stream, number>();
    const groups = new Map<number, Stream[]>();
    for (const st of streams) {
      let pos = st.at;
      if (pos === null) {
        const after = st.after === null ? null : (this.tokens.open(st.after) ?? undefined);
        const start = await startOf(after, held, cutoff, floorOf);
        starts.set(st, start);
        pos = start.at;
      }
      at.set(st, pos);
      if (pos < held.last) listIn(groups, pos).push(st);
    }
    const allowed = new Map<string, boolean>();
    const may = (user: string, item: string): boolean => {
      const key = `${user}\u0000${item}`;
      let ok = allowed.get(key);
      if (ok === undefined) {
        ok = decide(u.world, { kind: 'read', item, user }, u.now).decision === 'allow';
        allowed.set(key, ok);
      }
      return ok;
    };
    const frames = new Map<Stream, Buffer[]>();
    /** Per event and whether it is a resumed stream's catching up: the users it reaches. */
    const pushed = new Map<string, { e: AlertEventRow; resumed: boolean; users: Set<string> }>();
    let more = false;
    for (const [from, group] of groups) {
      const events = await alertEventsAfter(u.tx, from, PAGE);
      if (events.length === PAGE) more = true;
      for (const e of events) {
        let frame: Buffer | null = null;
        for (const st of group) {
          if (!may(st.s.actor.user, e.item)) continue;
          frame ??= frameOf(e, this.tokens);
          listIn(frames, st).push(frame);
          const resumed = st.resuming;
          const key = `${e.seq}:${resumed}`;
          const p = pushed.get(key) ?? { e, resumed, users: new Set<string>() };
          p.users.add(st.s.actor.user);
          pushed.set(key, p);
        }
      }
      const last = events.at(-1)?.seq ?? from;
      for (const st of group) at.set(st, last);
    }
    for (const { e, resumed, users } of [...pushed.values()].sort((a, b) => a.e.seq - b.e.seq))
      record(
        u,
        'alert.pushed',
        { user: null, party: this.node.party },
        {
          item: e.item,
          event: e.kind,
          id: e.seq,
          users: [...users].sort(),
          ...(resumed ? { resumed: true } : {}),
        },
        { decision: 'allow', reasons: ['allowed'] },
      );
    return { starts, frames, at, last: held.last, more };
  }
}
