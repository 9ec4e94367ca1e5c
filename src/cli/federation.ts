// CLI verbs for sharing across nodes: peers, release and forward, inbox and outbox,
// consents, agreement proposals. A refusal exits non-zero and prints the reason code.
import type { Command } from 'commander';
import { type Common, withTarget } from './client.js';
import { EXIT, UsageError } from './errors.js';
import { clip, markingText } from './format.js';
import {
  connect,
  type Paging,
  pageLines,
  pageOf,
  print,
  type RemoteContext,
  withPaging,
} from './remote.js';
import { table } from './text.js';
import { clockIn, localTime, localZone, zoneHeader } from './time.js';

export function registerFederationCommands(
  program: Command,
  item: Command,
  agreement: Command,
  ctx: RemoteContext,
): void {
  // ---------------------------------------------------------------- peers
  const peer = program.command('peer').description('partner nodes');
  withTarget(
    peer
      .command('add')
      .argument('<url>', "the partner node's URL")
      .requiredOption('--fingerprint <fp>', 'the fingerprint the partner confirmed out of band')
      .description('add a partner node (admin); its keys must match the fingerprint'),
  ).action(async (url: string, o: Common & { fingerprint: string }) => {
    const p = await connect(o, { url: '<url>', fingerprint: '--fingerprint' }).post('/v1/peers', {
      body: { url, fingerprint: o.fingerprint },
    });
    print(ctx, o, p, () => [`added ${p.party} at ${p.url} (${p.fingerprint})`]);
  });
  withTarget(peer.command('list').description('list partner nodes')).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/peers');
    print(ctx, o, rows, () =>
      rows.length === 0
        ? ['no peers']
        : table(
            ['party', 'url', 'fingerprint', 'keys', 'holds ours'],
            rows.map((r) => [
              r.party,
              r.url,
              r.fingerprint,
              `epoch ${r.epoch}`,
              `epoch ${r.holdsOurEpoch}`,
            ]),
          ),
    );
  });

  // ---------------------------------------------------------------- release, forward, inbox
  const send = (verb: 'release' | 'forward') =>
    withTarget(
      item
        .command(verb)
        .argument('<id>')
        .option(
          '--to <parties>',
          'the recipient party, or several separated by commas (KR,US): each decided on its own (required)',
        )
        .description(
          verb === 'release'
            ? 'release an item this party originated (releasing-authority; RULES R1–R5)'
            : "forward another party's item, with its consent (releasing-authority; RULES F0–F4)",
        ),
    ).action(async (id: string, o: Common & { to?: string }) => {
      if (o.to === undefined)
        throw new UsageError(`item ${verb} needs --to <party>: the party to ${verb} ${id} to`);
      const parties = o.to.split(',').map((p) => p.trim());
      if (parties.some((p) => p === ''))
        throw new UsageError(`--to: a party name is empty in '${o.to}' (write KR,US)`);
      const twice = parties.find((p, i) => parties.indexOf(p) !== i);
      if (twice !== undefined) throw new UsageError(`--to: ${twice} is named twice in '${o.to}'`);
      const [only] = parties;
      if (parties.length === 1 && only !== undefined) {
        const r = await connect(o, { to: '--to', id: '<id>' }).post(`/v1/items/{id}/${verb}`, {
          path: { id },
          body: { to: only },
        });
        print(ctx, o, r, () => [
          `queued envelope ${String(r.envelope)}: ${only} will mark it ${markingText(r.marking)}`,
        ]);
        return;
      }
      // Several parties: one call, each decided on its own; the exit code is 1 when
      // any was refused, after every answer is printed.
      const { results } = await connect(o, { to: '--to', id: '<id>' }).post(
        '/v1/items/{id}/releases',
        { path: { id }, body: { to: parties } },
      );
      print(ctx, o, results, () =>
        results.map((r) =>
          r.envelope === null
            ? `${r.to}: refused: ${r.reasons.map((x) => `${x.code} (${x.message})`).join('; ')}`
            : `${r.to}: queued envelope ${r.envelope}, marked ${markingText(r.marking)} there`,
        ),
      );
      if (results.some((r) => r.envelope === null)) ctx.setExit(EXIT.failed);
    });
  send('release');
  send('forward');

  withTarget(
    withPaging(
      program
        .command('inbox')
        .description(
          'items received from partners that you may read, newest first, with the local marking and the originator’s',
        ),
    ),
  ).action(async (o: Common & Paging) => {
    const page = pageOf(o);
    const rows = await connect(o).get('/v1/inbox', { query: page });
    const zone = localZone();
    print(ctx, o, rows, () => [
      ...(rows.length === 0
        ? []
        : table(
            ['item', 'title', 'from', 'marking here', 'originator', zoneHeader('received', zone)],
            rows.map((r) => [
              r.item,
              clip(r.title),
              r.from,
              markingText(r.marking),
              markingText(r.originatorMarking),
              clockIn(r.receivedAt, zone),
            ]),
          )),
      ...pageLines(rows.length, page, 'inbox empty'),
    ]);
  });
  withTarget(
    withPaging(
      program
        .command('outbox')
        .description(
          'messages queued to partners, newest first, and their state (those about an item only if you may read it)',
        ),
    ),
  ).action(async (o: Common & Paging) => {
    const page = pageOf(o);
    const rows = await connect(o).get('/v1/outbox', { query: page });
    const zone = localZone();
    print(ctx, o, rows, () => [
      ...(rows.length === 0
        ? []
        : table(
            [
              'envelope',
              'to',
              'type',
              'item',
              'title',
              'state',
              'attempts',
              zoneHeader('queued', zone),
              'note',
            ],
            rows.map((r) => [
              r.envelope,
              r.to,
              r.type,
              r.item ?? '—',
              r.title === null ? '—' : clip(r.title),
              r.state,
              String(r.attempts),
              clockIn(r.createdAt, zone),
              r.lastError ?? '',
            ]),
          )),
      ...pageLines(rows.length, page, 'outbox empty'),
    ]);
  });

  // ---------------------------------------------------------------- consents
  const consent = program
    .command('consent')
    .description("the third-party rule: the originator's written consent");
  withTarget(
    consent
      .command('request')
      .description('ask the originator for consent to pass an item on')
      .requiredOption('--item <id>', 'the item')
      .requiredOption('--to <party>', 'the party it would go to')
      .option('--note <text>', 'why', ''),
  ).action(async (o: Common & { item: string; to: string; note: string }) => {
    const r = await connect(o, { item: '--item', to: '--to', note: '--note' }).post(
      '/v1/consents/requests',
      {
        body: { item: o.item, to: o.to, note: o.note },
      },
    );
    print(ctx, o, r, () => [
      `requested ${r.id}: ${r.originator} to consent to ${r.holder} passing ${r.item} (${r.title}) to ${r.to}`,
    ]);
  });
  withTarget(
    withPaging(
      consent
        .command('list')
        .description(
          "consent requests about items you may read, newest first, with the requester's note",
        )
        .option('--direction <d>', 'incoming | outgoing (default: both)'),
    ),
  ).action(async (o: Common & Paging & { direction?: string }) => {
    if (o.direction !== undefined && o.direction !== 'incoming' && o.direction !== 'outgoing') {
      throw new UsageError(`--direction must be incoming or outgoing, not '${o.direction}'`);
    }
    const page = pageOf(o);
    const rows = await connect(o, { direction: '--direction' }).get('/v1/consents/requests', {
      query: { direction: o.direction, ...page },
    });
    // One block a request: the note and the reason are a person's words, too long for a column.
    print(ctx, o, rows, () => [
      ...rows.flatMap((r, i) => [
        ...(i === 0 ? [] : ['']),
        `${r.id}  ${r.direction}  ${r.status.toUpperCase()}  requested ${localTime(r.requestedAt)}`,
        `  item    ${r.item}  ${clip(r.title, 60)}`,
        r.direction === 'incoming'
          ? `  asks    ${r.holder} (${r.requestedBy}) asks ${r.originator} to let it go on to ${r.to}`
          : `  asks    ${r.originator} to let ${r.holder} pass it on to ${r.to} (asked by ${r.requestedBy})`,
        `  note    ${r.note === '' ? '—' : r.note}`,
        ...(r.reason === null ? [] : [`  reason  ${r.reason}`]),
        ...(r.consent === null ? [] : [`  consent ${r.consent}`]),
      ]),
      ...pageLines(rows.length, page, 'no consent requests'),
    ]);
  });
  withTarget(
    consent
      .command('grant')
      .argument('<request>')
      .description('grant an incoming request (releasing-authority)')
      .requiredOption('--reason <text>', 'why')
      .option('--expires <instant>', 'RFC 3339 instant with offset'),
  ).action(async (id: string, o: Common & { reason: string; expires?: string }) => {
    const r = await connect(o, { reason: '--reason', expires: '--expires', id: '<request>' }).post(
      '/v1/consents/requests/{id}/grant',
      {
        path: { id },
        body: { reason: o.reason, ...(o.expires === undefined ? {} : { expires: o.expires }) },
      },
    );
    print(ctx, o, r, () => [`granted: consent ${String(r.consent)}`]);
  });
  withTarget(
    consent
      .command('refuse')
      .argument('<request>')
      .description('refuse an incoming request (releasing-authority)')
      .requiredOption('--reason <text>', 'why'),
  ).action(async (id: string, o: Common & { reason: string }) => {
    const r = await connect(o, { reason: '--reason', id: '<request>' }).post(
      '/v1/consents/requests/{id}/refuse',
      {
        path: { id },
        body: { reason: o.reason },
      },
    );
    print(ctx, o, r, () => [`refused ${r.request}`]);
  });
  withTarget(
    consent
      .command('revoke')
      .argument('<consent>')
      .description('revoke a consent this party gave (releasing-authority)'),
  ).action(async (id: string, o: Common) => {
    const r = await connect(o, { id: '<consent>' }).post('/v1/consents/{id}/revoke', {
      path: { id },
    });
    print(ctx, o, r, () => [`revoked ${id}`]);
  });

  // ---------------------------------------------------------------- agreements between nodes
  withTarget(
    agreement.command('proposals').description('agreements and changes awaiting signatures'),
  ).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/proposals');
    print(ctx, o, rows, () =>
      table(
        ['proposal', 'agreement', 'status', 'signed by', 'awaiting'],
        rows.map((r) => [
          r.id,
          r.agreement,
          r.status,
          r.signedBy.join(', '),
          r.awaiting.join(', ') || '—',
        ]),
      ),
    );
  });
  withTarget(
    agreement
      .command('sign')
      .argument('<proposal>')
      .description('countersign a proposal as this party (admin)'),
  ).action(async (id: string, o: Common) => {
    const r = await connect(o).post('/v1/proposals/{id}/sign', { path: { id } });
    print(ctx, o, r, () => [`${r.id}: ${r.status}; signed by ${r.signedBy.join(', ')}`]);
  });
}
