/** Names the panels show for ids (wards, roads, devices), and alert labels in the current language. */
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { Alert } from '../../../contract/domain.js';
import { useCameras, useLinks, useStations } from '../live/hooks.js';
import { alertLabel, wardName, type AlertLabel, type PlaceNames } from './alertText.js';

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
