// What came in from partners, at what marking: this party's marking beside the
// originator's, filtered by originator, marking and text.
import { useState } from 'react';
import { getAll } from '../api';
import { FilteredTable, ItemFilters, matches, NO_FILTER } from '../components/Filters';
import { MarkingBadge } from '../components/Marking';
import { Instant, PageTitle, WhenLoaded } from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import { useSession } from '../session';
import type { InboxEntry } from '../types';

export function InboxPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const inbox = useLoad(
    () => getAll<InboxEntry>(client, '/v1/inbox', {}, { key: (e) => e.envelope }),
    [client],
  );
  const [filter, setFilter] = useState(NO_FILTER);
  const rows = inbox.data ?? [];
  const shown = rows.filter((e) =>
    matches(filter, {
      originator: e.originatorMarking.party,
      markings: [e.marking, e.originatorMarking],
      text: [e.title, e.item, e.from, ...e.categories],
    }),
  );
  return (
    <div data-testid="page-inbox">
      <PageTitle>{t('inbox.title')}</PageTitle>
      <p className="lead">{t('inbox.lead')}</p>
      <ItemFilters
        value={filter}
        onChange={setFilter}
        originators={rows.map((e) => e.originatorMarking.party)}
        markings={rows.flatMap((e) => [e.marking, e.originatorMarking])}
        testId="inbox-filters"
      />
      <WhenLoaded load={inbox}>
        {() => (
          <FilteredTable
            name="inbox"
            shown={shown.length}
            total={rows.length}
            empty={t('inbox.empty')}
            caption={t('inbox.caption')}
            columns={[
              t('items.marking'),
              t('items.title'),
              t('items.originatorMarking'),
              t('inbox.from'),
              t('items.categories'),
              t('inbox.received'),
            ]}
          >
            {shown.map((e) => (
              <tr key={e.envelope} data-testid={`inbox-row-${e.item}`}>
                <td>
                  <MarkingBadge marking={e.marking} />
                </td>
                <th scope="row">
                  <a href={href('items', e.item)}>{e.title}</a>
                  <div className="muted mono">{e.item}</div>
                </th>
                <td>
                  <MarkingBadge marking={e.originatorMarking} />{' '}
                  <span className="muted">{e.originatorMarking.party}</span>
                </td>
                <td>{e.from}</td>
                <td>{e.categories.join(', ')}</td>
                <td>
                  <Instant iso={e.receivedAt} />
                </td>
              </tr>
            ))}
          </FilteredTable>
        )}
      </WhenLoaded>
    </div>
  );
}
