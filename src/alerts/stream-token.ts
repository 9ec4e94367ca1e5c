// Positions in the alert stream, as officers see them (docs/decisions.md #120). The
// hub numbers events node-wide, in commit order; those numbers must not reach an
// officer, who could tell from a gap between two of them that an event they may not
// read exists, and from `ready` how many there were. An officer is given instead an
// opaque token for each position: the event's number and a time, sealed with
// AES-256-GCM under a key derived from the node's signing key (so every instance of
// the node reads every other's tokens). An event's id is sealed with a nonce derived
// from the event (HMAC), so the event has one id on every instance and every stream;
// `ready`'s position is sealed with a fresh nonce, so two `ready`s at the same
// position differ and nothing can be learnt by comparing them. The time is when the
// position was reached: a resume whose token is older than the events kept starts
// over, by time alone, never by a count of events the officer cannot see.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';

/** Where a token puts its reader: after event `seq`, reached at `at` (epoch ms). */
export interface StreamPosition {
  readonly seq: number;
  readonly at: number;
}

const NONCE = 12;
const TAG = 16;
const BODY = 16;
/** A token's length in base64url characters. */
export const TOKEN_LENGTH = Math.ceil(((NONCE + BODY + TAG) * 4) / 3);

const byKey = new WeakMap<KeyObject, StreamTokens>();

export class StreamTokens {
  private constructor(
    private readonly key: Buffer,
    private readonly nonceKey: Buffer,
  ) {}

  /** The tokens of the node whose signing key is `signingKey` (one per key). */
  static of(signingKey: KeyObject): StreamTokens {
    let t = byKey.get(signingKey);
    if (t === undefined) {
      const secret = signingKey.export({ format: 'der', type: 'pkcs8' });
      const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'liaison', info, 32));
      t = new StreamTokens(
        derive('liaison alert stream positions v1'),
        derive('liaison alert stream event ids v1'),
      );
      byKey.set(signingKey, t);
    }
    return t;
  }

  /** A fresh token for position `p`: unlike any other, even for the same position. */
  seal(p: StreamPosition): string {
    return this.sealWith(randomBytes(NONCE), bodyOf(p));
  }

  /** The id of the event at `p` (its number, and when it was recorded): one per event. */
  eventId(p: StreamPosition): string {
    const body = bodyOf(p);
    const nonce = createHmac('sha256', this.nonceKey).update(body).digest().subarray(0, NONCE);
    return this.sealWith(nonce, body);
  }

  private sealWith(nonce: Buffer, body: Buffer): string {
    const c = createCipheriv('aes-256-gcm', this.key, nonce);
    const sealed = Buffer.concat([nonce, c.update(body), c.final(), c.getAuthTag()]);
    return sealed.toString('base64url');
  }

  /** The position a token or event id holds, or null when this node did not make it. */
  open(token: string): StreamPosition | null {
    if (token.length !== TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    if (raw.length !== NONCE + BODY + TAG) return null;
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE));
      d.setAuthTag(raw.subarray(NONCE + BODY));
      const body = Buffer.concat([d.update(raw.subarray(NONCE, NONCE + BODY)), d.final()]);
      return { seq: Number(body.readBigUInt64BE(0)), at: Number(body.readBigUInt64BE(8)) };
    } catch {
      return null;
    }
  }
}

function bodyOf(p: StreamPosition): Buffer {
  const body = Buffer.alloc(BODY);
  body.writeBigUInt64BE(BigInt(p.seq), 0);
  body.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(p.at))), 8);
  return body;
}
