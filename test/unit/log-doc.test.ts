// docs/log.md's table of event types is the log's documentation: it names every
// event type the node writes (src/node/events.ts), in the same order, and nothing else.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/node/events.js';

const doc = readFileSync(new URL('../../docs/log.md', import.meta.url), 'utf8');

/** The backquoted names in the first column of the event-type table. */
function documented(): string[] {
  const start = doc.indexOf('| event type');
  const table = doc.slice(start, doc.indexOf('\n\n', start)).split('\n').slice(2);
  return table.flatMap((row) =>
    [...(row.split('|')[1] ?? '').matchAll(/`([a-z.-]+)`/g)].map((m) => m[1] ?? ''),
  );
}

describe('docs/log.md', () => {
  it('lists every event type of src/node/events.ts, in order, and no other', () => {
    expect(documented()).toEqual([...EVENT_TYPES]);
  });
});
