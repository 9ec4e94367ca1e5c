// Filters for item lists: originator, marking, and free text.
import { type ReactNode, useId, useRef } from 'react';
import { useI18n } from '../i18n';
import type { Marking } from '../types';
import { markingText } from './Marking';
import { type Paged, Pager } from './Pager';
import { DataTable, ErrorMessage, InputField, Loading, Options, SelectField } from './ui';

export interface ItemFilter {
  readonly originator: string;
  /** "PARTY:CODE", or '' for any. */
  readonly marking: string;
  readonly text: string;
}

export const NO_FILTER: ItemFilter = { originator: '', marking: '', text: '' };

export const markingKey = (m: Marking): string => `${m.party}:${m.code}`;

export function matches(
  f: ItemFilter,
  row: { originator: string; markings: readonly Marking[]; text: readonly string[] },
): boolean {
  if (f.originator !== '' && row.originator !== f.originator) return false;
  if (f.marking !== '' && !row.markings.some((m) => markingKey(m) === f.marking)) return false;
  const q = f.text.trim().toLowerCase();
  if (q !== '' && !row.text.some((s) => s.toLowerCase().includes(q))) return false;
  return true;
}

export function ItemFilters({
  value,
  onChange,
  originators,
  markings,
  testId,
  originatorLabel,
}: {
  readonly value: ItemFilter;
  readonly onChange: (f: ItemFilter) => void;
  readonly originators: readonly string[];
  readonly markings: readonly Marking[];
  readonly testId: string;
  readonly originatorLabel?: string;
}) {
  const { t, lang } = useI18n();
  const id = useId();
  const uniqueMarkings = [...new Map(markings.map((m) => [markingKey(m), m])).values()].sort(
    (a, b) => markingKey(a).localeCompare(markingKey(b)),
  );
  return (
    <form
      className="filters"
      aria-label={t('filters.label')}
      data-testid={testId}
      onSubmit={(e) => e.preventDefault()}
    >
      <SelectField
        id={`${id}-orig`}
        label={originatorLabel ?? t('filters.originator')}
        value={value.originator}
        onChange={(e) => onChange({ ...value, originator: e.target.value })}
        data-testid="filter-originator"
      >
        <Options blank={t('filters.any')} values={[...new Set(originators)].sort()} />
      </SelectField>
      <SelectField
        id={`${id}-marking`}
        label={t('filters.marking')}
        value={value.marking}
        onChange={(e) => onChange({ ...value, marking: e.target.value })}
        data-testid="filter-marking"
      >
        <option value="">{t('filters.any')}</option>
        {uniqueMarkings.map((m) => (
          <option key={markingKey(m)} value={markingKey(m)}>
            {m.party} {markingText(m, lang)}
          </option>
        ))}
      </SelectField>
      <InputField
        id={`${id}-text`}
        label={t('filters.text')}
        type="search"
        value={value.text}
        onChange={(e) => onChange({ ...value, text: e.target.value })}
        data-testid="filter-text"
      />
      <button type="button" onClick={() => onChange(NO_FILTER)} data-testid="filter-clear">
        {t('filters.clear')}
      </button>
    </form>
  );
}

/** The filters are set (the list counts what matches them). */
export const isFiltered = (f: ItemFilter): boolean =>
  f.originator !== '' || f.marking !== '' || f.text.trim() !== '';

/**
 * A filtered list a page at a time: the pager ("Rows 1–25 of 120", Previous, Next,
 * as `${name}-pager`), then either why nothing is shown (`empty` when there is nothing
 * at all) or the table of the page's rows (`${name}-table`, stacked as cards on a
 * narrow screen: each cell says its column through `data-label`), and the pager again.
 */
export function PagedTable<T>({
  name,
  paged,
  filtered,
  empty,
  caption,
  columns,
  row,
  live,
}: {
  readonly name: string;
  readonly paged: Paged<T>;
  readonly filtered: boolean;
  /** The line that says nothing was found is announced (a status), e.g. for a search. */
  readonly live?: boolean;
  readonly empty: string;
  readonly caption: string;
  readonly columns: readonly string[];
  readonly row: (r: T) => ReactNode;
}) {
  const { t } = useI18n();
  const top = useRef<HTMLDivElement>(null);
  if (!paged.ready) return paged.error ? <ErrorMessage error={paged.error} /> : <Loading />;
  const w = paged.window;
  const nothing = w.complete && w.matched === 0;
  return (
    <div className="paged" ref={top}>
      {nothing ? (
        <p data-testid={`${name}-empty`} role={live ? 'status' : undefined}>
          {paged.rows.length === 0 ? empty : t('filters.noMatch')}
        </p>
      ) : (
        <>
          <Pager name={name} label={caption} paged={paged} filtered={filtered} />
          {w.from === 0 ? null : (
            <DataTable
              testId={`${name}-table`}
              caption={caption}
              columns={columns}
              className="stack"
            >
              {paged.shown.map(row)}
            </DataTable>
          )}
          {w.to - w.from >= 9 ? (
            <Pager name={name} label={caption} paged={paged} filtered={filtered} bottom top={top} />
          ) : null}
        </>
      )}
      <ErrorMessage error={paged.error} />
    </div>
  );
}
