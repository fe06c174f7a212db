/**
 * "Điểm cầu truyền hình": the next (or current) meeting's readiness, ready out of expected,
 * and the communes not fully ready; supervisors open the meeting schedule from here.
 * From GET /api/vc every 10 s (app/vcStore.ts), the board the map's layer reads too (map/vc-layer.ts).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import { useSession } from '../auth/hooks.js';
import { consoleVcStore, useVcBoard } from './vcStore.js';
import { MeetingsModal } from './MeetingsModal.js';
import './vc.css';
import { formatTime } from '../i18n/format.js';

export function VcPanel({ pack }: { pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const board = useVcBoard(consoleVcStore);
  const [open, setOpen] = useState(false);
  if (pack.sites.vcPoints.length === 0) return null;
  const manage = session?.user.role === 'admin' || session?.user.role === 'supervisor';
  const r = board?.readiness;
  const wardName = (id: string) => pack.wards.features.find((f) => f.properties.id === id)?.properties[i18n.language === 'en' ? 'nameEn' : 'name'] ?? id;
  const short = r ? r.wards.filter((w) => w.ready < w.expected) : [];
  const level = !r || r.expected === 0 ? 'ok' : r.ready === r.expected ? 'ok' : r.ready / r.expected >= 0.8 ? 'warn' : 'bad';
  return (
    <section className="panel vc" aria-labelledby="vc-title" data-testid="vc-panel" data-ready={r?.ready} data-expected={r?.expected}>
      <div className="panel__title">
        <h2 className="panel__heading" id="vc-title">
          {t('ops.vc.title')}
        </h2>
        {manage && (
          <button type="button" className="btn btn--sm btn--ghost" data-testid="vc-meetings-open" onClick={() => setOpen(true)}>
            {t('ops.vc.schedule')}
          </button>
        )}
      </div>
      {r && (
        <>
          <p className="vc__meeting">{r.meeting ? t('ops.vc.next', { title: r.meeting.title, time: formatTime(r.meeting.startsAt, i18n.language, pack.meta.timezone) }) : t('ops.vc.noMeeting')}</p>
          <p className={`vc__ratio vc__ratio--${level}`} data-testid="vc-ratio">
            {t('ops.vc.ready', { ready: r.ready, expected: r.expected })}
          </p>
          <ul className="vc__wards">
            {short.length === 0 && <li className="vc__ok">{t('ops.vc.allReady')}</li>}
            {short.slice(0, 6).map((w) => (
              <li key={w.wardId} data-ward={w.wardId}>
                <span>{wardName(w.wardId)}</span>
                <b>
                  {w.ready}/{w.expected}
                </b>
              </li>
            ))}
          </ul>
        </>
      )}
      {open && board && (
        <MeetingsModal
          pack={pack}
          board={board}
          onChange={() => consoleVcStore.refresh()}
          onClose={() => setOpen(false)}
        />
      )}
    </section>
  );
}
