/** Available units nearest the incident first (GET /api/incidents/:id), each a dispatch button. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Incident, Unit } from '../../../contract/domain.js';
import { useUnits } from '../live/hooks.js';
import { apiData } from './api.js';
import { formatDistance } from './incidents.js';

interface Nearest {
  unit: Unit;
  distanceM: number;
}

export function DispatchPicker({ incident, busy, onDispatch }: { incident: Incident; busy: boolean; onDispatch: (unitId: string) => void }) {
  const { t, i18n } = useTranslation();
  const units = useUnits();
  const [nearest, setNearest] = useState<Nearest[] | null>(null);
  const [failed, setFailed] = useState(false);

  // Refetch when the incident or any unit changes (a unit taken elsewhere drops off the list).
  useEffect(() => {
    // A newer request supersedes this one: its answer is ignored (not aborted: it is small, and cheap to finish).
    let current = true;
    apiData<{ incident: Incident; nearestUnits: Nearest[] }>(`/api/incidents/${encodeURIComponent(incident.id)}`)
      .then((d) => {
        if (!current) return;
        setNearest(d.nearestUnits);
        setFailed(false);
      })
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
    };
  }, [incident.id, incident.version, units]);

  // Live status wins over the fetched list: hide units that became busy since.
  const list = (nearest ?? []).filter((n) => (units[n.unit.id]?.status ?? n.unit.status) === 'available' && n.unit.id !== incident.unitId).slice(0, 8);
  return (
    <section className="detail__section" data-testid="dispatch">
      <h3 className="detail__h3">{t('ops.incident.dispatchTo')}</h3>
      {nearest === null && !failed ? (
        <p className="muted">{t('ops.incident.loadingUnits')}</p>
      ) : failed ? (
        <p className="muted">{t('ops.incident.unitsUnavailable')}</p>
      ) : list.length === 0 ? (
        <p className="muted">{t('ops.incident.noUnits')}</p>
      ) : (
        <ul className="units">
          {list.map((n) => (
            <li key={n.unit.id} className="units__row" data-unit-id={n.unit.id}>
              <span className="units__name">
                {n.unit.name}
                <span className="units__kind">{t(`ops.unitKind.${n.unit.kind}`)}</span>
              </span>
              <span className="units__dist">{formatDistance(n.distanceM, i18n.language)}</span>
              <button type="button" className="btn btn--sm btn--primary" disabled={busy} data-testid="dispatch-unit" onClick={() => onDispatch(n.unit.id)}>
                {t('ops.incidentAction.dispatch')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
