// The policy core: the rules (docs/rules.md) as pure code. No I/O, no clock: time is a parameter.
export * from './access.js';
export * from './actions.js';
export * from './agreement.js';
export * from './agreement-actions.js';
export * from './arrival.js';
export * from './clock.js';
export * from './consent-check.js';
export * from './custody.js';
export * from './decision.js';
export {
  AgreementDefinitionSchema,
  ARTICLE_TOPICS,
  ASSUMED_PARTS,
  CategorySchema,
  CodeSchema,
  DurationText,
  EquivalenceRowSchema,
  firstSchemaError,
  IdSchema,
  InstantText,
  isAgreementDefinition,
  PartyCodeSchema,
  TopologySchema,
} from './definition-schema.js';
export * from './effects.js';
export * from './errors.js';
export * from './explain.js';
export * from './guards.js';
export * from './lifecycle.js';
export * from './originator-marking.js';
export * from './precedence.js';
export * from './reasons.js';
export * from './schemes.js';
export * from './time.js';
export * from './transfer.js';
export * from './world.js';
