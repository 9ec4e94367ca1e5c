// CLI verbs for sharing across nodes: peers, release and forward, inbox and outbox,
// consents, agreement proposals. A refusal exits non-zero and prints the reason code.
import type { Command } from 'commander';
import { type Common, withTarget } from './client.js';
import { UsageError } from './errors.js';
import { connect, markingLine, print, type RemoteContext } from './remote.js';
import { table } from './text.js';

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
    const p = await connect(o).post('/v1/peers', { body: { url, fingerprint: o.fingerprint } });
    print(ctx, o, p, () => [`added ${p.party} at ${p.url} (${p.fingerprint})`]);
  });
  withTarget(peer.command('list').description('list partner nodes')).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/peers');
    print(ctx, o, rows, () =>
      rows.length === 0
        ? ['no peers']
        : table(
            ['party', 'url', 'fingerprint'],
            rows.map((r) => [r.party, r.url, r.fingerprint]),
          ),
    );
  });

  // ---------------------------------------------------------------- release, forward, inbox
  const send = (verb: 'release' | 'forward') =>
    withTarget(
      item
        .command(verb)
        .argument('<id>')
        .option('--to <party>', 'the recipient party (required)')
        .description(
          verb === 'release'
            ? 'release an item this party originated (releasing-authority; RULES R1–R5)'
            : "forward another party's item, with its consent (releasing-authority; RULES F0–F4)",
        ),
    ).action(async (id: string, o: Common & { to?: string }) => {
      if (o.to === undefined)
        throw new UsageError(`item ${verb} needs --to <party>: the party to ${verb} ${id} to`);
      const to = o.to;
      const r = await connect(o).post(`/v1/items/{id}/${verb}`, {
        path: { id },
        body: { to },
      });
      print(ctx, o, r, () => [
        `queued envelope ${String(r.envelope)}: ${to} will mark it ${markingLine(r.marking)}`,
      ]);
    });
  send('release');
  send('forward');

  withTarget(
    program
      .command('inbox')
      .description('items received from partners, with the local marking and the originator’s'),
  ).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/inbox');
    print(ctx, o, rows, () =>
      rows.length === 0
        ? ['inbox empty']
        : table(
            ['item', 'from', 'marking here', 'originator', 'received'],
            rows.map((r) => [
              r.item,
              r.from,
              markingLine(r.marking),
              markingLine(r.originatorMarking),
              r.receivedAt,
            ]),
          ),
    );
  });
  withTarget(
    program.command('outbox').description('messages queued to partners, and their state'),
  ).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/outbox');
    print(ctx, o, rows, () =>
      rows.length === 0
        ? ['outbox empty']
        : table(
            ['envelope', 'to', 'type', 'item', 'state', 'attempts', 'note'],
            rows.map((r) => [
              r.envelope,
              r.to,
              r.type,
              r.item ?? '—',
              r.state,
              String(r.attempts),
              r.lastError ?? '',
            ]),
          ),
    );
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
    const r = await connect(o).post('/v1/consents/requests', {
      body: { item: o.item, to: o.to, note: o.note },
    });
    print(ctx, o, r, () => [
      `requested ${r.id}: ${r.originator} to consent to ${r.holder} passing ${r.item} to ${r.to}`,
    ]);
  });
  withTarget(
    consent
      .command('list')
      .description('consent requests')
      .option('--direction <d>', 'incoming | outgoing'),
  ).action(async (o: Common & { direction?: string }) => {
    if (o.direction !== undefined && o.direction !== 'incoming' && o.direction !== 'outgoing') {
      throw new UsageError(`--direction must be incoming or outgoing, not '${o.direction}'`);
    }
    const rows = await connect(o).get('/v1/consents/requests', {
      query: { direction: o.direction },
    });
    print(ctx, o, rows, () =>
      rows.length === 0
        ? ['no consent requests']
        : table(
            ['request', 'direction', 'item', 'holder', 'to', 'status', 'reason'],
            rows.map((r) => [r.id, r.direction, r.item, r.holder, r.to, r.status, r.reason ?? '']),
          ),
    );
  });
  withTarget(
    consent
      .command('grant')
      .argument('<request>')
      .description('grant an incoming request (releasing-authority)')
      .requiredOption('--reason <text>', 'why')
      .option('--expires <instant>', 'RFC 3339 instant with offset'),
  ).action(async (id: string, o: Common & { reason: string; expires?: string }) => {
    const r = await connect(o).post('/v1/consents/requests/{id}/grant', {
      path: { id },
      body: { reason: o.reason, ...(o.expires === undefined ? {} : { expires: o.expires }) },
    });
    print(ctx, o, r, () => [`granted: consent ${String(r.consent)}`]);
  });
  withTarget(
    consent
      .command('refuse')
      .argument('<request>')
      .description('refuse an incoming request (releasing-authority)')
      .requiredOption('--reason <text>', 'why'),
  ).action(async (id: string, o: Common & { reason: string }) => {
    const r = await connect(o).post('/v1/consents/requests/{id}/refuse', {
      path: { id },
      body: { reason: o.reason },
    });
    print(ctx, o, r, () => [`refused ${r.request}`]);
  });
  withTarget(
    consent
      .command('revoke')
      .argument('<consent>')
      .description('revoke a consent this party gave (releasing-authority)'),
  ).action(async (id: string, o: Common) => {
    const r = await connect(o).post('/v1/consents/{id}/revoke', { path: { id } });
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
