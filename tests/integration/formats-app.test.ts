/**
 * The real interchange formats through the whole app on the demo city:
 * CAP 1.2 over MQTT and HTTP (Alert, the same message twice, Update, Cancel),
 * Frigate NVR events and availability, and an OpenCelliD station list that
 * the registry keeps across a restart. Each lands in InfluxDB and where it
 * belongs in the live picture.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { topics } from '../../contract/index.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';
import { startTestApp, type TestApp } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';

const root = path.join(import.meta.dirname, '..', '..');
const fixture = (p: string) => fs.readFileSync(path.join(root, 'tests', 'fixtures', p), 'utf8');
const CAP = fixture('cap/ninh-thuan-flood.xml');
const SENDER = 'canhbao@kttv.ninhthuan.gov.vn';
const ID = 'VN-KTTV-NT-2026-1123-0042';

let influxd: TestInfluxd;
let broker: TestMosquitto;
let app: TestApp;
const env = {
  CITY_PACK: path.join(root, 'citypacks', 'phan-rang-thap-cham'),
  FRIGATE_MAP: path.join(root, 'config', 'frigate-map.example.json'),
  INFLUX_DATABASE: `ioc_formats_${process.pid}`,
  MQTT_CLIENT_ID: `ioc-formats-${process.pid}`,
  SPOOL_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-formats-')),
};
/** `Authorization` with an ingest token issued through the app's own service (server/ingest/tokens.ts). */
let auth: Record<string, string> = {};

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
  const { token } = app.ingestTokens.issue({ name: 'KTTV Ninh Thuận', senders: [SENDER], scopes: ['cap', 'stations'] });
  auth = { authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(env.SPOOL_DIR, { recursive: true, force: true });
});

async function publish(topic: string, payload: string): Promise<void> {
  const c = await mqtt.connectAsync(broker.url, { protocolVersion: 5 });
  await c.publishAsync(topic, payload, { qos: 1 });
  await c.endAsync();
}
const capIncident = () => app.operations.incidents.recent().find((i) => i.externalRef === `${SENDER},${ID}`);

describe('OASIS CAP 1.2', () => {
  it('an Actual Alert over MQTT opens an incident with its alert, and is stored', async () => {
    await publish(topics.cap('kttv-ninhthuan'), CAP);
    const inc = await waitFor(capIncident, { message: 'no incident from the CAP alert' });
    expect(inc).toMatchObject({ channel: 'cap', type: 'flood', severity: 'major', status: 'new' });
    expect(inc.position).not.toBeNull();
    expect(inc.alertIds).toHaveLength(1);
    expect(app.operations.alerts.get(inc.alertIds[0]!)).toMatchObject({ rule: 'incident_report', incidentId: inc.id });
    await app.writer.flush();
    const rows = await app.influx.query<{ identifier: string }>(`SELECT * FROM cap_alert WHERE time > now() - 3650d`);
    expect(rows.map((r) => r.identifier)).toContain(ID);
  });

  it('the same message again over HTTP is accepted but makes no second incident', async () => {
    const res = await fetch(`${app.url}/api/ingest/cap`, { method: 'POST', headers: { 'content-type': 'application/cap+xml', ...auth }, body: CAP });
    expect(res.status).toBe(202);
    expect(app.operations.incidents.recent().filter((i) => i.channel === 'cap')).toHaveLength(1);
  });

  it('refuses a bad CAP with the element named, and a missing token', async () => {
    const bad = await fetch(`${app.url}/api/ingest/cap`, { method: 'POST', headers: { 'content-type': 'application/xml', ...auth }, body: CAP.replace('<urgency>Immediate</urgency>', '<urgency>Soonish</urgency>') });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/urgency/);
    const anon = await fetch(`${app.url}/api/ingest/cap`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: CAP });
    expect(anon.status).toBe(401);
  });

  it('an Update amends the incident, a Cancel closes it', async () => {
    const ref = `${SENDER},${ID},2026-11-23T08:00:00+07:00`;
    const update = CAP.replace(`<identifier>${ID}</identifier>`, `<identifier>${ID}-U1</identifier>`)
      .replace('<msgType>Alert</msgType>', '<msgType>Update</msgType>')
      .replace('<scope>Public</scope>', `<scope>Public</scope>\n  <references>${ref}</references>`)
      .replace('<severity>Severe</severity>', '<severity>Extreme</severity>');
    await publish(topics.cap('kttv-ninhthuan'), update);
    await waitFor(() => capIncident()?.severity === 'critical', { message: 'update not applied' });
    expect(capIncident()!.timeline.map((e) => e.action)).toContain('update');

    const cancel = CAP.replace(`<identifier>${ID}</identifier>`, `<identifier>${ID}-C1</identifier>`)
      .replace('<msgType>Alert</msgType>', '<msgType>Cancel</msgType>')
      .replace('<scope>Public</scope>', `<scope>Public</scope>\n  <references>${ref}</references>`);
    await publish(topics.cap('kttv-ninhthuan'), cancel);
    await waitFor(() => capIncident()?.status === 'closed', { message: 'cancel not applied' });
    expect(capIncident()!.timeline.at(-1)).toMatchObject({ action: 'cancel', to: 'closed' });
  });
});

describe('Frigate NVR', () => {
  it('a fire event on a mapped camera becomes a detection, a critical alert and an incident', async () => {
    // A fresh event: the fixture's times are older than the raw retention policy (30 d).
    const t = Date.now() / 1000;
    const ev = JSON.parse(fixture('frigate/new-fire.json')) as Record<'before' | 'after', Record<string, unknown>>;
    for (const o of [ev.before, ev.after]) Object.assign(o, { start_time: t, frame_time: t });
    await publish(topics.frigateEvents, JSON.stringify(ev));
    const alert = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'detection_fire_smoke' && a.source.id === 'cam-sec-01'), {
      message: 'no fire alert from the Frigate event',
    });
    expect(alert.severity).toBe('critical');
    await waitFor(() => app.operations.incidents.open().some((i) => i.type === 'fire' && i.alertIds.includes(alert.id)));
    await app.writer.flush();
    const events = await app.influx.query<{ camera: string; label: string }>(`SELECT * FROM frigate_event WHERE time > now() - 1h`);
    expect(events[0]).toMatchObject({ camera: 'cam-sec-01', label: 'fire' });
    const det = await app.influx.query<{ kind: string }>(`SELECT * FROM detection WHERE camera = 'cam-sec-01' AND time > now() - 1h`);
    expect(det.map((d) => d.kind)).toContain('fire_smoke');
  });

  it('frigate/available offline takes the mapped cameras offline; an unknown camera is rejected', async () => {
    await publish(topics.frigateAvailable, 'offline');
    await waitFor(() => app.registry.cameras.get('cam-sec-01')?.state === 'offline' && app.registry.cameras.get('cam-005')?.state === 'offline');
    const unknown = JSON.parse(fixture('frigate/new-fire.json')) as { before: { camera: string }; after: { camera: string } };
    unknown.before.camera = unknown.after.camera = 'camera_not_in_the_map';
    await publish(topics.frigateEvents, JSON.stringify(unknown));
    await waitFor(() => app.health.stats('frigate').rejected.unknown_camera === 1);
  });
});

describe('OpenCelliD station list', () => {
  it('an import adds the stations to the live registry and survives a restart', async () => {
    const csv = fixture('opencellid/sample.csv');
    const res = await fetch(`${app.url}/api/ingest/stations`, { method: 'POST', headers: { 'content-type': 'text/csv', ...auth }, body: csv });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { imported: number; errorCount: number } };
    expect(body.data.imported).toBeGreaterThan(2);
    const id = 'ocid-452-4-10201-3311';
    expect(app.registry.stations.get(id)).toMatchObject({ operator: 'Viettel', techs: ['2G'], position: [108.9881, 11.5662] });

    await app.writer.flush();
    await app.stop();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
    expect(app.registry.stations.get(id)).toMatchObject({ operator: 'Viettel', radiusM: 1200 });
    // …and the CAP incident closed by its Cancel is still known after the restart.
    expect(capIncident()).toMatchObject({ status: 'closed' });
  });
});
