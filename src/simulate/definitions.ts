// A scenario's definitions: parties, agreements (inline or from a template), users
// and items, read and checked before anything runs.
import {
  type AgreementDefinition,
  ASSUMED_PARTS,
  type AssumedPart,
  BUILT_IN_PARTIES,
  BUILT_IN_TEMPLATES,
  createParty,
  DefinitionError,
  type EquivalenceRow,
  type ItemSpec,
  type MarkingSpec,
  type Party,
  type Topology,
  type UserSpec,
} from '../core/index.js';
import {
  asInstant,
  asList,
  asMap,
  asString,
  asStringList,
  type Ctx,
  onlyKeys,
  optString,
  type Path,
  required,
  typeName,
} from './fields.js';

// ---------------------------------------------------------------- definitions

export function readParty(ctx: Ctx, v: unknown, path: Path): Party {
  if (typeof v === 'string') {
    const p = BUILT_IN_PARTIES.get(v);
    if (p === undefined) {
      ctx.fail(
        path,
        `unknown party '${v}': the built-in parties are ${[...BUILT_IN_PARTIES.keys()].join(', ')}; declare a custom party as {id, scheme}`,
      );
    }
    return p;
  }
  const o = asMap(ctx, v, path);
  onlyKeys(ctx, o, path, ['id', 'name', 'scheme'], 'a party');
  const id = asString(ctx, required(ctx, o, 'id', path, 'a party'), [...path, 'id']);
  if (o.scheme === undefined) {
    const p = BUILT_IN_PARTIES.get(id);
    if (p === undefined)
      ctx.fail(path, `custom party '${id}' needs a scheme: [{code, rank, name, en}, …]`);
    return p;
  }
  if (BUILT_IN_PARTIES.has(id)) {
    ctx.fail([...path, 'id'], `party '${id}' is built in; give a custom party another id`);
  }
  const specs: MarkingSpec[] = asList(ctx, o.scheme, [...path, 'scheme']).map((m, i) => {
    const mp = [...path, 'scheme', i];
    const mo = asMap(ctx, m, mp);
    onlyKeys(ctx, mo, mp, ['code', 'rank', 'name', 'en'], 'a marking');
    const rank = required(ctx, mo, 'rank', mp, 'a marking');
    if (typeof rank !== 'number')
      ctx.fail([...mp, 'rank'], `rank must be a number, not ${typeName(rank)}`);
    const code = asString(ctx, required(ctx, mo, 'code', mp, 'a marking'), [...mp, 'code']);
    const name = optString(ctx, mo, 'name', mp) ?? code;
    const en = optString(ctx, mo, 'en', mp);
    return en === undefined ? { code, rank, name } : { code, rank, name, en };
  });
  try {
    return createParty(id, optString(ctx, o, 'name', path) ?? id, specs);
  } catch (e) {
    if (e instanceof DefinitionError) ctx.fail([...path, ...e.path], e.message);
    throw e;
  }
}

export function readRows(ctx: Ctx, v: unknown, path: Path): EquivalenceRow[] {
  return asList(ctx, v, path).map((row, r) => {
    const rp = [...path, r];
    const o = asMap(ctx, row, rp);
    const out: Record<string, readonly string[]> = {};
    for (const [party, codes] of Object.entries(o)) {
      out[party] = typeof codes === 'string' ? [codes] : asStringList(ctx, codes, [...rp, party]);
    }
    return out;
  });
}

export function readScope(ctx: Ctx, v: unknown, path: Path): string[] {
  const scope = asStringList(ctx, v, path);
  if (scope.length === 0) {
    ctx.fail(
      path,
      'scope is an empty list, which would cover nothing; omit scope to cover every category',
    );
  }
  return scope;
}

const INLINE_AGREEMENT_KEYS = [
  'id',
  'title',
  'parties',
  'rows',
  'scope',
  'topology',
  'entryIntoForce',
  'initialTerm',
  'renewalTerm',
  'noticePeriod',
  'timezone',
  'articles',
  'assumptions',
  'assumed',
] as const;

const isAssumedPart = (x: string): x is AssumedPart => ASSUMED_PARTS.some((p) => p === x);

/** `assumed`: which parts of an inline agreement rest on an assumption. */
function readAssumed(ctx: Ctx, v: unknown, path: Path): AssumedPart[] {
  return asStringList(ctx, v, path).map((part, i) => {
    if (!isAssumedPart(part))
      ctx.fail(
        [...path, i],
        `'${part}' is not a part that can be assumed (${ASSUMED_PARTS.join(', ')})`,
      );
    return part;
  });
}

export function readAgreement(ctx: Ctx, v: unknown, path: Path): AgreementDefinition {
  const o = asMap(ctx, v, path);
  if ('use' in o) {
    onlyKeys(ctx, o, path, ['use'], 'a template reference');
    const id = asString(ctx, o.use, [...path, 'use']);
    const t = BUILT_IN_TEMPLATES.get(id);
    if (t === undefined) {
      ctx.fail(
        [...path, 'use'],
        `unknown template '${id}' (built in: ${[...BUILT_IN_TEMPLATES.keys()].join(', ')})`,
      );
    }
    return t;
  }
  onlyKeys(ctx, o, path, INLINE_AGREEMENT_KEYS, 'an agreement');
  const what = 'an inline agreement';
  const id = asString(ctx, required(ctx, o, 'id', path, what), [...path, 'id']);
  let topology: Topology = { kind: 'mesh' };
  if (o.topology !== undefined && o.topology !== 'mesh') {
    const tp = [...path, 'topology'];
    if (typeof o.topology === 'string')
      ctx.fail(tp, `topology must be 'mesh' or {hub: PARTY}, not '${o.topology}'`);
    const t = asMap(ctx, o.topology, tp);
    onlyKeys(ctx, t, tp, ['hub'], 'a topology');
    topology = {
      kind: 'hub',
      hub: asString(ctx, required(ctx, t, 'hub', tp, 'a hub topology'), [...tp, 'hub']),
    };
  }
  const articles: Record<string, string> = {};
  if (o.articles !== undefined) {
    const a = asMap(ctx, o.articles, [...path, 'articles']);
    for (const [k, val] of Object.entries(a))
      articles[k] = asString(ctx, val, [...path, 'articles', k]);
  }
  const instant = asString(ctx, required(ctx, o, 'entryIntoForce', path, what), [
    ...path,
    'entryIntoForce',
  ]);
  asInstant(ctx, instant, [...path, 'entryIntoForce']);
  const def: AgreementDefinition = {
    id,
    parties: asStringList(ctx, required(ctx, o, 'parties', path, what), [...path, 'parties']),
    rows: readRows(ctx, required(ctx, o, 'rows', path, what), [...path, 'rows']),
    topology,
    entryIntoForce: instant,
    noticePeriod: asString(ctx, required(ctx, o, 'noticePeriod', path, what), [
      ...path,
      'noticePeriod',
    ]),
    timezone: asString(ctx, required(ctx, o, 'timezone', path, what), [...path, 'timezone']),
    ...(o.title === undefined ? {} : { title: asString(ctx, o.title, [...path, 'title']) }),
    ...(o.scope === undefined ? {} : { scope: readScope(ctx, o.scope, [...path, 'scope']) }),
    ...(o.initialTerm === undefined
      ? {}
      : { initialTerm: asString(ctx, o.initialTerm, [...path, 'initialTerm']) }),
    ...(o.renewalTerm === undefined
      ? {}
      : { renewalTerm: asString(ctx, o.renewalTerm, [...path, 'renewalTerm']) }),
    ...(o.articles === undefined ? {} : { articles }),
    ...(o.assumptions === undefined
      ? {}
      : { assumptions: asStringList(ctx, o.assumptions, [...path, 'assumptions']) }),
    ...(o.assumed === undefined
      ? {}
      : { assumed: readAssumed(ctx, o.assumed, [...path, 'assumed']) }),
  };
  return def;
}

export function readUser(ctx: Ctx, v: unknown, path: Path): UserSpec {
  const o = asMap(ctx, v, path);
  onlyKeys(ctx, o, path, ['id', 'party', 'clearance', 'needToKnow', 'clearanceExpires'], 'a user');
  const what = 'a user';
  return {
    id: asString(ctx, required(ctx, o, 'id', path, what), [...path, 'id']),
    party: asString(ctx, required(ctx, o, 'party', path, what), [...path, 'party']),
    clearance: asString(ctx, required(ctx, o, 'clearance', path, what), [...path, 'clearance']),
    needToKnow:
      o.needToKnow === undefined ? [] : asStringList(ctx, o.needToKnow, [...path, 'needToKnow']),
    clearanceExpires:
      o.clearanceExpires === undefined
        ? undefined
        : asInstant(ctx, o.clearanceExpires, [...path, 'clearanceExpires']).ms,
  };
}

export function readItem(ctx: Ctx, v: unknown, path: Path): ItemSpec {
  const o = asMap(ctx, v, path);
  onlyKeys(
    ctx,
    o,
    path,
    ['id', 'originator', 'marking', 'categories', 'releasableTo', 'title'],
    'an item',
  );
  const what = 'an item';
  return {
    id: asString(ctx, required(ctx, o, 'id', path, what), [...path, 'id']),
    originator: asString(ctx, required(ctx, o, 'originator', path, what), [...path, 'originator']),
    marking: asString(ctx, required(ctx, o, 'marking', path, what), [...path, 'marking']),
    categories: asStringList(ctx, required(ctx, o, 'categories', path, what), [
      ...path,
      'categories',
    ]),
    releasableTo:
      o.releasableTo === undefined
        ? undefined
        : asStringList(ctx, o.releasableTo, [...path, 'releasableTo']),
    title: optString(ctx, o, 'title', path),
  };
}
