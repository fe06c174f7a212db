/** What the marks on the map mean. Static, so plain React; mirrors MAP_COLORS and the shapes in layers.ts. */
import { useTranslation } from 'react-i18next';
import { MAP_COLORS } from './layers.js';

const dot = (fill: string, stroke: string, strokeWidth = 1.5) => (
  <svg viewBox="0 0 16 16" aria-hidden="true">
    <circle cx="8" cy="8" r="5" fill={fill} stroke={stroke} strokeWidth={strokeWidth} />
  </svg>
);
const line = (color: string, dash?: string) => (
  <svg viewBox="0 0 24 16" aria-hidden="true">
    <line x1="2" y1="8" x2="22" y2="8" stroke={color} strokeWidth="3" strokeDasharray={dash} />
  </svg>
);

export function MapLegend() {
  const { t } = useTranslation();
  const items: [string, React.ReactNode][] = [
    [`${t('map.camera')} · ${t('map.online')}`, dot(MAP_COLORS.camOk, MAP_COLORS.halo)],
    [`${t('map.camera')} · ${t('map.degraded')}`, dot(MAP_COLORS.degraded, MAP_COLORS.halo)],
    [`${t('map.camera')} / ${t('map.station')} · ${t('map.offline')}`, dot(MAP_COLORS.halo, MAP_COLORS.down, 3)],
    [t('map.station'), dot(MAP_COLORS.ok, '#e2e8f0')],
    [t('map.coverageDown'), (
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <defs>
          <pattern id="legend-hatch" width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="1.5" height="4" fill={MAP_COLORS.down} />
          </pattern>
        </defs>
        <rect x="2" y="2" width="12" height="12" rx="6" fill="url(#legend-hatch)" stroke={MAP_COLORS.down} strokeDasharray="2 1.5" />
      </svg>
    )],
    [t('map.linkUp'), line(MAP_COLORS.ok)],
    [t('map.linkDown'), line(MAP_COLORS.down, '4 3')],
    [t('map.newAlert'), (
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <circle cx="8" cy="8" r="7" fill="none" stroke={MAP_COLORS.severity.critical} strokeWidth="1.5" opacity="0.7" />
        <circle cx="8" cy="8" r="4" fill={MAP_COLORS.severity.critical} stroke="#f8fafc" strokeWidth="1.5" />
      </svg>
    )],
  ];
  return (
    // Open by default only where it does not crowd the map (short 1366x768 screens start collapsed).
    <details className="legend" open={window.innerHeight >= 900}>
      <summary className="legend__title">{t('map.legend')}</summary>
      <ul className="legend__list">
        {items.map(([label, icon]) => (
          <li key={label} className="legend__item">
            <span className="legend__icon">{icon}</span>
            {label}
          </li>
        ))}
      </ul>
    </details>
  );
}
