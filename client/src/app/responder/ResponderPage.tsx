/**
 * The responder's phone (/responder), 360 px wide and up: the incidents
 * assigned to my unit, a new one announced (vibration, beep) and kept on top
 * until accepted, each step one tap plus a confirmation, my unit's status,
 * and every action queued (localStorage) so a dead zone loses nothing.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { CityPack } from '../../../../contract/citypack.js';
import { SEVERITY_RANK, UNIT_STATUSES, type LngLat } from '../../../../contract/domain.js';
import { placeOf, useWardName, useWords } from '../names.js';
import { useConnection, useIncidents, useUnits } from '../../live/hooks.js';
import { liveSocket } from '../../live/socket.js';
import { registerScreenStrings } from '../wall/strings.js';
import { unlockAudio } from '../audio.js';
import { alarm } from './alarm.js';
import { IncidentCard } from './IncidentCard.js';
import { NoUnit } from './NoUnit.js';
import { configureQueue, dismissConflict, enqueue, flush, partOf, queueStore } from './queue.js';
import { responderUnitId } from './session.js';
import './responder.css';

registerScreenStrings();

function useGeolocation(): LngLat | null {
  const [pos, setPos] = useState<LngLat | null>(null);
  useEffect(() => {
    if (!('geolocation' in navigator)) return;
    const id = navigator.geolocation.watchPosition(
      (p) => setPos([p.coords.longitude, p.coords.latitude]),
      () => setPos(null), // refused or unavailable: the unit's position is used
      { enableHighAccuracy: true, maximumAge: 30_000, timeout: 20_000 },
    );
    return () => navigator.geolocation.clearWatch(id);
  }, []);
  return pos;
}

/** The browser says the network is gone: close the socket so the screen and the queue know at once. */
function useNetworkEvents(): void {
  useEffect(() => {
    const off = () => liveSocket()?.disconnect();
    const on = () => {
      const s = liveSocket();
      if (s && !s.connected) s.connect();
      flush();
    };
    window.addEventListener('offline', off);
    window.addEventListener('online', on);
    return () => {
      window.removeEventListener('offline', off);
      window.removeEventListener('online', on);
    };
  }, []);
}

export function ResponderPage({ pack }: { pack: CityPack }) {
  const { t } = useTranslation();
  const unitId = useMemo(responderUnitId, []);
  const units = useUnits();
  const incidents = useIncidents();
  const { state } = useConnection();
  const queue = useStore(queueStore);
  const gps = useGeolocation();
  useNetworkEvents();
  useEffect(() => configureQueue({ unitId: () => unitId }), [unitId]);
  const words = useWords(pack);
  const ward = useWardName(pack);

  const unit = unitId ? units[unitId] : undefined;
  const mine = useMemo(
    () =>
      Object.values(incidents)
        // The server sends the incidents this unit works (and one it finished, until closed).
        .filter((i) => partOf(i, unitId) !== null && i.status !== 'closed')
        .sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.updatedAt - a.updatedAt),
    [incidents, unitId],
  );
  const pendingAccept = new Set(queue.items.filter((a) => a.kind === 'accept').map((a) => 'incidentId' in a && a.incidentId));
  const unaccepted = mine.filter((i) => partOf(i, unitId)?.status === 'dispatched' && !pendingAccept.has(i.id));

  // Announce each new assignment once (vibrate + beep); it stays on screen until accepted.
  const announced = useRef(new Set<string>());
  useEffect(() => {
    let fresh = false;
    for (const i of unaccepted) if (!announced.current.has(i.id)) {
      announced.current.add(i.id);
      fresh = true;
    }
    // Keep only what is still assigned: the set never outgrows the screen.
    for (const id of announced.current) if (!mine.some((i) => i.id === id)) announced.current.delete(id);
    if (fresh) alarm();
  }, [unaccepted, mine]);

  const me = gps ?? unit?.position ?? null;
  if (!unitId) return <NoUnit pack={pack} />;
  const first = unaccepted[0];

  return (
    <div className="responder" data-testid="responder" data-state={state} onPointerDown={() => void unlockAudio()}>
      <header className="rtop">
        <span className={`rdot rdot--${state}`} aria-label={t(`connection.${state}`)} />
        <strong>{t('responder.unit', { name: unit?.name ?? unitId })}</strong>
        {queue.items.length > 0 && (
          <span className="rbadge" data-testid="responder-queue" data-count={queue.items.length}>
            {t('responder.pending', { count: queue.items.length })}
          </span>
        )}
      </header>
      {state !== 'live' && <p className="roffline" data-testid="responder-offline">{t('responder.offline')}</p>}
      {queue.conflicts.map((c) => (
        <div key={c.qid} className="rconflict" role="alert" data-testid="responder-conflict" data-kind={c.kind} data-code={c.message.split(':')[0]}>
          <p>
            {t('responder.conflict', {
              action: c.kind === 'unit_status' ? t('responder.status') : t(`responder.step.${c.kind}`),
              reason: t(`responder.reason.${c.message.split(':')[0]}`, { defaultValue: c.message }),
            })}
          </p>
          <button type="button" className="rbtn" onClick={() => dismissConflict(c.qid)}>
            {t('responder.dismiss')}
          </button>
        </div>
      ))}
      {first && (
        <div className="rnew" role="alert" data-testid="responder-new" data-incident-id={first.id}>
          <span className="rnew__tag">{t('responder.newAssignment')}</span>
          <strong>{words.type(first.type)}</strong>
          <span>{placeOf(first, ward) ?? t('responder.noAddress')}</span>
          <button type="button" className="rbtn rbtn--go" data-testid="responder-accept-new" onClick={() => enqueue({ kind: 'accept', incidentId: first.id })}>
            {t('responder.accept')}
          </button>
        </div>
      )}
      <main className="rlist">
        {mine.length === 0 && <p className="rempty">{t('responder.none')}</p>}
        {mine.map((i) => (
          <IncidentCard key={i.id} incident={i} pack={pack} unitId={unitId} pending={queue.items.filter((a) => 'incidentId' in a && a.incidentId === i.id)} sendingId={queue.sending} me={me} meIsGps={gps !== null} />
        ))}
      </main>
      {unit && (
        <footer className="rstatus" data-testid="responder-unit-status" data-status={unit.status}>
          <span>{t('responder.status')}</span>
          <div className="rseg">
            {UNIT_STATUSES.map((s) => (
              <button
                key={s}
                type="button"
                aria-pressed={unit.status === s}
                disabled={unit.status === s || (unit.incidentId !== null && s !== 'busy')}
                data-status={s}
                onClick={() => enqueue({ kind: 'unit_status', unitId: unit.id, status: s })}
              >
                {t(`responder.${s}`)}
              </button>
            ))}
          </div>
        </footer>
      )}
    </div>
  );
}
