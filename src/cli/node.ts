// `liaison node init|start` and `liaison audit verify`.

import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../app/config.js';
import type { AuditReport, StoredEntry } from '../log/audit.js';
import { type Common, NodeClient, resolveTarget, withTarget } from './client.js';
import { registerDataKeyCommand } from './data-key.js';
import { EXIT, UsageError } from './errors.js';
import { count } from './format.js';
import { askHidden, type Io } from './io.js';
import { connect, print, type RemoteContext } from './remote.js';

/** $LIAISON_PASSPHRASE, else a prompt on the terminal (input hidden). */
export async function passphrase(confirm: boolean): Promise<string> {
  const env = process.env.LIAISON_PASSPHRASE;
  if (env !== undefined && env.length > 0) return env;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      'set LIAISON_PASSPHRASE (no terminal to ask for the passphrase of the node keys)',
    );
  }
  const first = await askHidden('Passphrase for the node keys: ');
  if (confirm && (await askHidden('Again: ')) !== first)
    throw new UsageError('the two passphrases differ');
  return first;
}

/** $LIAISON_NEW_PASSPHRASE, else a prompt on the terminal, twice (input hidden). */
async function newPassphrase(): Promise<string> {
  const env = process.env.LIAISON_NEW_PASSPHRASE;
  if (env !== undefined && env.length > 0) return env;
  if (!process.stdin.isTTY) {
    throw new UsageError(
      'set LIAISON_NEW_PASSPHRASE (no terminal to ask for the new passphrase of the node keys)',
    );
  }
  const first = await askHidden('New passphrase for the node keys: ');
  if ((await askHidden('Again: ')) !== first) throw new UsageError('the two passphrases differ');
  return first;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`--port must be a port number, not '${v}'`);
  return n;
}

/** --witness-interval: whole seconds, 1 to 3600. */
function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 3600)
    throw new UsageError(`--witness-interval must be whole seconds from 1 to 3600, not '${v}'`);
  return n;
}

function renderAudit(r: AuditReport, source: string): string[] {
  const out = [
    `${source}: ${count(r.entries, 'entry', 'entries')}, ${count(r.checkpoints, 'checkpoint')}; ${count(r.verifiedSize, 'entry', 'entries')} verified${r.root === null ? '' : `, root ${r.root}`}`,
  ];
  for (const w of r.witnessed)
    out.push(
      `${w.ok ? '✓' : '✗'} ${w.by} cosigned size ${w.size} (${w.source === 'peer' ? `as ${w.by} holds it` : 'stored here'})${w.ok ? ': the log still matches it' : ''}`,
    );
  if (r.keys.length > 1)
    out.push(
      `the log's key was handed over ${count(r.keys.length - 1, 'time')}: ${r.keys
        .map((k) => (k.entry === null ? k.verifierKey : `(entry ${k.entry}) ${k.verifierKey}`))
        .join(' → ')}`,
    );
  if (r.withheld > 0)
    out.push(
      `${count(r.withheld, 'entry is', 'entries are')} about items you may not read: checked by leaf hash and chain only (audit with --data, or as someone cleared for them, to recompute them)`,
    );
  if (r.ok)
    out.push(
      'OK: every entry hashes and chains, every checkpoint is signed, matches and is consistent',
    );
  else {
    if (r.firstBadEntry !== null) out.push(`FIRST BAD ENTRY: ${r.firstBadEntry}`);
    for (const p of r.problems) out.push(`  ✗ ${p.message}`);
  }
  return out;
}

export function registerNodeCommands(program: Command, ctx: RemoteContext & { io: Io }): void {
  const node = program.command('node').description("run one party's node");
  node
    .command('init')
    .description('create keys, config, store and a first admin (its token is printed once)')
    .requiredOption('--party <id>', 'the party this node serves (JP, KR, US)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option(
      '--database <url>',
      'postgres://… to use PostgreSQL instead of the embedded SQLite store',
    )
    .option('--port <n>', 'port to serve on', port)
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--origin <name>', 'log origin / checkpoint key name (default liaison.local/PARTY)')
    .option(
      '--url <url>',
      "the URL partners reach the node at (a load balancer's, in front of several instances); default http(s)://host:port",
    )
    .option('--require-totp', 'password sign-in needs a second factor (RFC 6238 TOTP)')
    .option(
      '--metrics-listen <host:port>',
      'serve GET /metrics without a token on this separate address (e.g. 127.0.0.1:9464)',
    )
    .option(
      '--witness-interval <seconds>',
      'how often to ask the peers to cosign the log while it grows (default 30)',
      seconds,
    )
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', "the certificate's private key (PEM, unencrypted)")
    .option(
      '--tls-ca <file>',
      "CA certificate(s) to trust when reaching peers over https, beside the system's",
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        party: string;
        data: string;
        database?: string;
        port?: number;
        host?: string;
        origin?: string;
        url?: string;
        requireTotp?: boolean;
        metricsListen?: string;
        witnessInterval?: number;
        tlsCert?: string;
        tlsKey?: string;
        tlsCa?: string;
        json?: boolean;
      }) => {
        const { initNode } = await import('../app/setup.js');
        const r = await initNode({
          party: o.party,
          dir: o.data,
          passphrase: await passphrase(true),
          database: o.database,
          port: o.port,
          host: o.host,
          origin: o.origin,
          url: o.url,
          requireTotp: o.requireTotp,
          metricsListen: o.metricsListen,
          witnessIntervalSeconds: o.witnessInterval,
          tls: { cert: o.tlsCert, key: o.tlsKey, ca: o.tlsCa },
        });
        if (o.json === true) {
          ctx.io.out(
            `${JSON.stringify({ config: r.config, admin: r.admin, verifierKey: r.verifierKey, fingerprint: r.fingerprint })}\n`,
          );
        } else {
          const lines = [
            `Initialized the ${r.config.party} node in ${o.data} (store: ${r.config.database}, port ${r.config.port}${r.config.tls?.cert === undefined ? '' : ', HTTPS'}).`,
            `Fingerprint (read it to partners over a trusted channel): ${r.fingerprint}`,
            `Log verifier key (give it to partners' auditors): ${r.verifierKey}`,
            `(recorded in ${o.data}/config.json: 'liaison audit verify --data' checks the log against it)`,
            '',
            'Admin API token (shown once; store it safely):',
            r.admin.token,
            '',
            `Start it with: liaison node start --data ${o.data}`,
          ];
          ctx.io.out(`${lines.join('\n')}\n`);
        }
      },
    );

  node
    .command('passphrase')
    .description(
      'seal the node keys with a new passphrase (the keys do not change; partners notice nothing). The current one from $LIAISON_PASSPHRASE or a prompt, the new one from $LIAISON_NEW_PASSPHRASE or a prompt (twice)',
    )
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (o: { data: string }) => {
      const current = await passphrase(false);
      const next = await newPassphrase();
      const { changePassphrase } = await import('../app/passphrase.js');
      await changePassphrase(o.data, current, next);
      ctx.io.out(
        `liaison: the node keys in ${o.data} are sealed with the new passphrase; instances started from now need it (running ones keep going)\n`,
      );
    });

  // ---------------------------------------------------------------- key rotation
  withTarget(
    node
      .command('rotate-keys')
      .description(
        "rotate the running node's signing and encryption keys (admin): the hand-over, signed by the old key and the new, is logged and sent to every peer; partners take the new keys without a new fingerprint check",
      ),
  ).action(async (o: Common) => {
    const r = await connect(o).post('/v1/node/keys/rotate', {});
    print(ctx, o, r, () => [
      `keys rotated to epoch ${r.epoch}: fingerprint ${r.fingerprint}`,
      `log verifier key: ${r.verifierKey} (was ${r.previousVerifierKey}; hand-over at log entry ${r.logIndex})`,
      r.peers.length === 0
        ? 'no peers to tell'
        : `told ${r.peers.join(', ')}: until each takes the new keys, this node signs towards it with the old (peer list: holds ours)`,
    ]);
  });

  registerDataKeyCommand(node, ctx);

  node
    .command('start')
    .description('serve the node (stops cleanly on Ctrl-C)')
    .option('--data <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--port <n>', 'port (default: the configured one)', port)
    .option('--host <host>', 'address to bind')
    .option('--verbose', 'log requests')
    .option(
      '--metrics-listen <host:port>',
      "serve GET /metrics without a token on this address (default: the config's metricsListen)",
    )
    .option(
      '--witness-interval <seconds>',
      "how often to ask the peers to cosign the log (default: the config's, else 30)",
      seconds,
    )
    .option(
      '--database <url>',
      "the store, instead of the config's: a postgres:// URL that the node's instances share",
    )
    .option(
      '--nats <url>',
      'NATS JetStream the instances share (with a postgres:// store), e.g. nats://127.0.0.1:4222',
    )
    .option('--instance <name>', "this instance's name (default: random)")
    .option('--tls-cert <file>', "serve HTTPS with this certificate (default: the config's)")
    .option('--tls-key <file>', "the certificate's private key (default: the config's)")
    .option(
      '--tls-ca <file>',
      "CA certificate(s) trusted for peers over https, beside the system's (default: the config's)",
    )
    .action(
      async (o: {
        data: string;
        port?: number;
        host?: string;
        verbose?: boolean;
        metricsListen?: string;
        witnessInterval?: number;
        database?: string;
        nats?: string;
        instance?: string;
        tlsCert?: string;
        tlsKey?: string;
        tlsCa?: string;
      }) => {
        const { startNode } = await import('../app/setup.js');
        const running = await startNode({
          dir: o.data,
          passphrase: await passphrase(false),
          port: o.port,
          host: o.host,
          logger: o.verbose === true,
          metricsListen: o.metricsListen,
          witnessIntervalMs: o.witnessInterval === undefined ? undefined : o.witnessInterval * 1000,
          database: o.database,
          nats: o.nats,
          instance: o.instance,
          tls: { cert: o.tlsCert, key: o.tlsKey, ca: o.tlsCa },
        });
        ctx.io.out(
          `liaison: ${running.node.party} node listening on ${running.url} (log size ${running.node.tree.size})${running.metricsUrl === null ? '' : `; metrics on ${running.metricsUrl}`}\n`,
        );
        await new Promise<void>((resolve) => {
          const stop = () => {
            void running.stop().then(resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        ctx.io.out('liaison: stopped\n');
      },
    );

  const audit = program.command('audit').description('check a log');
  audit
    .command('verify')
    .description(
      'recompute the tree from the stored entries; check every checkpoint; name the first bad entry',
    )
    .option('--data <dir>', 'read the store of the node in this data directory')
    .option('--node <url>', 'read the log of a running node over its API')
    .option(
      '--peers',
      'with --data: ask every peer for the latest checkpoint of this log it cosigned, and check the log against it (signs the requests with the node key: $LIAISON_PASSPHRASE)',
    )
    .option(
      '--peer <url>',
      "have the node (--node, default the local one) check a partner's log against every checkpoint of it seen",
    )
    .option('--token <token>', 'API token for --node (default: $LIAISON_TOKEN)')
    .option(
      '--ca <file>',
      'CA certificate(s) to trust for an https --node (default: $LIAISON_CA_FILE)',
    )
    .option(
      '--verifier-key <key>',
      "the log's C2SP verifier key (default: the one node init recorded in config.json, or the node's API)",
    )
    .option('--json', 'print JSON')
    .action(
      async (o: {
        data?: string;
        node?: string;
        peer?: string;
        peers?: boolean;
        token?: string;
        ca?: string;
        verifierKey?: string;
        json?: boolean;
      }) => {
        if (o.peer !== undefined) {
          await verifyPeer(o.peer, o, ctx);
          return;
        }
        if (o.data !== undefined && o.node !== undefined)
          throw new UsageError('give --data or --node, not both');
        if (o.peers === true && o.node !== undefined)
          throw new UsageError(
            "--peers checks a data directory's log (--data): a node's own partners hold its cosigned checkpoints",
          );
        let report: AuditReport;
        let source: string;
        if (o.node !== undefined) {
          const client = new NodeClient(resolveTarget({ node: o.node, token: o.token, ca: o.ca }));
          const info = await client.get('/v1/node');
          // From the key the node began with, through the hand-overs its log holds.
          const { parseVerifierKey } = await import('../log/note.js');
          const { auditLog } = await import('../log/audit.js');
          const verifier = parseVerifierKey(o.verifierKey ?? info.initialVerifierKey);
          const checkpoints = await client.get('/v1/log/checkpoints');
          async function* entries(): AsyncGenerator<StoredEntry> {
            for (let start = 0; ; ) {
              const page = await client.get('/v1/log/entries', {
                query: { start, limit: 5000 },
              });
              for (const e of page)
                yield {
                  index: e.index,
                  leafHash: Buffer.from(e.leafHash, 'hex'),
                  data: e.data ?? null,
                };
              if (page.length < 5000) return;
              start = (page[page.length - 1]?.index ?? start) + 1;
            }
          }
          report = await auditLog(entries(), checkpoints, verifier);
          source = o.node;
        } else {
          const { auditDataDir } = await import('../app/audit.js');
          const a = await auditDataDir({
            dir: o.data ?? DEFAULT_DATA_DIR,
            verifierKey: o.verifierKey,
            peers: o.peers,
            passphrase: () => passphrase(false),
          });
          for (const w of a.warnings) ctx.io.err(`liaison: warning: ${w}\n`);
          report = a.report;
          source = a.source;
        }
        ctx.io.out(
          o.json === true
            ? `${JSON.stringify(report)}\n`
            : `${renderAudit(report, source).join('\n')}\n`,
        );
        ctx.setExit(report.ok ? EXIT.ok : EXIT.failed);
      },
    );
}

/** Asks our node to witness a partner's log: consistent with every checkpoint of it seen? */
async function verifyPeer(
  peerUrl: string,
  o: { node?: string; token?: string; data?: string; ca?: string; json?: boolean },
  ctx: RemoteContext,
): Promise<void> {
  const client = new NodeClient(
    resolveTarget({ node: o.node, token: o.token, data: o.data, ca: o.ca }),
  );
  const peers = await client.get('/v1/peers');
  const wanted = peerUrl.replace(/\/+$/, '');
  const peer = peers.find((p) => p.url === wanted || p.party === wanted);
  if (peer === undefined) {
    throw new UsageError(
      `no peer at ${peerUrl} (peers: ${peers.map((p) => `${p.party} ${p.url}`).join(', ') || 'none'})`,
    );
  }
  const w = await client.post('/v1/peers/{id}/witness', { path: { id: peer.party } });
  const lines = [
    `${peer.party} (${peer.url}): checkpoint of size ${w.size}, root ${w.root}; checked against ${w.checkedAgainst.length} seen before`,
    w.ok
      ? 'OK: consistent with every checkpoint of it this node has seen; cosigned'
      : 'SPLIT VIEW:',
    ...w.problems.map((p) => `  ✗ ${p}`),
  ];
  ctx.io.out(o.json === true ? `${JSON.stringify(w)}\n` : `${lines.join('\n')}\n`);
  ctx.setExit(w.ok ? EXIT.ok : EXIT.failed);
}
