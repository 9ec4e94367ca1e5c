// CLI verbs for a node's people: users (clearance, need-to-know, roles), changes
// awaiting a second person, passwords, sign-in, the end of setup, and API tokens.

import type { Command } from 'commander';
import { type Common, list, withTarget } from './client.js';
import { UsageError } from './errors.js';
import { count } from './format.js';
import { secret } from './io.js';
import { connect, print, type RemoteContext, type Schemas } from './remote.js';
import { table } from './text.js';
import { localTime } from './time.js';

/** A clearance or roles change, in words. */
function describeChange(c: Schemas['UserChange']): string {
  return c.kind === 'roles'
    ? `roles → ${c.roles.join(', ') || '—'}`
    : `clearance → ${c.clearance}, need-to-know ${c.needToKnow.join(', ') || '—'}`;
}

function pendingLine(c: Schemas['ChangeView']): string {
  return `awaiting approval (${c.id}): ${c.user} ${describeChange(c.change)}; to be approved by ${c.approver} (liaison user approve ${c.id})`;
}

/** A change of clearance or roles as the node answered it: applied, or waiting. */
function outcomeLines(u: Schemas['ChangeOutcome'], applied: string): string[] {
  return u.status === 'pending' && u.change !== null ? [pendingLine(u.change)] : [applied];
}

export function registerPeopleCommands(program: Command, ctx: RemoteContext): void {
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
      const u = await connect(o).post('/v1/users', {
        body: {
          username,
          clearance: o.clearance,
          needToKnow: o.needToKnow,
          roles: o.role,
          ...(o.clearanceExpires === undefined ? {} : { clearanceExpires: o.clearanceExpires }),
          ...(password === undefined ? {} : { password }),
          ...(o.issueToken === true ? { token: true } : {}),
        },
      });
      const token = u.token;
      print(ctx, o, u, () => [
        `created ${u.id}: clearance ${u.clearance}, need-to-know ${u.needToKnow.join(', ') || '—'}, roles ${u.roles.join(', ') || '—'}`,
        ...u.pending.map((c) => pendingLine(c)),
        ...(token === undefined ? [] : [`token ${token.id} (shown once):`, token.token]),
      ]);
    },
  );
  withTarget(user.command('list').description('list users')).action(async (o: Common) => {
    const rows = await connect(o).get('/v1/users');
    print(ctx, o, rows, () =>
      table(
        ['user', 'clearance', 'need-to-know', 'expires', 'roles'],
        rows.map((u) => [
          u.id,
          u.clearance,
          u.needToKnow.join(', '),
          localTime(u.clearanceExpires),
          u.roles.join(', '),
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
      const u = await connect(o).put('/v1/users/{id}/clearance', {
        path: { id: username },
        body: {
          clearance: o.clearance,
          needToKnow: o.needToKnow,
          ...(o.clearanceExpires === undefined ? {} : { clearanceExpires: o.clearanceExpires }),
        },
      });
      print(ctx, o, u, () =>
        outcomeLines(
          u,
          `${u.id}: clearance ${u.clearance}, need-to-know ${u.needToKnow.join(', ') || '—'}`,
        ),
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
    const u = await connect(o).put('/v1/users/{id}/roles', {
      path: { id: username },
      body: { roles: o.role },
    });
    print(ctx, o, u, () => outcomeLines(u, `${u.id}: roles ${u.roles.join(', ') || '—'}`));
  });
  withTarget(
    user
      .command('approvals')
      .description(
        'changes of clearance or roles awaiting a second person (admin, security-officer)',
      )
      .option('--all', 'decided ones too'),
  ).action(async (o: Common & { all?: boolean }) => {
    const rows = await connect(o).get('/v1/approvals', {
      query: { all: o.all === true ? true : undefined },
    });
    print(ctx, o, rows, () =>
      rows.length === 0
        ? ['nothing awaits approval']
        : table(
            ['change', 'user', 'sets', 'proposed by', 'status', 'approved by'],
            rows.map((c) => [
              c.id,
              c.user,
              describeChange(c.change),
              c.proposedBy,
              c.status,
              c.approver,
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
      const r = await connect(o).post(`/v1/approvals/{id}/${verb}`, {
        path: { id },
        body: o.note === undefined ? {} : { note: o.note },
      });
      const c = r.change;
      print(ctx, o, r, () => [
        c === null
          ? `${r.id}: ${r.status}`
          : `${c.id} ${c.status} by ${String(c.decidedBy)}: ${r.id} ${describeChange(c.change)}${r.status === 'applied' ? ' (in effect now)' : ''}`,
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
    const me = await connect(o).get('/v1/me');
    const current =
      me.user === username
        ? await secret('LIAISON_CURRENT_PASSWORD', 'Current password: ')
        : undefined;
    const r = await connect(o).put('/v1/users/{id}/password', {
      path: { id: username },
      body: { password: next, ...(current === undefined ? {} : { current }) },
    });
    print(ctx, o, r, () => [
      `password of ${username} set; ${count(r.sessionsRevoked, 'other session')} ended`,
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
    const s = await connect(o).post('/v1/session', {
      body: { username: o.user, password, ...(o.code === undefined ? {} : { code: o.code }) },
    });
    print(ctx, o, s, () =>
      s.enrolRequired
        ? [
            'this node requires a second factor: enrol one in the console (Account), then sign in with its code',
          ]
        : [s.token],
    );
  });
  withTarget(
    program
      .command('setup')
      .description("end the node's setup: from then on privileged changes take two people (admin)")
      .argument('<action>', 'end'),
  ).action(async (action: string, o: Common) => {
    if (action !== 'end') throw new UsageError(`setup: the only action is 'end', not '${action}'`);
    const r = await connect(o).post('/v1/setup/end');
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
    const t = await connect(o).post('/v1/users/{id}/tokens', {
      path: { id: username },
      body: { label: o.label, ...(o.expires === undefined ? {} : { expiresAt: o.expires }) },
    });
    print(ctx, o, t, () => [`token ${t.id} for ${t.user} (shown once):`, t.token]);
  });
  const token = program.command('token').description('API tokens');
  withTarget(
    token.command('revoke').argument('<token-id>').description('revoke a token (admin)'),
  ).action(async (id: string, o: Common) => {
    const r = await connect(o).delete('/v1/tokens/{id}', { path: { id } });
    print(ctx, o, r, () => [`revoked ${r.id} at ${localTime(r.revokedAt)}`]);
  });
}
