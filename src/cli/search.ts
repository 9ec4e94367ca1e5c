// `liaison item search`: full-text search of the items the node holds that you may
// read (GET /v1/search), printed as `item list` prints items.
import type { Command } from 'commander';
import { type Common, withTarget } from './client.js';
import { itemLines } from './item-table.js';
import { connect, type Paging, pageOf, print, type RemoteContext, withPaging } from './remote.js';

interface SearchOptions extends Common, Paging {
  readonly originator?: string;
  readonly marking?: string;
  readonly category?: string;
  readonly precedence?: string;
  readonly from?: string;
  readonly to?: string;
}

/** Adds `item search` to the `item` command. */
export function registerSearchCommand(item: Command, ctx: RemoteContext): void {
  withTarget(
    withPaging(
      item
        .command('search')
        .argument('<words...>', 'words to find, all of them (Japanese and Korean too)')
        .description(
          'full-text search of titles and bodies: items this node holds that you may read, newest first',
        )
        .option('--originator <party>', 'only items this party originated, e.g. KR')
        .option(
          '--marking <code>',
          "only items with this marking code, the originator's or the one held here",
        )
        .option('--category <category>', 'only items under this need-to-know category')
        .option(
          '--precedence <p>',
          'only items of this precedence: FLASH, IMMEDIATE, PRIORITY, ROUTINE',
        )
        .option('--from <instant>', 'only items created at or after this instant (RFC 3339)')
        .option('--to <instant>', 'only items created before this instant (RFC 3339)'),
    ),
  ).action(async (words: string[], o: SearchOptions) => {
    const page = pageOf(o);
    const rows = await connect(o, {
      q: '<words>',
      originator: '--originator',
      marking: '--marking',
      category: '--category',
      precedence: '--precedence',
      from: '--from',
      to: '--to',
    }).get('/v1/search', {
      query: {
        q: words.join(' '),
        ...page,
        ...(o.originator === undefined ? {} : { originator: o.originator.toUpperCase() }),
        ...(o.marking === undefined ? {} : { marking: o.marking }),
        ...(o.category === undefined ? {} : { category: o.category }),
        ...(o.precedence === undefined ? {} : { precedence: o.precedence.toUpperCase() }),
        ...(o.from === undefined ? {} : { from: o.from }),
        ...(o.to === undefined ? {} : { to: o.to }),
      },
    });
    print(ctx, o, rows, () => itemLines(rows, page, 'no items you may read match'));
  });
}
