// `liaison alert watch` against an address that answers the stream's upgrade with an
// HTTP error: a 503 (a proxy in front of a node that is restarting) is tried again with
// back-off, for as long as it lasts; a 401 (a bad token) stops at once with the node's
// message and exit 2.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
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

function watch(url: string) {
  return spawn(process.execPath, [BIN, 'alert', 'watch', '--node', url, '--token', 'lsn_x'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LIAISON_TOKEN: '', LIAISON_NODE: '' },
  });
}

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
        .toBeGreaterThanOrEqual(3);
      expect(exited).toBeNull();
      expect(err).toMatch(/HTTP 503: answered 503\); reconnecting in 500 ms/);
      expect(err).toMatch(/reconnecting in 1000 ms/);
      expect(err).not.toMatch(/\n\s+at /);
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('a 401 stops at once, with the node’s message and exit 2', async () => {
    const s = await answering(401);
    const child = watch(s.url);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString('utf8');
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(s.hits()).toBe(1);
    expect(err).toMatch(/the node refused the stream \(HTTP 401: answered 401\)/);
  }, 30_000);
});
