// A launch alert on the region map: launch point, track and predicted impact point,
// drawn in SVG from the coastlines in region.ts. Earlier assessments of the same
// launch (the alerts this one supersedes) are drawn faded. Labels are measured and
// placed inside the frame (labels.ts); the seas are named the viewer's way (places.ts).
import { useId, useLayoutEffect, useRef, useState } from 'react';
import { type I18n, useI18n } from '../i18n';
import type { AlertPayload } from '../types';
import { type Box, breakLines, estimateWidth, type Placed, placeLabel, type Side } from './labels';
import { localPlaceName, WATERS } from './places';
import {
  BORDERS,
  BOUNDS,
  LAND,
  linePath,
  MAP_HEIGHT,
  MAP_WIDTH,
  project,
  ringPath,
} from './region';

const LABEL_FONT = 14;
const LABEL_LINE = 17;
const SEA_FONT = 13;
const SEA_LINE = 15;
const FRAME = { width: MAP_WIDTH, height: MAP_HEIGHT, margin: 4 } as const;
/** A track label wider than this is broken after its commas. */
const LABEL_MAX = MAP_WIDTH * 0.38;
const SEA_MAX = 130;
const LAUNCH_SIDES: readonly Side[] = ['left-below', 'right-below', 'left-above', 'right-above'];
const IMPACT_SIDES: readonly Side[] = ['right-above', 'left-above', 'right-below', 'left-below'];

type Kind = 'label' | 'sea';
type Widths = ReadonlyMap<string, number>;
const measureKey = (kind: Kind, text: string) => `${kind}|${text}`;

interface MapLabel {
  readonly id: string;
  readonly kind: Kind;
  readonly lines: readonly string[];
  readonly at: Placed;
}

/** The track's labels and the seas', placed inside the frame and clear of each other. */
function layoutLabels(
  current: MapTrack | undefined,
  t: I18n['t'],
  widths: Widths,
): { labels: MapLabel[]; measure: string[] } {
  const measure = new Set<string>();
  const widthOf = (kind: Kind) => (text: string) => {
    measure.add(measureKey(kind, text));
    return (
      widths.get(measureKey(kind, text)) ??
      estimateWidth(text, kind === 'sea' ? SEA_FONT : LABEL_FONT)
    );
  };
  const labels: MapLabel[] = [];
  const taken: Box[] = [];
  if (current !== undefined) {
    const [lx, ly] = project(current.alert.launch.lon, current.alert.launch.lat);
    const [ix, iy] = project(current.alert.impact.lon, current.alert.impact.lat);
    taken.push({ x: lx - 10, y: ly - 11, width: 20, height: 19 });
    taken.push({ x: ix - 11, y: iy - 11, width: 22, height: 22 });
    const place = (id: string, text: string, px: number, py: number, sides: readonly Side[]) => {
      const w = widthOf('label');
      const lines = breakLines(text, LABEL_MAX, w);
      const at = placeLabel(
        { px, py, widths: lines.map(w), lineHeight: LABEL_LINE, sides, gap: 12 },
        FRAME,
        taken,
      );
      taken.push(at.box);
      labels.push({ id, kind: 'label', lines, at });
    };
    place('launch', localPlaceName(current.alert.launch.area, t), lx, ly, LAUNCH_SIDES);
    place('impact', localPlaceName(current.alert.impact.area, t), ix, iy, IMPACT_SIDES);
    // The seas' names keep off the track too.
    const [cx, cy] = bendOf(lx, ly, ix, iy);
    for (let k = 1; k < 10; k++) {
      const u = k / 10;
      const x = (1 - u) * (1 - u) * lx + 2 * u * (1 - u) * cx + u * u * ix;
      const y = (1 - u) * (1 - u) * ly + 2 * u * (1 - u) * cy + u * u * iy;
      taken.push({ x: x - 5, y: y - 5, width: 10, height: 10 });
    }
  }
  for (const water of WATERS) {
    const w = widthOf('sea');
    const lines = breakLines(t(water.key), SEA_MAX, w);
    const spots = water.at.map(([lon, lat]) => {
      const [px, py] = project(lon, lat);
      return placeLabel(
        { px, py, widths: lines.map(w), lineHeight: SEA_LINE, sides: ['centre'], gap: 0 },
        FRAME,
      );
    });
    const at = spots.find((p) => !taken.some((b) => overlapsBox(b, p.box))) ?? spots[0];
    if (at === undefined) continue;
    taken.push(at.box);
    labels.push({ id: water.id, kind: 'sea', lines, at });
  }
  return { labels, measure: [...measure] };
}

/** The control point of a track's arc: a gentle bulge to the left of the flight, so it reads as one. */
function bendOf(lx: number, ly: number, ix: number, iy: number): readonly [number, number] {
  const bend = 0.15;
  return [(lx + ix) / 2 + (iy - ly) * bend, (ly + iy) / 2 - (ix - lx) * bend];
}

const overlapsBox = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const fmtLat = (v: number) => `${Math.abs(v).toFixed(2)}°${v >= 0 ? 'N' : 'S'}`;
const fmtLon = (v: number) => `${Math.abs(v).toFixed(2)}°${v >= 0 ? 'E' : 'W'}`;

export interface MapTrack {
  readonly id: string;
  readonly alert: Pick<AlertPayload, 'launch' | 'impact' | 'bearingDeg' | 'distanceKm'>;
  readonly current: boolean;
}

export function AlertMap({
  tracks,
  testId,
}: {
  readonly tracks: readonly MapTrack[];
  readonly testId?: string;
}) {
  const { t } = useI18n();
  const uid = useId().replace(/:/g, '');
  const titleId = `${uid}-title`;
  const descId = `${uid}-desc`;
  const current = tracks.find((k) => k.current) ?? tracks[tracks.length - 1];
  const svg = useRef<SVGSVGElement>(null);
  const [widths, setWidths] = useState<Widths>(new Map());
  const { labels, measure } = layoutLabels(current, t, widths);
  // Measure the labels as drawn (the font decides their widths); placing them again
  // with the measured widths settles at once, as the same texts measure the same.
  useLayoutEffect(() => {
    const root = svg.current;
    if (root === null) return;
    let next: Map<string, number> | null = null;
    for (const el of root.querySelectorAll<SVGTextElement>('text[data-measure]')) {
      const k = el.getAttribute('data-measure') ?? '';
      const w = el.getComputedTextLength();
      if (w > 0 && Math.abs((widths.get(k) ?? -1) - w) > 0.5) {
        next ??= new Map(widths);
        next.set(k, w);
      }
    }
    if (next !== null) setWidths(next);
  });
  const desc =
    current === undefined
      ? t('map.noTrack')
      : t('map.desc', {
          launch: localPlaceName(current.alert.launch.area, t),
          launchAt: `${fmtLat(current.alert.launch.lat)} ${fmtLon(current.alert.launch.lon)}`,
          impact: localPlaceName(current.alert.impact.area, t),
          impactAt: `${fmtLat(current.alert.impact.lat)} ${fmtLon(current.alert.impact.lon)}`,
          bearing: current.alert.bearingDeg,
          distance: current.alert.distanceKm,
          eez: current.alert.impact.insideJapanEez ? t('map.insideEez') : t('map.outsideEez'),
        });
  const grid: { lon: number[]; lat: number[] } = { lon: [], lat: [] };
  for (let lon = BOUNDS.west + 5; lon < BOUNDS.east; lon += 5) grid.lon.push(lon);
  for (let lat = BOUNDS.south + 2; lat < BOUNDS.north; lat += 4) grid.lat.push(lat);

  return (
    <figure className="alert-map" data-testid={testId ?? 'alert-map'}>
      <svg
        ref={svg}
        viewBox={`0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
      >
        <title id={titleId}>{t('map.title')}</title>
        <desc id={descId}>{desc}</desc>
        <defs>
          <clipPath id={`${uid}-clip`}>
            <rect width={MAP_WIDTH} height={MAP_HEIGHT} />
          </clipPath>
          <marker
            id={`${uid}-arrow`}
            viewBox="0 0 10 10"
            refX="8"
            refY="5"
            markerWidth="8"
            markerHeight="8"
            orient="auto"
          >
            <path d="M0,0 L10,5 L0,10 z" fill="#a3001b" />
          </marker>
        </defs>
        <g clipPath={`url(#${uid}-clip)`}>
          <rect width={MAP_WIDTH} height={MAP_HEIGHT} className="map-sea" />
          {grid.lon.map((lon) => {
            const [x] = project(lon, 0);
            return (
              <g key={`lon${lon}`}>
                <line x1={x} x2={x} y1={0} y2={MAP_HEIGHT} className="map-grid" />
                <text x={x + 3} y={MAP_HEIGHT - 6} className="map-grid-label">
                  {lon}°E
                </text>
              </g>
            );
          })}
          {grid.lat.map((lat) => {
            const [, y] = project(0, lat);
            return (
              <g key={`lat${lat}`}>
                <line x1={0} x2={MAP_WIDTH} y1={y} y2={y} className="map-grid" />
                <text x={4} y={y - 3} className="map-grid-label">
                  {lat}°N
                </text>
              </g>
            );
          })}
          {LAND.map((l) => (
            <path key={l.id} d={ringPath(l.ring)} className="map-land" data-land={l.id} />
          ))}
          {BORDERS.map((b) => (
            <path key={linePath(b)} d={linePath(b)} className="map-border" />
          ))}
          {tracks.map((k) => {
            const [lx, ly] = project(k.alert.launch.lon, k.alert.launch.lat);
            const [ix, iy] = project(k.alert.impact.lon, k.alert.impact.lat);
            const [cx, cy] = bendOf(lx, ly, ix, iy);
            const cls = k.current ? 'map-track current' : 'map-track earlier';
            return (
              <g key={k.id} className={cls} data-alert={k.id}>
                <path
                  d={`M${lx},${ly} Q${cx},${cy} ${ix},${iy}`}
                  fill="none"
                  markerEnd={k.current ? `url(#${uid}-arrow)` : undefined}
                />
                <g className="map-launch">
                  <path d={`M${lx},${ly - 9} L${lx + 8},${ly + 6} L${lx - 8},${ly + 6} Z`} />
                  <title>
                    {t('map.launch')}: {localPlaceName(k.alert.launch.area, t)}
                  </title>
                </g>
                <g className="map-impact">
                  <circle cx={ix} cy={iy} r={9} />
                  <path
                    d={`M${ix - 6},${iy - 6} L${ix + 6},${iy + 6} M${ix + 6},${iy - 6} L${ix - 6},${iy + 6}`}
                  />
                  <title>
                    {t('map.impact')}: {localPlaceName(k.alert.impact.area, t)}
                  </title>
                </g>
              </g>
            );
          })}
          {labels.map((l) => (
            <text
              key={l.id}
              x={l.at.x}
              y={l.at.y}
              textAnchor={l.at.anchor}
              className={l.kind === 'sea' ? 'map-sea-label' : 'map-label'}
              data-testid={l.kind === 'sea' ? `map-sea-${l.id}` : `map-label-${l.id}`}
              data-side={l.at.side}
            >
              {l.lines.map((line, i) => (
                <tspan
                  key={line}
                  x={l.at.x}
                  dy={i === 0 ? 0 : l.kind === 'sea' ? SEA_LINE : LABEL_LINE}
                >
                  {line}
                </tspan>
              ))}
            </text>
          ))}
        </g>
        <g visibility="hidden">
          {measure.map((k) => {
            const [kind, ...rest] = k.split('|');
            return (
              <text
                key={k}
                x={0}
                y={-100}
                className={kind === 'sea' ? 'map-sea-label' : 'map-label'}
                data-measure={k}
              >
                {rest.join('|')}
              </text>
            );
          })}
        </g>
        <rect width={MAP_WIDTH} height={MAP_HEIGHT} fill="none" stroke="#3d4a5c" />
      </svg>
      <figcaption className="legend">
        <span className="lg lg-launch">{t('map.launch')}</span>
        <span className="lg lg-track">{t('map.track')}</span>
        <span className="lg lg-impact">{t('map.impact')}</span>
        {tracks.length > 1 ? <span className="lg lg-earlier">{t('map.earlier')}</span> : null}
      </figcaption>
    </figure>
  );
}
