// The tamper-evident log for auditors: the latest signed checkpoint and its
// signature, partners' cosignatures (witnesses) and the consistency of what they
// cosigned with today's log, the partners' logs this node witnesses and the alarms it
// raised about them (a banner on top), the entries with filters, and proofs checked
// here in the browser: one entry's inclusion, or the whole log recomputed to the
// signed root.
// Entries about items the auditor may not read come withheld (their leaf hash only):
// they are shown as such, and the full check takes their leaf hash as given.
import { useMemo, useRef, useState } from 'react';
import { Pager, usePaged } from '../components/Pager';
import {
  checkWithNodeKey,
  ProofCell,
  type ProofCheck,
  useProofChecks,
} from '../components/ProofStatus';
import {
  DataTable,
  DecisionBadge,
  ErrorMessage,
  InputField,
  Instant,
  Loading,
  Options,
  PageTitle,
  reasonChips,
  Section,
  SelectField,
} from '../components/ui';
import { actorName } from '../format';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { checkLog } from '../logCheck';
import { equalBytes, fromBase64, verifyConsistency } from '../merkle';
import { nodeIdentity, peerList } from '../nodeInfo';
import {
  type CosignatureCheck,
  parseVerifierKey,
  type SignatureCheck,
  verifyCosignature,
  verifyNoteSignature,
} from '../note';
import { logChunk } from '../paging';
import { href } from '../router';
import { useSession } from '../session';
import type {
  CheckpointView,
  ConsistencyProof,
  InclusionProof,
  LogEntry,
  LogEntryData,
  Peer,
  WitnessAlarm,
  Witnessing,
  WitnessReport,
} from '../types';

/** Log entries on one page of the audit page. */
export const LOG_PAGE_SIZE = 50;
/** The items of an entry named in its row before the rest are folded away. */
const SUBJECT_ITEMS = 3;
/** Log entries asked of the node at a time (newest first). */
const LOG_CHUNK = 500;

interface Row {
  readonly entry: LogEntry;
  readonly data: LogEntryData | null;
  /** About an item this person may not read: only the leaf hash is shown. */
  readonly withheld: boolean;
}

function parseEntry(e: LogEntry): Row {
  if (e.data === undefined) return { entry: e, data: null, withheld: true };
  try {
    return { entry: e, data: JSON.parse(e.data) as LogEntryData, withheld: false };
  } catch {
    return { entry: e, data: null, withheld: false };
  }
}

/** The item ids an entry is about (subject.item, subject.items). */
function itemsOf(d: LogEntryData): string[] {
  const s = d.subject;
  const out: string[] = [];
  if (typeof s.item === 'string') out.push(s.item);
  if (Array.isArray(s.items)) for (const x of s.items) if (typeof x === 'string') out.push(x);
  return out;
}

export function AuditPage() {
  const { t } = useI18n();
  return (
    <div data-testid="page-audit">
      <PageTitle>{t('audit.title')}</PageTitle>
      <p className="lead">{t('audit.lead')}</p>
      <CheckpointPanel />
      <LogPanel />
    </div>
  );
}

interface WitnessStatus {
  readonly peer: Peer;
  /** How far this peer cosigned this log, when, and how the last request went. */
  readonly cosigner: Witnessing['cosigners'][number] | null;
  readonly checkpoint: CheckpointView | null;
  readonly cosignature: CosignatureCheck | null;
  readonly consistent: boolean | null;
}

function CheckpointPanel() {
  const { t } = useI18n();
  const { client } = useSession();
  const state = useLoad(async () => {
    const [cp, node, checkpoints, peers, witnessing] = await Promise.all([
      client.get<CheckpointView>('/v1/log/checkpoint', { format: 'json' }),
      nodeIdentity(client),
      client.get<CheckpointView[]>('/v1/log/checkpoints'),
      peerList(client).catch(() => [] as Peer[]),
      client.get<Witnessing>('/v1/log/witnesses').catch(() => null),
    ]);
    const signature: SignatureCheck | 'no-key' =
      node.key === null ? 'no-key' : await verifyNoteSignature(cp.note, node.key);
    const rootLine = cp.note.split('\n')[2];
    const witnesses: WitnessStatus[] = [];
    for (const peer of peers) {
      const last =
        [...checkpoints].reverse().find((c) => (c.cosignedBy ?? []).includes(peer.party)) ?? null;
      let cosignature: CosignatureCheck | null = null;
      let consistent: boolean | null = null;
      if (last !== null) {
        const key = await parseVerifierKey(peer.verifierKey);
        cosignature = key === null ? null : await verifyCosignature(last.note, key);
        try {
          if (last.size === cp.size) consistent = last.root === cp.root;
          else {
            const p = await client.get<ConsistencyProof>('/v1/log/proof/consistency', {
              from: last.size,
              to: cp.size,
            });
            consistent =
              p.fromRoot === last.root &&
              p.root === cp.root &&
              (await verifyConsistency(
                last.size,
                cp.size,
                fromBase64(last.root),
                fromBase64(cp.root),
                p.proof.map(fromBase64),
              ));
          }
        } catch {
          consistent = false;
        }
      }
      const cosigner = witnessing?.cosigners.find((c) => c.party === peer.party) ?? null;
      witnesses.push({ peer, cosigner, checkpoint: last, cosignature, consistent });
    }
    return { cp, signature, rootLine, witnesses, checkpoints, witnessing };
  }, [client]);

  if (state.data === undefined)
    return (
      <Section title={t('audit.checkpoint')} testId="audit-checkpoint">
        {state.error ? <ErrorMessage error={state.error} /> : <Loading />}
      </Section>
    );
  const { cp, signature, rootLine, witnesses, checkpoints, witnessing } = state.data;
  return (
    <>
      {witnessing !== null && witnessing.alarms.length > 0 ? (
        <AlarmBanner alarms={witnessing.alarms} />
      ) : null}
      <Section
        title={t('audit.checkpoint')}
        testId="audit-checkpoint"
        actions={
          <button type="button" onClick={state.reload}>
            {t('common.refresh')}
          </button>
        }
      >
        <dl className="facts">
          <dt>{t('audit.origin')}</dt>
          <dd className="mono">{cp.origin}</dd>
          <dt>{t('audit.size')}</dt>
          <dd data-testid="checkpoint-size">{cp.size}</dd>
          <dt>{t('audit.root')}</dt>
          <dd className="mono break">{cp.root}</dd>
          <dt>{t('audit.signedAt')}</dt>
          <dd>
            <Instant iso={cp.at} seconds />
          </dd>
          <dt>{t('audit.signature')}</dt>
          <dd data-testid="checkpoint-signature" data-result={signature}>
            {signature === 'valid'
              ? t('proof.sigValid', { origin: cp.origin })
              : signature === 'unsupported'
                ? t('proof.sigUnsupported')
                : signature === 'no-key'
                  ? t('proof.sigNoKey')
                  : t('proof.sigInvalid')}
            {rootLine !== cp.root ? <span className="warn"> {t('proof.rootBad')}</span> : null}
          </dd>
          <dt>{t('audit.cosignedBy')}</dt>
          <dd>
            {(cp.cosignedBy ?? []).length === 0
              ? t('audit.noCosignatures')
              : (cp.cosignedBy ?? []).join(', ')}
          </dd>
        </dl>
        <details>
          <summary>{t('audit.note')}</summary>
          <pre className="note-text">{cp.note}</pre>
        </details>
      </Section>
      <Section title={t('audit.witnesses')} testId="audit-witnesses">
        {witnesses.length === 0 ? <p>{t('audit.noPeers')}</p> : null}
        {witnessing === null ? null : (
          <p className="muted" data-testid="witnessing-interval">
            {witnessing.intervalSeconds === null
              ? t('audit.witnessingOff')
              : t('audit.witnessingEvery', { n: witnessing.intervalSeconds })}
          </p>
        )}
        <DataTable
          caption={t('audit.witnessCaption')}
          columns={[
            t('audit.witness'),
            t('audit.cosignedUpTo'),
            t('audit.lastCosigned'),
            t('audit.cosignature'),
            t('audit.consistency'),
            t('audit.witnessTheirs'),
          ]}
          className="stack"
        >
          {witnesses.map((w) => (
            <tr key={w.peer.party} data-testid={`witness-${w.peer.party}`}>
              <th scope="row" className="title-cell">
                {w.peer.party} <span className="muted mono">{w.peer.origin}</span>
              </th>
              <td data-testid={`cosigned-${w.peer.party}`} data-label={t('audit.cosignedUpTo')}>
                {w.cosigner?.size == null ? (
                  t('audit.neverCosigned')
                ) : (
                  <>
                    {t('audit.cosignedAtSize', { size: w.cosigner.size })}
                    {w.cosigner.at === null ? null : (
                      <>
                        {' · '}
                        <Instant iso={w.cosigner.at} seconds />
                      </>
                    )}
                  </>
                )}
                {w.cosigner?.lastError == null ? null : (
                  <div className="warn">
                    {t('audit.lastError', { error: w.cosigner.lastError })}
                  </div>
                )}
              </td>
              <td data-label={t('audit.lastCosigned')}>
                {w.checkpoint === null ? (
                  t('audit.neverCosigned')
                ) : (
                  <>
                    {t('audit.sizeN', { size: w.checkpoint.size })} ·{' '}
                    <Instant iso={w.checkpoint.at} />
                  </>
                )}
              </td>
              <td data-result={w.cosignature?.result ?? 'none'} data-label={t('audit.cosignature')}>
                {w.cosignature === null
                  ? '—'
                  : w.cosignature.result === 'valid'
                    ? t('audit.cosigValid')
                    : w.cosignature.result === 'unsupported'
                      ? t('proof.sigUnsupported')
                      : t('audit.cosigInvalid')}
              </td>
              <td data-result={String(w.consistent)} data-label={t('audit.consistency')}>
                {w.consistent === null
                  ? '—'
                  : w.consistent
                    ? t('audit.consistent', { from: w.checkpoint?.size ?? 0, to: cp.size })
                    : t('audit.inconsistent')}
              </td>
              <td data-label={t('audit.witnessTheirs')}>
                <WitnessButton party={w.peer.party} />
              </td>
            </tr>
          ))}
        </DataTable>
        {witnessing === null ? null : <WitnessedLogs witnessing={witnessing} />}
        <details>
          <summary>{t('audit.history', { n: checkpoints.length })}</summary>
          <DataTable
            className="compact"
            caption={t('audit.historyCaption')}
            columns={[t('audit.size'), t('audit.signedAt'), t('audit.cosignedBy')]}
          >
            {[...checkpoints].reverse().map((c) => (
              <tr key={c.size}>
                <td>{c.size}</td>
                <td>
                  <Instant iso={c.at} seconds />
                </td>
                <td>{(c.cosignedBy ?? []).join(', ') || '—'}</td>
              </tr>
            ))}
          </DataTable>
        </details>
      </Section>
    </>
  );
}

/** The alarms this node raised as a witness: a partner's log went back or split. */
function AlarmBanner({ alarms }: { readonly alarms: readonly WitnessAlarm[] }) {
  const { t } = useI18n();
  return (
    <div className="error" role="alert" data-testid="witness-alarms">
      <p>
        <strong>{t('audit.alarmTitle')}</strong>
      </p>
      <p>{t('audit.alarmLead')}</p>
      <ul>
        {alarms.map((a) => (
          <li key={`${a.peer}/${a.size}/${a.root}`} data-testid={`witness-alarm-${a.peer}`}>
            <Instant iso={a.at} seconds />{' '}
            {t('audit.alarmLine', {
              peer: a.peer,
              kind: t(`audit.alarmKind.${a.kind}`),
              size: a.size,
              problem: a.problem,
            })}{' '}
            <span className="muted">({t('audit.alarmLogged', { index: a.logIndex })})</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The latest checkpoint of each partner's log this node cosigned. */
function WitnessedLogs({ witnessing }: { readonly witnessing: Witnessing }) {
  const { t } = useI18n();
  return (
    <>
      <h3>{t('audit.witnessedTitle')}</h3>
      {witnessing.witnessed.length === 0 ? (
        <p className="muted">{t('audit.witnessedNone')}</p>
      ) : (
        <DataTable
          className="compact stack"
          testId="audit-witnessed"
          caption={t('audit.witnessedCaption')}
          columns={[t('audit.witness'), t('audit.witnessedSize'), t('audit.witnessedAt')]}
        >
          {witnessing.witnessed.map((w) => (
            <tr key={w.party} data-testid={`witnessed-${w.party}`}>
              <th scope="row" className="title-cell">
                {w.party} <span className="muted mono">{w.origin}</span>
              </th>
              <td data-label={t('audit.witnessedSize')}>{w.size}</td>
              <td data-label={t('audit.witnessedAt')}>
                <Instant iso={w.at} seconds />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

function WitnessButton({ party }: { readonly party: string }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<WitnessReport | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <div>
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setError(undefined);
          client
            .post<WitnessReport>(`/v1/peers/${encodeURIComponent(party)}/witness`)
            .then(setResult, setError)
            .finally(() => setBusy(false));
        }}
      >
        {t('audit.witnessNow', { party })}
      </button>
      {result !== null ? (
        <p role="status" className={result.ok ? 'success' : 'warn'}>
          {result.ok
            ? t('audit.witnessOk', { party, size: result.size })
            : t('audit.witnessBad', { party, problems: result.problems.join('; ') })}
        </p>
      ) : null}
      <ErrorMessage error={error} />
    </div>
  );
}

function LogPanel() {
  const { t } = useI18n();
  const { client } = useSession();
  // The log's size when the newest chunk was read: the later chunks count back from it.
  const size = useRef<number | null>(null);
  const top = useRef<HTMLDivElement>(null);
  const [type, setType] = useState('');
  const [item, setItem] = useState('');
  const [user, setUser] = useState('');
  const entries = usePaged<Row>({
    fetch: async (offset, limit) => {
      if (offset === 0 || size.current === null) {
        const cp = await client.get<CheckpointView>('/v1/log/checkpoint', { format: 'json' });
        size.current = cp.size;
      }
      const chunk = logChunk(size.current, offset, limit);
      if (chunk.limit === 0) return [];
      const page = await client.get<LogEntry[]>('/v1/log/entries', chunk);
      return page.map(parseEntry).reverse();
    },
    key: (r) => String(r.entry.index),
    match: (r) => {
      const d = r.data;
      if (d === null) return type === '' && item === '' && user === '';
      if (type !== '' && d.type !== type) return false;
      if (item.trim() !== '' && !itemsOf(d).some((i) => i.includes(item.trim()))) return false;
      if (user.trim() !== '' && !(d.actor.user ?? '').includes(user.trim())) return false;
      return true;
    },
    pageSize: LOG_PAGE_SIZE,
    chunk: LOG_CHUNK,
    deps: [client],
  });
  const { checks, verify } = useProofChecks();
  const rows = entries.rows;
  const types = useMemo(
    () => [...new Set(rows.map((r) => r.data?.type ?? '').filter((x) => x !== ''))].sort(),
    [rows],
  );
  const filter = (set: (v: string) => void) => (v: string) => {
    set(v);
    entries.setPage(1);
  };

  const verifyRow = (r: Row) => {
    const index = r.entry.index;
    // A withheld entry's bytes are not known here: its leaf hash is proved, not recomputed.
    const opts =
      r.entry.data === undefined ? {} : { entryData: r.entry.data, leafHex: r.entry.leafHash };
    void verify(index, () =>
      checkWithNodeKey(
        client,
        client.get<InclusionProof>('/v1/log/proof/inclusion', { index }),
        opts,
      ),
    );
  };
  const withheld = rows.filter((r) => r.withheld).length;
  const filtered = type !== '' || item.trim() !== '' || user.trim() !== '';
  const caption = t('audit.logCaption');
  const w = entries.window;
  const cols: LogColumns = {
    index: t('audit.index'),
    at: t('audit.at'),
    type: t('audit.type'),
    actor: t('audit.actor'),
    decision: t('audit.decision'),
    subject: t('audit.subject'),
    proof: t('audit.proof'),
  };

  return (
    <Section title={t('audit.log')} testId="audit-log">
      <FullCheck />
      <form
        className="filters"
        aria-label={t('audit.filters')}
        onSubmit={(e) => e.preventDefault()}
      >
        <SelectField
          id="log-type"
          label={t('audit.type')}
          value={type}
          onChange={(e) => filter(setType)(e.target.value)}
          data-testid="log-filter-type"
        >
          <Options blank={t('filters.any')} values={types} />
        </SelectField>
        <InputField
          id="log-item"
          label={t('audit.item')}
          type="search"
          value={item}
          onChange={(e) => filter(setItem)(e.target.value)}
          data-testid="log-filter-item"
        />
        <InputField
          id="log-user"
          label={t('audit.user')}
          type="search"
          value={user}
          onChange={(e) => filter(setUser)(e.target.value)}
          data-testid="log-filter-user"
        />
      </form>
      {!entries.ready ? (
        entries.error ? (
          <ErrorMessage error={entries.error} />
        ) : (
          <Loading />
        )
      ) : (
        <div className="paged" ref={top}>
          {size.current === null ? null : (
            <p className="muted" data-testid="log-size" data-size={size.current}>
              {t('audit.logSize', { n: size.current })}
            </p>
          )}
          {withheld > 0 ? (
            <p className="muted" data-testid="log-withheld-count">
              {t('audit.withheldCount', { n: withheld })}
            </p>
          ) : null}
          {w.complete && w.matched === 0 ? (
            <p data-testid="log-empty">{filtered ? t('filters.noMatch') : t('pager.empty')}</p>
          ) : (
            <Pager name="log" label={caption} paged={entries} filtered={filtered} />
          )}
          {w.from === 0 ? null : (
            <DataTable
              testId="audit-log-table"
              caption={caption}
              columns={Object.values(cols)}
              className="stack"
            >
              {entries.shown.map((r) => (
                <LogRow
                  key={r.entry.index}
                  cols={cols}
                  r={r}
                  check={checks.get(r.entry.index)}
                  onVerify={() => verifyRow(r)}
                />
              ))}
            </DataTable>
          )}
          {w.to - w.from >= 9 ? (
            <Pager
              name="log"
              label={caption}
              paged={entries}
              filtered={filtered}
              bottom
              top={top}
            />
          ) : null}
          <ErrorMessage error={entries.error} />
        </div>
      )}
    </Section>
  );
}

/** The log table's column names (each cell names its column when rows stack as cards). */
type LogColumns = Readonly<
  Record<'index' | 'at' | 'type' | 'actor' | 'decision' | 'subject' | 'proof', string>
>;

function LogRow({
  cols,
  r,
  check,
  onVerify,
}: {
  readonly cols: LogColumns;
  readonly r: Row;
  readonly check: ProofCheck | undefined;
  readonly onVerify: () => void;
}) {
  const { t } = useI18n();
  const d = r.data;
  // A listing names every item it showed: each once, the first few, the rest folded.
  const its = d === null ? [] : [...new Set(itemsOf(d))];
  const proof = (
    <td data-label={cols.proof}>
      <ProofCell
        index={r.entry.index}
        check={check}
        onVerify={onVerify}
        testId={`log-proof-${r.entry.index}`}
        buttonTestId={`verify-${r.entry.index}`}
        errorDetail
      />
    </td>
  );
  if (r.withheld)
    return (
      <tr data-testid={`log-row-${r.entry.index}`} data-withheld="true" className="withheld">
        <td className="mono" data-label={cols.index}>
          {r.entry.index}
        </td>
        <td colSpan={5} data-label={cols.subject}>
          <span className="withheld-label">{t('audit.withheld')}</span>
          <div className="muted">
            {t('audit.leafHash')} <span className="mono break">{r.entry.leafHash}</span>
          </div>
        </td>
        {proof}
      </tr>
    );
  return (
    <tr data-testid={`log-row-${r.entry.index}`}>
      <td className="mono" data-label={cols.index}>
        {r.entry.index}
      </td>
      <td data-label={cols.at}>{d === null ? '—' : <Instant iso={d.at} seconds />}</td>
      <td className="mono" data-label={cols.type}>
        {d?.type ?? '?'}
      </td>
      <td data-label={cols.actor}>{d === null ? '—' : actorName(d.actor)}</td>
      <td data-label={cols.decision}>
        {d?.decision ? <DecisionBadge decision={d.decision} /> : null}{' '}
        {reasonChips(d?.decision, d?.reasons ?? []).map((x) => (
          <span key={x} className="reason-chip">
            {x}
          </span>
        ))}
      </td>
      <td className="subject" data-label={cols.subject}>
        {its.slice(0, SUBJECT_ITEMS).map((i) => (
          <a key={i} href={href('items', i)} className="mono">
            {i}
          </a>
        ))}
        {its.length > SUBJECT_ITEMS ? (
          <details data-testid="log-more-items">
            <summary>{t('audit.moreItems', { n: its.length - SUBJECT_ITEMS })}</summary>
            {its.slice(SUBJECT_ITEMS).map((i) => (
              <a key={i} href={href('items', i)} className="mono">
                {i}
              </a>
            ))}
          </details>
        ) : null}
        <details>
          <summary>{t('audit.raw')}</summary>
          <pre>{r.entry.data}</pre>
        </details>
      </td>
      {proof}
    </tr>
  );
}

interface FullResult {
  readonly size: number;
  /** Entries withheld from this person, checked by their leaf hash only. */
  readonly withheld: number;
  readonly leavesOk: boolean;
  readonly firstBadLeaf: number | null;
  readonly chainOk: boolean;
  readonly firstBadChain: number | null;
  readonly rootOk: boolean;
  readonly signature: SignatureCheck | 'no-key';
}

/**
 * Recomputes every leaf hash, the chain of previous hashes, and the root of the signed
 * checkpoint; a withheld entry counts by its leaf hash (logCheck.ts).
 */
function FullCheck() {
  const { t } = useI18n();
  const { client } = useSession();
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<FullResult | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const run = async () => {
    setBusy(t('audit.fullFetching'));
    setResult(null);
    setError(undefined);
    try {
      const [cp, node] = await Promise.all([
        client.get<CheckpointView>('/v1/log/checkpoint', { format: 'json' }),
        nodeIdentity(client),
      ]);
      const entries: LogEntry[] = [];
      while (entries.length < cp.size) {
        const page = await client.get<LogEntry[]>('/v1/log/entries', {
          start: entries.length,
          limit: Math.min(10_000, cp.size - entries.length),
        });
        if (page.length === 0) break;
        entries.push(...page);
      }
      setBusy(t('audit.fullHashing', { n: entries.length }));
      const { firstBadLeaf, firstBadChain, withheld, root } = await checkLog(entries);
      const signature: SignatureCheck | 'no-key' =
        node.key === null ? 'no-key' : await verifyNoteSignature(cp.note, node.key);
      setResult({
        size: entries.length,
        withheld,
        leavesOk: firstBadLeaf === null && entries.length === cp.size,
        firstBadLeaf,
        chainOk: firstBadChain === null,
        firstBadChain,
        rootOk: entries.length === cp.size && equalBytes(root, fromBase64(cp.root)),
        signature,
      });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  const ok =
    result?.leavesOk === true &&
    result.chainOk &&
    result.rootOk &&
    (result.signature === 'valid' || result.signature === 'unsupported');
  return (
    <div className="full-check" data-testid="audit-full">
      <button
        type="button"
        onClick={() => void run()}
        disabled={busy !== null}
        data-testid="audit-full-run"
      >
        {t('audit.fullRun')}
      </button>
      {busy !== null ? <Loading what={busy} /> : null}
      {result !== null ? (
        <div
          className={`proof ${ok ? 'ok' : 'bad'}`}
          role="status"
          data-testid="audit-full-result"
          data-verified={ok}
        >
          <p>
            <strong>
              {ok ? t('audit.fullOk', { n: result.size }) : t('audit.fullBad', { n: result.size })}
            </strong>
          </p>
          <ul className="proof-details">
            <li>
              {result.leavesOk
                ? t('audit.fullLeaves')
                : t('audit.fullLeavesBad', { index: result.firstBadLeaf ?? result.size })}
            </li>
            <li>
              {result.chainOk
                ? t('audit.fullChain')
                : t('audit.fullChainBad', { index: result.firstBadChain ?? 0 })}
            </li>
            <li data-testid="audit-full-withheld" data-withheld={result.withheld}>
              {result.withheld === 0
                ? t('audit.fullAllBytes')
                : t('audit.fullWithheld', { n: result.withheld })}
            </li>
            <li>{result.rootOk ? t('audit.fullRoot') : t('audit.fullRootBad')}</li>
            <li>
              {result.signature === 'valid'
                ? t('proof.sigValid', { origin: '' })
                : result.signature === 'unsupported'
                  ? t('proof.sigUnsupported')
                  : t('proof.sigInvalid')}
            </li>
          </ul>
        </div>
      ) : null}
      <ErrorMessage error={error} />
    </div>
  );
}
