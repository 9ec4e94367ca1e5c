// OASIS CAP 1.2 (urn:oasis:names:tc:emergency:cap:1.2) for a launch alert, as the
// node holding it may show it to one of its officers. Only the alert's warning
// fields and the markings the reader is entitled to go in: no user of any party,
// no acknowledgement, no delivery detail, no other recipient (`addresses` is left
// out on purpose).
import { type EpochMs, type MarkingRef, parseInstant } from '../core/index.js';
import { type AlertPayload, compass, headline } from './model.js';

export interface CapInput {
  readonly id: string;
  readonly originator: string;
  /** The originator node's log origin, e.g. liaison.example/JP. */
  readonly sender: string;
  readonly precedence: string;
  /** The marking in the reader's own scheme, then the originator's. */
  readonly marking: MarkingRef;
  readonly originatorMarking: MarkingRef;
  readonly releasableTo: readonly string[] | null;
  readonly alert: AlertPayload;
  /** The `sent` instants of the referenced alerts, where this node holds them. */
  readonly referenceSent: ReadonlyMap<string, string>;
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  "'": '&apos;',
  '"': '&quot;',
};
const escapeXml = (s: string): string => s.replace(/[<>&'"]/g, (c) => XML_ESCAPES[c] ?? c);

/** CAP's dateTime: seconds, explicit offset, no fraction, no Z (`+00:00` for UTC). */
export function capTime(ms: EpochMs): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}+00:00`;
}

const capTimeOf = (rfc3339: string) => capTime(parseInstant(rfc3339).ms);

const CERTAINTY = { high: 'Observed', medium: 'Likely', low: 'Possible' } as const;

const markingText = (m: MarkingRef) => `${m.party} ${m.name} (${m.code}, ${m.en})`;

/** The reference list of CAP: "sender,identifier,sent" triples separated by spaces. */
function references(input: CapInput): string | null {
  if (input.alert.references.length === 0) return null;
  return input.alert.references
    .map((r) => {
      const sent = input.referenceSent.get(r);
      return `${input.sender},${r},${sent === undefined ? capTimeOf(input.alert.sent) : capTimeOf(sent)}`;
    })
    .join(' ');
}

/** A CAP circle: "lat,lon radius-km". */
const circle = (lat: number, lon: number, km: number) => `${lat},${lon} ${km}`;

export function toCap(input: CapInput): string {
  const a = input.alert;
  const el = (name: string, value: string | number, indent = '  ') =>
    `${indent}<${name}>${escapeXml(String(value))}</${name}>`;
  const param = (name: string, value: string | number | boolean) =>
    `    <parameter>\n${el('valueName', name, '      ')}\n${el('value', String(value), '      ')}\n    </parameter>`;
  const refs = references(input);
  const restriction = [
    `${markingText(input.marking)}`,
    ...(input.marking.party === input.originatorMarking.party &&
    input.marking.code === input.originatorMarking.code
      ? []
      : [`originator ${markingText(input.originatorMarking)}`]),
    ...(input.releasableTo === null ? [] : [`REL TO ${input.releasableTo.join(', ')}`]),
    'handle under the security agreement; no further dissemination without the originator’s written consent',
  ].join('; ');
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">',
    el('identifier', input.id),
    el('sender', input.sender),
    el('sent', capTimeOf(a.sent)),
    el('status', a.status),
    el('msgType', a.msgType),
    el('scope', 'Restricted'),
    el('restriction', restriction),
    el('code', `precedence:${input.precedence}`),
    ...(a.correction ? [el('note', 'correction of the referenced message')] : []),
    ...(refs === null ? [] : [el('references', refs)]),
    '  <info>',
    el('language', 'en-US', '    '),
    el('category', 'Security', '    '),
    el('event', 'Ballistic missile launch', '    '),
    el('urgency', a.msgType === 'Cancel' ? 'Past' : 'Immediate', '    '),
    el(
      'severity',
      a.msgType === 'Cancel' ? 'Minor' : a.impact.insideJapanEez ? 'Extreme' : 'Severe',
      '    ',
    ),
    el('certainty', a.msgType === 'Cancel' ? 'Unlikely' : CERTAINTY[a.confidence], '    '),
    el('onset', capTimeOf(a.launchedAt), '    '),
    el('senderName', `Liaison node of ${input.originator}`, '    '),
    el('headline', headline(a), '    '),
    el(
      'description',
      `${a.count} × ${a.assessedType}, launched ${a.launchedAt} from ${a.launch.area}, bearing ${a.bearingDeg}° (${compass(a.bearingDeg)}), apogee ${a.apogeeKm} km, distance ${a.distanceKm} km; predicted impact ${a.impact.area}, ${a.impact.insideJapanEez ? 'inside' : 'outside'} Japan's EEZ.${a.remarks === '' ? '' : ` ${a.remarks}`}`,
      '    ',
    ),
    param('detectedAt', capTimeOf(a.detectedAt)),
    param('launchedAt', capTimeOf(a.launchedAt)),
    param('count', a.count),
    param('bearingDeg', a.bearingDeg),
    param('assessedType', a.assessedType),
    param('apogeeKm', a.apogeeKm),
    param('distanceKm', a.distanceKm),
    param('impactInsideJapanEez', a.impact.insideJapanEez),
    param('confidence', a.confidence),
    param('final', a.final),
    '    <area>',
    el('areaDesc', `launch point: ${a.launch.area}`, '      '),
    el('circle', circle(a.launch.lat, a.launch.lon, 0), '      '),
    '    </area>',
    '    <area>',
    el('areaDesc', `predicted impact: ${a.impact.area}`, '      '),
    el('circle', circle(a.impact.lat, a.impact.lon, 0), '      '),
    '    </area>',
    '  </info>',
    '</alert>',
  ];
  return `${lines.join('\n')}\n`;
}
