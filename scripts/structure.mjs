// The structure rules of ARCHITECTURE.md, checked by `npm run check` (and reported by
// `node scripts/structure.mjs --report`):
// - layers: a module (a folder of src/) imports only modules below it, so there is no
//   cycle between modules;
// - the store: Kysely is used only in src/store (and the log's own storage);
// - size: no file in src over 500 lines (bar the generated API types, which no rule here
//   applies to: cli/api-types.ts, by scripts/openapi.mjs);
// - casts: at most 40 `as` casts in src, each with a comment on its line or the line
//   before saying why it is safe;
// - the log: events are written only through `record` (src/node/events.ts), each event
//   type from one place in src;
// - the World changes only through the core's effects: its mutators (addAgreement,
//   addUser, updateUser, addItem, addParty, and setting holdings or consents) are
//   called only in src/core.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');
const report = process.argv.includes('--report');

/** The layers, lowest first; a module may import its own and lower ones only. */
const LAYERS = [
  ['core'],
  ['crypto', 'log', 'store', 'simulate', 'bus', 'interop'],
  ['node'],
  ['federation'],
  ['alerts'],
  ['api'],
  ['app'],
  ['cli'],
];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i])));
/** Where Kysely may be used. */
const STORE = ['store/'];
const MAX_LINES = 500;
const MAX_CASTS = 40;
/** Generated files (scripts/openapi.mjs), never edited by hand: no rule applies to them. */
const GENERATED = ['cli/api-types.ts'];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

/** The World's mutators: only src/core calls them (applyEffect and World.create). */
const WORLD_MUTATORS = ['addAgreement', 'addUser', 'updateUser', 'addItem', 'addParty'];
const WORLD_MAPS = ['holdings', 'consents', 'consentsByItem', 'items', 'users', 'agreements'];

const problems = [];
/** event type -> files and lines that record it */
const recorded = new Map();
const edges = new Map(); // "a -> b" -> example file
const castSites = [];
const sizes = [];
let kyselyCalls = 0;
const kyselyFiles = new Set();

for (const file of files(SRC)) {
  const rel = relative(SRC, file);
  if (GENERATED.includes(rel)) continue;
  const module = rel.split('/')[0] ?? '';
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  sizes.push([lines.length, rel]);
  if (lines.length > MAX_LINES)
    problems.push(`${rel}: ${lines.length} lines (at most ${MAX_LINES})`);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const spec = node.moduleSpecifier.text;
      if (spec.startsWith('.')) {
        const target = relative(SRC, resolve(dirname(file), spec));
        const to = target.split('/')[0] ?? '';
        if (to !== module && !to.startsWith('..')) {
          const key = `${module} -> ${to}`;
          if (!edges.has(key)) edges.set(key, rel);
        }
      } else if (spec === 'kysely' && !STORE.some((s) => rel.startsWith(s))) {
        const typeOnly = ts.isImportDeclaration(node) && node.importClause?.isTypeOnly === true;
        if (!typeOnly) problems.push(`${rel}: imports kysely outside src/store`);
      }
    }
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const type = node.type.getText(sf);
      if (type !== 'const') {
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const here = lines[line] ?? '';
        const before = lines[line - 1] ?? '';
        const explained = /\/\/|\/\*/.test(here) || /^\s*(\/\/|\*|\/\*)/.test(before);
        castSites.push({ rel, line: line + 1, type, explained });
      }
    }
    if (ts.isCallExpression(node)) {
      const where = () => `${rel}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`;
      const callee = node.expression;
      // record(u, 'type', …): one site per event type.
      if (ts.isIdentifier(callee) && callee.text === 'record') {
        const type = node.arguments[1];
        // A literal, or a choice between literals (`a ? 'item.released' : 'item.forwarded'`).
        const literals =
          type === undefined
            ? []
            : ts.isStringLiteral(type)
              ? [type]
              : ts.isConditionalExpression(type) &&
                  ts.isStringLiteral(type.whenTrue) &&
                  ts.isStringLiteral(type.whenFalse)
                ? [type.whenTrue, type.whenFalse]
                : [];
        if (literals.length > 0) {
          for (const l of literals)
            recorded.set(l.text, [...(recorded.get(l.text) ?? []), where()]);
        } else if (rel !== 'node/events.ts') {
          problems.push(`${where()}: record() with an event type that is not a literal`);
        }
      }
      if (ts.isPropertyAccessExpression(callee)) {
        const name = callee.name.text;
        // u.log({…}) outside events.ts bypasses the typed events.
        if (name === 'log' && rel !== 'node/events.ts' && rel !== 'node/service.ts') {
          const arg = node.arguments[0];
          if (arg !== undefined && ts.isObjectLiteralExpression(arg))
            problems.push(`${where()}: writes the log directly (use record() from node/events.ts)`);
        }
        if (module !== 'core') {
          if (WORLD_MUTATORS.includes(name))
            problems.push(
              `${where()}: changes the World outside the core (${name}; use an effect)`,
            );
          if (
            ['set', 'delete', 'push', 'clear'].includes(name) &&
            ts.isPropertyAccessExpression(callee.expression) &&
            WORLD_MAPS.includes(callee.expression.name.text) &&
            /world|\bw\b|item|\.world/.test(callee.expression.expression.getText(sf))
          )
            problems.push(
              `${where()}: changes the World's ${callee.expression.name.text} outside the core (use an effect)`,
            );
        }
      }
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ['selectFrom', 'insertInto', 'updateTable', 'deleteFrom'].includes(node.expression.name.text)
    ) {
      if (!STORE.some((s) => rel.startsWith(s))) {
        kyselyCalls++;
        kyselyFiles.add(rel);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

// Layers and cycles.
const graph = new Map();
for (const key of edges.keys()) {
  const [a, b] = key.split(' -> ');
  if (!graph.has(a)) graph.set(a, new Set());
  graph.get(a).add(b);
}
const cycles = [];
for (const [a, outs] of graph) {
  for (const b of outs) {
    if (a < b && graph.get(b)?.has(a)) cycles.push(`${a} ⇄ ${b}`);
  }
}
for (const [key, example] of edges) {
  const [a, b] = key.split(' -> ');
  const ra = rank.get(a);
  const rb = rank.get(b);
  if (ra === undefined || rb === undefined) {
    problems.push(
      `${example}: module '${a === undefined ? '?' : a}' or '${b}' is in no layer (scripts/structure.mjs)`,
    );
  } else if (rb > ra) {
    problems.push(`${example}: ${a} imports ${b}, a higher layer (${key})`);
  }
}
for (const c of cycles) problems.push(`module cycle: ${c}`);
for (const [type, sites] of recorded) {
  if (sites.length > 1)
    problems.push(`event '${type}' is recorded from ${sites.length} places: ${sites.join(', ')}`);
}
if (kyselyCalls > 0)
  problems.push(
    `${kyselyCalls} Kysely queries outside src/store, in ${[...kyselyFiles].sort().join(', ')}`,
  );
if (castSites.length > MAX_CASTS)
  problems.push(`${castSites.length} 'as' casts in src (at most ${MAX_CASTS})`);
const unexplained = castSites.filter((c) => !c.explained);
for (const c of unexplained.slice(0, 20))
  problems.push(`${c.rel}:${c.line}: 'as ${c.type}' without a comment saying why it is safe`);
if (unexplained.length > 20)
  problems.push(`… and ${unexplained.length - 20} more casts without a comment`);

if (report) {
  sizes.sort((x, y) => y[0] - x[0]);
  console.log(
    'largest files:',
    sizes
      .slice(0, 8)
      .map(([n, f]) => `${f} ${n}`)
      .join(', '),
  );
  console.log(`casts: ${castSites.length} (${unexplained.length} without a comment)`);
  console.log(`module cycles: ${cycles.length === 0 ? 'none' : cycles.join(', ')}`);
  const multi = [...recorded].filter(([, s]) => s.length > 1);
  console.log(
    `event types recorded from more than one place: ${multi.length === 0 ? 'none' : multi.map(([t, s]) => `${t} ×${s.length}`).join(', ')}`,
  );
  console.log(`Kysely queries outside src/store: ${kyselyCalls} in ${kyselyFiles.size} files`);
  console.log(`module imports: ${[...edges.keys()].sort().join('; ')}`);
  console.log(`problems: ${problems.length}`);
} else if (problems.length > 0) {
  for (const p of problems) console.error(`structure: ${p}`);
  process.exit(1);
}
