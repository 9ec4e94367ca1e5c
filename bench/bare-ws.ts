// The baseline for the alert fan-out: a bare `ws` WebSocketServer in a process of its
// own, with nothing in front of it. `POST /broadcast {"id": "..."}` sends every
// connected socket one text frame of the size that socket asked for when it
// connected (`?size=N`, in bytes): the same size as the real alert frame its node
// sends. No authentication, no decision, no log, no store.
import { createServer } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

/** `{"type":"alert","alert":{"id":"<id>","pad":"xxx…"}}`, exactly `size` bytes (ASCII). */
export function paddedFrame(id: string, size: number): string {
  const head = `{"type":"alert","alert":{"id":"${id}","pad":"`;
  const tail = '"}}';
  return head + 'x'.repeat(Math.max(0, size - head.length - tail.length)) + tail;
}

function serve(): void {
  const bySize = new Map<number, Set<WebSocket>>();
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/broadcast') {
      res.writeHead(404).end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const { id } = JSON.parse(body) as { id: string };
      let n = 0;
      for (const [size, sockets] of bySize) {
        // One string per size, as a server stringifies an event once for everyone.
        const text = paddedFrame(id, size);
        for (const s of sockets) {
          if (s.readyState === s.OPEN) {
            s.send(text);
            n++;
          }
        }
      }
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id, n }));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    const size = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('size'));
    let set = bySize.get(size);
    if (set === undefined) {
      set = new Set();
      bySize.set(size, set);
    }
    const mine = set;
    mine.add(ws);
    ws.on('close', () => mine.delete(ws));
    ws.on('error', () => mine.delete(ws));
    ws.send(JSON.stringify({ type: 'ready' }));
  });
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    const port = typeof a === 'object' && a !== null ? a.port : 0;
    process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

if (process.argv[2] === 'serve') serve();
