/**
 * What a load run should have stored, device by device, and what InfluxDB holds.
 * Mirrors simulators/load.ts createLoadMessages: message i goes to device i % M with
 * that device's next seq; a camera sends a status when seq % 10 === 1, a detection
 * otherwise; a station sends a status every time. Every point's timestamp carries
 * its seq, so a re-delivered message overwrites itself: count(seq) per device is
 * the number of distinct messages stored, max(seq) shows where the tail is.
 */
import { loadDeviceId } from '../../simulators/load.js';
import { influxQuery } from './stack.js';

export interface Expected {
  detection: Map<string, number>;
  camera_status: Map<string, number>;
  station_status: Map<string, number>;
  total: number;
}

export function expectedCounts(total: number, devices: number): Expected {
  const cameras = Math.ceil(devices * 0.7);
  const e: Expected = { detection: new Map(), camera_status: new Map(), station_status: new Map(), total };
  for (let d = 0; d < devices; d++) {
    const n = Math.floor(total / devices) + (d < total % devices ? 1 : 0);
    if (n === 0) continue;
    const id = loadDeviceId(d, cameras);
    if (d >= cameras) e.station_status.set(id, n);
    else {
      const statuses = Math.ceil(n / 10);
      e.camera_status.set(id, statuses);
      if (n - statuses > 0) e.detection.set(id, n - statuses);
    }
  }
  return e;
}

export interface Delivery {
  expected: number;
  stored: number;
  /** Messages published but not in InfluxDB. */
  missing: number;
  /** Points beyond what was published (would be duplicates stored at distinct times). */
  extra: number;
  deliveredPct: number;
}

const TAG: Record<keyof Omit<Expected, 'total'>, string> = { detection: 'camera', camera_status: 'camera', station_status: 'station' };

export async function storedCounts(influxUrl: string, db: string): Promise<Map<string, number>> {
  const got = new Map<string, number>();
  for (const m of Object.keys(TAG) as (keyof typeof TAG)[]) {
    const series = await influxQuery(influxUrl, db, `SELECT count(seq) FROM "${m}" WHERE time > now() - 1d GROUP BY "${TAG[m]}"`);
    for (const s of series) got.set(`${m}:${s.tags?.[TAG[m]]}`, Number(s.values[0]?.[1] ?? 0));
  }
  return got;
}

export async function checkDelivery(influxUrl: string, db: string, exp: Expected): Promise<Delivery> {
  const got = await storedCounts(influxUrl, db);
  let stored = 0;
  let missing = 0;
  let extra = 0;
  for (const m of Object.keys(TAG) as (keyof typeof TAG)[]) {
    for (const [id, n] of exp[m]) {
      const g = got.get(`${m}:${id}`) ?? 0;
      got.delete(`${m}:${id}`);
      stored += g;
      if (g < n) missing += n - g;
      else extra += g - n;
    }
  }
  for (const g of got.values()) extra += g;
  return { expected: exp.total, stored, missing, extra, deliveredPct: Math.floor((stored / Math.max(1, exp.total)) * 10000) / 100 };
}

/** Polls until everything is stored, or nothing new arrived for `idleMs`; returns the last check and when it got there. */
export async function waitForDelivery(influxUrl: string, db: string, exp: Expected, idleMs = 15_000, maxMs = 180_000): Promise<Delivery & { drainMs: number }> {
  const t0 = Date.now();
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const d = await checkDelivery(influxUrl, db, exp).catch(() => null);
    if (d && d.missing === 0) return { ...d, drainMs: Date.now() - t0 };
    if (d && d.stored !== last) {
      last = d.stored;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > idleMs || Date.now() - t0 > maxMs) return { ...(d ?? (await checkDelivery(influxUrl, db, exp))), drainMs: Date.now() - t0 };
    await new Promise((r) => setTimeout(r, 1000));
  }
}
