// ACP 121 message precedence, highest first. It orders delivery, never the rules:
// a FLASH item is released, forwarded and read under exactly the same checks as a
// ROUTINE one (RULES grant no exemption by precedence).
import { oneOf } from './guards.js';

export const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as const;
export type Precedence = (typeof PRECEDENCES)[number];

/** 0 for FLASH … 3 for ROUTINE: smaller leaves first. */
export function precedenceRank(p: Precedence): number {
  return PRECEDENCES.indexOf(p);
}

export function isPrecedence(x: unknown): x is Precedence {
  return oneOf(PRECEDENCES, x);
}
