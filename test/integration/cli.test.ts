// The `liaison` binary as users run it: a real process, real files, exit codes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'dist/cli/index.js');
const SHARED = resolve(ROOT, '../shared/scenarios');
let dir: string;

function liaison(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const HEAD = `name: bad input
parties: [JP, KR, US]
agreements:
  - use: gsomia-jp-kr-2016
users:
  - {id: kr-analyst, party: KR, clearance: II, needToKnow: [dprk-missile]}
items:
  - {id: report, originator: JP, marking: GOKUHI, categories: [dprk-missile]}
timeline:
`;

beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`build first: ${BIN} is missing (npm test builds it)`);
  dir = mkdtempSync(join(tmpdir(), 'liaison-cli-'));
});

/** Exit 2, the file and a location named, the problem stated, and no stack trace. */
function expectInvalid(
  r: ReturnType<typeof liaison>,
  path: string,
  where: RegExp,
  what: RegExp,
): void {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err).toContain(path);
  expect(r.err).toMatch(where);
  expect(r.err).toMatch(what);
  expect(r.err).not.toMatch(/\n\s+at |Error:|node_modules|\.ts:\d+/);
  expect(r.err.trim().split('\n')).toHaveLength(1);
}

describe('simulate: bad input exits 2 naming file, step or line, and what is wrong', () => {
  it('an unknown action', () => {
    const p = file(
      'unknown-action.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, launch: {item: report, to: KR}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:10: step 1:/,
      /unknown action 'launch' \(known: status, release/,
    );
  });

  it('an instant without a UTC offset', () => {
    const p = file(
      'no-offset.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00, release: {item: report, to: KR}}\n`,
    );
    expectInvalid(liaison('simulate', p), p, /:10: step 1 \(release\):/, /has no UTC offset/);
  });

  it('a date without a time is not an instant', () => {
    const p = file(
      'date-only.yaml',
      `${HEAD}  - {at: 2019-10-02, release: {item: report, to: KR}}\n`,
    );
    expectInvalid(liaison('simulate', p), p, /step 1 \(release\)/, /is not an instant/);
  });

  it('an out-of-order timeline', () => {
    const p = file(
      'out-of-order.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR}}\n  - {at: 2019-10-01T08:00:00+09:00, release: {item: report, to: KR}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:11: step 2 \(release\):/,
      /earlier than step 1's; timeline steps must be in time order/,
    );
  });

  it('an unknown party', () => {
    const p = file(
      'unknown-party.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KP}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:10: step 1 \(release\):/,
      /unknown party 'KP' in to \(declared parties: JP, KR, US\)/,
    );
  });

  it('an unknown marking (on an item)', () => {
    const p = file(
      'unknown-marking.yaml',
      HEAD.replace('marking: GOKUHI', 'marking: SECRET') +
        '  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR}}\n',
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:8:/,
      /unknown marking 'SECRET' for JP \(known: U, HI, GOKUHI, TOKUTEI, KIMITSU\)/,
    );
  });

  it('an unknown marking (in a reclassify step)', () => {
    const p = file(
      'unknown-marking-step.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, reclassify: {item: report, by: JP, marking: II}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:10: step 1 \(reclassify\):/,
      /unknown marking 'II' for JP/,
    );
  });

  it('a row naming a party outside the agreement', () => {
    const p = file(
      'row-party.yaml',
      `name: row
parties: [JP, KR, US]
agreements:
  - id: jp-kr
    parties: [JP, KR]
    rows:
      - {JP: [GOKUHI], KR: [II]}
      - {JP: [HI], US: [C]}
    entryIntoForce: 2020-01-01T00:00:00+09:00
    noticePeriod: P90D
    timezone: Asia/Tokyo
timeline: []
`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:8:/,
      /row 2 of jp-kr names US, which is not a party to the agreement \(parties: JP, KR\)/,
    );
  });

  it('a row naming a party outside the agreement, in an amendment', () => {
    const p = file(
      'amend-row.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, amend: {agreement: gsomia-jp-kr-2016, rows: [{JP: [HI], US: [C]}]}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:10: step 1 \(amend\):/,
      /names US, which is not a party/,
    );
  });

  it('duplicate ids', () => {
    const p = file(
      'duplicate.yaml',
      `${HEAD.replace('items:\n', 'items:\n  - {id: report, originator: JP, marking: HI, categories: [x]}\n')}  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR}}\n`,
    );
    expectInvalid(liaison('simulate', p), p, /:9:/, /item id 'report' is used twice/);
  });

  it('duplicate consent ids in the timeline', () => {
    const c = '{id: c1, item: report, by: JP, holder: KR, to: US}';
    const p = file(
      'duplicate-consent.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, consent: ${c}}\n  - {at: 2019-10-02T08:00:00+09:00, consent: ${c}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:11: step 2 \(consent\):/,
      /consent id 'c1' is used twice/,
    );
  });

  it('a YAML syntax error', () => {
    const p = file(
      'syntax.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR}\n`,
    );
    expectInvalid(liaison('simulate', p), p, /:\d+:/, /YAML syntax error/);
  });

  it("an acting user of another party (RULES P1: the step's `user` must be the acting party's)", () => {
    const p = file(
      'foreign-user.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR, user: kr-analyst}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /step 1 \(release\):/,
      /user 'kr-analyst' is a person of KR, but JP acts in this step/,
    );
  });

  it('a YAML alias bomb is refused, not expanded', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      levels.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const p = file('bomb.yaml', `${levels.join('\n')}\n`);
    expectInvalid(
      liaison('simulate', p),
      p,
      /bomb\.yaml/,
      /YAML aliases: .*at most \d+ alias expansions/,
    );
  });

  it('a wrong field type', () => {
    const p = file(
      'type.yaml',
      HEAD.replace('categories: [dprk-missile]}', 'categories: dprk-missile}') +
        '  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR}}\n',
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:8:/,
      /items\[0\]\.categories must be a list, not the text 'dprk-missile'/,
    );
  });

  it('a wrong field type in a step (a number where an id belongs)', () => {
    const p = file(
      'type-step.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, release: {item: 42, to: KR}}\n`,
    );
    expectInvalid(
      liaison('simulate', p),
      p,
      /:10: step 1 \(release\):/,
      /must be text, not number 42 \(quote it/,
    );
  });

  it('an unknown reason code in an expectation', () => {
    const p = file(
      'reason.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR}, expect: {decision: deny, reason: nope}}\n`,
    );
    expectInvalid(liaison('simulate', p), p, /step 1 \(release\)/, /unknown reason code 'nope'/);
  });

  it('a malformed JSON scenario names the line', () => {
    const p = file('broken.json', '{\n  "name": "x",\n  "parties": ["JP",]\n}\n');
    expectInvalid(liaison('simulate', p), p, /broken\.json(:\d+)?:/, /JSON syntax error/);
  });

  it('a missing file', () => {
    const r = liaison('simulate', join(dir, 'nope.yaml'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot read '.*nope\.yaml': no such file/);
  });

  it('--json errors are JSON on stderr', () => {
    const p = file(
      'json-error.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00, release: {item: report, to: KR}}\n`,
    );
    const r = liaison('simulate', p, '--json');
    expect(r.code).toBe(2);
    const e = JSON.parse(r.err) as {
      error: { code: string; file: string; line: number; step: number };
    };
    expect(e.error).toMatchObject({ code: 'scenario-invalid', file: p, line: 10, step: 1 });
  });
});

describe('simulate: results and exit codes', () => {
  it('the shared 2019 scenario passes (exit 0), as a table and as JSON Lines', () => {
    const shared = join(SHARED, 'gsomia-2019.yaml');
    const path = existsSync(shared) ? shared : join(ROOT, 'scenarios/gsomia-2019.yaml');
    const table = liaison('simulate', path);
    expect(table.code).toBe(0);
    expect(table.out).toContain('13 steps: 13 of 13 expectations met');
    const json = liaison('simulate', path, '--json');
    expect(json.code).toBe(0);
    const lines = json.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(13);
    expect(lines[3]).toMatchObject({
      step: 4,
      at: '2019-10-02T08:00:00+09:00',
      action: 'release',
      decision: 'allow',
      marking: {
        party: 'KR',
        code: 'II',
        name: '군사II급비밀',
        en: 'SECRET',
        originator: { party: 'JP', code: 'GOKUHI', name: '極秘' },
      },
      expect: 'ok',
    });
    expect((lines[3]?.reasons as { code: string; ref: string }[] | undefined)?.[0]).toMatchObject({
      code: 'allowed',
      ref: 'gsomia-jp-kr-2016 Art. 4.2',
    });
    expect(lines[8]).toMatchObject({
      action: 'status',
      state: 'in-force',
      termEnd: '2020-11-23T00:00:00+09:00',
      endedBy: null,
      notice: { by: 'KR', target: '2019-11-23T00:00:00+09:00', suspended: true },
      contested: false,
      expect: 'ok',
    });
  });

  it('a failed expectation exits 1 and shows what was expected', () => {
    const p = file(
      'mismatch.yaml',
      `${HEAD}  - {at: 2019-10-02T08:00:00+09:00, release: {item: report, to: KR}, expect: deny}\n`,
    );
    const r = liaison('simulate', p);
    expect(r.code).toBe(1);
    expect(r.out).toContain('MISMATCH');
    expect(r.out).toContain('decision allow, expected deny');
    const j = liaison('simulate', p, '--json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.out)).toMatchObject({ expect: 'mismatch', expected: 'deny' });
  });

  it('with no file, simulate replays the built-in 2019 scenario (what npm start runs)', () => {
    const r = liaison('simulate');
    expect(r.code).toBe(0);
    expect(r.out).toContain('GSOMIA 2019, as it happened');
  });

  it("every scenario in the repository's scenarios/ folder passes", () => {
    const files = readdirSync(join(ROOT, 'scenarios')).filter((f) => /\.(ya?ml|json)$/.test(f));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) {
      const r = liaison('simulate', join(ROOT, 'scenarios', f), '--json');
      expect({ file: f, code: r.code, err: r.err }).toEqual({ file: f, code: 0, err: '' });
    }
  });
});

describe('agreement explain and rules', () => {
  it('explain prints the term, boundaries, next notice deadline, pending notice and the equivalence table', () => {
    const r = liaison(
      'agreement',
      'explain',
      'gsomia-jp-kr-2016',
      '--at',
      '2019-08-23T10:00:00+09:00',
      '--scenario',
      join(ROOT, 'scenarios/gsomia-2019.yaml'),
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain("times in Asia/Seoul (the agreement's zone)");
    expect(r.out).toContain('current term #3: 2018-11-23 00:00 +09:00 → 2019-11-23 00:00 +09:00');
    expect(r.out).toContain(
      'next notice deadline: to stop renewal at 2019-11-23 00:00 +09:00, notice must arrive by 2019-08-25 00:00 +09:00 (B − P90D; in 38 hours)',
    );
    expect(r.out).toContain(
      'pending notice by KR: the agreement ends at 2019-11-23 00:00 +09:00 (in 91 days); received 2019-08-23 10:00 +09:00',
    );
    // Markings in the CLI's one form: native name, English gloss.
    expect(r.out).toMatch(
      /極秘 \(SECRET\) \/ 特定秘密 \(SPECIALLY DESIGNATED SECRET\)\s+군사II급비밀 \(SECRET\)/,
    );
    expect(r.out).toContain(
      'not covered: JP 機密 (TOP SECRET); KR 군사 대외비 (RESTRICTED) / 군사I급비밀 (TOP SECRET)',
    );
  });

  it('explain prints in the agreement’s zone whatever the offset of --at or the machine’s zone', () => {
    const at = (instant: string, tz: string) =>
      spawnSync(
        process.execPath,
        [
          BIN,
          'agreement',
          'explain',
          'gsomia-jp-kr-2016',
          ...(instant === '' ? [] : ['--at', instant]),
        ],
        { encoding: 'utf8', cwd: ROOT, env: { ...process.env, TZ: tz } },
      ).stdout;
    // The same instant written in UTC, asked on a machine in New York.
    const utc = at('2019-08-23T01:00:00Z', 'America/New_York');
    expect(utc).toContain('At 2019-08-23 10:00 +09:00: IN-FORCE');
    expect(utc).toContain('boundaries: b1 2017-11-23 00:00 +09:00 (passed)');
    expect(utc).not.toMatch(/\d\dZ\b|-04:00|-05:00/);
    // Without --at: now, still in Seoul's time (the machine is in UTC).
    const now = at('', 'UTC');
    expect(now).toContain("times in Asia/Seoul (the agreement's zone)");
    expect(now).toMatch(/^At \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? \+09:00: IN-FORCE/m);
    expect(now).not.toMatch(/\d UTC\b|Z\b/);
  });

  it('explain with a suspended notice says what resuming would do and counts nothing down', () => {
    const r = liaison(
      'agreement',
      'explain',
      'gsomia-jp-kr-2016',
      '--at',
      '2019-11-22T20:00:00+09:00',
      '--scenario',
      join(ROOT, 'scenarios/gsomia-2019.yaml'),
    );
    expect(r.code).toBe(0);
    const line = r.out.split('\n').find((l) => l.includes('pending notice')) ?? '';
    expect(line).toContain(
      'pending notice by KR SUSPENDED: it terminates nothing while suspended; if resumed before 2019-11-23 00:00 +09:00, the agreement ends then; resumed later, at once (RULES L5)',
    );
    expect(line).not.toMatch(/\bin \d+ (days?|hours?|minutes?)\b/);
    const past = liaison(
      'agreement',
      'explain',
      'gsomia-jp-kr-2016',
      '--at',
      '2020-01-01T00:00:00+09:00',
      '--scenario',
      join(ROOT, 'scenarios/gsomia-2019.yaml'),
    );
    expect(past.out).toContain(
      'pending notice by KR SUSPENDED past its target 2019-11-23 00:00 +09:00: it terminates nothing; if resumed, the agreement ends at once (contested, RULES L5)',
    );
  });

  it('explain --json, on a template with no scenario, labels its assumptions', () => {
    const r = liaison(
      'agreement',
      'explain',
      'tisa-2014',
      '--at',
      '2020-01-01T00:00:00Z',
      '--json',
    );
    expect(r.code).toBe(0);
    const x = JSON.parse(r.out) as Record<string, unknown>;
    expect(x).toMatchObject({
      id: 'tisa-2014',
      state: 'in-force',
      termEnd: null,
      topology: { hub: 'US' },
      notice: null,
    });
    expect(
      (x.assumptions as string[]).some((a) => a.startsWith('ASSUMPTION: the equivalence rows')),
    ).toBe(true);
  });

  it('explain with a suspended notice past its target shows it suspended and the next deadline', () => {
    const r = liaison(
      'agreement',
      'explain',
      'gsomia-jp-kr-2016',
      '--at',
      '2020-01-01T00:00:00+09:00',
      '--scenario',
      join(ROOT, 'scenarios/gsomia-2019.yaml'),
      '--json',
    );
    const x = JSON.parse(r.out) as Record<string, unknown>;
    expect(x.notice).toMatchObject({
      by: 'KR',
      suspended: true,
      target: '2019-11-23T00:00:00+09:00',
    });
    expect(x.nextNoticeDeadline).toEqual({
      boundary: '2020-11-23T00:00:00+09:00',
      deadline: '2020-08-25T00:00:00+09:00',
      noticePeriod: 'P90D',
    });
  });

  it('explain refuses an instant without an offset and an unknown agreement with exit 2', () => {
    const a = liaison('agreement', 'explain', 'gsomia-jp-kr-2016', '--at', '2019-08-23T10:00:00');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--at: instant '2019-08-23T10:00:00' has no UTC offset/);
    const b = liaison('agreement', 'explain', 'nope', '--at', '2019-08-23T10:00:00Z');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown agreement 'nope': built in are gsomia-jp-kr-2016/);
  });

  it('rules lists schemes, templates and every reason code; --json too', () => {
    const r = liaison('rules');
    expect(r.code).toBe(0);
    expect(r.out).toContain('GOKUHI 極秘, TOKUTEI 特定秘密');
    expect(r.out).toContain('tisa-2014');
    expect(r.out).toContain('hub-route-required');
    const j = JSON.parse(liaison('rules', '--json').out) as {
      reasonCodes: { code: string }[];
      templates: unknown[];
    };
    expect(j.reasonCodes).toHaveLength(26);
    expect(j.templates).toHaveLength(4);
  });

  it('unknown commands and options exit 2 with a hint; --help exits 0', () => {
    const a = liaison('simulat');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/unknown command 'simulat'/);
    const b = liaison('rules', '--jsn');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown option '--jsn'/);
    const h = liaison('--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('simulate');
  });

  it('usage errors name the flag in a person’s words, before any node is asked', () => {
    const c = liaison(
      'item',
      'create',
      '--marking',
      'GOKUHI',
      '--title',
      't',
      '--node',
      '127.0.0.1:9',
    );
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/item create needs at least one --category/);
    const n = liaison('item', 'list', '--node', 'ftp://x');
    expect(n.code).toBe(2);
    expect(n.err).toMatch(/--node 'ftp:\/\/x' is not a node address/);
    // The id is asked for before --to, and the hint is the subcommand's own help.
    const r = liaison('item', 'release', '--node', '127.0.0.1:9');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/missing required argument 'id' \(see: liaison item release --help\)/);
    expect(liaison('item', 'release', 'x', '--node', '127.0.0.1:9').err).toMatch(
      /item release needs --to <party>/,
    );
    expect(liaison('item', '--help').out).toMatch(/release[\s\S]*forward/);
    // host:port is a node address: the node is then simply not there.
    const u = liaison('item', 'list', '--node', '127.0.0.1:9', '--token', 't');
    expect(u.code).toBe(3);
    expect(u.err).toMatch(/cannot reach the node at http:\/\/127\.0\.0\.1:9/);
  });
});
