// Everything the rules decide over, held in memory: parties, agreements, users,
// items with their holdings, and consents. Decisions read a World; only
// `applyEffect` (effects.ts) changes it. The World owns no clock and does no I/O.
import type { AgreementDefinition } from './agreement.js';
import { checkId } from './agreement.js';
import { DefinitionError } from './errors.js';
import { AgreementRuntime } from './lifecycle.js';
import { isPrecedence, type Precedence } from './precedence.js';
import type { Marking, Party, PartyId } from './schemes.js';
import { type EpochMs, formatInstant } from './time.js';

export interface UserSpec {
  readonly id: string;
  readonly party: PartyId;
  /** A marking code of the user's own party's scheme. */
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  /** Absent = the clearance does not expire. */
  readonly clearanceExpires?: EpochMs | undefined;
}

export interface ItemSpec {
  readonly id: string;
  readonly originator: PartyId;
  readonly marking: string;
  /** At least one: without categories, clearance alone would open it (RULES A3). */
  readonly categories: readonly string[];
  readonly releasableTo?: readonly PartyId[] | undefined;
  readonly title?: string | undefined;
  /** ACP 121 precedence; ROUTINE when absent. Orders delivery only. */
  readonly precedence?: Precedence | undefined;
  /** The originator's manifest version (1 when absent); each reclassification adds one. */
  readonly version?: number | undefined;
}

export interface UserRecord {
  readonly id: string;
  readonly party: Party;
  readonly clearance: Marking;
  readonly needToKnow: ReadonlySet<string>;
  readonly clearanceExpires: EpochMs;
}

/** How a holder came by its copy: from whom, under which agreement (for C1). */
export interface Receipt {
  readonly from: PartyId;
  /** null when it went unclassified, under no agreement (RULES R1, F0). */
  readonly agreement: string | null;
  readonly at: EpochMs;
}

export interface Holding {
  readonly party: PartyId;
  /** The marking in the holder's own scheme. */
  marking: Marking;
  /** Empty for the originator. */
  readonly receipts: Receipt[];
  readonly since: EpochMs;
}

export interface CompromiseReport {
  readonly by: PartyId;
  readonly at: EpochMs;
}

export interface ItemRecord {
  readonly id: string;
  readonly title: string | undefined;
  readonly originator: Party;
  /** The originator's current marking. */
  marking: Marking;
  /** The version of the originator's manifest that marking comes from (1 at creation). */
  version: number;
  readonly categories: readonly string[];
  readonly releasableTo: ReadonlySet<PartyId> | null;
  readonly precedence: Precedence;
  /** In order of receipt; the originator's holding first. */
  readonly holdings: Map<PartyId, Holding>;
  readonly compromise: CompromiseReport[];
}

export interface ConsentRecord {
  readonly id: string;
  readonly item: string;
  /** The consenting party: valid only if it is the item's originator (RULES F1). */
  readonly by: PartyId;
  readonly holder: PartyId;
  readonly to: PartyId;
  readonly grantedAt: EpochMs;
  /** +∞ when it does not expire. */
  readonly expires: EpochMs;
  /** +∞ until revoked. */
  revokedAt: EpochMs;
  /**
   * The item's manifest version the consent was given for: a forward needs a consent
   * for the version held now (issue 11). Undefined: any version (scenarios).
   */
  readonly version?: number | undefined;
}

export interface WorldSpec {
  readonly parties: readonly Party[];
  readonly agreements?: readonly AgreementDefinition[];
  readonly users?: readonly UserSpec[];
  readonly items?: readonly ItemSpec[];
}

const NO_AGREEMENTS: readonly AgreementRuntime[] = [];

export class World {
  readonly parties = new Map<PartyId, Party>();
  readonly agreements = new Map<string, AgreementRuntime>();
  readonly users = new Map<string, UserRecord>();
  readonly items = new Map<string, ItemRecord>();
  readonly consents = new Map<string, ConsentRecord>();
  readonly consentsByItem = new Map<string, ConsentRecord[]>();
  private readonly pairs = new Map<PartyId, Map<PartyId, AgreementRuntime[]>>();

  /** Builds a world; a DefinitionError's path points into `spec`. */
  static create(spec: WorldSpec): World {
    const w = new World();
    spec.parties.forEach((p, i) => {
      try {
        w.addParty(p);
      } catch (e) {
        throw e instanceof DefinitionError ? e.within(['parties', i]) : e;
      }
    });
    spec.agreements?.forEach((a, i) => {
      try {
        w.addAgreement(a);
      } catch (e) {
        throw e instanceof DefinitionError ? e.within(['agreements', i]) : e;
      }
    });
    spec.users?.forEach((u, i) => {
      try {
        w.addUser(u);
      } catch (e) {
        throw e instanceof DefinitionError ? e.within(['users', i]) : e;
      }
    });
    spec.items?.forEach((it, i) => {
      try {
        w.addItem(it);
      } catch (e) {
        throw e instanceof DefinitionError ? e.within(['items', i]) : e;
      }
    });
    return w;
  }

  addParty(p: Party): void {
    if (this.parties.has(p.id))
      throw new DefinitionError(`party ${p.id} is declared twice`, ['id']);
    this.parties.set(p.id, p);
  }

  addAgreement(def: AgreementDefinition): AgreementRuntime {
    if (this.agreements.has(def.id)) {
      throw new DefinitionError(`agreement id '${def.id}' is used twice`, ['id']);
    }
    const a = new AgreementRuntime(def, this.parties);
    this.agreements.set(a.id, a);
    for (const x of a.parties) {
      for (const y of a.parties) {
        if (x.id === y.id) continue;
        let inner = this.pairs.get(x.id);
        if (inner === undefined) {
          inner = new Map();
          this.pairs.set(x.id, inner);
        }
        const list = inner.get(y.id) ?? [];
        list.push(a);
        // RULES §4 ties go to the smallest id: keep each list in id order.
        list.sort((p, q) => (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
        inner.set(y.id, list);
      }
    }
    return a;
  }

  /** The agreements whose parties include both a and b (a ≠ b), in id order. */
  agreementsBetween(a: PartyId, b: PartyId): readonly AgreementRuntime[] {
    return this.pairs.get(a)?.get(b) ?? NO_AGREEMENTS;
  }

  private party(id: PartyId, path: (string | number)[]): Party {
    const p = this.parties.get(id);
    if (p === undefined) {
      throw new DefinitionError(
        `unknown party '${id}' (declared: ${[...this.parties.keys()].join(', ')})`,
        path,
      );
    }
    return p;
  }

  private marking(party: Party, code: string, path: (string | number)[]): Marking {
    const m = party.scheme.byCode.get(code);
    if (m === undefined) {
      throw new DefinitionError(
        `unknown marking '${code}' for ${party.id} (known: ${party.scheme.markings.map((x) => x.code).join(', ')})`,
        path,
      );
    }
    return m;
  }

  addUser(spec: UserSpec): UserRecord {
    checkId('user', spec.id, ['id']);
    if (this.users.has(spec.id))
      throw new DefinitionError(`user id '${spec.id}' is used twice`, ['id']);
    const party = this.party(spec.party, ['party']);
    const user: UserRecord = {
      id: spec.id,
      party,
      clearance: this.marking(party, spec.clearance, ['clearance']),
      needToKnow: new Set(spec.needToKnow),
      clearanceExpires: spec.clearanceExpires ?? Number.POSITIVE_INFINITY,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Replaces a user's clearance or need-to-know (a node's security officer does this). */
  updateUser(id: string, change: Partial<Omit<UserSpec, 'id' | 'party'>>): UserRecord {
    const old = this.users.get(id);
    if (old === undefined) throw new DefinitionError(`unknown user '${id}'`, ['id']);
    const user: UserRecord = {
      ...old,
      clearance:
        change.clearance === undefined
          ? old.clearance
          : this.marking(old.party, change.clearance, ['clearance']),
      needToKnow: change.needToKnow === undefined ? old.needToKnow : new Set(change.needToKnow),
      clearanceExpires:
        'clearanceExpires' in change
          ? (change.clearanceExpires ?? Number.POSITIVE_INFINITY)
          : old.clearanceExpires,
    };
    this.users.set(id, user);
    return user;
  }

  /** Adds an item, held by its originator from `since` (the start of time by default). */
  addItem(spec: ItemSpec, since: EpochMs = Number.NEGATIVE_INFINITY): ItemRecord {
    if (this.items.has(spec.id))
      throw new DefinitionError(`item id '${spec.id}' is used twice`, ['id']);
    const item = this.itemRecord(spec, since);
    this.items.set(item.id, item);
    return item;
  }

  /**
   * The record of an item held by its originator from `since`, validated against this
   * World's parties and schemes, without adding it (an arrival is decided first).
   */
  itemRecord(spec: ItemSpec, since: EpochMs): ItemRecord {
    checkId('item', spec.id, ['id']);
    const originator = this.party(spec.originator, ['originator']);
    const marking = this.marking(originator, spec.marking, ['marking']);
    if (spec.categories.length === 0) {
      throw new DefinitionError(
        `item ${spec.id} needs at least one category: without one, clearance alone would open it (RULES A3)`,
        ['categories'],
      );
    }
    spec.releasableTo?.forEach((p, i) => {
      this.party(p, ['releasableTo', i]);
    });
    if (spec.precedence !== undefined && !isPrecedence(spec.precedence)) {
      throw new DefinitionError(
        `unknown precedence '${String(spec.precedence)}' (known: FLASH, IMMEDIATE, PRIORITY, ROUTINE)`,
        ['precedence'],
      );
    }
    const item: ItemRecord = {
      id: spec.id,
      title: spec.title,
      originator,
      marking,
      version: spec.version ?? 1,
      categories: [...spec.categories],
      releasableTo: spec.releasableTo === undefined ? null : new Set(spec.releasableTo),
      precedence: spec.precedence ?? 'ROUTINE',
      holdings: new Map([[originator.id, { party: originator.id, marking, receipts: [], since }]]),
      compromise: [],
    };
    return item;
  }
}

/** An instant in the zone of the agreement a message is about, or in UTC when none is. */
export function showInAgreementZone(w: World, agreement: string | undefined, t: EpochMs): string {
  const a = agreement === undefined ? undefined : w.agreements.get(agreement);
  return a === undefined ? formatInstant(t) : a.show(t);
}
