// Items as STIX 2.1 bundles at a node (the mapping itself is src/interop, pure). An
// export is a read: it goes through `readItem`, so it is decided by RULES A1–A3 and
// logged (`item.read`, view `stix`) like every other read, and refused the same way.
// An import creates an item through `createItem`, like POST /v1/items: decided by
// RULES P1 for the importer, logged (`item.created`, with where it came from) and
// signed by this node as the item's originator.
import { StixInvalid } from '../interop/errors.js';
import { type StixBundle, toStixBundle } from '../interop/stix.js';
import { parseStixBundle } from '../interop/stix-import.js';
import { itemFromStix } from '../interop/stix-marking.js';
import { Unavailable } from './errors.js';
import { createItem, type ItemSummary, readItem } from './items.js';
import type { Actor } from './roles.js';
import type { LiaisonNode } from './service.js';

/**
 * An item this person may read, as a STIX 2.1 bundle (a logged read; `view` names what
 * served it in the log: `stix`, or `taxii` for a TAXII page).
 */
export async function exportStix(
  node: LiaisonNode,
  actor: Actor,
  id: string,
  view = 'stix',
): Promise<StixBundle> {
  const it = await readItem(node, actor, id, view);
  const party = (p: string) => ({ id: p, name: node.world.parties.get(p)?.name ?? p });
  return toStixBundle({
    id: it.id,
    version: it.version,
    title: it.title,
    body: it.body,
    originator: party(it.originator),
    holder: party(node.party),
    marking: it.marking,
    originatorMarking: it.originatorMarking,
    categories: it.categories,
    releasableTo: it.releasableTo,
    precedence: it.precedence,
    createdAt: it.originatedAt,
    modifiedAt: it.versionAt,
    // Items have no attachments yet; each will be an artifact (src/interop/stix.ts).
    attachments: [],
  });
}

/**
 * A STIX 2.1 bundle as a new item of this node's party; `marking` is the importer's
 * explicit marking (null: the bundle's own). Refusals name the place in the bundle.
 */
export async function importStix(
  node: LiaisonNode,
  actor: Actor,
  bundle: unknown,
  marking: string | null,
): Promise<ItemSummary> {
  const parsed = parseStixBundle(bundle);
  const scheme = node.world.parties.get(node.party)?.scheme;
  if (scheme === undefined) throw new Unavailable('internal', `no scheme for ${node.party}`);
  const item = itemFromStix(parsed, { party: node.party, scheme }, marking);
  const attached = parsed.attachments[0];
  if (attached !== undefined)
    throw new StixInvalid(
      'unsupported-stix',
      attached.at,
      'an attachment: items have none yet, so it would be lost; import the report without its artifacts',
    );
  const handling = parsed.handling;
  item.releasableTo?.forEach((p, i) => {
    if (!node.world.parties.has(p))
      throw new StixInvalid(
        'invalid-stix',
        `${handling?.at ?? parsed.content.at}.releasable_to.parties.${i}`,
        `'${p}' is not a party this node knows`,
      );
  });
  return createItem(
    node,
    actor,
    {
      marking: item.marking,
      categories: item.categories,
      title: item.title,
      body: item.body,
      releasableTo: item.releasableTo,
      precedence: item.precedence,
    },
    { format: 'stix-2.1', ...item.source },
  );
}
