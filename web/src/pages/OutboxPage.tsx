// What left for partners (or waits, or was refused or withheld), with each item's
// marking where this user may list items.
import { useState } from 'react';
import { getAll } from '../api';
import { FilteredTable, ItemFilters, markingKey, matches, NO_FILTER } from '../components/Filters';
import { MarkingBadge } from '../components/Marking';
import { Instant, Options, PageTitle, SelectField, WhenLoaded } from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import { hasRole, useSession } from '../session';
import type { ItemSummary, OutboxEntry } from '../types';

export function OutboxPage() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const mayListItems = hasRole(session, 'officer', 'releasing-authority', 'security-officer');
  const outbox = useLoad(
    () => getAll<OutboxEntry>(client, '/v1/outbox', {}, { key: (e) => e.envelope }),
    [client],
  );
  const items = useLoad(
    () =>
      mayListItems
        ? getAll<ItemSummary>(client, '/v1/items', {}, { key: (i) => i.id })
        : Promise.resolve([]),
    [client, mayListItems],
  );
  const [filter, setFilter] = useState(NO_FILTER);
  const [state, setState] = useState('');
  const byId = new Map((items.data ?? []).map((i) => [i.id, i]));
  const rows = outbox.data ?? [];
  const shown = rows.filter((e) => {
    if (state !== '' && e.state !== state) return false;
    const it = e.item === null ? undefined : byId.get(e.item);
    return matches(filter, {
      originator: it?.originator ?? e.item?.slice(0, 2).toUpperCase() ?? '',
      markings: it === undefined ? [] : [it.marking, it.originatorMarking],
      text: [e.item ?? '', e.type, e.to, e.envelope, e.lastError ?? ''],
    });
  });
  const states = [...new Set(rows.map((e) => e.state))].sort();
  return (
    <div data-testid="page-outbox">
      <PageTitle>{t('outbox.title')}</PageTitle>
      <p className="lead">{t('outbox.lead')}</p>
      <ItemFilters
        value={filter}
        onChange={setFilter}
        originators={(items.data ?? []).map((i) => i.originator)}
        markings={(items.data ?? []).flatMap((i) => [i.marking, i.originatorMarking])}
        testId="outbox-filters"
      />
      <div className="filters">
        <SelectField
          id="outbox-state"
          label={t('outbox.state')}
          value={state}
          onChange={(e) => setState(e.target.value)}
          data-testid="filter-state"
        >
          <Options
            blank={t('filters.any')}
            values={states}
            label={(s) => t(`delivery.${s}` as 'delivery.pending')}
          />
        </SelectField>
      </div>
      <WhenLoaded load={outbox}>
        {() => (
          <FilteredTable
            name="outbox"
            shown={shown.length}
            total={rows.length}
            empty={t('outbox.empty')}
            caption={t('outbox.caption')}
            columns={[
              t('items.marking'),
              t('outbox.item'),
              t('outbox.type'),
              t('outbox.to'),
              t('outbox.state'),
              t('outbox.created'),
              t('outbox.settled'),
            ]}
          >
            {shown.map((e) => {
              const it = e.item === null ? undefined : byId.get(e.item);
              return (
                <tr key={e.envelope} data-testid={`outbox-row-${e.envelope}`}>
                  <td>
                    {it === undefined ? (
                      '—'
                    ) : (
                      <span data-marking={markingKey(it.marking)}>
                        <MarkingBadge marking={it.marking} />
                      </span>
                    )}
                  </td>
                  <th scope="row">
                    {e.item === null ? (
                      '—'
                    ) : mayListItems ? (
                      <a href={href('items', e.item)} className="mono">
                        {e.item}
                      </a>
                    ) : (
                      <span className="mono">{e.item}</span>
                    )}
                    <div className="muted mono">{e.envelope}</div>
                  </th>
                  <td className="mono">{e.type}</td>
                  <td>{e.to}</td>
                  <td>
                    <span className={`state delivery-${e.state}`}>
                      {t(`delivery.${e.state}` as 'delivery.pending')}
                    </span>
                    {e.attempts > 0 ? (
                      <div className="muted">{t('outbox.attempts', { n: e.attempts })}</div>
                    ) : null}
                    {e.lastError ? (
                      <div className="warn" lang="en">
                        {e.lastError}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <Instant iso={e.createdAt} seconds />
                  </td>
                  <td>
                    <Instant iso={e.settledAt} seconds />
                  </td>
                </tr>
              );
            })}
          </FilteredTable>
        )}
      </WhenLoaded>
    </div>
  );
}
