// Three real node processes (JP, KR, US) on loopback, peered with each other by
// fingerprint, their built-in agreements bound, people seeded in each.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type NodeKeys, openKeys, type StoredKeys } from '../../src/crypto/keys.js';
import {
  http,
  type InitializedNode,
  initNodeDir,
  type NodeProcess,
  PASSPHRASE,
  startNodeProcess,
} from './node-process.js';

export type Party = 'JP' | 'KR' | 'US';
export const PARTIES: readonly Party[] = ['JP', 'KR', 'US'];
const TOP: Record<Party, string> = { JP: 'KIMITSU', KR: 'I', US: 'TS' };
const SECRET: Record<Party, string> = { JP: 'GOKUHI', KR: 'II', US: 'S' };

export interface Member {
  readonly party: Party;
  readonly init: InitializedNode;
  proc: NodeProcess;
  url: string;
  /** Tokens by role: officer, ra (releasing-authority), clerk (low clearance), auditor, admin. */
  readonly tokens: Record<'officer' | 'ra' | 'clerk' | 'auditor' | 'admin', string>;
}

export interface Trio {
  readonly members: Record<Party, Member>;
  restart(party: Party): Promise<void>;
  keys(party: Party): NodeKeys;
  stop(): Promise<void>;
}

export async function waitFor<T>(
  what: string,
  f: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Creates a person at a member's node with the admin's token and returns an API token
 * for them. The trio's nodes stay in setup (they have no security officer), so the
 * admin may grant any clearance and role alone (src/node/users.ts).
 */
export async function addPerson(
  m: Member,
  username: string,
  clearance: string,
  needToKnow: string[],
  roles: string[],
): Promise<string> {
  const u = await http(m.url, 'POST', '/v1/users', m.tokens.admin, {
    username,
    clearance,
    needToKnow,
    roles,
  });
  if (u.status !== 201) throw new Error(`user ${username}: ${u.text}`);
  const t = await http(m.url, 'POST', `/v1/users/${username}/tokens`, m.tokens.admin, {
    label: 'test',
  });
  if (t.status !== 201) throw new Error(`token for ${username}: ${t.text}`);
  return (t.body as { token: string }).token;
}

export async function startTrio(
  databases: Partial<Record<Party, string>> = {},
  /** More `node init` options for every node (e.g. `--witness-interval 1`). */
  initArgs: readonly string[] = [],
  /**
   * Pairs left unpeered (neither side adds the other), e.g. `[['JP', 'KR']]`: they
   * reach each other only through the third node. By default every pair is peered.
   */
  options: { readonly unpeered?: readonly (readonly [Party, Party])[] } = {},
): Promise<Trio> {
  const unpeered = (a: Party, b: Party) =>
    (options.unpeered ?? []).some(([x, y]) => (x === a && y === b) || (x === b && y === a));
  const inits = PARTIES.map((p) => initNodeDir(p, databases[p], initArgs) as InitializedNode);
  const procs = await Promise.all(inits.map((i) => startNodeProcess(i.dir)));
  const members = {} as Record<Party, Member>;
  PARTIES.forEach((p, i) => {
    members[p] = {
      party: p,
      init: inits[i] as InitializedNode,
      proc: procs[i] as NodeProcess,
      url: (procs[i] as NodeProcess).url,
      tokens: {
        officer: '',
        ra: '',
        clerk: '',
        auditor: '',
        admin: (inits[i] as InitializedNode).adminToken,
      },
    };
  });
  for (const a of PARTIES) {
    for (const b of PARTIES) {
      if (a === b || unpeered(a, b)) continue;
      const r = await http(members[a].url, 'POST', '/v1/peers', members[a].tokens.admin, {
        url: members[b].url,
        fingerprint: members[b].init.fingerprint,
      });
      if (r.status !== 201) throw new Error(`peer ${a}→${b}: ${r.text}`);
    }
  }
  for (const p of PARTIES) {
    await waitFor(`${p}'s agreements to bind`, async () => {
      const list = (await http(members[p].url, 'GET', '/v1/agreements', members[p].tokens.admin))
        .body as { binding: boolean; parties: Party[] }[];
      // An agreement between an unpeered pair alone cannot bind: nobody relays it.
      const bindable = list.filter(
        (a) => !(a.parties.length === 2 && unpeered(a.parties[0] as Party, a.parties[1] as Party)),
      );
      return bindable.length > 0 && bindable.every((a) => a.binding);
    });
    const mk = (username: string, clearance: string, needToKnow: string[], roles: string[]) =>
      addPerson(members[p], username, clearance, needToKnow, roles);
    const l = p.toLowerCase();
    const t = members[p].tokens as Record<string, string>;
    t.officer = await mk(`${l}-officer`, SECRET[p], ['dprk-missile', 'dprk-nuclear'], ['officer']);
    t.ra = await mk(
      `${l}-ra`,
      TOP[p],
      ['dprk-missile', 'dprk-nuclear'],
      ['releasing-authority', 'officer'],
    );
    t.clerk = await mk(
      `${l}-clerk`,
      p === 'KR' ? 'III' : p === 'JP' ? 'HI' : 'C',
      ['dprk-missile'],
      ['officer'],
    );
    // Auditors are cleared for what they audit: log entries about an item are shown
    // only to someone who may read it (RULES V1).
    t.auditor = await mk(`${l}-auditor`, TOP[p], ['dprk-missile', 'dprk-nuclear'], ['auditor']);
  }
  return {
    members,
    async restart(party) {
      const m = members[party];
      await m.proc.stop();
      m.proc = await startNodeProcess(m.init.dir, m.url);
      m.url = m.proc.url;
    },
    keys(party) {
      return openKeys(
        JSON.parse(readFileSync(join(members[party].init.dir, 'keys.json'), 'utf8')) as StoredKeys,
        PASSPHRASE,
      );
    },
    async stop() {
      await Promise.all(PARTIES.map((p) => members[p].proc.stop()));
    },
  };
}

/**
 * The counterfactual of 2019: JP proposes to terminate GSOMIA at `end` (epoch ms), KR
 * countersigns, and this waits until the termination binds at JP. Throws on any
 * refusal, naming the step.
 */
export async function terminateGsomia(trio: Trio, end: number): Promise<void> {
  const jp = trio.members.JP;
  const kr = trio.members.KR;
  const proposed = await http(
    jp.url,
    'POST',
    '/v1/agreements/gsomia-jp-kr-2016/changes',
    jp.tokens.admin,
    { kind: 'terminate', effectiveAt: new Date(end).toISOString() },
  );
  if (proposed.status !== 201) throw new Error(`proposing the termination: ${proposed.text}`);
  const proposal = (proposed.body as { proposal: string }).proposal;
  await waitFor('KR to hold the proposal', async () =>
    ((await http(kr.url, 'GET', '/v1/proposals', kr.tokens.admin)).body as { id: string }[]).some(
      (p) => p.id === proposal,
    ),
  );
  const signed = await http(
    kr.url,
    'POST',
    `/v1/proposals/${encodeURIComponent(proposal)}/sign`,
    kr.tokens.admin,
  );
  if (signed.status !== 200) throw new Error(`KR signing the termination: ${signed.text}`);
  await waitFor('the termination to bind at JP', async () => {
    const ps = (await http(jp.url, 'GET', '/v1/proposals', jp.tokens.admin)).body as {
      id: string;
      status: string;
    }[];
    return ps.find((p) => p.id === proposal)?.status === 'binding';
  });
}

/**
 * The third-party rule through the API: `holder`'s officer asks the item's originator
 * for consent to pass `item` to `to`; the originator's releasing authority grants it.
 * Returns the request id once the originator has granted it.
 */
export async function askAndGrantConsent(
  trio: Trio,
  item: string,
  holder: Party,
  originator: Party,
  to: Party,
  note = 'TISA',
): Promise<string> {
  const m = trio.members;
  const req = await http(m[holder].url, 'POST', '/v1/consents/requests', m[holder].tokens.officer, {
    item,
    to,
    note,
  });
  if (req.status !== 201) throw new Error(`consent request refused: ${req.text}`);
  const requestId = (req.body as { id: string }).id;
  await waitFor(`${originator} to receive the request`, async () => {
    const r = await http(
      m[originator].url,
      'GET',
      '/v1/consents/requests?direction=incoming',
      m[originator].tokens.ra,
    );
    return (r.body as { id: string }[]).some((x) => x.id === requestId);
  });
  const granted = await http(
    m[originator].url,
    'POST',
    `/v1/consents/requests/${requestId}/grant`,
    m[originator].tokens.ra,
    { reason: note },
  );
  if (granted.status !== 200) throw new Error(`consent not granted: ${granted.text}`);
  return requestId;
}
