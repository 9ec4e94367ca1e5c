// The what-if simulator: write or open a scenario (SCENARIOS.md, YAML or JSON), run
// it on the node's core (POST /v1/simulate), read the decisions step by step and the
// agreements' states over the scenario.
import { type ChangeEvent, type FormEvent, useRef, useState } from 'react';
import { ApiError } from '../api';
import { MarkingName } from '../components/Marking';
import { SimPlot } from '../components/SimPlot';
import {
  DataTable,
  DecisionBadge,
  ErrorMessage,
  InputField,
  Loading,
  Options,
  PageTitle,
  ReasonList,
  Section,
  SelectField,
  StateBadge,
} from '../components/ui';
import { noticeShown } from '../format';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import { isStatusStep, type SimStep, type SimulateResult } from '../types';

/** The repository's scenarios, bundled as examples. */
const EXAMPLES: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob('../../../scenarios/*.yaml', {
      query: '?raw',
      import: 'default',
      eager: true,
    }),
  ).map(([path, text]) => [path.split('/').pop() ?? path, String(text)]),
);
const EXAMPLE_NAMES = Object.keys(EXAMPLES).sort();
const DEFAULT_EXAMPLE = EXAMPLE_NAMES.includes('gsomia-2019.yaml')
  ? 'gsomia-2019.yaml'
  : EXAMPLE_NAMES[0];

/** The line a scenario error names ("file:12: …", "line 12"), if any. */
function errorLine(message: string): number | null {
  const m = /:(\d+):/.exec(message) ?? /\bline (\d+)/i.exec(message);
  return m === null ? null : Number(m[1]);
}

function argsText(s: SimStep): string {
  return Object.entries(s.args)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}

export function SimulatorPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const [text, setText] = useState(
    DEFAULT_EXAMPLE === undefined ? '' : (EXAMPLES[DEFAULT_EXAMPLE] ?? ''),
  );
  const [example, setExample] = useState(DEFAULT_EXAMPLE ?? '');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<SimulateResult | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [fileNote, setFileNote] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);

  const run = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    setResult(null);
    try {
      setResult(await client.post<SimulateResult>('/v1/simulate', { scenario: text }));
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && e.code === 'invalid-request') {
        const line = errorLine(e.message);
        const ta = area.current;
        if (line !== null && ta !== null) {
          const lines = ta.value.split('\n');
          const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
          ta.setSelectionRange(start, start + (lines[line - 1]?.length ?? 0));
        }
      }
    } finally {
      setBusy(false);
    }
  };

  const onFile = async (ev: ChangeEvent<HTMLInputElement>) => {
    const f = ev.target.files?.[0];
    if (f === undefined) return;
    if (f.size > 1024 * 1024) {
      setFileNote(t('sim.fileTooLarge'));
      return;
    }
    setText(await f.text());
    setExample('');
    setFileNote(t('sim.fileLoaded', { name: f.name }));
    setResult(null);
    setError(undefined);
  };

  const line = error instanceof ApiError ? errorLine(error.message) : null;

  return (
    <div data-testid="page-simulator">
      <PageTitle>{t('sim.title')}</PageTitle>
      <p className="lead">{t('sim.lead')}</p>
      <form onSubmit={(e) => void run(e)} className="sim-form" data-testid="sim-form">
        <div className="sim-sources">
          <SelectField
            id="sim-example"
            label={t('sim.example')}
            value={example}
            onChange={(e) => {
              setExample(e.target.value);
              const x = EXAMPLES[e.target.value];
              if (x !== undefined) setText(x);
              setResult(null);
              setError(undefined);
              setFileNote(null);
            }}
            data-testid="sim-example"
          >
            <Options blank={t('sim.custom')} values={EXAMPLE_NAMES} />
          </SelectField>
          <InputField
            id="sim-file"
            label={t('sim.file')}
            type="file"
            accept=".yaml,.yml,.json,application/json,text/yaml,text/plain"
            onChange={(e) => void onFile(e)}
            data-testid="sim-file"
          />
        </div>
        {fileNote !== null ? (
          <p role="status" className="muted">
            {fileNote}
          </p>
        ) : null}
        <div className="field">
          <label htmlFor="sim-text">{t('sim.text')}</label>
          <textarea
            id="sim-text"
            ref={area}
            value={text}
            rows={18}
            spellCheck={false}
            className="code"
            onChange={(e) => {
              setText(e.target.value);
              setExample('');
            }}
            aria-invalid={error instanceof ApiError && error.code === 'invalid-request'}
            aria-describedby={error !== undefined ? 'sim-error' : undefined}
            data-testid="sim-text"
          />
        </div>
        <button
          type="submit"
          className="primary"
          disabled={busy || text.trim() === ''}
          data-testid="sim-run"
        >
          {t('sim.run')}
        </button>
      </form>
      {busy ? <Loading what={t('sim.running')} /> : null}
      {error !== undefined ? (
        <div id="sim-error">
          {line !== null ? (
            <p className="warn" data-testid="sim-error-line">
              {t('sim.errorLine', { line })}
            </p>
          ) : null}
          <ErrorMessage error={error} testId="sim-error" />
        </div>
      ) : null}
      {result !== null ? <Results result={result} /> : null}
    </div>
  );
}

function Results({ result }: { readonly result: SimulateResult }) {
  const { t } = useI18n();
  const s = result.summary;
  const known =
    typeof s.steps === 'number' && typeof s.expectations === 'number' && typeof s.ok === 'number';
  const failed = typeof s.mismatches === 'number' && s.mismatches > 0;
  return (
    <>
      <Section title={t('sim.summary')} testId="sim-summary">
        <p
          className={failed ? 'warn' : 'success'}
          role="status"
          data-mismatches={String(s.mismatches ?? '')}
        >
          {known
            ? t(failed ? 'sim.summaryBad' : 'sim.summaryOk', {
                steps: s.steps ?? 0,
                ok: s.ok ?? 0,
                expectations: s.expectations ?? 0,
                mismatches: s.mismatches ?? 0,
              })
            : t('sim.summarySteps', { steps: result.steps.length })}
        </p>
        {!known ? (
          <dl className="facts">
            {Object.entries(s).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd className="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
              </div>
            ))}
          </dl>
        ) : null}
      </Section>
      <Section title={t('sim.plot')} testId="sim-plot-section">
        <SimPlot steps={result.steps} />
      </Section>
      <Section title={t('sim.decisionsTable')} testId="sim-decisions">
        <DataTable
          testId="sim-decisions-table"
          caption={t('sim.decisionsCaption')}
          columns={[
            t('sim.step'),
            t('sim.at'),
            t('sim.action'),
            t('sim.result'),
            t('sim.detail'),
            t('sim.expect'),
          ]}
        >
          {result.steps.map((st) => (
            <tr
              key={st.step}
              data-testid={`sim-step-${st.step}`}
              className={st.expect === 'mismatch' ? 'mismatch' : ''}
            >
              <td className="mono">{st.step}</td>
              <td className="mono">{st.at}</td>
              <td>
                <strong className="mono">{st.action}</strong>
                <div className="muted">{argsText(st)}</div>
              </td>
              <td>
                {isStatusStep(st) ? (
                  <StateBadge state={st.state} />
                ) : (
                  <DecisionBadge decision={st.decision} />
                )}
              </td>
              <td>
                {isStatusStep(st) ? (
                  <span>
                    {st.termEnd !== null
                      ? `${t('agreements.termEnds')} ${st.termEnd}`
                      : t('agreements.indefinite')}
                    {st.endedBy !== null
                      ? ` · ${t(`endedBy.${st.endedBy}` as 'endedBy.notice')}`
                      : ''}
                    {st.notice !== null && noticeShown(st.state, st.notice) !== 'none'
                      ? ` · ${t(st.notice.suspended ? 'agreements.noticeSuspended' : 'agreements.noticePending', { party: st.notice.by })} → ${st.notice.target}`
                      : ''}
                    {st.contested ? ` · ${t('agreements.contested')}` : ''}
                  </span>
                ) : (
                  <>
                    {st.marking !== undefined ? (
                      <div>
                        {st.marking.party} <MarkingName marking={st.marking} />
                        {st.marking.originator !== undefined ? (
                          <>
                            {' ← '}
                            {st.marking.originator.party}{' '}
                            <MarkingName marking={st.marking.originator} />
                          </>
                        ) : null}
                      </div>
                    ) : null}
                    <details>
                      <summary>
                        <code>{st.reasons[0]?.code ?? ''}</code>
                      </summary>
                      <ReasonList reasons={st.reasons} />
                    </details>
                  </>
                )}
              </td>
              <td>
                {st.expect === undefined ? (
                  '—'
                ) : st.expect === 'ok' ? (
                  <span className="decision decision-allow">{t('sim.expectOk')}</span>
                ) : (
                  <span className="decision decision-deny">
                    {t('sim.expectMismatch')}
                    {st.mismatches !== undefined ? (
                      <span className="muted" lang="en">
                        {' '}
                        {st.mismatches.join('; ')}
                      </span>
                    ) : null}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      </Section>
    </>
  );
}
