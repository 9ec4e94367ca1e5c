// Every item this node holds (metadata only; opening one is a logged read), with
// filters, and a form to create an item originated by this party.
import { type FormEvent, useState } from 'react';
import { getChunk } from '../api';
import { ItemFilters, isFiltered, matches, NO_FILTER, PagedTable } from '../components/Filters';
import { MarkingBadge, markingText } from '../components/Marking';
import { usePaged } from '../components/Pager';
import {
  ErrorMessage,
  InputField,
  Instant,
  ItemTitle,
  Options,
  PageTitle,
  Section,
  SelectField,
} from '../components/ui';
import { useI18n } from '../i18n';
import { href, navigate } from '../router';
import { hasRole, useSession } from '../session';
import type { ItemSummary, Precedence } from '../types';

export const ITEMS_PAGE_SIZE = 25;

export function ItemsPage() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const [filter, setFilter] = useState(NO_FILTER);
  const items = usePaged<ItemSummary>({
    fetch: (offset, limit) => getChunk<ItemSummary>(client, '/v1/items', {}, offset, limit),
    key: (i) => i.id,
    match: (i) =>
      matches(filter, {
        originator: i.originator,
        markings: [i.marking, i.originatorMarking],
        text: [i.title, i.id, ...i.categories, i.precedence],
      }),
    pageSize: ITEMS_PAGE_SIZE,
    deps: [client],
  });
  const rows = items.rows;
  const col = {
    marking: t('items.marking'),
    item: t('items.item'),
    originator: t('items.originatorMarking'),
    precedence: t('items.precedence'),
    categories: t('items.categories'),
    created: t('items.created'),
  };
  return (
    <div data-testid="page-items">
      <PageTitle>{t('items.pageTitle')}</PageTitle>
      <p className="lead">{t('items.lead')}</p>
      {hasRole(session, 'officer', 'releasing-authority') ? (
        <NewItem onCreated={items.reload} />
      ) : null}
      <ItemFilters
        value={filter}
        onChange={(f) => {
          setFilter(f);
          items.setPage(1);
        }}
        originators={rows.map((i) => i.originator)}
        markings={rows.flatMap((i) => [i.marking, i.originatorMarking])}
        testId="items-filters"
      />
      <PagedTable
        name="items"
        paged={items}
        filtered={isFiltered(filter)}
        empty={t('items.empty')}
        caption={t('items.caption')}
        columns={Object.values(col)}
        row={(i) => (
          <tr key={i.id} data-testid={`item-row-${i.id}`}>
            <td data-label={col.marking} data-field="marking">
              <MarkingBadge marking={i.marking} />
            </td>
            <th scope="row" data-label={col.item} data-field="title" className="title-cell">
              <ItemTitle id={i.id} title={i.title} testId="item-title" />
              {i.compromised ? <div className="warn">{t('items.compromised')}</div> : null}
            </th>
            <td data-label={col.originator} data-field="originator">
              <MarkingBadge marking={i.originatorMarking} />{' '}
              <span className="muted">{i.originator}</span>
            </td>
            <td data-label={col.precedence} data-field="precedence">
              <span className={`precedence prec-${i.precedence}`}>{i.precedence}</span>
            </td>
            <td data-label={col.categories} data-field="categories">
              {i.categories.join(', ')}
            </td>
            <td data-label={col.created} data-field="created">
              <Instant iso={i.createdAt} />
            </td>
          </tr>
        )}
      />
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
