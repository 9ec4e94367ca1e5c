// Encryption at rest (issue 14 point 2; docs/decisions.md #140–#146) on three real
// nodes: JP and US on SQLite, KR on PostgreSQL. Items with distinctive English,
// Japanese and Korean titles and bodies, released both ways, a FLASH alert with
// distinctive remarks, and an attachment (2 MiB of distinctive text) at JP and KR:
// the stores' files (db, -wal, -shm) and a pg_dump of KR's database hold none of
// those strings (in UTF-8, escaped as JSON \uXXXX, or as hex), while the API returns
// them. Then: rotating the node key re-wraps the data keys without touching content
// (the title's ciphertext is the same bytes), the old key is gone, a second instance
// of KR picks up the new key, and a passphrase change re-wraps the node key in the
// store.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import {
  http,
  liaison,
  type NodeProcess,
  PASSPHRASE,
  startNodeProcess,
} from '../support/node-process.js';

type Json = Record<string, unknown>;

const TAG = `z${Date.now().toString(36)}`;
const TEXTS = {
  title: `Quartermaster ${TAG} ledger: 弾道ミサイル発射の兆候 북한 미사일 발사 징후`,
  body: `Observed ${TAG} fuelling at Sohae; 燃料注入を確認した。서해 발사장에서 연료 주입을 확인함.`,
  krTitle: `Seoul ${TAG} assessment: 조선중앙통신 보도 분석 ウラン濃縮`,
  krBody: `Body ${TAG}: 핵실험 준비 정황, 坑道の再掘削`,
  remarks: `Remark ${TAG}: 第二弾の可能性 두 번째 발사 가능성`,
  attachment: `Attachment ${TAG}: 衛星画像の解析結果 위성 사진 분석 결과`,
  /** A file's name says what it is: content too. */
  fileName: `sohae-${TAG}-発射台.txt`,
};
/** A file's bytes: the distinctive text, repeated across more than one 1 MiB chunk. */
const FILE = Buffer.from(`${TEXTS.attachment}\n`.repeat(40_000), 'utf8');
/** What must never be found in the stores: whole texts, and distinctive pieces of them. */
const NEEDLES = [
  ...Object.values(TEXTS),
  `Quartermaster ${TAG}`,
  '弾道ミサイル発射の兆候',
  '북한 미사일 발사 징후',
  '燃料注入を確認した',
  '서해 발사장에서',
  '조선중앙통신',
  '핵실험 준비 정황',
  '第二弾の可能性',
  '두 번째 발사 가능성',
  '衛星画像の解析結果',
  '위성 사진 분석 결과',
  TAG,
];

/** A string as JSON may escape it: every non-ASCII character as \uXXXX. */
const jsonEscaped = (s: string) =>
  s.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
/** UTF-8, JSON-escaped (either case), and hex (how pg_dump writes a bytea column). */
const forms = (s: string) => [
  Buffer.from(s, 'utf8'),
  Buffer.from(Buffer.from(s, 'utf8').toString('hex'), 'utf8'),
  Buffer.from(jsonEscaped(s), 'utf8'),
  Buffer.from(jsonEscaped(s).toUpperCase().replace(/\\U/g, '\\u'), 'utf8'),
];

/** The needles (in any form) found in `bytes`, by name. */
function found(bytes: Buffer): string[] {
  return NEEDLES.filter((n) => forms(n).some((f) => bytes.includes(f)));
}

function sqliteFiles(dir: string): Buffer {
  const db = join(dir, 'store.sqlite');
  return Buffer.concat(
    [db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
  );
}

function pgDump(target: string): Buffer {
  const r = spawnSync('pg_dump', ['--no-owner', target], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`pg_dump: ${r.stderr.toString()}`);
  return r.stdout;
}

let pg: TestDatabase;
let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, r: 'officer' | 'ra' | 'admin') => trio.members[p].tokens[r];
const ids = { jp: '', kr: '', alert: '', jpFile: '', krFile: '' };
const FILE_SHA = createHash('sha256').update(FILE).digest('hex');

/** Uploads FILE and makes an item naming it (the file's name is not distinctive). */
async function withFile(p: Party): Promise<string> {
  const up = await fetch(`${url(p)}/v1/attachments`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tok(p, 'ra')}`,
      'content-type': 'application/octet-stream',
    },
    body: FILE,
  });
  expect(up.status, await up.clone().text()).toBe(201);
  const r = await http(url(p), 'POST', '/v1/items', tok(p, 'ra'), {
    marking: p === 'JP' ? 'GOKUHI' : 'II',
    categories: ['dprk-missile'],
    title: 'imagery',
    body: 'see the file',
    attachments: [{ name: TEXTS.fileName, type: 'text/plain', sha256: FILE_SHA }],
  });
  expect(r.status, r.text).toBe(201);
  return (r.body as { id: string }).id;
}
let krB: NodeProcess | null = null;

async function create(p: Party, title: string, body: string): Promise<string> {
  const r = await http(url(p), 'POST', '/v1/items', tok(p, 'ra'), {
    marking: p === 'JP' ? 'GOKUHI' : 'II',
    categories: ['dprk-missile'],
    title,
    body,
  });
  expect(r.status, r.text).toBe(201);
  return (r.body as { id: string }).id;
}

async function readAt(at: string, token: string, id: string): Promise<Json | undefined> {
  const r = await http(at, 'GET', `/v1/items/${id}`, token);
  return r.status === 200 ? (r.body as Json) : undefined;
}

beforeAll(async () => {
  pg = await createTestDatabase('postgres');
  trio = await startTrio({ KR: pg.target });
  ids.jp = await create('JP', TEXTS.title, TEXTS.body);
  ids.kr = await create('KR', TEXTS.krTitle, TEXTS.krBody);
  ids.jpFile = await withFile('JP');
  ids.krFile = await withFile('KR');
  for (const [p, id, to] of [
    ['JP', ids.jp, ['KR', 'US']],
    ['KR', ids.kr, ['JP']],
  ] as const) {
    const r = await http(url(p), 'POST', `/v1/items/${id}/releases`, tok(p, 'ra'), { to });
    expect(r.status, r.text).toBe(200);
  }
  const preset = (await http(url('JP'), 'GET', '/v1/alerts/presets/launch', tok('JP', 'officer')))
    .body as Json;
  const sent = await http(url('JP'), 'POST', '/v1/alerts', tok('JP', 'ra'), {
    alert: { ...preset, remarks: TEXTS.remarks },
  });
  expect(sent.status, sent.text).toBe(201);
  ids.alert = (sent.body as { id: string }).id;
  await waitFor(
    'the items and the alert at their recipients',
    async () => {
      const kr = await readAt(url('KR'), tok('KR', 'officer'), ids.jp);
      const us = await readAt(url('US'), tok('US', 'officer'), ids.jp);
      const jp = await readAt(url('JP'), tok('JP', 'officer'), ids.kr);
      const alerts = (await http(url('KR'), 'GET', '/v1/alerts', tok('KR', 'officer'))).body;
      return (
        kr !== undefined &&
        us !== undefined &&
        jp !== undefined &&
        Array.isArray(alerts) &&
        alerts.some((a: Json) => a.id === ids.alert)
      );
    },
    60_000,
  );
}, 240_000);

afterAll(async () => {
  await krB?.stop();
  await trio?.stop();
  await pg?.drop();
});

describe('encryption at rest', () => {
  it('the API gives the content back to those who may read it', async () => {
    for (const [p, id, title, body] of [
      ['JP', ids.jp, TEXTS.title, TEXTS.body],
      ['KR', ids.jp, TEXTS.title, TEXTS.body],
      ['US', ids.jp, TEXTS.title, TEXTS.body],
      ['JP', ids.kr, TEXTS.krTitle, TEXTS.krBody],
      ['KR', ids.kr, TEXTS.krTitle, TEXTS.krBody],
    ] as const) {
      const item = await readAt(url(p), tok(p, 'officer'), id);
      expect(item, `${id} at ${p}`).toMatchObject({ title, body });
    }
    const alert = (await http(url('KR'), 'GET', `/v1/alerts/${ids.alert}`, tok('KR', 'officer')))
      .body as Json;
    expect(JSON.stringify(alert)).toContain(TEXTS.remarks);
    for (const [p, id] of [
      ['JP', ids.jpFile],
      ['KR', ids.krFile],
    ] as const) {
      const res = await fetch(`${url(p)}/v1/items/${id}/attachments/${FILE_SHA}`, {
        headers: { authorization: `Bearer ${tok(p, 'officer')}` },
      });
      expect(res.status, p).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(FILE), p).toBe(true);
    }
    // The search index is built from the opened texts.
    const s = await http(url('JP'), 'GET', `/v1/search?q=${TAG}`, tok('JP', 'officer'));
    const hits = (s.body as Json[]).map((i) => i.id);
    for (const id of [ids.jp, ids.kr, ids.alert]) expect(hits).toContain(id);
  });

  it("no store's files, nor a pg_dump, hold the content in clear (UTF-8, JSON-escaped or hex)", () => {
    for (const p of ['JP', 'US'] as const) {
      const bytes = sqliteFiles(trio.members[p].init.dir);
      // The check reads the right bytes: metadata in clear is found.
      expect(bytes.includes(Buffer.from('dprk-missile')), p).toBe(true);
      expect(bytes.includes(Buffer.from(ids.jp)), p).toBe(true);
      expect(found(bytes), `${p}'s SQLite files`).toEqual([]);
    }
    const dump = pgDump(pg.target);
    expect(dump.includes(Buffer.from(ids.jp))).toBe(true);
    expect(dump.includes(Buffer.from('data_keys'))).toBe(true);
    expect(found(dump), "KR's pg_dump").toEqual([]);
    // The self-check of the check: the same needles are found where they are in clear.
    expect(found(Buffer.from(JSON.stringify(TEXTS)))).toContain(TEXTS.title);
    expect(found(Buffer.from(jsonEscaped(TEXTS.krBody)))).toContain(TEXTS.krBody);
    expect(found(Buffer.from(`\\x${FILE.subarray(0, 200).toString('hex')}`))).toContain(
      '衛星画像の解析結果',
    );
  });

  it('rotation re-wraps every data key, leaves the ciphertext as it was, and deletes the old key', async () => {
    const dir = trio.members.JP.init.dir;
    const peek = async () => {
      const store = await openStore(join(dir, 'store.sqlite'));
      try {
        const item = await store.db
          .selectFrom('items')
          .select('title')
          .where('id', '=', ids.jp)
          .executeTakeFirstOrThrow();
        const keys = await store.db.selectFrom('data_keys').selectAll().execute();
        const meta = await store.db
          .selectFrom('meta')
          .select('value')
          .where('key', '=', 'data-kek')
          .executeTakeFirstOrThrow();
        return { title: item.title, keys, kek: (JSON.parse(meta.value) as { id: string }).id };
      } finally {
        await store.close();
      }
    };
    const before = await peek();
    expect(before.title.startsWith('ea1.')).toBe(true);
    expect(new Set(before.keys.map((k) => k.kek_id))).toEqual(new Set([before.kek]));
    const r = liaison([
      'node',
      'rotate-data-key',
      '--node',
      url('JP'),
      '--token',
      tok('JP', 'admin'),
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const rotated = JSON.parse(r.out) as { previous: string; next: string; keys: number };
    expect(rotated.previous).toBe(before.kek);
    expect(rotated.keys).toBe(before.keys.length);
    const after = await peek();
    expect(after.kek).toBe(rotated.next);
    expect(after.title).toBe(before.title);
    expect(after.keys.every((k) => k.kek_id === rotated.next)).toBe(true);
    expect(after.keys.map((k) => k.owner).sort()).toEqual(before.keys.map((k) => k.owner).sort());
    for (const k of after.keys)
      expect(k.wrapped).not.toBe(before.keys.find((b) => b.owner === k.owner)?.wrapped);
    // The old key's id stays in the log (the rotation's entry names it); the key is gone.
    expect(after.keys.some((k) => k.kek_id === before.kek)).toBe(false);
    // Still readable, now and after a restart (the new key opens with the passphrase).
    expect(await readAt(url('JP'), tok('JP', 'officer'), ids.jp)).toMatchObject({
      title: TEXTS.title,
    });
    await trio.restart('JP');
    expect(await readAt(url('JP'), tok('JP', 'officer'), ids.kr)).toMatchObject({
      body: TEXTS.krBody,
    });
    // Only an admin rotates; it is logged.
    const denied = await http(url('JP'), 'POST', '/v1/node/data-key/rotate', tok('JP', 'ra'));
    expect(denied.status).toBe(403);
    const log = (
      await http(url('JP'), 'GET', '/v1/log/entries?start=0&limit=10000', tok('JP', 'admin'))
    ).body;
    expect(JSON.stringify(log)).toContain('node.data-key-rotated');
  });

  it('another instance of KR (PostgreSQL) picks up a rotation made at the first', async () => {
    krB = await startNodeProcess(trio.members.KR.init.dir);
    const b = krB.url;
    expect(await readAt(b, tok('KR', 'officer'), ids.kr)).toMatchObject({ title: TEXTS.krTitle });
    const oldRecord = await (async () => {
      const st = await openStore(pg.target);
      try {
        return (
          await st.db
            .selectFrom('meta')
            .select('value')
            .where('key', '=', 'data-kek')
            .executeTakeFirstOrThrow()
        ).value;
      } finally {
        await st.close();
      }
    })();
    const r = await http(url('KR'), 'POST', '/v1/node/data-key/rotate', tok('KR', 'admin'));
    expect(r.status, r.text).toBe(200);
    // An item made at A under the new key reads at B; one made at B reads at A.
    const atA = await create('KR', `after rotation A ${TAG}`, 'a');
    const made = await http(b, 'POST', '/v1/items', tok('KR', 'ra'), {
      marking: 'II',
      categories: ['dprk-missile'],
      title: `after rotation B ${TAG}`,
      body: 'b',
    });
    expect(made.status, made.text).toBe(201);
    const atB = (made.body as { id: string }).id;
    await waitFor('both instances to read both items', async () => {
      const x = await readAt(b, tok('KR', 'officer'), atA);
      const y = await readAt(url('KR'), tok('KR', 'officer'), atB);
      return x !== undefined && y !== undefined;
    });
    const kek = (r.body as { next: string }).next;
    // Every data key in the store is wrapped by the current node key; the old one's
    // record is gone from the database (a dump holds live rows only).
    const store = await openStore(pg.target);
    try {
      const meta = await store.db
        .selectFrom('meta')
        .select('value')
        .where('key', '=', 'data-kek')
        .executeTakeFirstOrThrow();
      expect(meta.value).toContain(kek);
      expect(pgDump(pg.target).toString('utf8')).not.toContain(oldRecord);
      const kekIds = await store.db.selectFrom('data_keys').select('kek_id').distinct().execute();
      expect(kekIds.map((k) => k.kek_id)).toEqual([kek]);
    } finally {
      await store.close();
    }
  });

  it('a passphrase change re-wraps the node key in the store: the old one no longer opens it', async () => {
    const m = trio.members.US;
    await m.proc.stop();
    const next = 'another passphrase for US';
    const r = liaison(['node', 'passphrase', '--data', m.init.dir], {
      LIAISON_NEW_PASSPHRASE: next,
    });
    expect(r.code, r.err).toBe(0);
    const target = join(m.init.dir, 'store.sqlite');
    await expect(openStore(target, PASSPHRASE)).rejects.toThrow(
      /cannot open the node's data key: wrong passphrase/,
    );
    const store = await openStore(target, next);
    try {
      const n = await store.db.selectFrom('data_keys').select('owner').execute();
      expect(n.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
