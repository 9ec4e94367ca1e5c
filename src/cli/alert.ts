// CLI verbs for FLASH alerts: send (a preset or a JSON file), watch the live stream,
// list, show, acknowledge, and export as CAP 1.2.

import type { Command } from 'commander';
import WebSocket from 'ws';
import { isObject, messageOf } from '../core/guards.js';
import { asUntrusted, trustedRoots } from '../federation/transport.js';
import { type Common, list, resolveTarget, UnreachableError, withTarget } from './client.js';
import { UsageError } from './errors.js';
import { count, markingText } from './format.js';
import { readInput } from './io.js';
import { connect, print, type RemoteContext, type Schemas } from './remote.js';
import { table } from './text.js';
import { clockIn, localTime, localZone, zoneHeader } from './time.js';

/**
 * A frame of the alert stream (WebSocket /v1/alerts/stream), as the node sends it:
 * `ready` (where the stream starts, as an opaque `after`; `missed` when events the
 * client asked for are no longer kept), then `alert`, `escalation` and `ack`, each
 * with its opaque event id (src/alerts/hub.ts, src/alerts/stream-token.ts).
 */
type StreamFrame =
  | {
      readonly type: 'ready';
      readonly party: string;
      readonly user: string;
      readonly after: string;
      readonly missed: boolean;
    }
  | {
      readonly type: 'alert' | 'escalation';
      readonly id: string;
      readonly alert: Schemas['AlertView'];
    }
  | ({ readonly type: 'ack'; readonly id: string; readonly item: string } & Schemas['AckView']);

/** A marking in the CLI's one form (format.ts). */
const mk = (m: Schemas['Marking'] | null) => markingText(m);

/** One line for a pushed event, as an officer reads it. */
/**
 * CAP's status as a person must not miss it: an exercise or a test says so before
 * anything else (an actual alert says nothing more).
 */
export function statusMark(status: string): string {
  return status === 'Actual' ? '' : `${status.toUpperCase()} — `;
}

export function eventLine(e: StreamFrame): string {
  if (e.type === 'ready') return `connected to ${e.party} as ${e.user}; waiting for alerts`;
  if (e.type === 'ack') return `ACK ${e.item} by ${e.party}:${e.user} at ${localTime(e.at)}`;
  const v = e.alert;
  const lead =
    e.type === 'escalation'
      ? `ESCALATION (escalated ${count(v.escalations, 'time')}, unacknowledged) `
      : '';
  return `${lead}${statusMark(v.alert.status)}${v.precedence} [${mk(v.marking)} | originator ${mk(v.originatorMarking)}] ${v.id} ${v.alert.msgType}: ${v.title}`;
}

/** The node's message in an error answer (`{ error: { message } }`), else the body as it is. */
function refusalMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (isObject(parsed) && isObject(parsed.error) && typeof parsed.error.message === 'string')
      return parsed.error.message;
  } catch {
    // not JSON: print as is
  }
  return body;
}

/** The back-off before reconnecting: 200 ms doubling to 10 s, each wait jittered down by up to half. */
export const RETRY_FIRST_MS = 200;
export const RETRY_MAX_MS = 10_000;
export function retryDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_FIRST_MS * 2 ** Math.min(attempt, 16), RETRY_MAX_MS);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** An event id as the stream gives it: opaque, in base64url. */
function parseEventId(v: string, name: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(v))
    throw new UsageError(`${name} must be an event id as the stream printed it, not '${v}'`);
  return v;
}

function parsePositive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number ≥ 1, not '${v}'`);
  return n;
}

export function registerAlertCommands(program: Command, ctx: RemoteContext): void {
  const alert = program
    .command('alert')
    .description('FLASH alerts: send, watch, acknowledge, export');

  withTarget(
    alert
      .command('send')
      .description('send a FLASH launch alert to every partner (or --to); prints its id')
      .option('--preset <name>', 'a realistic sample: launch')
      .option('--file <file>', "the alert's JSON payload ('-' = standard input)")
      .option('--to <parties>', 'comma-separated parties (default: every peer)', list)
      .option('--marking <code>', "marking in this party's scheme (default: its SECRET level)")
      .option('--category <category>', 'category (repeatable; default dprk-missile)', list)
      .option('--ack-within <seconds>', 'acknowledgement deadline before escalation'),
  ).action(
    async (
      o: Common & {
        preset?: string;
        file?: string;
        to?: string[];
        marking?: string;
        category?: string[];
        ackWithin?: string;
      },
    ) => {
      if ((o.preset === undefined) === (o.file === undefined))
        throw new UsageError('give --preset launch or --file F');
      if (o.preset !== undefined && o.preset !== 'launch')
        throw new UsageError(`--preset: unknown preset '${o.preset}' (known: launch)`);
      let payload: unknown;
      if (o.file !== undefined) {
        const text = readInput(o.file);
        try {
          payload = JSON.parse(text);
        } catch (e) {
          throw new UsageError(`--file '${o.file}' is not JSON: ${messageOf(e)}`);
        }
      }
      const r = await connect(o, {
        to: '--to',
        marking: '--marking',
        categories: '--category',
        ackWithinSeconds: '--ack-within',
        preset: '--preset',
        alert: '--file',
      }).post('/v1/alerts', {
        body: {
          ...(o.preset === undefined ? { alert: payload } : { preset: o.preset }),
          ...(o.to === undefined ? {} : { to: o.to }),
          ...(o.marking === undefined ? {} : { marking: o.marking }),
          ...(o.category === undefined ? {} : { categories: o.category }),
          ...(o.ackWithin === undefined
            ? {}
            : { ackWithinSeconds: parsePositive(o.ackWithin, '--ack-within') }),
        },
      });
      print(ctx, o, r, () => [
        r.id,
        ...r.releases.map(
          (x) =>
            `  → ${x.to}: ${x.decision}${x.decision === 'allow' ? ` at ${mk(x.marking)}` : ` (${x.reasons[0]?.code ?? ''}: ${x.reasons[0]?.message ?? ''})`}`,
        ),
      ]);
    },
  );

  /** Answers to the stream's upgrade that trying again will not change. */
  const FINAL_REFUSALS = new Set([400, 401, 403, 404]);
  withTarget(
    alert
      .command('watch')
      .description(
        'print FLASH alerts, escalations and acknowledgements as they arrive; reconnects and resumes after the last event printed',
      )
      .option('--count <n>', 'exit after n alert events')
      .option(
        '--after <id>',
        'start after this event id, as printed with --json (replaying the later ones first)',
      ),
  ).action(async (o: Common & { count?: string; after?: string }) => {
    const target = resolveTarget(o);
    if (target.token === undefined)
      throw new UsageError('alert watch needs --token or $LIAISON_TOKEN');
    const limit =
      o.count === undefined ? Number.POSITIVE_INFINITY : parsePositive(o.count, '--count');
    const base = `${target.url.replace(/^http/, 'ws')}/v1/alerts/stream`;
    /** The last event id printed (or the position the node said the stream starts at). */
    let last: string | null = o.after === undefined ? null : parseEventId(o.after, '--after');
    let seen = 0;
    let attempt = 0;
    for (;;) {
      const url = last === null ? base : `${base}?after=${last}`;
      const outcome = await new Promise<'done' | 'closed' | Error>((resolve) => {
        const ws = new WebSocket(url, {
          headers: { authorization: `Bearer ${target.token}` },
          // wss: the node's certificate is checked as the client's requests are (--ca).
          ...(target.ca === undefined ? {} : { ca: trustedRoots(target.ca) }),
        });
        ws.on('unexpected-response', (req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString('utf8');
          });
          res.on('end', () => {
            // Done with this connection: kept alive, it would hold the process open for
            // the server's keep-alive time (seconds) after a refusal.
            req.socket?.destroy();
            const status = res.statusCode ?? 0;
            const message = `HTTP ${status}: ${refusalMessage(body)}`;
            // A refusal stops (a bad token, no such stream); anything else (a proxy's
            // 502/503, a node still starting, 429) is tried again like a lost socket.
            resolve(
              FINAL_REFUSALS.has(status)
                ? new UsageError(`the node refused the stream (${message})`)
                : new Error(message),
            );
          });
        });
        ws.on('message', (data: Buffer) => {
          // The node sends only these frames (StreamFrame): the socket is outside the OpenAPI
          // document, so no generated type covers it; a frame is only printed and counted.
          const e = JSON.parse(data.toString('utf8')) as StreamFrame;
          if (e.type === 'ready') {
            // Open: the next failure starts the back-off again.
            attempt = 0;
            last = e.after;
            if (e.missed)
              ctx.io.err(
                'liaison: some events since the last one printed are no longer kept by the node; `liaison alert list` shows the alerts it holds\n',
              );
            // A reconnection prints no second greeting: the events simply go on.
            if (seen > 0 && o.json !== true) return;
          } else last = e.id;
          ctx.io.out(o.json === true ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`);
          if (e.type === 'alert' || e.type === 'escalation') seen += 1;
          if (seen >= limit) {
            ws.close();
            resolve('done');
          }
        });
        ws.on('error', (err) => {
          // A certificate refused now is refused on every try: stop, saying why.
          const untrusted = asUntrusted(err, new URL(url).host);
          resolve(
            untrusted === null
              ? err
              : new UnreachableError(
                  `cannot open the alert stream at ${target.url}: ${untrusted.message}; trust the CA that signed it with --ca FILE or LIAISON_CA_FILE`,
                ),
          );
        });
        ws.on('close', (code, reason) =>
          // 4401: the token was revoked or expired, or its user disabled or demoted.
          resolve(
            code === 4401
              ? new UsageError(`the node closed the stream (${reason.toString('utf8')})`)
              : 'closed',
          ),
        );
      });
      if (outcome === 'done') return;
      if (outcome instanceof UsageError || outcome instanceof UnreachableError) throw outcome;
      // The node (or this instance of it) may be restarting: try again, forever, backing
      // off to at most 10 s, and resume after the last event printed.
      const delay = retryDelay(attempt);
      attempt += 1;
      ctx.io.err(
        `liaison: the alert stream ${outcome instanceof Error ? `failed (${outcome.message})` : 'closed'}; reconnecting in ${delay} ms${last === null ? '' : ', resuming after the last event'}\n`,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  });

  withTarget(alert.command('list').description('alerts held here that you may read')).action(
    async (o: Common) => {
      const rows = await connect(o).get('/v1/alerts');
      const zone = localZone();
      print(ctx, o, rows, () =>
        rows.length === 0
          ? ['no alerts you may read']
          : [
              ...table(
                [
                  'alert',
                  'status',
                  'type',
                  'marking here',
                  zoneHeader('received', zone),
                  'superseded by',
                  'headline',
                ],
                rows.map((r) => [
                  r.id,
                  r.alert.status === 'Actual' ? 'Actual' : r.alert.status.toUpperCase(),
                  r.alert.msgType,
                  mk(r.marking),
                  clockIn(r.receivedAt, zone),
                  r.supersededBy ?? '—',
                  r.title,
                ]),
              ),
              count(rows.length, 'alert'),
            ],
      );
    },
  );

  withTarget(
    alert.command('show').argument('<id>').description('one alert, with its acknowledgements'),
  ).action(async (id: string, o: Common) => {
    const r = await connect(o).get('/v1/alerts/{id}', { path: { id } });
    const { parties, acks } = r;
    const zone = localZone();
    print(ctx, o, r, () => [
      `${statusMark(r.alert.status)}[${mk(r.marking)} | originator ${mk(r.originatorMarking)}] ${r.precedence}`,
      r.title,
      ...(parties.length === 0
        ? []
        : [
            '',
            ...table(
              [
                'party',
                'delivery',
                zoneHeader('delivered', zone),
                zoneHeader('first ack', zone),
                'acks',
              ],
              parties.map((p) => [
                p.party,
                String(p.delivery),
                clockIn(p.deliveredAt, zone),
                clockIn(p.firstAckAt, zone),
                String(p.acks),
              ]),
            ),
          ]),
      ...(acks.length === 0
        ? ['', 'no acknowledgement yet']
        : [
            '',
            ...table(
              ['party', 'officer', zoneHeader('acknowledged', zone), zoneHeader('received', zone)],
              acks.map((a) => [a.party, a.user, clockIn(a.at, zone), clockIn(a.receivedAt, zone)]),
            ),
          ]),
      '',
      `(read logged at index ${r.logIndex})`,
    ]);
  });

  withTarget(
    alert
      .command('ack')
      .argument('<id>')
      .description('acknowledge an alert (sent back, signed, to its originator)'),
  ).action(async (id: string, o: Common) => {
    const r = await connect(o).post('/v1/alerts/{id}/ack', { path: { id } });
    print(ctx, o, r, () => [
      `${r.already ? 'already acknowledged' : 'acknowledged'} at ${localTime(r.at)}${r.sentTo === null ? '' : `; sent to ${r.sentTo}`}`,
    ]);
  });

  withTarget(
    alert
      .command('export')
      .argument('<id>')
      .description('export an alert (a logged read)')
      .option('--cap', 'as OASIS CAP 1.2 XML (the default and only format)'),
  ).action(async (id: string, o: Common & { cap?: boolean }) => {
    const xml = await connect(o).get('/v1/alerts/{id}/cap', { path: { id } });
    ctx.io.out(o.json === true ? `${JSON.stringify({ id, cap: xml })}\n` : xml);
  });
}
