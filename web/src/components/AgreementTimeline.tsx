// An agreement's timeline in SVG: its terms between renewal boundaries, in force or
// ended, the notice period before the next boundary and its deadline, a pending
// notice and its target (dashed while suspended), lifecycle events, and now.
import { useId } from 'react';
import { formatInstant, LOCALES } from '../format';
import { useI18n } from '../i18n';
import type { AgreementExplanation } from '../types';

const W = 960;
const H = 232;
const LEFT = 20;
const RIGHT = 20;
const Y = {
  top: 30,
  terms: 44,
  termsH: 40,
  state: 94,
  stateH: 14,
  notice: 130,
  events: 158,
  axis: 182,
};
const YEAR = 365.25 * 86_400_000;

const ms = (iso: string | null | undefined): number | null => {
  if (iso === null || iso === undefined) return null;
  const v = Date.parse(iso);
  return Number.isNaN(v) ? null : v;
};

interface Tick {
  readonly at: number;
  readonly label: string;
}

function ticks(from: number, to: number, locale: string, timeZone: string): Tick[] {
  const out: Tick[] = [];
  const span = to - from;
  const start = new Date(from);
  if (span > 3 * YEAR) {
    const step = Math.max(1, Math.ceil(span / YEAR / 10));
    for (let y = start.getUTCFullYear(); ; y += step) {
      const at = Date.UTC(y, 0, 1);
      if (at > to) break;
      if (at >= from) out.push({ at, label: String(y) });
    }
    return out;
  }
  const months = span / (YEAR / 12);
  const step = months <= 12 ? 1 : months <= 24 ? 2 : 3;
  const fmt = new Intl.DateTimeFormat(locale, { year: '2-digit', month: 'short', timeZone });
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  for (;;) {
    const at = Date.UTC(y, m, 1);
    if (at > to) break;
    if (at >= from) out.push({ at, label: fmt.format(at) });
    m += step;
    while (m >= 12) {
      m -= 12;
      y += 1;
    }
  }
  return out;
}

export function AgreementTimeline({
  x,
  now,
}: {
  readonly x: AgreementExplanation;
  readonly now: number;
}) {
  const { t, lang } = useI18n();
  const titleId = useId();
  const descId = useId();
  const tz = x.timezone;
  const fmt = (v: number) => formatInstant(new Date(v).toISOString(), lang, { timeZone: tz });
  // In the chart, where room is short, the zone by its offset only; the description
  // and the tables around it name it in full.
  const fmtShort = (v: number) =>
    formatInstant(new Date(v).toISOString(), lang, { timeZone: tz, shortZone: true });

  const boundaries = x.boundaries
    .map((b) => ({ index: b.index, at: ms(b.at) }))
    .filter((b): b is { index: number; at: number } => b.at !== null);
  const endedAt = ms(x.endedAt);
  const entry = ms(x.entryIntoForce);
  const notice = x.notice;
  const noticeAt = ms(notice?.receivedAt);
  const target = ms(notice?.target);
  const deadline = ms(x.nextNoticeDeadline?.deadline);
  const deadlineBoundary = ms(x.nextNoticeDeadline?.boundary);
  const events = x.events
    .map((e) => ({ e, at: ms(e.at) }))
    .filter((e): e is { e: (typeof x.events)[number]; at: number } => e.at !== null);

  const pts: number[] = [now];
  for (const b of boundaries) pts.push(b.at);
  for (const v of [ms(x.term?.start), ms(x.term?.end), noticeAt, target, endedAt, deadline])
    if (v !== null) pts.push(v);
  for (const e of events) pts.push(e.at);
  if (entry !== null && entry > now - 3 * YEAR) pts.push(entry);
  let from = Math.min(...pts);
  let to = Math.max(...pts);
  if (x.termKind === 'indefinite' || boundaries.length === 0) to = Math.max(to, now + YEAR);
  if (to - from < YEAR) to = from + YEAR;
  const pad = (to - from) * 0.04;
  from -= pad;
  to += pad;
  const sx = (v: number) => LEFT + ((v - from) / (to - from)) * (W - LEFT - RIGHT);
  const clampX = (v: number) => Math.max(LEFT, Math.min(W - RIGHT, sx(v)));

  // Terms: [b(k-1), b(k)] is term k.
  const terms: { index: number; start: number; end: number }[] = [];
  for (let i = 1; i < boundaries.length; i++) {
    const a = boundaries[i - 1] as { index: number; at: number };
    const b = boundaries[i] as { index: number; at: number };
    terms.push({ index: b.index, start: a.at, end: b.at });
  }
  const firstKnown = boundaries[0]?.at ?? ms(x.term?.start);
  const inForceFrom = entry !== null ? Math.max(entry, from) : from;
  const inForceTo = endedAt ?? to;

  const summary: string[] = [
    t('timeline.descState', { state: t(`state.${x.state}` as 'state.in-force') }),
  ];
  if (x.term !== null)
    summary.push(
      x.term.end === null
        ? t('timeline.descTermOpen', { index: x.term.index, start: fmt(ms(x.term.start) ?? 0) })
        : t('timeline.descTerm', {
            index: x.term.index,
            start: fmt(ms(x.term.start) ?? 0),
            end: fmt(ms(x.term.end) ?? 0),
          }),
    );
  if (deadline !== null && deadlineBoundary !== null)
    summary.push(
      t('timeline.descDeadline', { deadline: fmt(deadline), boundary: fmt(deadlineBoundary) }),
    );
  if (notice !== null && target !== null)
    summary.push(
      t(notice.suspended ? 'timeline.descNoticeSuspended' : 'timeline.descNotice', {
        party: notice.by,
        target: fmt(target),
      }),
    );
  if (endedAt !== null) summary.push(t('timeline.descEnded', { at: fmt(endedAt) }));

  const tickList = ticks(from, to, LOCALES[lang], tz);
  const nowX = sx(now);
  // A label beside a vertical line, on the side with room for it.
  const side = (x: number, prefer: 'start' | 'end') => {
    const anchor: 'start' | 'end' = x < 260 ? 'start' : x > W - 260 ? 'end' : prefer;
    return { x: anchor === 'start' ? x + 5 : x - 5, textAnchor: anchor };
  };
  const shownAt = ms(x.at);
  const explainedElsewhen = shownAt !== null && Math.abs(shownAt - now) > 60_000;

  return (
    <figure className="timeline" data-testid="agreement-timeline">
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={titleId}>{t('timeline.title', { id: x.id })}</title>
        <desc id={descId}>{summary.join(' ')}</desc>
        <defs>
          <pattern
            id="hatch"
            width="8"
            height="8"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="8" height="8" fill="#eceff3" />
            <line x1="0" y1="0" x2="0" y2="8" stroke="#8a94a6" strokeWidth="3" />
          </pattern>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" fill="#8a4b00" />
          </marker>
        </defs>

        {/* Terms before the first boundary shown */}
        {firstKnown !== null && firstKnown > from ? (
          <rect
            x={sx(Math.max(from, entry ?? from))}
            y={Y.terms}
            width={Math.max(0, sx(firstKnown) - sx(Math.max(from, entry ?? from)))}
            height={Y.termsH}
            fill="#f1f3f6"
            stroke="#c5ccd6"
          >
            <title>{t('timeline.earlierTerms')}</title>
          </rect>
        ) : null}
        {terms.map((term) => {
          const current = x.term?.index === term.index;
          const ended = endedAt !== null && term.start >= endedAt;
          return (
            <g key={term.index} data-term={term.index}>
              <rect
                x={sx(term.start)}
                y={Y.terms}
                width={Math.max(1, sx(term.end) - sx(term.start))}
                height={Y.termsH}
                fill={
                  ended
                    ? 'url(#hatch)'
                    : current
                      ? '#cfe3ff'
                      : term.index % 2
                        ? '#e6eef9'
                        : '#f5f8fc'
                }
                stroke={current ? '#0b4fa3' : '#9fb3cc'}
                strokeWidth={current ? 2 : 1}
              >
                <title>
                  {t('timeline.termLabel', { index: term.index })}: {fmt(term.start)} –{' '}
                  {fmt(term.end)}
                </title>
              </rect>
              {sx(term.end) - sx(term.start) > 70 ? (
                <text
                  x={(sx(term.start) + sx(term.end)) / 2}
                  y={Y.terms + Y.termsH / 2 + 5}
                  textAnchor="middle"
                  className="tl-term"
                >
                  {t('timeline.termLabel', { index: term.index })}
                  {current ? ` · ${t('timeline.current')}` : ''}
                </text>
              ) : null}
            </g>
          );
        })}
        {x.termKind === 'indefinite' || boundaries.length === 0 ? (
          <g>
            <rect
              x={sx(Math.max(from, entry ?? from))}
              y={Y.terms}
              width={Math.max(1, sx(endedAt ?? to) - sx(Math.max(from, entry ?? from)))}
              height={Y.termsH}
              fill="#e6eef9"
              stroke="#9fb3cc"
            />
            <text
              x={(sx(Math.max(from, entry ?? from)) + sx(endedAt ?? to)) / 2}
              y={Y.terms + Y.termsH / 2 + 5}
              textAnchor="middle"
              className="tl-term"
            >
              {t('timeline.indefinite')}
            </text>
          </g>
        ) : null}

        {/* State band */}
        {entry !== null && entry > from ? (
          <rect
            x={sx(from)}
            y={Y.state}
            width={sx(entry) - sx(from)}
            height={Y.stateH}
            fill="#d9dde3"
          >
            <title>{t('state.pending')}</title>
          </rect>
        ) : null}
        <rect
          x={sx(inForceFrom)}
          y={Y.state}
          width={Math.max(0, sx(inForceTo) - sx(inForceFrom))}
          height={Y.stateH}
          fill="#1e7b3a"
        >
          <title>{t('state.in-force')}</title>
        </rect>
        {endedAt !== null ? (
          <g data-testid="timeline-ended">
            <rect
              x={sx(endedAt)}
              y={Y.state}
              width={Math.max(0, sx(to) - sx(endedAt))}
              height={Y.stateH}
              fill="url(#hatch)"
            >
              <title>{t('state.terminated')}</title>
            </rect>
            <line
              x1={sx(endedAt)}
              x2={sx(endedAt)}
              y1={Y.terms - 6}
              y2={Y.axis}
              stroke="#a3001b"
              strokeWidth={3}
            />
            <text
              {...side(clampX(endedAt), 'start')}
              y={Y.state - 4}
              className="tl-label tl-danger"
            >
              {t('timeline.ended', { at: fmtShort(endedAt) })}
            </text>
          </g>
        ) : null}

        {/* The notice period before the next boundary, and its deadline */}
        {deadline !== null && deadlineBoundary !== null ? (
          <g data-testid="timeline-deadline">
            <rect
              x={sx(deadline)}
              y={Y.terms - 8}
              width={Math.max(1, sx(deadlineBoundary) - sx(deadline))}
              height={Y.termsH + Y.stateH + 22}
              fill="#ffb54d"
              fillOpacity={0.25}
            >
              <title>
                {t('timeline.noticePeriod', { period: x.nextNoticeDeadline?.noticePeriod ?? '' })}
              </title>
            </rect>
            <line
              x1={sx(deadline)}
              x2={sx(deadline)}
              y1={Y.top - 12}
              y2={Y.axis}
              stroke="#8a4b00"
              strokeWidth={2}
              strokeDasharray="5 3"
            />
            <text {...side(clampX(deadline), 'end')} y={Y.top - 2} className="tl-label tl-warn">
              {t('timeline.deadline', { at: fmtShort(deadline) })}
            </text>
          </g>
        ) : null}

        {/* Boundaries */}
        {boundaries.map((b) => (
          <g key={b.index}>
            <line
              x1={sx(b.at)}
              x2={sx(b.at)}
              y1={Y.terms}
              y2={Y.axis}
              stroke="#0b4fa3"
              strokeWidth={1}
            />
            <title>{t('timeline.boundary', { index: b.index, at: fmt(b.at) })}</title>
          </g>
        ))}

        {/* A pending notice: given at receivedAt, takes effect at target */}
        {notice !== null && noticeAt !== null && target !== null ? (
          <g data-testid="timeline-notice">
            <line
              x1={sx(noticeAt)}
              x2={sx(target)}
              y1={Y.notice}
              y2={Y.notice}
              stroke="#8a4b00"
              strokeWidth={2.5}
              strokeDasharray={notice.suspended ? '6 4' : undefined}
              markerEnd="url(#arrow)"
            />
            <circle cx={sx(noticeAt)} cy={Y.notice} r={5} fill="#8a4b00" />
            <text
              x={sx(target) > W / 2 ? sx(target) - 8 : sx(target) + 8}
              y={Y.notice - 8}
              textAnchor={sx(target) > W / 2 ? 'end' : 'start'}
              className="tl-label tl-warn"
            >
              {t(notice.suspended ? 'timeline.noticeSuspended' : 'timeline.notice', {
                party: notice.by,
                target: fmtShort(target),
              })}
            </text>
          </g>
        ) : null}

        {/* Lifecycle events */}
        {events.map(({ e, at }) => (
          <g key={`${e.kind}-${e.at}-${e.by ?? ''}`}>
            <circle cx={sx(at)} cy={Y.events} r={5} fill="#fff" stroke="#3d4a5c" strokeWidth={2} />
            <title>
              {t(`event.${e.kind}` as 'event.notice')}
              {e.by ? ` (${e.by})` : ''}: {fmt(at)}
            </title>
          </g>
        ))}

        {/* Axis */}
        <line x1={LEFT} x2={W - RIGHT} y1={Y.axis} y2={Y.axis} stroke="#3d4a5c" />
        {tickList.map((tk) => (
          <g key={tk.at}>
            <line x1={sx(tk.at)} x2={sx(tk.at)} y1={Y.axis} y2={Y.axis + 5} stroke="#3d4a5c" />
            <text x={sx(tk.at)} y={Y.axis + 19} textAnchor="middle" className="tl-tick">
              {tk.label}
            </text>
          </g>
        ))}

        {/* The instant explained, when it is not now */}
        {explainedElsewhen && shownAt !== null ? (
          <g data-testid="timeline-shown-at">
            <line
              x1={sx(shownAt)}
              x2={sx(shownAt)}
              y1={Y.terms - 10}
              y2={Y.axis + 30}
              stroke="#1b2430"
              strokeWidth={2}
              strokeDasharray="2 3"
            />
            <text {...side(sx(shownAt), 'end')} y={Y.axis + 42} className="tl-label">
              {t('timeline.shownAt', { at: fmtShort(shownAt) })}
            </text>
          </g>
        ) : null}

        {/* Now */}
        <line x1={nowX} x2={nowX} y1={Y.terms - 10} y2={Y.axis} stroke="#a3001b" strokeWidth={2} />
        <line x1={nowX} x2={nowX} y1={Y.axis} y2={Y.axis + 30} stroke="#a3001b" strokeWidth={2} />
        <text
          x={nowX > W - 120 ? nowX - 4 : nowX + 4}
          y={Y.axis + 42}
          textAnchor={nowX > W - 120 ? 'end' : 'start'}
          className="tl-label tl-danger"
        >
          {t('timeline.now')}
        </text>
      </svg>
      <figcaption className="legend">
        <span className="lg lg-term">{t('timeline.legendTerm')}</span>
        <span className="lg lg-inforce">{t('state.in-force')}</span>
        <span className="lg lg-ended">{t('state.terminated')}</span>
        <span className="lg lg-period">{t('timeline.legendPeriod')}</span>
        <span className="lg lg-notice">{t('timeline.legendNotice')}</span>
        <span className="lg lg-now">{t('timeline.now')}</span>
      </figcaption>
    </figure>
  );
}
