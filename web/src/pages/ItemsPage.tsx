// Every item this node holds (metadata only; opening one is a logged read), with
// filters, a full-text search (GET /v1/search, the search in the fragment:
// `#/items?q=…`), and a form to create an item originated by this party.
import { type FormEvent, useEffect, useId, useState } from 'react';
import { getChunk } from '../api';
import { FilePicker, type PendingFile, uploadAll } from '../components/Attachments';
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
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { peerList } from '../nodeInfo';
import { href, navigate, useRoute } from '../router';
import { hasRole, useSession } from '../session';
import type { ItemSummary, Precedence } from '../types';

export const ITEMS_PAGE_SIZE = 25;

export function ItemsPage() {
  const { t } = useI18n();
  const { session } = useSession();
  const route = useRoute();
  const search = searchOf(route.query);
  // Bumped when an item is created here: the full list loads again.
  const [created, setCreated] = useState(0);
  return (
    <div data-testid="page-items">
      <PageTitle>{t('items.pageTitle')}</PageTitle>
      <p className="lead">{t('items.lead')}</p>
      {hasRole(session, 'officer', 'releasing-authority') ? (
        <NewItem onCreated={() => setCreated((n) => n + 1)} />
      ) : null}
      <ItemSearch current={search} />
      {search === null ? (
        <AllItems reloadKey={created} />
      ) : (
        // A new search starts afresh: no row of the previous one stays on screen.
        <SearchResults key={searchHash(search)} search={search} />
      )}
    </div>
  );
}

/** The item table's columns and its row, for the full list and the search results alike. */
function useItemTable() {
  const { t } = useI18n();
  const col = {
    marking: t('items.marking'),
    item: t('items.item'),
    originator: t('items.originatorMarking'),
    precedence: t('items.precedence'),
    categories: t('items.categories'),
    created: t('items.created'),
  };
  const row = (i: ItemSummary) => (
    <tr key={i.id} data-testid={`item-row-${i.id}`}>
      <td data-label={col.marking} data-field="marking">
        <MarkingBadge marking={i.marking} />
      </td>
      <th scope="row" data-label={col.item} data-field="title" className="title-cell">
        <ItemTitle id={i.id} title={i.title} testId="item-title" />
        {i.compromised ? <div className="warn">{t('items.compromised')}</div> : null}
      </th>
      <td data-label={col.originator} data-field="originator">
        <MarkingBadge marking={i.originatorMarking} /> <span className="muted">{i.originator}</span>
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
  );
  return { columns: Object.values(col), row };
}

/** Every item held here that the person may read, filtered in the browser. */
function AllItems({ reloadKey }: { readonly reloadKey: number }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [filter, setFilter] = useState(NO_FILTER);
  const table = useItemTable();
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
    deps: [client, reloadKey],
  });
  const rows = items.rows;
  return (
    <>
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
        columns={table.columns}
        row={table.row}
      />
    </>
  );
}

/** A search as the fragment holds it: `#/items?q=…&originator=…&precedence=…`. */
interface Search {
  readonly q: string;
  readonly originator: string;
  readonly precedence: string;
}

function searchOf(query: URLSearchParams): Search | null {
  const q = query.get('q') ?? '';
  if (q.trim() === '') return null;
  return {
    q,
    originator: query.get('originator') ?? '',
    precedence: query.get('precedence') ?? '',
  };
}

/** The fragment of a search (page 1); the full list when there are no words. */
function searchHash(s: Search): string {
  if (s.q.trim() === '') return '#/items';
  const params = new URLSearchParams({ q: s.q });
  if (s.originator !== '') params.set('originator', s.originator);
  if (s.precedence !== '') params.set('precedence', s.precedence);
  return `#/items?${params.toString()}`;
}

const NO_SEARCH: Search = { q: '', originator: '', precedence: '' };

/**
 * The search form: the words as typed (the node normalizes them, NFKC and case), and
 * two filters the node applies. Submitting puts the search in the fragment.
 */
function ItemSearch({ current }: { readonly current: Search | null }) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const peers = useLoad(() => peerList(client).catch(() => []), [client]);
  const [form, setForm] = useState<Search>(current ?? NO_SEARCH);
  const id = useId();
  const cq = current?.q ?? '';
  const co = current?.originator ?? '';
  const cp = current?.precedence ?? '';
  // The fragment changed (Back, a bookmark, Clear): the form shows that search.
  useEffect(() => setForm({ q: cq, originator: co, precedence: cp }), [cq, co, cp]);
  const parties = [...new Set([session.party, ...(peers.data ?? []).map((p) => p.party)])].sort();
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    navigate(searchHash(form));
  };
  return (
    <form
      className="filters"
      aria-label={t('search.label')}
      onSubmit={submit}
      data-testid="item-search-form"
    >
      <InputField
        id={`${id}-q`}
        label={t('search.input')}
        type="search"
        maxLength={200}
        value={form.q}
        onChange={(e) => setForm({ ...form, q: e.target.value })}
        aria-describedby={`${id}-hint`}
        data-testid="item-search"
      />
      <SelectField
        id={`${id}-orig`}
        label={t('filters.originator')}
        value={form.originator}
        onChange={(e) => setForm({ ...form, originator: e.target.value })}
        data-testid="item-search-originator"
      >
        <Options blank={t('filters.any')} values={parties} />
      </SelectField>
      <SelectField
        id={`${id}-prec`}
        label={t('items.precedence')}
        value={form.precedence}
        onChange={(e) => setForm({ ...form, precedence: e.target.value })}
        data-testid="item-search-precedence"
      >
        <Options blank={t('filters.any')} values={PRECEDENCES} />
      </SelectField>
      <button type="submit" className="primary" data-testid="item-search-submit">
        {t('search.submit')}
      </button>
      {current === null ? null : (
        <button type="button" onClick={() => navigate('#/items')} data-testid="item-search-clear">
          {t('search.clear')}
        </button>
      )}
      <p id={`${id}-hint`} className="muted hint">
        {t('search.hint')}
      </p>
    </form>
  );
}

/** What GET /v1/search finds, newest first, a page at a time like the full list. */
function SearchResults({ search }: { readonly search: Search }) {
  const { t } = useI18n();
  const { client } = useSession();
  const table = useItemTable();
  const found = usePaged<ItemSummary>({
    fetch: (offset, limit) =>
      getChunk<ItemSummary>(
        client,
        '/v1/search',
        {
          q: search.q,
          originator: search.originator === '' ? undefined : search.originator,
          precedence: search.precedence === '' ? undefined : search.precedence,
        },
        offset,
        limit,
      ),
    key: (i) => i.id,
    pageSize: ITEMS_PAGE_SIZE,
    deps: [client],
  });
  return (
    <Section title={t('search.results')} testId="item-search-results">
      <PagedTable
        name="search"
        paged={found}
        filtered={false}
        live
        empty={t('search.none', { q: search.q })}
        caption={t('search.caption', { q: search.q })}
        columns={table.columns}
        row={table.row}
      />
    </Section>
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
  const [files, setFiles] = useState<readonly PendingFile[]>([]);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      // Each file first (the node answers its SHA-256), then the item naming them.
      const uploaded = await uploadAll(client.token, files, setFiles);
      const it = await client.post<ItemSummary>('/v1/items', {
        marking,
        title,
        body,
        precedence,
        ...(files.length === 0
          ? {}
          : {
              attachments: files.map((f, i) => ({
                name: f.file.name,
                type: f.file.type === '' ? 'application/octet-stream' : f.file.type,
                sha256: uploaded[i]?.sha256 ?? '',
              })),
            }),
        categories: categories
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      });
      setFiles([]);
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
          <FilePicker files={files} onChange={setFiles} disabled={busy} />
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
