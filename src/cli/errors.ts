// The one place where errors become CLI output and exit codes. No stack trace
// ever reaches a user; LIAISON_DEBUG=1 prints one for developers.
import { type ErrorFamily, LiaisonError } from '../core/index.js';
import { ScenarioInvalid } from '../simulate/index.js';
import { RemoteError } from './client.js';

/** A command line that cannot be acted on: a missing argument, a bad option value. */
export class UsageError extends LiaisonError<'usage'> {
  override readonly name = 'UsageError';
  readonly family = 'usage';
  constructor(message: string) {
    super('usage', message);
  }
}

/**
 * Exit codes: 0 success; 1 an expectation did not hold, a node refused, or an audit
 * found a problem; 2 bad input; 3 internal error or an unreachable node.
 */
export const EXIT = { ok: 0, failed: 1, invalid: 2, internal: 3 } as const;

/**
 * Exit code (and the code printed, where it is not the error's own) by error family:
 * the one table from errors to the CLI's answer.
 */
const FAMILIES: Readonly<Record<ErrorFamily, { readonly exit: number; readonly code?: string }>> = {
  // Bad input: a file, an option, a definition, a key or a note the user gave.
  scenario: { exit: EXIT.invalid },
  usage: { exit: EXIT.invalid },
  definition: { exit: EXIT.invalid, code: 'invalid-input' },
  time: { exit: EXIT.invalid, code: 'invalid-input' },
  alert: { exit: EXIT.invalid },
  stix: { exit: EXIT.invalid },
  'canonical-json': { exit: EXIT.invalid, code: 'invalid-input' },
  jose: { exit: EXIT.invalid, code: 'invalid-input' },
  note: { exit: EXIT.invalid, code: 'invalid-input' },
  request: { exit: EXIT.invalid, code: 'invalid-input' },
  message: { exit: EXIT.invalid, code: 'invalid-input' },
  // A data directory that cannot be used as it stands.
  setup: { exit: EXIT.invalid, code: 'setup' },
  keys: { exit: EXIT.invalid, code: 'setup' },
  store: { exit: EXIT.invalid, code: 'setup' },
  identity: { exit: EXIT.invalid, code: 'setup' },
  // Refusals: the node's code (a RULES reason code for a policy denial) and why.
  remote: { exit: EXIT.failed },
  access: { exit: EXIT.failed },
  'not-found': { exit: EXIT.failed },
  conflict: { exit: EXIT.failed },
  limit: { exit: EXIT.failed },
  policy: { exit: EXIT.failed },
  federation: { exit: EXIT.failed },
  'request-signature': { exit: EXIT.failed },
  // Nothing to talk to.
  unavailable: { exit: EXIT.internal },
  unreachable: { exit: EXIT.internal },
};

export function reportError(e: unknown, json: boolean, write: (s: string) => void): number {
  const known = e instanceof LiaisonError ? FAMILIES[e.family] : undefined;
  let code: string;
  let message: string;
  let extra: Record<string, unknown> = {};
  let exit: number;
  if (e instanceof LiaisonError && known !== undefined) {
    code = known.code ?? e.code;
    exit = known.exit;
    message = e.message;
    if (e instanceof ScenarioInvalid)
      extra = { file: e.file, line: e.line, step: e.step, action: e.action, problem: e.problem };
    if (e instanceof RemoteError) {
      // A refused field is told by its flag (client.ts withFlag): the words say it all.
      message = e.field === null ? `${e.code}: ${e.message}` : e.message;
      extra = {
        status: e.status,
        reasons: e.reasons,
        ...(e.field === null ? {} : { field: e.field }),
      };
    }
  } else {
    code = 'internal';
    exit = EXIT.internal;
    message = `internal error: ${e instanceof Error ? e.message : String(e)} (please report this; LIAISON_DEBUG=1 shows details)`;
    if (process.env.LIAISON_DEBUG === '1' && e instanceof Error && e.stack) write(`${e.stack}\n`);
  }
  if (json) write(`${JSON.stringify({ error: { code, message, ...extra } })}\n`);
  else write(`liaison: ${message}\n`);
  return exit;
}
