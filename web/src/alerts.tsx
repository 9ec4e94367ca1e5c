// FLASH alerts for the whole console: the list the node holds (GET /v1/alerts, one
// logged listing that also says which alerts an officer of this party has
// acknowledged), kept live over the WebSocket stream (new alerts, escalations, and
// acknowledgements, this party's own included), which still await this party's
// acknowledgement, the detail of the alert an officer opens (GET /v1/alerts/{id}, a
// logged read: only for that one), the tone and its mute switch.
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
import { merge, sameAck, withAck } from './alertState';
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
  /** Acknowledgements known per alert (from an opened alert's detail and the stream). */
  readonly acks: ReadonlyMap<string, readonly AckView[]>;
  /** The alerts opened here (GET /v1/alerts/{id}), kept current from the stream. */
  readonly details: ReadonlyMap<string, AlertDetail>;
  /** Whether an officer of this party has acknowledged the alert. */
  readonly acknowledgedHere: (id: string) => boolean;
  /** Current alerts from other parties that no officer of this party has acknowledged. */
  readonly awaiting: readonly AlertView[];
  /** Alerts that arrived over the stream since the page loaded (for emphasis). */
  readonly fresh: ReadonlySet<string>;
  readonly status: StreamStatus;
  readonly error: unknown;
  readonly muted: boolean;
  readonly setMuted: (muted: boolean) => void;
  readonly reload: () => void;
  /** Opens an alert: GET /v1/alerts/{id}, a logged read. */
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

export function AlertsProvider({ children }: { readonly children: ReactNode }) {
  const { session, client } = useSession();
  const party = session.party;
  const enabled = hasRole(session, 'officer', 'releasing-authority', 'security-officer');
  const [alerts, setAlerts] = useState<readonly AlertView[]>([]);
  const [details, setDetails] = useState<ReadonlyMap<string, AlertDetail>>(new Map());
  const [streamAcks, setStreamAcks] = useState<ReadonlyMap<string, readonly AckView[]>>(new Map());
  // Acknowledged by this party since the list was read (the stream, or here).
  const [ackedSince, setAckedSince] = useState<ReadonlySet<string>>(new Set());
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [status, setStatus] = useState<StreamStatus>(enabled ? 'connecting' : 'off');
  const [error, setError] = useState<unknown>(undefined);
  const [muted, setMuted] = useStoredFlag('liaison.muted', false);
  const [announcement, setAnnouncement] = useState<AlertsState['announcement']>(null);
  const mutedRef = useRef(muted);
  mutedRef.current = muted;
  // The list is read when the stream is ready (so nothing pushed in between is
  // missed), when the stream cannot open, and on request: 0 means not yet.
  const [reloadTick, setReloadTick] = useState(0);
  // Alerts the stream brought, kept if a list read before they came answers after.
  const streamed = useRef(new Map<string, AlertView>());

  const loadDetail = useCallback(
    async (id: string) => {
      const d = await client.get<AlertDetail>(`/v1/alerts/${enc(id)}`);
      setDetails((m) => new Map(m).set(id, d));
      return d;
    },
    [client],
  );

  /** One acknowledgement, from the stream or from this officer: no read needed. */
  const noteAck = useCallback(
    (item: string, ack: AckView) => {
      setStreamAcks((m) => {
        const list = (m.get(item) ?? []).filter((x) => !sameAck(x, ack));
        return new Map(m).set(item, [...list, ack]);
      });
      setDetails((m) => {
        const d = m.get(item);
        return d === undefined ? m : new Map(m).set(item, withAck(d, ack));
      });
      if (ack.party === party) setAckedSince((s) => (s.has(item) ? s : new Set(s).add(item)));
    },
    [party],
  );

  // The list: one logged listing, which says what this party has acknowledged.
  useEffect(() => {
    if (!enabled || reloadTick === 0) return;
    let live = true;
    client.get<AlertView[]>('/v1/alerts', { limit: 100 }).then(
      (list) => {
        if (!live) return;
        const listed = new Set(list.map((a) => a.id));
        let out: AlertView[] = list;
        for (const a of streamed.current.values()) if (!listed.has(a.id)) out = merge(out, a);
        setAlerts(out);
        setError(undefined);
      },
      (e: unknown) => {
        if (live) setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [client, enabled, reloadTick]);

  // The stream: reconnects forever with back-off (200 ms doubling to 10 s, jittered),
  // resuming after the last event it received (`?after=<id>`), from whichever instance
  // of the node answers. The first `ready` reads the list; a later one only when the
  // node no longer holds every event since (`missed`).
  useEffect(() => {
    if (!enabled) return;
    installAudioUnlock();
    let socket: WebSocket | null = null;
    let closed = false;
    let attempt = 0;
    let timer: number | undefined;
    let opened = false;
    /** The last event id received, or where the node said the stream starts. */
    let last: string | null = null;
    // A stream that does not open soon: the list is read without it meanwhile.
    const unopened = window.setTimeout(() => {
      if (!opened) setReloadTick((n) => n + 1);
    }, 3000);
    const connect = () => {
      setStatus(opened ? 'reconnecting' : 'connecting');
      const url = new URL('/v1/alerts/stream', window.location.href);
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      if (last !== null) url.searchParams.set('after', last);
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
        if (frame.type !== 'ready') last = frame.id;
        switch (frame.type) {
          case 'ready': {
            const first = !opened;
            opened = true;
            attempt = 0;
            last = frame.after;
            setStatus('open');
            if (first || frame.missed) setReloadTick((n) => n + 1);
            break;
          }
          case 'alert':
          case 'escalation': {
            const a = frame.alert;
            streamed.current.set(a.id, a);
            setAlerts((list) => merge(list, a));
            setFresh((s) => new Set(s).add(a.id));
            setAnnouncement((p) => ({
              id: (p?.id ?? 0) + 1,
              kind: frame.type as 'alert',
              alert: a.id,
            }));
            if (!mutedRef.current) beep(frame.type === 'escalation' ? 2 : 3);
            break;
          }
          case 'ack': {
            // At the originator: every party's; elsewhere: this party's own officers'.
            noteAck(frame.item, {
              party: frame.party,
              user: frame.user,
              at: frame.at,
              receivedAt: frame.receivedAt,
            });
            setAnnouncement((p) => ({ id: (p?.id ?? 0) + 1, kind: 'ack', alert: frame.item }));
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
        const ceiling = Math.min(200 * 2 ** Math.min(attempt, 16), 10_000);
        attempt += 1;
        timer = window.setTimeout(connect, Math.round(ceiling * (0.5 + Math.random() / 2)));
      };
    };
    connect();
    return () => {
      closed = true;
      window.clearTimeout(unopened);
      if (timer !== undefined) window.clearTimeout(timer);
      (socket as WebSocket | null)?.close(1000, 'signed out');
    };
  }, [client, enabled, noteAck]);

  const acks = useMemo(() => {
    const m = new Map<string, AckView[]>();
    for (const [id, d] of details) m.set(id, [...d.acks]);
    for (const [id, list] of streamAcks) {
      const cur = m.get(id) ?? [];
      for (const a of list) if (!cur.some((x) => sameAck(x, a))) cur.push(a);
      m.set(id, cur);
    }
    return m;
  }, [details, streamAcks]);

  const acknowledge = useCallback(
    async (id: string) => {
      const r = await client.post<AckResult>(`/v1/alerts/${enc(id)}/ack`);
      noteAck(id, { party: r.party, user: r.user, at: r.at, receivedAt: r.at });
      return r;
    },
    [client, noteAck],
  );

  // From the list, what has happened since (the stream, this officer), and the
  // acknowledgements an opened alert's detail lists.
  const ackedHere = useMemo(() => {
    const s = new Set(ackedSince);
    for (const a of alerts) if (a.acknowledgedHere === true) s.add(a.id);
    for (const [id, list] of acks) if (list.some((x) => x.party === party)) s.add(id);
    return s;
  }, [ackedSince, alerts, acks, party]);
  const acknowledgedHere = useCallback((id: string) => ackedHere.has(id), [ackedHere]);

  const awaiting = useMemo(
    () =>
      alerts.filter(
        (a) => a.supersededBy === null && a.originator !== party && !acknowledgedHere(a.id),
      ),
    [alerts, acknowledgedHere, party],
  );

  const value = useMemo<AlertsState>(
    () => ({
      enabled,
      alerts,
      acks,
      details,
      acknowledgedHere,
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
      acknowledgedHere,
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
