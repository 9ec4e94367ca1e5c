// Files to and from a node, streamed (never held whole): `item create --attach FILE`
// uploads each file before the item is made, and `item download ID [--out DIR]` writes
// an item's files, each checked against its SHA-256. A progress bar goes to the
// terminal (stderr) only when it is one.
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  renameSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, extname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { isObject, messageOf } from '../core/guards.js';
import { trustedRoots } from '../federation/transport.js';
import { type Common, RemoteError, type Target, UnreachableError, withTarget } from './client.js';
import { UsageError } from './errors.js';
import { connect, print, type RemoteContext } from './remote.js';

/** Media types by file extension, for what the console previews; anything else is octets. */
const TYPES: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.zip': 'application/zip',
  '.kml': 'application/vnd.google-earth.kml+xml',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

export function mediaTypeOf(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** A progress bar on stderr when it is a terminal; otherwise nothing. */
export function progress(label: string, total: number): { add(n: number): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  let seen = 0;
  let shown = -1;
  const draw = () => {
    const pct = total === 0 ? 100 : Math.floor((seen * 100) / total);
    if (pct === shown) return;
    shown = pct;
    const width = 30;
    const full = Math.round((pct * width) / 100);
    const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
    process.stderr.write(
      `\r${label.slice(0, 40)} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${pct}% ${mib(seen)}/${mib(total)} MiB`,
    );
  };
  return {
    add(n) {
      seen += n;
      if (tty) draw();
    },
    done() {
      if (tty) {
        draw();
        process.stderr.write('\n');
      }
    },
  };
}

function counter(bar: { add(n: number): void }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bar.add(chunk.length);
      cb(null, chunk);
    },
  });
}

/** A streamed request to the node; resolves with the answer's head, its body unread. */
function send(
  target: Target,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: NodeJS.ReadableStream | null,
): Promise<IncomingMessage> {
  const url = new URL(`${target.url}${path}`);
  const h = { ...headers };
  if (target.token !== undefined) h.authorization = `Bearer ${target.token}`;
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) =>
      reject(new UnreachableError(`cannot reach the node at ${target.url}: ${messageOf(e)}`));
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, {
            method,
            headers: h,
            ...(target.ca === undefined ? {} : { ca: trustedRoots(target.ca) }),
          })
        : httpRequest(url, { method, headers: h });
    req.on('response', resolve);
    req.on('error', fail);
    if (body === null) req.end();
    else body.on('error', fail).pipe(req);
  });
}

/** The node's refusal in an answer that is not 2xx, as the CLI reports refusals. */
async function refusal(res: IncomingMessage, what: string): Promise<RemoteError> {
  const text = await bodyText(res, 65_536);
  let err: Record<string, unknown> = {};
  try {
    const j: unknown = JSON.parse(text);
    if (isObject(j) && isObject(j.error)) err = j.error;
  } catch {
    // not JSON: the status says it
  }
  const status = res.statusCode ?? 0;
  return new RemoteError(
    status,
    typeof err.code === 'string' ? err.code : `http-${status}`,
    `${what}: ${typeof err.message === 'string' ? err.message : `HTTP ${status}`}`,
  );
}

/** Uploads a file, streamed; answers its SHA-256 and size as the node computed them. */
export async function uploadFile(
  target: Target,
  file: string,
): Promise<{ sha256: string; size: number }> {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new UsageError(`--attach '${file}': cannot read it (${messageOf(e)})`);
  }
  const bar = progress(basename(file), size);
  const res = await send(
    target,
    'POST',
    '/v1/attachments',
    { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    createReadStream(file).pipe(counter(bar)),
  );
  bar.done();
  if (res.statusCode !== 201) throw await refusal(res, `--attach '${file}'`);
  const j: unknown = JSON.parse(await bodyText(res, 65_536));
  if (!isObject(j) || typeof j.sha256 !== 'string' || typeof j.size !== 'number')
    throw new UnreachableError(`the node at ${target.url} answered an upload without its hash`);
  return { sha256: j.sha256, size: j.size };
}

/** An answer's text, at most `max` bytes of it kept (the rest read and dropped). */
async function bodyText(res: IncomingMessage, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const c of res) {
    // An IncomingMessage with no encoding set yields Buffers.
    const b = Buffer.isBuffer(c) ? c : Buffer.from(String(c));
    if (size < max) parts.push(b);
    size += b.length;
  }
  return Buffer.concat(parts).toString('utf8');
}

export interface FileRef {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * Downloads one file of an item into `dir` under its name: written beside as `.part`,
 * checked against its SHA-256, then renamed. An existing file is never overwritten.
 */
export async function downloadFile(
  target: Target,
  item: string,
  f: FileRef,
  dir: string,
): Promise<string> {
  // The node refuses names with a path in them; basename again, in case.
  const out = join(dir, basename(f.name));
  if (existsSync(out))
    throw new UsageError(`'${out}' exists: not overwritten (remove it or give another --out)`);
  const res = await send(
    target,
    'GET',
    `/v1/items/${encodeURIComponent(item)}/attachments/${f.sha256}`,
    {},
    null,
  );
  if (res.statusCode !== 200) throw await refusal(res, `'${f.name}'`);
  const part = `${out}.part`;
  const hash = createHash('sha256');
  const bar = progress(f.name, f.size);
  const check = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bar.add(chunk.length);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(res, check, createWriteStream(part, { mode: 0o600 }));
  } catch (e) {
    bar.done();
    if (existsSync(part)) unlinkSync(part);
    throw new UnreachableError(`'${f.name}' was cut off on its way: ${messageOf(e)}`);
  }
  bar.done();
  const got = hash.digest('hex');
  if (got !== f.sha256) {
    unlinkSync(part);
    throw new RemoteError(
      0,
      'hash-mismatch',
      `'${f.name}' arrived with SHA-256 ${got}, not ${f.sha256}: not kept`,
    );
  }
  renameSync(part, out);
  return out;
}

/** Adds `download` to `item`. */
export function registerFileCommands(item: Command, ctx: RemoteContext): void {
  withTarget(
    item
      .command('download')
      .argument('<id>')
      .description(
        "download an item's files (each a read, decided by RULES A1–A3 and logged), checked against their SHA-256",
      )
      .option('--out <dir>', 'the directory to write them in', '.'),
  ).action(async (id: string, o: Common & { out: string }) => {
    if (!existsSync(o.out) || !statSync(o.out).isDirectory())
      throw new UsageError(`--out '${o.out}': no such directory`);
    const client = connect(o, { id: '<id>' });
    const it = await client.get('/v1/items/{id}', { path: { id } });
    const written: { name: string; sha256: string; size: number; path: string }[] = [];
    for (const f of it.attachments)
      written.push({ ...f, path: await downloadFile(client.target, id, f, o.out) });
    print(ctx, o, written, () =>
      written.length === 0
        ? [`item ${id} has no files`]
        : written.map((w) => `${w.path}  ${w.size} bytes  sha256 ${w.sha256}`),
    );
  });
}
