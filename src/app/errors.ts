// The composition root's error: a data directory, a config or a file the operator gave
// that a node cannot be set up or started with. The CLI prints its message, never a stack.
import { LiaisonError } from '../core/index.js';

export class SetupError extends LiaisonError<'setup'> {
  override readonly name = 'SetupError';
  readonly family = 'setup';
  constructor(message: string) {
    super('setup', message);
  }
}
