/**
 * The duty officer's main screen: header with KPIs, the live map with the detail
 * panel over its right edge, and the side column (alert queue, incidents,
 * devices). Dense data is drawn by map layers, not React. While the link is down
 * the whole screen is marked stale, not just the map (review item 1).
 */
import type { CityPack } from '../../../contract/citypack.js';
import { useConnection } from '../live/hooks.js';
import { MapView } from '../map/MapView.js';
import { AlertQueue } from './AlertQueue.js';
import { useAttention } from './attention.js';
import type { ClientConfig } from './bootstrap.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { DetailPanel } from './DetailPanel.js';
import { VcPanel } from './VcPanel.js';
import { DeviceSummary } from './DeviceSummary.js';
import { Header } from './Header.js';
import { IncidentsPanel } from './IncidentsPanel.js';
import { registerOpsStrings } from './strings/register.js';
import { TimeZoneContext } from './timezone.js';
import { UnitRoster } from './UnitRoster.js';
import { WardBanner } from './WardBanner.js';
import { ClosedList } from './ClosedIncidents.js';
import { DeskKeys } from './ShortcutHelp.js';
import { UndoToasts } from './UndoToasts.js';
import { VideoWall } from '../video/VideoWall.js';

registerOpsStrings();

export function ConsolePage({ pack, config }: { pack: CityPack; config: ClientConfig }) {
  useAttention();
  const stale = useConnection().state === 'offline';
  return (
    <TimeZoneContext.Provider value={pack.meta.timezone}>
      <div className={`console${stale ? ' console--stale' : ''}`} data-testid="console" data-stale={stale || undefined}>
        <Header meta={pack.meta} />
        <main className="console__body">
          <div className="console__map">
            <ConnectionBanner timeZone={pack.meta.timezone} />
            <WardBanner pack={pack} />
            <MapView pack={pack} config={config} />
            <DetailPanel pack={pack} />
            <VideoWall />
            <UndoToasts />
          </div>
          <aside className="console__side">
            <AlertQueue pack={pack} />
            <IncidentsPanel pack={pack} />
            <UnitRoster pack={pack} />
            <DeviceSummary />
            <VcPanel pack={pack} />
          </aside>
        </main>
        <DeskKeys />
        <ClosedList pack={pack} />
      </div>
    </TimeZoneContext.Provider>
  );
}
