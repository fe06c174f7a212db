/**
 * The duty officer's main screen: header, live map, and the side panel (alert
 * queue + device summary). Dense data is drawn by map layers, not React.
 */
import type { CityPack } from '../../../contract/citypack.js';
import { MapView } from '../map/MapView.js';
import { AlertQueue } from './AlertQueue.js';
import type { ClientConfig } from './bootstrap.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { DeviceSummary } from './DeviceSummary.js';
import { Header } from './Header.js';

export function ConsolePage({ pack, config }: { pack: CityPack; config: ClientConfig }) {
  return (
    <div className="console">
      <Header meta={pack.meta} />
      <main className="console__body">
        <div className="console__map">
          <ConnectionBanner timeZone={pack.meta.timezone} />
          <MapView pack={pack} config={config} />
        </div>
        <aside className="console__side">
          <AlertQueue pack={pack} />
          <DeviceSummary />
        </aside>
      </main>
    </div>
  );
}
