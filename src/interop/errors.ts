// What a STIX bundle can be refused for, each refusal naming the place in the bundle
// (`objects.2.name`, as the API names request fields) and the problem. No HTTP here:
// src/api/errors.ts maps the family and codes to statuses, src/cli/errors.ts to exits.
import { LiaisonError } from '../core/index.js';

export type StixCode =
  /** Not a STIX 2.1 bundle: a property missing, of the wrong type, or malformed. */
  | 'invalid-stix'
  /** Valid STIX that an item cannot hold (several reports, an indicator, a granular marking). */
  | 'unsupported-stix'
  /** No marking this node can use: none, TLP or a statement only (give `--marking`). */
  | 'marking-required'
  /** `--marking` below the marking the bundle carries: lowering is a reclassification (C1). */
  | 'marking-lowered'
  /** The content is another party's: importing it here would make this party its originator. */
  | 'foreign-originator'
  /** A marking code that this node's party's scheme does not have. */
  | 'unknown-marking';

export class StixInvalid extends LiaisonError<StixCode> {
  override readonly name = 'StixInvalid';
  readonly family = 'stix';
  constructor(
    code: StixCode,
    /** Where in the bundle (`objects.0.name`), or in the request (`marking`); '' for the whole. */
    readonly path: string,
    /** What is wrong there, in words. */
    readonly problem: string,
  ) {
    super(code, path === '' ? problem : `${path}: ${problem}`);
  }
}
