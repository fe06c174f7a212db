/** What the marks on the map mean. Static, so plain React; mirrors MAP_COLORS and the shapes in layers-live.ts / icons.ts. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { SEVERITIES } from '../../../contract/domain.js';
import { SEVERITY_SHAPE } from './icons.js';
import { MAP_COLORS } from './layers.js';

const dot = (fill: string, stroke: string, strokeWidth = 1.5, r = 5) => (
  <svg viewBox="0 0 16 16" aria-hidden="true">
    <circle cx="8" cy="8" r={r} fill={fill} stroke={stroke} strokeWidth={strokeWidth} />
  </svg>
);
const line = (color: string, dash?: string) => (
  <svg viewBox="0 0 24 16" aria-hidden="true">
    <line x1="2" y1="8" x2="22" y2="8" stroke={color} strokeWidth="3" strokeDasharray={dash} />
  </svg>
);
const shape = (d: string, fill: string) => (
  <svg viewBox="0 0 16 16" aria-hidden="true">
    <path d={d} fill={fill} stroke="#f8fafc" strokeWidth="1" />
  </svg>
);

const INCIDENT_PATH = 'M3 1.5h10a1.5 1.5 0 0 1 1.5 1.5v10a1.5 1.5 0 0 1-1.5 1.5H3A1.5 1.5 0 0 1 1.5 13V3A1.5 1.5 0 0 1 3 1.5z';
/**
 * A "2" drawn as a stroke, centred at (x, y), h units tall: the count a group shows
 * on the map. A path, not text, so that the legend's only text is its labels.
 */
const figure = (x: number, y: number, ink: string, h = 7) => (
  <path
    d="M0 1.5A2 1.5 0 1 1 4 1.5C4 3 0 4 0 6H4"
    transform={`translate(${x - h / 3} ${y - h / 2}) scale(${h / 6})`}
    fill="none"
    stroke={ink}
    strokeWidth="1.4"
    strokeLinecap="round"
    strokeLinejoin="round"
    vectorEffect="non-scaling-stroke"
  />
);
/** A group on the map (./cluster.ts): its shape in the colour of the worst inside, with how many it holds. */
const group = (mark: ReactNode, ink: string) => (
  <svg viewBox="0 0 16 16" aria-hidden="true">
    {mark}
    {figure(8, 8, ink)}
  </svg>
);

export function MapLegend() {
  const { t } = useTranslation();
  const sections: [string, [string, ReactNode][]][] = [
    [
      t('ops.legend.severity'),
      [
        ...SEVERITIES.map((s): [string, ReactNode] => [t(`severity.${s}`), shape(SEVERITY_SHAPE[s], MAP_COLORS.severity[s])]),
        [t('ops.legend.escalated'), dot('none', MAP_COLORS.escalated, 2, 6)],
        [t('ops.legend.incident'), shape(INCIDENT_PATH, MAP_COLORS.severity.major)],
        // The count at an incident's corner (layers-live.ts incidentLayers): how many alerts it holds.
        [
          t('ops.legend.alertCount'),
          <svg viewBox="0 0 16 16" aria-hidden="true">
            <path d="M2 4.5h8.5a1 1 0 0 1 1 1V14a1 1 0 0 1-1 1H2a1 1 0 0 1-1-1V5.5a1 1 0 0 1 1-1z" fill={MAP_COLORS.severity.major} stroke="#f8fafc" strokeWidth="1" />
            <circle cx="11.5" cy="4.5" r="4" fill="#f8fafc" stroke={MAP_COLORS.halo} strokeWidth="1" />
            {figure(11.5, 4.5, '#0b0f19', 4.5)}
          </svg>,
        ],
        [t('ops.legend.markerCluster'), group(<path d={INCIDENT_PATH} fill={MAP_COLORS.severity.critical} stroke="#f8fafc" strokeWidth="1" />, '#f8fafc')],
        [`${t('ops.legend.unit')} · ${t('ops.unitStatus.available')}`, shape('M8 1l6 2.5v4.5c0 3.5-2.6 6-6 7-3.4-1-6-3.5-6-7V3.5z', MAP_COLORS.unit.available)],
        [`${t('ops.legend.unit')} · ${t('ops.unitStatus.busy')}`, shape('M8 1l6 2.5v4.5c0 3.5-2.6 6-6 7-3.4-1-6-3.5-6-7V3.5z', MAP_COLORS.unit.busy)],
      ],
    ],
    [
      t('devices.title'),
      [
        [`${t('map.camera')} · ${t('map.online')}`, dot(MAP_COLORS.camOk, MAP_COLORS.halo, 1.5, 4)],
        [t('ops.legend.cluster'), group(<circle cx="8" cy="8" r="7" fill={MAP_COLORS.down} stroke={MAP_COLORS.halo} strokeWidth="1" />, '#0b0f19')],
        [`${t('map.station')} · ${t('map.online')}`, dot(MAP_COLORS.stationOk, '#ede9fe')],
        [t('ops.legend.vc'), dot('#22c55e', '#f8fafc', 2.5)],
        [t('map.degraded'), dot(MAP_COLORS.degraded, MAP_COLORS.halo)],
        [t('map.offline'), dot(MAP_COLORS.halo, MAP_COLORS.down, 3)],
        [t('map.linkUp'), line(MAP_COLORS.linkOk)],
        [t('map.linkDown'), line(MAP_COLORS.down, '4 3')],
        [
          t('map.coverageDown'),
          <svg viewBox="0 0 16 16" aria-hidden="true">
            <defs>
              <pattern id="legend-hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                <rect width="1.5" height="4" fill={MAP_COLORS.down} />
              </pattern>
            </defs>
            <rect x="2" y="2" width="12" height="12" rx="6" fill="url(#legend-hatch)" stroke={MAP_COLORS.down} strokeDasharray="2 1.5" />
          </svg>,
        ],
        [
          t('ops.legend.wardLoss'),
          <svg viewBox="0 0 16 16" aria-hidden="true">
            <rect x="2" y="3" width="12" height="10" fill={MAP_COLORS.down} fillOpacity="0.35" stroke={MAP_COLORS.wardOutline} />
          </svg>,
        ],
      ],
    ],
  ];
  return (
    // Open by default only where it does not crowd the map (short 1366x768 screens start collapsed).
    <details className="legend" open={window.innerHeight >= 900} data-testid="map-legend">
      <summary className="legend__title">{t('map.legend')}</summary>
      <div className="legend__body">
      {sections.map(([title, items]) => (
        <div key={title} className="legend__section">
          <h3 className="legend__heading">{title}</h3>
          <ul className="legend__list">
            {items.map(([label, icon]) => (
              <li key={label} className="legend__item">
                <span className="legend__icon">{icon}</span>
                {label}
              </li>
            ))}
          </ul>
        </div>
      ))}
      </div>
    </details>
  );
}
