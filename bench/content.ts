// Attachments JP → KR (issue 14 point 1): a file uploaded at JP, released to KR, timed
// from the release until KR holds the item (its chunks pushed, each sealed to KR, kept
// sealed at rest, the whole file hashed, then the item's envelope delivered), beside
// two references over the same bytes in the same run: a plain file copy (read, write,
// fsync) and the crypto-only limit (AES-256-GCM and SHA-256 in one process).
import { spawn } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  fsyncSync,
  mkdtempSync,
  openSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { call, wait } from './federation.js';
import { BIN, env, start, stopped } from './processes.js';

const MiB = 1024 * 1024;

export interface ContentFigures {
  readonly megabytes: number;
  readonly uploadSeconds: number;
  readonly transferSeconds: number;
  readonly copySeconds: number;
  readonly cryptoSeconds: number;
}

async function generate(file: string, size: number): Promise<void> {
  const out = createWriteStream(file);
  for (let done = 0; done < size; done += MiB) {
    if (!out.write(randomBytes(Math.min(MiB, size - done))))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

/** Read, write and fsync: what a plain copy of the file to another disk location costs. */
async function copySeconds(file: string, to: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  await pipeline(createReadStream(file, { highWaterMark: MiB }), createWriteStream(to));
  const fd = openSync(to, 'r');
  fsyncSync(fd);
  closeSync(fd);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** AES-256-GCM and SHA-256 over the file's bytes, read a MiB at a time. */
async function cryptoSeconds(file: string): Promise<number> {
  const t0 = process.hrtime.bigint();
  const hash = createHash('sha256');
  const cipher = createCipheriv('aes-256-gcm', randomBytes(32), randomBytes(12));
  for await (const c of createReadStream(file, { highWaterMark: MiB })) {
    hash.update(c as Buffer);
    cipher.update(c as Buffer);
  }
  cipher.final();
  hash.digest();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function createWithFile(url: string, token: string, file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      [
        BIN,
        'item',
        'create',
        '--node',
        url,
        '--token',
        token,
        '--marking',
        'GOKUHI',
        '--category',
        'dprk-missile',
        '--title',
        'bench',
        '--attach',
        file,
        '--json',
      ],
      { env },
    );
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.on('exit', (code) =>
      code === 0 ? resolve(String((JSON.parse(out) as { id: string }).id)) : reject(new Error(out)),
    );
  });
}

async function person(url: string, admin: string, clearance: string): Promise<string> {
  await call(url, 'POST', '/v1/users', admin, {
    username: 'ra',
    clearance,
    needToKnow: ['dprk-missile'],
    roles: ['releasing-authority', 'officer'],
  });
  return String((await call(url, 'POST', '/v1/users/ra/tokens', admin, { label: 'bench' })).token);
}

export async function contentFigures(quick: boolean): Promise<ContentFigures> {
  const size = (quick ? 64 : 256) * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'liaison-bench-content-'));
  const file = join(dir, 'file.bin');
  await generate(file, size);
  const jp = await start('JP');
  const kr = await start('KR');
  try {
    await call(jp.url, 'POST', '/v1/peers', jp.admin, { url: kr.url, fingerprint: kr.fingerprint });
    await call(kr.url, 'POST', '/v1/peers', kr.admin, { url: jp.url, fingerprint: jp.fingerprint });
    for (;;) {
      const list = (await call(jp.url, 'GET', '/v1/agreements', jp.admin)) as unknown as {
        id: string;
        binding: boolean;
      }[];
      if (list.find((a) => a.id === 'gsomia-jp-kr-2016')?.binding) break;
      await wait(50);
    }
    const jpToken = await person(jp.url, jp.admin, 'KIMITSU');
    const krToken = await person(kr.url, kr.admin, 'I');
    const u0 = process.hrtime.bigint();
    const id = await createWithFile(jp.url, jpToken, file);
    const uploadSeconds = Number(process.hrtime.bigint() - u0) / 1e9;
    const t0 = process.hrtime.bigint();
    await call(jp.url, 'POST', `/v1/items/${id}/release`, jpToken, { to: 'KR' });
    for (;;) {
      const r = await fetch(`${kr.url}/v1/items/${id}`, {
        headers: { authorization: `Bearer ${krToken}` },
      });
      await r.text();
      if (r.status === 200) break;
      await wait(20);
    }
    const transferSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      megabytes: size / 1e6,
      uploadSeconds,
      transferSeconds,
      copySeconds: await copySeconds(file, join(dir, 'copy.bin')),
      cryptoSeconds: await cryptoSeconds(file),
    };
  } finally {
    await Promise.all([stopped(jp.child), stopped(kr.child)]);
    rmSync(dir, { recursive: true, force: true });
  }
}
