// The one place where errors become CLI output and exit codes. No stack trace
// ever reaches a user; LIAISON_DEBUG=1 prints one for developers.
import { DefinitionError, TimeFormatError } from '../core/index.js';
import { KeyError } from '../crypto/keys.js';
import { SetupError } from '../node/setup.js';
import { ScenarioInvalid } from '../simulate/index.js';
import { StoreError } from '../store/db.js';
import { RemoteError, UnreachableError } from './client.js';

/** A command line that cannot be acted on: a missing argument, a bad option value. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Exit codes: 0 success; 1 an expectation did not hold, a node refused, or an audit
 * found a problem; 2 bad input; 3 internal error or an unreachable node.
 */
export const EXIT = { ok: 0, failed: 1, invalid: 2, internal: 3 } as const;

export function reportError(e: unknown, json: boolean, write: (s: string) => void): number {
  let code: string;
  let message: string;
  let extra: Record<string, unknown> = {};
  let exit: number = EXIT.invalid;
  if (e instanceof ScenarioInvalid) {
    code = 'scenario-invalid';
    message = e.message;
    extra = { file: e.file, line: e.line, step: e.step, action: e.action, problem: e.problem };
  } else if (e instanceof UsageError) {
    code = 'usage';
    message = e.message;
  } else if (e instanceof DefinitionError || e instanceof TimeFormatError) {
    code = 'invalid-input';
    message = e.message;
  } else if (e instanceof RemoteError) {
    // The node refused: its code (a RULES reason code for a policy denial) and why.
    code = e.code;
    message = `${e.code}: ${e.message}`;
    extra = { status: e.status, reasons: e.reasons };
    exit = EXIT.failed;
  } else if (e instanceof UnreachableError) {
    code = 'unreachable';
    message = e.message;
    exit = EXIT.internal;
  } else if (e instanceof SetupError || e instanceof KeyError || e instanceof StoreError) {
    code = 'setup';
    message = e.message;
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
