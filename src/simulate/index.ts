export * from './errors.js';
export * from './report.js';
export * from './run.js';
export * from './scenario.js';
