// FLASH alerts on a node: sending (an item released to every partner in one unit of
// work), receiving (stored, superseding, fanned out), acknowledgements (signed, back
// to the originator), escalation of what is not acknowledged in time, and the CAP
// export. Every disclosure is decided by the core and logged; nothing here is exempt
// from the release rules.
import { randomUUID } from 'node:crypto';
import {
  type Decision,
  type EpochMs,
  formatInstant,
  type ItemRecord,
  type MarkingRef,
  markingRef,
  parseInstant,
} from '../core/index.js';
import { verifyJws } from '../crypto/jose.js';
import { FederationError } from '../federation/errors.js';
import type { Federation } from '../federation/federation.js';
import {
  ALERT_ACK_TYP,
  type AlertAckPayload,
  isAlertAckPayload,
  type Message,
} from '../federation/messages.js';
import { sendInUnit } from '../federation/operations.js';
import type { ContentPort, OnAccepted } from '../federation/ports.js';
import { NotFound, PolicyDenied, RequestInvalid, Unavailable } from '../node/errors.js';
import { record } from '../node/events.js';
import { addNewItem, decideRead } from '../node/items.js';
import type { Actor } from '../node/roles.js';
import { json, type LiaisonNode, type Unit } from '../node/service.js';
import { listVisible, type Page } from '../node/visibility.js';
import type { AlertTable } from '../store/schema.js';
import { toCap } from './cap.js';
import { AlertHub } from './hub.js';
import {
  type AlertInput,
  AlertInvalid,
  type AlertPayload,
  checkAlertPayload,
  completeAlert,
  describe,
  headline,
} from './model.js';

export interface AlertOptions {
  /** How long partners have to acknowledge before the originator escalates (ms). */
  readonly ackDeadlineMs?: number;
  /** Escalations before the originator stops pushing again. */
  readonly maxEscalations?: number;
  /** How often due escalations are looked for (ms). */
  readonly tickMs?: number;
}

/** An alert as this node holds it: what its officers see. */
export interface AlertView {
  readonly id: string;
  readonly originator: string;
  readonly precedence: string;
  /** In this node's scheme. */
  readonly marking: MarkingRef;
  readonly originatorMarking: MarkingRef;
  readonly categories: readonly string[];
  readonly title: string;
  readonly alert: AlertPayload;
  readonly receivedAt: string;
  readonly supersededBy: string | null;
  readonly escalations: number;
  /** Whether an officer of this node's party has acknowledged it (in lists). */
  readonly acknowledgedHere?: boolean;
}

export interface AckView {
  readonly party: string;
  readonly user: string;
  readonly at: string;
  readonly receivedAt: string;
}

export interface PartyStatus {
  readonly party: string;
  /** The envelope's state at the originator: pending, delivered, refused, withheld. */
  readonly delivery: string | null;
  readonly deliveredAt: string | null;
  readonly firstAckAt: string | null;
  readonly acks: number;
}

export interface AlertDetail extends AlertView {
  readonly acks: readonly AckView[];
  /** At the originator: each party it was released to. */
  readonly parties: readonly PartyStatus[];
  /** The log index of this read. */
  readonly logIndex: number;
}

export interface SendAlert {
  readonly alert: unknown;
  /** A marking code of the sender's scheme; by default its SECRET equivalent. */
  readonly marking?: string | undefined;
  readonly categories?: readonly string[] | undefined;
  readonly releasableTo?: readonly string[] | undefined;
  /** Parties to release to; by default every peer. */
  readonly to?: readonly string[] | undefined;
  /** Overrides the node's acknowledgement deadline for this alert (ms). */
  readonly ackWithinMs?: number | undefined;
}

export interface Release {
  readonly to: string;
  readonly decision: Decision;
  readonly envelope: string | null;
}

export interface SentAlert {
  readonly view: AlertView;
  readonly releases: readonly Release[];
}

export interface AckResult {
  readonly item: string;
  readonly party: string;
  readonly user: string;
  readonly at: string;
  /** The party the signed acknowledgement was queued to, or null at the originator. */
  readonly sentTo: string | null;
  readonly already: boolean;
}

interface OpenAlert {
  due: EpochMs;
  level: number;
  readonly every: number;
  readonly parties: Set<string>;
}

export const DEFAULT_ALERT_CATEGORIES = ['dprk-missile'];

export class AlertService implements ContentPort {
  readonly hub = new AlertHub();
  private readonly ackDeadlineMs: number;
  private readonly maxEscalations: number;
  private readonly tickMs: number;
  /** At the originator: alerts some recipient has not acknowledged yet. */
  private readonly open = new Map<string, OpenAlert>();
  private timer: NodeJS.Timeout | null = null;
  private escalating = false;

  constructor(
    readonly fed: Federation,
    options: AlertOptions = {},
  ) {
    this.ackDeadlineMs = options.ackDeadlineMs ?? 60_000;
    this.maxEscalations = options.maxEscalations ?? 3;
    this.tickMs = options.tickMs ?? 200;
  }

  get node(): LiaisonNode {
    return this.fed.node;
  }

  get party(): string {
    return this.fed.party;
  }

  // ---------------------------------------------------------------- escalation clock

  /** Loads the alerts still waiting for acknowledgements and starts the clock. */
  async start(): Promise<void> {
    const rows = await this.node.store.db
      .selectFrom('alerts')
      .selectAll()
      .where('originator', '=', this.party)
      .where('escalations', '<', this.maxEscalations)
      .execute();
    for (const r of rows) {
      const acked = new Set(
        (
          await this.node.store.db
            .selectFrom('alert_acks')
            .select('party')
            .where('item_id', '=', r.item_id)
            .execute()
        ).map((a) => a.party),
      );
      const parties = new Set((JSON.parse(r.recipients) as string[]).filter((p) => !acked.has(p)));
      // An alert whose whole escalation window passed while the node was down is not
      // escalated after the fact (its partners' officers have long moved on).
      const windowEnd = r.sent_at + r.ack_deadline_ms * (this.maxEscalations + 1);
      if (parties.size === 0 || r.superseded_by !== null || windowEnd < this.node.now()) continue;
      this.open.set(r.item_id, {
        due: r.sent_at + r.ack_deadline_ms * (r.escalations + 1),
        level: r.escalations,
        every: r.ack_deadline_ms,
        parties,
      });
    }
    this.timer = setInterval(() => void this.escalateDue(), this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Every alert whose deadline passed with a recipient still silent escalates: an
   * escalation event goes into the log, and each silent party whose node has the
   * alert is told to push it to its officers again.
   */
  private async escalateDue(): Promise<void> {
    if (this.escalating) return;
    const now = this.node.now();
    const due = [...this.open.entries()].filter(([, o]) => o.due <= now);
    if (due.length === 0) return;
    this.escalating = true;
    try {
      await this.node.transact(async (u) => {
        for (const [id, o] of due) {
          const level = o.level + 1;
          const states = await u.tx
            .selectFrom('outbox')
            .select(['peer', 'state'])
            .where('item_id', '=', id)
            .where('type', '=', 'item')
            .execute();
          const stateOf = new Map(states.map((s) => [s.peer, s.state]));
          const parties = [...o.parties]
            .sort()
            .map((p) => ({ party: p, delivery: stateOf.get(p) ?? null }));
          for (const p of parties) {
            if (p.delivery === 'delivered') {
              await this.fed.enqueue(
                u,
                p.party,
                'alert.escalation',
                { alert: id, level, at: formatInstant(u.now) },
                id,
              );
            } else if (p.delivery !== 'pending') {
              // Refused or withheld: that party will never have it to acknowledge.
              o.parties.delete(p.party);
            }
          }
          record(
            u,
            'alert.escalated',
            { user: null, party: this.party },
            { item: id, level, parties },
          );
          await u.tx
            .updateTable('alerts')
            .set({ escalations: level })
            .where('item_id', '=', id)
            .execute();
          o.level = level;
          o.due = u.now + o.every;
          if (level >= this.maxEscalations || o.parties.size === 0) this.open.delete(id);
        }
      });
    } catch (e) {
      process.stderr.write(
        `liaison: alert escalation failed: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    } finally {
      this.escalating = false;
    }
  }

  // ---------------------------------------------------------------- views

  private viewOf(item: ItemRecord, row: AlertTable): AlertView {
    const held = item.holdings.get(this.party)?.marking ?? item.marking;
    return {
      id: item.id,
      originator: item.originator.id,
      precedence: item.precedence,
      marking: markingRef(held),
      originatorMarking: markingRef(item.marking),
      categories: item.categories,
      title: item.title ?? '',
      alert: JSON.parse(row.payload) as AlertPayload,
      receivedAt: formatInstant(row.received_at),
      supersededBy: row.superseded_by,
      escalations: row.escalations,
    };
  }

  private event(kind: 'alert' | 'escalation', v: AlertView): string {
    return JSON.stringify({ type: kind, alert: v });
  }

  // ---------------------------------------------------------------- sending

  /** The sender's default marking: the level its scheme calls SECRET. */
  private defaultMarking(u: Unit): string {
    const scheme = u.world.parties.get(this.party)?.scheme;
    const m = scheme?.markings.find((x) => x.en === 'SECRET') ?? scheme?.markings.at(-1);
    if (m === undefined) throw new Unavailable('internal', `no scheme for ${this.party}`);
    return m.code;
  }

  /**
   * Creates a FLASH alert and releases it to each recipient in one unit: each release
   * is decided (RULES R1–R5) and logged; what is allowed is queued in the FLASH lane
   * and pushed at once; the originator's own officers get it on their sockets.
   */
  async send(actor: Actor, input: SendAlert): Promise<SentAlert> {
    const ackWithinMs = input.ackWithinMs ?? this.ackDeadlineMs;
    let payload: AlertPayload;
    try {
      payload = completeAlert(input.alert, { now: this.node.now(), ackWithinMs });
    } catch (e) {
      if (e instanceof AlertInvalid) throw new RequestInvalid('invalid-request', e.message);
      throw e;
    }
    const recipients = input.to ?? [...this.fed.peers.keys()].sort();
    for (const p of recipients) {
      if (p === this.party)
        throw new RequestInvalid('invalid-request', `to: ${p} is this node's own party`);
      if (!this.fed.peers.has(p))
        throw new FederationError(
          'no-peer',
          `to: no peer for ${p}: add it with 'liaison peer add'`,
        );
    }
    const result = await this.node.transact(async (u) => {
      // Everything that can refuse is checked before anything is written.
      const refs = await this.checkReferences(u, payload.references);
      const id = `${this.party.toLowerCase()}-alert-${randomUUID()}`;
      const marking = input.marking ?? this.defaultMarking(u);
      const categories = input.categories ?? DEFAULT_ALERT_CATEGORIES;
      // Sending is acting (RULES P1): the sender must be allowed to read the alert.
      const body = describe(payload);
      const item = await addNewItem(
        u,
        actor,
        this.party,
        {
          id,
          marking,
          categories,
          releasableTo: input.releasableTo,
          title: headline(payload),
          body,
          precedence: 'FLASH',
        },
        { msgType: payload.msgType, status: payload.status, references: payload.references },
      );
      const releases: Release[] = [];
      const itemPayload = {
        id,
        originator: this.party,
        marking,
        categories,
        releasableTo: input.releasableTo ?? null,
        title: item.title ?? '',
        body,
        precedence: 'FLASH' as const,
        alert: payload,
      };
      for (const to of recipients) {
        const r = await sendInUnit(u, this.fed, actor, itemPayload, to);
        releases.push({ to, decision: r.decision, envelope: r.envelope });
      }
      const allowed = releases.filter((r) => r.envelope !== null).map((r) => r.to);
      const row: AlertTable = {
        item_id: id,
        originator: this.party,
        msg_type: payload.msgType,
        payload: json(payload),
        sent_at: u.now,
        received_at: u.now,
        superseded_by: null,
        ack_deadline_ms: ackWithinMs,
        recipients: json(allowed),
        escalations: 0,
      };
      await u.tx.insertInto('alerts').values(row).execute();
      await this.supersede(u, id, refs);
      const v = this.viewOf(item, row);
      this.hub.fanOut(u, this.party, id, 'alert', this.event('alert', v));
      if (allowed.length > 0 && payload.msgType !== 'Cancel') {
        u.afterCommit(() =>
          this.open.set(id, {
            due: u.now + ackWithinMs,
            level: 0,
            every: ackWithinMs,
            parties: new Set(allowed),
          }),
        );
      }
      return { view: v, releases };
    });
    return result;
  }

  /** The alerts an update supersedes: each must be this party's, held here, and current. */
  private async checkReferences(u: Unit, refs: readonly string[]): Promise<string[]> {
    if (refs.length === 0) return [];
    const rows = await u.tx
      .selectFrom('alerts')
      .select(['item_id', 'originator', 'superseded_by'])
      .where('item_id', 'in', refs)
      .execute();
    for (const ref of refs) {
      const r = rows.find((x) => x.item_id === ref);
      if (r === undefined)
        throw new RequestInvalid('invalid-request', `alert.references: no alert '${ref}' here`);
      if (r.originator !== this.party)
        throw new PolicyDenied(
          'not-originator',
          `alert.references: '${ref}' was sent by ${r.originator}; only the originator updates its alerts`,
        );
      if (r.superseded_by !== null)
        throw new RequestInvalid(
          'invalid-request',
          `alert.references: '${ref}' is already superseded by '${r.superseded_by}'; reference the latest`,
        );
    }
    return [...refs];
  }

  /** Marks the referenced alerts of the same originator as superseded by `by`. */
  private async supersede(u: Unit, by: string, refs: readonly string[]): Promise<void> {
    if (refs.length === 0) return;
    const originator = u.world.items.get(by)?.originator.id ?? this.party;
    await u.tx
      .updateTable('alerts')
      .set({ superseded_by: by })
      .where('item_id', 'in', [...refs])
      .where('originator', '=', originator)
      .where('superseded_by', 'is', null)
      .execute();
    for (const r of refs) this.open.delete(r);
  }

  // ---------------------------------------------------------------- receiving (the federation's content port)

  /** Checks an arriving alert in full (AlertInvalid names what is wrong). */
  check(content: unknown): OnAccepted {
    const alert = checkAlertPayload(content);
    return (u, item) => this.received(u, item, alert);
  }

  /** The alert payload sent with an item, if it is an alert. */
  async contentOf(itemId: string): Promise<unknown> {
    const row = await this.node.store.db
      .selectFrom('alerts')
      .select('payload')
      .where('item_id', '=', itemId)
      .executeTakeFirst();
    return row === undefined ? undefined : JSON.parse(row.payload);
  }

  private async received(u: Unit, item: ItemRecord, alert: AlertPayload): Promise<void> {
    const row: AlertTable = {
      item_id: item.id,
      originator: item.originator.id,
      msg_type: alert.msgType,
      payload: json(alert),
      sent_at: parseInstant(alert.sent).ms,
      received_at: u.now,
      superseded_by: null,
      ack_deadline_ms: alert.ackWithinMs,
      recipients: '[]',
      escalations: 0,
    };
    await u.tx.insertInto('alerts').values(row).execute();
    await this.supersede(u, item.id, alert.references);
    this.hub.fanOut(u, this.party, item.id, 'alert', this.event('alert', this.viewOf(item, row)));
  }

  async message(
    u: Unit,
    m: Message<'alert.ack'> | Message<'alert.escalation'>,
  ): Promise<{ logIndex: number; message: string; itemId: string }> {
    if (m.type === 'alert.ack')
      return this.receiveAck(u, (m as Message<'alert.ack'>).body.ack, m.from);
    const b = (m as Message<'alert.escalation'>).body;
    const item = u.world.items.get(b.alert);
    const row = await u.tx
      .selectFrom('alerts')
      .selectAll()
      .where('item_id', '=', b.alert)
      .executeTakeFirst();
    if (item === undefined || row === undefined)
      throw new NotFound('unknown-item', `no alert '${b.alert}' here`);
    if (item.originator.id !== m.from)
      throw new PolicyDenied('not-originator', `${m.from} did not send '${b.alert}'`);
    await u.tx
      .updateTable('alerts')
      .set({ escalations: b.level })
      .where('item_id', '=', b.alert)
      .execute();
    const logIndex = record(
      u,
      'alert.escalated',
      { user: null, party: m.from },
      { item: b.alert, level: b.level, envelope: m.id },
    );
    const v = this.viewOf(item, { ...row, escalations: b.level });
    const n = this.hub.fanOut(u, this.party, item.id, 'escalation', this.event('escalation', v));
    return {
      logIndex,
      message: `escalation ${b.level} of ${b.alert} pushed to ${n} officers`,
      itemId: b.alert,
    };
  }

  private async receiveAck(
    u: Unit,
    jws: string,
    from: string,
  ): Promise<{ logIndex: number; message: string; itemId: string }> {
    const key = this.fed.signingKeyOf(from);
    let ack: AlertAckPayload;
    try {
      if (key === undefined) throw new Error('no key');
      const v = verifyJws(jws, key);
      if (v.header.typ !== ALERT_ACK_TYP) throw new Error('typ');
      const p: unknown = JSON.parse(v.payload.toString('utf8'));
      if (!isAlertAckPayload(p)) throw new Error('shape');
      ack = p;
    } catch {
      throw new FederationError('bad-signature', 'the acknowledgement is not signed by its sender');
    }
    if (ack.party !== from)
      throw new FederationError(
        'malformed-message',
        `the acknowledgement names ${ack.party}, not its sender`,
      );
    const row = await u.tx
      .selectFrom('alerts')
      .select(['item_id', 'originator'])
      .where('item_id', '=', ack.alert)
      .executeTakeFirst();
    if (row === undefined || row.originator !== this.party)
      throw new NotFound('unknown-item', `no alert '${ack.alert}' sent by ${this.party}`);
    const at = parseInstant(ack.at).ms;
    await u.tx
      .insertInto('alert_acks')
      .values({
        item_id: ack.alert,
        party: from,
        user_id: ack.user,
        acked_at: at,
        received_at: u.now,
        signature: jws,
      })
      .onConflict((oc) => oc.columns(['item_id', 'party', 'user_id']).doNothing())
      .execute();
    const logIndex = record(
      u,
      'alert.acknowledged',
      { user: ack.user, party: from },
      { item: ack.alert, at: ack.at },
    );
    this.hub.fanOut(
      u,
      this.party,
      ack.alert,
      'ack',
      JSON.stringify({
        type: 'ack',
        item: ack.alert,
        party: from,
        user: ack.user,
        at: ack.at,
        receivedAt: formatInstant(u.now),
      }),
    );
    const o = this.open.get(ack.alert);
    if (o !== undefined) {
      o.parties.delete(from);
      if (o.parties.size === 0) this.open.delete(ack.alert);
    }
    return {
      logIndex,
      message: `acknowledgement of ${ack.alert} by ${from}:${ack.user} recorded`,
      itemId: ack.alert,
    };
  }

  // ---------------------------------------------------------------- officers

  /** The read decision for an alert (RULES A1–A3, decideRead), or a refusal when it is no alert. */
  private async readable(
    u: Unit,
    actor: Actor,
    id: string,
    o: { readonly view?: string; readonly logAllowed?: boolean } = {},
  ): Promise<{ item: ItemRecord; row: AlertTable; logIndex: number }> {
    const row = await u.tx
      .selectFrom('alerts')
      .selectAll()
      .where('item_id', '=', id)
      .executeTakeFirst();
    // An item that is not an alert: refused before anything of it is disclosed.
    if (row === undefined && u.world.items.has(id))
      throw new NotFound('unknown-item', `no alert '${id}' here`);
    const { item, logIndex } = decideRead(u, actor, this.party, id, o);
    if (row === undefined) throw new NotFound('unknown-item', `no alert '${id}' here`);
    return { item, row, logIndex };
  }

  /** An officer acknowledges an alert: recorded, logged, and sent back signed to its originator. */
  acknowledge(actor: Actor, id: string): Promise<AckResult> {
    return this.node.transact(async (u) => {
      const { item } = await this.readable(u, actor, id, {
        view: 'acknowledge',
        logAllowed: false,
      });
      const before = await u.tx
        .selectFrom('alert_acks')
        .select('acked_at')
        .where('item_id', '=', id)
        .where('party', '=', this.party)
        .where('user_id', '=', actor.user)
        .executeTakeFirst();
      const originator = item.originator.id;
      const sentTo = originator === this.party ? null : originator;
      if (before !== undefined) {
        return {
          item: id,
          party: this.party,
          user: actor.user,
          at: formatInstant(before.acked_at),
          sentTo,
          already: true,
        };
      }
      if (sentTo !== null && !this.fed.peers.has(sentTo))
        throw new FederationError('no-peer', `no peer for ${sentTo}, the alert's originator`);
      const at = formatInstant(u.now);
      const payload: AlertAckPayload = { alert: id, party: this.party, user: actor.user, at };
      const signature = this.fed.signAsNode(payload, ALERT_ACK_TYP);
      await u.tx
        .insertInto('alert_acks')
        .values({
          item_id: id,
          party: this.party,
          user_id: actor.user,
          acked_at: u.now,
          received_at: u.now,
          signature,
        })
        .execute();
      record(
        u,
        'alert.acknowledged',
        { user: actor.user, party: this.party },
        { item: id, at, to: sentTo },
        { decision: 'allow', reasons: ['allowed'] },
      );
      if (sentTo !== null) await this.fed.enqueue(u, sentTo, 'alert.ack', { ack: signature }, id);
      // This party's other officers see it at once (at the originator: everyone's acks).
      this.hub.fanOut(
        u,
        this.party,
        id,
        'ack',
        JSON.stringify({
          type: 'ack',
          item: id,
          party: this.party,
          user: actor.user,
          at,
          receivedAt: at,
        }),
      );
      return { item: id, party: this.party, user: actor.user, at, sentTo, already: false };
    });
  }

  /** The alerts this node holds that the officer may read (RULES V1), newest first; logged. */
  async list(actor: Actor, p: Page): Promise<AlertView[]> {
    const rows = await listVisible(
      this.node,
      actor,
      'alerts',
      p,
      (u, offset, n) =>
        u.tx
          .selectFrom('alerts')
          .selectAll()
          .orderBy('received_at', 'desc')
          .orderBy('item_id')
          .limit(n)
          .offset(offset)
          .execute(),
      (r) => r.item_id,
    );
    const out: AlertView[] = [];
    for (const r of rows) {
      const item = this.node.world.items.get(r.item_id);
      if (item !== undefined) out.push(this.viewOf(item, r));
    }
    if (out.length === 0) return out;
    const acked = new Set(
      (
        await this.node.store.db
          .selectFrom('alert_acks')
          .select('item_id')
          .where('party', '=', this.party)
          .where(
            'item_id',
            'in',
            out.map((v) => v.id),
          )
          .execute()
      ).map((r) => r.item_id),
    );
    return out.map((v) => ({ ...v, acknowledgedHere: acked.has(v.id) }));
  }

  /** One alert with its acknowledgements (and, at the originator, each party's status). */
  show(actor: Actor, id: string): Promise<AlertDetail> {
    return this.node.transact(async (u) => {
      const { item, row, logIndex } = await this.readable(u, actor, id, { view: 'alert' });
      const acks = await u.tx
        .selectFrom('alert_acks')
        .selectAll()
        .where('item_id', '=', id)
        .orderBy('acked_at')
        .execute();
      const ackViews: AckView[] = acks.map((a) => ({
        party: a.party,
        user: a.user_id,
        at: formatInstant(a.acked_at),
        receivedAt: formatInstant(a.received_at),
      }));
      let parties: PartyStatus[] = [];
      if (item.originator.id === this.party) {
        const out = await u.tx
          .selectFrom('outbox')
          .select(['peer', 'state', 'settled_at'])
          .where('item_id', '=', id)
          .where('type', '=', 'item')
          .execute();
        parties = out
          .map((o) => {
            const mine = acks.filter((a) => a.party === o.peer);
            return {
              party: o.peer,
              delivery: o.state,
              deliveredAt:
                o.state === 'delivered' && o.settled_at !== null
                  ? formatInstant(o.settled_at)
                  : null,
              firstAckAt: mine[0] === undefined ? null : formatInstant(mine[0].acked_at),
              acks: mine.length,
            };
          })
          .sort((a, b) => (a.party < b.party ? -1 : 1));
      }
      return { ...this.viewOf(item, row), acks: ackViews, parties, logIndex };
    });
  }

  /** CAP 1.2 XML of an alert, as this node may show it to this officer (a logged read). */
  cap(actor: Actor, id: string): Promise<string> {
    return this.node.transact(async (u) => {
      const { item, row } = await this.readable(u, actor, id, { view: 'cap' });
      const v = this.viewOf(item, row);
      const refs = v.alert.references;
      const referenced =
        refs.length === 0
          ? []
          : await u.tx
              .selectFrom('alerts')
              .select(['item_id', 'payload'])
              .where('item_id', 'in', [...refs])
              .execute();
      const peer = this.fed.peers.get(item.originator.id);
      return toCap({
        id: v.id,
        originator: v.originator,
        sender:
          item.originator.id === this.party ? this.node.origin : (peer?.origin ?? v.originator),
        precedence: v.precedence,
        marking: v.marking,
        originatorMarking: v.originatorMarking,
        releasableTo: item.releasableTo === null ? null : [...item.releasableTo],
        alert: v.alert,
        referenceSent: new Map(
          referenced.map((r) => [r.item_id, (JSON.parse(r.payload) as AlertPayload).sent]),
        ),
      });
    });
  }
}

export type { AlertInput };
