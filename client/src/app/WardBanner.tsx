/**
 * Says, over the map, that the whole screen is narrowed to one ward (issue
 * #27.7), so an officer never takes a quiet ward for a quiet city; one click
 * shows the whole city again. Choosing a ward also takes the map there.
 */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { CityPack } from '../../../contract/citypack.js';
import type { LngLat } from '../../../contract/domain.js';
import { wardLabelPoints } from '../map/labels.js';
import { useWardName } from './names.js';
import { flyTo, setWardFilter, useWardFilter } from './ui.js';
import './tools.css';

export function WardBanner({ pack }: { pack: CityPack }) {
  const { t } = useTranslation();
  const ward = useWardFilter();
  const name = useWardName(pack);
  useEffect(() => {
    if (ward === null) return;
    const at = wardLabelPoints(pack.wards).features.find((f) => f.properties?.id === ward)?.geometry.coordinates;
    if (at) flyTo(at as LngLat);
  }, [ward, pack]);
  if (ward === null) return null;
  return (
    <div className="ward-banner" role="status" data-testid="ward-banner" data-ward={ward}>
      <span className="ward-banner__text">
        <strong>{t('tools.ward.banner', { ward: name(ward) ?? ward })}</strong> · {t('tools.ward.scope')}
      </span>
      <button type="button" className="btn btn--sm ward-banner__clear" data-testid="ward-clear" onClick={() => setWardFilter(null)}>
        {t('tools.ward.clear')}
      </button>
    </div>
  );
}
