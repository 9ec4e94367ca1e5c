// The node's own settings (its party, its log origin, whether it is in setup).
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Q = Kysely<Database>;

export async function metaValue(q: Q, key: string): Promise<string | undefined> {
  const row = await q.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Writes settings; with `keep`, one that exists keeps its value. */
export async function putMeta(
  q: Q,
  values: Readonly<Record<string, string>>,
  keep = false,
): Promise<void> {
  const rows = Object.entries(values).map(([key, value]) => ({ key, value }));
  if (rows.length === 0) return;
  await q
    .insertInto('meta')
    .values(rows)
    .onConflict((oc) =>
      keep
        ? oc.column('key').doNothing()
        : oc.column('key').doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
    )
    .execute();
}
