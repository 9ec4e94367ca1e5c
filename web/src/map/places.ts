// Place names that differ by language and convention. The sea between Japan and Korea
// is 日本海 on Japanese maps and 동해 on Korean ones; in English both names are given,
// "Sea of Japan (East Sea)". An alert's area is the sender's free text: a name of a sea
// below (in any of its spellings) is shown the viewer's way, the rest as written.
import type { MsgKey } from '../i18n';

/** A water body the map names, where its label may sit (best first), and its names. */
export interface Water {
  readonly id: string;
  readonly key: MsgKey;
  /** [lon, lat] of the label's centre: the next is tried when one is taken. */
  readonly at: readonly (readonly [number, number])[];
  /** Every spelling an area may use for it (compared without case). */
  readonly aliases: readonly string[];
}

export const WATERS: readonly Water[] = [
  {
    id: 'east',
    key: 'map.sea.east',
    at: [
      [134.8, 40.6],
      [135.6, 42.6],
      [133.2, 38.4],
    ],
    aliases: [
      'Sea of Japan (East Sea)',
      'East Sea (Sea of Japan)',
      'East Sea / Sea of Japan',
      'Sea of Japan / East Sea',
      'Sea of Japan',
      'Japan Sea',
      'East Sea',
      '日本海',
      '동해',
    ],
  },
  {
    id: 'yellow',
    key: 'map.sea.yellow',
    at: [
      [123.6, 35.6],
      [123.8, 34.3],
    ],
    aliases: ['Yellow Sea', 'West Sea', '黄海', '황해', '서해'],
  },
  {
    id: 'east-china',
    key: 'map.sea.eastChina',
    at: [
      [125.6, 30.0],
      [127.6, 29.3],
    ],
    aliases: ['East China Sea', '東シナ海', '동중국해'],
  },
  {
    id: 'pacific',
    key: 'map.sea.pacific',
    at: [
      [145.0, 32.0],
      [146.5, 36.5],
    ],
    aliases: ['Pacific Ocean', 'Pacific', '太平洋', '태평양'],
  },
];

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

const ALIASES: readonly { readonly alias: string; readonly key: MsgKey }[] = WATERS.flatMap((w) =>
  w.aliases.map((alias) => ({ alias, key: w.key })),
).sort((a, b) => b.alias.length - a.alias.length);

// Longest first, so "Sea of Japan (East Sea)" is one name, not two. Latin names only
// as whole words ("East Sea" is not inside "Northeast Sea").
const PATTERN = new RegExp(
  ALIASES.map(({ alias }) =>
    /^[\x20-\x7e]+$/.test(alias) ? `(?<![A-Za-z])${escapeRe(alias)}(?![A-Za-z])` : escapeRe(alias),
  ).join('|'),
  'giu',
);

/** `area` with every sea it names written the viewer's way (`t` of the viewer's language). */
export function localPlaceName(area: string, t: (key: MsgKey) => string): string {
  return area.replace(PATTERN, (found) => {
    const hit = ALIASES.find((a) => a.alias.toLowerCase() === found.toLowerCase());
    return hit === undefined ? found : t(hit.key);
  });
}
