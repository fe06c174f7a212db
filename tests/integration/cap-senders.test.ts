/**
 * A source device on the embedded broker sends CAP alerts only as the CAP
 * senders registered for it (`npm run users -- device-add kttv-gw --kind source
 * --sender …`), as an ingest token does over HTTP: an agency's gateway cannot
 * claim another agency's <sender>, and so cannot Update or Cancel its alerts.
 */
import fs from 'node:fs';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import { databaseWithDevices, withDevices } from '../harness/accounts.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { waitFor } from '../harness/wait.js';

const CAP = fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'cap', 'ninh-thuan-flood.xml'), 'utf8');
const KTTV = 'canhbao@kttv.ninhthuan.gov.vn';
const EVN = 'canhbao@evn-ninhthuan.vn';

let influxd: TestInfluxd;
let app: TestApp;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  influxd = await startTestInfluxd();
  // Registered before the server starts (npm run users -- device-add … --sender …), so loaded at its start.
  const db = await databaseWithDevices([
    { id: 'kttv-gw', kind: 'source', senders: [KTTV] },
    { id: 'evn-gw', kind: 'source', senders: [EVN] },
    { id: 'plain-src', kind: 'source' },
  ]);
  Object.assign(secrets, db.secrets);
  app = await startTestApp({ mqttUrl: '', influxUrl: influxd.url, env: { MQTT_EMBEDDED_PORT: '0', MQTT_EMBEDDED_HOST: '127.0.0.1', DATABASE_URL: db.url } });
  await waitFor(async () => (await app.healthReport()).broker.connected, { message: 'the server did not connect to its own broker' });
});
afterAll(async () => {
  await app?.stop();
  await influxd?.stop();
});

function cap(o: { sender: string; id: string; type?: 'Alert' | 'Cancel'; refs?: { sender: string; id: string } }): string {
  let x = CAP.replace(/<identifier>[^<]+</, `<identifier>${o.id}<`).replace(/<sender>[^<]+</, `<sender>${o.sender}<`);
  x = x.replace('<msgType>Alert</msgType>', `<msgType>${o.type ?? 'Alert'}</msgType>`);
  if (o.refs) x = x.replace('<scope>Public</scope>', `<scope>Public</scope>\n  <references>${o.refs.sender},${o.refs.id},2026-11-23T08:00:00+07:00</references>`);
  return x;
}
async function publish(device: string, xml: string): Promise<void> {
  const c = await mqtt.connectAsync(app.mqttUrl, { username: device, password: secrets[device], clientId: device, reconnectPeriod: 0, protocolVersion: 4 });
  await c.publishAsync(topics.cap(device), xml, { qos: 1 });
  await c.endAsync();
}
const incidentOf = (id: string) => app.operations.incidents.open().find((i) => i.externalRef === `${KTTV},${id}`) ?? app.operations.incidents.recent().find((i) => i.externalRef === `${KTTV},${id}`);

describe('CAP over the embedded broker', () => {
  it('takes an alert from the gateway registered for its sender', async () => {
    await publish('kttv-gw', cap({ sender: KTTV, id: 'KTTV-GW-1' }));
    const inc = await waitFor(() => incidentOf('KTTV-GW-1'), { message: 'no incident from the registered gateway' });
    expect(inc.status).toBe('new');
  });

  it('refuses another agency’s gateway claiming that sender, and a source with no sender at all', async () => {
    const before = app.health.stats('cap').rejected.sender_not_allowed ?? 0;
    // EVN's gateway, authenticated, tries to cancel KTTV's alert by sending as KTTV.
    await publish('evn-gw', cap({ sender: KTTV, id: 'KTTV-GW-1-C', type: 'Cancel', refs: { sender: KTTV, id: 'KTTV-GW-1' } }));
    await publish('plain-src', cap({ sender: KTTV, id: 'KTTV-GW-2' }));
    await waitFor(() => (app.health.stats('cap').rejected.sender_not_allowed ?? 0) === before + 2, { message: 'spoofed senders not rejected' });
    expect(app.health.deadLetters().slice(0, 2).map((d) => d.detail)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^source evn-gw may not send CAP alerts as canhbao@kttv/), expect.stringMatching(/^source plain-src may not send/)]),
    );
    expect(incidentOf('KTTV-GW-1')!.status).toBe('new');
    expect(incidentOf('KTTV-GW-2')).toBeUndefined();
    // EVN's gateway sending as EVN is fine.
    await publish('evn-gw', cap({ sender: EVN, id: 'EVN-GW-1' }));
    await waitFor(() => app.operations.incidents.open().some((i) => i.externalRef === `${EVN},EVN-GW-1`), { message: 'EVN’s own alert not taken' });
  });

  it('lets only source devices carry senders', async () => {
    await withDevices(app.config.DATABASE_URL!, async (reg) => {
      await expect(reg.add('cam-x', 'camera', [KTTV])).rejects.toThrow(/only a source device/);
      await expect(reg.add('src-x', 'source', ['two words'])).rejects.toThrow(/CAP sender/);
      expect(reg.get('cam-x')).toBeUndefined();
    });
  });
});
