// What must reach every instance of a node: a topic, a message, in order. Embedded
// (one process) it is `LocalBus`; with several instances, NATS JetStream
// (src/bus/nats.ts). Messages are wake-ups and copies of what the database already
// holds: an instance that misses one catches up from the database (docs/deploy.md).

export type BusHandler = (data: Uint8Array) => void;

export interface Bus {
  /** `local` (one process) or `nats`. */
  readonly kind: 'local' | 'nats';
  /** Sends `data` on `topic` to every instance of this node, this one included. */
  publish(topic: string, data: Uint8Array): Promise<void>;
  /** Calls `fn` for each message on `topic` from now on, in order; returns the unsubscriber. */
  subscribe(topic: string, fn: BusHandler): () => void;
  close(): Promise<void>;
}

/** Topic names: lower-case words and dots (they become NATS subject tokens). */
const TOPIC = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

export function checkTopic(topic: string): string {
  if (!TOPIC.test(topic))
    throw new TypeError(`bus topic '${topic}': use lower-case words and dots`);
  return topic;
}

/** Subscribers by topic, shared by both buses. */
export class Topics {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  add(topic: string, fn: BusHandler): () => void {
    let set = this.handlers.get(checkTopic(topic));
    if (set === undefined) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  deliver(topic: string, data: Uint8Array): void {
    for (const fn of this.handlers.get(topic) ?? []) {
      try {
        fn(data);
      } catch {
        // A handler must not throw; one that does loses only its own message.
      }
    }
  }
}

/** One process: a message reaches this process's subscribers, after the current task. */
export class LocalBus implements Bus {
  readonly kind = 'local';
  private readonly topics = new Topics();

  async publish(topic: string, data: Uint8Array): Promise<void> {
    checkTopic(topic);
    setImmediate(() => this.topics.deliver(topic, data));
  }

  subscribe(topic: string, fn: BusHandler): () => void {
    return this.topics.add(topic, fn);
  }

  async close(): Promise<void> {}
}
