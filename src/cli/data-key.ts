// `liaison node rotate-data-key`: rotates the node key of encryption at rest on a
// running node (admin) through its API; every data key is re-wrapped, no content
// re-encrypted (docs/decisions.md, "Encryption at rest").
import type { Command } from 'commander';
import { type Common, withTarget } from './client.js';
import { connect, print, type RemoteContext } from './remote.js';

export function registerDataKeyCommand(node: Command, ctx: RemoteContext): void {
  withTarget(
    node
      .command('rotate-data-key')
      .description(
        "rotate the node key that wraps the data keys of encryption at rest (admin): every item's data key is re-wrapped in one transaction, logged; content is not re-encrypted, partners notice nothing",
      ),
  ).action(async (o: Common) => {
    const r = await connect(o).post('/v1/node/data-key/rotate', {});
    print(ctx, o, r, () => [
      `data key rotated: ${r.keys} data keys re-wrapped under ${r.next}; ${r.previous} is deleted`,
    ]);
  });
}
