// C2SP signed notes and tlog-checkpoints, read and verified in the browser:
//   checkpoint body: "<origin>\n<size>\n<base64 root>\n"
//   verifier key:    "<name>+<key id, 8 hex>+<base64(0x01 || Ed25519 public key)>"
//   signature line:  "— <name> <base64(key id || signature)>"
//   cosignature (C2SP tlog-cosignature): key id SHA-256(name || "\n" || 0x04 || key)[:4],
//   blob = key id || 8-byte big-endian timestamp || Ed25519 signature of
//   "cosignature/v1\ntime <seconds>\n" + checkpoint body.
import { equalBytes, fromBase64, sha256, toHex } from './merkle';

const EM_DASH = '\u2014';

export interface NoteSignature {
  readonly name: string;
  readonly blob: Uint8Array;
  readonly line: string;
}

export interface ParsedNote {
  /** The signed text, ending in a newline. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

function parseNote(note: string): ParsedNote | null {
  const split = note.indexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) return null;
  const text = note.slice(0, split + 1);
  const signatures: NoteSignature[] = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = new RegExp(`^${EM_DASH} (\\S+) (\\S+)$`).exec(line);
    if (m === null) return null;
    try {
      signatures.push({ name: m[1] as string, blob: fromBase64(m[2] as string), line });
    } catch {
      return null;
    }
  }
  return { text, signatures };
}

export interface CheckpointBody {
  readonly origin: string;
  readonly size: number;
  /** base64, exactly as on the note's third line. */
  readonly root: string;
}

/** The origin, size and root lines of a checkpoint (its body, or the whole signed note). */
export function parseCheckpoint(note: string): CheckpointBody | null {
  const lines = note.split('\n');
  const [origin, sizeText, root] = lines;
  if (origin === undefined || sizeText === undefined || root === undefined) return null;
  if (origin === '' || !/^(0|[1-9][0-9]*)$/.test(sizeText)) return null;
  if (!/^[A-Za-z0-9+/]{43}=$/.test(root)) return null;
  return { origin, size: Number(sizeText), root };
}

export interface VerifierKey {
  readonly name: string;
  readonly id: Uint8Array;
  /** The raw 32-byte Ed25519 public key. */
  readonly key: Uint8Array;
}

async function keyId(name: string, alg: number, key: Uint8Array): Promise<Uint8Array> {
  const prefix = new TextEncoder().encode(`${name}\n`);
  const bytes = new Uint8Array(prefix.length + 1 + key.length);
  bytes.set(prefix, 0);
  bytes[prefix.length] = alg;
  bytes.set(key, prefix.length + 1);
  return (await sha256(bytes)).subarray(0, 4);
}

export async function parseVerifierKey(text: string): Promise<VerifierKey | null> {
  const m = /^([^+\s]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (m === null) return null;
  const [, name, idHex, keyB64] = m as unknown as [string, string, string, string];
  let raw: Uint8Array;
  try {
    raw = fromBase64(keyB64);
  } catch {
    return null;
  }
  if (raw.length !== 33 || raw[0] !== 0x01) return null;
  const key = raw.subarray(1);
  const id = await keyId(name, 0x01, key);
  if (toHex(id) !== idHex.toLowerCase()) return null;
  return { name, id, key };
}

/** Whether this browser's WebCrypto verifies Ed25519 (Chromium 137+, Firefox 129+, Safari 17+). */
let ed25519Support: Promise<boolean> | null = null;
function ed25519Supported(): Promise<boolean> {
  ed25519Support ??= (async () => {
    try {
      await globalThis.crypto.subtle.importKey(
        'raw',
        new Uint8Array(32) as BufferSource,
        { name: 'Ed25519' },
        false,
        ['verify'],
      );
      return true;
    } catch {
      return false;
    }
  })();
  return ed25519Support;
}

async function ed25519Verify(
  key: Uint8Array,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  const k = await globalThis.crypto.subtle.importKey(
    'raw',
    key as BufferSource,
    { name: 'Ed25519' },
    false,
    ['verify'],
  );
  return globalThis.crypto.subtle.verify(
    { name: 'Ed25519' },
    k,
    signature as BufferSource,
    message as BufferSource,
  );
}

/** valid / invalid; unsupported: this browser cannot check Ed25519; absent: no such signature. */
export type SignatureCheck = 'valid' | 'invalid' | 'unsupported' | 'absent';

/** Checks the signature of `verifier` on a signed note. */
export async function verifyNoteSignature(
  note: string,
  verifier: VerifierKey,
): Promise<SignatureCheck> {
  const parsed = parseNote(note);
  if (parsed === null) return 'invalid';
  const sig = parsed.signatures.find(
    (s) => s.name === verifier.name && equalBytes(s.blob.subarray(0, 4), verifier.id),
  );
  if (sig === undefined) return 'absent';
  if (!(await ed25519Supported())) return 'unsupported';
  if (sig.blob.length !== 4 + 64) return 'invalid';
  try {
    const ok = await ed25519Verify(
      verifier.key,
      sig.blob.subarray(4),
      new TextEncoder().encode(parsed.text),
    );
    return ok ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}

export interface CosignatureCheck {
  readonly result: SignatureCheck;
  /** When the witness cosigned (from the cosignature's timestamp). */
  readonly at: Date | null;
}

/**
 * Checks a witness's cosignature (C2SP tlog-cosignature) on a checkpoint note; the
 * witness's key is its own note verifier key (a Liaison node signs both with one key).
 */
export async function verifyCosignature(
  note: string,
  witness: VerifierKey,
): Promise<CosignatureCheck> {
  const parsed = parseNote(note);
  if (parsed === null) return { result: 'invalid', at: null };
  const id = await keyId(witness.name, 0x04, witness.key);
  const sig = parsed.signatures.find(
    (s) => s.name === witness.name && equalBytes(s.blob.subarray(0, 4), id),
  );
  if (sig === undefined) return { result: 'absent', at: null };
  if (sig.blob.length !== 4 + 8 + 64) return { result: 'invalid', at: null };
  const seconds = new DataView(sig.blob.buffer, sig.blob.byteOffset + 4, 8).getBigUint64(0, false);
  const at = new Date(Number(seconds) * 1000);
  if (!(await ed25519Supported())) return { result: 'unsupported', at };
  try {
    const message = new TextEncoder().encode(`cosignature/v1\ntime ${seconds}\n${parsed.text}`);
    const ok = await ed25519Verify(witness.key, sig.blob.subarray(12), message);
    return { result: ok ? 'valid' : 'invalid', at };
  } catch {
    return { result: 'invalid', at };
  }
}
