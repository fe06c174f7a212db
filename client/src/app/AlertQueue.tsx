/**
 * The duty officer's work list: open alerts, most urgent first (severity rank,
 * then most recently seen). Clicking a row selects it and flies the map there.
 */
import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Alert } from '../../../contract/domain.js';
import type { CityPack } from '../../../contract/citypack.js';
import { formatAge } from '../i18n/format.js';
import { useAlertQueue, useCameras, useClockOffset, useLinks, useStations } from '../live/hooks.js';
import type { ById } from '../live/store.js';
import { alertPosition } from '../map/features.js';
import { flyTo, selectAlert, useSelectedAlertId } from './ui.js';
import { SeverityIcon } from './SeverityIcon.js';
import { useNow } from './useNow.js';

/** Rendering hundreds of rows helps nobody: beyond this the officer filters on the map. */
const MAX_ROWS = 150;

export function AlertQueue({ pack }: { pack: CityPack }) {
  const { t } = useTranslation();
  const queue = useAlertQueue();
  const selectedId = useSelectedAlertId();
  const cameras = useCameras();
  const stations = useStations();
  const links = useLinks();
  const now = useNow(10_000) + useClockOffset();
  const wardNames = useWardNames(pack);

  const onPick = (alert: Alert) => {
    selectAlert(alert.id);
    const position = alertPosition(alert, cameras, stations);
    if (position) flyTo(position);
  };

  return (
    // The testid sits on the section (always rendered), so tests can see the empty state too.
    <section className="panel alerts" aria-labelledby="alerts-title" data-testid="alert-queue" data-count={queue.length}>
      <h2 className="panel__title" id="alerts-title">
        {t('alerts.title')} <span className="panel__count">{queue.length}</span>
      </h2>
      {queue.length === 0 ? (
        <p className="alerts__empty">{t('alerts.empty')}</p>
      ) : (
        <ol className="alerts__list">
          {queue.slice(0, MAX_ROWS).map((a) => (
            <AlertRow
              key={a.id}
              alert={a}
              place={placeOf(a, { wards: wardNames, cameras, stations, links }) ?? t('alerts.unknownPlace')}
              now={now}
              selected={a.id === selectedId}
              onPick={onPick}
            />
          ))}
        </ol>
      )}
      {queue.length > MAX_ROWS && <p className="alerts__more">{t('alerts.more', { count: queue.length - MAX_ROWS })}</p>}
    </section>
  );
}

function useWardNames(pack: CityPack): Map<string, { name: string; nameEn: string }> {
  return useMemo(() => new Map(pack.wards.features.map((f) => [f.properties.id, f.properties])), [pack]);
}

interface Places {
  wards: Map<string, { name: string; nameEn: string }>;
  cameras: ById<{ name: string }>;
  stations: ById<{ name: string }>;
  links: ById<{ name: string }>;
}

/** "Where" for a row: the source device's name (or link's) and the ward. */
function placeOf(a: Alert, p: Places): { device: string | null; ward: { name: string; nameEn: string } | null } | null {
  const { kind, id } = a.source;
  const ward = (a.wardId ? p.wards.get(a.wardId) : kind === 'ward' ? p.wards.get(id) : undefined) ?? null;
  const device =
    kind === 'camera' ? p.cameras[id]?.name : kind === 'station' ? p.stations[id]?.name : kind === 'link' ? p.links[id]?.name : undefined;
  return ward || device ? { device: device ?? null, ward } : null;
}

interface RowProps {
  alert: Alert;
  place: ReturnType<typeof placeOf> | string;
  now: number;
  selected: boolean;
  onPick: (a: Alert) => void;
}

const AlertRow = memo(function AlertRow({ alert: a, place, now, selected, onPick }: RowProps) {
  const { t, i18n } = useTranslation();
  const placeText =
    typeof place === 'string' || place === null
      ? place
      : [place.device, place.ward && (i18n.language === 'en' ? place.ward.nameEn : place.ward.name)].filter(Boolean).join(' · ');
  return (
    <li
      className={`alert-row alert-row--${a.severity}${a.state === 'acknowledged' ? ' alert-row--ack' : ''}${selected ? ' alert-row--selected' : ''}`}
      data-testid="alert-row"
      data-alert-id={a.id}
      data-severity={a.severity}
    >
      <button type="button" className="alert-row__btn" onClick={() => onPick(a)} aria-label={t('alerts.showOnMap', { title: a.title })} aria-current={selected || undefined}>
        <span className={`sev-chip sev-chip--${a.severity}`}>
          <SeverityIcon severity={a.severity} />
          {t(`severity.${a.severity}`)}
        </span>
        <span className="alert-row__age">{formatAge(a.lastSeen, now, i18n.language)}</span>
        <span className="alert-row__title">{a.title}</span>
        <span className="alert-row__meta">
          <span className="alert-row__place">{placeText}</span>
          {a.count > 1 && <span className="tag">{t('alerts.repeats', { count: a.count })}</span>}
          {a.escalated && <span className="tag tag--warn">{t('alerts.escalated')}</span>}
          {a.state === 'acknowledged' && <span className="tag">{t('alerts.acknowledged')}</span>}
        </span>
      </button>
    </li>
  );
});
