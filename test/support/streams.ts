// Officers' alert streams for the instance tests: a WebSocket per officer keeping
// every frame, and a free loopback port for an instance.
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { waitFor } from './federation.js';

type Json = Record<string, unknown>;
/** A frame; `id` and `ready`'s `after` are opaque (src/alerts/stream-token.ts). */
export type Frame = Json & { type: string; id?: string; after?: string };

export const freePort = (): Promise<number> =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });

/** An officer's stream: every frame, and how (and when) it closed. */
export interface Watcher {
  readonly frames: Frame[];
  readonly ws: WebSocket;
  closed: { code: number; at: number } | null;
  events(): Frame[];
  /** The ids of the alerts pushed (type `alert`). */
  alerts(): string[];
}

/** Every socket opened, for the tests to close at the end. */
export const sockets: WebSocket[] = [];

export async function watch(url: string, token: string, after?: string): Promise<Watcher> {
  const q = after === undefined ? '' : `?after=${after}`;
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/alerts/stream${q}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  sockets.push(ws);
  const w: Watcher = {
    frames: [],
    ws,
    closed: null,
    events: () => w.frames.filter((f) => f.type !== 'ready'),
    alerts: () =>
      w.frames.filter((f) => f.type === 'alert').map((f) => (f.alert as { id: string }).id),
  };
  ws.on('message', (d: Buffer) => w.frames.push(JSON.parse(d.toString('utf8')) as Frame));
  ws.on('close', (code) => {
    w.closed = { code, at: Date.now() };
  });
  ws.on('error', () => {});
  await waitFor('the stream to be ready', async () => w.frames.some((f) => f.type === 'ready'));
  return w;
}
