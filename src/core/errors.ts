// The core's one error family: a definition (party, scheme, agreement, user, item)
// that breaks RULES.md's shape. It carries the path of the offending field so that
// the edge (simulator, API) can name the file, line or request field.

export type DefinitionPath = readonly (string | number)[];

export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
  constructor(
    message: string,
    readonly path: DefinitionPath = [],
  ) {
    super(message);
  }

  /** The same error, located under a parent path. */
  within(prefix: DefinitionPath): DefinitionError {
    return new DefinitionError(this.message, [...prefix, ...this.path]);
  }
}
