// What came in from partners, at what marking: this party's marking beside the
// originator's, filtered by originator, marking and text, a page at a time.
import { useState } from 'react';
import { getChunk } from '../api';
import { ItemFilters, isFiltered, matches, NO_FILTER, PagedTable } from '../components/Filters';
import { MarkingBadge } from '../components/Marking';
import { usePaged } from '../components/Pager';
import { Instant, ItemTitle, PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import type { InboxEntry } from '../types';

export const INBOX_PAGE_SIZE = 25;

export function InboxPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const [filter, setFilter] = useState(NO_FILTER);
  const inbox = usePaged<InboxEntry>({
    fetch: (offset, limit) => getChunk<InboxEntry>(client, '/v1/inbox', {}, offset, limit),
    key: (e) => e.envelope,
    match: (e) =>
      matches(filter, {
        originator: e.originatorMarking.party,
        markings: [e.marking, e.originatorMarking],
        text: [e.title, e.item, e.from, ...e.categories],
      }),
    pageSize: INBOX_PAGE_SIZE,
    deps: [client],
  });
  const rows = inbox.rows;
  const col = {
    marking: t('items.marking'),
    title: t('items.title'),
    originator: t('items.originatorMarking'),
    from: t('inbox.from'),
    categories: t('items.categories'),
    received: t('inbox.received'),
  };
  return (
    <div data-testid="page-inbox">
      <PageTitle>{t('inbox.title')}</PageTitle>
      <p className="lead">{t('inbox.lead')}</p>
      <ItemFilters
        value={filter}
        onChange={(f) => {
          setFilter(f);
          inbox.setPage(1);
        }}
        originators={rows.map((e) => e.originatorMarking.party)}
        markings={rows.flatMap((e) => [e.marking, e.originatorMarking])}
        testId="inbox-filters"
      />
      <PagedTable
        name="inbox"
        paged={inbox}
        filtered={isFiltered(filter)}
        empty={t('inbox.empty')}
        caption={t('inbox.caption')}
        columns={Object.values(col)}
        row={(e) => (
          <tr key={e.envelope} data-testid={`inbox-row-${e.item}`}>
            <td data-label={col.marking} data-field="marking">
              <MarkingBadge marking={e.marking} />
            </td>
            <th scope="row" data-label={col.title} data-field="title" className="title-cell">
              <ItemTitle id={e.item} title={e.title} />
            </th>
            <td data-label={col.originator} data-field="originator">
              <MarkingBadge marking={e.originatorMarking} />{' '}
              <span className="muted">{e.originatorMarking.party}</span>
            </td>
            <td data-label={col.from} data-field="from">
              {e.from}
            </td>
            <td data-label={col.categories} data-field="categories">
              {e.categories.join(', ')}
            </td>
            <td data-label={col.received} data-field="received">
              <Instant iso={e.receivedAt} />
            </td>
          </tr>
        )}
      />
    </div>
  );
}
