// The policy core: RULES.md as pure code. No I/O, no clock: time is a parameter.
export * from './access.js';
export * from './actions.js';
export * from './agreement.js';
export * from './agreement-actions.js';
export * from './clock.js';
export * from './custody.js';
export * from './decision.js';
export * from './effects.js';
export * from './errors.js';
export * from './explain.js';
export * from './lifecycle.js';
export * from './precedence.js';
export * from './reasons.js';
export * from './schemes.js';
export * from './time.js';
export * from './transfer.js';
export * from './world.js';
