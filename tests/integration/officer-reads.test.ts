/**
 * What the console's officer tools read (issue #27, point 7), against the real
 * server, Mosquitto and influxd the harness starts: one camera's detections
 * over 24 hours from InfluxDB, and the current shift's incidents as CSV
 * (escaped, with a UTF-8 BOM so that Excel reads Vietnamese).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { topics } from '../../contract/index.js';
import type { CameraDetections } from '../../contract/detections.js';
import { shiftWindow } from '../../contract/shift.js';
import type { TestApp } from '../harness/app.js';
import type { DeviceSend } from '../harness/device.js';
import { startAppStack, type AppStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

let stack: AppStack;
let app: TestApp;
let send: DeviceSend;
const spool = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-reads-'));
/** A Frigate NVR whose camera `cong_truoc` is the test town's tt-cam-3 (server/ingest/frigate). */
const frigateMap = path.join(spool, 'frigate-map.json');
fs.writeFileSync(frigateMap, JSON.stringify({ cameras: { cong_truoc: { id: 'tt-cam-3', position: [106.025, 10.005] } }, labels: {}, zones: {} }));

beforeAll(async () => {
  stack = await startAppStack({ env: { FRIGATE_MAP: frigateMap } });
  ({ app, send } = stack);
  return async () => {
    await stack.stop();
    fs.rmSync(spool, { recursive: true, force: true });
  };
});

describe('a camera’s detections over 24 hours', () => {
  it('lists the camera’s own detections from InfluxDB, newest first, with counts by kind and per hour', async () => {
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await send(topics.cameraDetection('tt-cam-4'), 'tt-cam-4', { kind: 'red_light', confidence: 0.9, lat: 10.008, lon: 106.015, lane: 2, plate: `85A-00${i}.11` });
    await send(topics.cameraDetection('tt-cam-4'), 'tt-cam-4', { kind: 'congestion', confidence: 0.8, lat: 10.008, lon: 106.015, queueLengthM: 240 });
    // Another camera's detection is not this camera's history.
    await send(topics.cameraDetection('tt-cam-2'), 'tt-cam-2', { kind: 'wrong_way', confidence: 0.7, lat: 10.002, lon: 106.01 });
    const headers = await app.headers('duty_officer');
    const read = async () => (await (await fetch(`${app.url}/api/cameras/tt-cam-4/detections`, { headers })).json()) as { ok: boolean; data: CameraDetections };
    // Written in batches: wait for the writer, then for the read to see all four.
    await waitFor(async () => {
      await app.writer.flush(5_000);
      return (await read()).data.total === 4;
    }, { message: 'the four detections never came back from InfluxDB' });
    const { data } = await read();
    expect(data.camera).toBe('tt-cam-4');
    expect(data.to - data.from).toBe(86_400_000);
    expect(data.counts).toEqual({ red_light: 3, congestion: 1 });
    expect(data.events.map((e) => e.kind)).toEqual(['congestion', 'red_light', 'red_light', 'red_light']);
    expect(data.events.every((e) => e.source === 'detection' && e.at >= t0 - 1000)).toBe(true);
    expect(data.events[0]).toMatchObject({ queueM: 240, confidence: 0.8 });
    expect(data.events.slice(1).map((e) => e.plate).sort()).toEqual(['85A-000.11', '85A-001.11', '85A-002.11']);
    expect(data.events[1]!.lane).toBe('2');
    expect(data.hourly.reduce((n, [, c]) => n + c, 0)).toBe(4);
  });

  it('lists a Frigate NVR’s objects on the camera (its `new` event, not its updates)', async () => {
    const fixture = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '..', 'fixtures', 'frigate', 'new-fire.json'), 'utf8')) as Record<'before' | 'after', Record<string, unknown>>;
    const t = Date.now() / 1000;
    const event = (type: string) => {
      const ev = structuredClone(fixture) as Record<string, unknown> & Record<'before' | 'after', Record<string, unknown>>;
      for (const o of [ev.before, ev.after]) Object.assign(o, { camera: 'cong_truoc', label: 'person', start_time: t, frame_time: t, top_score: 0.88 });
      ev.type = type;
      return JSON.stringify(ev);
    };
    await stack.dev.publishAsync(topics.frigateEvents, event('new'), { qos: 1 });
    await stack.dev.publishAsync(topics.frigateEvents, event('update'), { qos: 1 });
    const headers = await app.headers('supervisor');
    const read = async () => (await (await fetch(`${app.url}/api/cameras/tt-cam-3/detections`, { headers })).json()) as { data: CameraDetections };
    await waitFor(async () => {
      await app.writer.flush(5_000);
      return (await read()).data.total === 1;
    }, { message: 'the Frigate object never came back from InfluxDB' });
    const { data } = await read();
    expect(data.counts).toEqual({ person: 1 });
    expect(data.events).toHaveLength(1);
    expect(data.events[0]).toMatchObject({ kind: 'person', source: 'frigate', confidence: 0.88, zone: 'loi_vao_cho' });
  });

  it('refuses a malformed camera id or range, and refuses a responder and the wall', async () => {
    const headers = await app.headers('duty_officer');
    expect((await fetch(`${app.url}/api/cameras/${encodeURIComponent("x' OR 1=1")}/detections`, { headers })).status).toBe(400);
    expect((await fetch(`${app.url}/api/cameras/tt-cam-4/detections?from=10&to=5`, { headers })).status).toBe(400);
    expect((await fetch(`${app.url}/api/cameras/tt-cam-4/detections?from=0&to=${Date.now()}`, { headers })).status).toBe(400);
    expect((await fetch(`${app.url}/api/cameras/tt-cam-4/detections`, { headers: await app.headers('responder') })).status).toBe(403);
    expect((await fetch(`${app.url}/api/cameras/tt-cam-4/detections`, { headers: await app.headers('wall') })).status).toBe(403);
  });
});

describe('the shift’s incidents as CSV', () => {
  it('exports this shift’s incidents with a BOM, the Vietnamese intact and hostile text escaped', async () => {
    // A citizen's text that a spreadsheet would run as a formula, with quotes, a comma and a line break.
    const description = '=HYPERLINK("http://x","Xe tải lật, tràn dầu")\n2 người bị thương';
    await send(topics.incidentReport('hotline-115'), 'hotline-115', { channel: 'hotline_115', type: 'traffic_accident', severity: 'major', lat: 10.0051, lon: 106.0052, description, externalRef: 'CALL-CSV-1' });
    const inc = await waitFor(() => app.operations.incidents.open().find((i) => i.externalRef === 'hotline-115:CALL-CSV-1'), { message: 'no incident from the report' });
    // Answered once stored: what the export reads is the system of record's picture.
    const res = await fetch(`${app.url}/api/incidents.csv?shift=current`, { headers: await app.headers('duty_officer') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const w = shiftWindow(Date.now(), app.pack.meta.timezone);
    expect(Number(res.headers.get('x-shift-from'))).toBe(w.from);
    expect(Number(res.headers.get('x-shift-to'))).toBe(w.to);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="?incidents-shift-\d{4}-\d\d-\d\dT\d\d-00\.csv"?$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const [head, ...rows] = text.split('\r\n');
    expect(head).toBe('id,created_at,type,severity,status,channel,ward,lat,lon,address,unit,acknowledged_at,resolved_at,alerts,description');
    const row = rows.find((r) => r.startsWith(`${inc.id},`));
    expect(row, 'the shift’s incident is in the export').toBeDefined();
    // The description is one quoted cell: quotes doubled, the line break kept inside it, the formula defused.
    expect(row!.endsWith(',"\'=HYPERLINK(""http://x"",""Xe tải lật, tràn dầu"")\n2 người bị thương"')).toBe(true);
    // One line per incident of the shift (the description's line break is inside its cell).
    expect(text.match(/\r\n/g)!.length).toBe(1 + app.operations.incidents.recent().filter((i) => i.createdAt >= w.from || i.status !== 'closed').length);
    expect(rows.filter((r) => /^inc-/.test(r))).toHaveLength(1);
  });

  it('refuses a shift it does not know, and an officer without history', async () => {
    expect((await fetch(`${app.url}/api/incidents.csv?shift=yesterday`, { headers: await app.headers('duty_officer') })).status).toBe(400);
    expect((await fetch(`${app.url}/api/incidents.csv?shift=current`, { headers: await app.headers('responder') })).status).toBe(403);
  });
});
