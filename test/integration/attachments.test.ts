// Attachments on a real node process (issue 14 point 1): a 256 MiB file generated on
// disk (never a 256 MiB Buffer here) uploaded with `liaison item create --attach` and
// downloaded with `liaison item download`, its SHA-256 equal both ways, the node's
// resident memory sampled from /proc throughout and kept below 300 MB. Also through the
// API: the item's view lists its files, a download is a logged read refused to whoever
// may not read the item exactly as an unknown item is, a hash the creator did not
// upload is refused by name, a file over 1 GiB is refused at once, the store's files
// never hold a file's bytes (sealed at rest), and search finds an item by a file's name.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  PASSPHRASE,
  startNodeProcess,
  storedEntries,
} from '../support/node-process.js';

const MiB = 1024 * 1024;
const BIG = 256 * MiB;
const RSS_LIMIT = 300 * 1000 * 1000;

let init: InitializedNode;
let node: NodeProcess;
let dir: string;
let ra = '';
let narrow = '';
const outDirs: string[] = [];

const err = (r: { body: unknown }) =>
  (r.body as { error: { code: string; message: string } }).error;

async function person(name: string, needToKnow: string[], roles: string[]): Promise<string> {
  const u = await http(node.url, 'POST', '/v1/users', init.adminToken, {
    username: name,
    clearance: 'KIMITSU',
    needToKnow,
    roles,
  });
  if (u.status !== 201) throw new Error(u.text);
  const t = await http(node.url, 'POST', `/v1/users/${name}/tokens`, init.adminToken, {
    label: 't',
  });
  return (t.body as { token: string }).token;
}

/** The CLI, without blocking this process (the memory sampler keeps running). */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, LIAISON_PASSPHRASE: PASSPHRASE, LIAISON_TOKEN: '', LIAISON_NODE: '' },
    });
    let out = '';
    let e = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      e += d.toString();
    });
    c.on('exit', (code) => resolve({ code, out, err: e }));
  });
}

/** Writes `size` pseudo-random bytes to a file a MiB at a time; answers their SHA-256. */
async function generate(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let done = 0; done < size; done += MiB) {
    const b = randomBytes(Math.min(MiB, size - done));
    hash.update(b);
    if (!out.write(b)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
  return hash.digest('hex');
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const c of createReadStream(file)) hash.update(c as Buffer);
  return hash.digest('hex');
}

const MARKER = 'attachment plaintext marker 7f3a9c';

/** Whether a file holds `text` (read a MiB at a time, the chunks overlapping). */
async function fileHolds(file: string, text: string): Promise<boolean> {
  if (!existsSync(file)) return false;
  let tail = '';
  for await (const c of createReadStream(file, { highWaterMark: MiB })) {
    const s = tail + (c as Buffer).toString('latin1');
    if (s.includes(text)) return true;
    tail = s.slice(-text.length);
  }
  return false;
}

function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

async function upload(token: string, bytes: Buffer) {
  const res = await fetch(`${node.url}/v1/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liaison-attach-'));
  init = initNodeDir('JP');
  node = await startNodeProcess(init.dir);
  ra = await person('jp-ra', ['dprk-missile'], ['releasing-authority', 'officer']);
  narrow = await person('jp-narrow', ['dprk-nuclear'], ['officer']);
}, 120_000);

afterAll(async () => {
  await node?.stop();
  // Files of 256 MiB: not left behind.
  for (const d of [dir, ...outDirs])
    if (d !== undefined) rmSync(d, { recursive: true, force: true });
});

describe('attachments on one node', () => {
  it('a 256 MiB file up with --attach and down with item download: equal hashes, the node under 300 MB', async () => {
    const file = join(dir, 'imagery.bin');
    const sha = await generate(file, BIG);
    const pid = node.child.pid ?? 0;
    const before = rss(pid);
    let peak = before;
    let upPeak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss(pid));
    }, 50);
    try {
      const at = ['--node', node.url, '--token', ra];
      const t0 = performance.now();
      const made = await cli([
        'item',
        'create',
        ...at,
        '--marking',
        'GOKUHI',
        '--category',
        'dprk-missile',
        '--title',
        'Imagery of Sohae',
        '--attach',
        file,
        '--json',
      ]);
      const up = performance.now() - t0;
      upPeak = peak;
      expect(made.code, made.err).toBe(0);
      const id = (JSON.parse(made.out) as { id: string }).id;
      const read = await http(node.url, 'GET', `/v1/items/${id}`, ra);
      expect(read.status).toBe(200);
      expect((read.body as { attachments: unknown }).attachments).toEqual([
        { name: 'imagery.bin', type: 'application/octet-stream', size: BIG, sha256: sha },
      ]);
      const out = mkdtempSync(join(tmpdir(), 'liaison-down-'));
      outDirs.push(out);
      const t1 = performance.now();
      const got = await cli(['item', 'download', id, ...at, '--out', out, '--json']);
      const down = performance.now() - t1;
      expect(got.code, got.err).toBe(0);
      expect(await sha256Of(join(out, 'imagery.bin'))).toBe(sha);
      console.log(
        `256 MiB: upload ${(BIG / MiB / (up / 1000)).toFixed(0)} MiB/s, download ${(BIG / MiB / (down / 1000)).toFixed(0)} MiB/s; node's RSS ${(before / 1e6).toFixed(0)} MB before, peak ${(upPeak / 1e6).toFixed(0)} MB uploading, ${(peak / 1e6).toFixed(0)} MB in all`,
      );
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBeLessThan(RSS_LIMIT);
  }, 300_000);

  it('the API: a listed file, a logged read, refused to a non-reader as an unknown item is', async () => {
    const bytes = Buffer.from(`%PDF-1.4\n% ${MARKER}\n`);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const up = await upload(ra, bytes);
    expect(up).toEqual({ status: 201, body: { sha256: sha, size: bytes.length } });
    const made = await http(node.url, 'POST', '/v1/items', ra, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Report with a PDF',
      body: 'see the file',
      attachments: [{ name: 'Sohae 報告.pdf', type: 'application/pdf', sha256: sha }],
    });
    expect(made.status, made.text).toBe(201);
    const id = (made.body as { id: string }).id;
    const res = await fetch(`${node.url}/v1/items/${id}/attachments/${sha}`, {
      headers: { authorization: `Bearer ${ra}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="Sohae __.pdf"; filename*=UTF-8''${encodeURIComponent('Sohae 報告.pdf')}`,
    );
    expect(Buffer.from(await res.arrayBuffer())).toEqual(bytes);

    // Logged as a read of the item, with the file's hash.
    const entries = await storedEntries(init, undefined, 0);
    const reads = entries.filter(
      (e) =>
        e.type === 'item.read' &&
        (e.subject as { view: string; attachment?: string }).attachment === sha,
    );
    expect(reads.length).toBe(1);
    expect(reads[0]?.subject).toMatchObject({ view: 'attachment', item: id });

    // Someone outside the need-to-know: the answer an unknown item gets.
    const hidden = await http(node.url, 'GET', `/v1/items/${id}/attachments/${sha}`, narrow);
    const unknown = await http(node.url, 'GET', `/v1/items/jp-nothing/attachments/${sha}`, narrow);
    expect(hidden.status).toBe(unknown.status);
    expect(err(hidden).code).toBe(err(unknown).code);
    expect(err(hidden).message.replace(id, 'X')).toBe(
      err(unknown).message.replace('jp-nothing', 'X'),
    );
    // A hash the item does not name: not found.
    const other = await http(node.url, 'GET', `/v1/items/${id}/attachments/${'0'.repeat(64)}`, ra);
    expect(other.status).toBe(404);

    // Sealed at rest: the store's files never hold the file's bytes.
    for (const f of ['store.sqlite', 'store.sqlite-wal'])
      expect(await fileHolds(join(init.dir, f), MARKER), f).toBe(false);

    // Search finds the item by its file's name.
    const found = await http(node.url, 'GET', '/v1/search?q=%E5%A0%B1%E5%91%8A', ra);
    expect(found.status, found.text).toBe(200);
    expect((found.body as { id: string }[]).map((s) => s.id)).toContain(id);
  });

  it('a hash you did not upload is refused by name; another person may not name yours', async () => {
    const bytes = Buffer.from('only mine');
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect((await upload(ra, bytes)).status).toBe(201);
    const officer = await person('jp-officer2', ['dprk-missile'], ['officer']);
    const r = await http(node.url, 'POST', '/v1/items', officer, {
      marking: 'HI',
      categories: ['dprk-missile'],
      title: 'borrowed',
      body: '',
      attachments: [{ name: 'x.txt', type: 'text/plain', sha256: sha }],
    });
    expect(r.status).toBe(400);
    expect(err(r).message).toContain("attachments.0 ('x.txt')");
    expect((r.body as { error: { field: string } }).error.field).toBe('attachments.0.sha256');
    const bad = await http(node.url, 'POST', '/v1/items', ra, {
      marking: 'HI',
      categories: ['dprk-missile'],
      title: 'bad name',
      body: '',
      attachments: [{ name: '../etc/passwd', type: 'text/plain', sha256: sha }],
    });
    expect(bad.status).toBe(400);
  });

  it('a file over 1 GiB is refused by its length before it is read', async () => {
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${node.url}/v1/attachments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ra}`,
          'content-type': 'application/octet-stream',
          'content-length': String(1024 * MiB + 1),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => {
          text += d.toString();
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text });
          req.destroy();
        });
      });
      req.on('error', (e) => {
        if (!req.destroyed) reject(e);
      });
      req.write(Buffer.alloc(1024));
    });
    expect(answer.status).toBe(413);
    expect(answer.text).toContain('1024 MiB');
  });

  it('JSON or no token: refused before anything is stored', async () => {
    const json = await http(node.url, 'POST', '/v1/attachments', ra, { a: 1 });
    expect(json.status).toBe(415);
    const anon = await fetch(`${node.url}/v1/attachments`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from('x'),
    });
    expect(anon.status).toBe(401);
  });
});
