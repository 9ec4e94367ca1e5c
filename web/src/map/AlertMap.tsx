// A launch alert on the region map: launch point, track and predicted impact point,
// drawn in SVG from the coastlines in region.ts. Earlier assessments of the same
// launch (the alerts this one supersedes) are drawn faded.
import { useId } from 'react';
import { useI18n } from '../i18n';
import type { AlertPayload } from '../types';
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
  const desc =
    current === undefined
      ? t('map.noTrack')
      : t('map.desc', {
          launch: current.alert.launch.area,
          launchAt: `${fmtLat(current.alert.launch.lat)} ${fmtLon(current.alert.launch.lon)}`,
          impact: current.alert.impact.area,
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
            // A gentle arc, bulging to the left of the flight, so the track reads as a flight.
            const mx = (lx + ix) / 2;
            const my = (ly + iy) / 2;
            const dx = ix - lx;
            const dy = iy - ly;
            const bend = 0.15;
            const cx = mx + dy * bend;
            const cy = my - dx * bend;
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
                    {t('map.launch')}: {k.alert.launch.area}
                  </title>
                </g>
                <g className="map-impact">
                  <circle cx={ix} cy={iy} r={9} />
                  <path
                    d={`M${ix - 6},${iy - 6} L${ix + 6},${iy + 6} M${ix + 6},${iy - 6} L${ix - 6},${iy + 6}`}
                  />
                  <title>
                    {t('map.impact')}: {k.alert.impact.area}
                  </title>
                </g>
                {k.current ? (
                  <>
                    <text x={lx - 10} y={ly + 22} textAnchor="end" className="map-label">
                      {k.alert.launch.area}
                    </text>
                    <text x={ix + 12} y={iy - 12} className="map-label">
                      {k.alert.impact.area}
                    </text>
                  </>
                ) : null}
              </g>
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
