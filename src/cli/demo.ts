// `liaison demo [--port-base P] [--data DIR]`: what `npm start` runs.
import type { Command } from 'commander';
import type { RunningDemo } from '../app/demo.js';
import { DEFAULT_PORT_BASE as DEMO_PORT_BASE } from '../app/demo-defaults.js';
import { UsageError } from './errors.js';
import type { RemoteContext } from './remote.js';

import { table } from './text.js';

export function registerDemoCommand(program: Command, ctx: RemoteContext): void {
  program
    .command('demo')
    .description(
      'three nodes (JP, KR, US) on loopback, peered, agreements countersigned, people seeded; Ctrl-C stops, run again to resume',
    )
    .option('--port-base <p>', `JP, KR and US listen on P+1, P+2, P+3 (default ${DEMO_PORT_BASE})`)
    .option('--data <dir>', 'where the three nodes keep their data', '.liaison-demo')
    .option('--json', 'print demo.json instead of a table')
    .option(
      '--instances <n>',
      'instances per node (instance k on P+i+1+10k); more than one needs --database and --nats',
    )
    .option(
      '--database <url>',
      'a PostgreSQL server (postgres://…): each node gets its own database there',
    )
    .option('--nats <url>', 'NATS JetStream that the instances share (nats://…)')
    .option(
      '--tls',
      'serve HTTPS with a certificate from a private CA made for the demo (its path is in demo.json as ca)',
    )
    .action(
      async (o: {
        portBase?: string;
        data: string;
        json?: boolean;
        instances?: string;
        database?: string;
        nats?: string;
        tls?: boolean;
      }) => {
        const instances = o.instances === undefined ? undefined : Number(o.instances);
        if (instances !== undefined && !Number.isInteger(instances))
          throw new UsageError(`--instances must be a whole number, not '${o.instances}'`);
        // A demo that ran before resumes on its own ports: its nodes told each other
        // their URLs when they peered.
        // The node's code is loaded only now: other commands start without it.
        const { DEFAULT_PORT_BASE, DEMO_PASSPHRASE, runDemo, storedPortBase } = await import(
          '../app/demo.js'
        );
        const stored = storedPortBase(o.data);
        const portBase =
          o.portBase === undefined ? (stored ?? DEFAULT_PORT_BASE) : Number(o.portBase);
        if (!Number.isInteger(portBase) || portBase < 0 || portBase > 65530) {
          throw new UsageError(`--port-base must be a port number, not '${o.portBase}'`);
        }
        if (stored !== null && stored !== portBase) {
          throw new UsageError(
            `the demo in ${o.data} runs on ports ${stored + 1}–${stored + 3} (--port-base ${stored}); resume it with that port base, or start another with --data`,
          );
        }
        // Ctrl-C at any moment stops the nodes cleanly: during the start, once it is done.
        let interrupted = false;
        let wake: () => void = () => {};
        const onSignal = () => {
          interrupted = true;
          wake();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        try {
          const demo = await runDemo({
            dir: o.data,
            portBase,
            passphrase: process.env.LIAISON_PASSPHRASE ?? DEMO_PASSPHRASE,
            log: (s) => ctx.io.out(`  ${s}\n`),
            ...(instances === undefined ? {} : { instances }),
            ...(o.database === undefined ? {} : { database: o.database }),
            ...(o.nats === undefined ? {} : { nats: o.nats }),
            ...(o.tls === true ? { tls: true } : {}),
          });
          if (!interrupted) {
            printDemo(ctx, o.data, demo, o.json === true);
            await new Promise<void>((resolve) => {
              wake = resolve;
              if (interrupted) resolve();
            });
          }
          await demo.stop();
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        ctx.io.out('liaison demo: stopped\n');
      },
    );
}

function printDemo(ctx: RemoteContext, dir: string, demo: RunningDemo, json: boolean): void {
  if (json) {
    ctx.io.out(`${JSON.stringify(demo.file)}\n`);
    return;
  }
  const rows = demo.file.nodes.flatMap((n) =>
    Object.entries(n.tokens).map(([role, token], i) => [
      i === 0 ? n.party : '',
      // With several instances, one URL per line beside the first roles.
      (n.urls ?? [n.url])[i] ?? '',
      role,
      n.users[role] ?? '',
      token,
    ]),
  );
  ctx.io.out(
    [
      '',
      `Liaison demo ${demo.resumed ? 'resumed' : 'started'}: three nodes on loopback${demo.file.instances === undefined ? '' : `, ${demo.file.instances} instances each (any instance answers for its node)`} (${dir}/demo.json has the same)`,
      '',
      ...table(['party', 'url', 'role', 'username', 'API token'], rows),
      '',
      `Console: open a node's URL in a browser; sign in with a username above (<party>-<role>, e.g. kr-officer or kr-admin) and the password '${demo.file.password ?? '(set one with PUT /v1/users/{id}/password)'}', or with a token.`,
      ...(demo.file.ca === undefined
        ? []
        : [
            `HTTPS: the nodes' certificate is signed by a private CA made for the demo, ${demo.file.ca}.`,
            `      The CLI trusts it with --ca ${demo.file.ca} (or LIAISON_CA_FILE); a browser once it is imported, else it warns.`,
          ]),
      'Try:  liaison inbox --node <KR url> --token <KR officer token>',
      '      liaison alert watch --node <KR url> --token <KR officer token>',
      '      liaison alert send --preset launch --node <JP url> --token <JP releasing-authority token>',
      'Ctrl-C stops the demo; `liaison demo` again resumes it.',
      '',
    ].join('\n'),
  );
}
