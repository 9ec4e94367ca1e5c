// TLS for a node: the certificate and key it serves HTTPS with, and the CA bundle it
// trusts beside Node's roots when it reaches peers over https. They come from
// config.json `tls` (paths relative to the data directory, or absolute) and from the
// flags of `node init` and `node start` (relative to where the command runs; start's
// override the config's). Every file is read and checked before the node opens its
// store, and a problem is a SetupError naming the file and what is wrong with it.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { isObject, messageOf } from '../core/guards.js';
import { pemCertificates } from '../federation/transport.js';
import { SetupError } from './errors.js';

/** config.json `tls`: cert and key together (HTTPS), and/or the CA trusted for peers. */
export const TlsConfigSchema = Type.Object(
  {
    /** The certificate this node serves HTTPS with (PEM; any intermediates after it). */
    cert: Type.Optional(Type.String({ minLength: 1 })),
    /** Its private key (PEM, unencrypted). */
    key: Type.Optional(Type.String({ minLength: 1 })),
    /** CA certificates (PEM) trusted, beside Node's roots, when reaching peers over https. */
    ca: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);
export type TlsConfig = Static<typeof TlsConfigSchema>;

/** TLS files as flags give them (paths relative to the working directory). */
export interface TlsFlags {
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly ca?: string | undefined;
}

/** What a node serves and trusts, read and checked. */
export interface NodeTls {
  /** The certificate chain and key HTTPS is served with; null: the node serves HTTP. */
  readonly server: { readonly cert: string; readonly key: string } | null;
  /** The CA bundle (PEM) trusted for peers beside Node's roots; undefined: the roots alone. */
  readonly ca: string | undefined;
  /** The bundle's path, when there is one. */
  readonly caPath: string | undefined;
}

/** A file and where its path came from (`--tls-cert`, `tls.cert in …/config.json`). */
interface Source {
  readonly path: string;
  readonly from: string;
}

const FLAG = { cert: '--tls-cert', key: '--tls-key', ca: '--tls-ca' } as const;

/** `tls` in a config: cert and key come together or not at all. */
export function checkTlsConfig(tls: TlsConfig, where: string): void {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    const has = tls.cert === undefined ? 'key' : 'cert';
    throw new SetupError(
      `${where}: tls: ${has} is set without ${has === 'cert' ? 'key' : 'cert'}: give both to serve HTTPS, or neither`,
    );
  }
}

function readText(file: Source, what: string): string {
  try {
    return readFileSync(file.path, 'utf8');
  } catch (e) {
    const code = isObject(e) && typeof e.code === 'string' ? e.code : '';
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read by this user (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read: ${messageOf(e)}`;
    throw new SetupError(`the ${what} ${file.path} (${file.from}) ${why}`);
  }
}

function readCertificate(file: Source, now: Date): { pem: string; x509: X509Certificate } {
  const what = 'TLS certificate';
  const pem = readText(file, what);
  const first = pemCertificates(pem)[0];
  if (first === undefined)
    throw new SetupError(
      `the ${what} ${file.path} (${file.from}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(first);
  } catch (e) {
    throw new SetupError(
      `the ${what} ${file.path} (${file.from}) holds a certificate that does not parse: ${messageOf(e)}`,
    );
  }
  const from = new Date(x509.validFrom);
  const to = new Date(x509.validTo);
  if (now > to)
    throw new SetupError(
      `the ${what} ${file.path} (${file.from}) expired on ${to.toISOString()}: renew it`,
    );
  if (now < from)
    throw new SetupError(
      `the ${what} ${file.path} (${file.from}) is not valid before ${from.toISOString()}`,
    );
  return { pem, x509 };
}

function readKey(file: Source): { pem: string; key: KeyObject } {
  const pem = readText(file, 'TLS key');
  try {
    return { pem, key: createPrivateKey(pem) };
  } catch (e) {
    const why = /ENCRYPTED/.test(pem)
      ? 'is encrypted: give it unencrypted, readable by the node’s user only'
      : pemCertificates(pem).length > 0 && !/PRIVATE KEY-----/.test(pem)
        ? 'holds a certificate, not a private key'
        : `holds no PEM private key (-----BEGIN PRIVATE KEY-----) that Node reads: ${messageOf(e)}`;
    throw new SetupError(`the TLS key ${file.path} (${file.from}) ${why}`);
  }
}

function readCa(file: Source): string {
  const pem = readText(file, 'TLS CA bundle');
  const certs = pemCertificates(pem);
  if (certs.length === 0)
    throw new SetupError(
      `the TLS CA bundle ${file.path} (${file.from}) holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  for (const [i, c] of certs.entries()) {
    try {
      new X509Certificate(c);
    } catch (e) {
      throw new SetupError(
        `the TLS CA bundle ${file.path} (${file.from}): certificate ${i + 1} does not parse: ${messageOf(e)}`,
      );
    }
  }
  return pem;
}

/** Reads and checks the files: the certificate must be current and match the key. */
function readTls(files: { cert?: Source; key?: Source; ca?: Source }, now: Date): NodeTls {
  let server: NodeTls['server'] = null;
  if (files.cert !== undefined && files.key !== undefined) {
    const cert = readCertificate(files.cert, now);
    const key = readKey(files.key);
    if (!cert.x509.checkPrivateKey(key.key))
      throw new SetupError(
        `the TLS certificate ${files.cert.path} (${files.cert.from}) does not match the key ${files.key.path} (${files.key.from}): the key is not the certificate's`,
      );
    server = { cert: cert.pem, key: key.pem };
  }
  const ca = files.ca === undefined ? undefined : readCa(files.ca);
  return { server, ca, caPath: files.ca?.path };
}

/** The flags' files, resolved from the working directory; cert and key come together. */
function flagSources(flags: TlsFlags): { cert?: Source; key?: Source; ca?: Source } {
  const out: { cert?: Source; key?: Source; ca?: Source } = {};
  for (const k of ['cert', 'key', 'ca'] as const) {
    const p = flags[k];
    if (p === undefined) continue;
    if (p.trim() === '') throw new SetupError(`${FLAG[k]}: give a file`);
    out[k] = { path: resolve(p), from: FLAG[k] };
  }
  return out;
}

/**
 * `node init --tls-cert --tls-key --tls-ca`: the files checked, and the `tls` to
 * record in config.json (a path inside the data directory relative to it, others
 * absolute); undefined when no flag is given.
 */
export function initTls(dir: string, flags: TlsFlags, now: Date): TlsConfig | undefined {
  const files = flagSources(flags);
  if ((files.cert === undefined) !== (files.key === undefined))
    throw new SetupError(
      files.cert === undefined
        ? '--tls-key: give --tls-cert with it'
        : '--tls-cert: give --tls-key with it',
    );
  if (files.cert === undefined && files.ca === undefined) return undefined;
  readTls(files, now);
  const home = resolve(dir);
  const recorded = (s: Source | undefined) => {
    if (s === undefined) return undefined;
    const r = relative(home, s.path);
    return r !== '' && !r.startsWith('..') && !isAbsolute(r) ? r : s.path;
  };
  const cert = recorded(files.cert);
  const key = recorded(files.key);
  const ca = recorded(files.ca);
  return {
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(ca === undefined ? {} : { ca }),
  };
}

/**
 * `node start`: config.json's `tls` (resolved against the data directory) with the
 * flags over it, field by field; the files read and checked.
 */
export function startTls(
  dir: string,
  configFile: string,
  config: TlsConfig | undefined,
  flags: TlsFlags,
  now: Date,
): NodeTls {
  const files: { cert?: Source; key?: Source; ca?: Source } = {};
  for (const k of ['cert', 'key', 'ca'] as const) {
    const p = config?.[k];
    if (p !== undefined) files[k] = { path: resolve(dir, p), from: `tls.${k} in ${configFile}` };
  }
  Object.assign(files, flagSources(flags));
  if ((files.cert === undefined) !== (files.key === undefined)) {
    const given = files.cert ?? files.key;
    throw new SetupError(
      `${given?.from ?? 'tls'}: ${files.cert === undefined ? 'a key without a certificate: give --tls-cert too' : 'a certificate without a key: give --tls-key too'}`,
    );
  }
  return readTls(files, now);
}
