// A TCP load balancer for the instance tests, as production puts one in front of a
// node's instances (docs/deploy.md): each connection goes to the next backend in
// turn; one that refuses the connection is skipped. No stickiness, no health checks.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Balancer {
  readonly url: string;
  /** Replaces the backends (host:port of each instance); none: every connection is dropped. */
  setBackends(backends: readonly string[]): void;
  /** Drops every connection open now (a balancer restarting, a network cut). */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startBalancer(backends: readonly string[] = []): Promise<Balancer> {
  let list = [...backends];
  let next = 0;
  const open = new Set<Socket>();
  const pipeTo = (client: Socket, tries: number) => {
    if (tries >= list.length || list.length === 0) {
      client.destroy();
      return;
    }
    const target = list[next++ % list.length] as string;
    const [host, port] = target.split(':');
    const upstream = connect({ host, port: Number(port) });
    open.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      open.delete(upstream);
      // Refused before it connected: try the next backend.
      if (!connected) pipeTo(client, tries + 1);
      else client.destroy();
    });
    upstream.once('close', () => {
      open.delete(upstream);
      if (connected) client.destroy();
    });
    client.once('close', () => upstream.destroy());
    client.once('error', () => upstream.destroy());
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    pipeTo(client, 0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    setBackends(b) {
      list = [...b];
    },
    dropAll() {
      for (const s of open) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of open) s.destroy();
        server.close(() => r());
      }),
  };
}
