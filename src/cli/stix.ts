// `liaison item export ID --stix` and `liaison item import FILE`: an item as a STIX 2.1
// bundle and back (docs/stix.md). The node decides and logs both: an export is a read
// (RULES A1–A3), an import a creation (RULES P1). The CLI checks a file's shape itself
// first, so that a bad file is told with its name and place before anything is sent.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { isObject, messageOf } from '../core/guards.js';
import { StixInvalid } from '../interop/errors.js';
import { parseStixBundle } from '../interop/stix-import.js';
import { type Common, withTarget } from './client.js';
import { UsageError } from './errors.js';
import { readInput } from './io.js';
import { connect, print, type RemoteContext } from './remote.js';

/** A bundle file read and checked: JSON, and a bundle an item can be made of. */
function readBundle(file: string): Record<string, unknown> {
  const text = readInput(file);
  let bundle: unknown;
  try {
    bundle = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${file}: not JSON (${messageOf(e)})`);
  }
  try {
    parseStixBundle(bundle);
  } catch (e) {
    if (e instanceof StixInvalid)
      throw new StixInvalid(e.code, e.path === '' ? file : `${file}: ${e.path}`, e.problem);
    throw e;
  }
  if (!isObject(bundle)) throw new UsageError(`${file}: not a STIX bundle`);
  return bundle;
}

/** Adds `export` and `import` to `item`. */
export function registerStixCommands(item: Command, ctx: RemoteContext): void {
  withTarget(
    item
      .command('export')
      .argument('<id>')
      .description('export an item as a STIX 2.1 bundle: a read, decided and logged as one')
      .option('--stix', 'as a STIX 2.1 bundle (the default and only format)')
      .option('--out <file>', 'write the bundle to this file (default: standard output)'),
  ).action(async (id: string, o: Common & { stix?: boolean; out?: string }) => {
    const bundle = await connect(o, { id: '<id>' }).get('/v1/items/{id}/stix', { path: { id } });
    if (o.out === undefined) {
      ctx.io.out(
        o.json === true ? `${JSON.stringify(bundle)}\n` : `${JSON.stringify(bundle, null, 2)}\n`,
      );
      return;
    }
    try {
      // Classified content: readable by its owner only.
      writeFileSync(o.out, `${JSON.stringify(bundle, null, 2)}\n`, { mode: 0o600 });
    } catch (e) {
      throw new UsageError(`cannot write --out '${o.out}': ${messageOf(e)}`);
    }
    const done = { item: id, file: o.out, bundle: bundle.id, objects: bundle.objects.length };
    print(ctx, o, done, () => [`wrote ${o.out}: ${bundle.id}, ${done.objects} objects`]);
  });
  withTarget(
    item
      .command('import')
      .argument('<file>', "a STIX 2.1 bundle ('-' reads standard input)")
      .description(
        "import a STIX 2.1 bundle as a new item of this node's party (decided by RULES P1 and logged, like item create); prints its id",
      )
      .option(
        '--marking <code>',
        "the marking the item takes here, in the party's scheme: needed when the bundle carries no Liaison marking; may raise the bundle's, never lower it",
      ),
  ).action(async (file: string, o: Common & { marking?: string }) => {
    const bundle = readBundle(file);
    const it = await connect(o, { marking: '--marking' }).post('/v1/items/import', {
      ...(o.marking === undefined ? {} : { query: { marking: o.marking } }),
      body: { ...bundle, type: bundle.type, id: bundle.id, objects: bundle.objects },
    });
    print(ctx, o, it, () => [it.id]);
  });
}
