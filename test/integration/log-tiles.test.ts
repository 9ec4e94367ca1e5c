// The log as C2SP tlog-tiles, read from a real node process by a reader written here
// from the specs alone (c2sp.org/tlog-tiles, tlog-checkpoint, signed-note; RFC 6962),
// importing nothing of src/log: it verifies the checkpoint's Ed25519 signature with the
// node's verifier key, rebuilds the root from the tiles, hashes the entry bundles to the
// level-0 tiles, and checks an inclusion proof of /v1/log against the tiles. Bundles
// holding an entry about an item the reader may not read are refused (RULES V1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  startNodeProcess,
} from '../support/node-process.js';
import { mth, nodeHash, openNote, path, sha256, tileUrl } from '../support/tlog-reader.js';

// ------------------------------------------------------------ the node
let init: InitializedNode;
let node: NodeProcess;
const tokens: Record<'auditor' | 'lowAuditor' | 'officer' | 'clerk', string> = {
  auditor: '',
  lowAuditor: '',
  officer: '',
  clerk: '',
};
let itemEntry = -1;

/** GET as bytes, with the auditor's token unless another (or none: null) is given. */
async function bytes(p: string, token: string | null = tokens.auditor) {
  const res = await fetch(`${node.url}${p}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

beforeAll(async () => {
  init = initNodeDir('JP');
  node = await startNodeProcess(init.dir);
  const mk = async (username: string, clearance: string, roles: string[]) => {
    const u = await http(node.url, 'POST', '/v1/users', init.adminToken, {
      username,
      clearance,
      needToKnow: ['dprk-missile'],
      roles,
    });
    if (u.status !== 201) throw new Error(u.text);
    const t = await http(node.url, 'POST', `/v1/users/${username}/tokens`, init.adminToken, {
      label: 'tiles',
    });
    return (t.body as { token: string }).token;
  };
  tokens.auditor = await mk('t-auditor', 'KIMITSU', ['auditor']);
  tokens.lowAuditor = await mk('t-low-auditor', 'HI', ['auditor']);
  tokens.officer = await mk('t-officer', 'KIMITSU', ['officer']);
  tokens.clerk = await mk('t-clerk', 'HI', ['officer']);
  const item = await http(node.url, 'POST', '/v1/items', tokens.officer, {
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    title: 'Launch report',
    body: 'not in the log',
  });
  if (item.status !== 201) throw new Error(item.text);
  const itemId = (item.body as { id: string }).id;
  const open = await http(node.url, 'POST', '/v1/items', tokens.officer, {
    marking: 'HI',
    categories: ['dprk-missile'],
    title: 'Readable by HI',
    body: 'not in the log either',
  });
  if (open.status !== 201) throw new Error(open.text);
  const openId = (open.body as { id: string }).id;
  // Past the first tile: every read is logged (item.read), here of the HI item, which
  // both HI people may read.
  for (let i = 0; i < 300; i += 25) {
    const reads = await Promise.all(
      Array.from({ length: 25 }, () => http(node.url, 'GET', `/v1/items/${openId}`, tokens.clerk)),
    );
    if (reads.some((r) => r.status !== 200)) throw new Error('a read was refused');
  }
  const entries = (await http(node.url, 'GET', '/v1/log/entries?limit=100', tokens.auditor))
    .body as { index: number; data?: string }[];
  itemEntry =
    entries.find((e) => e.data?.includes(itemId) === true && e.data.includes('item.created'))
      ?.index ?? -1;
}, 120_000);

afterAll(async () => {
  await node?.stop();
});

describe('the log as C2SP tlog-tiles', () => {
  it('verifies end to end with a reader written from the specs', async () => {
    // 1. The checkpoint, verified with the verifier key from node init.
    const cp = await bytes('/checkpoint');
    expect(cp.status).toBe(200);
    expect(cp.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = openNote(cp.body.toString('utf8'), init.verifierKey);
    const [origin, sizeText, rootB64] = text.split('\n');
    expect(origin).toBe('liaison.local/JP');
    const size = Number(sizeText);
    const root = Buffer.from(rootB64 ?? '', 'base64');
    expect(size).toBeGreaterThan(300);
    expect(size).toBeLessThan(512);

    // 2. Every tile the checkpoint needs: level L has floor(size / 256^L) hashes.
    const tiles = new Map<string, Buffer>();
    for (let level = 0; Math.floor(size / 256 ** level) > 0; level++) {
      const count = Math.floor(size / 256 ** level);
      for (let n = 0; n * 256 < count; n++) {
        const width = Math.min(256, count - n * 256);
        const t = await bytes(tileUrl(level, n, width));
        expect(t.status, tileUrl(level, n, width)).toBe(200);
        expect(t.headers.get('content-type')).toBe('application/octet-stream');
        expect(t.headers.get('cache-control')).toBe(
          width === 256 ? 'private, max-age=31536000, immutable' : 'private, max-age=3600',
        );
        expect(t.body.length).toBe(32 * width);
        tiles.set(`${level}/${n}`, t.body);
      }
    }
    expect([...tiles.keys()]).toEqual(['0/0', '0/1', '1/0']);
    const hashesOf = (b: Buffer) =>
      Array.from({ length: b.length / 32 }, (_, i) => b.subarray(32 * i, 32 * i + 32));
    const leaves = [
      ...hashesOf(tiles.get('0/0') as Buffer),
      ...hashesOf(tiles.get('0/1') as Buffer),
    ];
    expect(leaves.length).toBe(size);

    // 3. The root: from the leaves, and from the level-1 tile (the full level-0 tile's
    // subtree hash) with the rest of the leaves; both equal the checkpoint's.
    expect(mth(leaves).equals(root)).toBe(true);
    const level1 = hashesOf(tiles.get('1/0') as Buffer);
    expect(level1.length).toBe(1);
    expect(mth(hashesOf(tiles.get('0/0') as Buffer)).equals(level1[0] as Buffer)).toBe(true);
    // size = 256 + r: the root is H(MTH(first 256), MTH(the rest)).
    expect(nodeHash(level1[0] as Buffer, mth(leaves.slice(256))).equals(root)).toBe(true);

    // 4. Entry bundles: uint16-length-prefixed entries, each hashing to its leaf.
    const entries: Buffer[] = [];
    for (let n = 0; n * 256 < size; n++) {
      const width = Math.min(256, size - n * 256);
      const b = await bytes(tileUrl('entries', n, width));
      expect(b.status, tileUrl('entries', n, width)).toBe(200);
      expect(b.headers.get('content-type')).toBe('application/octet-stream');
      // Content: the reader's right is checked again on every request.
      expect(b.headers.get('cache-control')).toBe('private, no-cache');
      let at = 0;
      while (at < b.body.length) {
        const len = b.body.readUInt16BE(at);
        entries.push(b.body.subarray(at + 2, at + 2 + len));
        at += 2 + len;
      }
      expect(at).toBe(b.body.length);
    }
    expect(entries.length).toBe(size);
    for (const [i, e] of entries.entries()) {
      expect(sha256(Buffer.from([0]), e).equals(leaves[i] as Buffer), `entry ${i}`).toBe(true);
      expect((JSON.parse(e.toString('utf8')) as { index: number }).index).toBe(i);
    }

    // 5. An inclusion proof from the API, against the tiles.
    for (const index of [itemEntry, 255, size - 1]) {
      const p = await http(
        node.url,
        'GET',
        `/v1/log/proof/inclusion?index=${index}&size=${size}`,
        tokens.auditor,
      );
      expect(p.status).toBe(200);
      const proof = p.body as { leafHash: string; root: string; proof: string[] };
      expect(Buffer.from(proof.leafHash, 'base64').equals(leaves[index] as Buffer)).toBe(true);
      expect(Buffer.from(proof.root, 'base64').equals(root)).toBe(true);
      expect(proof.proof).toEqual(path(index, leaves).map((h) => h.toString('base64')));
    }
  });

  it('refuses what the tree does not hold, and bad paths, saying what is wrong', async () => {
    const cp = (await bytes('/checkpoint')).body.toString('utf8');
    const size = Number(cp.split('\n')[1]);
    const notFull = await http(node.url, 'GET', '/tile/0/001', tokens.auditor);
    expect(notFull.status).toBe(404);
    expect((notFull.body as { error: { message: string } }).error.message).toMatch(
      /^tile\/0\/001 is not in the tree of \d+ entries .*ask for tile\/0\/001\.p\/\d+/,
    );
    const tooWide = await http(node.url, 'GET', '/tile/entries/001.p/255', tokens.auditor);
    expect(tooWide.status).toBe(404);
    expect(size - 256).toBeLessThan(255);
    const bad = await http(node.url, 'GET', '/tile/0/1', tokens.auditor);
    expect(bad.status).toBe(400);
    expect((bad.body as { error: { message: string } }).error.message).toBe(
      "tile/0/1: tile index element '1' is not three digits",
    );
    expect((await http(node.url, 'GET', '/tile/64/000', tokens.auditor)).status).toBe(400);
  });

  it('serves tiles to the audit roles only; a bundle with an entry the reader may not read is refused', async () => {
    for (const p of ['/checkpoint', '/tile/0/000', '/tile/entries/000']) {
      expect((await bytes(p, null)).status, p).toBe(401);
      const officer = await http(node.url, 'GET', p, tokens.officer);
      expect(officer.status, p).toBe(403);
      expect((officer.body as { error: { code: string } }).error.code).toBe('forbidden');
      // An admin may ask (the role passes); a bundle about an item they may not read is
      // refused for that reason, not for the role.
      const admin = await http(node.url, 'GET', p, init.adminToken);
      if (admin.status !== 200)
        expect(`${admin.status} ${admin.text}`).toMatch(/^403 .*about items you may not read/);
    }
    expect((await bytes('/tile/0/000', init.adminToken)).status).toBe(200);
    expect((await bytes('/checkpoint', init.adminToken)).status).toBe(200);
    // The HI auditor may not read the GOKUHI item: /v1/log/entries redacts its entry,
    // and the bundle holding it is refused; the hashes are not withheld.
    expect(itemEntry).toBeGreaterThanOrEqual(0);
    expect(itemEntry).toBeLessThan(256);
    const redacted = await http(
      node.url,
      'GET',
      `/v1/log/entries?start=${itemEntry}&limit=1`,
      tokens.lowAuditor,
    );
    expect((redacted.body as { redacted?: boolean }[])[0]?.redacted).toBe(true);
    const refused = await http(node.url, 'GET', '/tile/entries/000', tokens.lowAuditor);
    expect(refused.status).toBe(403);
    const message = (refused.body as { error: { message: string } }).error.message;
    expect(message).toMatch(
      /^tile\/entries\/000 holds \d+ entr(y|ies) about items you may not read/,
    );
    expect(message).toContain(String(itemEntry));
    expect(refused.text).not.toContain('GOKUHI');
    expect((await bytes('/tile/0/000', tokens.lowAuditor)).status).toBe(200);
    // The next bundle names no item: served.
    const size = Number((await bytes('/checkpoint')).body.toString('utf8').split('\n')[1]);
    const second = await bytes(tileUrl('entries', 1, size - 256), tokens.lowAuditor);
    expect(second.status).toBe(200);
  });
});
