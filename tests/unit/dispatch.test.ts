/**
 * Dispatch that fits the incident (issue #26), on the real workflow with the test town:
 *   - the suitability table: the kinds an incident needs, an ambulance first when someone is hurt;
 *   - the dispatch list: suitable units first with distance and ETA, a telecom crew of the
 *     station's operator only;
 *   - several units per incident: each with its own part, released one by one, never on two
 *     incidents unless reassigned (a step of its own on both);
 *   - the status follows the units; acknowledging an incident's alert acknowledges it;
 *   - the console's order: severity, then no unit yet, then age.
 */
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CityPack, Incident, UnitBase } from '../../contract/index.js';
import { DEFAULT_UNIT_NEEDS, etaSeconds, incidentOrder, neededKinds, needsUnit } from '../../contract/index.js';
import { parseRules } from '../../server/alerts/rules-config.js';
import { EventBus } from '../../server/bus.js';
import { loadCityPack, TEST_CITY_PACK } from '../../contract/citypack-load.js';
import { placeName } from '../../server/citypack/place.js';
import { CommandError } from '../../server/events/errors.js';
import { dispatchTable, rankUnits } from '../../server/incidents/dispatch.js';
import type { PointWriter } from '../../server/influx/writer.js';
import { Operations } from '../../server/operations.js';
import { Registry } from '../../server/registry/registry.js';

const T0 = 1_700_000_000_000;
const log = pino({ level: 'silent' });
let pack: CityPack;
const EXTRA: UnitBase[] = [
  { id: 'tt-u-police-2', name: 'CSGT 2', kind: 'police_traffic', position: [106.006, 10.006] },
  { id: 'tt-u-crew-vnpt', name: 'Tổ VNPT', kind: 'telecom_crew', position: [106.0051, 10.0051], operator: 'VNPT' },
];
beforeAll(async () => {
  const base = await loadCityPack(TEST_CITY_PACK);
  pack = { ...base, sites: { ...base.sites, units: [...base.sites.units, ...EXTRA] } };
});

function build(rules = {}) {
  let now = T0;
  const writer = { write: () => undefined } as unknown as PointWriter;
  const bus = new EventBus(log);
  const registry = new Registry(bus, pack, 3_600_000, () => now);
  registry.start();
  const ops = new Operations({ bus, writer, journal: null, registry, pack, rules: parseRules(rules), log, now: () => now });
  const open = (over: Partial<Parameters<Operations['incidents']['create']>[0]> = {}) =>
    ops.incidents.create(
      { type: 'traffic_accident', severity: 'major', channel: 'hotline_115', position: [106.0052, 10.0051], address: null, description: 'Tai nạn', externalRef: null, hurt: false, injured: null, callback: null, ...over },
      now,
      'hotline_115',
      'báo tin',
    );
  const act = (inc: Incident, action: Parameters<Operations['incidents']['act']>[1], input: Partial<Parameters<Operations['incidents']['act']>[2]> = {}) =>
    ops.incidents.act(inc.id, action, { version: ops.incidents.get(inc.id)!.version, by: 'officer1', ...input });
  return { ops, open, act, tick: (ms: number) => (now += ms) };
}

describe('the suitability table', () => {
  it('maps each incident type to the kinds it needs, and puts an ambulance first when someone is hurt', () => {
    expect(neededKinds({ type: 'medical', hurt: false })).toEqual(['ambulance']);
    expect(neededKinds({ type: 'fire', hurt: false })).toEqual(['fire']);
    expect(neededKinds({ type: 'traffic_accident', hurt: false })).toEqual(['police_traffic']);
    expect(neededKinds({ type: 'traffic_accident', hurt: true })).toEqual(['ambulance', 'police_traffic']);
    expect(neededKinds({ type: 'telecom_outage', hurt: false })).toEqual(['telecom_crew']);
    expect(neededKinds({ type: 'crime', hurt: false })).toEqual(['security']);
    // Every type has a row.
    for (const row of Object.values(DEFAULT_UNIT_NEEDS)) expect(Array.isArray(row.kinds)).toBe(true);
  });
  it('takes a row from the rules file over the built-in one', () => {
    const rules = parseRules({ workflow: { unitNeeds: { crowd: { kinds: ['police_traffic', 'security'] } } } });
    const table = dispatchTable({ needs: rules.workflow.unitNeeds, speedsKmh: rules.workflow.speedsKmh });
    expect(neededKinds({ type: 'crowd', hurt: false }, table.needs)).toEqual(['police_traffic', 'security']);
    expect(neededKinds({ type: 'fire', hurt: false }, table.needs)).toEqual(['fire']);
  });
  it('estimates an ETA from the distance and the kind: a minute to set off, then the road', () => {
    expect(etaSeconds(0, 'ambulance')).toBe(60);
    // 4 km straight, about 5.2 km by road at 40 km/h: 468 s, plus the minute.
    expect(etaSeconds(4000, 'ambulance')).toBe(528);
    expect(etaSeconds(4000, 'telecom_crew')).toBeGreaterThan(etaSeconds(4000, 'ambulance'));
  });
});

describe('the dispatch list', () => {
  it('an injury accident: the ambulance and the traffic police first, each with distance and ETA; the others after', () => {
    const { ops, open } = build();
    const inc = open({ hurt: true });
    const list = ops.candidates(inc);
    // Life first: the ambulance leads, then the traffic police, soonest there first.
    expect(list.slice(0, 3).map((c) => c.unit.kind)).toEqual(['ambulance', 'police_traffic', 'police_traffic']);
    expect(list[1]!.etaS).toBeLessThanOrEqual(list[2]!.etaS);
    expect(list.filter((c) => c.suitable).map((c) => c.unit.kind)).not.toContain('telecom_crew');
    const firstOther = list.findIndex((c) => !c.suitable);
    expect(list.slice(firstOther).every((c) => !c.suitable)).toBe(true);
    for (const c of list) {
      expect(c.distanceM).toBeGreaterThanOrEqual(0);
      expect(c.etaS).toBe(etaSeconds(c.distanceM, c.unit.kind));
    }
  });
  it('a telecom outage: only the crew of the station’s operator (or one serving any) is suitable', () => {
    const { ops, open } = build();
    const inc = open({ type: 'telecom_outage', severity: 'major' });
    const table = dispatchTable();
    const viettel = rankUnits(inc, ops.units.list(), table, 'Viettel').filter((c) => c.suitable).map((c) => c.unit.id);
    expect(viettel).toEqual(['tt-u-crew']); // the test town's crew has no operator: it serves any
    const vnpt = rankUnits(inc, ops.units.list(), table, 'VNPT').filter((c) => c.suitable).map((c) => c.unit.id);
    expect(vnpt.sort()).toEqual(['tt-u-crew', 'tt-u-crew-vnpt']);
  });
  it('leaves out the units already on the incident', () => {
    const { ops, open, act } = build();
    const inc = act(open({ hurt: true }), 'dispatch', { unitId: 'tt-u-amb' });
    expect(ops.candidates(inc).map((c) => c.unit.id)).not.toContain('tt-u-amb');
  });
});

describe('several units per incident', () => {
  it('dispatching a second unit keeps the first; each has its own part; releasing one leaves the other', () => {
    const { ops, open, act, tick } = build();
    let inc = open({ hurt: true });
    inc = act(inc, 'dispatch', { unitId: 'tt-u-amb' });
    inc = act(inc, 'dispatch', { unitId: 'tt-u-police' });
    expect(inc.status).toBe('dispatched');
    expect(inc.units.map((u) => [u.unitId, u.status])).toEqual([
      ['tt-u-amb', 'dispatched'],
      ['tt-u-police', 'dispatched'],
    ]);
    expect(ops.units.get('tt-u-amb')).toMatchObject({ status: 'busy', incidentId: inc.id });
    expect(ops.units.get('tt-u-police')).toMatchObject({ status: 'busy', incidentId: inc.id });
    tick(60_000);
    inc = act(inc, 'accept', { ownUnit: 'tt-u-amb' });
    inc = act(inc, 'on_scene', { ownUnit: 'tt-u-amb' });
    expect(inc.status).toBe('on_scene');
    inc = act(inc, 'release', { unitId: 'tt-u-police' });
    expect(inc.units.find((u) => u.unitId === 'tt-u-police')).toMatchObject({ status: 'released', releasedAt: T0 + 60_000 });
    expect(inc.units.find((u) => u.unitId === 'tt-u-amb')).toMatchObject({ status: 'on_scene', arrivedAt: T0 + 60_000 });
    expect(ops.units.get('tt-u-police')).toMatchObject({ status: 'available', incidentId: null });
    expect(ops.units.get('tt-u-amb')).toMatchObject({ status: 'busy', incidentId: inc.id });
    expect(inc.status).toBe('on_scene');
    // The timeline names each step and its unit.
    expect(inc.timeline.filter((e) => e.unitId).map((e) => `${e.action} ${e.unitId}`)).toEqual([
      'dispatch tt-u-amb',
      'dispatch tt-u-police',
      'accept tt-u-amb',
      'on_scene tt-u-amb',
      'release tt-u-police',
    ]);
  });
  it('a unit is never on two incidents: busy elsewhere is a conflict, unless reassigned, which both timelines say', () => {
    const { ops, open, act } = build();
    const a = act(open(), 'dispatch', { unitId: 'tt-u-police' });
    const b = open({ position: [106.02, 10.02] });
    expect(() => act(b, 'dispatch', { unitId: 'tt-u-police' })).toThrow(CommandError);
    try {
      act(b, 'dispatch', { unitId: 'tt-u-police' });
    } catch (e) {
      expect((e as CommandError).code).toBe('conflict');
    }
    expect(() => act(a, 'dispatch', { unitId: 'tt-u-police' })).toThrow(/already on this incident/);
    const moved = act(b, 'dispatch', { unitId: 'tt-u-police', reassign: true });
    expect(moved.timeline.at(-1)).toMatchObject({ action: 'reassign', unitId: 'tt-u-police', otherIncidentId: a.id });
    const left = ops.incidents.get(a.id)!;
    expect(left.timeline.at(-1)).toMatchObject({ action: 'release', unitId: 'tt-u-police', otherIncidentId: b.id });
    expect(left.status).toBe('acknowledged'); // its only unit left: it waits for another
    expect(ops.units.get('tt-u-police')).toMatchObject({ status: 'busy', incidentId: b.id });
  });
  it('an officer’s resolve releases every unit; a unit’s resolve releases only it, and resolves with the last one', () => {
    const { ops, open, act } = build();
    let inc = open({ hurt: true });
    inc = act(inc, 'dispatch', { unitId: 'tt-u-amb' });
    inc = act(inc, 'dispatch', { unitId: 'tt-u-police' });
    inc = act(inc, 'resolve', { ownUnit: 'tt-u-amb' });
    expect(inc.status).toBe('dispatched');
    expect(inc.timeline.at(-1)).toMatchObject({ action: 'release', unitId: 'tt-u-amb' });
    inc = act(inc, 'resolve', { ownUnit: 'tt-u-police' });
    expect(inc.status).toBe('resolved');
    expect(ops.units.list().filter((u) => u.incidentId === inc.id)).toEqual([]);
    const other = act(act(open({ position: [106.02, 10.02] }), 'dispatch', { unitId: 'tt-u-fire' }), 'resolve');
    expect(other.status).toBe('resolved');
    expect(other.units.every((u) => u.status === 'released')).toBe(true);
    expect(ops.units.get('tt-u-fire')).toMatchObject({ status: 'available' });
  });
  it('an officer names the unit when several could be meant', () => {
    const { open, act } = build();
    let inc = open({ hurt: true });
    inc = act(inc, 'dispatch', { unitId: 'tt-u-amb' });
    inc = act(inc, 'on_scene'); // one unit: no need to say which
    inc = act(inc, 'dispatch', { unitId: 'tt-u-police' });
    inc = act(inc, 'on_scene');
    expect(inc.units.every((u) => u.status === 'on_scene')).toBe(true);
    inc = act(inc, 'dispatch', { unitId: 'tt-u-police-2' });
    expect(() => act(inc, 'release')).toThrow(/say which/);
  });
});

describe('acknowledging is one act', () => {
  it('acknowledging an incident’s alert acknowledges the incident; off in the rules file, it does not', () => {
    for (const on of [true, false]) {
      const { ops } = build({ workflow: { ackIncidentWithAlert: on } });
      ops.start();
      ops.lead();
      const alert = ops.alerts.raise({ rule: 'detection_accident', dedupeKey: `acc-${on}`, severity: 'critical', title: 'Tai nạn', source: { kind: 'camera', id: 'tt-cam-1' }, position: [106.0052, 10.0051], wardId: 'tt-a', data: { kind: 'accident', confidence: 0.9, cameraId: 'tt-cam-1' } }, T0);
      expect(alert.incidentId).not.toBeNull();
      const acked = ops.alerts.acknowledge(alert.id, alert.version, 'officer1');
      // The command does both (server/push/commands.ts); here the desk's part.
      if (on) ops.incidents.acknowledgeWithAlert(acked, 'officer1');
      expect(ops.incidents.get(alert.incidentId!)!.status).toBe(on ? 'acknowledged' : 'new');
      ops.stop();
    }
  });
});

describe('the console’s order of open incidents', () => {
  const base = { units: [], timeline: [], status: 'acknowledged' } as unknown as Incident;
  const mk = (id: string, severity: Incident['severity'], createdAt: number, withUnit = false): Incident =>
    ({ ...base, id, severity, createdAt, units: withUnit ? [{ unitId: 'u', status: 'dispatched' }] : [] }) as unknown as Incident;
  it('sorts by severity, then the ones with no unit first, then the oldest first', () => {
    const list = [mk('info-old', 'info', 1), mk('crit-unit', 'critical', 1, true), mk('crit-new', 'critical', 5), mk('crit-old', 'critical', 2), mk('major', 'major', 0)];
    expect([...list].sort(incidentOrder).map((i) => i.id)).toEqual(['crit-old', 'crit-new', 'crit-unit', 'major', 'info-old']);
    expect(needsUnit(mk('x', 'minor', 0))).toBe(true);
    expect(needsUnit(mk('x', 'minor', 0, true))).toBe(false);
  });
});

describe('the place in words', () => {
  it('names the nearest road and the ward when a report gives no address', () => {
    const name = placeName(pack, [106.0052, 10.0051]);
    expect(name).toBeTruthy();
    expect(name).toMatch(/,/);
  });
});
