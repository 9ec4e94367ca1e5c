// `liaison tls generate`: a private CA and a server certificate signed by it, for a
// node's --tls-cert/--tls-key and its partners' --tls-ca (src/app/certificates.ts).
import type { Command } from 'commander';
import { DEFAULT_DAYS, generateTls, LOOPBACK_HOSTS } from '../app/certificates.js';
import { list } from './client.js';
import { UsageError } from './errors.js';
import type { RemoteContext } from './remote.js';

export function registerTlsCommands(program: Command, ctx: RemoteContext): void {
  const tls = program.command('tls').description('certificates for serving a node over HTTPS');
  tls
    .command('generate')
    .description(
      'write ca.pem (a new private CA) and cert.pem + key.pem (a server certificate it signed) into --out',
    )
    .requiredOption('--out <dir>', 'directory to write into (none of the three files may exist)')
    .option(
      '--host <name>',
      `a DNS name or IP address the certificate is for (repeatable; default ${LOOPBACK_HOSTS.join(', ')})`,
      list,
    )
    .option('--days <n>', `how long the certificates are valid (default ${DEFAULT_DAYS})`)
    .option('--json', 'print JSON')
    .action((o: { out: string; host?: string[]; days?: string; json?: boolean }) => {
      const days = o.days === undefined ? undefined : Number(o.days);
      if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650))
        throw new UsageError(`--days must be whole days from 1 to 3650, not '${o.days}'`);
      const g = generateTls({ out: o.out, hosts: o.host, days });
      if (o.json === true) {
        ctx.io.out(`${JSON.stringify({ ...g, notAfter: g.notAfter.toISOString() })}\n`);
        return;
      }
      ctx.io.out(
        [
          `Wrote a private CA and a certificate for ${g.hosts.join(', ')}, valid until ${g.notAfter.toISOString()}:`,
          `  ${g.ca}   the CA: partners trust it (--tls-ca), and so does the CLI (--ca or LIAISON_CA_FILE)`,
          `  ${g.cert} the node's certificate (--tls-cert)`,
          `  ${g.key}  its private key (--tls-key; readable by you only)`,
          "The CA's own key is not kept: it signs no other certificate.",
          `Serve a node with it: liaison node start --tls-cert ${g.cert} --tls-key ${g.key}`,
          '',
        ].join('\n'),
      );
    });
}
