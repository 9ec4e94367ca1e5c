// CI: NATS must be up with JetStream (`nats-server -js`); the instance tests use it.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const url = process.argv[2] ?? 'nats://127.0.0.1:4222';
try {
  const nc = await connect({ servers: url, timeout: 5000 });
  const jsm = await jetstreamManager(nc);
  const info = await jsm.getAccountInfo();
  console.log(`NATS ${nc.info?.version ?? '?'} at ${url}: JetStream on (${info.streams} streams)`);
  await nc.close();
} catch (e) {
  console.error(`NATS at ${url}: no JetStream: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
