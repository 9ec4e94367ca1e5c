// Small pieces every page uses: errors with their RULES reasons, loading notes,
// instants, live countdowns, state badges.
import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  useEffect,
  useId,
  useRef,
} from 'react';
import { ApiError } from '../api';
import {
  forbiddenRoles,
  formatInstant,
  isKnownZone,
  joinList,
  noticeShown,
  splitDuration,
} from '../format';
import { type Loaded, useNow } from '../hooks';
import { isMsgKey, useI18n } from '../i18n';
import { href } from '../router';
import { type Reason, ROLES } from '../types';

/** A localized label for a RULES reason code (or the code itself when unknown). */
export function useReasonLabel(): (code: string) => string {
  const { t } = useI18n();
  return (code: string) => {
    const key = `reason.${code}`;
    return isMsgKey(key) ? t(key) : code;
  };
}

export function ReasonList({
  reasons,
  testId,
}: {
  readonly reasons: readonly Reason[];
  readonly testId?: string;
}) {
  const label = useReasonLabel();
  if (reasons.length === 0) return null;
  return (
    <ul className="reasons" data-testid={testId}>
      {reasons.map((r) => (
        <li key={`${r.code}|${r.agreement ?? ''}|${r.message}`} data-reason-code={r.code}>
          <code className="reason-code">{r.code}</code>{' '}
          <span className="reason-label">{label(r.code)}</span>
          {r.rule ? <span className="reason-rule"> [{r.rule}]</span> : null}
          <div className="reason-message" lang="en">
            {r.message}
          </div>
          {r.ref ? (
            <div className="reason-ref" lang="en">
              {r.ref}
            </div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

/** Role names in the reader's language, joined as the language joins them. */
export function useRoleNames(): (
  roles: readonly string[],
  type?: 'conjunction' | 'disjunction',
) => string {
  const { t, lang } = useI18n();
  return (roles, type = 'conjunction') =>
    joinList(
      roles.map((r) => {
        const key = `role.${r}`;
        return isMsgKey(key) ? t(key) : r;
      }),
      lang,
      type,
    );
}

/** A failed request: the node's code and message, and its reasons when it gave some. */
export function ErrorMessage({
  error,
  testId,
}: {
  readonly error: unknown;
  readonly testId?: string;
}) {
  const { t } = useI18n();
  const label = useReasonLabel();
  const roleNames = useRoleNames();
  if (error === undefined || error === null) return null;
  if (error instanceof ApiError) {
    const title =
      error.status === 0
        ? t('error.network')
        : error.status === 403 && error.code === 'forbidden'
          ? t('error.forbidden')
          : error.status === 400 || error.status === 413 || error.status === 415
            ? t('error.invalid')
            : error.status >= 500
              ? t('error.server')
              : t('error.refused');
    return (
      <div className="error" role="alert" data-testid={testId ?? 'error'} data-code={error.code}>
        <p>
          <strong>{title}</strong> <code>{error.code}</code>
          {label(error.code) !== error.code ? <span> — {label(error.code)}</span> : null}
        </p>
        {error.status === 429 ? (
          <p>
            {error.retryAfter === null
              ? t('error.tooManyLater')
              : t('error.tooMany', { seconds: error.retryAfter })}
          </p>
        ) : null}
        <NodeMessage error={error} roleNames={roleNames} />
        <ReasonList reasons={error.reasons} testId="error-reasons" />
      </div>
    );
  }
  return (
    <div className="error" role="alert" data-testid={testId ?? 'error'}>
      <p>
        <strong>{t('error.unexpected')}</strong>
      </p>
      <p lang="en">{error instanceof Error ? error.message : String(error)}</p>
    </div>
  );
}

/**
 * The node's own message, unless it says nothing more than what is shown already: a
 * refusal whose message is one of its reasons' (printed with the reasons), or a
 * missing role, said in the reader's words with the roles' names.
 */
function NodeMessage({
  error,
  roleNames,
}: {
  readonly error: ApiError;
  readonly roleNames: ReturnType<typeof useRoleNames>;
}) {
  const { t } = useI18n();
  if (error.code === 'forbidden') {
    const roles = forbiddenRoles(error.message, ROLES);
    if (roles !== null)
      return (
        <p data-testid="error-roles" data-roles={roles.needed.join(' ')}>
          {t('error.needsRole', {
            roles: roleNames(roles.needed, 'disjunction'),
            have: roles.held.length === 0 ? t('error.noRole') : roleNames(roles.held),
          })}
        </p>
      );
  }
  const said = error.message.trim();
  if (said === '' || error.reasons.some((r) => r.message.trim() === said)) return null;
  return <p lang="en">{said}</p>;
}

export function Loading({ what }: { readonly what?: string }) {
  const { t } = useI18n();
  return (
    <p className="loading" role="status">
      {what ?? t('common.loading')}
    </p>
  );
}

/**
 * An instant, its zone named: an agreement's instant in the agreement's zone (pass
 * `timeZone`), any other in the viewer's zone (format.ts).
 */
export function Instant({
  iso,
  timeZone,
  seconds,
}: {
  readonly iso: string | null | undefined;
  readonly timeZone?: string | undefined;
  readonly seconds?: boolean;
}) {
  const { lang } = useI18n();
  if (iso === null || iso === undefined) return <span>—</span>;
  return (
    <time
      dateTime={iso}
      title={iso}
      data-zone={timeZone !== undefined && isKnownZone(timeZone) ? timeZone : 'viewer'}
    >
      {formatInstant(iso, lang, { timeZone, seconds: seconds ?? false })}
    </time>
  );
}

/**
 * An agreement's notice of termination as a row shows it: pending, with its target
 * and (when `countdown`) a live countdown; suspended, with the target it would keep if
 * resumed and no countdown (RULES L5); nothing once the agreement has terminated.
 */
export function NoticeNote({
  state,
  notice,
  timeZone,
  countdown,
  testId,
}: {
  readonly state: string;
  readonly notice: {
    readonly by: string;
    readonly target: string;
    readonly suspended: boolean;
  } | null;
  readonly timeZone: string | undefined;
  readonly countdown?: boolean;
  readonly testId?: string;
}) {
  const { t } = useI18n();
  const shown = noticeShown(state, notice);
  if (shown === 'none' || notice === null) return <div data-testid={testId}>—</div>;
  return (
    <div data-testid={testId} data-notice={shown}>
      {t(shown === 'suspended' ? 'agreements.noticeSuspended' : 'agreements.noticePending', {
        party: notice.by,
      })}
      <div>
        {shown === 'suspended' ? (
          <InstantIn
            iso={notice.target}
            timeZone={timeZone}
            render={(at) => t('agreements.ifResumed', { at })}
          />
        ) : (
          <>
            {t('agreements.target')} <Instant iso={notice.target} timeZone={timeZone} />
            {countdown ? (
              <>
                {' '}
                <Countdown to={notice.target} testId={testId ? `${testId}-countdown` : undefined} />
              </>
            ) : null}
          </>
        )}
      </div>
    </div>
  );
}

/** A message around an instant: `render` gets the formatted instant. */
function InstantIn({
  iso,
  timeZone,
  render,
}: {
  readonly iso: string;
  readonly timeZone: string | undefined;
  readonly render: (at: string) => string;
}) {
  const { lang } = useI18n();
  return (
    <time dateTime={iso} title={iso}>
      {render(formatInstant(iso, lang, { timeZone }))}
    </time>
  );
}

/** "12 d 03 h 04 min 05 s" until (or since) an instant, updated every second. */
export function Countdown({ to, testId }: { readonly to: string; readonly testId?: string }) {
  const { t } = useI18n();
  const now = useNow(1000);
  const ms = Date.parse(to) - now;
  const p = splitDuration(ms);
  const text = t('countdown.parts', {
    d: p.days,
    h: String(p.hours).padStart(2, '0'),
    m: String(p.minutes).padStart(2, '0'),
    s: String(p.seconds).padStart(2, '0'),
  });
  return (
    <span
      className={`countdown ${ms < 0 ? 'past' : p.days < 14 ? 'soon' : ''}`}
      role="timer"
      data-testid={testId}
      data-ms={Math.round(ms)}
    >
      {ms < 0 ? t('countdown.ago', { time: text }) : t('countdown.in', { time: text })}
    </span>
  );
}

export function StateBadge({ state }: { readonly state: string }) {
  const { t } = useI18n();
  const key = `state.${state}`;
  return (
    <span className={`state state-${state}`} data-state={state}>
      {isMsgKey(key) ? t(key) : state}
    </span>
  );
}

/** An item as lists show it: its title, linking to its page, and its id beneath. */
export function ItemTitle({
  id,
  title,
  testId,
}: {
  readonly id: string;
  readonly title: string;
  readonly testId?: string;
}) {
  return (
    <>
      <a href={href('items', id)} data-testid={testId}>
        {title}
      </a>
      <div className="muted mono id">{id}</div>
    </>
  );
}

/**
 * The reason codes worth a chip beside a decision badge: each once, and not
 * "allowed", which only says again what the badge says.
 */
export function reasonChips(
  decision: string | null | undefined,
  reasons: readonly string[],
): string[] {
  return [...new Set(reasons)].filter((code) => !(decision === 'allow' && code === 'allowed'));
}

export function DecisionBadge({ decision }: { readonly decision: string }) {
  const { t } = useI18n();
  return (
    <span className={`decision decision-${decision}`} data-decision={decision}>
      {decision === 'allow'
        ? t('decision.allow')
        : decision === 'deny'
          ? t('decision.deny')
          : decision}
    </span>
  );
}

/** The page's one <h1>; focused after navigation so that screen readers announce it. */
export function PageTitle({ children }: { readonly children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const text = ref.current?.textContent ?? '';
    document.title = text === '' ? 'Liaison' : `${text} — Liaison`;
  });
  return (
    <h1 ref={ref} tabIndex={-1} id="page-title">
      {children}
    </h1>
  );
}

/** A labelled section of a page (an <h2> and its content). */
export function Section({
  title,
  testId,
  children,
  actions,
}: {
  readonly title: string;
  readonly testId?: string;
  readonly children: ReactNode;
  readonly actions?: ReactNode;
}) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id} data-testid={testId}>
      <div className="panel-head">
        <h2 id={id}>{title}</h2>
        {actions}
      </div>
      {children}
    </section>
  );
}

/**
 * Loaded data: its error (kept on screen beside stale data), a loading note until the
 * first answer, then `children` with the data.
 */
export function WhenLoaded<T>({
  load,
  children,
}: {
  readonly load: Loaded<T>;
  readonly children: (data: T) => ReactNode;
}) {
  return (
    <>
      {load.error ? <ErrorMessage error={load.error} /> : null}
      {load.data === undefined ? load.error ? null : <Loading /> : children(load.data)}
    </>
  );
}

/** A scrollable table with a caption (hidden unless `captionVisible`) and its column headers. */
export function DataTable({
  caption,
  columns,
  children,
  testId,
  className,
  captionVisible,
}: {
  readonly caption: string;
  readonly columns: readonly ReactNode[];
  readonly children: ReactNode;
  readonly testId?: string;
  readonly className?: string;
  readonly captionVisible?: boolean;
}) {
  return (
    <div className="table-wrap">
      <table className={className} data-testid={testId}>
        <caption className={captionVisible ? undefined : 'visually-hidden'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the columns are fixed
              <th scope="col" key={i}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** <option>s for a list of values, after a blank one ("any", "choose…") when given. */
export function Options({
  values,
  blank,
  label,
}: {
  readonly values: readonly string[];
  readonly blank?: string;
  readonly label?: (value: string) => string;
}) {
  return (
    <>
      {blank !== undefined ? <option value="">{blank}</option> : null}
      {values.map((v) => (
        <option key={v} value={v}>
          {label === undefined ? v : label(v)}
        </option>
      ))}
    </>
  );
}

interface FieldProps {
  /** The control's id, which its label points at. */
  readonly id: string;
  readonly label: ReactNode;
  /** Spans the whole row of a form grid. */
  readonly wide?: boolean;
}

function Field({ id, label, wide, children }: FieldProps & { readonly children: ReactNode }) {
  return (
    <div className={wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
    </div>
  );
}

/** A labelled <input> in a form's `field` block; other props go to the <input>. */
export function InputField({
  id,
  label,
  wide,
  ...input
}: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Field id={id} label={label} wide={wide}>
      <input id={id} {...input} />
    </Field>
  );
}

/** A labelled <select> in a form's `field` block; other props go to the <select>. */
export function SelectField({
  id,
  label,
  wide,
  children,
  ...select
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field id={id} label={label} wide={wide}>
      <select id={id} {...select}>
        {children}
      </select>
    </Field>
  );
}
