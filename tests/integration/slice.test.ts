/**
 * The end-to-end slice, hop by hop: a device publishes a camera status over
 * MQTT → the server validates it → a point lands in InfluxDB (queried back)
 * → a Socket.IO console receives it. Against real influxd and both brokers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { topics } from '../../contract/index.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto } from '../harness/mosquitto.js';
import { startAedes } from '../harness/aedes.js';
import { connectConsole, startTestApp, type TestApp, type TestConsole } from '../harness/app.js';
import { waitFor } from '../harness/wait.js';
import { readChanges } from '../harness/live.js';

let influxd: TestInfluxd;
beforeAll(async () => {
  influxd = await startTestInfluxd();
});
afterAll(async () => {
  await influxd?.stop();
});

const brokers = {
  mosquitto: startMosquitto,
  aedes: startAedes,
};

describe.each(Object.keys(brokers) as (keyof typeof brokers)[])('slice over %s', (name) => {
  let broker: { url: string; stop(): Promise<void> };
  let app: TestApp;
  let consoleClient: TestConsole;

  beforeAll(async () => {
    broker = await brokers[name]();
    app = await startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url });
    consoleClient = await connectConsole(app.url, await app.token('duty_officer'));
  });
  afterAll(async () => {
    consoleClient?.close();
    await app?.stop();
    await broker?.stop();
  });

  it('the snapshot lists the pack cameras before any message', () => {
    const snap = consoleClient.snapshots[0]!;
    expect(snap.cameras.map((c) => c.id)).toContain('tt-cam-1');
    expect(snap.cameras.find((c) => c.id === 'tt-cam-1')!.state).toBe('unknown');
  });

  it('a camera status goes MQTT → InfluxDB → Socket.IO', async () => {
    const device = await mqtt.connectAsync(broker.url, { clientId: `dev-${name}`, protocolVersion: 4 });
    const ts = Date.now();
    await device.publishAsync(topics.cameraStatus('tt-cam-1'), JSON.stringify({ seq: 1, ts, state: 'degraded', fps: 12.5, bitrateKbps: 900 }), { qos: 1, retain: true });
    await device.endAsync();

    // hop 1: validated into the registry
    await waitFor(() => app.registry.cameras.get('tt-cam-1')?.state === 'degraded', { message: 'registry never saw the status' });

    // hop 2: stored in InfluxDB, queried back
    const rows = await waitFor(
      async () => {
        const r = await app.influx.query<{ state: string; fps: number; camera: string; ward: string }>(
          `SELECT * FROM camera_status WHERE camera = 'tt-cam-1' AND time > now() - 1h`,
        );
        return r.length > 0 ? r : null;
      },
      { message: 'point never reached InfluxDB' },
    );
    // Every row the query gave, in the message: a point without its state would say where it came from.
    expect(rows[0], JSON.stringify(rows)).toMatchObject({ state: 'degraded', fps: 12.5, camera: 'tt-cam-1' });
    expect(rows[0]!.ward).not.toBe('none'); // the pack's ward became a tag

    // hop 3: pushed to a console
    const change = await waitFor(() =>
      consoleClient.deltas.flatMap((d) => readChanges(d.changes)).find((c) => c.kind === 'cameraLive' && c.camera.id === 'tt-cam-1'),
    );
    // A camera the console knows from its snapshot comes as its live fields only.
    expect(change).toMatchObject({ kind: 'cameraLive', camera: { state: 'degraded', fps: 12.5 } });
    expect(change).not.toHaveProperty('camera.position');

    // deltas are numbered consecutively after the snapshot
    const seqs = consoleClient.deltas.map((d) => d.seq);
    expect(seqs[0]).toBe(consoleClient.snapshots[0]!.seq + 1);
    seqs.forEach((s, i) => i > 0 && expect(s).toBe(seqs[i - 1]! + 1));
  });

  it('a bad message is rejected with its reason and the next good one still flows', async () => {
    const device = await mqtt.connectAsync(broker.url, { clientId: `dev2-${name}`, protocolVersion: 4 });
    await device.publishAsync(topics.cameraStatus('tt-cam-2'), '{"seq":1,', { qos: 1 });
    await device.publishAsync(topics.cameraStatus('tt-cam-2'), JSON.stringify({ seq: 2, ts: Date.now(), state: 'online' }), { qos: 1 });
    await device.endAsync();
    await waitFor(() => app.registry.cameras.get('tt-cam-2')?.state === 'online');
    const res = await fetch(`${app.url}/api/feeds/health`, { headers: await app.headers() });
    const body = (await res.json()) as { feeds: { feed: string; rejected: Record<string, number> }[]; deadLetters: { reason: string; topic: string }[] };
    expect(body.feeds.find((f) => f.feed === 'cameras')!.rejected.bad_json).toBe(1);
    expect(body.deadLetters[0]).toMatchObject({ reason: 'bad_json', topic: topics.cameraStatus('tt-cam-2') });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/ioc_ingest_rejected_total\{feed="cameras",reason="bad_json"\} 1/);
  });

  it('reports health of broker and InfluxDB', async () => {
    const res = await fetch(`${app.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', broker: { connected: true, embedded: false }, influx: { reachable: true } });
  });
});
