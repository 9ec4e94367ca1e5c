// TLS settings, checked before a node starts (src/app/tls.ts): config.json's `tls`, the
// flags over it, every file read and named when it is wrong; the generator
// (src/app/certificates.ts); the fetch that trusts a CA (src/federation/transport.ts);
// and the CLI's target over https (src/cli/client.ts).
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateTls } from '../../src/app/certificates.js';
import { readConfig, SetupError } from '../../src/app/setup.js';
import { initTls, startTls } from '../../src/app/tls.js';
import { resolveTarget } from '../../src/cli/client.js';
import { trustingFetch, UntrustedCertificate } from '../../src/federation/transport.js';

const root = mkdtempSync(join(tmpdir(), 'liaison-tls-unit-'));
const now = new Date();
let a: ReturnType<typeof generateTls>;
let b: ReturnType<typeof generateTls>;

beforeAll(() => {
  a = generateTls({ out: join(root, 'a') });
  b = generateTls({ out: join(root, 'b'), hosts: ['kr.example', '10.1.2.3'], days: 30 });
});

/** A data directory whose config.json is the minimal one plus `extra`. */
function dataDir(extra: Record<string, unknown>): string {
  const dir = mkdtempSync(join(root, 'node-'));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      party: 'JP',
      origin: 'liaison.local/JP',
      database: 'store.sqlite',
      port: 8420,
      host: '127.0.0.1',
      createdAt: now.toISOString(),
      ...extra,
    }),
  );
  return dir;
}

const setupMessage = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SetupError);
    return (e as SetupError).message;
  }
  throw new Error('expected a SetupError');
};

describe('config.json tls', () => {
  it('takes cert and key together, and a CA alone', () => {
    expect(readConfig(dataDir({ tls: { cert: 'c.pem', key: 'k.pem' } })).tls).toEqual({
      cert: 'c.pem',
      key: 'k.pem',
    });
    expect(readConfig(dataDir({ tls: { ca: '/etc/ca.pem' } })).tls).toEqual({ ca: '/etc/ca.pem' });
  });

  it('refuses a cert without a key, an unknown field and an empty path, naming the file and field', () => {
    const d1 = dataDir({ tls: { cert: 'c.pem' } });
    expect(setupMessage(() => readConfig(d1))).toBe(
      `${join(d1, 'config.json')}: tls: cert is set without key: give both to serve HTTPS, or neither`,
    );
    const d2 = dataDir({ tls: { cert: 'c.pem', key: 'k.pem', cafile: 'x' } });
    expect(setupMessage(() => readConfig(d2))).toMatch(/config\.json: tls\/cafile: /);
    const d3 = dataDir({ tls: { ca: '' } });
    expect(setupMessage(() => readConfig(d3))).toMatch(/config\.json: tls\/ca: /);
  });
});

describe('the TLS files a node starts with', () => {
  it('resolves config paths against the data directory; each flag overrides its field', () => {
    const dir = dataDir({});
    mkdirSync(join(dir, 'tls'));
    writeFileSync(join(dir, 'tls', 'cert.pem'), readFileSync(a.cert));
    writeFileSync(join(dir, 'tls', 'key.pem'), readFileSync(a.key));
    const cfg = join(dir, 'config.json');
    const t = startTls(dir, cfg, { cert: 'tls/cert.pem', key: 'tls/key.pem' }, {}, now);
    expect(t.server?.cert).toBe(readFileSync(a.cert, 'utf8'));
    expect(t.ca).toBeUndefined();
    // --tls-cert and --tls-key replace both; --tls-ca adds the CA.
    const over = startTls(dir, cfg, { cert: 'tls/cert.pem', key: 'tls/key.pem' }, b, now);
    expect(over.server?.cert).toBe(readFileSync(b.cert, 'utf8'));
    expect(over.ca).toBe(readFileSync(b.ca, 'utf8'));
    // --tls-key alone over the config's cert: they do not match, and both are named.
    expect(
      setupMessage(() =>
        startTls(dir, cfg, { cert: 'tls/cert.pem', key: 'tls/key.pem' }, { key: b.key }, now),
      ),
    ).toBe(
      `the TLS certificate ${join(dir, 'tls/cert.pem')} (tls.cert in ${cfg}) does not match the key ${b.key} (--tls-key): the key is not the certificate's`,
    );
    // No TLS at all: HTTP.
    expect(startTls(dir, cfg, undefined, {}, now)).toEqual({
      server: null,
      ca: undefined,
      caPath: undefined,
    });
  });

  it('names a missing, unreadable, non-PEM or encrypted file, and an expired certificate', () => {
    const cfg = join(root, 'config.json');
    const missing = join(root, 'nope.pem');
    expect(
      setupMessage(() => startTls(root, cfg, undefined, { cert: missing, key: a.key }, now)),
    ).toBe(`the TLS certificate ${missing} (--tls-cert) does not exist`);
    expect(
      setupMessage(() => startTls(root, cfg, undefined, { cert: root, key: a.key }, now)),
    ).toBe(`the TLS certificate ${root} (--tls-cert) is a directory, not a file`);
    expect(
      setupMessage(() => startTls(root, cfg, undefined, { cert: a.key, key: a.key }, now)),
    ).toMatch(/\(--tls-cert\) holds no PEM certificate/);
    expect(
      setupMessage(() => startTls(root, cfg, undefined, { cert: a.cert, key: a.cert }, now)),
    ).toBe(`the TLS key ${a.cert} (--tls-key) holds a certificate, not a private key`);
    const encrypted = join(root, 'encrypted.pem');
    writeFileSync(
      encrypted,
      '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n',
    );
    expect(
      setupMessage(() => startTls(root, cfg, undefined, { cert: a.cert, key: encrypted }, now)),
    ).toMatch(/the TLS key .*encrypted\.pem \(--tls-key\) is encrypted: give it unencrypted/);
    if (process.getuid?.() !== 0) {
      const locked = join(root, 'locked.pem');
      writeFileSync(locked, readFileSync(a.key));
      chmodSync(locked, 0o000);
      expect(
        setupMessage(() => startTls(root, cfg, undefined, { cert: a.cert, key: locked }, now)),
      ).toMatch(/permission denied/);
    }
    const later = new Date(now.getTime() + 40 * 86_400_000);
    expect(
      setupMessage(() => startTls(root, cfg, undefined, { cert: b.cert, key: b.key }, later)),
    ).toMatch(
      new RegExp(`the TLS certificate ${b.cert} \\(--tls-cert\\) expired on \\d{4}-.*: renew it`),
    );
    expect(setupMessage(() => startTls(root, cfg, undefined, { ca: a.key }, now))).toMatch(
      /the TLS CA bundle .*key\.pem \(--tls-ca\) holds no PEM certificate/,
    );
    expect(setupMessage(() => startTls(root, cfg, undefined, { cert: a.cert }, now))).toBe(
      '--tls-cert: a certificate without a key: give --tls-key too',
    );
  });

  it('node init records paths inside the data directory relative to it, others absolute', () => {
    const dir = mkdtempSync(join(root, 'init-'));
    mkdirSync(join(dir, 'tls'));
    const inside = join(dir, 'tls', 'cert.pem');
    writeFileSync(inside, readFileSync(a.cert));
    expect(initTls(dir, { cert: inside, key: a.key, ca: b.ca }, now)).toEqual({
      cert: 'tls/cert.pem',
      key: a.key,
      ca: b.ca,
    });
    expect(initTls(dir, {}, now)).toBeUndefined();
    expect(setupMessage(() => initTls(dir, { key: a.key }, now))).toBe(
      '--tls-key: give --tls-cert with it',
    );
  });
});

describe('liaison tls generate', () => {
  it('writes a CA and a server certificate it signed, for the names given; the key for its owner only', () => {
    const ca = new X509Certificate(readFileSync(b.ca));
    const cert = new X509Certificate(readFileSync(b.cert));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:kr.example, IP Address:10.1.2.3');
    expect(new X509Certificate(readFileSync(a.cert)).subjectAltName).toBe(
      'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(statSync(b.key).mode & 0o777).toBe(0o600);
    expect(new Date(cert.validTo).getTime() - now.getTime()).toBeGreaterThan(29 * 86_400_000);
  });

  it('refuses to overwrite, a name that is no host, and a bad --days', () => {
    expect(setupMessage(() => generateTls({ out: join(root, 'a') }))).toBe(
      `${a.ca} exists: give --out a new directory`,
    );
    expect(
      setupMessage(() => generateTls({ out: join(root, 'c'), hosts: ['no such host!'] })),
    ).toBe(
      "--host 'no such host!' is neither an IP address nor a DNS name (e.g. kr.example, 127.0.0.1)",
    );
    expect(setupMessage(() => generateTls({ out: join(root, 'c'), days: 0 }))).toMatch(/--days/);
  });
});

describe('fetch over https', () => {
  it('trusts the CA given beside the roots, sends the body and headers, and names a refused certificate', async () => {
    const server = createServer(
      { cert: readFileSync(a.cert), key: readFileSync(a.key) },
      (req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => {
          body += c.toString();
        });
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, body, type: req.headers['content-type'] }));
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
    try {
      const f = trustingFetch(readFileSync(a.ca, 'utf8'));
      const r = await f(url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from('héllo'),
      });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(await r.json()).toEqual({ method: 'POST', body: 'héllo', type: 'text/plain' });
      const refused = await trustingFetch(readFileSync(b.ca, 'utf8'))(url).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(UntrustedCertificate);
      expect((refused as UntrustedCertificate).code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      const timedOut = await f(url, { signal: AbortSignal.abort(new Error('gave up')) }).catch(
        (e: unknown) => e,
      );
      expect((timedOut as Error).message).toBe('gave up');
    } finally {
      server.close();
    }
  });
});

describe('the CLI’s target', () => {
  const saved = { ca: process.env.LIAISON_CA_FILE, node: process.env.LIAISON_NODE };
  afterEach(() => {
    for (const [k, v] of [
      ['LIAISON_CA_FILE', saved.ca],
      ['LIAISON_NODE', saved.node],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  });

  it('is https for a data directory that serves it, trusting its tls.ca; --ca and LIAISON_CA_FILE name a CA', () => {
    delete process.env.LIAISON_NODE;
    delete process.env.LIAISON_CA_FILE;
    const dir = dataDir({ tls: { cert: a.cert, key: a.key, ca: a.ca } });
    expect(resolveTarget({ data: dir })).toMatchObject({
      url: 'https://127.0.0.1:8420',
      ca: readFileSync(a.ca, 'utf8'),
    });
    expect(resolveTarget({ data: dataDir({}) })).toMatchObject({ url: 'http://127.0.0.1:8420' });
    expect(resolveTarget({ node: 'https://kr.example', ca: b.ca }).ca).toBe(
      readFileSync(b.ca, 'utf8'),
    );
    process.env.LIAISON_CA_FILE = b.ca;
    expect(resolveTarget({ node: 'https://kr.example' }).ca).toBe(readFileSync(b.ca, 'utf8'));
    process.env.LIAISON_CA_FILE = a.key;
    expect(() => resolveTarget({ node: 'https://kr.example' })).toThrow(
      `LIAISON_CA_FILE '${a.key}' holds no PEM certificate`,
    );
    expect(() => resolveTarget({ node: 'https://kr.example', ca: join(root, 'nope') })).toThrow(
      `--ca '${join(root, 'nope')}': no such file`,
    );
  });
});
