// The bus over NATS JetStream: one stream per node (its subjects
// `liaison.<node>.<topic>`), which every instance reads with an ordered consumer
// from the moment it opens. JetStream rather than core NATS: a consumer that loses
// its connection resumes from the last message it saw, so a NATS reconnect loses
// nothing; the stream keeps an hour of messages in memory. Given several servers (a
// NATS cluster: `nats://a:4222,nats://b:4222,nats://c:4222`), the client moves to
// another when its server dies, and the stream is replicated on up to three of them
// (docs/deploy.md), so it outlives the loss of one.
import { createHash } from 'node:crypto';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { LiaisonError } from '../core/errors.js';
import { messageOf } from '../core/guards.js';
import { type Bus, type BusHandler, checkTopic, Topics } from './bus.js';

/** The bus is where the store is for the node: without it, it cannot run (family `store`). */
export class BusError extends LiaisonError<'bus-unavailable'> {
  override readonly name = 'BusError';
  readonly family = 'store';
  constructor(message: string) {
    super('bus-unavailable', message);
  }
}

const HOUR_NS = 3_600_000_000_000;

/** The node's token in subjects and the stream's name: its origin, hashed (origins hold '/' and '.'). */
export function nodeToken(origin: string): string {
  return createHash('sha256').update(origin).digest('hex').slice(0, 16);
}

export function isNatsUrl(s: string): boolean {
  return /^(nats|tls):\/\//.test(s);
}

/** The servers of a `--nats` value: one nats:// URL, or several separated by commas. */
export function natsServers(url: string): string[] {
  const servers = url.split(',').map((s) => s.trim());
  for (const s of servers)
    if (!isNatsUrl(s))
      throw new BusError(
        `--nats '${url}': give a nats:// URL, e.g. nats://127.0.0.1:4222, or several separated by commas${s === '' ? ' (one is empty)' : `; '${s}' is not one`}`,
      );
  return servers;
}

/**
 * Connects to NATS at `url` (one server, or a cluster's, comma-separated) and opens
 * (or creates) the node's stream.
 */
export async function openNatsBus(url: string, origin: string, instance: string): Promise<Bus> {
  const servers = natsServers(url);
  const token = nodeToken(origin);
  const stream = `LIAISON_${token}`;
  const prefix = `liaison.${token}`;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: `liaison ${origin} ${instance}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: 5_000,
    });
  } catch (e) {
    throw new BusError(`cannot reach NATS at ${url}: ${messageOf(e)}`);
  }
  try {
    const jsm = await jetstreamManager(nc);
    const config = {
      name: stream,
      subjects: [`${prefix}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.Memory,
      max_age: HOUR_NS,
      max_msgs: 1_000_000,
      // One copy per server given, at most three (a cluster's usual quorum).
      num_replicas: Math.min(3, servers.length),
    };
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add(config);
    }
    const js = jetstream(nc);
    const topics = new Topics();
    // The stream holds only this node's subjects: no filter (NATS 2.9 has no
    // `filter_subjects`, which ordered consumers would otherwise send).
    const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.New });
    // Pulls that expire every 5 s (heartbeats every 2.5 s): a consumer lost with its
    // server (a cluster's node killed) is noticed and made again within seconds, where
    // the default (30 s) would leave the instance deaf to the bus for a minute.
    const messages = await consumer.consume({ expires: 5_000 });
    void (async () => {
      for await (const m of messages) {
        topics.deliver(m.subject.slice(prefix.length + 1), m.data);
      }
    })().catch(() => {});
    return {
      kind: 'nats',
      async publish(topic: string, data: Uint8Array): Promise<void> {
        await js.publish(`${prefix}.${checkTopic(topic)}`, data);
      },
      subscribe(topic: string, fn: BusHandler): () => void {
        return topics.add(topic, fn);
      },
      async close(): Promise<void> {
        messages.stop();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (e) {
    await nc.close().catch(() => {});
    if (e instanceof BusError) throw e;
    throw new BusError(
      `NATS at ${url} has no JetStream (start nats-server with -js): ${messageOf(e)}`,
    );
  }
}
