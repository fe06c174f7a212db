/**
 * Names the panels show for ids (wards, roads, devices, units, actors), alert labels, and the
 * words for incidents and their steps, in the current language: one vocabulary for every screen.
 */
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import { INCIDENT_CHANNELS, type Incident, type IncidentChannel, type IncidentEntry, type IncidentStatus, type IncidentType, type IncidentUnitStatus, type UnitKind } from '../../../contract/domain.js';
import type { Alert } from '../../../contract/alerts.js';
import { useCameras, useIncidents, useLinks, useStations, useUnits } from '../live/hooks.js';
import { alertLabel, wardName, type AlertLabel, type PlaceNames, type TFn } from './alertText.js';

const packNames = new WeakMap<CityPack, Pick<PlaceNames, 'wards' | 'roads'>>();

export function packPlaceNames(pack: CityPack): Pick<PlaceNames, 'wards' | 'roads'> {
  let n = packNames.get(pack);
  if (!n) {
    n = {
      wards: new Map(pack.wards.features.map((f) => [f.properties.id, f.properties])),
      roads: new Map(pack.roads.features.map((f) => [f.properties.id, f.properties.name])),
    };
    packNames.set(pack, n);
  }
  return n;
}

export function usePlaceNames(pack: CityPack): PlaceNames {
  const cameras = useCameras();
  const stations = useStations();
  const links = useLinks();
  return useMemo(() => ({ ...packPlaceNames(pack), cameras, stations, links }), [pack, cameras, stations, links]);
}

/** A function giving an alert's label in the current language. */
export function useAlertLabels(pack: CityPack): (a: Alert) => AlertLabel {
  const { t, i18n } = useTranslation();
  const names = usePlaceNames(pack);
  const lang = i18n.language;
  return useCallback((a: Alert) => alertLabel(a, t as never, names, lang), [t, names, lang]);
}

export function useWardName(pack: CityPack): (id: string | null | undefined) => string | null {
  const { i18n } = useTranslation();
  const lang = i18n.language;
  return useCallback((id) => wardName(packPlaceNames(pack).wards, id, lang), [pack, lang]);
}

/* ---------- words for people: one vocabulary for the console, the phone and the wall (./strings/words.ts) ---------- */

/** A timeline step as people read it: the sentence, who did it (null when the sentence names them), and the note left. */
export interface StepWords {
  text: string;
  by: string | null;
  note: string | null;
}

export interface Words {
  type(t: IncidentType): string;
  status(s: IncidentStatus): string;
  /** A unit's part in one incident. */
  part(s: IncidentUnitStatus): string;
  unitKind(k: UnitKind): string;
  channel(c: IncidentChannel): string;
  /** A unit's name (live, else the city pack's), never its id. */
  unit(id: string | null | undefined): string;
  /** Who did a step: "Hệ thống", a channel's or a unit's name, a username as it is; null for the wall (no names). */
  actor(by: string): string | null;
  /** Another incident, as an officer knows it: its type and where. */
  incident(id: string): string;
  step(e: IncidentEntry): StepWords;
}

export interface WordLookups {
  units: Readonly<Record<string, { name: string }>>;
  packUnits: ReadonlyMap<string, string>;
  incidents: Readonly<Record<string, Pick<Incident, 'type' | 'address' | 'wardId'>>>;
  ward(id: string | null): string | null;
}

const CHANNEL_SET = new Set<string>(INCIDENT_CHANNELS);
/** Before accepting was a step of its own, a crew's acceptance was a note with this marker. */
const LEGACY_ACCEPT = /^\[accept\]\s*/;

/** The vocabulary, pure (unit-testable): `t` is i18next's, the lookups what the screen holds. */
export function makeWords(t: TFn, look: WordLookups): Words {
  const unit = (id: string | null | undefined) => (id ? (look.units[id]?.name ?? look.packUnits.get(id) ?? t('words.actor.unknownUnit')) : t('words.actor.unknownUnit'));
  const incident = (id: string) => {
    const i = look.incidents[id];
    if (!i) return t('words.actor.otherIncident');
    const where = i.address ?? look.ward(i.wardId);
    return [t(`words.type.${i.type}`), where].filter(Boolean).join(' · ');
  };
  const actor = (by: string): string | null => {
    if (!by) return null;
    if (by === 'system') return t('words.actor.system');
    if (CHANNEL_SET.has(by)) return t(`words.channel.${by}`);
    if (by.startsWith('cap:')) return t('words.actor.cap', { sender: by.slice(4) });
    if (look.units[by] || look.packUnits.has(by)) return unit(by);
    return by;
  };
  const step = (e: IncidentEntry): StepWords => {
    const who = actor(e.by);
    const by = who;
    const note = e.note?.trim() ? e.note.trim() : null;
    const u = unit(e.unitId);
    switch (e.action) {
      case 'created':
      case 'report':
        if (CHANNEL_SET.has(e.by) && e.by !== 'system') return { text: t(`words.step.${e.action === 'created' ? 'createdFrom' : 'reportFrom'}`, { source: who }), by: null, note };
        return { text: t(`words.step.${e.action}`), by, note };
      case 'dispatch':
        return { text: t('words.step.dispatch', { unit: u }), by, note };
      case 'reassign':
        return { text: t('words.step.reassign', { unit: u, other: e.otherIncidentId ? incident(e.otherIncidentId) : t('words.actor.otherIncident') }), by, note };
      case 'release':
        if (e.otherIncidentId) return { text: t('words.step.releaseTo', { unit: u, other: incident(e.otherIncidentId) }), by, note };
        return { text: t('words.step.release', { unit: u }), by, note };
      case 'accept':
      case 'on_scene':
        return { text: t(`words.step.${e.action}`, { unit: e.unitId ? u : (who ?? u) }), by: e.unitId ? by : null, note };
      case 'resolve':
        return { text: e.unitId ? t('words.step.resolveBy', { unit: u }) : t('words.step.resolve'), by, note };
      case 'note':
        if (note && LEGACY_ACCEPT.test(note)) return { text: t('words.step.accept', { unit: who ?? u }), by: null, note: null };
        return { text: t('words.step.note'), by, note };
      default:
        return { text: t(`words.step.${e.action}`), by, note };
    }
  };
  return {
    type: (x) => t(`words.type.${x}`),
    status: (x) => t(`words.status.${x}`),
    part: (x) => t(`words.part.${x}`),
    unitKind: (x) => t(`words.unitKind.${x}`),
    channel: (x) => t(`words.channel.${x}`),
    unit,
    actor,
    incident,
    step,
  };
}

const packUnitNames = new WeakMap<CityPack, ReadonlyMap<string, string>>();
function unitNamesOf(pack: CityPack | null): ReadonlyMap<string, string> {
  if (!pack) return new Map();
  let n = packUnitNames.get(pack);
  if (!n) packUnitNames.set(pack, (n = new Map(pack.sites.units.map((u) => [u.id, u.name]))));
  return n;
}

/** The vocabulary on any screen: the console, the phone (which holds only its own unit: the pack names the others), the wall. */
export function useWords(pack: CityPack | null): Words {
  const { t, i18n } = useTranslation();
  const units = useUnits();
  const incidents = useIncidents();
  const lang = i18n.language;
  return useMemo(
    () =>
      makeWords(t as TFn, {
        units,
        packUnits: unitNamesOf(pack),
        incidents,
        ward: (id) => (pack ? wardName(packPlaceNames(pack).wards, id, lang) : null),
      }),
    [t, units, incidents, pack, lang],
  );
}

/** Where an incident is, for a crew or an officer: the address, else the ward's name; null only when nothing is known. */
export function placeOf(i: Pick<Incident, 'address' | 'wardId'>, ward: (id: string | null) => string | null): string | null {
  return i.address?.trim() || ward(i.wardId) || null;
}
