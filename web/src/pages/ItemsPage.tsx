// Every item this node holds (metadata only; opening one is a logged read), with
// filters, and a form to create an item originated by this party.
import { type FormEvent, useState } from 'react';
import { getAll } from '../api';
import { FilteredTable, ItemFilters, matches, NO_FILTER } from '../components/Filters';
import { MarkingBadge, markingText } from '../components/Marking';
import {
  ErrorMessage,
  InputField,
  Instant,
  Options,
  PageTitle,
  Section,
  SelectField,
  WhenLoaded,
} from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { href, navigate } from '../router';
import { hasRole, useSession } from '../session';
import type { ItemSummary, Precedence } from '../types';

export function ItemsPage() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const items = useLoad(
    () => getAll<ItemSummary>(client, '/v1/items', {}, { key: (i) => i.id }),
    [client],
  );
  const [filter, setFilter] = useState(NO_FILTER);
  const rows = items.data ?? [];
  const shown = rows.filter((i) =>
    matches(filter, {
      originator: i.originator,
      markings: [i.marking, i.originatorMarking],
      text: [i.id, ...i.categories, i.precedence],
    }),
  );
  return (
    <div data-testid="page-items">
      <PageTitle>{t('items.pageTitle')}</PageTitle>
      <p className="lead">{t('items.lead')}</p>
      {hasRole(session, 'officer', 'releasing-authority') ? (
        <NewItem onCreated={items.reload} />
      ) : null}
      <ItemFilters
        value={filter}
        onChange={setFilter}
        originators={rows.map((i) => i.originator)}
        markings={rows.flatMap((i) => [i.marking, i.originatorMarking])}
        testId="items-filters"
      />
      <WhenLoaded load={items}>
        {() => (
          <FilteredTable
            name="items"
            shown={shown.length}
            total={rows.length}
            empty={t('items.empty')}
            caption={t('items.caption')}
            columns={[
              t('items.marking'),
              t('items.item'),
              t('items.originatorMarking'),
              t('items.precedence'),
              t('items.categories'),
              t('items.created'),
            ]}
          >
            {shown.map((i) => (
              <tr key={i.id} data-testid={`item-row-${i.id}`}>
                <td>
                  <MarkingBadge marking={i.marking} />
                </td>
                <th scope="row">
                  <a href={href('items', i.id)} className="mono">
                    {i.id}
                  </a>
                  {i.compromised ? <div className="warn">{t('items.compromised')}</div> : null}
                </th>
                <td>
                  <MarkingBadge marking={i.originatorMarking} />{' '}
                  <span className="muted">{i.originator}</span>
                </td>
                <td>
                  <span className={`precedence prec-${i.precedence}`}>{i.precedence}</span>
                </td>
                <td>{i.categories.join(', ')}</td>
                <td>
                  <Instant iso={i.createdAt} />
                </td>
              </tr>
            ))}
          </FilteredTable>
        )}
      </WhenLoaded>
    </div>
  );
}

const PRECEDENCES: readonly Precedence[] = ['ROUTINE', 'PRIORITY', 'IMMEDIATE', 'FLASH'];

function NewItem({ onCreated }: { readonly onCreated: () => void }) {
  const { t, lang } = useI18n();
  const { session, client } = useSession();
  // This party's scheme, lowest first, as GET /v1/me gives it.
  const markings = session.scheme;
  const [open, setOpen] = useState(false);
  const [marking, setMarking] = useState('');
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [categories, setCategories] = useState('dprk-missile');
  const [precedence, setPrecedence] = useState<Precedence>('ROUTINE');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const it = await client.post<ItemSummary>('/v1/items', {
        marking,
        title,
        body,
        precedence,
        categories: categories
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      });
      onCreated();
      navigate(href('items', it.id));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section
      title={t('items.new')}
      testId="new-item"
      actions={
        <button
          type="button"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
          data-testid="new-item-toggle"
        >
          {open ? t('common.hide') : t('items.newOpen')}
        </button>
      }
    >
      {open ? (
        <form onSubmit={(e) => void submit(e)} className="form-grid" data-testid="new-item-form">
          <SelectField
            id="new-item-marking"
            label={t('items.marking')}
            required
            value={marking}
            onChange={(e) => setMarking(e.target.value)}
          >
            <option value="">{t('items.chooseMarking')}</option>
            {markings.map((m) => (
              <option key={m.code} value={m.code}>
                {markingText(m, lang)} — {m.code}
              </option>
            ))}
          </SelectField>
          <SelectField
            id="new-item-precedence"
            label={t('items.precedence')}
            value={precedence}
            onChange={(e) => setPrecedence(e.target.value as Precedence)}
          >
            <Options values={PRECEDENCES} />
          </SelectField>
          <InputField
            id="new-item-title"
            label={t('items.title')}
            wide
            required
            maxLength={500}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
          <InputField
            id="new-item-categories"
            label={t('items.categoriesInput')}
            wide
            required
            value={categories}
            onChange={(e) => setCategories(e.target.value)}
          />
          <div className="field wide">
            <label htmlFor="new-item-body">{t('items.body')}</label>
            <textarea
              id="new-item-body"
              rows={4}
              value={body}
              onChange={(e) => setBody(e.target.value)}
            />
          </div>
          <div className="wide">
            <button type="submit" className="primary" disabled={busy} data-testid="new-item-submit">
              {t('items.create')}
            </button>
          </div>
          <ErrorMessage error={error} testId="new-item-error" />
        </form>
      ) : null}
    </Section>
  );
}
