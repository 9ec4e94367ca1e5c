// CLI verbs for the agreements on a running node: list, show (explained now), their
// lifecycle events, and notice actions. Proposals and signatures are in federation.ts.

import type { Command } from 'commander';
import { type Common, withTarget } from './client.js';
import { UsageError } from './errors.js';
import { connect, decisionLine, print, type RemoteContext, type Schemas } from './remote.js';
import { table } from './text.js';

type NoticeAction = Schemas['LifecycleEvent']['kind'];

/** `--action` of `agreement notice`, and the notice action each one is. */
const NOTICE_ACTIONS: Readonly<Record<string, NoticeAction>> = {
  give: 'notice',
  suspend: 'suspend-notice',
  resume: 'resume-notice',
  withdraw: 'withdraw-notice',
};

export function registerAgreementCommands(agreement: Command, ctx: RemoteContext): void {
  withTarget(
    agreement.command('list').description('agreements on a node, with their status now'),
  ).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/agreements');
    print(ctx, o, rows, () =>
      table(
        ['agreement', 'parties', 'state', 'term ends', 'notice deadline', 'notice'],
        rows.map((r) => [
          r.id,
          r.parties.join(', '),
          r.state,
          r.termEnd ?? '—',
          r.nextNoticeDeadline ?? '—',
          r.notice === null
            ? '—'
            : `${r.notice.by} → ${r.notice.target}${r.notice.suspended ? ' (suspended)' : ''}`,
        ]),
      ),
    );
  });
  withTarget(
    agreement
      .command('show')
      .description('one agreement on a node, explained now')
      .argument('<id>'),
  ).action(async (id: string, o: Common) => {
    const x = await connect(o).get('/v1/agreements/{id}', { path: { id } });
    const next = x.nextNoticeDeadline;
    print(ctx, o, x, () => [
      `${x.id}: ${x.state.toUpperCase()}`,
      `term ends: ${x.termEnd ?? '—'}`,
      `next notice deadline: ${next === null ? '—' : `notice must arrive by ${next.deadline} to stop renewal at ${next.boundary}`}`,
      `notice: ${x.notice === null ? 'none' : JSON.stringify(x.notice)}`,
    ]);
  });
  withTarget(
    agreement.command('notices').description("an agreement's lifecycle events").argument('<id>'),
  ).action(async (id: string, o: Common) => {
    const x = await connect(o).get('/v1/agreements/{id}/notices', { path: { id } });
    print(ctx, o, x, () =>
      x.events.length === 0
        ? ['no lifecycle events']
        : x.events.map((e) => `${e.at}  ${e.kind}  ${e.by ?? ''}`),
    );
  });
  withTarget(
    agreement
      .command('notice')
      .description(
        "give, suspend, resume or withdraw a termination notice for this node's party (admin)",
      )
      .argument('<id>')
      .requiredOption('--action <action>', 'give | suspend | resume | withdraw'),
  ).action(async (id: string, o: Common & { action: string }) => {
    const action = NOTICE_ACTIONS[o.action];
    if (action === undefined)
      throw new UsageError(`--action must be give, suspend, resume or withdraw, not '${o.action}'`);
    const d = await connect(o).post('/v1/agreements/{id}/notices', {
      path: { id },
      body: { action },
    });
    print(ctx, o, d, () => [decisionLine(d)]);
  });
}
