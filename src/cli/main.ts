// The `liaison` command. Thin: parse the command line, call, print. Errors become
// output and exit codes in one place (errors.ts).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { isObject } from '../core/guards.js';
import { type OffsetInstant, parseInstant, TimeFormatError } from '../core/index.js';
import { registerAgreementCommands } from './agreements.js';
import { registerAlertCommands } from './alert.js';
import { registerDemoCommand } from './demo.js';
import { EXIT, reportError, UsageError } from './errors.js';
import { explain } from './explain.js';
import { registerFederationCommands } from './federation.js';
import { registerFileCommands } from './files.js';
import { type Io, processIo } from './io.js';
import { registerItemCommands } from './items.js';
import { registerNodeCommands } from './node.js';
import { registerPeopleCommands } from './people.js';
import { rules } from './rules.js';
import { registerSearchCommand } from './search.js';
import { simulate } from './simulate.js';
import { registerStixCommands } from './stix.js';
import { registerTaxiiCommands } from './taxii.js';
import { registerTlsCommands } from './tls.js';

/** The 2019 scenario shipped with the package, replayed when no file is given. */
export const BUILT_IN_SCENARIO = fileURLToPath(
  new URL('../../scenarios/gsomia-2019.yaml', import.meta.url),
);

function version(): string {
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    return isObject(pkg) && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function instantOption(text: string, option: string): OffsetInstant {
  try {
    return parseInstant(text);
  } catch (e) {
    if (e instanceof TimeFormatError) throw new UsageError(`${option}: ${e.message}`);
    throw e;
  }
}

/** The current instant in the machine's local offset (the CLI is an edge: it may read the clock). */
function now(): OffsetInstant {
  const ms = Date.now();
  return { ms, offsetMinutes: -new Date(ms).getTimezoneOffset() };
}

/** Runs the CLI on argv (without `node` and the script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const json = argv.includes('--json');
  let exitCode: number = EXIT.ok;
  const program = new Command();
  program
    .name('liaison')
    .description(
      'Share classified information under security agreements: policy core, agreement clock, simulator.',
    )
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      outputError: () => {},
    })
    .showSuggestionAfterError(true);

  program
    .command('simulate')
    .description(
      'replay a scenario file (docs/scenarios.md) on the policy core; exit 0 if every expect holds, 1 if not, 2 if the file is invalid',
    )
    .argument(
      '[file]',
      "scenario file (YAML or JSON; '-' reads standard input); default: the built-in 2019 scenario",
    )
    .option('--json', 'print JSON Lines, one object per step')
    .action((file: string | undefined, opts: { json?: boolean }) => {
      const path = file ?? BUILT_IN_SCENARIO;
      const shown = file ?? 'scenarios/gsomia-2019.yaml (built in)';
      exitCode = simulate(path, shown, opts.json === true, io);
    });

  const agreement = program
    .command('agreement')
    .description('agreements and their lifecycle clock');
  agreement
    .command('explain')
    .description(
      'the term, boundaries, next notice deadline, pending notice and equivalence table at an instant',
    )
    .argument('<id>', 'agreement id (a built-in template, or one defined in --scenario)')
    .addOption(
      new Option(
        '--at <instant>',
        'instant with a UTC offset, e.g. 2019-08-23T10:00:00+09:00 (default: now)',
      ),
    )
    .option('--scenario <file>', "replay this scenario's timeline up to --at first")
    .option('--json', 'print JSON')
    .action((id: string, opts: { at?: string; scenario?: string; json?: boolean }) => {
      const at = opts.at === undefined ? now() : instantOption(opts.at, '--at');
      exitCode = explain(id, at, opts.scenario, opts.json === true, io);
    });

  const context = {
    io,
    setExit: (code: number) => {
      exitCode = code;
    },
  };
  registerAgreementCommands(agreement, context);
  registerPeopleCommands(program, context);
  const { item } = registerItemCommands(program, context);
  registerSearchCommand(item, context);
  registerStixCommands(item, context);
  registerFileCommands(item, context);
  registerTaxiiCommands(program, context);
  registerFederationCommands(program, item, agreement, context);
  registerAlertCommands(program, context);
  registerNodeCommands(program, context);
  registerDemoCommand(program, context);
  registerTlsCommands(program, context);

  program
    .command('rules')
    .description('list the built-in classification schemes, agreement templates and reason codes')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      exitCode = rules(opts.json === true, io);
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      const message = e.message.replace(/^error: /, '');
      return reportError(
        new UsageError(`${message} (see: ${helpCommand(program, argv)})`),
        json,
        io.err,
      );
    }
    return reportError(e, json, io.err);
  }
  return exitCode;
}

/** `liaison <the subcommands the line named> --help`: the help of the command that refused. */
function helpCommand(program: Command, argv: readonly string[]): string {
  const path = ['liaison'];
  let cmd = program;
  for (const word of argv) {
    if (word.startsWith('-')) break;
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) break;
    path.push(sub.name());
    cmd = sub;
  }
  return `${path.join(' ')} --help`;
}
