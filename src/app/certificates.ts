// `liaison tls generate` and `liaison demo --tls`: a private CA and one server
// certificate signed by it, for loopback and the names given, so that the demo and
// the tests run over HTTPS on a fresh machine without openssl. Keys (ECDSA P-256)
// and signatures are Node's own; @peculiar/asn1-x509 only encodes the certificates
// (RFC 5280 DER). The CA's key is not kept: the CA signs this one certificate.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { SetupError } from './errors.js';

/** The names a generated certificate is for when none are given: this machine's loopback. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '::1'];
/** How long generated certificates are valid by default. */
export const DEFAULT_DAYS = 825;

/** ecdsa-with-SHA256 (RFC 5758 §3.2): no parameters. */
const ECDSA_SHA256 = new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
/** id-at-commonName. */
const COMMON_NAME = '2.5.4.3';

/** The files written: the CA certificate to trust, and the server's certificate and key. */
export interface GeneratedTls {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** The names the certificate is for. */
  readonly hosts: readonly string[];
  readonly notAfter: Date;
}

const DNS_NAME =
  /^(?:\*\.)?(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** A host as a subjectAltName: an IP address or a DNS name; anything else is refused by name. */
function altName(host: string): GeneralName {
  if (isIP(host) !== 0) return new GeneralName({ iPAddress: host });
  if (DNS_NAME.test(host)) return new GeneralName({ dNSName: host.toLowerCase() });
  throw new SetupError(
    `--host '${host}' is neither an IP address nor a DNS name (e.g. kr.example, 127.0.0.1)`,
  );
}

const name = (cn: string) =>
  new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({
        type: COMMON_NAME,
        value: new AttributeValue({ utf8String: cn }),
      }),
    ]),
  ]);

const extension = (id: string, critical: boolean, value: object) =>
  new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

const spkiOf = (key: KeyObject) =>
  AsnConvert.parse(key.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
const keyId = (key: KeyObject) =>
  createHash('sha1')
    .update(new Uint8Array(spkiOf(key).subjectPublicKey))
    .digest();

/** A positive serial number of 16 random bytes (RFC 5280 §4.1.2.2). */
function serialNumber(): Buffer {
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return b;
}

function pem(label: string, der: Uint8Array): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

interface CertificateSpec {
  readonly subject: string;
  readonly issuer: string;
  readonly publicKey: KeyObject;
  readonly issuerKey: { readonly publicKey: KeyObject; readonly privateKey: KeyObject };
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly extensions: readonly Extension[];
}

/** A certificate signed with the issuer's key (ECDSA P-256, SHA-256), as PEM. */
function certificate(s: CertificateSpec): string {
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serialNumber()).buffer,
    signature: ECDSA_SHA256,
    issuer: name(s.issuer),
    subject: name(s.subject),
    validity: new Validity({ notBefore: s.notBefore, notAfter: s.notAfter }),
    subjectPublicKeyInfo: spkiOf(s.publicKey),
    extensions: new Extensions([
      ...s.extensions,
      extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId(s.publicKey))),
      extension(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({
          keyIdentifier: new KeyIdentifier(keyId(s.issuerKey.publicKey)),
        }),
      ),
    ]),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), s.issuerKey.privateKey);
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: ECDSA_SHA256,
    signatureValue: new Uint8Array(signature).buffer,
  });
  return pem('CERTIFICATE', new Uint8Array(AsnConvert.serialize(cert)));
}

/**
 * Writes `ca.pem` (the CA certificate peers and the CLI trust), `cert.pem` and
 * `key.pem` (the server's, for `--tls-cert` and `--tls-key`) into `out`; refuses to
 * overwrite any of them.
 */
export function generateTls(o: {
  readonly out: string;
  readonly hosts?: readonly string[];
  readonly days?: number;
  readonly now?: Date;
}): GeneratedTls {
  const hosts = o.hosts === undefined || o.hosts.length === 0 ? LOOPBACK_HOSTS : o.hosts;
  const altNames = hosts.map(altName);
  const days = o.days ?? DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 3650)
    throw new SetupError(`--days must be whole days from 1 to 3650, not '${days}'`);
  const files = {
    ca: join(o.out, 'ca.pem'),
    cert: join(o.out, 'cert.pem'),
    key: join(o.out, 'key.pem'),
  };
  for (const f of Object.values(files))
    if (existsSync(f)) throw new SetupError(`${f} exists: give --out a new directory`);
  // A minute's leeway for clocks a little behind this one.
  const notBefore = new Date(Math.floor((o.now ?? new Date()).getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + 60_000 + days * 86_400_000);
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caName = `Liaison private CA ${randomBytes(4).toString('hex')}`;
  const ca = certificate({
    subject: caName,
    issuer: caName,
    publicKey: caKeys.publicKey,
    issuerKey: caKeys,
    notBefore,
    notAfter,
    extensions: [
      // It signs server certificates only, none of another CA.
      extension(
        id_ce_basicConstraints,
        true,
        new BasicConstraints({ cA: true, pathLenConstraint: 0 }),
      ),
      extension(
        id_ce_keyUsage,
        true,
        new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign),
      ),
    ],
  });
  const cert = certificate({
    subject: hosts[0] ?? 'localhost',
    issuer: caName,
    publicKey: server.publicKey,
    issuerKey: caKeys,
    notBefore,
    notAfter,
    extensions: [
      extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
      extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
      extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth])),
      extension(id_ce_subjectAltName, false, new SubjectAlternativeName(altNames)),
    ],
  });
  mkdirSync(o.out, { recursive: true });
  writeFileSync(files.ca, ca, { mode: 0o644 });
  writeFileSync(files.cert, cert, { mode: 0o644 });
  writeFileSync(files.key, server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), {
    mode: 0o600,
  });
  return { ...files, hosts, notAfter };
}
