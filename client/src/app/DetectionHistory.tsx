/**
 * A camera's event history (issue #27.7): what it detected over the last 24
 * hours, read from InfluxDB through /api/cameras/:id/detections. Counts by kind,
 * detections per hour as bars (an hour with none is a zero bar: nothing was
 * recorded), and the newest events with what identifies them (plate, speed,
 * queue, lane). Shown under the FPS and bitrate chart; refreshed every minute.
 */
import { useEffect, useState } from 'react';
import { EvidenceImage } from '../video/Evidence.js';
import { useTranslation } from 'react-i18next';
import type { CameraDetections, DetectionEvent } from '../../../contract/detections.js';
import { formatNumber, formatTime } from '../i18n/format.js';
import { apiData } from './api.js';
import { useTimeZone } from './timezone.js';
import './tools.css';

const REFRESH_MS = 60_000;
const SHOWN = 25;

export function DetectionHistory({ cameraId }: { cameraId: string }) {
  const { t, i18n } = useTranslation();
  const tz = useTimeZone();
  const [data, setData] = useState<CameraDetections | null>(null);
  const [failed, setFailed] = useState(false);
  /** The row whose evidence image is open (its URL). */
  const [open, setOpen] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    const load = () =>
      apiData<CameraDetections>(`/api/cameras/${encodeURIComponent(cameraId)}/detections?limit=${SHOWN}`)
        .then((d) => {
          if (!current) return;
          setData(d);
          setFailed(false);
        })
        .catch(() => current && setFailed(true));
    setData(null);
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [cameraId]);

  const kind = (k: string) => t(`ops.detection.${k}`, { defaultValue: t(`tools.detections.label.${k}`, { defaultValue: k }) });
  const n = (v: number) => formatNumber(v, i18n.language);
  const detail = (e: DetectionEvent) =>
    [
      e.plate,
      e.speedKmh !== null ? `${n(e.speedKmh)}${e.limitKmh !== null ? `/${n(e.limitKmh)}` : ''} km/h` : null,
      e.queueM !== null ? t('tools.detections.queue', { m: n(e.queueM) }) : null,
      e.people !== null ? t('tools.detections.people', { n: n(e.people) }) : null,
      e.lane !== null ? t('tools.detections.lane', { lane: e.lane }) : null,
      e.zone,
    ]
      .filter(Boolean)
      .join(' · ');

  return (
    <section className="detail__section detections" data-testid="detections" data-total={data?.total ?? ''} aria-labelledby={`det-${cameraId}`}>
      <h3 className="detail__h3" id={`det-${cameraId}`}>
        {t('tools.detections.title')} {data && <span className="panel__count">{n(data.total)}</span>}
      </h3>
      {failed ? (
        <p className="muted">{t('tools.detections.error')}</p>
      ) : data === null ? (
        <p className="muted">{t('ops.detail.loading')}</p>
      ) : data.total === 0 ? (
        <p className="muted" data-testid="detections-none">
          {t('tools.detections.none')}
        </p>
      ) : (
        <>
          <ul className="detections__kinds">
            {Object.entries(data.counts)
              .sort((a, b) => b[1] - a[1])
              .map(([k, c]) => (
                <li key={k} className="detections__kind" data-kind={k} data-count={c}>
                  {kind(k)} <strong>{n(c)}</strong>
                </li>
              ))}
          </ul>
          <Hourly hourly={data.hourly} from={data.from} to={data.to} />
          <ol className="detections__list" data-testid="detections-list">
            {data.events.map((e, i) => (
              <li key={`${e.at}-${i}`} className="detections__row" data-testid="detection-row" data-kind={e.kind}>
                <time className="detections__time" dateTime={new Date(e.at).toISOString()}>
                  {formatTime(e.at, i18n.language, tz)}
                </time>
                <span className="detections__what">{kind(e.kind)}</span>
                <span className="detections__detail">{detail(e)}</span>
                {e.confidence !== null && <span className="detections__conf">{n(Math.round(e.confidence * 100))} %</span>}
                {e.snapshotUrl && (
                  <button type="button" className="detections__img" data-testid="detection-image" aria-expanded={open === e.snapshotUrl} onClick={() => setOpen(open === e.snapshotUrl ? null : e.snapshotUrl)}>
                    {t('evidence.image')}
                  </button>
                )}
                {e.snapshotUrl && open === e.snapshotUrl && (
                  <div className="detections__evidence">
                    <EvidenceImage url={e.snapshotUrl} />
                  </div>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

/** Detections per hour as bars over the window; the axis names its two ends. */
function Hourly({ hourly, from, to }: { hourly: [number, number][]; from: number; to: number }) {
  const { t, i18n } = useTranslation();
  const tz = useTimeZone();
  const W = 300;
  const H = 40;
  const max = Math.max(1, ...hourly.map(([, c]) => c));
  const slot = W / 25;
  const x = (at: number) => ((at - from) / Math.max(1, to - from)) * (W - slot);
  return (
    <figure className="spark">
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" className="spark__svg detections__bars" role="img" aria-label={t('tools.detections.perHour')}>
        {hourly.map(([at, c]) => (c > 0 ? <rect key={at} x={Math.max(0, x(at))} y={H - (c / max) * H} width={slot * 0.8} height={(c / max) * H} /> : null))}
      </svg>
      {/* 24 hours apart, both ends read the same clock time: say which day. */}
      <figcaption className="spark__caption">
        <span>{t('tools.detections.since', { time: formatTime(from, i18n.language, tz) })}</span>
        <span>{t('tools.detections.perHour')}</span>
        <span>{t('tools.detections.until', { time: formatTime(to, i18n.language, tz) })}</span>
      </figcaption>
    </figure>
  );
}
