// What a parsed STIX bundle becomes at a node: the new item's marking, categories,
// precedence and releasability, decided from the bundle and the node's party (pure: the
// node passes its party and scheme). The rules (docs/decisions.md, issue 14):
//
// - The Liaison marking extension names the originator's marking. When the originator
//   is this node's party, that marking is the new item's. When it is another party, the
//   import is refused whatever `--marking` says: this party would become the
//   originator of another party's information and could release it without asking
//   (RULES F1); the node that holds it got it by release, under an agreement.
// - A bundle without the Liaison marking (TLP, a statement, none) needs `--marking`,
//   which then replaces what it carries; with the Liaison marking `--marking` may keep or
//   raise it, never lower it (lowering is a reclassification, RULES C1).
// - Categories come from the Liaison item extension, else from the report's labels.
import type { ClassificationScheme, Marking, Precedence } from '../core/index.js';
import { StixInvalid } from './errors.js';
import { type Attachment, markingLabel } from './stix.js';
import type { ParsedStix } from './stix-import.js';

/** The item a bundle becomes, and where it came from (logged with its creation). */
export interface ImportedItem {
  readonly title: string;
  readonly body: string;
  /** A code of this node's party's scheme. */
  readonly marking: string;
  readonly categories: readonly string[];
  readonly releasableTo: readonly string[] | undefined;
  readonly precedence: Precedence;
  readonly attachments: readonly Attachment[];
  readonly source: {
    readonly bundle: string;
    /** The report's (or note's) id. */
    readonly object: string;
    /** The item's id at its originator, when the bundle is a Liaison export. */
    readonly item: string | null;
  };
}

export interface ImportHere {
  /** This node's party. */
  readonly party: string;
  readonly scheme: ClassificationScheme;
}

const MAX_CATEGORIES = 64;
const MAX_CATEGORY = 64;

function markingIn(scheme: ClassificationScheme, code: string, at: string): Marking {
  const m = scheme.byCode.get(code);
  if (m === undefined)
    throw new StixInvalid(
      'unknown-marking',
      at,
      `unknown marking '${code}' for ${scheme.party} (known: ${scheme.markings.map((x) => x.code).join(', ')})`,
    );
  return m;
}

/** The new item's marking code at `here`, or a refusal saying what to do. */
function markingFor(p: ParsedStix, here: ImportHere, override: string | null): string {
  const given = override === null ? null : markingIn(here.scheme, override, 'marking');
  const ours = p.marking;
  if (ours !== null) {
    const o = ours.originator;
    if (o.party !== here.party)
      throw new StixInvalid(
        'foreign-originator',
        `${ours.at}.originator.party`,
        `${o.party} originated this item (${markingLabel(o)}): imported here it would be ${here.party}'s own and leave ${o.party}'s control (RULES F1). Ask for a release from ${o.party} instead`,
      );
    const bundled = markingIn(here.scheme, o.code, `${ours.at}.originator.code`);
    if (given === null) return bundled.code;
    if (given.rank < bundled.rank)
      throw new StixInvalid(
        'marking-lowered',
        'marking',
        `${given.code} is below the bundle's ${markingLabel(o)}: an import keeps or raises a marking, never lowers it (only the originator reclassifies, RULES C1)`,
      );
    return given.code;
  }
  if (given !== null) return given.code;
  const carried =
    p.otherMarkings.length === 0 ? 'no marking' : `only ${p.otherMarkings.join(', ')}`;
  throw new StixInvalid(
    'marking-required',
    p.markingsAt,
    `carries ${carried}, no Liaison marking of ${here.party}: give the marking the item takes here (--marking, or ?marking= on the API), a code of ${here.party}'s scheme`,
  );
}

function categoriesOf(p: ParsedStix): readonly string[] {
  if (p.handling !== null) {
    const labels = p.labels;
    if (labels !== null && labels.values.join('\u0000') !== p.handling.categories.join('\u0000'))
      throw new StixInvalid(
        'unsupported-stix',
        labels.at,
        "labels that differ from the Liaison item extension's categories: an item keeps its categories only",
      );
    return p.handling.categories;
  }
  const labels = p.labels;
  if (labels === null)
    throw new StixInvalid(
      'invalid-stix',
      `${p.content.at}.labels`,
      "missing: a report from elsewhere names the item's need-to-know categories in its labels",
    );
  if (labels.values.length > MAX_CATEGORIES)
    throw new StixInvalid('unsupported-stix', labels.at, `more than ${MAX_CATEGORIES} categories`);
  labels.values.forEach((v, i) => {
    if (v.length === 0 || v.length > MAX_CATEGORY)
      throw new StixInvalid(
        'unsupported-stix',
        `${labels.at}.${i}`,
        `a category is 1 to ${MAX_CATEGORY} characters`,
      );
  });
  return labels.values;
}

/**
 * The item a parsed bundle becomes at `here`; `override` is the importer's `--marking`
 * (null when not given). Whether the importer may create it is the node's decision
 * (RULES P1), taken when the item is created.
 */
export function itemFromStix(
  p: ParsedStix,
  here: ImportHere,
  override: string | null,
): ImportedItem {
  const marking = markingFor(p, here, override);
  const categories = categoriesOf(p);
  return {
    title: p.title,
    body: p.body,
    marking,
    categories,
    releasableTo: p.handling?.releasableTo ?? undefined,
    precedence: p.handling?.precedence ?? 'ROUTINE',
    attachments: p.attachments.map(({ at: _, ...a }) => a),
    source: { bundle: p.bundle, object: p.content.id, item: p.handling?.item ?? null },
  };
}
