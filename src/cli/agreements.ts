// CLI verbs for the agreements on a running node: list, show (explained now), their
// lifecycle events, notice actions, and whether its peers compute the same status
// (check). Proposals and signatures are in federation.ts.

import type { Command } from 'commander';
import { type Common, withTarget } from './client.js';
import { EXIT, UsageError } from './errors.js';
import { noticeWords, stateWords } from './lifecycle-words.js';
import { connect, decisionLine, print, type RemoteContext, type Schemas } from './remote.js';
import { table } from './text.js';
import {
  type At,
  clockIn,
  localTime,
  offsetIn,
  relative,
  timeIn,
  zoneLine,
  zoneName,
} from './time.js';

type NoticeAction = Schemas['LifecycleEvent']['kind'];
type StatusView = Schemas['AgreementStatusView'];

/**
 * A status in a few words, instants in the agreement's zone: `in-force`,
 * `in-force; notice by JP: the agreement ends at …`, `terminated 2019-… by KR's notice`.
 */
function statusLine(s: StatusView | null, zone: string, at: string | null): string {
  if (s === null) return '—';
  const notice = noticeWords(s, at, zone);
  return `${stateWords(s, zone)}${notice === null ? '' : `; ${notice}`}${
    s.contested && s.state !== 'terminated' ? ', contested' : ''
  }`;
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
    agreement
      .command('list')
      .description(
        "agreements on a node, with their status now (times in each agreement's own zone)",
      ),
  ).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/agreements');
    // The status is the node's now; this machine's clock says how far a notice is.
    const now = new Date().toISOString();
    print(ctx, o, rows, () => [
      ...table(
        ['agreement', 'parties', 'zone', 'state', 'term ends', 'notice deadline', 'notice'],
        rows.map((r) => [
          r.id,
          r.parties.join(', '),
          zoneName(r.timezone),
          r.state === 'terminated'
            ? `terminated ${clockIn(r.endedAt, r.timezone)}`
            : r.binding
              ? r.state
              : `proposed, awaiting ${r.awaiting.join(', ')}`,
          r.state === 'terminated' ? '—' : clockIn(r.termEnd, r.timezone),
          r.state === 'terminated' ? '—' : clockIn(r.nextNoticeDeadline, r.timezone),
          r.notice === null || r.state === 'terminated'
            ? '—'
            : r.notice.suspended
              ? `${r.notice.by}, SUSPENDED`
              : `${r.notice.by}, ends ${clockIn(r.notice.target, r.timezone)}`,
        ]),
      ),
      // What a table cell cannot say: how each agreement ended, what a notice does.
      ...rows.flatMap((r) => {
        const notice = noticeWords(r, now, r.timezone);
        return [
          ...(r.state === 'terminated' ? [`${r.id}: ${stateWords(r, r.timezone)}`] : []),
          ...(notice === null ? [] : [`${r.id}: ${notice}`]),
        ];
      }),
    ]);
  });
  withTarget(
    agreement
      .command('show')
      .description("one agreement on a node, explained now (times in the agreement's own zone)")
      .argument('<id>'),
  ).action(async (id: string, o: Common) => {
    const x = await connect(o).get('/v1/agreements/{id}', { path: { id } });
    const zone = x.timezone;
    const t = (at: At) => offsetIn(at, zone);
    const next = x.nextNoticeDeadline;
    const notice = noticeWords(x, x.at, zone, t);
    print(ctx, o, x, () => [
      `${x.id}${x.title === null ? '' : ` — ${x.title}`}: ${stateWords(x, zone, t).toUpperCase()}`,
      zoneLine(zone, "the agreement's zone"),
      `at ${t(x.at)}; in force from ${t(x.entryIntoForce)}`,
      ...(x.state === 'terminated'
        ? []
        : [
            `term ends: ${x.termEnd === null ? 'no calendar end' : `${t(x.termEnd)} (${relative(x.at, x.termEnd)})`}`,
            `next notice deadline: ${next === null ? '—' : `notice must arrive by ${t(next.deadline)} (${relative(x.at, next.deadline)}) to stop renewal at ${t(next.boundary)}`}`,
            `notice: ${notice ?? 'none pending'}`,
          ]),
      ...(x.binding ? [] : [`awaiting signatures: ${x.awaiting.join(', ')}`]),
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
    const t = (at: At) => offsetIn(at, x.timezone);
    print(ctx, o, x, () =>
      x.events.length === 0
        ? [
            `no lifecycle events${x.binding === false ? ' (a proposal: not yet signed by all)' : ''}`,
          ]
        : [
            zoneLine(x.timezone, "the agreement's zone"),
            ...table(
              ['at', 'event', 'by', 'targets / takes effect'],
              x.events.map((e) => [
                t(e.at),
                e.kind,
                e.by ?? '—',
                e.target !== undefined
                  ? t(e.target)
                  : e.effectiveAt !== undefined
                    ? t(e.effectiveAt)
                    : '',
              ]),
            ),
          ],
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
    const d = await connect(o, { action: '--action' }).post('/v1/agreements/{id}/notices', {
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
            ? [[a.agreement, '—', statusLine(a.status, a.timezone, r.at), '—', '—', 'no peer']]
            : a.peers.map((p) => [
                a.agreement,
                p.peer,
                statusLine(a.status, a.timezone, r.at),
                statusLine(p.theirs, a.timezone, p.reportedAt),
                localTime(p.reportedAt),
                p.result === 'diverged'
                  ? `DIVERGED (${p.differs.join(', ')}; here then: ${statusLine(p.ours, a.timezone, p.reportedAt)})`
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
                `${a.agreement}: the ${d.action} of ${timeIn(d.at, a.timezone)} did not reach ${d.to} (${d.code ?? d.state}); act again`,
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
