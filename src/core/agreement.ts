// Agreements (RULES §2): parties, equivalence rows, scope, topology and term rules,
// and the built-in templates. A definition is plain data; `compileText` turns one
// version of its text into the lookup tables decisions use.
import type { AgreementDefinition, ArticleTopic, EquivalenceRow } from './definition-schema.js';
import { DefinitionError, type DefinitionPath } from './errors.js';
import type { Marking, Party, PartyId } from './schemes.js';
import { type IsoDuration, parseDuration, TimeFormatError } from './time.js';

export type {
  AgreementDefinition,
  ArticleTopic,
  AssumedPart,
  EquivalenceRow,
  Topology,
} from './definition-schema.js';

/** The amendable part of an agreement's text (RULES L8). */
export interface AgreementTextSpec {
  readonly rows: readonly EquivalenceRow[];
  readonly scope?: readonly string[] | undefined;
  readonly noticePeriod: string;
}

/** One version of an agreement's text, compiled for fast decisions. */
export interface CompiledText {
  /** Effective from this instant (−∞ for the original text). */
  readonly from: number;
  readonly rows: readonly EquivalenceRow[];
  readonly scope: ReadonlySet<string> | null;
  readonly noticePeriod: IsoDuration;
  /** translate.get(fromParty).get(fromCode).get(toParty) = the row's first marking for toParty. */
  readonly translate: ReadonlyMap<PartyId, ReadonlyMap<string, ReadonlyMap<PartyId, Marking>>>;
  /** The highest marking of each party that some row covers (RULES C1). */
  readonly highestCovered: ReadonlyMap<PartyId, Marking>;
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkId(kind: string, id: string, path: DefinitionPath): void {
  if (!ID_RE.test(id)) {
    throw new DefinitionError(
      `${kind} id '${id}' must start with a letter or digit and use only letters, digits, '.', '-' or '_' (at most 64)`,
      path,
    );
  }
}

function durationAt(text: string, path: DefinitionPath, allowZero: boolean): IsoDuration {
  try {
    return parseDuration(text, allowZero);
  } catch (e) {
    if (e instanceof TimeFormatError) throw new DefinitionError(e.message, path);
    throw e;
  }
}

/**
 * Compiles one version of an agreement's text against the known parties.
 * Every row must name only parties of the agreement, at least two of them, with
 * markings that exist in their schemes; no marking may sit in two rows.
 * A party's first code in a row is the one a recipient applies (RULES R5).
 */
export function compileText(
  agreementId: string,
  parties: readonly Party[],
  spec: AgreementTextSpec,
  from: number,
  path: DefinitionPath = [],
): CompiledText {
  const byId = new Map(parties.map((p) => [p.id, p]));
  const seen = new Map<string, number>();
  const translate = new Map<PartyId, Map<string, Map<PartyId, Marking>>>();
  const highestCovered = new Map<PartyId, Marking>();
  spec.rows.forEach((row, r) => {
    const entries = Object.entries(row);
    if (entries.length < 2) {
      throw new DefinitionError(
        `row ${r + 1} of ${agreementId} names ${entries.length} part${entries.length === 1 ? 'y' : 'ies'}; an equivalence row needs at least two`,
        [...path, 'rows', r],
      );
    }
    const resolved: [Party, Marking[]][] = [];
    for (const [partyId, codes] of entries) {
      const party = byId.get(partyId);
      if (party === undefined) {
        throw new DefinitionError(
          `row ${r + 1} of ${agreementId} names ${partyId}, which is not a party to the agreement (parties: ${parties
            .map((p) => p.id)
            .join(', ')})`,
          [...path, 'rows', r, partyId],
        );
      }
      if (codes.length === 0) {
        throw new DefinitionError(
          `row ${r + 1} of ${agreementId} lists no marking for ${partyId}`,
          [...path, 'rows', r, partyId],
        );
      }
      const markings = codes.map((code, c) => {
        const m = party.scheme.byCode.get(code);
        if (m === undefined) {
          throw new DefinitionError(
            `unknown marking '${code}' for ${partyId} in row ${r + 1} of ${agreementId} (known: ${party.scheme.markings
              .map((x) => x.code)
              .join(', ')})`,
            [...path, 'rows', r, partyId, c],
          );
        }
        const key = `${partyId}:${code}`;
        const other = seen.get(key);
        if (other !== undefined && other !== r) {
          throw new DefinitionError(
            `${partyId} ${code} appears in rows ${other + 1} and ${r + 1} of ${agreementId}; a marking may sit in one row only`,
            [...path, 'rows', r, partyId, c],
          );
        }
        seen.set(key, r);
        return m;
      });
      resolved.push([party, markings]);
    }
    for (const [party, markings] of resolved) {
      let byCode = translate.get(party.id);
      if (byCode === undefined) {
        byCode = new Map();
        translate.set(party.id, byCode);
      }
      for (const m of markings) {
        const targets = new Map<PartyId, Marking>();
        for (const [other, otherMarkings] of resolved) {
          const first = otherMarkings[0];
          if (other.id !== party.id && first !== undefined) targets.set(other.id, first);
        }
        byCode.set(m.code, targets);
        const top = highestCovered.get(party.id);
        if (top === undefined || m.rank > top.rank) highestCovered.set(party.id, m);
      }
    }
  });
  const scope = spec.scope === undefined ? null : new Set(spec.scope);
  return {
    from,
    rows: spec.rows,
    scope,
    noticePeriod: durationAt(spec.noticePeriod, [...path, 'noticePeriod'], true),
    translate,
    highestCovered,
  };
}

/** Static checks of a definition that do not need the clock (the clock checks the term rules). */
export function checkDefinitionShape(
  def: AgreementDefinition,
  known: ReadonlyMap<PartyId, Party>,
): Party[] {
  checkId('agreement', def.id, ['id']);
  if (def.parties.length < 2) {
    throw new DefinitionError(`agreement ${def.id} needs at least two parties`, ['parties']);
  }
  const parties: Party[] = [];
  const seen = new Set<PartyId>();
  def.parties.forEach((id, i) => {
    const p = known.get(id);
    if (p === undefined) {
      throw new DefinitionError(
        `agreement ${def.id} names party ${id}, which is not declared (declared: ${[...known.keys()].join(', ')})`,
        ['parties', i],
      );
    }
    if (seen.has(id)) {
      throw new DefinitionError(`agreement ${def.id} lists party ${id} twice`, ['parties', i]);
    }
    seen.add(id);
    parties.push(p);
  });
  if (def.topology.kind === 'hub' && !seen.has(def.topology.hub)) {
    throw new DefinitionError(
      `the hub ${def.topology.hub} of ${def.id} is not one of its parties`,
      ['topology', 'hub'],
    );
  }
  if (def.renewalTerm !== undefined && def.initialTerm === undefined) {
    throw new DefinitionError(
      `agreement ${def.id} has a renewalTerm but no initialTerm; an indefinite agreement does not renew`,
      ['renewalTerm'],
    );
  }
  if (def.initialTerm !== undefined) durationAt(def.initialTerm, ['initialTerm'], false);
  if (def.renewalTerm !== undefined) durationAt(def.renewalTerm, ['renewalTerm'], false);
  def.scope?.forEach((c, i) => {
    if (c.length === 0) throw new DefinitionError('a scope category is empty', ['scope', i]);
  });
  return parties;
}

const GSOMIA_JP_KR_ARTICLES: Partial<Record<ArticleTopic, string>> = {
  'in-force': 'Art. 21',
  term: 'Art. 21.3',
  notice: 'Art. 21.3',
  survival: 'Art. 21.4',
  termination: 'Art. 21',
  amendment: 'Art. 21',
  scope: 'Art. 2',
  equivalence: 'Art. 4',
  marking: 'Art. 4.2',
  releasability: 'Art. 6',
  'third-party': 'Art. 6',
  reclassification: 'Art. 6(g)',
  access: 'Art. 7.1',
  compromise: 'Art. 17',
};

const TISA_ARTICLES: Partial<Record<ArticleTopic, string>> = {
  scope: 'para. 1',
  topology: 'para. 2',
  'third-party': 'para. 3',
  equivalence: 'para. 3',
  marking: 'para. 3',
  releasability: 'para. 3',
  access: 'para. 3',
  reclassification: 'para. 3',
  compromise: 'para. 3',
  'in-force': 'para. 4',
  notice: 'para. 4',
  termination: 'para. 4',
};

/** The built-in agreements of RULES §2. Assumptions are labelled wherever they are shown. */
export const BUILT_IN_TEMPLATES: ReadonlyMap<string, AgreementDefinition> = new Map(
  (
    [
      {
        id: 'gsomia-jp-kr-2016',
        title: 'Japan–ROK General Security of Military Information Agreement (2016)',
        parties: ['JP', 'KR'],
        rows: [
          { JP: ['GOKUHI', 'TOKUTEI'], KR: ['II'] },
          { JP: ['HI'], KR: ['III'] },
        ],
        topology: { kind: 'mesh' },
        entryIntoForce: '2016-11-23T00:00:00+09:00',
        initialTerm: 'P1Y',
        renewalTerm: 'P1Y',
        noticePeriod: 'P90D',
        timezone: 'Asia/Seoul',
        articles: GSOMIA_JP_KR_ARTICLES,
        assumptions: [
          'TOP SECRET (機密 / 군사I급비밀) is in no row: the 2016 text does not cover it (Art. 4).',
          'Article numbers for scope (Art. 2) and protection (Art. 6) follow the sources cited in docs/rules.md; the full text is not reproduced.',
        ],
      },
      {
        id: 'gsomia-us-jp-2007',
        title: 'US–Japan General Security of Military Information Agreement (2007)',
        parties: ['US', 'JP'],
        rows: [
          { US: ['TS'], JP: ['KIMITSU'] },
          { US: ['S'], JP: ['GOKUHI', 'TOKUTEI'] },
          { US: ['C'], JP: ['HI'] },
        ],
        topology: { kind: 'mesh' },
        entryIntoForce: '2007-08-10T00:00:00+09:00',
        noticePeriod: 'P90D',
        timezone: 'Asia/Tokyo',
        assumed: ['noticePeriod'],
        assumptions: [
          "ASSUMPTION: the notice period P90D is this product's assumption; the agreement's is not public.",
          'ASSUMPTION: article numbers are not public; reasons cite the rule of docs/rules.md instead (e.g. RULES R5).',
        ],
      },
      {
        id: 'gsia-us-kr-1987',
        title: 'US–ROK General Security of Information Agreement (1987)',
        parties: ['US', 'KR'],
        rows: [
          { US: ['TS'], KR: ['I'] },
          { US: ['S'], KR: ['II'] },
          { US: ['C'], KR: ['III'] },
        ],
        topology: { kind: 'mesh' },
        entryIntoForce: '1987-09-24T00:00:00-04:00',
        noticePeriod: 'P90D',
        timezone: 'America/New_York',
        assumed: ['noticePeriod'],
        assumptions: [
          "ASSUMPTION: the notice period P90D is this product's assumption; the agreement's is not public.",
          'ASSUMPTION: article numbers are not public; reasons cite the rule of docs/rules.md instead (e.g. RULES R5).',
        ],
      },
      {
        id: 'tisa-2014',
        title:
          'Trilateral Information Sharing Arrangement on North Korean nuclear and missile threats (2014)',
        parties: ['US', 'JP', 'KR'],
        rows: [
          { US: ['S'], JP: ['GOKUHI', 'TOKUTEI'], KR: ['II'] },
          { US: ['C'], JP: ['HI'], KR: ['III'] },
        ],
        scope: ['dprk-nuclear', 'dprk-missile'],
        topology: { kind: 'hub', hub: 'US' },
        entryIntoForce: '2014-12-29T00:00:00+09:00',
        noticePeriod: 'P90D',
        timezone: 'Asia/Tokyo',
        articles: TISA_ARTICLES,
        assumed: ['rows', 'noticePeriod', 'articles'],
        assumptions: [
          "ASSUMPTION: the equivalence rows (S = 極秘/特定秘密 = 군사II급비밀; C = 秘 = 군사III급비밀) are this product's assumption; TISA's are not public.",
          "ASSUMPTION: the notice period P90D is this product's assumption.",
          'ASSUMPTION: paragraph references (paras 1–4) are approximate.',
        ],
      },
    ] satisfies AgreementDefinition[]
  ).map((d) => [d.id, d]),
);
