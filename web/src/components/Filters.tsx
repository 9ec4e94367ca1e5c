// Filters for item lists: originator, marking, and free text.
import { type ReactNode, useId } from 'react';
import { useI18n } from '../i18n';
import type { Marking } from '../types';
import { markingText } from './Marking';
import { DataTable, InputField, Options, SelectField } from './ui';

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

/**
 * A filtered list's count ("n of m", as `${name}-count`), then either why nothing is
 * shown (`empty` when there is nothing at all) or the table (`${name}-table`).
 */
export function FilteredTable({
  name,
  shown,
  total,
  empty,
  caption,
  columns,
  children,
}: {
  readonly name: string;
  readonly shown: number;
  readonly total: number;
  readonly empty: string;
  readonly caption: string;
  readonly columns: readonly ReactNode[];
  readonly children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <>
      <p role="status" className="muted" data-testid={`${name}-count`}>
        {t('filters.count', { shown, total })}
      </p>
      {shown === 0 ? (
        <p>{total === 0 ? empty : t('filters.noMatch')}</p>
      ) : (
        <DataTable testId={`${name}-table`} caption={caption} columns={columns}>
          {children}
        </DataTable>
      )}
    </>
  );
}
