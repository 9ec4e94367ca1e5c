// A page of item summaries as a table, as `item list` and `item search` print it.
import { clip, markingText } from './format.js';
import { pageLines, type Schemas } from './remote.js';
import { table } from './text.js';
import { clockIn, localZone, zoneHeader } from './time.js';

/** The rows of a page of items, then the paging hint (`more: --offset 50`) or `none`. */
export function itemLines(
  rows: readonly Schemas['ItemSummary'][],
  page: { readonly limit: number; readonly offset: number },
  none: string,
): string[] {
  const zone = localZone();
  return [
    ...(rows.length === 0
      ? []
      : table(
          [
            'item',
            'title',
            'marking here',
            'originator',
            'categories',
            zoneHeader('created', zone),
          ],
          rows.map((r) => [
            r.id,
            clip(r.title),
            markingText(r.marking),
            markingText(r.originatorMarking),
            r.categories.join(', '),
            clockIn(r.createdAt, zone),
          ]),
        )),
    ...pageLines(rows.length, page, none),
  ];
}
