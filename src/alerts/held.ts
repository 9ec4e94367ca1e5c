// An alert kept here, sent from here or arrived from its originator: stored, the
// alerts it references marked superseded, and pushed to the officers who may read it.
import type { ItemRecord } from '../core/index.js';
import type { Unit } from '../node/service.js';
import { insertAlert, setSuperseded } from '../store/alerts.js';
import type { AlertContext, StoredAlert } from './context.js';
import { type AlertView, alertFrame, viewOf } from './views.js';

export async function keepAlert(
  cx: AlertContext,
  u: Unit,
  item: ItemRecord,
  alert: StoredAlert,
): Promise<AlertView> {
  await insertAlert(u.tx, alert);
  const refs = alert.payload.references;
  if (refs.length > 0) {
    // Only the originator's own alerts: a reference to another party's is left alone.
    await setSuperseded(u.tx, item.id, refs, item.originator.id);
    for (const r of refs) cx.escalations.superseded(r);
  }
  const v = viewOf(cx.party, item, alert);
  await cx.hub.record(u, item.id, 'alert', alertFrame('alert', v));
  return v;
}
