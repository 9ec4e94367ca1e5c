// CLI verbs for items (create, list, read, reclassify, report compromise) and for the
// node's tamper-evident log (the latest checkpoint, an inclusion proof). Release and
// forward are in federation.ts.

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { messageOf } from '../core/guards.js';
import { type Common, list, withTarget } from './client.js';
import { UsageError } from './errors.js';
import { mediaTypeOf, uploadFile } from './files.js';
import { markingText } from './format.js';
import { itemLines } from './item-table.js';
import {
  connect,
  decisionLine,
  type Paging,
  pageOf,
  print,
  type RemoteContext,
  withPaging,
} from './remote.js';
import { localTime } from './time.js';

/** Registers `item …` and `log …`; returns `item`, which federation.ts adds release and forward to. */
export function registerItemCommands(program: Command, ctx: RemoteContext): { item: Command } {
  const item = program
    .command('item')
    .description(
      'items: create, list, read, release, forward, reclassify, report compromise, export, import',
    );
  withTarget(
    item
      .command('create')
      .description("create an item originated by this node's party; prints its id")
      .requiredOption('--marking <code>', "marking code in the party's scheme, e.g. GOKUHI")
      .option(
        '--category <category>',
        'need-to-know category, at least one (repeatable, or comma-separated)',
        list,
        [],
      )
      .requiredOption('--title <title>', 'title')
      .option('--body <text>', 'body text')
      .option('--body-file <file>', 'read the body from a file')
      .option('--releasable-to <parties>', 'comma-separated parties', list)
      .option('--precedence <p>', 'ACP 121: FLASH, IMMEDIATE, PRIORITY or ROUTINE (default)')
      .option(
        '--attach <file>',
        'attach a file, uploaded first, streamed (repeatable)',
        (v: string, prev: string[] = []) => [...prev, v],
        [],
      ),
  ).action(
    async (
      o: Common & {
        marking: string;
        category: string[];
        title: string;
        body?: string;
        bodyFile?: string;
        releasableTo?: string[];
        precedence?: string;
        attach: string[];
      },
    ) => {
      if (o.category.length === 0)
        throw new UsageError(
          'item create needs at least one --category (the need-to-know it falls under, e.g. --category dprk-missile): without one, clearance alone would open it',
        );
      if (o.body !== undefined && o.bodyFile !== undefined)
        throw new UsageError('give --body or --body-file, not both');
      let body = o.body ?? '';
      if (o.bodyFile !== undefined) {
        try {
          body = readFileSync(o.bodyFile, 'utf8');
        } catch (e) {
          throw new UsageError(`cannot read --body-file '${o.bodyFile}': ${messageOf(e)}`);
        }
      }
      const client = connect(o, {
        marking: '--marking',
        categories: '--category',
        title: '--title',
        body: o.bodyFile === undefined ? '--body' : '--body-file',
        releasableTo: '--releasable-to',
        precedence: '--precedence',
        attachments: '--attach',
      });
      const attachments = [];
      for (const file of o.attach) {
        const up = await uploadFile(client.target, file);
        attachments.push({ name: basename(file), type: mediaTypeOf(file), sha256: up.sha256 });
      }
      const it = await client.post('/v1/items', {
        body: {
          marking: o.marking,
          categories: o.category,
          title: o.title,
          body,
          ...(o.releasableTo === undefined ? {} : { releasableTo: o.releasableTo }),
          ...(o.precedence === undefined ? {} : { precedence: o.precedence.toUpperCase() }),
          ...(attachments.length === 0 ? {} : { attachments }),
        },
      });
      print(ctx, o, it, () => [it.id]);
    },
  );
  withTarget(
    withPaging(
      item
        .command('list')
        .description('items this node holds that you may read, newest first (no bodies)'),
    ),
  ).action(async (o: Common & Paging) => {
    const page = pageOf(o);
    const rows = await connect(o).get('/v1/items', { query: page });
    print(ctx, o, rows, () => itemLines(rows, page, 'no items you may read'));
  });
  withTarget(
    item
      .command('read')
      .alias('show')
      .argument('<id>')
      .description('read an item: decided by RULES A1–A3 and logged'),
  ).action(async (id: string, o: Common) => {
    const it = await connect(o, { id: '<id>' }).get('/v1/items/{id}', { path: { id } });
    print(ctx, o, it, () => [
      `[${markingText(it.marking)} | originator ${markingText(it.originatorMarking)}]`,
      it.title,
      `created ${localTime(it.createdAt)} by ${it.originator}; categories ${it.categories.join(', ')}`,
      '',
      it.body,
      ...it.attachments.map(
        (f) => `file: ${f.name} (${f.type}, ${f.size} bytes, sha256 ${f.sha256})`,
      ),
      '',
      `(read logged at index ${it.logIndex})`,
    ]);
  });
  withTarget(
    item
      .command('reclassify')
      .argument('<id>')
      .description(
        'reclassify an item this party originated (releasing-authority); holders follow (RULES C1)',
      )
      .requiredOption('--marking <code>', "the new marking, in the party's scheme"),
  ).action(async (id: string, o: Common & { marking: string }) => {
    const d = await connect(o, { marking: '--marking', id: '<id>' }).post(
      '/v1/items/{id}/reclassify',
      {
        path: { id },
        body: { marking: o.marking },
      },
    );
    print(ctx, o, d, () => [decisionLine(d), ...d.holders.map((h) => `  ${markingText(h)}`)]);
  });
  withTarget(
    item
      .command('report-compromise')
      .argument('<id>')
      .description('report loss or possible compromise (GSOMIA Art. 17)')
      .option('--note <text>', 'what happened', ''),
  ).action(async (id: string, o: Common & { note: string }) => {
    const c = await connect(o, { note: '--note', id: '<id>' }).post('/v1/items/{id}/compromise', {
      path: { id },
      body: { note: o.note },
    });
    print(ctx, o, c, () => [`reported ${c.id} on ${c.item} at ${localTime(c.at)}`]);
  });

  const log = program.command('log').description("the node's tamper-evident log");
  withTarget(log.command('checkpoint').description('the latest signed checkpoint')).action(
    async (o: Common) => {
      const c = await connect(o).get('/v1/log/checkpoint', { query: { format: 'json' } });
      // With ?format=json the node answers the CheckpointView; without, the note as text.
      const note = typeof c === 'string' ? c : c.note;
      print(ctx, o, c, () => [note.trimEnd()]);
    },
  );
  withTarget(
    log
      .command('proof')
      .description('inclusion proof of an entry')
      .requiredOption('--index <n>', 'entry index')
      .option('--size <n>', 'tree size of a stored checkpoint (default: the latest)'),
  ).action(async (o: Common & { index: string; size?: string }) => {
    const p = await connect(o).get('/v1/log/proof/inclusion', {
      query: { index: o.index, size: o.size },
    });
    print(ctx, o, p, () => [
      `entry ${p.index} in the tree of size ${p.size} (root ${p.root})`,
      ...p.proof.map((h, i) => `  ${i}: ${h}`),
    ]);
  });
  return { item };
}
