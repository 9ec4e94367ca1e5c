// CLI verbs for the agreements on a running node: list, show (explained now), their
// lifecycle events, notice actions, and whether its peers compute the same status
// (check). Proposals and signatures are in federation.ts.

import type { Command } from 'commander';
import { type Common, withTarget } from './client.js';
import { EXIT, UsageError } from './errors.js';
import { connect, decisionLine, print, type RemoteContext, type Schemas } from './remote.js';
import { table } from './text.js';

type NoticeAction = Schemas['LifecycleEvent']['kind'];
type StatusView = Schemas['AgreementStatusView'];

/** A status in a few words: `in-force`, `in-force, notice by JP → 2026-11-23T…`, … */
function statusLine(s: StatusView | null): string {
  if (s === null) return '—';
  const ended =
    s.endedBy === null ? '' : ` by ${s.endedBy}${s.endedAt === null ? '' : ` at ${s.endedAt}`}`;
  const notice =
    s.notice === null
      ? ''
      : `, notice by ${s.notice.by} → ${s.notice.target}${s.notice.suspended ? ' (suspended)' : ''}`;
  return `${s.state}${ended}${notice}${s.contested ? ', contested' : ''}`;
}

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
    agreement
      .command('keys')
      .description(
        'the signing keys bound to an agreement, with their SHA-256, to compare with the other parties out of band',
      )
      .argument('<id>'),
  ).action(async (id: string, o: Common) => {
    const keys = await connect(o).get('/v1/agreements/{id}/keys', { path: { id } });
    print(ctx, o, keys, () =>
      table(
        ['party', 'known as', 'SHA-256 of the signing key'],
        keys.map((k) => [k.party, k.source, k.sha256]),
      ),
    );
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
  withTarget(
    agreement
      .command('check')
      .description(
        'whether each peer computes the same status of each shared agreement: its last report, compared at its instant; exit 1 if any diverges or a peer has not reported in time',
      )
      .argument('[id]', 'one agreement (default: every agreement shared with a peer)'),
  ).action(async (id: string | undefined, o: Common) => {
    const r = await connect(o).get('/v1/agreement-sync', {
      query: id === undefined ? {} : { agreement: id },
    });
    print(ctx, o, r, () => [
      ...table(
        ['agreement', 'peer', 'here now', 'peer reported', 'at', 'in step'],
        r.agreements.flatMap((a) =>
          a.peers.length === 0
            ? [[a.agreement, '—', statusLine(a.status), '—', '—', 'no peer']]
            : a.peers.map((p) => [
                a.agreement,
                p.peer,
                statusLine(a.status),
                statusLine(p.theirs),
                p.reportedAt ?? '—',
                p.result === 'diverged'
                  ? `DIVERGED (${p.differs.join(', ')}; here then: ${statusLine(p.ours)})`
                  : p.result === 'silent'
                    ? `SILENT (no report within ${r.expectedWithinSeconds} s)`
                    : p.result === 'awaiting'
                      ? 'awaiting a first report'
                      : 'yes',
              ]),
        ),
      ),
      // Why a peer may be out of step: the last lifecycle action sent to it, refused.
      ...r.agreements.flatMap((a) =>
        a.peers.flatMap((p) => {
          if (p.result === 'agrees') return [];
          const d = a.deliveries.filter((x) => x.to === p.peer).at(-1);
          return d === undefined || (d.state !== 'refused' && d.state !== 'withheld')
            ? []
            : [
                `${a.agreement}: the ${d.action} of ${d.at} did not reach ${d.to} (${d.code ?? d.state}); act again`,
              ];
        }),
      ),
      r.inStep
        ? 'in step'
        : 'OUT OF STEP: a peer computes another status, or has not reported in time',
    ]);
    ctx.setExit(r.inStep ? EXIT.ok : EXIT.failed);
  });
}
