// Instants, durations and time zones. The core never reads a clock: every instant
// arrives as a parameter, as epoch milliseconds. Calendar arithmetic happens in an
// agreement's IANA time zone through Temporal (RULES L2).

import { Temporal } from 'temporal-polyfill';
import { LiaisonError } from './errors.js';
import { defined } from './guards.js';

/** Epoch milliseconds. The core's only representation of an instant. */
export type EpochMs = number;

/** A parsed instant with the UTC offset it was written in, for printing it back. */
export interface OffsetInstant {
  readonly ms: EpochMs;
  /** Offset east of UTC in minutes; `null` when the input said `Z`. */
  readonly offsetMinutes: number | null;
}

/** Thrown for a malformed instant, duration or time zone; the caller adds the location. */
export class TimeFormatError extends LiaisonError<'invalid-time'> {
  override readonly name = 'TimeFormatError';
  readonly family = 'time';
  constructor(message: string) {
    super('invalid-time', message);
  }
}

const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an RFC 3339 instant. The UTC offset is mandatory: an instant without one
 * names a wall-clock time, not a moment, and the rules compare moments.
 */
export function parseInstant(text: string): OffsetInstant {
  return parseCommonInstant(text) ?? parseAnyInstant(text);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** `n` decimal digits at `i`, or −1. */
function digitsAt(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The fast path for the form the simulator sees a million times:
 * YYYY-MM-DDTHH:MM:SS[.sss](Z|±HH:MM). Anything else, or anything wrong, goes
 * to the general parser, which also writes the error messages.
 */
function parseCommonInstant(s: string): OffsetInstant | null {
  const n = s.length;
  const frac = n === 24 || n === 29;
  if (!(n === 20 || n === 25 || frac)) return null;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':') return null;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  let i = 19;
  let millis = 0;
  if (frac) {
    if (s[19] !== '.') return null;
    millis = digitsAt(s, 20, 3);
    i = 23;
  }
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59
  ) {
    return null;
  }
  if (second < 0 || second > 59 || millis < 0 || day > daysInMonth(year, month)) return null;
  let offsetMinutes: number | null;
  if (s[i] === 'Z' && i + 1 === n) offsetMinutes = null;
  else if ((s[i] === '+' || s[i] === '-') && i + 6 === n && s[i + 3] === ':') {
    const oh = digitsAt(s, i + 1, 2);
    const om = digitsAt(s, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMinutes = (s[i] === '-' ? -1 : 1) * (oh * 60 + om);
  } else return null;
  const local = utcMillis(year, month, day, hour, minute, second, millis);
  return { ms: local - (offsetMinutes ?? 0) * 60_000, offsetMinutes };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Like Date.UTC, without its mapping of years 0–99 to 1900–1999. */
function utcMillis(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number {
  return daysFromCivil(y, mo, d) * 86_400_000 + ((h * 60 + mi) * 60 + s) * 1000 + ms;
}

function parseAnyInstant(text: string): OffsetInstant {
  const m = INSTANT_RE.exec(text);
  if (!m) {
    throw new TimeFormatError(
      `'${text}' is not an instant; write it as YYYY-MM-DDTHH:MM[:SS[.sss]] with a UTC offset, e.g. 2019-11-23T00:00:00+09:00`,
    );
  }
  const [, y, mo, d, h, mi, s, frac, off] = m;
  if (off === undefined) {
    throw new TimeFormatError(
      `instant '${text}' has no UTC offset; add one such as +09:00 or Z so that it names one moment`,
    );
  }
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  let millis = 0;
  if (frac !== undefined) {
    const padded = `${frac}000`.slice(0, 3);
    if (/[1-9]/.test(frac.slice(3))) {
      throw new TimeFormatError(
        `instant '${text}' is more precise than a millisecond, which is the finest the rules use`,
      );
    }
    millis = Number(padded);
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) {
    throw new TimeFormatError(`instant '${text}' has a field out of range`);
  }
  if (day > daysInMonth(year, month)) {
    throw new TimeFormatError(`instant '${text}' names a day that does not exist`);
  }
  const local = utcMillis(year, month, day, hour, minute, second, millis);
  let offsetMinutes: number | null = null;
  if (off !== 'Z' && off !== 'z') {
    const sign = off.startsWith('-') ? -1 : 1;
    const oh = Number(off.slice(1, 3));
    const om = Number(off.slice(4, 6));
    if (oh > 23 || om > 59) throw new TimeFormatError(`instant '${text}' has an invalid offset`);
    offsetMinutes = sign * (oh * 60 + om);
  }
  return { ms: local - (offsetMinutes ?? 0) * 60_000, offsetMinutes };
}

const TWO = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

function two(n: number): string {
  return defined(TWO[n], `two digits for ${n}`);
}

/** Proleptic Gregorian civil date of a day count since 1970-01-01 (H. Hinnant's algorithm). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Formats an instant in the given offset (`null` = `Z`), as RFC 3339. */
export function formatInstant(ms: EpochMs, offsetMinutes: number | null = null): string {
  if (!Number.isFinite(ms)) return String(ms);
  const local = Math.floor(ms) + (offsetMinutes ?? 0) * 60_000;
  const days = Math.floor(local / 86_400_000);
  let rest = local - days * 86_400_000;
  const [year, month, day] = civil(days);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  const yearText = year >= 0 && year <= 9999 ? String(year).padStart(4, '0') : String(year);
  const frac = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}`;
  const base = `${yearText}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}${frac}`;
  if (offsetMinutes === null) return `${base}Z`;
  const abs = Math.abs(offsetMinutes);
  return `${base}${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** Formats an instant with the offset it has in an IANA time zone at that moment. */
export function formatInZone(ms: EpochMs, timeZone: string): string {
  const zdt = Temporal.Instant.fromEpochMilliseconds(Math.floor(ms)).toZonedDateTimeISO(timeZone);
  return formatInstant(ms, Math.round(zdt.offsetNanoseconds / 60e9));
}

/** A validated ISO 8601 duration, kept with its canonical text. */
export interface IsoDuration {
  readonly text: string;
  readonly duration: Temporal.Duration;
}

/**
 * Parses an ISO 8601 duration such as `P1Y`, `P90D` or `P1Y6M`.
 * `allowZero` admits `P0D` (a notice period may be zero; a term may not).
 */
export function parseDuration(text: string, allowZero = false): IsoDuration {
  let duration: Temporal.Duration;
  try {
    duration = Temporal.Duration.from(text);
  } catch {
    throw new TimeFormatError(`'${text}' is not an ISO 8601 duration such as P1Y, P90D or PT12H`);
  }
  if (duration.sign < 0) throw new TimeFormatError(`duration '${text}' is negative`);
  if (duration.sign === 0 && !allowZero) {
    throw new TimeFormatError(`duration '${text}' is zero; a term must have a length`);
  }
  return { text: duration.toString(), duration };
}

/** Canonical IANA name of a time zone, or a TimeFormatError. */
export function canonicalTimeZone(name: string): string {
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name).timeZoneId;
  } catch {
    throw new TimeFormatError(`'${name}' is not an IANA time zone such as Asia/Seoul`);
  }
}

/** `n × d`, field by field, so that a calendar addition of the result is ONE addition. */
export function scaleDuration(d: Temporal.Duration, n: number): Temporal.Duration {
  return Temporal.Duration.from({
    years: d.years * n,
    months: d.months * n,
    weeks: d.weeks * n,
    days: d.days * n,
    hours: d.hours * n,
    minutes: d.minutes * n,
    seconds: d.seconds * n,
    milliseconds: d.milliseconds * n,
    microseconds: d.microseconds * n,
    nanoseconds: d.nanoseconds * n,
  });
}

/** `a + b`, field by field (both non-negative). */
export function sumDurations(a: Temporal.Duration, b: Temporal.Duration): Temporal.Duration {
  return Temporal.Duration.from({
    years: a.years + b.years,
    months: a.months + b.months,
    weeks: a.weeks + b.weeks,
    days: a.days + b.days,
    hours: a.hours + b.hours,
    minutes: a.minutes + b.minutes,
    seconds: a.seconds + b.seconds,
    milliseconds: a.milliseconds + b.milliseconds,
    microseconds: a.microseconds + b.microseconds,
    nanoseconds: a.nanoseconds + b.nanoseconds,
  });
}

/** Calendar addition in a time zone: `start + d`, evaluated on the wall clock of `timeZone`. */
export function addInZone(start: EpochMs, d: Temporal.Duration, timeZone: string): EpochMs {
  // Temporal takes whole milliseconds; the core's instants are whole, callers' may not be.
  return Temporal.Instant.fromEpochMilliseconds(Math.floor(start))
    .toZonedDateTimeISO(timeZone)
    .add(d).epochMilliseconds;
}

/** Calendar subtraction in a time zone: `end − d`. */
export function subtractInZone(end: EpochMs, d: Temporal.Duration, timeZone: string): EpochMs {
  return Temporal.Instant.fromEpochMilliseconds(Math.floor(end))
    .toZonedDateTimeISO(timeZone)
    .subtract(d).epochMilliseconds;
}

/**
 * UTC offsets of one IANA zone, cached by the span between two transitions, so
 * that printing many instants in an agreement's zone costs one lookup each.
 */
export class ZoneOffsets {
  private readonly spans: { from: number; to: number; offset: number }[] = [];

  constructor(readonly timeZone: string) {}

  private compute(ms: EpochMs): { from: number; to: number; offset: number } {
    const zdt = Temporal.Instant.fromEpochMilliseconds(Math.floor(ms)).toZonedDateTimeISO(
      this.timeZone,
    );
    const offset = Math.round(zdt.offsetNanoseconds / 60e9);
    const prev = zdt.getTimeZoneTransition('previous');
    const next = zdt.getTimeZoneTransition('next');
    let from = prev ? prev.epochMilliseconds : Number.NEGATIVE_INFINITY;
    // At exactly a transition, `previous` is the one before it: the span starts here.
    if (prev && Math.round(prev.offsetNanoseconds / 60e9) !== offset) from = ms;
    return { from, to: next ? next.epochMilliseconds : Number.POSITIVE_INFINITY, offset };
  }

  /** Offset east of UTC, in minutes, at that instant. */
  offsetAt(ms: EpochMs): number {
    const spans = this.spans;
    let lo = 0;
    let hi = spans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = defined(spans[mid], 'a span');
      if (ms < s.from) hi = mid - 1;
      else if (ms >= s.to) lo = mid + 1;
      else return s.offset;
    }
    const span = this.compute(ms);
    spans.splice(lo, 0, span);
    return span.offset;
  }

  /** RFC 3339 in the zone's offset at that instant. */
  format(ms: EpochMs): string {
    return Number.isFinite(ms) ? formatInstant(ms, this.offsetAt(ms)) : String(ms);
  }
}
