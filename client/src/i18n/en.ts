import type { Resources } from './vi.js';

type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };

/** English, for visiting engineers and vendors. Same keys as vi.ts (checked by the type). */
export const en: Strings<Resources> = {
  app: {
    title: 'Intelligent Operations Center',
    loading: 'Loading city data…',
    retrying: 'Cannot reach the server, retrying (attempt {{attempt}})…',
  },
  connection: {
    live: 'Live',
    connecting: 'Connecting…',
    offline: 'Disconnected',
    banner: 'Connection lost at {{time}} — showing last known data',
    reconnecting: 'Reconnecting automatically',
    updated: 'Updated {{age}}',
  },
  severity: { critical: 'Critical', major: 'Major', minor: 'Minor', info: 'Info' },
  header: { activeAlerts: 'Unacknowledged alerts', clock: 'Local time' },
  lang: { label: 'Language', vi: 'VI', en: 'EN', viName: 'Tiếng Việt', enName: 'English' },
  alerts: {
    title: 'Alert queue',
    empty: 'No open alerts. All systems normal.',
    acknowledged: 'Acknowledged',
    escalated: 'Escalated',
    repeats: '{{count}}×',
    more: 'and {{count}} more alerts',
    unknownPlace: 'Location unknown',
    showOnMap: 'Show on map: {{title}}',
  },
  source: { camera: 'Camera', station: 'Base station', link: 'Fiber link', incident: 'Incident', ward: 'Ward' },
  devices: {
    title: 'Devices',
    cameras: 'Cameras',
    stations: 'Base stations',
    links: 'Fiber links',
    down: '{{count}} down',
    allUp: 'All up',
    ratio: '{{up}}/{{total}}',
  },
  map: {
    label: 'Live city map',
    legend: 'Legend',
    camera: 'Camera',
    station: 'Base station',
    online: 'Online',
    degraded: 'Degraded',
    offline: 'Offline',
    coverage: 'Coverage',
    coverageDown: 'Coverage lost',
    linkUp: 'Fiber link',
    linkDown: 'Fiber cut',
    alert: 'Alert',
    newAlert: 'New alert',
  },
};
