/**
 * An alert's evidence: the camera's image with the detection's box drawn over it, and Frigate's
 * clip on demand. Both come from the server with the session's token (never from the camera or
 * Frigate directly), as blobs.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { evidenceHasClip, type Evidence as EvidenceRef } from '../../../contract/video.js';
import { authHeader } from '../live/socket.js';

function useBlob(url: string | null): { src: string | null; failed: boolean } {
  const [s, set] = useState<{ src: string | null; failed: boolean }>({ src: null, failed: false });
  useEffect(() => {
    if (!url) return;
    let objectUrl: string | null = null;
    let alive = true;
    let tries = 0;
    const load = async () => {
      try {
        const res = await fetch(url, { headers: authHeader() });
        if (!res.ok) throw new Error(String(res.status));
        objectUrl = URL.createObjectURL(await res.blob());
        if (alive) set({ src: objectUrl, failed: false });
      } catch {
        // The image may arrive a moment after its alert: a few tries before saying it is missing.
        if (alive && ++tries < 4) window.setTimeout(() => void load(), 1500 * tries);
        else if (alive) set({ src: null, failed: true });
      }
    };
    void load();
    return () => {
      alive = false;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [url]);
  return s;
}

/** An evidence image fetched with the session, the detection's box over it when there is one. */
export function EvidenceImage({ url, box: b }: { url: string; box?: EvidenceRef['box'] }) {
  const { t } = useTranslation();
  const img = useBlob(url);
  return img.src ? (
    <figure className="evidence__figure">
      <img src={img.src} alt={t('evidence.title')} data-testid="evidence-image" />
      {b && <span className="evidence__box" data-testid="evidence-box" aria-label={t('evidence.box')} style={{ left: `${b.x * 100}%`, top: `${b.y * 100}%`, width: `${b.w * 100}%`, height: `${b.h * 100}%` }} />}
    </figure>
  ) : (
    <p className="muted">{img.failed ? t('evidence.missing') : t('evidence.loading')}</p>
  );
}

export function Evidence({ alertId, evidence }: { alertId: string; evidence: EvidenceRef }) {
  const { t } = useTranslation();
  const base = `/api/alerts/${encodeURIComponent(alertId)}`;
  const [wantClip, setWantClip] = useState(false);
  const clip = useBlob(wantClip ? `${base}/clip.mp4` : null);
  return (
    <section className="detail__section evidence" data-testid="evidence">
      <h3 className="detail__h3">{t('evidence.title')}</h3>
      <EvidenceImage url={`${base}/snapshot.jpg`} {...(evidence.box ? { box: evidence.box } : {})} />
      {evidenceHasClip(evidence) &&
        (wantClip ? (
          clip.src ? (
            <video className="evidence__clip" src={clip.src} controls autoPlay muted data-testid="evidence-clip" />
          ) : (
            <p className="muted">{clip.failed ? t('evidence.clipMissing') : t('evidence.clipLoading')}</p>
          )
        ) : (
          <button type="button" className="btn" onClick={() => setWantClip(true)}>
            {t('evidence.clip')}
          </button>
        ))}
    </section>
  );
}
