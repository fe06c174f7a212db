/**
 * The duty officer's work list: open alerts, related ones grouped, most urgent
 * first (severity, then most recent). Filters in the header; acknowledge from the
 * row with the version the store holds (clearing is in the detail panel, with undo);
 * j/k move, a acknowledges, Enter opens the detail panel, Esc closes it. The cursor
 * and the keyboard focus are one: j/k move the focus to the row, and a row that
 * takes the focus (Tab, a click) becomes the cursor, so Enter opens the row the
 * officer sees focused. Selecting flies the map there. Alerts whose clear is held
 * for undo (clearUndo.ts) are left out meanwhile.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { Alert } from '../../../contract/alerts.js';
import { useCameras, useClockOffset, useConnection, useStations } from '../live/hooks.js';
import { liveStore } from '../live/store.js';
import { alertPosition } from '../map/features.js';
import { AlertRow } from './AlertRow.js';
import { useAlertLabels } from './names.js';
import { groupAlerts, isFiltered, lineAlert, matchesFilters, moveIndex, queueLines, type QueueLine } from './queue.js';
import { QueueFilters, SeverityFilter } from './QueueFilters.js';
import { useWardAlertQueue } from './ward.js';
import { StaleStamp } from './StaleStamp.js';
import { flyTo, openPanel, select, selectAlert, toggleExpanded, uiStore, useExpanded, useFilters, useSelectedAlertId } from './ui.js';
import { step, useCommands } from './useCommand.js';
import { useNow } from './useNow.js';
import { useShortcuts } from './useShortcuts.js';
import { hiddenAlertIds, usePendingClears } from './clearUndo.js';

/** Rendering hundreds of rows helps nobody: beyond this the officer filters. */
const MAX_LINES = 150;

export function AlertQueue({ pack }: { pack: CityPack }) {
  const { t } = useTranslation();
  // The screen's ward filter narrows the queue's count and severity chips too (issue #27.7).
  const queue = useWardAlertQueue();
  const filters = useFilters();
  const expanded = useExpanded();
  const selectedId = useSelectedAlertId();
  const cameras = useCameras();
  const stations = useStations();
  const stale = useConnection().state === 'offline';
  const now = useNow(10_000) + useClockOffset();
  const labelOf = useAlertLabels(pack);
  const cmd = useCommands();
  const [cursor, setCursor] = useState<string | null>(null);
  const pendingClears = usePendingClears();
  const held = useMemo(() => hiddenAlertIds(pendingClears), [pendingClears]);

  const shown = useMemo(() => queue.filter((a) => !held.has(a.id) && matchesFilters(a, filters)), [queue, filters, held]);
  const groups = useMemo(() => groupAlerts(shown), [shown]);
  const lines = useMemo(() => queueLines(groups, expanded).slice(0, MAX_LINES), [groups, expanded]);
  const labels = useMemo(() => new Map(lines.map((l) => [l.key, labelOf(lineAlert(l))])), [lines, labelOf]);

  // The highlighted line: the cursor if it is still there, else the line of the selected alert.
  const index = useMemo(() => {
    const i = cursor ? lines.findIndex((l) => l.key === cursor) : -1;
    if (i >= 0 && lineAlert(lines[i]!).id === selectedId) return i;
    if (!selectedId) return -1;
    const own = lines.findIndex((l) => lineAlert(l).id === selectedId);
    // A group whose lead changed (a more urgent alert joined) still holds the selection.
    return own >= 0 ? own : lines.findIndex((l) => l.member === null && l.group.members.some((m) => m.id === selectedId));
  }, [lines, cursor, selectedId]);

  const pick = useCallback(
    (line: QueueLine, open?: boolean) => {
      const a = lineAlert(line);
      setCursor(line.key);
      selectAlert(a.id, open);
      const position = alertPosition(a, cameras, stations);
      if (position) flyTo(position);
    },
    [cameras, stations],
  );

  // A click opens the detail panel too; j/k only move (the panel, if open, follows).
  const openLine = useCallback((line: QueueLine) => pick(line, true), [pick]);

  const ack = useCallback(
    (line: QueueLine) => {
      const targets = line.member ? (line.member.state === 'active' ? [line.member] : []) : line.group.active;
      // Versions as the store holds them now: a newer delta may have landed since render.
      const live = freshActive(targets);
      if (live.length > 0) void cmd.run(line.key, live.map((a) => step('alert:acknowledge', { id: a.id, version: a.version })));
    },
    [cmd],
  );
  // Focus that lands in a row (Tab, click) moves the cursor there; the row already under it stays as it is.
  const cursorRef = useRef<string | null>(null);
  cursorRef.current = index >= 0 ? lines[index]!.key : null;
  const onFocusLine = useCallback((line: QueueLine) => line.key !== cursorRef.current && pick(line), [pick]);

  // j/k: the cursor moves and the focus goes with it (once the row is drawn).
  const [focusLine, setFocusLine] = useState<{ key: string } | null>(null);
  const step1 = (by: 1 | -1) => {
    if (lines.length === 0) return;
    const line = lines[moveIndex(index, by, lines.length)]!;
    pick(line);
    setFocusLine({ key: line.key });
  };
  useEffect(() => {
    if (!focusLine) return;
    listRef.current?.querySelector<HTMLElement>(`[data-line="${CSS.escape(focusLine.key)}"] .alert-row__btn`)?.focus({ preventScroll: true });
  }, [focusLine]);

  useShortcuts({
    j: () => step1(1),
    k: () => step1(-1),
    a: () => index >= 0 && ack(lines[index]!),
    i: openIncidentOfSelected,
    Enter: () => index >= 0 && pick(lines[index]!, true),
    Escape: () => uiStore.getState().panelOpen && openPanel(false),
  });

  const listRef = useRef<HTMLOListElement>(null);
  const below = useBelowFold(listRef, lines.length);
  useEffect(() => {
    // Keep the highlighted line in view as j/k move through a long list.
    listRef.current?.querySelector('.alert-row--selected')?.scrollIntoView({ block: 'nearest' });
  }, [index]);

  return (
    // The testid sits on the section (always rendered), so tests can see the empty state too.
    <section className={`panel alerts${stale ? ' is-stale' : ''}`} aria-labelledby="alerts-title" data-testid="alert-queue" data-count={queue.length} data-shown={shown.length}>
      <div className="panel__title">
        <h2 className="panel__heading" id="alerts-title">
          {t('alerts.title')} <span className="panel__count">{queue.length}</span>
        </h2>
        <SeverityFilter alerts={queue} />
      </div>
      <QueueFilters pack={pack} />
      {stale && <StaleStamp />}
      {queue.length === 0 ? (
        <p className="alerts__empty">{t('alerts.empty')}</p>
      ) : shown.length === 0 ? (
        <p className="alerts__empty" data-testid="queue-filtered-out">
          {t('ops.queue.filteredOut', { count: queue.length })}
        </p>
      ) : (
        <ol className="alerts__list" ref={listRef}>
          {lines.map((l, i) => (
            <AlertRow
              key={l.key}
              line={l}
              label={labels.get(l.key)!}
              now={now}
              stale={stale}
              timeZone={pack.meta.timezone}
              selected={i === index}
              expanded={expanded.has(l.group.id)}
              command={cmd.stateOf(l.key)}
              onPick={openLine}
              onToggle={toggleExpanded}
              onAck={ack}
              onFocusLine={onFocusLine}
              onDismiss={(line) => cmd.dismiss(line.key)}
            />
          ))}
        </ol>
      )}
      {below > 0 && (
        <p className="alerts__more" data-testid="queue-more">
          {t('ops.queue.moreBelow', { count: below })}
        </p>
      )}
      {isFiltered(filters) || queue.length === 0 ? null : <p className="alerts__keys">{t('ops.queue.shortcuts')}</p>}
    </section>
  );
}

/** The selected alert's incident, opened in the panel (the `i` key; the panel's "Mở sự cố"). */
function openIncidentOfSelected(): void {
  const sel = uiStore.getState().selection;
  const incidentId = sel?.kind === 'alert' ? liveStore.getState().alerts[sel.id]?.incidentId : null;
  if (incidentId) select({ kind: 'incident', id: incidentId }, true);
}

/** The alerts as the live store holds them now (fresh versions), still active. */
function freshActive(targets: readonly Alert[]): Alert[] {
  const held = liveStore.getState().alerts;
  return targets.map((a) => held[a.id]).filter((a): a is Alert => a !== undefined && a.state === 'active');
}

/** How many queue lines are below the visible part of the list (the "+N more" hint). */
function useBelowFold(ref: React.RefObject<HTMLOListElement | null>, count: number): number {
  const [below, setBelow] = useState(0);
  useEffect(() => {
    const list = ref.current;
    if (!list) return setBelow(0);
    const measure = () => {
      const bottom = list.getBoundingClientRect().bottom;
      let n = 0;
      for (const li of list.children) if (li.getBoundingClientRect().top >= bottom - 4) n++;
      setBelow(n);
    };
    measure();
    list.addEventListener('scroll', measure, { passive: true });
    const ro = new ResizeObserver(measure);
    ro.observe(list);
    return () => {
      list.removeEventListener('scroll', measure);
      ro.disconnect();
    };
  }, [ref, count]);
  return below;
}
