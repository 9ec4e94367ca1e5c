// Errors, one family per concern, each with a fixed union of string codes. Callers
// branch on `family` and `code`, never on message text or `instanceof` chains; the
// API maps codes to HTTP statuses (src/api/errors.ts) and the CLI to exit codes
// (src/cli/errors.ts), each in one table.

/**
 * Every family, so that the tables that map them (HTTP statuses, CLI exit codes) are
 * checked complete by the compiler.
 */
export const ERROR_FAMILIES = [
  // the core and the simulator
  'definition',
  'time',
  'scenario',
  // crypto and the log
  'canonical-json',
  'jose',
  'keys',
  'note',
  // the store and the node's setup
  'store',
  'setup',
  // what a request or an action runs into at a node
  'request',
  'access',
  'not-found',
  'conflict',
  'limit',
  'policy',
  'unavailable',
  // partners
  'federation',
  'message',
  'request-signature',
  'identity',
  // the content alerts carry
  'alert',
  // a STIX 2.1 bundle to import (src/interop)
  'stix',
  // the CLI
  'usage',
  'remote',
  'unreachable',
] as const;
export type ErrorFamily = (typeof ERROR_FAMILIES)[number];

/** The base of every error this project throws on purpose. */
export abstract class LiaisonError<C extends string = string> extends Error {
  /** The family, e.g. `definition`, `request`, `policy`. */
  abstract readonly family: ErrorFamily;
  constructor(
    readonly code: C,
    message: string,
  ) {
    super(message);
  }
}

export type DefinitionPath = readonly (string | number)[];

/**
 * The core's own family: a definition (party, scheme, agreement, user, item) that
 * breaks RULES.md's shape. It carries the path of the offending field so that the
 * edge (simulator, API) can name the file, line or request field.
 */
export class DefinitionError extends LiaisonError<'invalid-definition'> {
  override readonly name = 'DefinitionError';
  readonly family = 'definition';
  constructor(
    message: string,
    readonly path: DefinitionPath = [],
  ) {
    super('invalid-definition', message);
  }

  /** The same error, located under a parent path. */
  within(prefix: DefinitionPath): DefinitionError {
    return new DefinitionError(this.message, [...prefix, ...this.path]);
  }
}
