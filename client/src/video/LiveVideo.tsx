/** One camera's live picture with its state over it; double-click for full screen. */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LivePlayer, type PlayerStatus } from './player.js';

export function LiveVideo({ cameraId, name, compact = false }: { cameraId: string; name: string; compact?: boolean }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLVideoElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [s, setS] = useState<PlayerStatus>({ state: 'connecting', problem: null, origin: null });
  useEffect(() => {
    const p = new LivePlayer(ref.current!, cameraId, setS);
    p.start();
    return () => p.stop();
  }, [cameraId]);
  const message = s.problem ? t(`video.${s.problem}`) : t(`video.state.${s.state}`);
  return (
    <div
      ref={box}
      className={`live-video live-video--${s.state}${compact ? ' live-video--compact' : ''}`}
      data-testid="live-video"
      data-camera-id={cameraId}
      data-state={s.state}
      data-problem={s.problem ?? undefined}
      title={t('video.fullscreen')}
      onDoubleClick={() => {
        if (document.fullscreenElement) void document.exitFullscreen();
        else void box.current?.requestFullscreen?.().catch(() => undefined);
      }}
    >
      <video ref={ref} muted playsInline autoPlay aria-label={name} />
      <div className="live-video__bar">
        <span className="live-video__name">{name}</span>
        <span className={`live-video__state live-video__state--${s.problem ? 'offline' : s.state}`} role="status">
          {s.state === 'live' && !s.problem && <span className="live-video__dot" aria-hidden="true" />}
          {message}
        </span>
      </div>
      {s.origin === 'simulated' && <span className="live-video__sim">{t('video.simulated')}</span>}
    </div>
  );
}
