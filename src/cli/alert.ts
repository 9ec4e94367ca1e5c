// CLI verbs for FLASH alerts: send (a preset or a JSON file), watch the live stream,
// list, show, acknowledge, and export as CAP 1.2.

import type { Command } from 'commander';
import WebSocket from 'ws';
import { messageOf } from '../core/guards.js';
import {
  type Common,
  list,
  NodeClient,
  resolveTarget,
  UnreachableError,
  withTarget,
} from './client.js';
import { UsageError } from './errors.js';
import { readInput } from './io.js';
import type { RemoteContext } from './remote.js';
import { table } from './text.js';

type Json = Record<string, unknown>;

const mk = (m: unknown) => {
  const x = m as { party: string; code: string; name: string; en: string } | null;
  return x === null ? '—' : `${x.party} ${x.name} (${x.en})`;
};

/** One line for a pushed event, as an officer reads it. */
export function eventLine(e: Json): string {
  if (e.type === 'ready')
    return `connected to ${String(e.party)} as ${String(e.user)}; waiting for alerts`;
  if (e.type === 'ack')
    return `ACK ${String(e.item)} by ${String(e.party)}:${String(e.user)} at ${String(e.at)}`;
  const v = e.alert as Json;
  const a = v.alert as Json;
  const lead = e.type === 'escalation' ? `ESCALATION ${String(v.escalations)} ` : '';
  return `${lead}${String(v.precedence)} [${mk(v.marking)} | originator ${mk(v.originatorMarking)}] ${String(v.id)} ${String(a.msgType)}: ${String(v.title)}`;
}

function parsePositive(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${name} must be a whole number ≥ 1, not '${v}'`);
  return n;
}

export function registerAlertCommands(program: Command, ctx: RemoteContext): void {
  const client = (o: Common) => new NodeClient(resolveTarget(o));
  const print = (o: Common, value: unknown, people: () => string[]) =>
    ctx.io.out(o.json === true ? `${JSON.stringify(value)}\n` : `${people().join('\n')}\n`);

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
      const r = await client(o).request<Json>('POST', '/v1/alerts', {
        ...(o.preset === undefined ? { alert: payload } : { preset: o.preset }),
        ...(o.to === undefined ? {} : { to: o.to }),
        ...(o.marking === undefined ? {} : { marking: o.marking }),
        ...(o.category === undefined ? {} : { categories: o.category }),
        ...(o.ackWithin === undefined
          ? {}
          : { ackWithinSeconds: parsePositive(o.ackWithin, '--ack-within') }),
      });
      print(o, r, () => [
        String(r.id),
        ...(r.releases as Json[]).map(
          (x) =>
            `  → ${String(x.to)}: ${String(x.decision)}${x.decision === 'allow' ? ` at ${mk(x.marking)}` : ` (${((x.reasons as Json[])[0]?.code as string) ?? ''}: ${((x.reasons as Json[])[0]?.message as string) ?? ''})`}`,
        ),
      ]);
    },
  );

  withTarget(
    alert
      .command('watch')
      .description('print FLASH alerts, escalations and acknowledgements as they arrive')
      .option('--count <n>', 'exit after n alert events'),
  ).action(async (o: Common & { count?: string }) => {
    const target = resolveTarget(o);
    if (target.token === undefined)
      throw new UsageError('alert watch needs --token or $LIAISON_TOKEN');
    const limit =
      o.count === undefined ? Number.POSITIVE_INFINITY : parsePositive(o.count, '--count');
    const url = `${target.url.replace(/^http/, 'ws')}/v1/alerts/stream`;
    let seen = 0;
    let delay = 500;
    for (;;) {
      const outcome = await new Promise<'done' | 'closed' | Error>((resolve) => {
        const ws = new WebSocket(url, {
          headers: { authorization: `Bearer ${target.token}` },
        });
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString('utf8');
          });
          res.on('end', () => {
            let message = body;
            try {
              message = (JSON.parse(body) as { error: { message: string } }).error.message;
            } catch {
              // not JSON: print as is
            }
            resolve(
              new UsageError(`the node refused the stream (HTTP ${res.statusCode}): ${message}`),
            );
          });
        });
        ws.on('open', () => {
          delay = 500;
        });
        ws.on('message', (data: Buffer) => {
          const e = JSON.parse(data.toString('utf8')) as Json;
          ctx.io.out(o.json === true ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`);
          if (e.type === 'alert' || e.type === 'escalation') seen += 1;
          if (seen >= limit) {
            ws.close();
            resolve('done');
          }
        });
        ws.on('error', (err) => resolve(err));
        ws.on('close', () => resolve('closed'));
      });
      if (outcome === 'done') return;
      if (outcome instanceof UsageError) throw outcome;
      if (outcome instanceof Error && delay >= 8000)
        throw new UnreachableError(`cannot reach the node at ${target.url}: ${outcome.message}`);
      ctx.io.err(`liaison: the alert stream closed; reconnecting in ${delay} ms\n`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 8000);
    }
  });

  withTarget(alert.command('list').description('alerts held here that you may read')).action(
    async (o: Common) => {
      const rows = await client(o).request<Json[]>('GET', '/v1/alerts');
      print(o, rows, () =>
        table(
          ['alert', 'type', 'marking here', 'received', 'superseded by', 'headline'],
          rows.map((r) => [
            String(r.id),
            String((r.alert as Json).msgType),
            mk(r.marking),
            String(r.receivedAt),
            String(r.supersededBy ?? '—'),
            String(r.title),
          ]),
        ),
      );
    },
  );

  withTarget(
    alert.command('show').argument('<id>').description('one alert, with its acknowledgements'),
  ).action(async (id: string, o: Common) => {
    const r = await client(o).request<Json>('GET', `/v1/alerts/${encodeURIComponent(id)}`);
    const parties = r.parties as Json[];
    const acks = r.acks as Json[];
    print(o, r, () => [
      `[${mk(r.marking)} | originator ${mk(r.originatorMarking)}] ${String(r.precedence)}`,
      String(r.title),
      ...(parties.length === 0
        ? []
        : [
            '',
            ...table(
              ['party', 'delivery', 'delivered', 'first ack', 'acks'],
              parties.map((p) => [
                String(p.party),
                String(p.delivery),
                String(p.deliveredAt ?? '—'),
                String(p.firstAckAt ?? '—'),
                String(p.acks),
              ]),
            ),
          ]),
      ...(acks.length === 0
        ? ['', 'no acknowledgement yet']
        : [
            '',
            ...table(
              ['party', 'officer', 'acknowledged', 'received'],
              acks.map((a) => [
                String(a.party),
                String(a.user),
                String(a.at),
                String(a.receivedAt),
              ]),
            ),
          ]),
      '',
      `(read logged at index ${String(r.logIndex)})`,
    ]);
  });

  withTarget(
    alert
      .command('ack')
      .argument('<id>')
      .description('acknowledge an alert (sent back, signed, to its originator)'),
  ).action(async (id: string, o: Common) => {
    const r = await client(o).request<Json>('POST', `/v1/alerts/${encodeURIComponent(id)}/ack`);
    print(o, r, () => [
      `${r.already === true ? 'already acknowledged' : 'acknowledged'} at ${String(r.at)}${r.sentTo === null ? '' : `; sent to ${String(r.sentTo)}`}`,
    ]);
  });

  withTarget(
    alert
      .command('export')
      .argument('<id>')
      .description('export an alert (a logged read)')
      .option('--cap', 'as OASIS CAP 1.2 XML (the only format)'),
  ).action(async (id: string, o: Common & { cap?: boolean }) => {
    if (o.cap !== true) throw new UsageError('give --cap: CAP 1.2 XML is the export format');
    const xml = await client(o).request<string>('GET', `/v1/alerts/${encodeURIComponent(id)}/cap`);
    ctx.io.out(o.json === true ? `${JSON.stringify({ id, cap: xml })}\n` : xml);
  });
}
