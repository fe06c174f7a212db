/**
 * The camera wall over the map: 1, 4 or 9 tiles of live video, the open incident's cameras or a
 * chosen set. Esc or × closes it; a tile's double-click goes full screen.
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useCameras } from '../live/hooks.js';
import { LiveVideo } from './LiveVideo.js';
import { LAYOUTS, useVideoWall, videoWall } from './wall-store.js';

export function VideoWall() {
  const { t } = useTranslation();
  const w = useVideoWall();
  const cameras = useCameras();
  useEffect(() => {
    if (!w.open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !document.fullscreenElement) videoWall.close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [w.open]);
  if (!w.open) return null;
  const tiles = Array.from({ length: w.layout }, (_, i) => w.cameraIds[i] ?? null);
  const choices = Object.values(cameras)
    .filter((c) => !w.cameraIds.includes(c.id))
    .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
  return (
    <section className="video-wall" data-testid="video-wall" data-layout={w.layout} aria-label={t('video.wall')}>
      <header className="video-wall__head">
        <h2>{t('video.wall')}</h2>
        <div className="video-wall__layouts" role="group" aria-label={t('video.layout')}>
          {LAYOUTS.map((n) => (
            <button key={n} type="button" className={`btn btn--small${n === w.layout ? ' btn--on' : ''}`} aria-pressed={n === w.layout} data-layout={n} onClick={() => videoWall.setLayout(n)}>
              {t('video.layoutN', { n })}
            </button>
          ))}
        </div>
        <select
          className="video-wall__add"
          aria-label={t('video.add')}
          value=""
          disabled={w.cameraIds.length >= w.layout && w.layout === 9}
          onChange={(e) => {
            if (e.target.value) videoWall.add(e.target.value);
          }}
        >
          <option value="">{t('video.add')}</option>
          {choices.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <button type="button" className="video-wall__close" aria-label={t('video.wallClose')} onClick={() => videoWall.close()}>
          ×
        </button>
      </header>
      <div className={`video-wall__grid video-wall__grid--${w.layout}`}>
        {tiles.map((id, i) =>
          id ? (
            <div className="video-wall__tile" key={id}>
              <LiveVideo cameraId={id} name={cameras[id]?.name ?? id} compact={w.layout === 9} />
              <button type="button" className="video-wall__remove" aria-label={t('video.remove')} onClick={() => videoWall.remove(id)}>
                ×
              </button>
            </div>
          ) : (
            <div className="video-wall__tile video-wall__tile--empty" key={`empty-${i}`}>
              {t('video.empty')}
            </div>
          ),
        )}
      </div>
    </section>
  );
}
