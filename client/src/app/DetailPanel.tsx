/**
 * The detail panel: slides over the map's right edge for whatever is selected
 * (an alert, incident, device, unit or ward) with its live state, history and
 * the actions that fit it. Marked stale with the others while the link is down.
 * Opened on purpose (click, Enter, a link), it takes the keyboard focus (its heading);
 * closed (Esc, ×), it gives the focus back to where it came from, usually the queue's row.
 * An incident no longer in the live picture (closed) is shown read only, from REST.
 */
import { useEffect, useRef } from 'react';
import { alertEvidence } from '../../../contract/alerts.js';
import { evidenceHasSnapshot } from '../../../contract/video.js';
import { Evidence } from '../video/Evidence.js';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { Alert } from '../../../contract/alerts.js';
import { formatTime } from '../i18n/format.js';
import { useAlerts, useConnection, useIncidents } from '../live/hooks.js';
import { liveStore } from '../live/store.js';
import { wardLoss } from '../map/features.js';
import { CommandStatus } from './CommandStatus.js';
import { CameraDetail, LinkDetail, StationDetail, UnitDetail } from './DeviceDetail.js';
import { Fact, Gone } from './Facts.js';
import { IncidentView } from './IncidentView.js';
import { useAlertLabels, useWardName } from './names.js';
import { SeverityIcon } from './SeverityIcon.js';
import { StaleStamp } from './StaleStamp.js';
import { openPanel, select, usePanelFocus, usePanelOpen, useSelection, type Selection } from './ui.js';
import { step, useCommands } from './useCommand.js';
import { holdClear } from './clearUndo.js';
import { ClosedIncident } from './ClosedIncidents.js';

export function DetailPanel({ pack }: { pack: CityPack }) {
  const { t } = useTranslation();
  const sel = useSelection();
  const open = usePanelOpen();
  const stale = useConnection().state === 'offline';
  const focusSeq = usePanelFocus();
  const ref = useRef<HTMLElement>(null);
  /** What had the focus when the panel was opened: it gets it back on close. */
  const origin = useRef<HTMLElement | null>(null);
  const wasOpen = useRef(false);

  useEffect(() => {
    if (!open || focusSeq === 0) return;
    const at = document.activeElement as HTMLElement | null;
    // Opening: what had the focus. Already open: a control outside it that opened something new
    // (on the body, the focus was on what the panel just replaced: the origin stays).
    const outside = at && at !== document.body && !ref.current?.contains(at) ? at : null;
    if (!wasOpen.current || outside) origin.current = outside;
    // The heading once drawn (a closed incident's comes after its fetch: the panel holds the focus meanwhile).
    (ref.current?.querySelector<HTMLElement>('.detail__title') ?? ref.current)?.focus({ preventScroll: true });
    // Only a deliberate opening moves the focus (focusSeq), not every change of what is open.
  }, [focusSeq]);

  useEffect(() => {
    if (wasOpen.current && !open) {
      const back = origin.current?.isConnected ? origin.current : document.querySelector<HTMLElement>('.alert-row--selected .alert-row__btn');
      back?.focus({ preventScroll: true });
      origin.current = null;
    }
    wasOpen.current = open;
  }, [open]);

  if (!open || !sel) return null;
  return (
    <aside ref={ref} tabIndex={-1} className={`detail${stale ? ' is-stale' : ''}`} data-testid="detail-panel" data-kind={sel.kind} data-id={sel.id} data-stale={stale || undefined} aria-label={t(`ops.layers.${kindLayer(sel)}`)}>
      <button type="button" className="detail__close" onClick={() => openPanel(false)} aria-label={t('ops.detail.close')} data-testid="detail-close">
        ×
      </button>
      {stale && <StaleStamp />}
      <div className="detail__body">
        <Body sel={sel} pack={pack} />
      </div>
    </aside>
  );
}

const kindLayer = (s: Selection) =>
  ({ alert: 'alerts', incident: 'incidents', camera: 'cameras', station: 'stations', link: 'links', unit: 'units', ward: 'wardCoverage' })[s.kind];

function Body({ sel, pack }: { sel: Selection; pack: CityPack }) {
  const incidents = useIncidents();
  switch (sel.kind) {
    case 'incident': {
      const i = incidents[sel.id];
      return i ? <IncidentView incident={i} pack={pack} /> : <ClosedIncident id={sel.id} pack={pack} />;
    }
    case 'alert':
      return <AlertDetail id={sel.id} pack={pack} />;
    case 'camera':
      return <CameraDetail id={sel.id} pack={pack} />;
    case 'station':
      return <StationDetail id={sel.id} pack={pack} />;
    case 'link':
      return <LinkDetail id={sel.id} />;
    case 'unit':
      return <UnitDetail id={sel.id} />;
    case 'ward':
      return <WardDetail id={sel.id} pack={pack} />;
  }
}

function AlertDetail({ id, pack }: { id: string; pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const alerts = useAlerts();
  const labelOf = useAlertLabels(pack);
  const ward = useWardName(pack);
  const cmd = useCommands();
  const a = alerts[id];
  if (!a) return <Gone />;
  const tz = pack.meta.timezone;
  const label = labelOf(a);
  const state = cmd.stateOf(a.id);
  const fresh = () => liveStore.getState().alerts[a.id]?.version ?? a.version;
  const evidence = alertEvidence(a);
  const sourceSel: Selection | null = ['camera', 'station', 'link', 'ward'].includes(a.source.kind) ? { kind: a.source.kind as Selection['kind'], id: a.source.id } : null;
  return (
    <article className={`alert-detail alert-row--${a.severity}`} data-testid="alert-detail" data-alert-id={a.id} data-state={a.state}>
      <header className="detail__head">
        <SeverityIcon severity={a.severity} />
        <h2 className="detail__title" tabIndex={-1}>
          {label.full}
        </h2>
      </header>
      <p className="detail__tags">
        <span className={`sev-chip sev-chip--${a.severity}`}>{t(`severity.${a.severity}`)}</span>
        {a.escalated && <span className="tag tag--warn">{t('alerts.escalated')}</span>}
        {a.state === 'acknowledged' && <span className="tag tag--ok">{t('alerts.acknowledged')}</span>}
      </p>
      <dl className="facts">
        {label.ward && <Fact label={t('ops.detail.ward')} value={label.ward} />}
        {!label.ward && ward(a.wardId) && <Fact label={t('ops.detail.ward')} value={ward(a.wardId)} />}
        <Fact label={t('ops.detail.firstSeen')} value={formatTime(a.firstSeen, i18n.language, tz, true)} />
        <Fact label={t('ops.detail.lastSeen')} value={formatTime(a.lastSeen, i18n.language, tz, true)} />
        {a.count > 1 && <Fact label={t('ops.detail.count')} value={a.count} />}
        {a.acknowledgedBy && <Fact label={t('alerts.acknowledged')} value={`${a.acknowledgedBy} · ${formatTime(a.acknowledgedAt ?? a.lastSeen, i18n.language, tz)}`} />}
      </dl>
      <div className="actions">
        {a.state === 'active' && (
          <button type="button" className="btn btn--primary" data-testid="detail-ack" disabled={state.phase === 'sending'} onClick={() => void cmd.run(a.id, [step('alert:acknowledge', { id: a.id, version: fresh() })])}>
            {t('ops.queue.acknowledge')}
          </button>
        )}
        {a.incidentId && (
          <button type="button" className="btn" data-testid="open-incident" onClick={() => select({ kind: 'incident', id: a.incidentId! }, true)}>
            {t('ops.detail.openIncident')}
          </button>
        )}
        {sourceSel && (
          <button type="button" className="btn btn--ghost" onClick={() => select(sourceSel, true)}>
            {t('ops.detail.source')} ›
          </button>
        )}
        {/* At the far end, away from "Tiếp nhận": held a few seconds with undo (clearUndo.ts), then sent. */}
        <button
          type="button"
          className="btn btn--ghost actions__far"
          data-testid="detail-clear"
          disabled={state.phase === 'sending'}
          onClick={() => {
            holdClear(a.id, label.full);
            openPanel(false);
          }}
        >
          {t('desk.clearAlert')}
        </button>
      </div>
      <CommandStatus state={state} onDismiss={() => cmd.dismiss(a.id)} />
      {evidence && evidenceHasSnapshot(evidence) && <Evidence alertId={a.id} evidence={evidence} />}
      <CoverageFacts alert={a} />
    </article>
  );
}

function CoverageFacts({ alert: a }: { alert: Alert }) {
  const { t, i18n } = useTranslation();
  if (a.rule !== 'coverage_loss') return null;
  const ids = typeof a.data.stationIds === 'string' ? a.data.stationIds.split(',').filter(Boolean) : [];
  const stations = liveStore.getState().stations;
  return (
    <section className="detail__section">
      <dl className="facts">
        <Fact label={t('ops.detail.coverage')} value={`${new Intl.NumberFormat(i18n.language === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 }).format(Number(a.data.uncoveredPct))} %`} />
        <Fact
          label={t('ops.detail.stationsDown')}
          value={ids.map((id) => (
            <button key={id} type="button" className="linkish" onClick={() => select({ kind: 'station', id }, true)}>
              {stations[id]?.name ?? id}
            </button>
          ))}
        />
      </dl>
    </section>
  );
}

function WardDetail({ id, pack }: { id: string; pack: CityPack }) {
  const { t, i18n } = useTranslation();
  const alerts = useAlerts();
  const ward = useWardName(pack);
  const labelOf = useAlertLabels(pack);
  const loss = wardLoss(alerts).get(id) ?? 0;
  const inWard = Object.values(alerts).filter((a) => a.wardId === id || (a.source.kind === 'ward' && a.source.id === id));
  return (
    <article data-testid="ward-detail">
      <header className="detail__head">
        <h2 className="detail__title">{ward(id) ?? id}</h2>
      </header>
      <dl className="facts">
        <Fact label={t('ops.detail.coverage')} value={`${new Intl.NumberFormat(i18n.language === 'vi' ? 'vi-VN' : 'en-GB', { maximumFractionDigits: 1 }).format(loss)} %`} />
      </dl>
      <ul className="linked">
        {inWard.map((a) => (
          <li key={a.id}>
            <button type="button" className={`linked__btn alert-row--${a.severity}`} onClick={() => select({ kind: 'alert', id: a.id }, true)}>
              <SeverityIcon severity={a.severity} />
              {labelOf(a).full}
            </button>
          </li>
        ))}
      </ul>
    </article>
  );
}
