/**
 * A restarted server knows every device at once: the registry is rebuilt
 * from the last stored status in InfluxDB (statuses here are not retained,
 * so the broker cannot be what fills it).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { topics } from '../../contract/index.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startAedes, type TestAedes } from '../harness/aedes.js';
import { startTestApp } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';

let influxd: TestInfluxd;
let broker: TestAedes;
beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startAedes();
});
afterAll(async () => {
  await broker?.stop();
  await influxd?.stop();
});

it('rebuilds camera, station and link state from InfluxDB at start-up', async () => {
  const env = { INFLUX_DATABASE: `ioc_rebuild_${process.pid}`, MQTT_CLIENT_ID: `ioc-rebuild-${process.pid}` };
  const first = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
  const dev = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  const ts = Date.now();
  await dev.publishAsync(topics.cameraStatus('tt-cam-3'), JSON.stringify({ seq: 1, ts: ts - 2000, state: 'online', fps: 25 }), { qos: 1 });
  await dev.publishAsync(topics.cameraStatus('tt-cam-3'), JSON.stringify({ seq: 2, ts, state: 'offline' }), { qos: 1 });
  await dev.publishAsync(topics.stationStatus('tt-bs-a1'), JSON.stringify({ seq: 1, ts, state: 'down', power: 'battery', batteryPct: 0, backhaul: 'up' }), { qos: 1 });
  await dev.publishAsync(topics.linkStatus('tt-fo-a'), JSON.stringify({ seq: 1, ts, state: 'degraded', latencyMs: 80, lossPct: 2.5 }), { qos: 1 });
  await dev.endAsync();
  await waitFor(() => first.health.stats('telecom').messages === 2 && first.health.stats('cameras').messages === 2);
  await first.writer.flush();
  await first.stop();

  const second = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env });
  try {
    // No new message has arrived: this is what InfluxDB remembered.
    expect(second.health.stats('cameras').messages).toBe(0);
    expect(second.registry.cameras.get('tt-cam-3')).toMatchObject({ state: 'offline', lastSeen: ts, position: expect.any(Array) });
    expect(second.registry.stations.get('tt-bs-a1')).toMatchObject({ state: 'down', power: 'battery', batteryPct: 0, operator: expect.any(String) });
    expect(second.registry.links.get('tt-fo-a')).toMatchObject({ state: 'degraded', latencyMs: 80, lossPct: 2.5 });
    expect(second.registry.cameras.get('tt-cam-1')!.state).toBe('unknown');
  } finally {
    await second.stop();
  }
});
