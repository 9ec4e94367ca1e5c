// For releasing authorities: compose a FLASH launch alert, prefilled from the node's
// launch preset (GET /v1/alerts/presets/launch), previewed on the map, sent with
// POST /v1/alerts; each partner's release decision is shown as it came back.
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { useAlerts } from '../alerts';
import { useI18n } from '../i18n';
import { AlertMap } from '../map/AlertMap';
import { peerList } from '../nodeInfo';
import { useSession } from '../session';
import type {
  AlertInput,
  CapMsgType,
  CapStatus,
  Confidence,
  SendAlertBody,
  SentAlert,
} from '../types';
import { MarkingName } from './Marking';
import { DecisionBadge, ErrorMessage, Loading, ReasonList, Section } from './ui';

interface Draft {
  status: CapStatus;
  msgType: CapMsgType;
  references: string;
  final: boolean;
  correction: boolean;
  detectedAt: string;
  launchedAt: string;
  launchArea: string;
  launchLat: string;
  launchLon: string;
  count: string;
  bearingDeg: string;
  assessedType: string;
  apogeeKm: string;
  distanceKm: string;
  impactArea: string;
  impactLat: string;
  impactLon: string;
  insideJapanEez: boolean;
  confidence: Confidence;
  remarks: string;
  to: readonly string[];
  ackWithinSeconds: string;
}

function fromPreset(p: AlertInput, to: readonly string[]): Draft {
  return {
    status: p.status ?? 'Exercise',
    msgType: p.msgType ?? 'Alert',
    references: (p.references ?? []).join(', '),
    final: p.final ?? false,
    correction: p.correction ?? false,
    detectedAt: p.detectedAt,
    launchedAt: p.launchedAt,
    launchArea: p.launch.area,
    launchLat: String(p.launch.lat),
    launchLon: String(p.launch.lon),
    count: String(p.count),
    bearingDeg: String(p.bearingDeg),
    assessedType: p.assessedType,
    apogeeKm: String(p.apogeeKm),
    distanceKm: String(p.distanceKm),
    impactArea: p.impact.area,
    impactLat: String(p.impact.lat),
    impactLon: String(p.impact.lon),
    insideJapanEez: p.impact.insideJapanEez,
    confidence: p.confidence,
    remarks: p.remarks ?? '',
    to,
    ackWithinSeconds: '',
  };
}

const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s));

function toInput(d: Draft): AlertInput {
  const refs = d.references
    .split(/[,\s]+/)
    .map((r) => r.trim())
    .filter((r) => r !== '');
  return {
    status: d.status,
    msgType: d.msgType,
    references: refs,
    final: d.final,
    correction: d.correction,
    detectedAt: d.detectedAt.trim(),
    launchedAt: d.launchedAt.trim(),
    launch: { area: d.launchArea, lat: num(d.launchLat), lon: num(d.launchLon) },
    count: num(d.count),
    bearingDeg: num(d.bearingDeg),
    assessedType: d.assessedType,
    apogeeKm: num(d.apogeeKm),
    distanceKm: num(d.distanceKm),
    impact: {
      area: d.impactArea,
      lat: num(d.impactLat),
      lon: num(d.impactLon),
      insideJapanEez: d.insideJapanEez,
    },
    confidence: d.confidence,
    remarks: d.remarks,
  };
}

export function AlertCompose() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const { alerts, reload } = useAlerts();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [parties, setParties] = useState<readonly string[]>([]);
  const [loading, setLoading] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [sent, setSent] = useState<SentAlert | null>(null);
  const id = useId();

  const loadPreset = async () => {
    setLoading(true);
    setError(undefined);
    try {
      const [preset, peers] = await Promise.all([
        client.get<AlertInput>('/v1/alerts/presets/launch'),
        peerList(client).catch(() => []),
      ]);
      const others = peers.map((p) => p.party).filter((p) => p !== session.party);
      setParties(others);
      setDraft(fromPreset(preset, others));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  const toggle = () => {
    const next = !open;
    setOpen(next);
    if (next && draft === null) void loadPreset();
  };

  const set = <K extends keyof Draft>(k: K, v: Draft[K]) =>
    setDraft((d) => (d === null ? d : { ...d, [k]: v }));

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (draft === null) return;
    setBusy(true);
    setError(undefined);
    setSent(null);
    const body: SendAlertBody = { alert: toInput(draft) };
    if (draft.to.length !== parties.length || parties.length === 0) body.to = [...draft.to];
    const ack = num(draft.ackWithinSeconds);
    if (Number.isInteger(ack) && ack > 0) body.ackWithinSeconds = ack;
    try {
      const r = await client.post<SentAlert>('/v1/alerts', body);
      setSent(r);
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const field = (
    key: keyof Draft,
    label: string,
    input: (fid: string) => ReactNode,
    wide = false,
  ) => (
    <div className={`field ${wide ? 'wide' : ''}`} key={key}>
      <label htmlFor={`${id}-${key}`}>{label}</label>
      {input(`${id}-${key}`)}
    </div>
  );
  const text = (
    key: keyof Draft,
    label: string,
    opts: { type?: string; step?: string; wide?: boolean } = {},
  ) =>
    field(
      key,
      label,
      (fid) => (
        <input
          id={fid}
          type={opts.type ?? 'text'}
          step={opts.step}
          required={key !== 'references' && key !== 'remarks' && key !== 'ackWithinSeconds'}
          value={String(draft?.[key] ?? '')}
          onChange={(e) => set(key, e.target.value as never)}
          data-testid={`compose-${key}`}
        />
      ),
      opts.wide,
    );

  const preview = (() => {
    if (draft === null) return null;
    const input = toInput(draft);
    const ok = [input.launch.lat, input.launch.lon, input.impact.lat, input.impact.lon].every(
      Number.isFinite,
    );
    return ok ? input : null;
  })();

  return (
    <Section
      title={t('compose.title')}
      testId="alert-compose"
      actions={
        <button type="button" aria-expanded={open} onClick={toggle} data-testid="compose-toggle">
          {open ? t('common.hide') : t('compose.open')}
        </button>
      }
    >
      {open ? (
        <>
          {loading ? <Loading /> : null}
          {draft !== null ? (
            <form onSubmit={(e) => void submit(e)} className="form-grid" data-testid="compose-form">
              <p className="help wide">{t('compose.help')}</p>
              {field('status', t('compose.status'), (fid) => (
                <select
                  id={fid}
                  value={draft.status}
                  onChange={(e) => set('status', e.target.value as CapStatus)}
                >
                  {(['Exercise', 'Test', 'Actual'] as const).map((s) => (
                    <option key={s} value={s}>
                      {t(`alert.status.${s}`)}
                    </option>
                  ))}
                </select>
              ))}
              {field('msgType', t('compose.msgType'), (fid) => (
                <select
                  id={fid}
                  value={draft.msgType}
                  onChange={(e) => set('msgType', e.target.value as CapMsgType)}
                >
                  {(['Alert', 'Update', 'Cancel'] as const).map((s) => (
                    <option key={s} value={s}>
                      {t(`alert.msgType.${s}`)}
                    </option>
                  ))}
                </select>
              ))}
              {field(
                'references',
                t('compose.references'),
                (fid) => (
                  <select
                    id={fid}
                    value={draft.references}
                    onChange={(e) => {
                      set('references', e.target.value);
                      if (e.target.value !== '' && draft.msgType === 'Alert')
                        set('msgType', 'Update');
                    }}
                    data-testid="compose-references"
                  >
                    <option value="">{t('compose.noReference')}</option>
                    {alerts
                      .filter((a) => a.originator === session.party && a.supersededBy === null)
                      .map((a) => (
                        <option key={a.id} value={a.id}>
                          {a.title} ({a.id.slice(0, 18)}…)
                        </option>
                      ))}
                  </select>
                ),
                true,
              )}
              <fieldset className="wide checks">
                <legend>{t('compose.flags')}</legend>
                <label>
                  <input
                    type="checkbox"
                    checked={draft.final}
                    onChange={(e) => set('final', e.target.checked)}
                  />{' '}
                  {t('alert.final')}
                </label>
                <label>
                  <input
                    type="checkbox"
                    checked={draft.correction}
                    onChange={(e) => set('correction', e.target.checked)}
                  />{' '}
                  {t('alert.correction')}
                </label>
              </fieldset>
              {text('launchedAt', t('alert.launchedAt'))}
              {text('detectedAt', t('alert.detectedAt'))}
              {text('launchArea', t('compose.launchArea'), { wide: true })}
              {text('launchLat', t('compose.launchLat'), { type: 'number', step: 'any' })}
              {text('launchLon', t('compose.launchLon'), { type: 'number', step: 'any' })}
              {text('count', t('alert.count'), { type: 'number', step: '1' })}
              {text('assessedType', t('alert.assessedType'))}
              {text('bearingDeg', t('compose.bearing'), { type: 'number', step: 'any' })}
              {text('apogeeKm', t('compose.apogee'), { type: 'number', step: 'any' })}
              {text('distanceKm', t('compose.distance'), { type: 'number', step: 'any' })}
              {text('impactArea', t('compose.impactArea'), { wide: true })}
              {text('impactLat', t('compose.impactLat'), { type: 'number', step: 'any' })}
              {text('impactLon', t('compose.impactLon'), { type: 'number', step: 'any' })}
              <div className="field">
                <label>
                  <input
                    type="checkbox"
                    checked={draft.insideJapanEez}
                    onChange={(e) => set('insideJapanEez', e.target.checked)}
                    data-testid="compose-insideJapanEez"
                  />{' '}
                  {t('compose.insideEez')}
                </label>
              </div>
              {field('confidence', t('alert.confidence'), (fid) => (
                <select
                  id={fid}
                  value={draft.confidence}
                  onChange={(e) => set('confidence', e.target.value as Confidence)}
                >
                  {(['high', 'medium', 'low'] as const).map((c) => (
                    <option key={c} value={c}>
                      {t(`alert.confidence.${c}`)}
                    </option>
                  ))}
                </select>
              ))}
              {field(
                'remarks',
                t('alert.remarks'),
                (fid) => (
                  <textarea
                    id={fid}
                    rows={2}
                    value={draft.remarks}
                    onChange={(e) => set('remarks', e.target.value)}
                  />
                ),
                true,
              )}
              <fieldset className="wide checks" data-testid="compose-to">
                <legend>{t('compose.to')}</legend>
                {parties.length === 0 ? <p className="muted">{t('compose.noPeers')}</p> : null}
                {parties.map((p) => (
                  <label key={p}>
                    <input
                      type="checkbox"
                      checked={draft.to.includes(p)}
                      onChange={(e) =>
                        set(
                          'to',
                          e.target.checked ? [...draft.to, p] : draft.to.filter((x) => x !== p),
                        )
                      }
                    />{' '}
                    {p}
                  </label>
                ))}
              </fieldset>
              {text('ackWithinSeconds', t('compose.ackWithin'), { type: 'number', step: '1' })}
              <div className="wide">
                {preview !== null ? (
                  <AlertMap
                    tracks={[{ id: 'draft', alert: preview, current: true }]}
                    testId="compose-map"
                  />
                ) : null}
              </div>
              <div className="wide button-row">
                <button
                  type="submit"
                  className="primary danger"
                  disabled={busy}
                  data-testid="compose-send"
                >
                  {t('compose.send')}
                </button>
                <button type="button" onClick={() => void loadPreset()} disabled={loading}>
                  {t('compose.reloadPreset')}
                </button>
              </div>
            </form>
          ) : null}
          <ErrorMessage error={error} testId="compose-error" />
          {sent !== null ? (
            <div className="success" role="status" data-testid="alert-send-result">
              <p>{t('compose.sent', { id: sent.id })}</p>
              <ul className="plain">
                {sent.releases.map((r) => (
                  <li key={r.to} data-testid={`release-${r.to}`} data-decision={r.decision}>
                    {r.to}: <DecisionBadge decision={r.decision} />{' '}
                    {r.marking !== null ? <MarkingName marking={r.marking} /> : null}
                    <ReasonList reasons={r.reasons} />
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </>
      ) : null}
    </Section>
  );
}
