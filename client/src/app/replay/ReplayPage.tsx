/**
 * Replay (/replay): pick a window in the last 30 days, play it on the map at
 * 1× to 60×, scrub the timeline. Deep link: /replay?from=<ms>&to=<ms>&at=<ms>.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import type { CityPack } from '../../../../contract/citypack.js';
import { SEVERITY_RANK } from '../../../../contract/domain.js';
import { formatDate, formatTime } from '../../i18n/format.js';
import type { ClientConfig } from '../bootstrap.js';
import { registerScreenStrings } from '../wall/strings.js';
import { formatCityInput, parseCityInput, utcOffsetLabel } from './cityTime.js';
import { ReplayPlayer, type TimedChange } from './player.js';
import { StoreMap } from './StoreMap.js';
import './replay.css';

registerScreenStrings();

const SPEEDS = [1, 5, 10, 30, 60];
const DAY = 86_400_000;

function initialWindow(): { from: number; to: number; at: number } {
  const q = new URL(window.location.href).searchParams;
  const now = Date.now();
  const num = (k: string) => (q.get(k) && /^\d+$/.test(q.get(k)!) ? Number(q.get(k)) : null);
  const to = Math.min(now, num('to') ?? now);
  const from = Math.max(now - 30 * DAY, num('from') ?? to - 3_600_000);
  return { from, to, at: Math.max(from, Math.min(to, num('at') ?? from)) };
}

function changeText(c: TimedChange, t: (k: string, o?: Record<string, unknown>) => string): string {
  const ch = c.change;
  if (ch.kind === 'alert') return `${t(`severity.${ch.alert.severity}`)} · ${ch.alert.title}${ch.alert.state === 'cleared' ? ' ✓' : ''}`;
  if (ch.kind === 'incident') return `${t(`wall.type.${ch.incident.type}`)} → ${t(`wall.status.${ch.incident.status}`)}`;
  if (ch.kind === 'station') return `${ch.station.name}: ${ch.station.state}`;
  if (ch.kind === 'link') return `${ch.link.name}: ${ch.link.state}`;
  return ch.kind;
}

/** A from/to field: "dd/mm/yyyy HH:mm" in city time (./cityTime.ts), marked invalid while it names no moment. */
function CityTimeField({ value, valid, onChange, testId }: { value: string; valid: boolean; onChange: (v: string) => void; testId: string }) {
  return (
    <input
      type="text"
      className="replay__time"
      inputMode="numeric"
      placeholder="dd/mm/yyyy hh:mm"
      size={16}
      spellCheck={false}
      value={value}
      aria-invalid={!valid}
      onChange={(e) => onChange(e.target.value)}
      data-testid={testId}
    />
  );
}

export function ReplayPage({ pack, config }: { pack: CityPack; config: ClientConfig }) {
  const { t, i18n } = useTranslation();
  const tz = pack.meta.timezone;
  const player = useMemo(() => new ReplayPlayer(), []);
  const s = useStore(player.state);
  const data = useStore(player.map);
  const [win] = useState(initialWindow);
  const [from, setFrom] = useState(() => formatCityInput(win.from, tz));
  const [to, setTo] = useState(() => formatCityInput(win.to, tz));
  const fromMs = parseCityInput(from, tz);
  const toMs = parseCityInput(to, tz);

  useEffect(() => {
    player.setWindow(win.from, win.to, win.at);
    return () => player.dispose();
  }, [player, win]);

  const alerts = Object.values(data.alerts).sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || b.lastSeen - a.lastSeen);
  const incidents = Object.values(data.incidents).filter((i) => i.status !== 'resolved');
  const down = [...Object.values(data.stations), ...Object.values(data.cameras), ...Object.values(data.links)].filter((d) => d.state === 'down' || d.state === 'offline' || d.stale);
  const load = () => {
    if (fromMs !== null && toMs !== null && fromMs < toMs) {
      player.pause();
      player.setWindow(Math.max(fromMs, Date.now() - 30 * DAY), Math.min(toMs, Date.now()));
    }
  };

  return (
    <div className="replay" data-testid="replay" data-at={s.t} data-loading={s.loading} data-playing={s.playing}>
      <header className="replay__bar">
        <a href="/" className="replay__back">← {t('replay.back')}</a>
        <h1>{t('replay.title')}</h1>
        <label>
          {t('replay.from')} <CityTimeField value={from} valid={fromMs !== null} onChange={setFrom} testId="replay-from" />
        </label>
        <label>
          {t('replay.to')} <CityTimeField value={to} valid={toMs !== null} onChange={setTo} testId="replay-to" />
        </label>
        <small className="replay__zone" data-testid="replay-zone">{t('replay.zone', { offset: utcOffsetLabel(s.t || win.to, tz) })}</small>
        <button type="button" onClick={load} disabled={fromMs === null || toMs === null || fromMs >= toMs}>{t('replay.load')}</button>
      </header>
      <div className="replay__body">
        <div className="replay__map">
          <StoreMap pack={pack} config={config} store={player.map} />
        </div>
        <aside className="replay__side">
          <p className="replay__clock" data-testid="replay-clock">
            {formatTime(s.t, i18n.language, tz, true)}
            <small>{formatDate(s.t, i18n.language, tz)}</small>
          </p>
          {s.loading && <p className="replay__note">{t('replay.loading')}</p>}
          {s.error && <p className="replay__error" role="alert">{t('replay.error', { message: s.error })}</p>}
          <h2>{t('replay.alerts')} <b data-testid="replay-alert-count">{alerts.length}</b></h2>
          <ul className="replay__list" data-testid="replay-alerts">
            {alerts.slice(0, 8).map((a) => (
              <li key={a.id} data-alert-id={a.id} data-severity={a.severity}>
                <i className={`sev sev--${a.severity}`} /> {a.title}
              </li>
            ))}
            {alerts.length === 0 && <li className="replay__none">{t('replay.none')}</li>}
          </ul>
          <h2>{t('replay.incidents')} <b data-testid="replay-incident-count">{incidents.length}</b></h2>
          <ul className="replay__list">
            {incidents.slice(0, 6).map((i) => (
              <li key={i.id} data-incident-id={i.id}>
                {t(`wall.type.${i.type}`)} · {t(`wall.status.${i.status}`)}
              </li>
            ))}
          </ul>
          <h2>{t('replay.devices')} <b data-testid="replay-down-count">{down.length}</b></h2>
          <h2>{t('replay.recent')}</h2>
          <ul className="replay__list replay__recent">
            {[...s.recent].reverse().map((c, i) => (
              <li key={`${c.at}-${i}`}>
                <time>{formatTime(c.at, i18n.language, tz, true)}</time> {changeText(c, t)}
              </li>
            ))}
          </ul>
        </aside>
      </div>
      <footer className="replay__controls">
        <button type="button" className="replay__play" data-testid="replay-play" onClick={() => (s.playing ? player.pause() : player.play())}>
          {s.playing ? `❚❚ ${t('replay.pause')}` : `▶ ${t('replay.play')}`}
        </button>
        <label>
          {t('replay.speed')}{' '}
          <select value={s.speed} onChange={(e) => player.setSpeed(Number(e.target.value))} data-testid="replay-speed">
            {SPEEDS.map((x) => (
              <option key={x} value={x}>{x}×</option>
            ))}
          </select>
        </label>
        <span className="replay__edge">{formatTime(s.from, i18n.language, tz)}</span>
        <input
          type="range"
          className="replay__scrub"
          aria-label={t('replay.at')}
          min={s.from}
          max={s.to}
          step="any"
          value={s.t}
          data-testid="replay-scrubber"
          onChange={(e) => void player.jump(Number(e.target.value))}
        />
        <span className="replay__edge">{formatTime(s.to, i18n.language, tz)}</span>
      </footer>
    </div>
  );
}
