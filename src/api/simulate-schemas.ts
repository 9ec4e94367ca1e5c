// POST /v1/simulate: a scenario file in, its decisions step by step out (the JSON
// Lines contract of SCENARIOS.md "Output", as one document).
import { Type as T } from '@sinclair/typebox';
import {
  Decision,
  MapOf,
  MarkingPair,
  NoticeState,
  Nullable,
  named,
  Reason,
  ref,
} from './schemas.js';
import { MAX_SCENARIO_CHARS } from './simulation.js';

export const SimulateBody = T.Object(
  {
    scenario: T.String({ minLength: 1, maxLength: MAX_SCENARIO_CHARS }),
    name: T.Optional(T.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]*$' })),
  },
  { additionalProperties: false },
);

const ConsentNeeded = T.Object({
  by: T.String(),
  item: T.String(),
  holder: T.String(),
  to: T.String(),
});

/** How a denied transfer could still be done (a route through a hub, a consent to ask). */
export const Suggestion = named(
  T.Union(
    [
      T.Object({
        kind: T.Literal('hub-route'),
        via: T.String(),
        releaseUnder: T.String(),
        forwardUnder: T.String(),
        consent: ConsentNeeded,
        existingConsent: Nullable(T.String()),
        marking: ref(MarkingPair),
        message: T.String(),
      }),
      T.Object({ kind: T.Literal('request-consent'), consent: ConsentNeeded, message: T.String() }),
    ],
    { $id: 'Suggestion' },
  ),
);

/** Fields of every step: which step, when (in the step's own offset), and what it did. */
const stepFields = {
  step: T.Integer(),
  at: T.String(),
  args: MapOf(T.Unknown(), "the step's action fields, as the scenario gives them"),
  expect: T.Optional(T.Union([T.Literal('ok'), T.Literal('mismatch')])),
  expected: T.Optional(T.Unknown({ description: 'the expectation as the scenario wrote it' })),
  mismatches: T.Optional(T.Array(T.String())),
};

export const SimStatusStep = named(
  T.Object(
    {
      ...stepFields,
      action: T.Literal('status'),
      agreement: T.String(),
      state: T.Union([T.Literal('pending'), T.Literal('in-force'), T.Literal('terminated')]),
      termEnd: Nullable(T.String()),
      endedBy: Nullable(T.String()),
      notice: Nullable(ref(NoticeState)),
      contested: T.Boolean(),
      term: T.Optional(
        T.Object({ index: T.Integer(), start: T.String(), end: Nullable(T.String()) }),
      ),
    },
    { $id: 'SimStatusStep' },
  ),
);

export const SimDecisionStep = named(
  T.Object(
    {
      ...stepFields,
      action: T.String({ description: 'the action decided (release, forward, read, …)' }),
      decision: Decision,
      reasons: T.Array(ref(Reason)),
      marking: T.Optional(ref(MarkingPair)),
      agreements: T.Optional(T.Array(T.String())),
      suggestion: T.Optional(ref(Suggestion)),
      holders: T.Optional(T.Array(ref(MarkingPair))),
      notice: T.Optional(Nullable(ref(NoticeState))),
    },
    { $id: 'SimDecisionStep' },
  ),
);

export const SimulateResult = named(
  T.Object(
    {
      summary: T.Object({
        steps: T.Integer(),
        expectations: T.Integer(),
        ok: T.Integer(),
        mismatches: T.Integer(),
      }),
      steps: T.Array(T.Union([ref(SimStatusStep), ref(SimDecisionStep)])),
      truncated: T.Boolean(),
    },
    { $id: 'SimulateResult' },
  ),
);

/** The answer as the worker made it: the JSON text of a SimulateResult, sent as it is. */
export const SimulateResultJson = T.Unsafe<string>(ref(SimulateResult));
