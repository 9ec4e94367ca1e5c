// People and approvals (admins and security officers): this node's users, changes of
// roles or clearance proposed for another person (PUT /v1/users/{id}/roles or
// /clearance: applied at once, or waiting for a second person), and the changes that
// wait, to approve or reject (POST /v1/approvals/{id}/approve or /reject). Nobody
// changes their own rights; the node says who may approve what.
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { ApiError, enc, getAll } from '../api';
import { markingText } from '../components/Marking';
import {
  DataTable,
  ErrorMessage,
  InputField,
  Instant,
  PageTitle,
  Section,
  SelectField,
  useRoleNames,
  WhenLoaded,
} from '../components/ui';
import { useLoad } from '../hooks';
import { type MsgKey, useI18n } from '../i18n';
import { hasRole, useSession } from '../session';
import {
  type ChangeOutcome,
  type ChangeView,
  type Marking,
  ROLES,
  type Role,
  type UserChange,
  type UserView,
} from '../types';

/** A clearance code as people read it in this party's scheme ("極秘 (SECRET)"), as markings read everywhere. */
function useClearanceLabel(): (code: string) => string {
  const { lang } = useI18n();
  const { session } = useSession();
  return (code: string) => {
    const m: Marking | undefined = session.scheme.find((x) => x.code === code);
    return m === undefined ? code : markingText(m, lang);
  };
}

/**
 * A failed proposal or decision. The node's 403 here is about the rule (the two-person
 * rule, one's own rights, the authority a change needs), in its own words.
 */
function Problem({ error, testId }: { readonly error: unknown; readonly testId: string }) {
  const { t } = useI18n();
  if (error instanceof ApiError && error.status === 403 && error.code === 'forbidden')
    return (
      <div className="error" role="alert" data-testid={testId} data-code={error.code}>
        <p>
          <strong>{t('people.refused')}</strong>
        </p>
        <p lang="en">{error.message}</p>
      </div>
    );
  return <ErrorMessage error={error} testId={testId} />;
}

/** A change's expiry as an RFC 3339 instant (the node keeps it in milliseconds there). */
function expiresIso(v: number | string | null): string | null {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? new Date(v).toISOString() : null;
  return v;
}

export function PeoplePage() {
  const { t } = useI18n();
  const { client } = useSession();
  const users = useLoad(() => client.get<UserView[]>('/v1/users'), [client]);
  const [all, setAll] = useState(false);
  const approvals = useLoad(
    () =>
      getAll<ChangeView>(client, '/v1/approvals', all ? { all: true } : {}, { key: (c) => c.id }),
    [client, all],
  );
  const [editing, setEditing] = useState<string | null>(null);
  // A proposal adds to the list of approvals; a decision keeps its card (and what
  // became of it) on screen until the list is refreshed.
  const changed = () => {
    users.reload();
    approvals.reload();
  };
  const editUser = users.data?.find((u) => u.id === editing);
  return (
    <div data-testid="page-people">
      <PageTitle>{t('people.title')}</PageTitle>
      <p className="lead">{t('people.lead')}</p>
      <Section
        title={t('people.approvals')}
        testId="people-approvals"
        actions={
          <div className="button-row">
            <label className="inline-check">
              <input
                type="checkbox"
                checked={all}
                onChange={(e) => setAll(e.target.checked)}
                data-testid="approvals-all"
              />{' '}
              {t('people.showDecided')}
            </label>
            <button type="button" onClick={approvals.reload} data-testid="approvals-refresh">
              {t('common.refresh')}
            </button>
          </div>
        }
      >
        <WhenLoaded load={approvals}>
          {(list) =>
            list.length === 0 ? (
              <p data-testid="approvals-empty">
                {all ? t('people.noChanges') : t('people.noApprovals')}
              </p>
            ) : (
              <ul className="cards" data-testid="approvals-list">
                {list.map((c) => (
                  <li key={c.id}>
                    <ApprovalCard change={c} onDecided={users.reload} />
                  </li>
                ))}
              </ul>
            )
          }
        </WhenLoaded>
      </Section>
      <Section title={t('people.users')} testId="people-users">
        <WhenLoaded load={users}>
          {(list) => <UsersTable users={list} editing={editing} onEdit={setEditing} />}
        </WhenLoaded>
      </Section>
      {editUser !== undefined ? (
        <ChangeEditor
          key={editUser.id}
          user={editUser}
          onChanged={changed}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </div>
  );
}

function UsersTable({
  users,
  editing,
  onEdit,
}: {
  readonly users: readonly UserView[];
  readonly editing: string | null;
  readonly onEdit: (id: string) => void;
}) {
  const { t } = useI18n();
  const { session } = useSession();
  const clearance = useClearanceLabel();
  const roleNames = useRoleNames();
  const mayPropose = hasRole(session, 'admin', 'security-officer');
  return (
    <DataTable
      testId="people-table"
      caption={t('people.caption')}
      columns={[
        t('people.user'),
        t('people.roles'),
        t('people.clearance'),
        t('people.needToKnow'),
        t('people.expires'),
        t('people.actions'),
      ]}
    >
      {users.map((u) => (
        <tr key={u.id} data-testid={`person-${u.id}`}>
          <th scope="row" className="mono">
            {u.id}
            {u.id === session.user ? <span className="muted"> ({t('people.you')})</span> : null}
          </th>
          <td data-testid={`person-roles-${u.id}`} data-roles={u.roles.join(' ')}>
            {u.roles.length === 0 ? t('people.noRoles') : roleNames(u.roles)}
          </td>
          <td>{clearance(u.clearance)}</td>
          <td>{u.needToKnow.length === 0 ? '—' : u.needToKnow.join(', ')}</td>
          <td>
            {u.clearanceExpires === null ? t('people.never') : <Instant iso={u.clearanceExpires} />}
          </td>
          <td>
            {u.id === session.user || !mayPropose ? (
              <span className="muted">{u.id === session.user ? t('people.notSelf') : '—'}</span>
            ) : (
              <button
                type="button"
                aria-expanded={editing === u.id}
                aria-label={t('people.editNamed', { user: u.id })}
                onClick={() => onEdit(u.id)}
                data-testid={`people-edit-${u.id}`}
              >
                {t('people.edit')}
              </button>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** What the node did with a proposal: applied now, or waiting for a second person. */
function Outcome({
  outcome,
  testId,
}: {
  readonly outcome: ChangeOutcome;
  readonly testId: string;
}) {
  const { t } = useI18n();
  return outcome.status === 'applied' ? (
    <p className="success" role="status" data-testid={testId} data-status="applied">
      {t('people.applied')}
    </p>
  ) : (
    <div className="note" role="status" data-testid={testId} data-status="pending">
      <p>
        <strong>{t('people.pending')}</strong>
      </p>
      {outcome.change !== null ? (
        <p>
          {t('people.approverIs')} <span lang="en">{outcome.change.approver}</span>
        </p>
      ) : null}
    </div>
  );
}

function ChangeEditor({
  user,
  onChanged,
  onClose,
}: {
  readonly user: UserView;
  readonly onChanged: () => void;
  readonly onClose: () => void;
}) {
  const { t } = useI18n();
  const { session } = useSession();
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="panel" aria-labelledby={id} data-testid="people-editor">
      <div className="panel-head">
        <h2 id={id} ref={heading} tabIndex={-1}>
          {t('people.editTitle', { user: user.id })}
        </h2>
        <button type="button" onClick={onClose} data-testid="people-editor-close">
          {t('common.hide')}
        </button>
      </div>
      {hasRole(session, 'admin') ? <RolesForm user={user} onChanged={onChanged} /> : null}
      <ClearanceForm user={user} onChanged={onChanged} />
    </section>
  );
}

function RolesForm({
  user,
  onChanged,
}: {
  readonly user: UserView;
  readonly onChanged: () => void;
}) {
  const { t } = useI18n();
  const { client } = useSession();
  const [roles, setRoles] = useState<readonly Role[]>(user.roles);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [outcome, setOutcome] = useState<ChangeOutcome | null>(null);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    setOutcome(null);
    try {
      setOutcome(
        await client.put<ChangeOutcome>(`/v1/users/${enc(user.id)}/roles`, {
          roles: ROLES.filter((r) => roles.includes(r)),
        }),
      );
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} data-testid="roles-form">
      <h3>{t('people.rolesTitle')}</h3>
      <fieldset className="checks">
        <legend>{t('people.rolesLegend', { user: user.id })}</legend>
        {ROLES.map((r) => (
          <label key={r}>
            <input
              type="checkbox"
              checked={roles.includes(r)}
              onChange={(e) =>
                setRoles(e.target.checked ? [...roles, r] : roles.filter((x) => x !== r))
              }
              data-testid={`role-check-${r}`}
            />{' '}
            {t(`role.${r}`)}
          </label>
        ))}
      </fieldset>
      <p className="help">{t('people.rolesHelp')}</p>
      <button type="submit" className="primary" disabled={busy} data-testid="roles-submit">
        {t('people.proposeRoles')}
      </button>
      {outcome !== null ? <Outcome outcome={outcome} testId="roles-outcome" /> : null}
      <Problem error={error} testId="roles-error" />
    </form>
  );
}

const splitList = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

function ClearanceForm({
  user,
  onChanged,
}: {
  readonly user: UserView;
  readonly onChanged: () => void;
}) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const label = useClearanceLabel();
  const [clearance, setClearance] = useState(user.clearance);
  const [needToKnow, setNeedToKnow] = useState(user.needToKnow.join(', '));
  const [expires, setExpires] = useState(user.clearanceExpires ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [outcome, setOutcome] = useState<ChangeOutcome | null>(null);
  const codes = session.scheme.map((m) => m.code);
  if (!codes.includes(user.clearance)) codes.unshift(user.clearance);
  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    setOutcome(null);
    try {
      setOutcome(
        await client.put<ChangeOutcome>(`/v1/users/${enc(user.id)}/clearance`, {
          clearance,
          needToKnow: splitList(needToKnow),
          clearanceExpires: expires.trim() === '' ? null : expires.trim(),
        }),
      );
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} data-testid="clearance-form">
      <h3>{t('people.clearanceTitle')}</h3>
      <div className="form-grid">
        <SelectField
          id={`clearance-${user.id}`}
          label={t('people.clearance')}
          value={clearance}
          onChange={(e) => setClearance(e.target.value)}
          data-testid="clearance-select"
        >
          {codes.map((c) => (
            <option key={c} value={c}>
              {label(c)}
            </option>
          ))}
        </SelectField>
        <InputField
          id={`ntk-${user.id}`}
          label={t('people.needToKnowInput')}
          value={needToKnow}
          onChange={(e) => setNeedToKnow(e.target.value)}
          data-testid="clearance-ntk"
        />
        <InputField
          id={`expires-${user.id}`}
          label={t('people.expiresInput')}
          value={expires}
          placeholder="2027-12-31T00:00:00Z"
          onChange={(e) => setExpires(e.target.value)}
          data-testid="clearance-expires"
        />
      </div>
      <p className="help">{t('people.clearanceHelp')}</p>
      <button type="submit" className="primary" disabled={busy} data-testid="clearance-submit">
        {t('people.proposeClearance')}
      </button>
      {outcome !== null ? <Outcome outcome={outcome} testId="clearance-outcome" /> : null}
      <Problem error={error} testId="clearance-error" />
    </form>
  );
}

function ChangeText({ user, change }: { readonly user: string; readonly change: UserChange }) {
  const { t } = useI18n();
  const label = useClearanceLabel();
  const roleNames = useRoleNames();
  if (change.kind === 'roles') {
    return t('people.changeRoles', {
      user,
      roles: change.roles.length === 0 ? t('people.noRoles') : roleNames(change.roles),
    });
  }
  const expires = expiresIso(change.clearanceExpires);
  return (
    <>
      {t('people.changeClearance', { user, clearance: label(change.clearance) })}
      <span className="muted">
        {' '}
        · {t('people.needToKnow')}:{' '}
        {change.needToKnow.length === 0 ? '—' : change.needToKnow.join(', ')}
        {expires !== null ? (
          <>
            {' '}
            · {t('people.expires')}: <Instant iso={expires} />
          </>
        ) : null}
      </span>
    </>
  );
}

function ApprovalCard({
  change: c,
  onDecided,
}: {
  readonly change: ChangeView;
  readonly onDecided: () => void;
}) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [decided, setDecided] = useState<ChangeView | null>(null);
  const mine = c.proposedBy === session.user;
  const decide = async (verb: 'approve' | 'reject') => {
    setBusy(true);
    setError(undefined);
    try {
      const o = await client.post<ChangeOutcome>(
        `/v1/approvals/${enc(c.id)}/${verb}`,
        note.trim() === '' ? {} : { note: note.trim() },
      );
      setDecided(o.change);
      onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const status = decided?.status ?? c.status;
  return (
    <article
      className="card"
      data-testid={`approval-${c.id}`}
      data-user={c.user}
      data-kind={c.change.kind}
      data-status={status}
    >
      <h3>
        <ChangeText user={c.user} change={c.change} />
      </h3>
      <dl className="facts">
        <dt>{t('people.status')}</dt>
        <dd>
          <span className={`state change-${status}`}>{t(`changeStatus.${status}` as MsgKey)}</span>
        </dd>
        <dt>{t('people.proposedBy')}</dt>
        <dd>
          {c.proposedBy} · <Instant iso={c.proposedAt} />
        </dd>
        <dt>{t('people.approverIs')}</dt>
        <dd lang="en">{c.approver}</dd>
        {c.decidedBy !== null ? (
          <>
            <dt>{t('people.decidedBy')}</dt>
            <dd>
              {c.decidedBy} · <Instant iso={c.decidedAt} />
            </dd>
          </>
        ) : null}
        {c.note !== null && c.note !== '' ? (
          <>
            <dt>{t('people.note')}</dt>
            <dd>{c.note}</dd>
          </>
        ) : null}
      </dl>
      {c.status === 'pending' && decided === null ? (
        <form className="inline-form" onSubmit={(e) => e.preventDefault()}>
          <InputField
            id={`note-${c.id}`}
            label={t('people.noteInput')}
            maxLength={2000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            data-testid="approval-note"
          />
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void decide('approve')}
            data-testid="approval-approve"
          >
            {t('people.approve')}
          </button>
          <button
            type="button"
            disabled={busy}
            onClick={() => void decide('reject')}
            data-testid="approval-reject"
          >
            {mine ? t('people.withdraw') : t('people.reject')}
          </button>
        </form>
      ) : null}
      {decided !== null ? (
        <p
          className={decided.status === 'approved' ? 'success' : 'note'}
          role="status"
          data-testid="approval-result"
        >
          {t(`people.decided.${decided.status}` as MsgKey)}
        </p>
      ) : null}
      <Problem error={error} testId="approval-error" />
    </article>
  );
}
