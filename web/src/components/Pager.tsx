// Paging a list: `usePaged` loads a listing a chunk at a time (`?limit=&offset=`),
// only as far as the page on screen needs, filters what it loaded, and keeps the page
// number in the fragment (`#/inbox?page=2`); `Pager` is the list's "Rows 26–50 of 120"
// with Previous and Next.
import {
  type DependencyList,
  type RefObject,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';
import { PAGE_SIZE } from '../api';
import { useI18n } from '../i18n';
import {
  addChunk,
  type Loaded,
  nothingLoaded,
  type PageWindow,
  pageParam,
  pageWindow,
} from '../paging';
import { navigate, useRoute } from '../router';

/** The most rows a list asks the node for while looking for rows that match its filters. */
const MAX_OFFSET = 1_000_000;

export interface Paged<T> {
  /** Every row loaded so far (for the filters' choices). */
  readonly rows: readonly T[];
  /** The rows of the page on screen, filtered. */
  readonly shown: readonly T[];
  readonly window: PageWindow;
  /** The first chunk arrived (the list can be shown). */
  readonly ready: boolean;
  readonly loading: boolean;
  readonly error: unknown;
  /** Loads from the start again, keeping the rows on screen meanwhile. */
  readonly reload: () => void;
  readonly setPage: (page: number) => void;
}

/** The fragment with one query parameter set (or removed when `value` is 1, the default). */
export function withHashParam(hash: string, name: string, value: number): string {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  if (value === 1) params.delete(name);
  else params.set(name, String(value));
  const s = params.toString();
  return `#${path}${s === '' ? '' : `?${s}`}`;
}

export function usePaged<T>({
  fetch,
  key,
  match,
  pageSize,
  param = 'page',
  chunk = PAGE_SIZE,
  deps,
}: {
  /** `limit` rows from `offset`, in the node's order. */
  readonly fetch: (offset: number, limit: number) => Promise<readonly T[]>;
  readonly key: (row: T) => string;
  /** The filters: rows that do not match are not shown (nor counted). */
  readonly match?: (row: T) => boolean;
  readonly pageSize: number;
  /** The fragment's query parameter that holds the page number. */
  readonly param?: string;
  readonly chunk?: number;
  /** Load again from the start when these change. */
  readonly deps: DependencyList;
}): Paged<T> {
  const route = useRoute();
  const requested = pageParam(route.query.get(param));
  const [state, setState] = useState<{ gen: number; loaded: Loaded<T> | null }>({
    gen: 0,
    loaded: null,
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [tick, setTick] = useState(0);
  const gen = useRef(0);
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;
  const keyRef = useRef(key);
  keyRef.current = key;

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide; tick reloads
  useEffect(() => {
    gen.current += 1;
    const g = gen.current;
    setBusy(true);
    setError(undefined);
    fetchRef.current(0, chunk).then(
      (rows) => {
        if (g !== gen.current) return;
        setState({ gen: g, loaded: addChunk(nothingLoaded<T>(), rows, chunk, keyRef.current) });
        setBusy(false);
      },
      (e: unknown) => {
        if (g !== gen.current) return;
        setError(e);
        setBusy(false);
      },
    );
  }, [...deps, tick, chunk]);

  const loaded = state.loaded ?? nothingLoaded<T>();
  const matching = match === undefined ? loaded.rows : loaded.rows.filter(match);
  // Past the most the node pages through, what is loaded is all there is to show.
  const complete = loaded.complete || loaded.offset >= MAX_OFFSET;
  const win = pageWindow(matching.length, complete, requested, pageSize);
  const more =
    state.loaded !== null &&
    state.gen === gen.current &&
    win.needMore &&
    !busy &&
    error === undefined;

  useEffect(() => {
    if (!more || state.loaded === null) return;
    const g = state.gen;
    const offset = state.loaded.offset;
    setBusy(true);
    fetchRef.current(offset, chunk).then(
      (rows) => {
        if (g !== gen.current) return;
        setState((s) =>
          s.gen === g && s.loaded !== null && s.loaded.offset === offset
            ? { gen: g, loaded: addChunk(s.loaded, rows, chunk, keyRef.current) }
            : s,
        );
        setBusy(false);
      },
      (e: unknown) => {
        if (g !== gen.current) return;
        setError(e);
        setBusy(false);
      },
    );
  }, [more, state, chunk]);

  const setPage = useCallback(
    (page: number) => navigate(withHashParam(window.location.hash, param, Math.max(1, page))),
    [param],
  );
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const shown = win.from === 0 ? [] : matching.slice(win.from - 1, win.to);
  return {
    rows: loaded.rows,
    shown,
    window: win,
    ready: state.loaded !== null,
    loading: busy,
    error,
    reload,
    setPage,
  };
}

/**
 * "Rows 26–50 of 120" with Previous and Next. `name` prefixes the test ids; the
 * bottom copy of a list's pager (`bottom`) brings the list's top into view when used.
 */
export function Pager({
  name,
  label,
  paged,
  filtered,
  bottom,
  top,
}: {
  readonly name: string;
  /** What the list is, for the navigation's accessible name. */
  readonly label: string;
  readonly paged: Pick<Paged<unknown>, 'window' | 'setPage' | 'loading'>;
  /** Filters are set: the count is of the rows that match them. */
  readonly filtered: boolean;
  readonly bottom?: boolean;
  readonly top?: RefObject<HTMLElement | null>;
}) {
  const { t } = useI18n();
  const w = paged.window;
  const id = bottom ? `${name}-bottom` : name;
  const go = (page: number, allowed: boolean) => {
    if (!allowed) return;
    paged.setPage(page);
    if (bottom) top?.current?.scrollIntoView({ block: 'start' });
  };
  const counts = { from: w.from, to: w.to, total: w.matched };
  const status =
    w.from === 0
      ? paged.loading
        ? t('common.loading')
        : t('pager.empty')
      : filtered
        ? t(w.complete ? 'pager.rowsFiltered' : 'pager.rowsFilteredOpen', counts)
        : t(w.complete ? 'pager.rows' : 'pager.rowsOpen', counts);
  return (
    <nav
      className={bottom ? 'pager pager-bottom' : 'pager'}
      aria-label={t('pager.label', { list: label })}
      data-testid={`${id}-pager`}
    >
      {bottom ? null : (
        <p
          className="pager-status"
          role="status"
          data-testid={`${name}-rows`}
          data-from={w.from}
          data-to={w.to}
          data-total={w.complete ? w.matched : ''}
        >
          {status}
        </p>
      )}
      {w.hasPrev || w.hasNext ? (
        <div className="pager-buttons">
          {/* aria-disabled, not disabled: the button keeps the focus at the first or last page. */}
          <button
            type="button"
            aria-disabled={!w.hasPrev}
            onClick={() => go(w.page - 1, w.hasPrev)}
            data-testid={`${id}-prev`}
          >
            {t('pager.prev')}
          </button>
          <span className="pager-page">
            {w.last === null
              ? t('pager.page', { page: w.page })
              : t('pager.pageOf', { page: w.page, last: w.last })}
          </span>
          <button
            type="button"
            aria-disabled={!w.hasNext}
            onClick={() => go(w.page + 1, w.hasNext)}
            data-testid={`${id}-next`}
          >
            {t('pager.next')}
          </button>
        </div>
      ) : null}
    </nav>
  );
}
