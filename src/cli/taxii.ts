// `liaison taxii pull URL --collection ID`: a TAXII 2.1 client written from the OASIS
// specification (docs/taxii.md "Pulling"). It reads every page of a collection's
// objects from another server (following `next` while `more`), makes one bundle per
// report, and imports each at this node (POST /v1/items/import: RULES P1, logged,
// refused by name like `item import`). A refused report does not stop the others.
import type { Command } from 'commander';
import { isObject, messageOf } from '../core/guards.js';
import { LiaisonError } from '../core/index.js';
import type { StixObject } from '../interop/stix.js';
import { bundlesOf } from '../interop/taxii-bundles.js';
import { type Common, withTarget } from './client.js';
import { EXIT, UsageError } from './errors.js';
import { connect, print, type RemoteContext } from './remote.js';

const TAXII = 'application/taxii+json;version=2.1';
/** The most pages one pull follows (a server that never says `more: false`). */
const MAX_PAGES = 1000;

interface PullOptions extends Common {
  readonly collection: string;
  readonly taxiiToken?: string;
  readonly marking?: string;
  readonly addedAfter?: string;
  readonly limit?: string;
}

/** One GET of a TAXII resource; anything but a 200 with a JSON object is an error. */
async function getTaxii(url: URL, token: string | undefined): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        accept: TAXII,
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      signal: AbortSignal.timeout(60_000),
    });
  } catch (e) {
    throw new UsageError(`TAXII server ${url.origin}: unreachable (${messageOf(e)})`);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (res.status !== 200 || !isObject(body)) {
    const said =
      isObject(body) && typeof body.description === 'string' ? `: ${body.description}` : '';
    throw new UsageError(`TAXII server: GET ${url.pathname} answered ${res.status}${said}`);
  }
  return body;
}

/** The API root: URL itself, or a discovery resource's `default`. */
async function apiRoot(given: string, token: string | undefined): Promise<URL> {
  let url: URL;
  try {
    url = new URL(given.endsWith('/') ? given : `${given}/`);
  } catch {
    throw new UsageError(`'${given}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`'${given}': a TAXII server is http or https`);
  const r = await getTaxii(url, token);
  if (typeof r.default === 'string')
    return new URL(r.default.endsWith('/') ? r.default : `${r.default}/`, url);
  if (Array.isArray(r.api_roots))
    throw new UsageError(
      `${given}: a discovery resource without a default API root: give an API root's URL`,
    );
  return url;
}

/** Every object of the collection, page after page. */
async function pullObjects(
  root: URL,
  o: PullOptions,
): Promise<{ objects: StixObject[]; pages: number }> {
  const objects: StixObject[] = [];
  let next: string | undefined;
  for (let pages = 1; pages <= MAX_PAGES; pages++) {
    const url = new URL(`collections/${encodeURIComponent(o.collection)}/objects/`, root);
    if (o.addedAfter !== undefined) url.searchParams.set('added_after', o.addedAfter);
    if (o.limit !== undefined) url.searchParams.set('limit', o.limit);
    if (next !== undefined) url.searchParams.set('next', next);
    const page = await getTaxii(url, o.taxiiToken);
    for (const x of Array.isArray(page.objects) ? page.objects : []) {
      if (isObject(x) && typeof x.type === 'string' && typeof x.id === 'string')
        objects.push({ ...x, type: x.type, id: x.id });
    }
    if (page.more !== true) return { objects, pages };
    if (typeof page.next !== 'string')
      throw new UsageError(
        'TAXII server: more pages, but no next token (added_after paging is not supported)',
      );
    next = page.next;
  }
  throw new UsageError(`TAXII server: more than ${MAX_PAGES} pages`);
}

/** Adds `taxii pull`. */
export function registerTaxiiCommands(program: Command, ctx: RemoteContext): void {
  const taxii = program
    .command('taxii')
    .description('TAXII 2.1: pull another server’s objects in as items');
  withTarget(
    taxii
      .command('pull')
      .argument(
        '<url>',
        "the TAXII server's API root (or its discovery URL, to take its default root)",
      )
      .requiredOption('--collection <id>', 'the collection to pull')
      .option(
        '--taxii-token <token>',
        'bearer token for the TAXII server (default: $LIAISON_TAXII_TOKEN)',
      )
      .option('--marking <code>', 'the marking the items take here (as item import --marking)')
      .option('--added-after <timestamp>', 'only objects the server added after this instant')
      .option('--limit <n>', 'objects per page asked of the server')
      .description(
        "pull a TAXII 2.1 collection's objects and import each report as a new item of this node's party (each decided by RULES P1 and logged, like item import)",
      ),
  ).action(async (url: string, given: PullOptions) => {
    const token = given.taxiiToken ?? process.env.LIAISON_TAXII_TOKEN;
    const o: PullOptions = { ...given, ...(token === undefined ? {} : { taxiiToken: token }) };
    if (o.limit !== undefined && !/^[1-9][0-9]{0,5}$/.test(o.limit))
      throw new UsageError('--limit: a positive integer');
    const root = await apiRoot(url, o.taxiiToken);
    const { objects, pages } = await pullObjects(root, o);
    const node = connect(o, { marking: '--marking' });
    const results: { report: string; item: string | null; refused: string | null }[] = [];
    for (const b of bundlesOf(objects)) {
      try {
        const it = await node.post('/v1/items/import', {
          ...(o.marking === undefined ? {} : { query: { marking: o.marking } }),
          body: { type: b.bundle.type, id: b.bundle.id, objects: b.bundle.objects },
        });
        results.push({ report: b.report, item: it.id, refused: null });
      } catch (e) {
        if (
          !(e instanceof LiaisonError) ||
          e.family === 'unreachable' ||
          e.code === 'unauthenticated'
        )
          throw e;
        results.push({ report: b.report, item: null, refused: `${e.code}: ${e.message}` });
      }
    }
    const imported = results.filter((r) => r.item !== null).length;
    print(ctx, { ...o }, { pages, objects: objects.length, results }, () => [
      ...results.map((r) =>
        r.item !== null ? `${r.report} → ${r.item}` : `${r.report} refused: ${r.refused}`,
      ),
      `${pages} page(s), ${objects.length} objects, ${imported} of ${results.length} report(s) imported`,
    ]);
    if (imported < results.length) ctx.setExit(EXIT.failed);
  });
}
