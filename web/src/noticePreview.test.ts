// The notice preview's scenario: the agreement's current text inline, its events
// replayed in order, the proposed action now, statuses after it and after each
// coming boundary; and how the simulation's answer is read back.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES } from '../../src/core/index';
import { parseScenario, runScenario } from '../../src/simulate/index';
import { articlesOf, previewScenario, readPreview } from './noticePreview';
import type { AgreementExplanation, SimulateResult } from './types';

const jp = (code: string, name: string, en: string) => ({ party: 'JP', code, name, en });
const kr = (code: string, name: string, en: string) => ({ party: 'KR', code, name, en });

const gsomia: AgreementExplanation = {
  id: 'gsomia-jp-kr-2016',
  title: 'GSOMIA',
  parties: [
    { id: 'JP', name: 'Japan' },
    { id: 'KR', name: 'Republic of Korea' },
  ],
  topology: 'mesh',
  timezone: 'Asia/Seoul',
  entryIntoForce: '2016-11-22T15:00:00Z',
  initialTerm: 'P1Y',
  renewalTerm: 'P1Y',
  termKind: 'renews',
  noticePeriod: 'P90D',
  scope: null,
  assumptions: [],
  assumed: [],
  articles: {},
  at: '2026-11-28T10:00:00Z',
  state: 'in-force',
  term: { index: 11, start: '2026-11-22T15:00:00Z', end: '2027-11-22T15:00:00Z' },
  termEnd: '2027-11-22T15:00:00Z',
  endedAt: null,
  endedBy: null,
  contested: false,
  notice: {
    by: 'JP',
    receivedAt: '2026-11-28T09:00:00Z',
    target: '2027-11-22T15:00:00Z',
    suspended: true,
  },
  boundaries: [
    { index: 10, at: '2026-11-22T15:00:00Z' },
    { index: 11, at: '2027-11-22T15:00:00Z' },
    { index: 12, at: '2028-11-22T15:00:00Z' },
  ],
  nextNoticeDeadline: {
    boundary: '2027-11-22T15:00:00Z',
    deadline: '2027-08-24T15:00:00Z',
    noticePeriod: 'P90D',
  },
  equivalence: [
    {
      JP: [
        jp('GOKUHI', '極秘', 'SECRET'),
        jp('TOKUTEI', '特定秘密', 'SPECIALLY DESIGNATED SECRET'),
      ],
      KR: [kr('II', '군사II급비밀', 'SECRET')],
    },
    { JP: [jp('HI', '秘', 'CONFIDENTIAL')], KR: [kr('III', '군사III급비밀', 'CONFIDENTIAL')] },
  ],
  uncovered: {},
  versions: [{ from: null }],
  events: [
    { kind: 'notice', at: '2026-11-28T09:00:00Z', by: 'JP', target: '2027-11-22T15:00:00Z' },
    { kind: 'suspend-notice', at: '2026-11-28T09:30:00Z', by: 'JP' },
  ],
  binding: true,
  signedBy: ['JP', 'KR'],
  awaiting: [],
};

describe('notice preview', () => {
  it('replays the events, acts now, and checks just after each coming boundary', () => {
    const now = Date.parse('2026-11-28T10:00:00Z');
    const { scenario, checks } = previewScenario(gsomia, 'resume-notice', 'JP', now);
    const s = JSON.parse(scenario) as {
      parties: string[];
      agreements: Record<string, unknown>[];
      timeline: Record<string, unknown>[];
    };
    expect(s.parties).toEqual(['JP', 'KR']);
    expect(s.agreements[0]).toEqual({
      id: 'gsomia-jp-kr-2016',
      parties: ['JP', 'KR'],
      rows: [
        { JP: ['GOKUHI', 'TOKUTEI'], KR: ['II'] },
        { JP: ['HI'], KR: ['III'] },
      ],
      topology: 'mesh',
      entryIntoForce: '2016-11-22T15:00:00Z',
      initialTerm: 'P1Y',
      renewalTerm: 'P1Y',
      noticePeriod: 'P90D',
      timezone: 'Asia/Seoul',
    });
    expect(s.timeline).toEqual([
      { at: '2026-11-28T09:00:00Z', notice: { agreement: 'gsomia-jp-kr-2016', by: 'JP' } },
      {
        at: '2026-11-28T09:30:00Z',
        'suspend-notice': { agreement: 'gsomia-jp-kr-2016', by: 'JP' },
      },
      {
        at: '2026-11-28T10:00:00.000Z',
        'resume-notice': { agreement: 'gsomia-jp-kr-2016', by: 'JP' },
      },
      { at: '2026-11-28T10:00:01.000Z', status: { agreement: 'gsomia-jp-kr-2016' } },
      { at: '2027-11-22T15:00:01.000Z', status: { agreement: 'gsomia-jp-kr-2016' } },
      { at: '2028-11-22T15:00:01.000Z', status: { agreement: 'gsomia-jp-kr-2016' } },
    ]);
    expect(checks).toHaveLength(3);
  });

  it('reads when the agreement would end', () => {
    const notice = {
      by: 'JP',
      receivedAt: '2026-11-28T09:00:00Z',
      target: '2027-11-22T15:00:00Z',
      suspended: false,
    };
    const status = (step: number, at: string, state: 'in-force' | 'terminated') => ({
      step,
      at,
      action: 'status' as const,
      args: {},
      agreement: 'gsomia-jp-kr-2016',
      state,
      termEnd: '2027-11-22T15:00:00Z',
      endedBy: state === 'terminated' ? 'notice' : null,
      notice,
      contested: false,
    });
    const result: SimulateResult = {
      summary: { steps: 4, expectations: 0, ok: 0, mismatches: 0 },
      truncated: false,
      steps: [
        {
          step: 1,
          at: '2026-11-28T10:00:00Z',
          action: 'resume-notice',
          args: {},
          decision: 'allow',
          reasons: [{ code: 'allowed', rule: null, message: 'resumed' }],
          notice,
        },
        status(2, '2026-11-28T10:00:01Z', 'in-force'),
        status(3, '2027-11-22T15:00:01Z', 'terminated'),
        status(4, '2028-11-22T15:00:01Z', 'terminated'),
      ],
    };
    const out = readPreview(result, 'resume-notice');
    expect(out.decision?.decision).toBe('allow');
    expect(out.statuses.map((s) => s.step)).toEqual([2, 3, 4]);
    expect(out.ends?.step).toBe(3);
    expect(out.endsAt).toBe('2027-11-22T15:00:00Z');
  });

  it('gives an indefinite agreement a check a notice period after now', () => {
    const indefinite: AgreementExplanation = {
      ...gsomia,
      termKind: 'indefinite',
      initialTerm: null,
      renewalTerm: null,
      boundaries: [],
      nextNoticeDeadline: null,
      notice: null,
      events: [],
    };
    const now = Date.parse('2026-11-28T10:00:00Z');
    const { checks } = previewScenario(indefinite, 'notice', 'KR', now);
    expect(checks[checks.length - 1]).toBe('2027-02-27T10:00:00.000Z');
  });
});

// The preview must cite what the node's decision cites: the agreement's article where
// it has one. Run on the real core: the preview's scenario for a notice on GSOMIA,
// against the same notice decided on the built-in agreement the demo node holds.
describe('notice preview citations', () => {
  const template = BUILT_IN_TEMPLATES.get('gsomia-jp-kr-2016');
  const noticeRef = (scenarioText: string): string | undefined => {
    let ref: string | undefined;
    runScenario(parseScenario(scenarioText, 'preview.json'), (r) => {
      if (r.step.action.kind === 'notice') ref = r.decision?.reasons[0]?.ref;
    });
    return ref;
  };
  const fresh: AgreementExplanation = { ...gsomia, notice: null, events: [] };
  const now = Date.parse('2026-12-01T00:00:00Z');

  it('cites the article the node cites when the explanation gives the articles', () => {
    expect(template?.articles?.notice).toBeDefined();
    const node = noticeRef(
      JSON.stringify({
        parties: ['JP', 'KR'],
        agreements: [{ use: 'gsomia-jp-kr-2016' }],
        timeline: [
          { at: new Date(now).toISOString(), notice: { agreement: 'gsomia-jp-kr-2016', by: 'JP' } },
        ],
      }),
    );
    expect(node).toBe(`gsomia-jp-kr-2016 ${template?.articles?.notice}`);
    const withArticles = { ...fresh, articles: { ...template?.articles } };
    expect(articlesOf(withArticles)).toEqual(template?.articles);
    const preview = previewScenario(withArticles, 'notice', 'JP', now);
    expect(noticeRef(preview.scenario)).toBe(node);
  });

  it('without the articles it can only cite the rule (what the node must supply)', () => {
    const preview = previewScenario(fresh, 'notice', 'JP', now);
    expect(articlesOf(fresh)).toBeNull();
    expect(noticeRef(preview.scenario)).toBe('gsomia-jp-kr-2016, RULES L3');
  });

  it('an agreement whose articles are assumed: the preview says "(approximate)" as the node does', () => {
    const tisa = BUILT_IN_TEMPLATES.get('tisa-2014');
    expect(tisa?.assumed).toContain('articles');
    const at = new Date(now).toISOString();
    const node = noticeRef(
      JSON.stringify({
        parties: ['JP', 'KR', 'US'],
        agreements: [{ use: 'tisa-2014' }],
        timeline: [{ at, notice: { agreement: 'tisa-2014', by: 'JP' } }],
      }),
    );
    expect(node).toMatch(/^tisa-2014 .+ \(approximate\)$/);
    const x: AgreementExplanation = {
      ...fresh,
      id: 'tisa-2014',
      parties: [
        { id: 'JP', name: 'Japan' },
        { id: 'KR', name: 'Republic of Korea' },
        { id: 'US', name: 'United States' },
      ],
      topology: { hub: 'US' },
      timezone: tisa?.timezone ?? 'UTC',
      entryIntoForce: tisa?.entryIntoForce ?? '',
      initialTerm: tisa?.initialTerm ?? null,
      renewalTerm: tisa?.renewalTerm ?? null,
      noticePeriod: tisa?.noticePeriod ?? 'P90D',
      equivalence: (tisa?.rows ?? []).map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([p, codes]) => [
            p,
            (codes ?? []).map((code) => ({ party: p, code, name: code, en: code })),
          ]),
        ),
      ),
      assumed: [...(tisa?.assumed ?? [])],
      articles: { ...tisa?.articles },
    };
    expect(noticeRef(previewScenario(x, 'notice', 'JP', now).scenario)).toBe(node);
  });
});
