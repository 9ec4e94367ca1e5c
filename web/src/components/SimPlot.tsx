// A simulation's agreements over the scenario, in SVG: one lane per agreement,
// coloured by its state as the steps report it (in force, notice pending, notice
// suspended, terminated), and a lane of decisions (allowed, refused). Time runs to
// scale, or one column per step when the steps bunch up.
import { useId, useState } from 'react';
import { formatInstant } from '../format';
import { type Lang, useI18n } from '../i18n';
import { isStatusStep, type NoticeState, type SimStep } from '../types';

type LaneState = 'in-force' | 'notice' | 'suspended' | 'terminated' | 'pending' | 'unknown';

interface Known {
  readonly step: number;
  readonly at: number;
  readonly state: LaneState;
  readonly target: number | null;
}

const COLORS: Record<LaneState, string> = {
  'in-force': '#1e7b3a',
  notice: '#c76a00',
  suspended: '#f2c14e',
  terminated: '#5b6472',
  pending: '#b9c2ce',
  unknown: '#ffffff',
};

function fromStatus(state: string, notice: NoticeState | null | undefined): LaneState {
  if (state === 'terminated') return 'terminated';
  if (state === 'pending') return 'pending';
  if (notice !== null && notice !== undefined) return notice.suspended ? 'suspended' : 'notice';
  return 'in-force';
}

function agreementOf(s: SimStep): string | null {
  if (isStatusStep(s)) return s.agreement;
  const a = s.args.agreement;
  return typeof a === 'string' ? a : null;
}

/** What each step says about its agreement's state. */
function laneFacts(steps: readonly SimStep[]): Map<string, Known[]> {
  const lanes = new Map<string, Known[]>();
  const push = (id: string, k: Known) => lanes.set(id, [...(lanes.get(id) ?? []), k]);
  for (const s of steps) {
    const id = agreementOf(s);
    if (id === null) continue;
    const at = Date.parse(s.at);
    if (!lanes.has(id)) lanes.set(id, []);
    if (isStatusStep(s)) {
      push(id, {
        step: s.step,
        at,
        state: fromStatus(s.state, s.notice),
        target: s.notice ? Date.parse(s.notice.target) : null,
      });
      continue;
    }
    if (s.decision !== 'allow') continue;
    const prev = lanes.get(id)?.at(-1);
    const base: LaneState = prev?.state === 'terminated' ? 'terminated' : 'in-force';
    switch (s.action) {
      case 'notice':
      case 'resume-notice':
        push(id, {
          step: s.step,
          at,
          state: 'notice',
          target: s.notice ? Date.parse(s.notice.target) : null,
        });
        break;
      case 'suspend-notice':
        push(id, {
          step: s.step,
          at,
          state: 'suspended',
          target: s.notice ? Date.parse(s.notice.target) : null,
        });
        break;
      case 'withdraw-notice':
        push(id, { step: s.step, at, state: base, target: null });
        break;
      case 'terminate':
        push(id, { step: s.step, at, state: 'terminated', target: null });
        break;
    }
  }
  return lanes;
}

const W = 960;
const LEFT = 190;
const RIGHT = 16;
const LANE = 30;
const TOP = 12;

function label(ms: number, lang: Lang): string {
  return formatInstant(new Date(ms).toISOString(), lang);
}

export function SimPlot({ steps }: { readonly steps: readonly SimStep[] }) {
  const { t, lang } = useI18n();
  const [mode, setMode] = useState<'steps' | 'time'>('steps');
  const uid = useId().replace(/:/g, '');
  if (steps.length === 0) return null;
  const lanes = laneFacts(steps);
  const ids = [...lanes.keys()];
  const times = steps.map((s) => Date.parse(s.at));
  let from = Math.min(...times);
  let to = Math.max(...times);
  if (to - from < 86_400_000) {
    from -= 43_200_000;
    to += 43_200_000;
  }
  const pad = (to - from) * 0.03;
  from -= pad;
  to += pad;
  const n = steps.length;
  const colW = (W - LEFT - RIGHT) / n;
  const indexOf = new Map(steps.map((s, i) => [s.step, i]));
  const xTime = (ms: number) => LEFT + ((ms - from) / (to - from)) * (W - LEFT - RIGHT);
  const xStep = (step: number) => LEFT + ((indexOf.get(step) ?? 0) + 0.5) * colW;
  const xOf = (k: { step: number; at: number }) => (mode === 'time' ? xTime(k.at) : xStep(k.step));
  const end = W - RIGHT;
  const decisionsY = TOP + ids.length * LANE + 14;
  const axisY = decisionsY + 26;
  const H = axisY + 40;

  const decisions = steps.filter((s) => !isStatusStep(s));
  const summary = ids
    .map((id) => {
      const k = lanes.get(id) ?? [];
      const last = k[k.length - 1];
      return t('sim.plotLane', {
        id,
        state: last === undefined ? '—' : t(`sim.state.${last.state}`),
      });
    })
    .join(' ');

  const tickSteps =
    mode === 'steps' ? steps.filter((_, i) => i % Math.max(1, Math.ceil(n / 12)) === 0) : [];

  return (
    <figure className="sim-plot" data-testid="sim-plot">
      <fieldset className="checks plot-mode">
        <legend>{t('sim.plotScale')}</legend>
        <label>
          <input
            type="radio"
            name={`${uid}-mode`}
            checked={mode === 'steps'}
            onChange={() => setMode('steps')}
          />{' '}
          {t('sim.byStep')}
        </label>
        <label>
          <input
            type="radio"
            name={`${uid}-mode`}
            checked={mode === 'time'}
            onChange={() => setMode('time')}
          />{' '}
          {t('sim.toScale')}
        </label>
      </fieldset>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${uid}-t ${uid}-d`}>
        <title id={`${uid}-t`}>{t('sim.plotTitle')}</title>
        <desc id={`${uid}-d`}>{summary}</desc>
        <defs>
          <pattern
            id={`${uid}-hatch`}
            width="8"
            height="8"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="8" height="8" fill={COLORS.terminated} />
            <line x1="0" y1="0" x2="0" y2="8" stroke="#fff" strokeWidth="2" />
          </pattern>
        </defs>
        {ids.map((id, li) => {
          const y = TOP + li * LANE;
          const known = lanes.get(id) ?? [];
          const first = known[0];
          return (
            <g key={id} data-lane={id}>
              <text x={LEFT - 8} y={y + LANE / 2 + 4} textAnchor="end" className="tl-label">
                {id.length > 24 ? `${id.slice(0, 23)}…` : id}
              </text>
              <rect
                x={LEFT}
                y={y + 4}
                width={end - LEFT}
                height={LANE - 10}
                fill={COLORS.unknown}
                stroke="#b9c2ce"
                strokeDasharray="3 3"
              >
                <title>{t('sim.state.unknown')}</title>
              </rect>
              {known.map((k, i) => {
                const next = known[i + 1];
                const x0 =
                  mode === 'steps' && i === 0 && first !== undefined ? xOf(k) - colW / 2 : xOf(k);
                const x1 = next === undefined ? end : xOf(next);
                return (
                  <rect
                    key={k.step}
                    x={x0}
                    y={y + 4}
                    width={Math.max(1, x1 - x0)}
                    height={LANE - 10}
                    fill={k.state === 'terminated' ? `url(#${uid}-hatch)` : COLORS[k.state]}
                    data-state={k.state}
                  >
                    <title>
                      {t('sim.stepN', { index: k.step })} · {label(k.at, lang)}:{' '}
                      {t(`sim.state.${k.state}`)}
                    </title>
                  </rect>
                );
              })}
              {mode === 'time'
                ? known
                    .filter((k) => k.target !== null && k.target >= from && k.target <= to)
                    .map((k) => {
                      const x = xTime(k.target as number);
                      return (
                        <path
                          key={`target-${k.step}`}
                          d={`M${x},${y + 1} l6,${(LANE - 4) / 2} l-6,${(LANE - 4) / 2} l-6,${-(LANE - 4) / 2} z`}
                          fill="#fff"
                          stroke="#8a4b00"
                          strokeWidth={2}
                        >
                          <title>{t('sim.target', { at: label(k.target as number, lang) })}</title>
                        </path>
                      );
                    })
                : null}
            </g>
          );
        })}
        <text x={LEFT - 8} y={decisionsY + 4} textAnchor="end" className="tl-label">
          {t('sim.decisions')}
        </text>
        <line x1={LEFT} x2={end} y1={decisionsY} y2={decisionsY} stroke="#d4d9e0" />
        {decisions.map((s) => {
          const x = xOf({ step: s.step, at: Date.parse(s.at) });
          const allow = !isStatusStep(s) && s.decision === 'allow';
          return (
            <g key={s.step} data-step={s.step} data-decision={allow ? 'allow' : 'deny'}>
              {allow ? (
                <circle cx={x} cy={decisionsY} r={6} fill="#1e7b3a" />
              ) : (
                <path
                  d={`M${x - 6},${decisionsY - 6} l12,12 m0,-12 l-12,12`}
                  stroke="#a3001b"
                  strokeWidth={3}
                />
              )}
              <title>
                {t('sim.stepN', { index: s.step })} · {s.action} ·{' '}
                {allow ? t('decision.allow') : t('decision.deny')}
                {!isStatusStep(s) && s.reasons[0] && s.reasons[0].code !== 'allowed'
                  ? ` · ${s.reasons[0].code}`
                  : ''}
              </title>
            </g>
          );
        })}
        <line x1={LEFT} x2={end} y1={axisY} y2={axisY} stroke="#3d4a5c" />
        {mode === 'steps'
          ? tickSteps.map((s) => (
              <g key={s.step}>
                <line
                  x1={xStep(s.step)}
                  x2={xStep(s.step)}
                  y1={axisY}
                  y2={axisY + 5}
                  stroke="#3d4a5c"
                />
                <text x={xStep(s.step)} y={axisY + 18} textAnchor="middle" className="tl-tick">
                  {s.step}
                </text>
                <text
                  x={xStep(s.step)}
                  y={axisY + 32}
                  textAnchor="middle"
                  className="tl-tick small"
                >
                  {s.at.slice(0, 10)}
                </text>
              </g>
            ))
          : [0, 0.25, 0.5, 0.75, 1].map((f) => {
              const ms = from + f * (to - from);
              return (
                <g key={f}>
                  <line x1={xTime(ms)} x2={xTime(ms)} y1={axisY} y2={axisY + 5} stroke="#3d4a5c" />
                  <text
                    x={xTime(ms)}
                    y={axisY + 18}
                    textAnchor={f === 0 ? 'start' : f === 1 ? 'end' : 'middle'}
                    className="tl-tick"
                  >
                    {new Date(ms).toISOString().slice(0, 10)}
                  </text>
                </g>
              );
            })}
        <text x={LEFT - 8} y={axisY + 18} textAnchor="end" className="tl-tick">
          {/* The time axis's dates are UTC days: say so where the axis is named. */}
          {mode === 'steps' ? t('sim.step') : 'UTC'}
        </text>
      </svg>
      <figcaption className="legend">
        {(['in-force', 'notice', 'suspended', 'terminated', 'pending', 'unknown'] as const).map(
          (s) => (
            <span key={s} className={`lg lg-sim-${s}`}>
              {t(`sim.state.${s}`)}
            </span>
          ),
        )}
        <span className="lg lg-allow">{t('decision.allow')}</span>
        <span className="lg lg-deny">{t('decision.deny')}</span>
      </figcaption>
    </figure>
  );
}
