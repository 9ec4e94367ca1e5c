// docs/rules.md is the project's statement of its rules: it has a section for every rule
// id the core can put in a decision (RULE_IDS), a row for every reason code
// (REASON_CODES) with the core's own effect and rules, and nothing the core does not
// know. Each rule section lists the codes its rule gives, and every file or function it
// names exists, so the page cannot drift from the code either way.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASON_CODES, RULE_IDS } from '../../src/core/reasons.js';

const root = new URL('../../', import.meta.url);
const doc = readFileSync(new URL('docs/rules.md', root), 'utf8');
const lines = doc.split('\n');

/** The rule sections: `### X9. Title` up to the next heading of level 1–3. */
function ruleSections(): Map<string, string> {
  const sections = new Map<string, string>();
  let current: string | null = null;
  let body: string[] = [];
  const close = () => {
    if (current !== null) {
      expect(sections.has(current), `rule ${current} has two sections`).toBe(false);
      sections.set(current, body.join('\n'));
    }
  };
  for (const line of lines) {
    if (/^#{1,3} /.test(line)) {
      close();
      const m = /^### ([A-Z][0-9]+)\. \S/.exec(line);
      current = m?.[1] ?? null;
      body = [];
    } else {
      body.push(line);
    }
  }
  close();
  return sections;
}

/** The backquoted codes of a section's `- **Codes:**` line ("none" gives none). */
function sectionCodes(section: string, id: string): string[] {
  const line = section.split('\n').find((l) => l.startsWith('- **Codes:**'));
  expect(line, `rule ${id} has a "- **Codes:**" line`).toBeDefined();
  return [...(line ?? '').matchAll(/`([a-z-]+)`/g)].map((m) => m[1] ?? '');
}

interface DocumentedCode {
  readonly code: string;
  readonly effect: string;
  readonly rules: string[];
}

/** The rows of the reason-code table (the one whose header starts `| code`). */
function codeTable(): DocumentedCode[] {
  const start = lines.findIndex((l) => /^\| code\s+\| effect\s+\| rules\s+\|/.test(l));
  expect(start, 'docs/rules.md has the reason-code table').toBeGreaterThan(-1);
  const rows: DocumentedCode[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').map((c) => c.trim());
    const code = /^`([a-z-]+)`$/.exec(cells[1] ?? '')?.[1];
    expect(code, `a code in backquotes in: ${line}`).toBeDefined();
    const rules = cells[3] === '—' ? [] : (cells[3] ?? '').split(/\s+/);
    rows.push({ code: code ?? '', effect: cells[2] ?? '', rules });
  }
  return rows;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

const READER_DOCS = [
  'README.md',
  'ARCHITECTURE.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('the documents a reader opens', () => {
  const anchors = new Set(
    lines.filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))),
  );

  it('link only to files in the repository, and to headings docs/rules.md has', () => {
    let links = 0;
    for (const file of READER_DOCS) {
      const text = readFileSync(new URL(file, root), 'utf8');
      for (const [, target = ''] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target) || target.startsWith('#')) continue;
        links += 1;
        const [path = '', anchor] = target.split('#');
        const url = new URL(path, new URL(file, root));
        expect(existsSync(url), `${file} links to ${target}`).toBe(true);
        if (anchor !== undefined && url.pathname.endsWith('/docs/rules.md')) {
          expect(anchors.has(anchor), `${file} links to ${target}`).toBe(true);
        }
      }
      expect(text, `${file} sends the reader outside the repository`).not.toMatch(/\.\.\/shared\//);
    }
    expect(links).toBeGreaterThan(10);
  });
});

describe('docs/rules.md', () => {
  const sections = ruleSections();

  it('has one section per rule id of the core, in the core’s order, and no other', () => {
    expect([...sections.keys()]).toEqual([...RULE_IDS]);
  });

  it('lists every reason code of the core, in order, with the core’s effect and rules', () => {
    expect(codeTable()).toEqual(
      REASON_CODES.map((r) => ({ code: r.code, effect: r.effect, rules: [...r.rules] })),
    );
  });

  it('names, in each rule’s section, every code the core attributes to that rule', () => {
    for (const info of REASON_CODES) {
      for (const rule of info.rules) {
        const section = sections.get(rule) ?? '';
        expect(sectionCodes(section, rule), `${info.code} under ${rule}`).toContain(info.code);
      }
    }
  });

  it('names no code in a rule section that is not a reason code of the core', () => {
    const known = new Set<string>(REASON_CODES.map((r) => r.code));
    for (const [id, section] of sections) {
      for (const code of sectionCodes(section, id)) {
        expect(known.has(code), `${code} (rule ${id}) is a reason code`).toBe(true);
      }
    }
  });

  it('cites only rule ids the core knows', () => {
    const known = new Set<string>(RULE_IDS);
    const cited = [...doc.matchAll(/\b([LRFACPVX][0-9])\b/g)].map((m) => m[1] ?? '');
    expect(cited.length).toBeGreaterThan(RULE_IDS.length);
    expect(cited.filter((id) => !known.has(id))).toEqual([]);
  });

  it('names only files that exist, and functions those files define', () => {
    const named = [...doc.matchAll(/`((?:src|test|scenarios)\/[\w./-]+)`(?: \(([^)]*)\))?/g)];
    expect(named.length).toBeGreaterThan(RULE_IDS.length);
    for (const [, path = '', inParens = ''] of named) {
      const url = new URL(path, root);
      expect(existsSync(url), `${path} exists`).toBe(true);
      if (statSync(url).isDirectory()) continue;
      const text = readFileSync(url, 'utf8');
      for (const [, fn = ''] of inParens.matchAll(/`([A-Za-z_][A-Za-z0-9_]*)`/g)) {
        expect(text, `${path} defines ${fn}`).toMatch(new RegExp(`\\b${fn}\\b`));
      }
    }
  });
});
