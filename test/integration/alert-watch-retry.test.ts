// `liaison alert watch` against an address that answers the stream's upgrade with an
// HTTP error: a 503 (a proxy in front of a node that is restarting) is tried again with
// capped, jittered back-off (200 ms doubling to 10 s), for as long as it lasts; a 400,
// 401, 403 or 404 (a bad token, no such stream) stops at once with the node's message
// and exit 2; a stream that drops is resumed after the last event printed.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { BIN } from '../support/node-process.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

/** A server that answers every request with `status` and a node-shaped error body. */
async function answering(status: number): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  server = createServer((_req, res) => {
    hits += 1;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'unavailable', message: `answered ${status}` } }));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, hits: () => hits };
}

function watch(url: string, extra: readonly string[] = []) {
  return spawn(
    process.execPath,
    [BIN, 'alert', 'watch', '--node', url, '--token', 'lsn_x', ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LIAISON_TOKEN: '', LIAISON_NODE: '' },
    },
  );
}

/** The waits `alert watch` announced on standard error, in ms. */
const waits = (err: string) =>
  [...err.matchAll(/reconnecting in (\d+) ms/g)].map((m) => Number(m[1]));

describe('alert watch and HTTP answers to its stream', () => {
  it('a 503 is tried again, with back-off, without giving up', async () => {
    const s = await answering(503);
    const child = watch(s.url);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    let exited: number | null = null;
    child.once('exit', (code) => {
      exited = code ?? -1;
    });
    try {
      await expect
        .poll(() => s.hits(), { timeout: 20_000, interval: 200 })
        .toBeGreaterThanOrEqual(4);
      expect(exited).toBeNull();
      expect(err).toMatch(/HTTP 503: answered 503\); reconnecting in \d+ ms/);
      // Each wait is its ceiling (200, 400, 800 ms…) less up to half of it, at random.
      const [a, b, c] = waits(err);
      expect(a).toBeGreaterThanOrEqual(100);
      expect(a).toBeLessThanOrEqual(200);
      expect(b).toBeGreaterThanOrEqual(200);
      expect(b).toBeLessThanOrEqual(400);
      expect(c).toBeGreaterThanOrEqual(400);
      expect(c).toBeLessThanOrEqual(800);
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it.each([400, 401, 403, 404])(
    'a %i stops at once, with the node’s message and exit 2',
    async (status) => {
      const s = await answering(status);
      const t0 = Date.now();
      const child = watch(s.url);
      let err = '';
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString('utf8');
      });
      const code = await new Promise<number | null>((r) => child.once('exit', r));
      expect(code).toBe(2);
      // At once: not held open by the refused connection for the server's keep-alive (5 s).
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(s.hits()).toBe(1);
      expect(err).toContain(`the node refused the stream (HTTP ${status}: answered ${status})`);
    },
    30_000,
  );
});

describe('alert watch and a stream that drops', () => {
  /** A stream server: each connection is handed to `script` with its request URL. */
  async function streams(script: (ws: WebSocket, url: string, n: number) => void) {
    const urls: string[] = [];
    server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      urls.push(req.url ?? '');
      script(ws, req.url ?? '', urls.length);
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}`,
      urls,
      close: () => {
        for (const c of wss.clients) c.terminate();
        wss.close();
      },
    };
  }
  // Ids and positions are opaque strings (src/alerts/stream-token.ts): these stand in.
  const ready = (after: string) =>
    JSON.stringify({ type: 'ready', party: 'KR', user: 'kr-officer', after, missed: false });
  const ack = (id: string) =>
    JSON.stringify({
      id,
      type: 'ack',
      item: 'JP-1',
      party: 'KR',
      user: 'kr-officer',
      at: '2026-01-01T00:00:00Z',
      receivedAt: '2026-01-01T00:00:00Z',
    });

  it('reconnects after a drop and resumes after the last event it printed', async () => {
    const s = await streams((ws, _url, n) => {
      if (n === 1) {
        ws.send(ready('r4'));
        ws.send(ack('e5'));
        ws.send(ack('e6'));
        setTimeout(() => ws.terminate(), 50);
      } else {
        ws.send(ready('r6'));
        ws.send(ack('e7'));
      }
    });
    const child = watch(s.url, ['--json']);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    try {
      await expect
        .poll(() => out.split('\n').filter((l) => l.includes('"ack"')).length, {
          timeout: 10_000,
        })
        .toBe(3);
      expect(s.urls).toEqual(['/v1/alerts/stream', '/v1/alerts/stream?after=e6']);
      const ids = out
        .split('\n')
        .filter((l) => l.includes('"ack"'))
        .map((l) => (JSON.parse(l) as { id: string }).id);
      expect(ids).toEqual(['e5', 'e6', 'e7']);
    } finally {
      child.kill('SIGKILL');
      s.close();
    }
  }, 30_000);

  it('--after starts after that id; a close with 4401 (token revoked) stops with exit 2', async () => {
    const s = await streams((ws) => {
      ws.send(ready('r41'));
      ws.close(4401, 'the token is no longer valid');
    });
    const child = watch(s.url, ['--after', 'e41']);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    s.close();
    expect(code).toBe(2);
    expect(s.urls).toEqual(['/v1/alerts/stream?after=e41']);
    expect(err).toMatch(/the node closed the stream \(the token is no longer valid\)/);
  }, 30_000);
});
