// Objects pulled from a TAXII 2.1 collection, as STIX bundles an item can be made of
// (docs/taxii.md "Pulling"): one bundle per report (or note), holding it and every
// object it names, directly or through the objects it names (created_by_ref,
// object_refs, object_marking_refs, extension definitions), from all the objects pulled.
// Pure: no I/O. What an item cannot hold is left in, for the import to refuse by name.
import { createHash } from 'node:crypto';
import type { StixObject } from './stix.js';

export interface PulledBundle {
  /** The report's (or note's) id: what a refusal names. */
  readonly report: string;
  readonly bundle: { type: 'bundle'; id: string; objects: StixObject[] };
}

const refsOf = (o: StixObject): string[] => {
  const out: string[] = [];
  const one = (v: unknown) => {
    if (typeof v === 'string') out.push(v);
  };
  const many = (v: unknown) => {
    if (Array.isArray(v)) for (const x of v) one(x);
  };
  one(o.created_by_ref);
  many(o.object_refs);
  many(o.object_marking_refs);
  const ext = o.extensions;
  if (typeof ext === 'object' && ext !== null)
    for (const k of Object.keys(ext)) if (k.startsWith('extension-definition--')) out.push(k);
  return out;
};

/**
 * The bundles to import from the objects pulled (the latest version of each id, in the
 * order first seen): one per report or note, in that order. A bundle's id is UUID-shaped
 * from the SHA-256 of its objects' ids and versions, so the same pull makes the same ids.
 */
export function bundlesOf(pulled: readonly StixObject[]): PulledBundle[] {
  const byId = new Map<string, StixObject>();
  for (const o of pulled) {
    const before = byId.get(o.id);
    const newer = before === undefined || String(o.modified ?? '') >= String(before.modified ?? '');
    if (newer) byId.set(o.id, o);
  }
  const out: PulledBundle[] = [];
  for (const top of byId.values()) {
    if (top.type !== 'report' && top.type !== 'note') continue;
    const objects: StixObject[] = [];
    const taken = new Set<string>();
    const queue = [top.id];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (taken.has(id)) continue;
      const o = byId.get(id);
      if (o === undefined) continue; // not pulled (a TLP marking, say): the import judges it
      taken.add(id);
      objects.push(o);
      queue.push(...refsOf(o));
    }
    const h = createHash('sha256')
      .update(objects.map((o) => `${o.id}@${String(o.modified ?? '')}`).join('\n'))
      .digest('hex');
    const uuid = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    out.push({ report: top.id, bundle: { type: 'bundle', id: `bundle--${uuid}`, objects } });
  }
  return out;
}
