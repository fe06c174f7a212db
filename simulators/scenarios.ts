/**
 * Scenarios: a deterministic plan of timed actions on top of the everyday baseline,
 * plus a machine-readable expectation of their effect (see ScenarioExpectation) that
 * integration tests assert against. Plans draw only from the 'plan' rng stream, so
 * describeScenario() and the generator always agree.
 */
import type { CameraSite, CityPack } from '../contract/citypack.js';
import type { IncidentType } from '../contract/domain.js';
import { detectionRates, emitDetection, emitIncident, trafficIntensity } from './baseline.js';
import { distanceM } from '../contract/geo.js';
import { jitter, offset, wardsLosingCoverage, wardsWithoutOwnService } from './geo.js';
import { createRng, type Rng } from './rng.js';
import type { ScenarioExpectation } from './types.js';
import type { World } from './world.js';

export interface Action {
  at: number;
  run(w: World, rng: Rng): void;
}
export type Effects = Omit<ScenarioExpectation, 'scenario' | 'seed'>;
export interface ScenarioPlan {
  actions: Action[];
  expectation: Effects;
  /** Scales the baseline's random detections (e.g. few vehicles out in a typhoon). */
  detectionFactor?: number;
  incidentFactor?: number;
}
export interface ScenarioDef {
  name: string;
  description: string;
  /** Local hour the sim clock's daily rhythm starts at; null = the real local time at start. */
  rhythmStartHour: number | null;
  plan(pack: CityPack, rng: Rng): ScenarioPlan;
}

const MIN = 60_000;
const effects = (summary: string, settledByMs = 0): Effects => ({
  summary, settledByMs, stationsDown: [], stationsOnBattery: [], stationsLosingBackhaul: [], linksDown: [], camerasOffline: [], vcPointsOffline: [], wardsLosingCoverage: [], detections: [], incidents: [],
});
const trafficCams = (pack: CityPack) => pack.sites.cameras.filter((c) => c.kind === 'traffic');
const byDistance = (from: CameraSite['position']) => (a: { position: CameraSite['position']; id: string }, b: { position: CameraSite['position']; id: string }) =>
  distanceM(from, a.position) - distanceM(from, b.position) || a.id.localeCompare(b.id);

function stationAction(at: number, id: string, change: (w: World) => void): Action {
  return { at, run: (w, rng) => { change(w); w.stationStatus(id, at, rng); } };
}

/** A video-conference point loses its line: offline, said at once (its gateway's last word, or the MCU's). */
function vcDrop(at: number, id: string): Action {
  return { at, run: (w, rng) => { w.vcPoints.get(id)!.state = 'offline'; w.vcStatus(id, at, rng); } };
}

const normalDay: ScenarioDef = {
  name: 'normal-day',
  description: 'An ordinary day following the real local clock: status heartbeats, detections with the daily rhythm, a trickle of incident reports.',
  rhythmStartHour: null,
  plan: () => ({ actions: [], expectation: effects('Nothing goes down; background activity only.') }),
};

const rushHour: ScenarioDef = {
  name: 'rush-hour',
  description: 'Starts at 06:45 local sim time: the 7–8 morning peak raises congestion and violations on every traffic camera.',
  rhythmStartHour: 6.75,
  plan(pack) {
    const cams = trafficCams(pack);
    // A quarter of the expected count over the first 90 sim minutes: a floor the Poisson draws clear with huge margin.
    let expected = 0;
    for (let m = 0; m < 90; m++) for (const c of cams) expected += detectionRates(c, trafficIntensity(6.75 + m / 60)).find(([k]) => k === 'congestion')![1];
    const e = effects('Morning peak: congestion and violations well above the daytime level.', 90 * MIN);
    if (cams.length > 0) e.detections.push({ cameraIds: cams.map((c) => c.id), kind: 'congestion', minCount: Math.floor(expected / 4), withinMs: [0, 90 * MIN] });
    return { actions: [], expectation: e };
  },
};

const trafficAccident: ScenarioDef = {
  name: 'traffic-accident',
  description: 'A camera detects an accident; a hotline 115 call reports it nearby within two minutes; queues build on nearby cameras.',
  rhythmStartHour: 16,
  plan(pack, rng) {
    const cams = trafficCams(pack).filter((c) => c.roadId);
    const paired = cams.filter((c) => cams.some((o) => o.id !== c.id && o.roadId === c.roadId && distanceM(o.position, c.position) < 2000));
    const cam = rng.pick(paired.length > 0 ? paired : cams);
    const accAt = 90_000;
    const accPos = jitter(cam.position, rng, 25);
    const callAt = accAt + rng.int(20, 100) * 1000;
    const callPos = offset(accPos, rng.uniform(0, 360), rng.uniform(20, 100));
    const others = cams.filter((o) => o.id !== cam.id).sort(byDistance(cam.position));
    const behind = others.filter((o) => distanceM(o.position, cam.position) <= 1500).slice(0, 3);
    const queued = [cam, ...(behind.length > 0 ? behind : others.slice(0, 2))];
    const endAt = accAt + 15 * MIN;
    const actions: Action[] = [
      { at: accAt, run: (w, r) => emitDetection(w, r, accAt, cam.id, 'accident', { position: accPos, confidence: 0.93 }) },
      { at: callAt, run: (w, r) => emitIncident(w, r, callAt, { type: 'traffic_accident', channel: 'hotline_115', severity: 'major', position: callPos, description: `Tai nạn giao thông gần ${cam.name}, có người bị thương`, injured: 2 }) },
    ];
    // A second, citizen report of the same crash: realistic, and exercises de-duplication.
    const dupAt = accAt + rng.int(150, 240) * 1000;
    const dupPos = offset(accPos, rng.uniform(0, 360), rng.uniform(10, 80));
    actions.push({ at: dupAt, run: (w, r) => emitIncident(w, r, dupAt, { type: 'traffic_accident', channel: 'citizen_app', position: dupPos, description: 'Thấy tai nạn, xe cộ ùn lại' }) });
    let congestion = 0;
    for (let t = accAt + MIN; t <= endAt; t += 45_000) {
      queued.forEach((c, i) => {
        const queue = Math.min(2500, 60 + ((t - accAt) / 1000) * (1.5 - i * 0.3));
        actions.push({ at: t + i * 500, run: (w, r) => emitDetection(w, r, t + i * 500, c.id, 'congestion', { queueLengthM: queue }) });
        congestion++;
      });
    }
    const e = effects(`Accident at ${cam.id} (${cam.name}); 115 call ${Math.round(distanceM(accPos, callPos))} m away ${Math.round((callAt - accAt) / 1000)} s later; queues on ${queued.map((c) => c.id).join(', ')}.`, endAt + 1000);
    e.detections.push({ cameraIds: [cam.id], kind: 'accident', minCount: 1, withinMs: [accAt, accAt] });
    e.detections.push({ cameraIds: queued.map((c) => c.id), kind: 'congestion', minCount: congestion, withinMs: [accAt, endAt + 2000] });
    e.incidents.push({ type: 'traffic_accident', channel: 'hotline_115', minCount: 1, withinMs: [accAt, accAt + 2 * MIN], near: { position: accPos, withinM: 150 } });
    return { actions, expectation: e };
  },
};

const typhoon: ScenarioDef = {
  name: 'typhoon',
  description: 'Mains power fails from the coast inland: the eastern half of the stations go to battery, drain and go down; fiber to wards left without service fails; flood reports pour in.',
  rhythmStartHour: 15,
  plan(pack, rng) {
    const byEast = [...pack.sites.stations].sort((a, b) => b.position[0] - a.position[0] || a.id.localeCompare(b.id));
    const hit = byEast.slice(0, Math.ceil(byEast.length / 2));
    const actions: Action[] = [];
    let lastDown = 0;
    hit.forEach((s, i) => {
      const switchAt = MIN + i * 15_000;
      const downAt = switchAt + 6 * MIN + i * 20_000 + rng.int(0, 10_000);
      const drain = rng.uniform(60, 100) / (downAt - switchAt);
      lastDown = Math.max(lastDown, downAt);
      actions.push(stationAction(switchAt, s.id, (w) => w.setPower(s.id, 'battery', switchAt, drain)));
      actions.push(stationAction(switchAt + Math.round(0.8 * (downAt - switchAt)), s.id, (w) => { w.stations.get(s.id)!.state = 'degraded'; }));
      actions.push(stationAction(downAt, s.id, (w) => { w.setPower(s.id, 'battery', downAt, 0); const st = w.stations.get(s.id)!; st.batteryPct = 0; st.state = 'down'; }));
    });
    const hitIds = new Set(hit.map((s) => s.id));
    // Fiber fails only to wards whose own stations are all down (backhaul loss does not change radio coverage anyway).
    const dark = wardsWithoutOwnService(pack, hitIds);
    const cut = pack.sites.links.filter((l) => l.kind === 'commune' && dark.includes(l.to));
    // What the console's coverage geometry flags: can include a ward that kept one of its stations.
    const losing = wardsLosingCoverage(pack, hitIds);
    const lostBackhaul: string[] = [];
    const offline: string[] = [];
    const vcOffline: string[] = [];
    cut.forEach((l, i) => {
      const at = 4 * MIN + i * 30_000;
      actions.push({ at, run: (w, r) => { w.links.get(l.id)!.state = 'down'; w.linkStatus(l.id, at, r); } });
      for (const s of pack.sites.stations.filter((x) => x.wardId === l.to)) {
        lostBackhaul.push(s.id);
        actions.push(stationAction(at + 2000, s.id, (w) => { w.stations.get(s.id)!.backhaul = 'down'; }));
      }
      for (const v of pack.sites.vcPoints.filter((x) => x.wardId === l.to)) {
        vcOffline.push(v.id);
        actions.push(vcDrop(at + 5000, v.id));
      }
      for (const c of pack.sites.cameras.filter((x) => x.wardId === l.to)) {
        offline.push(c.id);
        const cAt = at + rng.int(1, 30) * 1000;
        actions.push({ at: cAt, run: (w, r) => { w.cameras.get(c.id)!.state = 'offline'; w.cameraStatus(c.id, cAt, r); } });
      }
    });
    const settled = lastDown + 1000;
    const floodWards = [...new Set(hit.map((s) => s.wardId).filter((x): x is string => x !== null))];
    const floods = 12;
    for (let i = 0; i < floods; i++) {
      const at = rng.int(3 * 60, Math.floor(settled / 1000)) * 1000;
      actions.push({ at, run: (w, r) => emitIncident(w, r, at, { type: 'flood', wardIds: floodWards.length > 0 ? floodWards : undefined }) });
    }
    const e = effects(`Typhoon: ${hit.length} coastal stations on battery then down; ${cut.length} ward links cut; wards losing coverage: ${losing.join(', ') || 'none'}.`, settled);
    Object.assign(e, { stationsDown: hit.map((s) => s.id), stationsOnBattery: hit.map((s) => s.id), stationsLosingBackhaul: lostBackhaul, linksDown: cut.map((l) => l.id), camerasOffline: offline, vcPointsOffline: vcOffline, wardsLosingCoverage: losing });
    e.incidents.push({ type: 'flood', minCount: floods, withinMs: [0, settled] });
    return { actions, expectation: e, detectionFactor: 0.3, incidentFactor: 1.5 };
  },
};

const fiberCut: ScenarioDef = {
  name: 'fiber-cut',
  description: "A ward's fiber branch is cut: the link goes down, the ward's stations lose backhaul, then go down; residents report no signal.",
  rhythmStartHour: 10,
  plan(pack, rng) {
    const core = new Set(pack.sites.links.flatMap((l) => [l.from, l.to]));
    const own = (wid: string) => pack.sites.stations.filter((s) => s.wardId === wid);
    const commune = pack.sites.links.filter((l) => l.kind === 'commune').sort((a, b) => a.id.localeCompare(b.id));
    // Prefer a ward whose stations are not themselves fiber nodes, with the fewest stations: the cut then darkens the whole ward.
    const eligible = commune.filter((l) => own(l.to).length > 0 && own(l.to).every((s) => !core.has(s.id)));
    const pool = eligible.length > 0 ? eligible : commune;
    if (pool.length === 0) return { actions: [], expectation: effects('No commune link in this pack: nothing to cut.') };
    const fewest = Math.min(...pool.map((l) => own(l.to).length));
    const link = rng.pick(pool.filter((l) => own(l.to).length === fewest));
    const stations = own(link.to);
    const cutAt = MIN;
    const actions: Action[] = [{ at: cutAt, run: (w, r) => { w.links.get(link.id)!.state = 'down'; w.linkStatus(link.id, cutAt, r); } }];
    // The ward's video-conference points go dark with its fiber.
    const vcOffline = pack.sites.vcPoints.filter((v) => v.wardId === link.to).map((v) => v.id);
    for (const id of vcOffline) actions.push(vcDrop(cutAt + 5000, id));
    let lastDown = cutAt;
    stations.forEach((s, i) => {
      const lossAt = cutAt + rng.int(5, 20) * 1000;
      const downAt = cutAt + 3 * MIN + i * 20_000;
      lastDown = Math.max(lastDown, downAt);
      actions.push(stationAction(lossAt, s.id, (w) => { const st = w.stations.get(s.id)!; st.backhaul = 'down'; st.state = 'degraded'; }));
      actions.push(stationAction(downAt, s.id, (w) => { w.stations.get(s.id)!.state = 'down'; }));
    });
    const ward = pack.wards.features.find((f) => f.properties.id === link.to);
    const reports = 3;
    const reportTimes: number[] = [];
    for (let i = 0; i < reports; i++) reportTimes.push(lastDown + rng.int(30, 240) * 1000);
    for (const at of reportTimes) actions.push({ at, run: (w, r) => emitIncident(w, r, at, { type: 'telecom_outage', channel: 'citizen_app', wardIds: [link.to] }) });
    const settled = Math.max(...reportTimes) + 1000;
    const e = effects(`Fiber cut on ${link.id} to ${ward?.properties.name ?? link.to}: stations ${stations.map((s) => s.id).join(', ')} lose backhaul then go down.`, settled);
    Object.assign(e, { vcPointsOffline: vcOffline, linksDown: [link.id], stationsLosingBackhaul: stations.map((s) => s.id), stationsDown: stations.map((s) => s.id), wardsLosingCoverage: wardsLosingCoverage(pack, stations.map((s) => s.id)) });
    e.incidents.push({ type: 'telecom_outage', channel: 'citizen_app', minCount: reports, withinMs: [cutAt, settled] });
    return { actions, expectation: e };
  },
};

const festival: ScenarioDef = {
  name: 'festival',
  description: 'An evening festival near the centre: crowd detections grow on cameras around the venue and citizen-app reports surge.',
  rhythmStartHour: 19,
  plan(pack, rng) {
    const centre = pack.meta.center;
    const security = pack.sites.cameras.filter((c) => c.kind === 'security');
    const venueCam = [...(security.length > 0 ? security : pack.sites.cameras)].sort(byDistance(centre))[0];
    if (!venueCam) return { actions: [], expectation: effects('No camera in this pack: no festival to watch.') };
    const venue = venueCam.position;
    const crowdCams = pack.sites.cameras.filter((c) => distanceM(c.position, venue) <= 1200).sort(byDistance(venue)).slice(0, 6);
    const endAt = 30 * MIN;
    const actions: Action[] = [];
    let crowd = 0;
    for (let t = MIN; t <= endAt; t += MIN) {
      crowdCams.forEach((c, i) => {
        const people = Math.max(20, Math.round((200 + 2800 * (t / endAt)) * (1 - distanceM(c.position, venue) / 1500)));
        const at = t + i * 700;
        actions.push({ at, run: (w, r) => emitDetection(w, r, at, c.id, 'crowd', { peopleCount: people }) });
        crowd++;
      });
    }
    const reports = 40;
    let crowdReports = 0;
    for (let i = 0; i < reports; i++) {
      const type: IncidentType = i < 5 ? 'crowd' : rng.weighted<IncidentType>([['crowd', 0.4], ['other', 0.2], ['medical', 0.2], ['crime', 0.2]]);
      if (type === 'crowd') crowdReports++;
      const at = rng.int(120, endAt / 1000) * 1000;
      const pos = jitter(venue, rng, 600);
      actions.push({ at, run: (w, r) => emitIncident(w, r, at, { type, channel: 'citizen_app', position: pos }) });
    }
    const e = effects(`Festival at ${venueCam.name}: crowds on ${crowdCams.map((c) => c.id).join(', ')}; ${reports} citizen reports.`, endAt + 1000);
    e.detections.push({ cameraIds: crowdCams.map((c) => c.id), kind: 'crowd', minCount: crowd, withinMs: [MIN, endAt + 5000] });
    e.incidents.push({ type: 'crowd', channel: 'citizen_app', minCount: crowdReports, withinMs: [0, endAt], near: { position: venue, withinM: 800 } });
    return { actions, expectation: e };
  },
};

export const SCENARIOS: Record<string, ScenarioDef> = Object.fromEntries(
  [normalDay, rushHour, trafficAccident, typhoon, fiberCut, festival].map((s) => [s.name, s]),
);
export const SCENARIO_NAMES = Object.keys(SCENARIOS);

export function getScenario(name: string): ScenarioDef {
  const s = SCENARIOS[name];
  if (!s) throw new Error(`unknown scenario "${name}" (known: ${SCENARIO_NAMES.join(', ')})`);
  return s;
}

export function planScenario(pack: CityPack, name: string, seed: number): ScenarioPlan {
  return getScenario(name).plan(pack, createRng(seed, `plan:${name}`));
}

/** The expected effect of running `name` with `seed` on `pack` (what tests assert). */
export function describeScenario(pack: CityPack, name: string, seed = 1): ScenarioExpectation {
  return { scenario: name, seed, ...planScenario(pack, name, seed).expectation };
}

