// Items as STIX 2.1 bundles at a node (the mapping itself is src/interop, pure). An
// export is a read: it goes through `readItem`, so it is decided by RULES A1–A3 and
// logged (`item.read`, view `stix`) like every other read, and refused the same way.
// An import creates an item through `createItem`, like POST /v1/items: decided by
// RULES P1 for the importer, logged (`item.created`, with where it came from) and
// signed by this node as the item's originator.
import { StixInvalid } from '../interop/errors.js';
import { type Attachment, type StixBundle, toStixBundle } from '../interop/stix.js';
import { parseStixBundle } from '../interop/stix-import.js';
import { itemFromStix } from '../interop/stix-marking.js';
import { uploadedBy } from '../store/attachments.js';
import { openAttachment, uploadAttachment } from './attachments.js';
import { Unavailable } from './errors.js';
import { createItem, type ItemSummary, readItem } from './items.js';
import type { Actor } from './roles.js';
import type { LiaisonNode } from './service.js';

/** The largest file embedded in an export (payload_bin); larger ones are referred to by URL. */
export const STIX_INLINE_LIMIT = 8 * 1024 * 1024;

export interface ExportOptions {
  /** What served it, in the log: `stix`, or `taxii` for a TAXII page. */
  readonly view?: string;
  /** Files up to this size are embedded (each a logged read of the file); 0: none. */
  readonly inlineUpTo?: number;
  /** This node's base URL as the client reached it: a file not embedded is referred to there. */
  readonly baseUrl: string;
}

/**
 * An item this person may read, as a STIX 2.1 bundle (a logged read). Its files are
 * `file` objects whose artifact embeds the bytes (up to `inlineUpTo`, each read and
 * logged like a download) or refers to the node's download URL with the SHA-256.
 */
export async function exportStix(
  node: LiaisonNode,
  actor: Actor,
  id: string,
  o: ExportOptions,
): Promise<StixBundle> {
  const it = await readItem(node, actor, id, o.view ?? 'stix');
  const inline = o.inlineUpTo ?? STIX_INLINE_LIMIT;
  const attachments: Attachment[] = [];
  for (const a of it.attachments) {
    const url = `${o.baseUrl}/v1/items/${encodeURIComponent(it.id)}/attachments/${a.sha256}`;
    let content: Uint8Array | null = null;
    if (a.size <= inline) {
      const parts: Uint8Array[] = [];
      for await (const part of (await openAttachment(node, actor, it.id, a.sha256)).bytes)
        parts.push(part);
      content = Buffer.concat(parts);
    }
    attachments.push({
      name: a.name,
      mimeType: a.type,
      sha256: a.sha256,
      size: a.size,
      content,
      url: content === null ? url : null,
    });
  }
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
    attachments,
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
  const handling = parsed.handling;
  item.releasableTo?.forEach((p, i) => {
    if (!node.world.parties.has(p))
      throw new StixInvalid(
        'invalid-stix',
        `${handling?.at ?? parsed.content.at}.releasable_to.parties.${i}`,
        `'${p}' is not a party this node knows`,
      );
  });
  // Embedded files are stored as uploads of the importer's; a file by URL must be one
  // the importer uploaded already (this node fetches nothing): createItem checks it.
  for (const a of parsed.attachments)
    if (a.content === null && (await uploadedBy(node.store.db, actor.user, a.sha256)) === undefined)
      throw new StixInvalid(
        'unsupported-stix',
        `${a.at}`,
        `'${a.name}' by url: this node fetches nothing; upload the file first (POST /v1/attachments, SHA-256 ${a.sha256}) and import again, or embed it as payload_bin`,
      );
  const attachments: { name: string; type: string; sha256: string }[] = [];
  for (const a of parsed.attachments) {
    const content = a.content;
    const sha256 =
      content === null
        ? a.sha256
        : (
            await uploadAttachment(
              node,
              actor,
              (async function* () {
                yield content;
              })(),
              content.length,
            )
          ).sha256;
    attachments.push({ name: a.name, type: a.mimeType ?? 'application/octet-stream', sha256 });
  }
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
      ...(attachments.length === 0 ? {} : { attachments }),
    },
    { format: 'stix-2.1', ...item.source },
  );
}
