// Parties and their ordered classification schemes (RULES §1). Levels are only
// ever compared inside one scheme; between schemes only an agreement translates.
import { DefinitionError } from './errors.js';

export type PartyId = string;

/** One marking of a party's scheme. `rank` 0 is unclassified. */
export interface Marking {
  readonly party: PartyId;
  readonly code: string;
  readonly rank: number;
  /** The native name, as the party writes it. */
  readonly name: string;
  /** An English gloss. */
  readonly en: string;
  /** `name (English gloss)`, as officers read it in messages (the name alone when they are equal). */
  readonly label: string;
}

export interface ClassificationScheme {
  readonly party: PartyId;
  /** In rank order, then in the order given. */
  readonly markings: readonly Marking[];
  readonly byCode: ReadonlyMap<string, Marking>;
  /** The first rank-0 marking: what an unclassified item is marked at this party. */
  readonly unclassified: Marking;
}

export interface Party {
  readonly id: PartyId;
  readonly name: string;
  readonly scheme: ClassificationScheme;
  readonly builtIn: boolean;
}

export interface MarkingSpec {
  readonly code: string;
  readonly rank: number;
  readonly name: string;
  readonly en?: string;
}

const PARTY_ID_RE = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

function checkPartyId(id: string, path: readonly (string | number)[] = []): void {
  if (!PARTY_ID_RE.test(id)) {
    throw new DefinitionError(
      `party id '${id}' must start with a letter and use only letters, digits, '-' or '_' (at most 32)`,
      path,
    );
  }
}

/** Builds a scheme, checking codes are unique, ranks are whole numbers ≥ 0 and rank 0 exists. */
function createScheme(party: PartyId, specs: readonly MarkingSpec[]): ClassificationScheme {
  if (specs.length === 0) {
    throw new DefinitionError(`the scheme of ${party} has no markings`, ['scheme']);
  }
  const byCode = new Map<string, Marking>();
  specs.forEach((spec, i) => {
    if (!CODE_RE.test(spec.code)) {
      throw new DefinitionError(
        `marking code '${spec.code}' must use only letters, digits, '-' or '_'`,
        ['scheme', i, 'code'],
      );
    }
    if (!Number.isInteger(spec.rank) || spec.rank < 0) {
      throw new DefinitionError(
        `rank ${spec.rank} of ${party} ${spec.code} must be a whole number ≥ 0`,
        ['scheme', i, 'rank'],
      );
    }
    if (byCode.has(spec.code)) {
      throw new DefinitionError(
        `marking code '${spec.code}' appears twice in the scheme of ${party}`,
        ['scheme', i, 'code'],
      );
    }
    byCode.set(spec.code, {
      party,
      code: spec.code,
      rank: spec.rank,
      name: spec.name,
      en: spec.en ?? spec.name,
      // As officers read it in every message, the CLI and the console alike: the
      // native name with its English gloss (docs/decisions.md #106).
      label:
        spec.en === undefined || spec.en === spec.name ? spec.name : `${spec.name} (${spec.en})`,
    });
  });
  const markings = [...byCode.values()].sort((a, b) => a.rank - b.rank);
  const unclassified = markings[0];
  if (unclassified === undefined || unclassified.rank !== 0) {
    throw new DefinitionError(`the scheme of ${party} needs a rank-0 (unclassified) marking`, [
      'scheme',
    ]);
  }
  return { party, markings, byCode, unclassified };
}

export function createParty(
  id: PartyId,
  name: string,
  specs: readonly MarkingSpec[],
  builtIn = false,
): Party {
  checkPartyId(id, ['id']);
  return { id, name, scheme: createScheme(id, specs), builtIn };
}

// The built-in schemes of RULES §1. English glosses follow the equivalences the
// built-in agreements draw (e.g. 군사II급비밀 = SECRET); they are glosses, not law.
export const BUILT_IN_PARTIES: ReadonlyMap<PartyId, Party> = new Map(
  [
    createParty(
      'US',
      'United States',
      [
        { code: 'U', rank: 0, name: 'UNCLASSIFIED', en: 'UNCLASSIFIED' },
        { code: 'C', rank: 1, name: 'CONFIDENTIAL', en: 'CONFIDENTIAL' },
        { code: 'S', rank: 2, name: 'SECRET', en: 'SECRET' },
        { code: 'TS', rank: 3, name: 'TOP SECRET', en: 'TOP SECRET' },
      ],
      true,
    ),
    createParty(
      'JP',
      'Japan',
      [
        { code: 'U', rank: 0, name: '指定なし', en: 'NOT DESIGNATED (unclassified)' },
        { code: 'HI', rank: 1, name: '秘', en: 'CONFIDENTIAL' },
        { code: 'GOKUHI', rank: 2, name: '極秘', en: 'SECRET' },
        { code: 'TOKUTEI', rank: 2, name: '特定秘密', en: 'SPECIALLY DESIGNATED SECRET' },
        { code: 'KIMITSU', rank: 3, name: '機密', en: 'TOP SECRET' },
      ],
      true,
    ),
    createParty(
      'KR',
      'Republic of Korea',
      [
        { code: 'U', rank: 0, name: '평문', en: 'UNCLASSIFIED' },
        { code: 'R', rank: 1, name: '군사 대외비', en: 'RESTRICTED' },
        { code: 'III', rank: 2, name: '군사III급비밀', en: 'CONFIDENTIAL' },
        { code: 'II', rank: 3, name: '군사II급비밀', en: 'SECRET' },
        { code: 'I', rank: 4, name: '군사I급비밀', en: 'TOP SECRET' },
      ],
      true,
    ),
  ].map((p) => [p.id, p]),
);
