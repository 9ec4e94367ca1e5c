// CLI verbs against a running node: agreements, users, tokens, items, compromise
// reports and the log. Each prints for people, or the node's JSON with --json.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { messageOf } from '../core/guards.js';
import { type Common, list, NodeClient, resolveTarget, withTarget } from './client.js';
import { EXIT, UsageError } from './errors.js';
import { type Io, secret } from './io.js';
import { table } from './text.js';

type Json = Record<string, unknown>;

export interface RemoteContext {
  readonly io: Io;
  setExit(code: number): void;
}

function print(ctx: RemoteContext, o: Common, value: unknown, people: () => string[]): void {
  ctx.io.out(o.json === true ? `${JSON.stringify(value)}\n` : `${people().join('\n')}\n`);
}

/** A clearance or roles change, in words. */
function describeChange(c: Json): string {
  return c.kind === 'roles'
    ? `roles → ${(c.roles as string[]).join(', ') || '—'}`
    : `clearance → ${String(c.clearance)}, need-to-know ${(c.needToKnow as string[]).join(', ') || '—'}`;
}

function pendingLine(c: Json): string {
  return `awaiting approval (${String(c.id)}): ${String(c.user)} ${describeChange(c.change as Json)}; to be approved by ${String(c.approver)} (liaison user approve ${String(c.id)})`;
}

const marking = (m: unknown) => {
  const x = m as { party: string; code: string; name: string };
  return `${x.party} ${x.name} (${x.code})`;
};

export function registerRemoteCommands(
  program: Command,
  agreement: Command,
  ctx: RemoteContext,
): { item: Command } {
  const client = (o: Common) => new NodeClient(resolveTarget(o));

  // ------------------------------------------------------------ agreements (on a node)
  withTarget(
    agreement.command('list').description('agreements on a node, with their status now'),
  ).action(async (o: Common) => {
    const rows = await client(o).request<Json[]>('GET', '/v1/agreements');
    print(ctx, o, rows, () =>
      table(
        ['agreement', 'parties', 'state', 'term ends', 'notice deadline', 'notice'],
        rows.map((r) => [
          String(r.id),
          (r.parties as string[]).join(', '),
          String(r.state),
          String(r.termEnd ?? '—'),
          String(r.nextNoticeDeadline ?? '—'),
          r.notice === null
            ? '—'
            : `${(r.notice as Json).by} → ${(r.notice as Json).target}${(r.notice as Json).suspended ? ' (suspended)' : ''}`,
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
    const x = await client(o).request<Json>('GET', `/v1/agreements/${encodeURIComponent(id)}`);
    print(ctx, o, x, () => [
      `${x.id}: ${String(x.state).toUpperCase()}`,
      `term ends: ${x.termEnd ?? '—'}`,
      `next notice deadline: ${x.nextNoticeDeadline === null ? '—' : `notice must arrive by ${(x.nextNoticeDeadline as Json).deadline} to stop renewal at ${(x.nextNoticeDeadline as Json).boundary}`}`,
      `notice: ${x.notice === null ? 'none' : JSON.stringify(x.notice)}`,
    ]);
  });
  withTarget(
    agreement.command('notices').description("an agreement's lifecycle events").argument('<id>'),
  ).action(async (id: string, o: Common) => {
    const x = await client(o).request<{ events: Json[] }>(
      'GET',
      `/v1/agreements/${encodeURIComponent(id)}/notices`,
    );
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
    const actions: Record<string, string> = {
      give: 'notice',
      suspend: 'suspend-notice',
      resume: 'resume-notice',
      withdraw: 'withdraw-notice',
    };
    const action = actions[o.action];
    if (action === undefined)
      throw new UsageError(`--action must be give, suspend, resume or withdraw, not '${o.action}'`);
    const d = await client(o).request<{ decision: string; reasons: Json[] }>(
      'POST',
      `/v1/agreements/${encodeURIComponent(id)}/notices`,
      { action },
    );
    print(ctx, o, d, () => [
      `${d.decision}: ${d.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}`,
    ]);
  });

  // ------------------------------------------------------------ users and tokens
  const user = program
    .command('user')
    .description("a node's people: clearances, need-to-know, roles, tokens");
  withTarget(
    user
      .command('create')
      .argument('<username>')
      .description('create a user (admin)')
      .requiredOption('--clearance <code>', "clearance, a marking code of the node's party")
      .option('--need-to-know <categories>', 'comma-separated categories (repeatable)', list, [])
      .option(
        '--role <role>',
        'officer | releasing-authority | security-officer | auditor | admin (repeatable)',
        list,
        [],
      )
      .option('--clearance-expires <instant>', 'RFC 3339 instant with offset')
      .option(
        '--password',
        'set a console password (from LIAISON_NEW_PASSWORD, or asked on the terminal)',
      )
      .option(
        '--issue-token',
        'also issue their first API token, shown once (in setup, or for someone whose rights you hold)',
      ),
  ).action(
    async (
      username: string,
      o: Common & {
        clearance: string;
        needToKnow: string[];
        role: string[];
        clearanceExpires?: string;
        password?: boolean;
        issueToken?: boolean;
      },
    ) => {
      const password =
        o.password === true ? await secret('LIAISON_NEW_PASSWORD', 'Password: ') : undefined;
      const u = await client(o).request<Json>('POST', '/v1/users', {
        username,
        clearance: o.clearance,
        needToKnow: o.needToKnow,
        roles: o.role,
        ...(o.clearanceExpires === undefined ? {} : { clearanceExpires: o.clearanceExpires }),
        ...(password === undefined ? {} : { password }),
        ...(o.issueToken === true ? { token: true } : {}),
      });
      const token = u.token as Json | undefined;
      print(ctx, o, u, () => [
        `created ${u.id}: clearance ${u.clearance}, need-to-know ${(u.needToKnow as string[]).join(', ') || '—'}, roles ${(u.roles as string[]).join(', ') || '—'}`,
        ...(u.pending as Json[]).map((c) => pendingLine(c)),
        ...(token === undefined ? [] : [`token ${token.id} (shown once):`, String(token.token)]),
      ]);
    },
  );
  withTarget(user.command('list').description('list users')).action(async (o: Common) => {
    const rows = await client(o).request<Json[]>('GET', '/v1/users');
    print(ctx, o, rows, () =>
      table(
        ['user', 'clearance', 'need-to-know', 'expires', 'roles'],
        rows.map((u) => [
          String(u.id),
          String(u.clearance),
          (u.needToKnow as string[]).join(', '),
          String(u.clearanceExpires ?? '—'),
          (u.roles as string[]).join(', '),
        ]),
      ),
    );
  });
  withTarget(
    user
      .command('set-clearance')
      .argument('<username>')
      .description("set a user's clearance and need-to-know (security-officer)")
      .requiredOption('--clearance <code>', 'marking code')
      .option('--need-to-know <categories>', 'comma-separated categories (repeatable)', list, [])
      .option('--clearance-expires <instant>', 'RFC 3339 instant with offset'),
  ).action(
    async (
      username: string,
      o: Common & { clearance: string; needToKnow: string[]; clearanceExpires?: string },
    ) => {
      const u = await client(o).request<Json>(
        'PUT',
        `/v1/users/${encodeURIComponent(username)}/clearance`,
        {
          clearance: o.clearance,
          needToKnow: o.needToKnow,
          ...(o.clearanceExpires === undefined ? {} : { clearanceExpires: o.clearanceExpires }),
        },
      );
      print(ctx, o, u, () =>
        u.status === 'pending'
          ? [pendingLine(u.change as Json)]
          : [
              `${u.id}: clearance ${u.clearance}, need-to-know ${(u.needToKnow as string[]).join(', ') || '—'}`,
            ],
      );
    },
  );
  withTarget(
    user
      .command('set-roles')
      .argument('<username>')
      .description("set a user's roles (admin)")
      .option('--role <role>', 'repeatable', list, []),
  ).action(async (username: string, o: Common & { role: string[] }) => {
    const u = await client(o).request<Json>(
      'PUT',
      `/v1/users/${encodeURIComponent(username)}/roles`,
      { roles: o.role },
    );
    print(ctx, o, u, () =>
      u.status === 'pending'
        ? [pendingLine(u.change as Json)]
        : [`${u.id}: roles ${(u.roles as string[]).join(', ') || '—'}`],
    );
  });
  withTarget(
    user
      .command('approvals')
      .description(
        'changes of clearance or roles awaiting a second person (admin, security-officer)',
      )
      .option('--all', 'decided ones too'),
  ).action(async (o: Common & { all?: boolean }) => {
    const rows = await client(o).request<Json[]>(
      'GET',
      `/v1/approvals${o.all === true ? '?all=true' : ''}`,
    );
    print(ctx, o, rows, () =>
      rows.length === 0
        ? ['nothing awaits approval']
        : table(
            ['change', 'user', 'sets', 'proposed by', 'status', 'approved by'],
            rows.map((c) => [
              String(c.id),
              String(c.user),
              describeChange(c.change as Json),
              String(c.proposedBy),
              String(c.status),
              String(c.approver),
            ]),
          ),
    );
  });
  for (const [verb, what] of [
    [
      'approve',
      'approve a pending change: you must be another person than its proposer and its subject',
    ],
    ['reject', 'reject a pending change (its proposer withdraws it the same way)'],
  ] as const) {
    withTarget(
      user.command(verb).argument('<change-id>').description(what).option('--note <text>', 'why'),
    ).action(async (id: string, o: Common & { note?: string }) => {
      const r = await client(o).request<Json>(
        'POST',
        `/v1/approvals/${encodeURIComponent(id)}/${verb}`,
        o.note === undefined ? {} : { note: o.note },
      );
      const c = r.change as Json;
      print(ctx, o, r, () => [
        `${c.id} ${c.status} by ${c.decidedBy}: ${r.id} ${describeChange(c.change as Json)}${r.status === 'applied' ? ' (in effect now)' : ''}`,
      ]);
    });
  }
  withTarget(
    user
      .command('password')
      .argument('<username>')
      .description(
        "set a console password: your own (with your current one), or, as an admin, reset another's; their other sessions end",
      ),
  ).action(async (username: string, o: Common) => {
    const next = await secret('LIAISON_NEW_PASSWORD', 'New password: ');
    const me = await client(o).request<Json>('GET', '/v1/me');
    const current =
      me.user === username
        ? await secret('LIAISON_CURRENT_PASSWORD', 'Current password: ')
        : undefined;
    const r = await client(o).request<Json>(
      'PUT',
      `/v1/users/${encodeURIComponent(username)}/password`,
      { password: next, ...(current === undefined ? {} : { current }) },
    );
    print(ctx, o, r, () => [
      `password of ${username} set; ${String(r.sessionsRevoked)} other session(s) ended`,
    ]);
  });
  withTarget(
    program
      .command('login')
      .description(
        'sign in with a password (from LIAISON_PASSWORD, or asked) and print a 12-hour session token',
      )
      .requiredOption('--user <username>', 'your username')
      .option('--code <code>', 'the one-time code of your second factor, if you have one'),
  ).action(async (o: Common & { user: string; code?: string }) => {
    const password = await secret('LIAISON_PASSWORD', 'Password: ');
    const s = await client(o).request<Json>('POST', '/v1/session', {
      username: o.user,
      password,
      ...(o.code === undefined ? {} : { code: o.code }),
    });
    print(ctx, o, s, () =>
      s.enrolRequired === true
        ? [
            'this node requires a second factor: enrol one in the console (Account), then sign in with its code',
          ]
        : [String(s.token)],
    );
  });
  withTarget(
    program
      .command('setup')
      .description("end the node's setup: from then on privileged changes take two people (admin)")
      .argument('<action>', 'end'),
  ).action(async (action: string, o: Common) => {
    if (action !== 'end') throw new UsageError(`setup: the only action is 'end', not '${action}'`);
    const r = await client(o).request<Json>('POST', '/v1/setup/end');
    print(ctx, o, r, () => [
      'setup ended: privileged grants and top-level clearances now take two people',
    ]);
  });
  withTarget(
    user
      .command('token')
      .argument('<username>')
      .description(
        'issue an API token: your own, or (admin) for someone whose rights you hold too; shown once',
      )
      .option('--label <label>', 'what the token is for', 'cli')
      .option('--expires <instant>', 'RFC 3339 instant with offset'),
  ).action(async (username: string, o: Common & { label: string; expires?: string }) => {
    const t = await client(o).request<Json>(
      'POST',
      `/v1/users/${encodeURIComponent(username)}/tokens`,
      {
        label: o.label,
        ...(o.expires === undefined ? {} : { expiresAt: o.expires }),
      },
    );
    print(ctx, o, t, () => [`token ${t.id} for ${t.user} (shown once):`, String(t.token)]);
  });
  const token = program.command('token').description('API tokens');
  withTarget(
    token.command('revoke').argument('<token-id>').description('revoke a token (admin)'),
  ).action(async (id: string, o: Common) => {
    const r = await client(o).request<Json>('DELETE', `/v1/tokens/${encodeURIComponent(id)}`);
    print(ctx, o, r, () => [`revoked ${r.id} at ${r.revokedAt}`]);
  });

  // ------------------------------------------------------------ items
  const item = program.command('item').description('items: create, list, read, report compromise');
  withTarget(
    item
      .command('create')
      .description("create an item originated by this node's party; prints its id")
      .requiredOption('--marking <code>', "marking code in the party's scheme, e.g. GOKUHI")
      .option('--category <category>', 'category (repeatable, or comma-separated)', list, [])
      .requiredOption('--title <title>', 'title')
      .option('--body <text>', 'body text')
      .option('--body-file <file>', 'read the body from a file')
      .option('--releasable-to <parties>', 'comma-separated parties', list)
      .option('--precedence <p>', 'ACP 121: FLASH, IMMEDIATE, PRIORITY or ROUTINE (default)'),
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
      },
    ) => {
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
      const it = await client(o).request<Json>('POST', '/v1/items', {
        marking: o.marking,
        categories: o.category,
        title: o.title,
        body,
        ...(o.releasableTo === undefined ? {} : { releasableTo: o.releasableTo }),
        ...(o.precedence === undefined ? {} : { precedence: o.precedence.toUpperCase() }),
      });
      print(ctx, o, it, () => [String(it.id)]);
    },
  );
  withTarget(item.command('list').description('items this node holds (metadata)')).action(
    async (o: Common) => {
      const rows = await client(o).request<Json[]>('GET', '/v1/items');
      print(ctx, o, rows, () =>
        table(
          ['item', 'marking here', 'originator', 'categories', 'created'],
          rows.map((r) => [
            String(r.id),
            marking(r.marking),
            marking(r.originatorMarking),
            (r.categories as string[]).join(', '),
            String(r.createdAt),
          ]),
        ),
      );
    },
  );
  withTarget(
    item
      .command('read')
      .argument('<id>')
      .description('read an item: decided by RULES A1–A3 and logged'),
  ).action(async (id: string, o: Common) => {
    const it = await client(o).request<Json>('GET', `/v1/items/${encodeURIComponent(id)}`);
    print(ctx, o, it, () => [
      `[${marking(it.marking)} | originator ${marking(it.originatorMarking)}]`,
      String(it.title),
      '',
      String(it.body),
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
    const d = await client(o).request<{ decision: string; reasons: Json[]; holders: Json[] }>(
      'POST',
      `/v1/items/${encodeURIComponent(id)}/reclassify`,
      { marking: o.marking },
    );
    print(ctx, o, d, () => [
      `${d.decision}: ${d.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}`,
      ...d.holders.map((h) => `  ${marking(h)}`),
    ]);
  });
  withTarget(
    item
      .command('report-compromise')
      .argument('<id>')
      .description('report loss or possible compromise (GSOMIA Art. 17)')
      .option('--note <text>', 'what happened', ''),
  ).action(async (id: string, o: Common & { note: string }) => {
    const c = await client(o).request<Json>(
      'POST',
      `/v1/items/${encodeURIComponent(id)}/compromise`,
      { note: o.note },
    );
    print(ctx, o, c, () => [`reported ${c.id} on ${c.item} at ${c.at}`]);
  });

  // ------------------------------------------------------------ log
  const log = program.command('log').description("the node's tamper-evident log");
  withTarget(log.command('checkpoint').description('the latest signed checkpoint')).action(
    async (o: Common) => {
      const c = await client(o).request<Json>('GET', '/v1/log/checkpoint?format=json');
      print(ctx, o, c, () => [String(c.note).trimEnd()]);
    },
  );
  withTarget(
    log
      .command('proof')
      .description('inclusion proof of an entry')
      .requiredOption('--index <n>', 'entry index')
      .option('--size <n>', 'tree size of a stored checkpoint (default: the latest)'),
  ).action(async (o: Common & { index: string; size?: string }) => {
    const q = new URLSearchParams({
      index: o.index,
      ...(o.size === undefined ? {} : { size: o.size }),
    });
    const p = await client(o).request<Json>('GET', `/v1/log/proof/inclusion?${q}`);
    print(ctx, o, p, () => [
      `entry ${p.index} in the tree of size ${p.size} (root ${p.root})`,
      ...(p.proof as string[]).map((h, i) => `  ${i}: ${h}`),
    ]);
  });
  ctx.setExit(EXIT.ok);
  return { item };
}
