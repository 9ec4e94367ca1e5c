// Instants, durations and countdowns in the reader's language (Intl), in the
// agreement's own time zone where one applies.
import type { Lang } from './i18n';

export const LOCALES: Record<Lang, string> = { en: 'en-GB', ja: 'ja-JP', ko: 'ko-KR' };

const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: Lang, timeZone: string | undefined, withSeconds: boolean) {
  const key = `${lang}|${timeZone ?? ''}|${withSeconds}`;
  let f = cache.get(key);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat(LOCALES[lang], {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        ...(withSeconds ? { second: '2-digit' } : {}),
        hourCycle: 'h23',
        timeZone,
        timeZoneName: 'short',
      });
    } catch {
      // An unknown zone: fall back to the browser's.
      f = new Intl.DateTimeFormat(LOCALES[lang], {
        dateStyle: 'medium',
        timeStyle: withSeconds ? 'medium' : 'short',
      });
    }
    cache.set(key, f);
  }
  return f;
}

/** An RFC 3339 instant for people ("23 Nov 2027, 00:00 GMT+9"); the input when unparseable. */
export function formatInstant(
  iso: string | null | undefined,
  lang: Lang,
  opts: { timeZone?: string | undefined; seconds?: boolean } = {},
): string {
  if (iso === null || iso === undefined) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  return formatter(lang, opts.timeZone, opts.seconds ?? false).format(ms);
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
