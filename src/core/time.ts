// Instants, durations and time zones. The core never reads a clock: every instant
// arrives as a parameter, as epoch milliseconds. Calendar arithmetic happens in an
// agreement's IANA time zone through Temporal (RULES L2).
import { Temporal } from 'temporal-polyfill';

/** Epoch milliseconds. The core's only representation of an instant. */
export type EpochMs = number;

/** A parsed instant with the UTC offset it was written in, for printing it back. */
export interface OffsetInstant {
  readonly ms: EpochMs;
  /** Offset east of UTC in minutes; `null` when the input said `Z`. */
  readonly offsetMinutes: number | null;
}

/** Thrown for a malformed instant, duration or time zone; the caller adds the location. */
export class TimeFormatError extends Error {
  override readonly name = 'TimeFormatError';
}

const INSTANT_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:\d{2})?$/;

/**
 * Parses an RFC 3339 instant. The UTC offset is mandatory: an instant without one
 * names a wall-clock time, not a moment, and the rules compare moments.
 */
export function parseInstant(text: string): OffsetInstant {
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
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(local);
  if (check.getUTCFullYear() !== year || check.getUTCDate() !== day) {
    throw new TimeFormatError(`instant '${text}' names a day that does not exist`);
  }
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

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Formats an instant in the given offset (`null` = `Z`), as RFC 3339. */
export function formatInstant(ms: EpochMs, offsetMinutes: number | null = null): string {
  if (!Number.isFinite(ms)) return String(ms);
  const shifted = new Date(ms + (offsetMinutes ?? 0) * 60_000);
  const year = shifted.getUTCFullYear();
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : String(year);
  const millis = shifted.getUTCMilliseconds();
  const base = `${yearText}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}T${pad(
    shifted.getUTCHours(),
  )}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}${millis ? `.${pad(millis, 3)}` : ''}`;
  if (offsetMinutes === null) return `${base}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${base}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Formats an instant with the offset it has in an IANA time zone at that moment. */
export function formatInZone(ms: EpochMs, timeZone: string): string {
  const zdt = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone);
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
  return Temporal.Instant.fromEpochMilliseconds(start).toZonedDateTimeISO(timeZone).add(d)
    .epochMilliseconds;
}

/** Calendar subtraction in a time zone: `end − d`. */
export function subtractInZone(end: EpochMs, d: Temporal.Duration, timeZone: string): EpochMs {
  return Temporal.Instant.fromEpochMilliseconds(end).toZonedDateTimeISO(timeZone).subtract(d)
    .epochMilliseconds;
}

/**
 * UTC offsets of one IANA zone, cached by the span between two transitions, so
 * that printing many instants in an agreement's zone costs one lookup each.
 */
export class ZoneOffsets {
  private readonly spans: { from: number; to: number; offset: number }[] = [];

  constructor(readonly timeZone: string) {}

  private compute(ms: EpochMs): { from: number; to: number; offset: number } {
    const zdt = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(this.timeZone);
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
      const s = spans[mid] as { from: number; to: number; offset: number };
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
