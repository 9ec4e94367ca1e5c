// The access findings about items, on three real nodes (JP, KR, US) on loopback:
// visibility (RULES V1) and acting needs reading (RULES P1), R6/F5 at the API.
// Each `it` names the finding it covers (issue 9, "Access").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPerson, type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import { http, liaison, type Reply, storedEntries } from '../support/node-process.js';

type Json = Record<string, unknown>;
let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, role: 'officer' | 'ra' | 'clerk' | 'auditor' | 'admin') =>
  trio.members[p].tokens[role];
const err = (r: Reply) =>
  (r.body as { error: { code: string; message: string; reasons?: Json[] } }).error;

/** People cleared only to unclassified, with need-to-know, and a role each. */
const low = { krOfficer: '', jpRa: '', jpOfficer: '', usRa: '', jpAuditor: '', krRa: '' };
let report = '';
let assessment = '';
let track = '';
let alertId = '';
const TITLES = ['Launch report (II)', 'Assessment (KIMITSU)', 'Track summary (III)'];

async function create(
  p: Party,
  token: string,
  marking: string,
  title: string,
  categories = ['dprk-missile'],
): Promise<string> {
  const r = await http(url(p), 'POST', '/v1/items', token, {
    marking,
    categories,
    title,
    body: `${title}: body text`,
  });
  if (r.status !== 201) throw new Error(`create ${title}: ${r.text}`);
  return (r.body as { id: string }).id;
}

async function release(p: Party, token: string, id: string, to: Party): Promise<Reply> {
  return http(url(p), 'POST', `/v1/items/${id}/release`, token, { to });
}

beforeAll(async () => {
  trio = await startTrio();
  const jp = trio.members.JP;
  const kr = trio.members.KR;
  const us = trio.members.US;
  low.krOfficer = await addPerson(kr, 'kr-officer-u', 'U', ['dprk-missile'], ['officer']);
  low.jpRa = await addPerson(jp, 'jp-ra-u', 'U', ['dprk-missile'], ['releasing-authority']);
  low.jpOfficer = await addPerson(jp, 'jp-officer-u', 'U', ['dprk-missile'], ['officer']);
  low.usRa = await addPerson(
    us,
    'us-ra-u',
    'U',
    ['dprk-missile'],
    ['releasing-authority', 'officer'],
  );
  low.jpAuditor = await addPerson(jp, 'jp-auditor-u', 'U', [], ['auditor']);
  low.krRa = await addPerson(kr, 'kr-ra-u', 'U', ['dprk-missile'], ['releasing-authority']);
  report = await create('JP', tok('JP', 'ra'), 'GOKUHI', TITLES[0] as string);
  assessment = await create('JP', tok('JP', 'ra'), 'KIMITSU', TITLES[1] as string);
  track = await create('JP', tok('JP', 'ra'), 'HI', TITLES[2] as string);
  for (const [id, to] of [
    [report, 'KR'],
    [report, 'US'],
    [track, 'KR'],
    [assessment, 'US'],
  ] as const) {
    const r = await release('JP', tok('JP', 'ra'), id, to);
    if (r.status !== 202) throw new Error(`release: ${r.text}`);
  }
  const sent = await http(url('JP'), 'POST', '/v1/alerts', tok('JP', 'ra'), {
    preset: 'launch',
    to: ['KR'],
  });
  if (sent.status !== 201) throw new Error(`alert: ${sent.text}`);
  alertId = (sent.body as { id: string }).id;
  await waitFor('KR to hold the report, the track and the alert', async () => {
    const items = (await http(url('KR'), 'GET', '/v1/items', tok('KR', 'ra'))).body as Json[];
    return [report, track, alertId].every((id) => items.some((i) => i.id === id));
  });
}, 180_000);

afterAll(async () => {
  await trio?.stop();
});

describe('V1: nothing shows to a person who may not read it', () => {
  it('finding: GET /v1/inbox, /v1/items and /v1/alerts showed titles, ids, markings and a FLASH alert to an officer cleared U; now nothing, and no sign that anything was left out', async () => {
    for (const path of ['/v1/inbox', '/v1/items', '/v1/alerts', '/v1/inbox?limit=1&offset=0']) {
      const r = await http(url('KR'), 'GET', path, low.krOfficer);
      expect(r.status, path).toBe(200);
      expect(r.body, path).toEqual([]);
      for (const secret of [...TITLES, report, track, alertId, '군사', 'FLASH'])
        expect(r.text, `${path} ${secret}`).not.toContain(secret);
    }
    // The cleared officer sees them, with titles.
    const inbox = (await http(url('KR'), 'GET', '/v1/inbox', tok('KR', 'officer'))).body as Json[];
    expect(inbox.map((e) => e.item)).toEqual(expect.arrayContaining([report, track, alertId]));
    expect(inbox.map((e) => e.title)).toEqual(expect.arrayContaining([TITLES[0], TITLES[2]]));
    // The clerk (III) sees the III track summary and not the II launch report.
    const clerk = (await http(url('KR'), 'GET', '/v1/inbox', tok('KR', 'clerk'))).body as Json[];
    expect(clerk.map((e) => e.item)).toContain(track);
    expect(clerk.map((e) => e.item)).not.toContain(report);
    // Paging counts only what the person sees: a page of one, then the next, never empty
    // in between because of something hidden.
    const p1 = (await http(url('KR'), 'GET', '/v1/inbox?limit=1', tok('KR', 'clerk')))
      .body as Json[];
    expect(p1).toHaveLength(1);
  });

  it('finding: none of these views was logged; now each page shown is logged with the ids it showed (nothing for an empty one)', async () => {
    const kr = trio.members.KR;
    await http(url('KR'), 'GET', '/v1/inbox', tok('KR', 'officer'));
    await http(url('KR'), 'GET', '/v1/items?limit=2', tok('KR', 'officer'));
    await http(url('KR'), 'GET', '/v1/alerts', tok('KR', 'officer'));
    await http(url('KR'), 'GET', '/v1/inbox', low.krOfficer);
    const logged = (await storedEntries(kr.init, undefined, 0)).filter(
      (e) => e.type === 'listing.viewed',
    );
    const views = logged.map((e) => [
      (e.actor as Json).user,
      (e.subject as Json).view,
      ((e.subject as Json).items as string[]).length,
    ]);
    expect(views).toEqual(
      expect.arrayContaining([
        ['kr-officer', 'inbox', expect.any(Number)],
        ['kr-officer', 'items', 2],
        ['kr-officer', 'alerts', 1],
      ]),
    );
    const inboxView = logged.find((e) => (e.subject as Json).view === 'inbox');
    expect(((inboxView?.subject ?? {}) as Json).items).toEqual(
      expect.arrayContaining([report, track, alertId]),
    );
    expect(logged.some((e) => (e.actor as Json).user === 'kr-officer-u')).toBe(false);
    // The same page shown again at once is not logged twice (a console refreshing).
    const n = (await storedEntries(kr.init, undefined, 0)).length;
    await http(url('KR'), 'GET', '/v1/items?limit=2', tok('KR', 'officer'));
    expect((await storedEntries(kr.init, undefined, n)).map((e) => e.type)).not.toContain(
      'listing.viewed',
    );
  });

  it('finding: a refusal told a person who may not read an item its marking and categories; now only the code and the rule', async () => {
    const r = await http(url('KR'), 'GET', `/v1/items/${report}`, low.krOfficer);
    expect(r.status).toBe(403);
    expect(err(r).code).toBe('clearance-insufficient');
    expect(err(r).reasons?.map((x) => [x.code, x.rule])).toEqual([
      ['clearance-insufficient', 'A2'],
    ]);
    for (const secret of ['II', '군사', 'GOKUHI', '極秘', 'dprk-missile', 'gsomia', TITLES[0]])
      expect(r.text).not.toContain(secret);
    // History, proof, alert view and CAP export: the same.
    for (const path of [
      `/v1/items/${report}/history`,
      `/v1/alerts/${alertId}`,
      `/v1/alerts/${alertId}/cap`,
    ]) {
      const x = await http(url('KR'), 'GET', path, low.krOfficer);
      expect(x.status, path).toBe(403);
      for (const secret of ['II', '군사', 'dprk-missile', 'SECRET', 'launch'])
        expect(x.text, `${path} ${secret}`).not.toContain(secret);
    }
  });

  it('V1 everywhere: outbox, one envelope, consents, compromise reports and the log withhold what the person may not read', async () => {
    // JP's releasing authority cleared U sees no envelope about JP's classified items.
    const out = (await http(url('JP'), 'GET', '/v1/outbox?limit=200', low.jpRa)).body as Json[];
    expect(out.filter((e) => e.item !== null)).toEqual([]);
    const full = (await http(url('JP'), 'GET', '/v1/outbox?limit=200', tok('JP', 'ra')))
      .body as Json[];
    const envelope = full.find((e) => e.item === report)?.envelope as string;
    expect(envelope).toMatch(/./);
    const one = await http(url('JP'), 'GET', `/v1/outbox/${envelope}`, low.jpRa);
    expect(one.status).toBe(404);
    expect((await http(url('JP'), 'GET', `/v1/outbox/${envelope}`, tok('JP', 'ra'))).status).toBe(
      200,
    );
    // Compromise reports: the admin (cleared U) does not see one about the report.
    expect(
      (
        await http(url('JP'), 'POST', `/v1/items/${report}/compromise`, tok('JP', 'ra'), {
          note: 'courier bag opened',
        })
      ).status,
    ).toBe(201);
    expect(
      (await http(url('JP'), 'GET', '/v1/compromise-reports', tok('JP', 'admin'))).body,
    ).toEqual([]);
    expect(
      (
        (await http(url('JP'), 'GET', '/v1/compromise-reports', tok('JP', 'auditor')))
          .body as Json[]
      ).map((c) => c.item),
    ).toContain(report);
    // The log: an auditor cleared U sees every index and leaf hash, but not what the
    // entries about these items say; the tree still verifies.
    const entries = (await http(url('JP'), 'GET', '/v1/log/entries?limit=10000', low.jpAuditor))
      .body as { index: number; data?: string; redacted?: boolean }[];
    const withheld = entries.filter((e) => e.redacted === true);
    expect(withheld.length).toBeGreaterThan(0);
    expect(JSON.stringify(entries)).not.toContain(report);
    const audit = liaison([
      'audit',
      'verify',
      '--node',
      url('JP'),
      '--token',
      low.jpAuditor,
      '--json',
    ]);
    expect(audit.code, audit.err).toBe(0);
    const verified = JSON.parse(audit.out) as { ok: boolean; withheld: number };
    expect(verified.ok).toBe(true);
    // The log may have grown since (receipts, checkpoints): at least as many withheld.
    expect(verified.withheld).toBeGreaterThanOrEqual(withheld.length);
  });
});

describe('V1: titles in lists come only from items the person may read', () => {
  it('items, inbox, outbox and consent requests show each title beside its own item, and no title of an item the person may not read', async () => {
    // A JP releasing authority cleared HI reads the track summary (HI), not the report (GOKUHI).
    const jpHi = await addPerson(
      trio.members.JP,
      'jp-ra-hi',
      'HI',
      ['dprk-missile'],
      ['releasing-authority'],
    );
    const titleOf = (rows: Json[]) => new Map(rows.map((r) => [r.item ?? r.id, r.title]));
    const noHidden = (text: string, what: string, hidden: readonly (string | undefined)[]) => {
      for (const t of hidden) expect(text, `${what}: ${t}`).not.toContain(String(t));
    };

    // Items: the title of each item is its own.
    const all = await http(url('JP'), 'GET', '/v1/items?limit=200', tok('JP', 'ra'));
    const allTitles = titleOf(all.body as Json[]);
    expect(allTitles.get(report)).toBe(TITLES[0]);
    expect(allTitles.get(assessment)).toBe(TITLES[1]);
    expect(allTitles.get(track)).toBe(TITLES[2]);
    const some = await http(url('JP'), 'GET', '/v1/items?limit=200', jpHi);
    expect(titleOf(some.body as Json[]).get(track)).toBe(TITLES[2]);
    expect((some.body as Json[]).map((i) => i.id)).not.toContain(report);
    noHidden(some.text, 'items', [TITLES[0], TITLES[1]]);

    // Outbox: a release of the track shows its title; nothing about the report or the
    // assessment, and a row about no item (if any) has a null title.
    const out = await http(url('JP'), 'GET', '/v1/outbox?limit=200', jpHi);
    const rows = out.body as Json[];
    expect(rows.filter((e) => e.item === track).map((e) => e.title)).toEqual([TITLES[2]]);
    for (const e of rows) if (e.item === null) expect(e.title).toBeNull();
    // …with the item's markings beside it (the console needs no item listing for them),
    // and none for a row about no item.
    for (const e of rows.filter((x) => x.item === track)) {
      expect(e.originator).toBe('JP');
      expect(e.marking).toMatchObject({ party: 'JP', code: 'HI' });
      expect(e.originatorMarking).toMatchObject({ party: 'JP', code: 'HI' });
    }
    for (const e of rows.filter((x) => x.item === null))
      expect([e.originator, e.marking, e.originatorMarking]).toEqual([null, null, null]);
    noHidden(out.text, 'outbox', [TITLES[0], TITLES[1]]);
    const fullOut = (await http(url('JP'), 'GET', '/v1/outbox?limit=200', tok('JP', 'ra')))
      .body as Json[];
    for (const e of fullOut.filter((x) => x.item !== null))
      expect(e.title, String(e.item)).toBe(allTitles.get(e.item));
    // One envelope carries the title too.
    const env = fullOut.find((e) => e.item === track)?.envelope as string;
    const one = await http(url('JP'), 'GET', `/v1/outbox/${env}`, jpHi);
    expect((one.body as Json).title).toBe(TITLES[2]);

    // Inbox at KR: the clerk (III) sees the track's title, never the report's.
    const clerk = await http(url('KR'), 'GET', '/v1/inbox?limit=200', tok('KR', 'clerk'));
    expect(titleOf(clerk.body as Json[]).get(track)).toBe(TITLES[2]);
    noHidden(clerk.text, 'inbox', [TITLES[0], TITLES[1]]);

    // Consent requests: KR asks JP to let the track go on to the US, with a note. The
    // request carries the title and the note both ways; JP's HI authority sees it,
    // JP's U authority sees neither the request nor the title.
    const asked = await http(url('KR'), 'POST', '/v1/consents/requests', tok('KR', 'ra'), {
      item: track,
      to: 'US',
      note: 'for the trilateral brief',
    });
    expect(asked.status, asked.text).toBe(201);
    expect(asked.body).toMatchObject({ title: TITLES[2], note: 'for the trilateral brief' });
    const id = (asked.body as { id: string }).id;
    await waitFor('the request at JP', async () =>
      ((await http(url('JP'), 'GET', '/v1/consents/requests', jpHi)).body as Json[]).some(
        (r) => r.id === id,
      ),
    );
    const atJp = (await http(url('JP'), 'GET', '/v1/consents/requests?limit=200', jpHi))
      .body as Json[];
    expect(atJp.find((r) => r.id === id)).toMatchObject({
      direction: 'incoming',
      item: track,
      title: TITLES[2],
      note: 'for the trilateral brief',
    });
    for (const r of atJp) expect(r.title, String(r.item)).toBe(allTitles.get(r.item));
    const hidden = await http(url('JP'), 'GET', '/v1/consents/requests?limit=200', low.jpRa);
    expect((hidden.body as Json[]).some((r) => r.id === id)).toBe(false);
    noHidden(hidden.text, 'consents', TITLES);

    // The listings logged ids, never titles (decisions #73).
    const logged = (await storedEntries(trio.members.JP.init, undefined, 0)).filter(
      (e) => e.type === 'listing.viewed',
    );
    expect(logged.length).toBeGreaterThan(0);
    noHidden(JSON.stringify(logged), 'log', TITLES);
  });
});

describe('P1: whoever acts on an item must be allowed to read it', () => {
  it('finding: a releasing authority cleared U released a GOKUHI item to the US; now 403 with the read reason, nothing queued', async () => {
    const item = await create('JP', tok('JP', 'ra'), 'GOKUHI', 'Second report');
    const r = await release('JP', low.jpRa, item, 'US');
    expect(r.status).toBe(403);
    expect(err(r).code).toBe('clearance-insufficient');
    expect(err(r).reasons?.[0]).toMatchObject({ rule: 'P1' });
    const out = (await http(url('JP'), 'GET', '/v1/outbox?limit=200', tok('JP', 'ra')))
      .body as Json[];
    expect(out.some((e) => e.item === item)).toBe(false);
    const logged = (await storedEntries(trio.members.JP.init, undefined, 0)).find(
      (e) => e.type === 'item.released' && (e.subject as Json).item === item,
    );
    expect(logged).toMatchObject({
      actor: { user: 'jp-ra-u' },
      decision: 'deny',
      reasons: ['clearance-insufficient'],
    });
  });

  it('finding: the same person reclassified a KIMITSU item to HI; now 403, the marking unchanged', async () => {
    const r = await http(url('JP'), 'POST', `/v1/items/${assessment}/reclassify`, low.jpRa, {
      marking: 'HI',
    });
    expect(r.status).toBe(403);
    expect(err(r).code).toBe('clearance-insufficient');
    expect(r.text).not.toContain('KIMITSU');
    const read = await http(url('JP'), 'GET', `/v1/items/${assessment}`, tok('JP', 'ra'));
    expect((read.body as Json).marking).toMatchObject({ code: 'KIMITSU' });
  });

  it('finding: an officer cleared U filed a compromise report on a KIMITSU item (flagged, partners told); now 403, nothing flagged or sent', async () => {
    const before = (await http(url('JP'), 'GET', '/v1/outbox?limit=200', tok('JP', 'ra')))
      .body as Json[];
    const r = await http(url('JP'), 'POST', `/v1/items/${assessment}/compromise`, low.jpOfficer, {
      note: 'lost',
    });
    expect(r.status).toBe(403);
    const read = await http(url('JP'), 'GET', `/v1/items/${assessment}`, tok('JP', 'ra'));
    expect((read.body as Json).compromised).toBe(false);
    const after = (await http(url('JP'), 'GET', '/v1/outbox?limit=200', tok('JP', 'ra')))
      .body as Json[];
    expect(after.filter((e) => e.type === 'compromise.report')).toHaveLength(
      before.filter((e) => e.type === 'compromise.report').length,
    );
  });

  it('P1 for consents and alerts: asking, granting, sending and acknowledging need a person who may read the item', async () => {
    // US holds the report at S: a US releasing authority cleared U may not ask for consent.
    const ask = await http(url('US'), 'POST', '/v1/consents/requests', low.usRa, {
      item: report,
      to: 'KR',
    });
    expect(ask.status).toBe(403);
    expect(err(ask).code).toBe('clearance-insufficient');
    // Logged, with its reasons.
    const refusedAsk = (await storedEntries(trio.members.US.init, undefined, 0)).find(
      (e) => e.type === 'consent.requested' && (e.actor as Json).user === 'us-ra-u',
    );
    expect(refusedAsk).toMatchObject({ decision: 'deny', reasons: ['clearance-insufficient'] });
    const asked = await http(url('US'), 'POST', '/v1/consents/requests', tok('US', 'ra'), {
      item: report,
      to: 'KR',
      note: 'TISA',
    });
    expect(asked.status).toBe(201);
    const id = (asked.body as { id: string }).id;
    await waitFor('the request at JP', async () =>
      (
        (await http(url('JP'), 'GET', '/v1/consents/requests', tok('JP', 'ra'))).body as Json[]
      ).some((r) => r.id === id),
    );
    // JP's releasing authority cleared U neither sees it nor may decide it.
    expect(
      ((await http(url('JP'), 'GET', '/v1/consents/requests', low.jpRa)).body as Json[]).some(
        (r) => r.id === id,
      ),
    ).toBe(false);
    for (const verb of ['grant', 'refuse']) {
      const d = await http(url('JP'), 'POST', `/v1/consents/requests/${id}/${verb}`, low.jpRa, {
        reason: 'no',
      });
      expect(d.status, verb).toBe(403);
      expect(err(d).code).toBe('clearance-insufficient');
    }
    // An alert (SECRET) sent by someone cleared U: refused before anything is created.
    const sent = await http(url('JP'), 'POST', '/v1/alerts', low.jpRa, { preset: 'launch' });
    expect(sent.status).toBe(403);
    expect(
      (await storedEntries(trio.members.JP.init, undefined, 0)).find(
        (e) => e.type === 'item.created' && (e.actor as Json).user === 'jp-ra-u',
      ),
    ).toMatchObject({ decision: 'deny', reasons: ['clearance-insufficient'] });
    // KR's officer cleared U may not acknowledge JP's alert.
    const ack = await http(url('KR'), 'POST', `/v1/alerts/${alertId}/ack`, low.krOfficer);
    expect(ack.status).toBe(403);
    expect(err(ack).code).toBe('clearance-insufficient');
  });

  it("finding: KR's releasing authority's release of JP's item answered 202 allow and logged it allowed; now 403 consent-required at the call, logged as a refused forward", async () => {
    const r = await release('KR', tok('KR', 'ra'), report, 'US');
    expect(r.status).toBe(403);
    expect(err(r).code).toBe('consent-required');
    const logged = (await storedEntries(trio.members.KR.init, undefined, 0)).filter(
      (e) =>
        (e.type === 'item.released' || e.type === 'item.forwarded') &&
        (e.subject as Json).item === report,
    );
    expect(logged.map((e) => [e.type, e.decision, (e.reasons as string[])[0]])).toEqual([
      ['item.forwarded', 'deny', 'consent-required'],
    ]);
    const out = (await http(url('KR'), 'GET', '/v1/outbox?limit=200', tok('KR', 'ra')))
      .body as Json[];
    expect(out.some((e) => e.item === report)).toBe(false);
    // And a KR releasing authority cleared U is told only the read reason.
    const u = await release('KR', low.krRa, report, 'US');
    expect(err(u).code).toBe('clearance-insufficient');
  });

  it('R6 at the API: a second release to a party that holds the item is refused already-held at the call', async () => {
    const r = await release('JP', tok('JP', 'ra'), report, 'KR');
    expect(r.status).toBe(403);
    expect(err(r).code).toBe('already-held');
    expect(err(r).reasons?.[0]).toMatchObject({ rule: 'R6' });
  });

  it('every input is schema-checked: an amendment whose rows do not compile is refused at the call (400), not when the partner signs', async () => {
    for (const change of [
      { kind: 'amend', rows: [{ JP: ['NOPE'], KR: ['II'] }] },
      { kind: 'amend', rows: [{ JP: ['GOKUHI'] }] },
      { kind: 'amend', noticePeriod: 'soon' },
      { kind: 'amend', rows: 'all' },
    ]) {
      const r = await http(
        url('JP'),
        'POST',
        '/v1/agreements/gsomia-jp-kr-2016/changes',
        tok('JP', 'admin'),
        change,
      );
      expect(r.status, JSON.stringify(change)).toBe(400);
      expect(err(r).code).toBe('invalid-request');
    }
  });
});
