// Instants, durations and countdowns in the reader's language (Intl).
//
// One rule for every instant the console shows (docs/decisions.md):
// - an agreement's instants (entry into force, boundaries, expiry, deadlines, notice
//   given and its target, termination) in the agreement's own zone, named:
//   "25 Aug 2027, 00:00 GMT+9 (South Korea Time)", "2027年8月25日 00:00 JST";
// - every other instant (received, created, logged, sent, acknowledged) in the
//   viewer's zone, with its short name: "24 Aug 2027, 16:00 BST".
// Both are written in the console's language with Intl.DateTimeFormat given the
// language and the zone, so a Japanese or Korean page is in the same zone as an
// English one.
import type { Lang } from './i18n';

export const LOCALES: Record<Lang, string> = { en: 'en-GB', ja: 'ja-JP', ko: 'ko-KR' };

const cache = new Map<string, Intl.DateTimeFormat>();

function dateTimeFormat(
  lang: Lang,
  timeZone: string | undefined,
  withSeconds: boolean,
  zoneName: 'short' | 'shortGeneric' | undefined,
): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone ?? ''}|${withSeconds}|${zoneName ?? ''}`;
  let f = cache.get(key);
  if (f === undefined) {
    f = new Intl.DateTimeFormat(LOCALES[lang], {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      ...(withSeconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
      timeZone,
      ...(zoneName === undefined ? {} : { timeZoneName: zoneName }),
    });
    cache.set(key, f);
  }
  return f;
}

const knownZones = new Map<string, boolean>();

/** Whether Intl knows `timeZone` (an IANA name such as "Asia/Seoul"). */
export function isKnownZone(timeZone: string): boolean {
  let known = knownZones.get(timeZone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(timeZone, known);
  }
  return known;
}

/** The viewer's zone as the browser reports it ("Europe/London"), or UTC. */
export function viewerZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

function zonePart(f: Intl.DateTimeFormat, ms: number): string {
  return f.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

const GMT_OFFSET = /^(GMT|UTC)([+-−]\d|$)/;

/**
 * The zone at an instant as people name it: its short name or offset ("GMT+9", "JST",
 * "UTC"), then, for an agreement's zone, the zone's generic name in the language when
 * it says more ("South Korea Time", "韓国時間"); the IANA name when Intl has no better.
 */
export function zoneName(ms: number, lang: Lang, timeZone: string, generic: boolean): string {
  const short = zonePart(dateTimeFormat(lang, timeZone, false, 'short'), ms);
  if (!generic) return short;
  const long = zonePart(dateTimeFormat(lang, timeZone, false, 'shortGeneric'), ms);
  if (long === short || /^(UTC|Etc\/UTC|Etc\/GMT|GMT)$/.test(timeZone)) return short;
  const named = GMT_OFFSET.test(long) ? timeZone : long;
  // Japanese sets brackets full-width and without a space; English and Korean do not.
  return lang === 'ja' ? `${short}（${named}）` : `${short} (${named})`;
}

export interface InstantOptions {
  /** The agreement's zone for an agreement's instant; omitted: the viewer's zone. */
  readonly timeZone?: string | undefined;
  readonly seconds?: boolean;
  /** Only the zone's short name or offset ("GMT+9"): for labels short of room. */
  readonly shortZone?: boolean;
}

/**
 * An RFC 3339 instant for people, its zone named: in `timeZone` (an agreement's)
 * with the zone's name, else in the viewer's zone. The input itself when unparseable;
 * an unknown zone falls back to the viewer's (its name shows which was used).
 */
export function formatInstant(
  iso: string | null | undefined,
  lang: Lang,
  opts: InstantOptions = {},
): string {
  if (iso === null || iso === undefined) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const agreementZone =
    opts.timeZone !== undefined && opts.timeZone !== '' && isKnownZone(opts.timeZone)
      ? opts.timeZone
      : undefined;
  const tz = agreementZone ?? viewerZone();
  const text = dateTimeFormat(lang, tz, opts.seconds ?? false, undefined).format(ms);
  const named = agreementZone !== undefined && opts.shortZone !== true;
  return `${text} ${zoneName(ms, lang, tz, named)}`;
}

const lists = new Map<string, Intl.ListFormat>();

/**
 * Words joined as the language joins them: "a, b and c", "a or b"; 「a、b、c」,
 * 「aまたはb」; "a, b 및 c", "a 또는 b".
 */
export function joinList(
  items: readonly string[],
  lang: Lang,
  type: 'conjunction' | 'disjunction' = 'conjunction',
): string {
  const key = `${lang}|${type}`;
  let f = lists.get(key);
  if (f === undefined) {
    f = new Intl.ListFormat(LOCALES[lang], { style: 'long', type });
    lists.set(key, f);
  }
  return f.format(items);
}

/**
 * The roles a node's "forbidden" answer names: those needed (before the ";") and those
 * the person has (after it), e.g. "this needs the role releasing-authority or admin;
 * you have officer". Null when the message names no needed role.
 */
export function forbiddenRoles(
  message: string,
  roles: readonly string[],
): { readonly needed: string[]; readonly held: string[] } | null {
  // Longest first, so that "security-officer" is not read as "officer".
  const alternatives = [...roles].sort((a, b) => b.length - a.length).join('|');
  const named = (text: string) => text.match(new RegExp(`\\b(?:${alternatives})\\b`, 'g')) ?? [];
  const cut = message.indexOf(';');
  const needed = [...new Set(named(cut < 0 ? message : message.slice(0, cut)))];
  if (needed.length === 0) return null;
  return { needed, held: cut < 0 ? [] : [...new Set(named(message.slice(cut + 1)))] };
}

/** What a row should say about an agreement's notice of termination. */
export type NoticeShown = 'none' | 'pending' | 'suspended';

/**
 * A terminated agreement has no pending notice, whatever the notice that ended it
 * (RULES L4); a suspended notice takes effect only if resumed (L5), so it gets no
 * countdown.
 */
export function noticeShown(
  state: string,
  notice: { readonly suspended: boolean } | null | undefined,
): NoticeShown {
  if (state === 'terminated' || notice === null || notice === undefined) return 'none';
  return notice.suspended ? 'suspended' : 'pending';
}

export interface Parts {
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

export function splitDuration(ms: number): Parts {
  const s = Math.floor(Math.abs(ms) / 1000);
  return {
    days: Math.floor(s / 86400),
    hours: Math.floor((s % 86400) / 3600),
    minutes: Math.floor((s % 3600) / 60),
    seconds: s % 60,
  };
}

/** An ISO 8601 duration (P90D, P1Y, P6M, PT12H…) as an upper bound in ms, or null. */
export function durationUpperBoundMs(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const m =
    /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(
      text,
    );
  if (m === null) return null;
  const n = (i: number) => Number(m[i] ?? 0);
  const day = 86_400_000;
  return (
    n(1) * 366 * day +
    n(2) * 31 * day +
    n(3) * 7 * day +
    n(4) * day +
    n(5) * 3_600_000 +
    n(6) * 60_000 +
    n(7) * 1000
  );
}

/** Who did something: "PARTY", or "PARTY:user". */
export function actorName(actor: { readonly party: string; readonly user: string | null }): string {
  return `${actor.party}${actor.user ? `:${actor.user}` : ''}`;
}
