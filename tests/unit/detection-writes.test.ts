/**
 * What one accident detection costs the system of record (issue #20, "end the
 * ping-pong"): the events it appends and the versions it steps. Counted on the
 * real alert and incident stores and rules, with a writer that keeps the points.
 */
import pino from 'pino';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, CityPack, Incident } from '../../contract/index.js';
import { parseRules } from '../../server/alerts/rules-config.js';
import { EventBus } from '../../server/bus.js';
import { loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import type { PointWriter } from '../../server/influx/writer.js';
import { Registry } from '../../server/registry/registry.js';
import { Operations } from '../../server/operations.js';

const T0 = 1_700_000_000_000;
type Point = Parameters<PointWriter['write']>[0][number];
const log = pino({ level: 'silent' });
let pack: CityPack;
beforeAll(async () => {
  pack = await loadCityPack(TEST_CITY_PACK);
});

function build() {
  const points: Point[] = [];
  const writer = { write: (p: Point[]) => void points.push(...p) } as unknown as PointWriter;
  const bus = new EventBus(log);
  const registry = new Registry(bus, pack, 3_600_000, () => T0);
  registry.start();
  const wf = new Operations({ bus, writer, journal: null, registry, pack, rules: parseRules({}), log, now: () => T0 });
  wf.start();
  wf.lead();
  const changes: { kind: string; id: string; version: number }[] = [];
  bus.on('state.change', 'test', (c) => {
    if (c.kind === 'alert') changes.push({ kind: 'alert', id: c.alert.id, version: c.alert.version });
    if (c.kind === 'incident') changes.push({ kind: 'incident', id: c.incident.id, version: c.incident.version });
  });
  const events = () => points.filter((p) => p.measurement === 'events').map((p) => ({ entity: p.tags.entity, type: p.tags.type, state: JSON.parse(String(p.fields.state)) as Alert | Incident }));
  return { bus, wf, events, changes };
}

let stop: (() => void) | undefined;
afterEach(() => stop?.());

describe('one accident detection', () => {
  it('writes its alert and its incident once each, in one version step each', () => {
    const { bus, wf, events, changes } = build();
    stop = () => wf.stop();
    bus.emit('camera.detection', { id: 'tt-cam-1', payload: { kind: 'accident', seq: 1, ts: T0, confidence: 0.93, lat: 10.005, lon: 106.005 }, receivedAt: T0 });
    const [alert] = wf.alerts.open();
    const [inc] = wf.incidents.open();
    expect(alert).toMatchObject({ rule: 'detection_accident', incidentId: inc!.id });
    expect(inc).toMatchObject({ type: 'traffic_accident', alertIds: [alert!.id] });
    expect(inc!.timeline.map((e) => e.action)).toEqual(['created', 'link_alert']);
    const log = events();
    console.log(`[detection-writes] ${log.length} events: ${log.map((e) => `${e.entity}:${e.type}@v${e.state.version}`).join(', ')}; pushed ${changes.map((c) => `${c.kind}@v${c.version}`).join(', ')}`);
    // It was five (alert raised v1, incident created v1, alert linked v2, incident link_alert v2 and v3).
    // The incident is written first: the alert store asks correlation before it writes the alert.
    expect(log.map((e) => [e.entity, e.type, e.state.version])).toEqual([
      ['incident', 'created', 1],
      ['alert', 'raised', 1],
    ]);
    expect(log[0]!.state).toEqual(inc);
    expect(log[1]!.state).toEqual(alert);
    expect(changes.map((c) => `${c.kind}@v${c.version}`)).toEqual(['incident@v1', 'alert@v1']);
  });

  it('a 115 call near it joins in one version step, and the call’s alert in one more, the alert written once', () => {
    const { bus, wf, events } = build();
    stop = () => wf.stop();
    bus.emit('camera.detection', { id: 'tt-cam-1', payload: { kind: 'accident', seq: 1, ts: T0, confidence: 0.93, lat: 10.005, lon: 106.005 }, receivedAt: T0 });
    const n = events().length;
    bus.emit('incident.report', { id: 'hotline-115', sourceId: 'hotline-115', payload: { seq: 1, ts: T0, channel: 'hotline_115', type: 'medical', severity: 'major', lat: 10.0059, lon: 106.0052, description: 'xe máy', externalRef: 'C-1' }, receivedAt: T0 });
    const [inc] = wf.incidents.open();
    expect(wf.incidents.open()).toHaveLength(1);
    // The call joins (report, v2); its alert is raised already linked (link_alert, v3): two incident steps, one alert write.
    expect(events().slice(n).map((e) => [e.entity, e.type, e.state.version])).toEqual([
      ['incident', 'report', 2],
      ['incident', 'link_alert', 3],
      ['alert', 'raised', 1],
    ]);
    expect(inc!.alertIds).toHaveLength(2);
    expect(wf.alerts.open().every((a) => a.incidentId === inc!.id && a.version === 1)).toBe(true);
  });
});
