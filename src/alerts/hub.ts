// Live fan-out: the officers connected to this node (WebSocket) and, for each event,
// those of them who may read the alert now (RULES A1–A3: clearance, its expiry,
// need-to-know). A push is a disclosure: the users it reaches are logged in the same
// unit of work as the event, and the push itself happens only after that commits.
import { decide, type World } from '../core/index.js';
import { record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';

export interface Subscriber {
  readonly actor: Actor;
  /** Sends one text frame (UTF-8 bytes, encoded once for every socket); must not throw. */
  send(frame: Buffer): void;
}

export type AlertEventKind = 'alert' | 'escalation' | 'ack';

export class AlertHub {
  private readonly subscribers = new Set<Subscriber>();

  /** Adds a connected officer; returns the function that removes it. */
  add(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => {
      this.subscribers.delete(s);
    };
  }

  get size(): number {
    return this.subscribers.size;
  }

  /** The connected officers who may read `item` at `t`, one decision per user. */
  eligible(world: World, item: string, t: number): Subscriber[] {
    const allowed = new Map<string, boolean>();
    const out: Subscriber[] = [];
    for (const s of this.subscribers) {
      let ok = allowed.get(s.actor.user);
      if (ok === undefined) {
        ok = decide(world, { kind: 'read', item, user: s.actor.user }, t).decision === 'allow';
        allowed.set(s.actor.user, ok);
      }
      if (ok) out.push(s);
    }
    return out;
  }

  /**
   * Decides who may see `item` now, logs the disclosure (who, which event) in this
   * unit, and pushes `text` to them once the unit has committed. Returns how many
   * sockets it will reach.
   */
  fanOut(u: Unit, party: string, item: string, kind: AlertEventKind, text: string): number {
    const to = this.eligible(u.world, item, u.now);
    if (to.length === 0) return 0;
    const users = [...new Set(to.map((s) => s.actor.user))].sort();
    record(
      u,
      'alert.pushed',
      { user: null, party },
      { item, event: kind, users },
      { decision: 'allow', reasons: ['allowed'] },
    );
    const frame = Buffer.from(text, 'utf8');
    // After commit, and after the unit's caller has answered (a partner waiting for
    // its receipt is not kept waiting by a thousand socket writes).
    u.afterCommit(() =>
      setImmediate(() => {
        for (const s of to) s.send(frame);
      }),
    );
    return to.length;
  }
}
