// What the CLI's verbs against a running node share: the context they print to, the
// client for the node the options name, printing (for people, or the node's JSON with
// --json), and the node's shapes in words. The verbs are in agreements.ts, people.ts,
// items.ts, federation.ts and alert.ts.

import type { components } from './api-types.js';
import { type Common, NodeClient, resolveTarget } from './client.js';
import type { Io } from './io.js';

/** The node's shapes, as its OpenAPI document gives them (api-types.ts). */
export type Schemas = components['schemas'];

export interface RemoteContext {
  readonly io: Io;
  setExit(code: number): void;
}

/** The client for the node (and token) the options name. */
export const connect = (o: Common): NodeClient => new NodeClient(resolveTarget(o));

/** Prints the node's answer as JSON with --json, else the lines for people. */
export function print(ctx: RemoteContext, o: Common, value: unknown, people: () => string[]): void {
  ctx.io.out(o.json === true ? `${JSON.stringify(value)}\n` : `${people().join('\n')}\n`);
}

/** A marking by party, native name and code: `JP 極秘 (GOKUHI)`; '—' for none. */
export const markingLine = (m: Schemas['Marking'] | null): string =>
  m === null ? '—' : `${m.party} ${m.name} (${m.code})`;

/** A decision and its reasons, on one line: `deny: CODE: message; …`. */
export const decisionLine = (d: Schemas['DecisionView']): string =>
  `${d.decision}: ${d.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}`;
