// The FLASH launch alert: a structured payload carried by a FLASH item. It holds
// warning fields only (what an officer needs to act on), never where or how the
// launch was seen: a payload naming a sensor or its location is refused.
import { type Static, Type as T } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import {
  type EpochMs,
  formatInstant,
  LiaisonError,
  parseInstant,
  TimeFormatError,
} from '../core/index.js';

const ALERT_KIND = 'missile-launch';
const CAP_STATUSES = ['Actual', 'Exercise', 'Test'] as const;
const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel'] as const;
const CONFIDENCES = ['high', 'medium', 'low'] as const;

const Instant = T.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
});
const Area = T.String({ minLength: 1, maxLength: 200 });
const closed = T.Object;
const Point = closed(
  {
    lat: T.Number({ minimum: -90, maximum: 90 }),
    lon: T.Number({ minimum: -180, maximum: 180 }),
    area: Area,
  },
  { additionalProperties: false },
);

/** The warning fields: what an officer needs to act on, and nothing else. */
const WARNING_FIELDS = {
  detectedAt: Instant,
  launchedAt: Instant,
  launch: Point,
  count: T.Integer({ minimum: 1, maximum: 100 }),
  /** True bearing of the flight, degrees. */
  bearingDeg: T.Number({ minimum: 0, exclusiveMaximum: 360 }),
  assessedType: T.String({ minLength: 1, maxLength: 64 }),
  apogeeKm: T.Number({ minimum: 0, maximum: 10_000 }),
  distanceKm: T.Number({ minimum: 0, maximum: 20_000 }),
  impact: closed(
    {
      lat: T.Number({ minimum: -90, maximum: 90 }),
      lon: T.Number({ minimum: -180, maximum: 180 }),
      area: Area,
      insideJapanEez: T.Boolean(),
    },
    { additionalProperties: false },
  ),
  confidence: T.Union(CONFIDENCES.map((c) => T.Literal(c))),
};

/** CAP's message fields and the supersession chain. */
const MESSAGE_FIELDS = {
  status: T.Union(CAP_STATUSES.map((s) => T.Literal(s))),
  msgType: T.Union(CAP_MSG_TYPES.map((s) => T.Literal(s))),
  /** The earlier alerts this one supersedes (updates, final assessment, corrections, cancel). */
  references: T.Array(T.String({ minLength: 1, maxLength: 200 }), { maxItems: 16 }),
  /** The final assessment: no update will follow. */
  final: T.Boolean(),
  /** A correction of the referenced message (an error in it), not new information. */
  correction: T.Boolean(),
};
const Remarks = T.String({ maxLength: 2000 });

/** What an officer writes (or a preset supplies): the warning fields. */
export const AlertInputSchema = closed(
  {
    status: T.Optional(MESSAGE_FIELDS.status),
    msgType: T.Optional(MESSAGE_FIELDS.msgType),
    references: T.Optional(MESSAGE_FIELDS.references),
    final: T.Optional(MESSAGE_FIELDS.final),
    correction: T.Optional(MESSAGE_FIELDS.correction),
    ...WARNING_FIELDS,
    remarks: T.Optional(Remarks),
  },
  { additionalProperties: false },
);
export type AlertInput = Static<typeof AlertInputSchema>;

/** The payload as it travels and is stored: every field filled, instants in UTC. */
export const AlertPayloadSchema = closed(
  {
    kind: T.Literal(ALERT_KIND),
    ...MESSAGE_FIELDS,
    /** When the originator sent it (CAP `sent`). */
    sent: Instant,
    ...WARNING_FIELDS,
    remarks: Remarks,
    /** How long partners have to acknowledge before the originator escalates, ms. */
    ackWithinMs: T.Integer({ minimum: 1000, maximum: 86_400_000 }),
  },
  { additionalProperties: false },
);
export type AlertPayload = Static<typeof AlertPayloadSchema>;

const inputCheck = TypeCompiler.Compile(AlertInputSchema);
const payloadCheck = TypeCompiler.Compile(AlertPayloadSchema);

/** A payload that is not a valid alert: names the field and what is wrong. */
export class AlertInvalid extends LiaisonError<'invalid-alert'> {
  override readonly name = 'AlertInvalid';
  readonly family = 'alert';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super('invalid-alert', `${field}: ${problem}`);
  }
}

// Field names that would say where or how a launch was seen. Matched on every key
// at every depth, so that no nesting smuggles them in.
const SENSOR_KEY = /sensor|radar|satellite|platform|station|receiver|detector|observer|source/i;

function sensorField(x: unknown, path: string): string | null {
  if (x === null || typeof x !== 'object') return null;
  for (const [k, v] of Object.entries(x)) {
    const here = path === '' ? k : `${path}.${k}`;
    if (SENSOR_KEY.test(k)) return here;
    const inner = sensorField(v, here);
    if (inner !== null) return inner;
  }
  return null;
}

function firstProblem(errors: Iterable<{ path: string; message: string }>): AlertInvalid {
  for (const e of errors) {
    const field = e.path === '' ? 'alert' : `alert${e.path.replaceAll('/', '.')}`;
    return new AlertInvalid(field, e.message);
  }
  return new AlertInvalid('alert', 'is not a valid alert');
}

function instantField(text: string, field: string): EpochMs {
  try {
    return parseInstant(text).ms;
  } catch (e) {
    if (e instanceof TimeFormatError) throw new AlertInvalid(field, e.message);
    throw e;
  }
}

/** Refuses sensor fields first (with a message that says why), then anything off-schema. */
function refuseSensorFields(x: unknown): void {
  const s = sensorField(x, '');
  if (s !== null) {
    throw new AlertInvalid(
      `alert.${s}`,
      'sensor identity and sensor location are not warning fields; an alert carries warning fields only',
    );
  }
}

export interface CompleteOptions {
  readonly now: EpochMs;
  readonly ackWithinMs: number;
}

/** Checks an officer's input and fills it into a payload (sent = now). */
export function completeAlert(input: unknown, o: CompleteOptions): AlertPayload {
  refuseSensorFields(input);
  if (!inputCheck.Check(input)) throw firstProblem(inputCheck.Errors(input));
  const a = input;
  const detected = instantField(a.detectedAt, 'alert.detectedAt');
  const launched = instantField(a.launchedAt, 'alert.launchedAt');
  if (detected < launched)
    throw new AlertInvalid('alert.detectedAt', 'a launch cannot be detected before it happens');
  if (launched > o.now + 60_000) throw new AlertInvalid('alert.launchedAt', 'is in the future');
  const msgType = a.msgType ?? ((a.references?.length ?? 0) > 0 ? 'Update' : 'Alert');
  const references = a.references ?? [];
  if (msgType === 'Alert' && references.length > 0)
    throw new AlertInvalid('alert.references', 'a first Alert supersedes nothing: use Update');
  if (msgType !== 'Alert' && references.length === 0)
    throw new AlertInvalid('alert.references', `an ${msgType} names the alert it supersedes`);
  if ((a.correction === true || a.final === true) && msgType === 'Alert')
    throw new AlertInvalid('alert.msgType', 'a correction or final assessment is an Update');
  return {
    kind: ALERT_KIND,
    status: a.status ?? 'Actual',
    msgType,
    references,
    final: a.final ?? false,
    correction: a.correction ?? false,
    sent: formatInstant(o.now),
    detectedAt: formatInstant(detected),
    launchedAt: formatInstant(launched),
    launch: a.launch,
    count: a.count,
    bearingDeg: a.bearingDeg,
    assessedType: a.assessedType,
    apogeeKm: a.apogeeKm,
    distanceKm: a.distanceKm,
    impact: a.impact,
    confidence: a.confidence,
    remarks: a.remarks ?? '',
    ackWithinMs: o.ackWithinMs,
  };
}

/** Checks a payload that arrived from a partner (same rules, nothing filled in). */
export function checkAlertPayload(x: unknown): AlertPayload {
  refuseSensorFields(x);
  if (!payloadCheck.Check(x)) throw firstProblem(payloadCheck.Errors(x));
  return x;
}

const COMPASS = [
  'N',
  'NNE',
  'NE',
  'ENE',
  'E',
  'ESE',
  'SE',
  'SSE',
  'S',
  'SSW',
  'SW',
  'WSW',
  'W',
  'WNW',
  'NW',
  'NNW',
];
/** A bearing as one of the 16 compass points. */
export const compass = (deg: number): string => COMPASS[Math.round(deg / 22.5) % 16] ?? 'N';

export function headline(a: AlertPayload): string {
  const what =
    a.msgType === 'Cancel'
      ? 'CANCELLED — '
      : a.correction
        ? 'CORRECTION — '
        : a.final
          ? 'FINAL — '
          : a.msgType === 'Update'
            ? 'UPDATE — '
            : '';
  return `${what}${a.count} × ${a.assessedType} launched from ${a.launch.area} toward ${compass(a.bearingDeg)}; impact ${a.impact.insideJapanEez ? 'INSIDE' : 'outside'} Japan's EEZ`;
}

/** The alert as text, the body of its item (what a reader of the item sees). */
export function describe(a: AlertPayload): string {
  return [
    headline(a),
    `status ${a.status}, ${a.msgType}${a.references.length > 0 ? ` superseding ${a.references.join(', ')}` : ''}`,
    `launched ${a.launchedAt}, detected ${a.detectedAt}`,
    `launch point ${a.launch.lat.toFixed(3)}, ${a.launch.lon.toFixed(3)} (${a.launch.area})`,
    `bearing ${a.bearingDeg}° (${compass(a.bearingDeg)}), apogee ${a.apogeeKm} km, distance ${a.distanceKm} km`,
    `predicted impact ${a.impact.lat.toFixed(3)}, ${a.impact.lon.toFixed(3)} (${a.impact.area}), ${a.impact.insideJapanEez ? 'inside' : 'outside'} Japan's EEZ`,
    `confidence ${a.confidence}`,
    ...(a.remarks === '' ? [] : [`remarks: ${a.remarks}`]),
  ].join('\n');
}

/**
 * A realistic sample for demos and the console's compose form: an SRBM from the
 * Pyongyang area eastward into the Sea of Japan, outside Japan's EEZ (the pattern of
 * many 2019 launches). Launched a minute before `now`.
 */
export function launchPreset(now: EpochMs): AlertInput {
  return {
    status: 'Exercise',
    detectedAt: formatInstant(now - 30_000),
    launchedAt: formatInstant(now - 60_000),
    launch: { lat: 39.02, lon: 125.75, area: 'Sunan, Pyongyang' },
    count: 2,
    bearingDeg: 75,
    assessedType: 'SRBM',
    apogeeKm: 50,
    distanceKm: 600,
    impact: { lat: 40.4, lon: 132.6, area: 'Sea of Japan', insideJapanEez: false },
    confidence: 'medium',
    remarks: 'Initial assessment; an update follows.',
  };
}
