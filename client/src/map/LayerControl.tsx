/** Which layers the map draws; choices persist per workstation (ui.ts). */
import { useTranslation } from 'react-i18next';
import { LAYER_TOGGLES, setLayer, useLayers } from '../app/ui.js';

export function LayerControl() {
  const { t } = useTranslation();
  const layers = useLayers();
  const off = LAYER_TOGGLES.filter((l) => !layers[l]).length;
  return (
    <details className="layers" data-testid="layer-control">
      <summary className="layers__title">
        <svg viewBox="0 0 16 16" aria-hidden="true" className="layers__icon">
          <path d="M8 1l7 4-7 4-7-4zM1 8l7 4 7-4M1 11l7 4 7-4" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
        </svg>
        {t('ops.layers.title')}
        {off > 0 && <span className="layers__off">−{off}</span>}
      </summary>
      <ul className="layers__list">
        {LAYER_TOGGLES.map((l) => (
          <li key={l}>
            <label className="layers__item">
              <input type="checkbox" checked={layers[l]} data-layer={l} onChange={(e) => setLayer(l, e.target.checked)} />
              {t(`ops.layers.${l}`)}
            </label>
          </li>
        ))}
      </ul>
    </details>
  );
}
