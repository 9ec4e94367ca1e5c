// FLASH alerts for the whole console: the list the node holds (GET /v1/alerts), kept
// live over the WebSocket stream, which acknowledgements each alert has, which still
// await this party's acknowledgement, the tone and its mute switch.
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { enc } from './api';
import { beep, installAudioUnlock } from './audio';
import { useStoredFlag } from './hooks';
import { hasRole, useSession } from './session';
import type { AckResult, AckView, AlertDetail, AlertView, StreamFrame } from './types';

export type StreamStatus = 'connecting' | 'open' | 'reconnecting' | 'closed' | 'off';

export interface AlertsState {
  /** Whether this user may see alerts at all (officer, releasing authority, security officer). */
  readonly enabled: boolean;
  readonly alerts: readonly AlertView[];
  /** Acknowledgements known per alert (from GET /v1/alerts/{id} and the stream). */
  readonly acks: ReadonlyMap<string, readonly AckView[]>;
  readonly details: ReadonlyMap<string, AlertDetail>;
  /** Current alerts from other parties that no officer of this party has acknowledged. */
  readonly awaiting: readonly AlertView[];
  /** Alerts that arrived over the stream since the page loaded (for emphasis). */
  readonly fresh: ReadonlySet<string>;
  readonly status: StreamStatus;
  readonly error: unknown;
  readonly muted: boolean;
  readonly setMuted: (muted: boolean) => void;
  readonly reload: () => void;
  readonly loadDetail: (id: string) => Promise<AlertDetail>;
  readonly acknowledge: (id: string) => Promise<AckResult>;
  /** The last event, for a screen reader's live region. */
  readonly announcement: {
    readonly id: number;
    readonly kind: 'alert' | 'escalation' | 'ack';
    readonly alert: string;
  } | null;
}

const AlertsContext = createContext<AlertsState | null>(null);

export function useAlerts(): AlertsState {
  const a = useContext(AlertsContext);
  if (a === null) throw new Error('useAlerts outside AlertsProvider');
  return a;
}

const DETAIL_LIMIT = 20;

function merge(list: readonly AlertView[], a: AlertView): AlertView[] {
  const out = list.filter((x) => x.id !== a.id);
  out.push(a);
  // The referenced alerts are superseded by this one.
  const refs = new Set(a.alert.references);
  return out
    .map((x) => (refs.has(x.id) && x.supersededBy === null ? { ...x, supersededBy: a.id } : x))
    .sort((x, y) => Date.parse(y.alert.sent) - Date.parse(x.alert.sent));
}

export function AlertsProvider({ children }: { readonly children: ReactNode }) {
  const { session, client } = useSession();
  const enabled = hasRole(session, 'officer', 'releasing-authority', 'security-officer');
  const [alerts, setAlerts] = useState<readonly AlertView[]>([]);
  const [details, setDetails] = useState<ReadonlyMap<string, AlertDetail>>(new Map());
  const [streamAcks, setStreamAcks] = useState<ReadonlyMap<string, readonly AckView[]>>(new Map());
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [status, setStatus] = useState<StreamStatus>(enabled ? 'connecting' : 'off');
  const [error, setError] = useState<unknown>(undefined);
  const [muted, setMuted] = useStoredFlag('liaison.muted', false);
  const [announcement, setAnnouncement] = useState<AlertsState['announcement']>(null);
  const mutedRef = useRef(muted);
  mutedRef.current = muted;
  const [reloadTick, setReloadTick] = useState(0);

  const loadDetail = useCallback(
    async (id: string) => {
      const d = await client.get<AlertDetail>(`/v1/alerts/${enc(id)}`);
      setDetails((m) => new Map(m).set(id, d));
      return d;
    },
    [client],
  );

  // The list, and the acknowledgements of the current alerts.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadTick reloads
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    client.get<AlertView[]>('/v1/alerts', { limit: 100 }).then(
      async (list) => {
        if (!live) return;
        setAlerts(list);
        setError(undefined);
        const current = list.filter((a) => a.supersededBy === null).slice(0, DETAIL_LIMIT);
        const got = await Promise.allSettled(current.map((a) => loadDetail(a.id)));
        if (live && got.some((g) => g.status === 'rejected')) {
          const first = got.find((g) => g.status === 'rejected');
          setError(first?.status === 'rejected' ? first.reason : undefined);
        }
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [client, enabled, loadDetail, reloadTick]);

  // The stream: reconnects with back-off; a `ready` frame reloads the list to catch up.
  useEffect(() => {
    if (!enabled) return;
    installAudioUnlock();
    let socket: WebSocket | null = null;
    let closed = false;
    let retry = 1000;
    let timer: number | undefined;
    let opened = false;
    const connect = () => {
      setStatus(opened ? 'reconnecting' : 'connecting');
      const url = new URL('/v1/alerts/stream', window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      try {
        socket = new WebSocket(url, ['liaison.v1', `liaison.bearer.${client.token}`]);
      } catch {
        setStatus('closed');
        return;
      }
      socket.onmessage = (ev: MessageEvent) => {
        let frame: StreamFrame;
        try {
          frame = JSON.parse(String(ev.data)) as StreamFrame;
        } catch {
          return;
        }
        switch (frame.type) {
          case 'ready':
            opened = true;
            retry = 1000;
            setStatus('open');
            setReloadTick((n) => n + 1);
            break;
          case 'alert':
          case 'escalation': {
            const a = frame.alert;
            setAlerts((list) => merge(list, a));
            setFresh((s) => new Set(s).add(a.id));
            setAnnouncement((p) => ({
              id: (p?.id ?? 0) + 1,
              kind: frame.type as 'alert',
              alert: a.id,
            }));
            if (!mutedRef.current) beep(frame.type === 'escalation' ? 2 : 3);
            void loadDetail(a.id).catch(() => {});
            break;
          }
          case 'ack': {
            const ack: AckView = {
              party: frame.party,
              user: frame.user,
              at: frame.at,
              receivedAt: frame.receivedAt,
            };
            setStreamAcks((m) => {
              const list = (m.get(frame.item) ?? []).filter(
                (x) => !(x.party === ack.party && x.user === ack.user),
              );
              return new Map(m).set(frame.item, [...list, ack]);
            });
            setAnnouncement((p) => ({ id: (p?.id ?? 0) + 1, kind: 'ack', alert: frame.item }));
            void loadDetail(frame.item).catch(() => {});
            break;
          }
        }
      };
      socket.onclose = (ev: CloseEvent) => {
        socket = null;
        if (closed) return;
        if (ev.code === 4401) {
          setStatus('closed');
          return;
        }
        setStatus('reconnecting');
        timer = window.setTimeout(connect, retry);
        retry = Math.min(retry * 2, 30_000);
      };
    };
    connect();
    return () => {
      closed = true;
      if (timer !== undefined) window.clearTimeout(timer);
      (socket as WebSocket | null)?.close(1000, 'signed out');
    };
  }, [client, enabled, loadDetail]);

  const acks = useMemo(() => {
    const m = new Map<string, AckView[]>();
    for (const [id, d] of details) m.set(id, [...d.acks]);
    for (const [id, list] of streamAcks) {
      const cur = m.get(id) ?? [];
      for (const a of list)
        if (!cur.some((x) => x.party === a.party && x.user === a.user)) cur.push(a);
      m.set(id, cur);
    }
    return m;
  }, [details, streamAcks]);

  const acknowledge = useCallback(
    async (id: string) => {
      const r = await client.post<AckResult>(`/v1/alerts/${enc(id)}/ack`);
      setStreamAcks((m) => {
        const list = m.get(id) ?? [];
        const ack: AckView = { party: r.party, user: r.user, at: r.at, receivedAt: r.at };
        return new Map(m).set(id, [
          ...list.filter((x) => !(x.party === r.party && x.user === r.user)),
          ack,
        ]);
      });
      void loadDetail(id).catch(() => {});
      return r;
    },
    [client, loadDetail],
  );

  const awaiting = useMemo(
    () =>
      alerts.filter(
        (a) =>
          a.supersededBy === null &&
          a.originator !== session.party &&
          (details.has(a.id) || fresh.has(a.id)) &&
          !(acks.get(a.id) ?? []).some((x) => x.party === session.party),
      ),
    [alerts, acks, details, fresh, session.party],
  );

  const value = useMemo<AlertsState>(
    () => ({
      enabled,
      alerts,
      acks,
      details,
      awaiting,
      fresh,
      status: enabled ? status : 'off',
      error,
      muted,
      setMuted,
      reload: () => setReloadTick((n) => n + 1),
      loadDetail,
      acknowledge,
      announcement,
    }),
    [
      enabled,
      alerts,
      acks,
      details,
      awaiting,
      fresh,
      status,
      error,
      muted,
      setMuted,
      loadDetail,
      acknowledge,
      announcement,
    ],
  );
  return <AlertsContext.Provider value={value}>{children}</AlertsContext.Provider>;
}
