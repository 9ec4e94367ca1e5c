// Shared fixtures for the unit tests: the built-in parties and templates, and
// small helpers to build a world and act on it at RFC 3339 instants.
import {
  type Action,
  type AgreementDefinition,
  BUILT_IN_PARTIES,
  BUILT_IN_TEMPLATES,
  type Decision,
  type ItemSpec,
  type Party,
  parseInstant,
  perform,
  type UserSpec,
  World,
} from '../../src/core/index.js';

export const ms = (s: string): number => parseInstant(s).ms;

export function template(id: string): AgreementDefinition {
  const t = BUILT_IN_TEMPLATES.get(id);
  if (t === undefined) throw new Error(`no template ${id}`);
  return t;
}

export const builtInParties = (): Party[] => [...BUILT_IN_PARTIES.values()];

export function world(opts: {
  agreements?: (string | AgreementDefinition)[];
  users?: UserSpec[];
  items?: ItemSpec[];
  parties?: Party[];
}): World {
  return World.create({
    parties: opts.parties ?? builtInParties(),
    agreements: (opts.agreements ?? []).map((a) => (typeof a === 'string' ? template(a) : a)),
    users: opts.users ?? [],
    items: opts.items ?? [],
  });
}

/** Performs an action at an instant (decides, and applies it when allowed). */
export function act(w: World, at: string, action: Action): Decision {
  return perform(w, action, ms(at));
}

export const first = (d: Decision): string | undefined => d.reasons[0]?.code;

/** A two-party mesh agreement with sensible defaults, overridable field by field. */
export function bilateral(
  over: Partial<AgreementDefinition> & { id: string },
): AgreementDefinition {
  return {
    parties: ['JP', 'KR'],
    rows: [
      { JP: ['GOKUHI', 'TOKUTEI'], KR: ['II'] },
      { JP: ['HI'], KR: ['III'] },
    ],
    topology: { kind: 'mesh' },
    entryIntoForce: '2016-11-23T00:00:00+09:00',
    initialTerm: 'P1Y',
    renewalTerm: 'P1Y',
    noticePeriod: 'P90D',
    timezone: 'Asia/Seoul',
    ...over,
  };
}
