/**
 * The wall's "VC readiness" panel (Sẵn sàng họp trực tuyến): the next or current meeting,
 * its points ready out of expected, a bar per commune (the least ready first), and which
 * points are not ready. The same board (display token) feeds the wall map's points.
 */
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../../contract/citypack.js';
import { vcReady, type VcBoardView } from '../../../../contract/vc.js';
import { formatTime } from '../../i18n/format.js';
import { createVcBoardStore, useVcBoard } from '../vcStore.js';
import { Bar, healthColor } from './charts.js';
import { wallFetch } from './token.js';

/** The wall's board, read with its display token. */
export const wallVcStore = createVcBoardStore(async (signal) => wallFetch<VcBoardView>('/api/vc', signal));

export function VcReadinessPanel({ pack }: { pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const board = useVcBoard(wallVcStore);
  if (!board) return <p className="wall__muted">{t('wall.loading')}</p>;
  const r = board.readiness;
  const wardName = (id: string) => pack.wards.features.find((f) => f.properties.id === id)?.properties[i18n.language === 'en' ? 'nameEn' : 'name'] ?? id;
  const expected = new Set(r.meeting?.pointIds ?? board.points.map((p) => p.id));
  const missing = board.points.filter((p) => expected.has(p.id) && !vcReady(p));
  const pct = r.expected ? (100 * r.ready) / r.expected : null;
  return (
    <div className="wpanel__body wvc" data-testid="wall-vc" data-ready={r.ready} data-expected={r.expected}>
      <p className="wvc__meeting">{r.meeting ? t('wall.vc.meeting', { title: r.meeting.title, time: formatTime(r.meeting.startsAt, i18n.language, pack.meta.timezone) }) : t('wall.vc.noMeeting')}</p>
      <p className="wall__big" style={{ color: healthColor(pct) }} data-testid="wall-vc-ratio">
        {t('wall.vc.ready', { ready: r.ready, expected: r.expected })}
      </p>
      {r.wards.slice(0, 12).map((w) => (
        <Bar key={w.wardId} label={wardName(w.wardId)} value={w.ready} max={w.expected} figure={`${w.ready}/${w.expected}`} color={healthColor((100 * w.ready) / w.expected)} alarm={w.ready < w.expected} testId={`vc-ward-${w.wardId}`} />
      ))}
      {missing.length > 0 && (
        <p className="wvc__missing" data-testid="wall-vc-missing">
          {t('wall.vc.notReady')}: {missing.map((p) => p.name).join(', ')}
        </p>
      )}
    </div>
  );
}
