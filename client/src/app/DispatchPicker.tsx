/**
 * The dispatch list of an incident (GET /api/incidents/:id → candidates, ranked by the
 * server: the kinds the incident needs first, available before busy, then by ETA). Shown:
 * the first few suitable available units, each with its kind, distance and ETA; "Show all"
 * reveals every candidate, busy ones too (those are reassigned, after a confirmation that
 * names the incident they leave); a filter by unit kind. Dispatching one more unit keeps
 * the others. Folded once units are on the way and none of the suitable kinds is missing.
 * `focusSeq` (the `d` key) unfolds it and puts the focus on the first unit's button:
 * Tab moves down the list, Enter dispatches.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { DispatchCandidate } from '../../../contract/dispatch.js';
import { activeUnits, UNIT_KINDS, type Incident, type UnitKind } from '../../../contract/domain.js';
import { useUnits } from '../live/hooks.js';
import { apiData } from './api.js';
import { formatDistance, formatDuration } from './incidents.js';
import { useWords } from './names.js';
import { InlineConfirm } from './InlineConfirm.js';

/** How many suitable units show before "Show all". */
export const FIRST_FEW = 4;

export function DispatchPicker({
  incident,
  pack,
  busy,
  onDispatch,
  focusSeq = 0,
}: {
  incident: Incident;
  pack: CityPack;
  busy: boolean;
  onDispatch: (unitId: string, reassign: boolean) => void;
  /** One more each time the officer asks for the list from the keyboard. */
  focusSeq?: number;
}) {
  const { t, i18n } = useTranslation();
  const units = useUnits();
  const words = useWords(pack);
  const [fetched, setFetched] = useState<DispatchCandidate[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const [kind, setKind] = useState<UnitKind | ''>('');
  const [confirm, setConfirm] = useState<string | null>(null);
  const [expanded, setExpanded] = useState<boolean | null>(null);
  const section = useRef<HTMLElement>(null);
  const wantFocus = useRef(false);

  useEffect(() => {
    if (focusSeq === 0) return;
    setExpanded(true);
    wantFocus.current = true;
  }, [focusSeq]);
  // After each render until the list is there: the first unit's button, else (nothing to send) the list's header.
  useEffect(() => {
    if (!wantFocus.current || !section.current) return;
    const first = section.current.querySelector<HTMLElement>('[data-testid="dispatch-unit"]');
    if (first) first.focus();
    else if (fetched !== null || failed) section.current.querySelector<HTMLElement>('[data-testid="dispatch-toggle"]')?.focus();
    else return;
    wantFocus.current = false;
  });

  // Refetch when the incident or any unit changes (a unit taken elsewhere changes its place in the list).
  useEffect(() => {
    // A newer request supersedes this one: its answer is ignored (not aborted: it is small, and cheap to finish).
    let current = true;
    apiData<{ incident: Incident; candidates: DispatchCandidate[] }>(`/api/incidents/${encodeURIComponent(incident.id)}`)
      .then((d) => {
        if (!current) return;
        setFetched(d.candidates);
        setFailed(false);
      })
      .catch(() => current && setFailed(true));
    return () => {
      current = false;
    };
  }, [incident.id, incident.version, units]);

  const onIt = useMemo(() => new Set(activeUnits(incident).map((u) => u.unitId)), [incident]);
  // The live unit wins over the fetched copy (status, incident); a unit sent here meanwhile leaves the list.
  const all = useMemo(
    () =>
      (fetched ?? [])
        .map((c) => ({ ...c, unit: units[c.unit.id] ?? c.unit }))
        .filter((c) => !onIt.has(c.unit.id) && c.unit.status !== 'off_duty'),
    [fetched, units, onIt],
  );
  const kinds = useMemo(() => UNIT_KINDS.filter((k) => all.some((c) => c.unit.kind === k)), [all]);
  const ofKind = kind ? all.filter((c) => c.unit.kind === kind) : all;
  const available = ofKind.filter((c) => c.unit.status === 'available');
  const suitable = available.filter((c) => c.suitable);
  // The short list: the suitable units ready to go; with none (or a kind chosen), the nearest ready ones.
  const short = (suitable.length > 0 ? suitable : available).slice(0, FIRST_FEW);
  const shown = showAll ? ofKind : short;
  const hidden = ofKind.length - short.length;

  // A suitable kind not yet on the incident is still missing: the list stays open for it.
  const onKinds = new Set(activeUnits(incident).map((u) => units[u.unitId]?.kind));
  const missing = all.some((c) => c.suitable && c.unit.status === 'available' && !onKinds.has(c.unit.kind));
  const open = expanded ?? (onIt.size === 0 || missing);
  const title = onIt.size === 0 ? t('ops.incident.dispatchTo') : t('ops.incident.dispatchMore');

  const row = (c: DispatchCandidate) => {
    const isBusy = c.unit.status !== 'available';
    const where = isBusy && c.unit.incidentId ? words.incident(c.unit.incidentId) : null;
    return (
      <li
        key={c.unit.id}
        className={`units__row${c.suitable ? ' units__row--suitable' : ''}${isBusy ? ' units__row--busy' : ''}`}
        data-testid="dispatch-candidate"
        data-unit-id={c.unit.id}
        data-kind={c.unit.kind}
        data-suitable={c.suitable}
        data-status={c.unit.status}
      >
        <span className="units__name">
          {c.unit.name}
          <span className="units__kind">{words.unitKind(c.unit.kind)}</span>
          {where && <span className="units__busy">{t('ops.incident.busyOn', { incident: where })}</span>}
        </span>
        <span className="units__dist">{formatDistance(c.distanceM, i18n.language)}</span>
        <span className="units__eta" title={t('ops.incident.etaTitle')} data-testid="dispatch-eta">
          {t('ops.incident.eta', { eta: formatDuration(c.etaS, i18n.language) })}
        </span>
        {confirm === c.unit.id ? (
          <InlineConfirm
            message={t('ops.incident.confirmReassign', { unit: c.unit.name, incident: where ?? t('words.actor.otherIncident') })}
            testId="dispatch-confirm"
            busy={busy}
            onYes={() => {
              setConfirm(null);
              onDispatch(c.unit.id, true);
            }}
            onNo={() => setConfirm(null)}
          />
        ) : (
          <button
            type="button"
            className={`btn btn--sm${isBusy ? '' : ' btn--primary'}`}
            disabled={busy}
            data-testid="dispatch-unit"
            onClick={() => (isBusy ? setConfirm(c.unit.id) : onDispatch(c.unit.id, false))}
          >
            {isBusy ? t('ops.incident.reassign') : t('ops.incidentAction.dispatch')}
          </button>
        )}
      </li>
    );
  };

  const groups = showAll
    ? [
        { key: 'suitable', label: t('ops.incident.suitable'), items: shown.filter((c) => c.suitable) },
        { key: 'others', label: t('ops.incident.others'), items: shown.filter((c) => !c.suitable) },
      ].filter((g) => g.items.length > 0)
    : [{ key: 'short', label: suitable.length > 0 ? t('ops.incident.suitable') : null, items: shown }];

  return (
    <section className="detail__section dispatch" data-testid="dispatch" data-open={open} ref={section}>
      <button type="button" className="dispatch__toggle detail__h3" aria-expanded={open} data-testid="dispatch-toggle" onClick={() => setExpanded(!open)}>
        <span className="dispatch__caret" aria-hidden="true">
          {open ? '▾' : '▸'}
        </span>
        {title}
      </button>
      {open &&
        (fetched === null && !failed ? (
          <p className="muted">{t('ops.incident.loadingUnits')}</p>
        ) : failed ? (
          <p className="muted">{t('ops.incident.unitsUnavailable')}</p>
        ) : (
          <>
            <div className="dispatch__bar">
              <select className="qfilters__select" value={kind} aria-label={t('ops.incident.kindFilter')} data-testid="dispatch-kind" onChange={(e) => setKind(e.target.value as UnitKind | '')}>
                <option value="">{t('ops.incident.allKinds')}</option>
                {kinds.map((k) => (
                  <option key={k} value={k}>
                    {words.unitKind(k)}
                  </option>
                ))}
              </select>
              {(hidden > 0 || showAll) && (
                <button type="button" className="btn btn--sm" aria-pressed={showAll} data-testid="dispatch-show-all" onClick={() => setShowAll(!showAll)}>
                  {showAll ? t('ops.incident.showFewer') : t('ops.incident.showAll', { count: ofKind.length })}
                </button>
              )}
            </div>
            {shown.length === 0 ? (
              <p className="muted">{kind ? t('ops.incident.noneOfKind') : t('ops.incident.noUnits')}</p>
            ) : (
              groups.map((g) => (
                <div key={g.key} className="dispatch__group">
                  {g.label && <h4 className="dispatch__h4">{g.label}</h4>}
                  <ul className="units" data-testid={`dispatch-${g.key}`}>
                    {g.items.map(row)}
                  </ul>
                </div>
              ))
            )}
          </>
        ))}
    </section>
  );
}
