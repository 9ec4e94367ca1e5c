// What left for partners (or waits, or was refused or withheld), a page at a time:
// each message's type in the viewer's language, and its item's title and markings (the
// node gives them with each row about an item the person may read).
import { useState } from 'react';
import { getChunk } from '../api';
import {
  ItemFilters,
  isFiltered,
  markingKey,
  matches,
  NO_FILTER,
  PagedTable,
} from '../components/Filters';
import { MarkingBadge } from '../components/Marking';
import { usePaged } from '../components/Pager';
import { Instant, Options, PageTitle, SelectField } from '../components/ui';
import { type I18n, isMsgKey, useI18n } from '../i18n';
import { href } from '../router';
import { hasRole, useSession } from '../session';
import type { OutboxEntry } from '../types';

export const OUTBOX_PAGE_SIZE = 25;

/** The message type in the viewer's language (docs/wire.md's name when it is new to the console). */
export function messageTypeLabel(t: I18n['t'], type: string): string {
  const k = `msgType.${type}`;
  return isMsgKey(k) ? t(k) : type;
}

export function OutboxPage() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const mayListItems = hasRole(session, 'officer', 'releasing-authority', 'security-officer');
  const [filter, setFilter] = useState(NO_FILTER);
  const [state, setState] = useState('');
  const outbox = usePaged<OutboxEntry>({
    fetch: (offset, limit) => getChunk<OutboxEntry>(client, '/v1/outbox', {}, offset, limit),
    key: (e) => e.envelope,
    match: (e) => {
      if (state !== '' && e.state !== state) return false;
      return matches(filter, {
        originator: e.originator ?? '',
        markings:
          e.marking === null || e.originatorMarking === null
            ? []
            : [e.marking, e.originatorMarking],
        text: [
          e.title ?? '',
          e.item ?? '',
          e.type,
          messageTypeLabel(t, e.type),
          e.to,
          e.envelope,
          e.lastError ?? '',
        ],
      });
    },
    pageSize: OUTBOX_PAGE_SIZE,
    deps: [client],
  });
  const states = [...new Set([...outbox.rows.map((e) => e.state), ...DELIVERY_STATES])].sort();
  const col = {
    marking: t('items.marking'),
    item: t('outbox.item'),
    type: t('outbox.type'),
    to: t('outbox.to'),
    state: t('outbox.state'),
    created: t('outbox.created'),
    settled: t('outbox.settled'),
  };
  return (
    <div data-testid="page-outbox">
      <PageTitle>{t('outbox.title')}</PageTitle>
      <p className="lead">{t('outbox.lead')}</p>
      <ItemFilters
        value={filter}
        onChange={(f) => {
          setFilter(f);
          outbox.setPage(1);
        }}
        originators={outbox.rows.flatMap((e) => (e.originator === null ? [] : [e.originator]))}
        markings={outbox.rows.flatMap((e) =>
          e.marking === null || e.originatorMarking === null
            ? []
            : [e.marking, e.originatorMarking],
        )}
        testId="outbox-filters"
      />
      <div className="filters">
        <SelectField
          id="outbox-state"
          label={t('outbox.state')}
          value={state}
          onChange={(e) => {
            setState(e.target.value);
            outbox.setPage(1);
          }}
          data-testid="filter-state"
        >
          <Options
            blank={t('filters.any')}
            values={states}
            label={(s) => t(`delivery.${s}` as 'delivery.pending')}
          />
        </SelectField>
      </div>
      <PagedTable
        name="outbox"
        paged={outbox}
        filtered={isFiltered(filter) || state !== ''}
        empty={t('outbox.empty')}
        caption={t('outbox.caption')}
        columns={Object.values(col)}
        row={(e) => {
          const title = e.title;
          return (
            <tr key={e.envelope} data-testid={`outbox-row-${e.envelope}`}>
              <td data-label={col.marking} data-field="marking">
                {e.marking === null ? (
                  '—'
                ) : (
                  <span data-marking={markingKey(e.marking)}>
                    <MarkingBadge marking={e.marking} />
                  </span>
                )}
              </td>
              <th scope="row" data-label={col.item} data-field="title" className="title-cell">
                {e.item === null ? (
                  <span className="muted">{t('outbox.noItem')}</span>
                ) : mayListItems ? (
                  <a href={href('items', e.item)} data-testid="outbox-title">
                    {title ?? e.item}
                  </a>
                ) : (
                  <span data-testid="outbox-title">{title ?? e.item}</span>
                )}
                {e.item !== null && title !== null ? (
                  <div className="muted mono id">{e.item}</div>
                ) : null}
                <div className="muted mono id">
                  {t('transfer.envelope')} {e.envelope}
                </div>
              </th>
              <td data-label={col.type} data-field="type">
                <span data-type={e.type} title={e.type}>
                  {messageTypeLabel(t, e.type)}
                </span>
              </td>
              <td data-label={col.to} data-field="to">
                {e.to}
              </td>
              <td data-label={col.state} data-field="state">
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
              <td data-label={col.created} data-field="created">
                <Instant iso={e.createdAt} seconds />
              </td>
              <td data-label={col.settled} data-field="settled">
                <Instant iso={e.settledAt} seconds />
              </td>
            </tr>
          );
        }}
      />
    </div>
  );
}

const DELIVERY_STATES = ['pending', 'delivered', 'refused', 'withheld'];
