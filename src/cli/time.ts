// Times as the CLI prints them for people, in one way: an agreement's instants (its
// entry into force, boundaries, deadlines, notices) in the agreement's own time zone,
// every other instant (received, created, acknowledged) in this machine's zone, and
// the zone always named. `--json` prints the node's RFC 3339 text untouched.

import { Temporal } from 'temporal-polyfill';
import { parseInstant } from '../core/index.js';
import { count } from './format.js';

/** An instant as the node sends it (RFC 3339) or as epoch ms; null when there is none. */
export type At = string | number | null | undefined;

const NONE = '—';

/** Epoch ms of an instant (RFC 3339 text or ms); null when it is none. */
export function toMs(at: string | number): number | null {
  if (typeof at === 'number') return Number.isFinite(at) ? at : null;
  try {
    return parseInstant(at).ms;
  } catch {
    return null;
  }
}

function isUtc(zone: string): boolean {
  return zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Etc/GMT' || zone === 'GMT';
}

/**
 * This machine's time zone (the TZ environment variable, else the system's), as an IANA
 * name; UTC when it cannot be told or is not one Temporal knows.
 */
export function localZone(): string {
  const zone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
    return zone;
  } catch {
    return 'UTC';
  }
}

function zoned(ms: number, zone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(Math.floor(ms)).toZonedDateTimeISO(zone);
}

/** `2027-08-25 00:00`, with `:ss` only when the seconds are not zero. */
function wallClock(z: Temporal.ZonedDateTime): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const year = z.year >= 0 && z.year <= 9999 ? String(z.year).padStart(4, '0') : String(z.year);
  const seconds = z.second === 0 && z.millisecond === 0 ? '' : `:${two(z.second)}`;
  return `${year}-${two(z.month)}-${two(z.day)} ${two(z.hour)}:${two(z.minute)}${seconds}`;
}

/** The zone as printed: `UTC`, or the IANA name. */
export function zoneName(zone: string): string {
  return isUtc(zone) ? 'UTC' : zone;
}

/**
 * An instant in a zone, the zone named: `2027-08-25 00:00 Asia/Tokyo (UTC+09:00)`, or
 * `2027-08-24 15:00 UTC`. Text that is no instant is printed as it came; none is '—'.
 */
export function timeIn(at: At, zone: string): string {
  if (at === null || at === undefined) return NONE;
  const ms = toMs(at);
  if (ms === null) return String(at);
  const z = zoned(ms, zone);
  return isUtc(zone) ? `${wallClock(z)} UTC` : `${wallClock(z)} ${zone} (UTC${z.offset})`;
}

/**
 * An instant in a zone with its UTC offset but not the zone's name, for a text that
 * names the zone once (`times in Asia/Seoul`): `2019-11-23 00:00 +09:00`; in UTC,
 * `2019-11-22 15:00 UTC`. The offset stays: it changes with summer time.
 */
export function offsetIn(at: At, zone: string): string {
  if (at === null || at === undefined) return NONE;
  const ms = toMs(at);
  if (ms === null) return String(at);
  const z = zoned(ms, zone);
  return `${wallClock(z)} ${isUtc(zone) ? 'UTC' : z.offset}`;
}

/** The line that names the zone of the times after it. */
export function zoneLine(zone: string, whose: string): string {
  return `times in ${zoneName(zone)} (${whose})`;
}

/**
 * An instant in a zone without the zone, for a table whose header names it
 * (`received (Asia/Seoul)`): `2027-08-25 00:00`.
 */
export function clockIn(at: At, zone: string): string {
  if (at === null || at === undefined) return NONE;
  const ms = toMs(at);
  return ms === null ? String(at) : wallClock(zoned(ms, zone));
}

/** A table header for times in a zone: `received (Asia/Seoul)`. */
export function zoneHeader(label: string, zone: string): string {
  return `${label} (${zoneName(zone)})`;
}

/** An agreement's instant, in the agreement's zone, named. */
export const agreementTime = (at: At, agreementZone: string): string => timeIn(at, agreementZone);

/** Any other instant, in this machine's zone, named. */
export const localTime = (at: At): string => timeIn(at, localZone());

/**
 * How far `to` is from `from`, in words: `in 350 days`, `3 hours ago`, `now`. Whole
 * units, rounded down: days from two days on, hours from two hours on, else minutes.
 */
export function relative(from: At, to: At): string {
  if (from === null || from === undefined || to === null || to === undefined) return '';
  const a = toMs(from);
  const b = toMs(to);
  if (a === null || b === null) return '';
  const d = b - a;
  const abs = Math.abs(d);
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  if (abs < minute) return 'now';
  const span =
    abs >= 2 * day
      ? count(Math.floor(abs / day), 'day')
      : abs >= 2 * hour
        ? count(Math.floor(abs / hour), 'hour')
        : count(Math.floor(abs / minute), 'minute');
  return d > 0 ? `in ${span}` : `${span} ago`;
}
