/**
 * Upgrading an installation from before PostgreSQL, as an operator does it: the same data
 * folder and InfluxDB, a new server. At its first start it imports users.json and the
 * InfluxDB event log (server/db/import.ts, wired in server/app.ts): the old officer logs in,
 * the open incident is on the console, the old audit rows answer /api/audit. A second start
 * imports nothing again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InfluxDB } from 'influx';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Incident } from '../../contract/index.js';
import { hashPassword } from '../../server/auth/passwords.js';
import { ensureSchema, RP_RAW } from '../../server/influx/schema.js';
import { connectConsole, startTestApp, testDatabase, type TestApp } from '../harness/app.js';
import { login } from '../harness/auth.js';
import { startTestInfluxd, type TestInfluxd } from '../harness/influxd.js';
import { startMosquitto, type TestMosquitto } from '../harness/mosquitto.js';

let influxd: TestInfluxd;
let broker: TestMosquitto;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioc-upgrade-'));
const INFLUX_DB = `ioc_upgrade_${process.pid}`;
const T = Date.now() - 3_600_000;
/** An incident as the old installation wrote it (one `unitId`, none of the fields added since). */
const OLD = {
  id: 'inc-old-1',
  type: 'fire',
  severity: 'major',
  status: 'acknowledged',
  channel: 'hotline_114',
  position: [106.0052, 10.0051],
  address: 'Chợ cũ',
  description: 'Cháy kho',
  externalRef: 'hotline-114:OLD-1',
  wardId: 'tt-a',
  unitId: null,
  alertIds: [],
  cameraIds: [],
  cameraDistancesM: [],
  timeline: [
    { at: T, by: 'hotline-114', action: 'created', to: 'new' },
    { at: T + 60_000, by: 'old.officer', action: 'acknowledge', from: 'new', to: 'acknowledged' },
  ],
  createdAt: T,
  updatedAt: T + 60_000,
  acknowledgedAt: T + 60_000,
  resolvedAt: null,
  version: 2,
} as unknown as Incident;
const PASSWORD = 'old-officer-password-1';
let databaseUrl: string;
let app: TestApp | null = null;

beforeAll(async () => {
  influxd = await startTestInfluxd();
  broker = await startMosquitto();
  databaseUrl = await testDatabase(`ioc_upgrade_${process.pid}`);
  // The old installation: users.json in AUTH_DIR, and the event log in InfluxDB.
  fs.mkdirSync(path.join(dir, 'auth'), { recursive: true });
  const hash = await hashPassword(PASSWORD);
  const user = { id: 'u-old', username: 'old.officer', displayName: 'Cán bộ cũ', role: 'duty_officer', unitId: null, passwordHash: hash, disabled: false, createdAt: T, updatedAt: T };
  fs.writeFileSync(path.join(dir, 'auth', 'users.json'), JSON.stringify({ version: 1, users: [user], sessions: [], displayTokens: [] }));
  const u = new URL(influxd.url);
  const influx = new InfluxDB({ host: u.hostname, port: Number(u.port), database: INFLUX_DB });
  await ensureSchema(influx, INFLUX_DB, { raw: '30d', rollup: '400d' });
  const point = (e: { type: string; by: string; role?: string; state?: Incident; ms: number }) => ({
    measurement: 'events',
    tags: { entity: 'incident', type: e.type },
    fields: { id: OLD.id, by: e.by, result: 'ok', ...(e.role ? { role: e.role } : {}), ...(e.state ? { state: JSON.stringify(e.state) } : {}) },
    timestamp: new Date(e.ms),
  });
  await influx.writePoints(
    [
      point({ type: 'created', by: 'hotline-114', state: { ...OLD, status: 'new', timeline: OLD.timeline.slice(0, 1), acknowledgedAt: null, updatedAt: T, version: 1 }, ms: T }),
      point({ type: 'acknowledge', by: 'old.officer', role: 'duty_officer', state: OLD, ms: T + 60_000 }),
    ],
    { retentionPolicy: RP_RAW, precision: 'ms' },
  );
});
afterAll(async () => {
  await app?.stop();
  await broker?.stop();
  await influxd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const start = () => startTestApp({ mqttUrl: broker.url, influxUrl: influxd.url, env: { DATABASE_URL: databaseUrl, INFLUX_DATABASE: INFLUX_DB, AUTH_DIR: path.join(dir, 'auth') } });

it('the first start imports the old users and event log: the old officer logs in and sees the open incident', async () => {
  app = await start();
  const s = await login(app.url, 'old.officer', PASSWORD);
  const c = await connectConsole(app.url, s.accessToken);
  try {
    const inc = c.snapshots[0]!.incidents.find((i) => i.id === OLD.id);
    expect(inc).toMatchObject({ status: 'acknowledged', version: 2, description: 'Cháy kho' });
  } finally {
    c.close();
  }
  const audit = await fetch(`${app.url}/api/audit?entity=incident&id=${OLD.id}&from=${T - 1000}`, { headers: await app.headers('supervisor') });
  const rows = ((await audit.json()) as { data: { type: string; by: string }[] }).data;
  expect(rows.map((r) => `${r.type} ${r.by}`)).toContain('acknowledge old.officer');
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const imports = (await db.query<{ source: string }>('SELECT source FROM imports ORDER BY source')).rows.map((r) => r.source);
    expect(imports).toEqual(expect.arrayContaining(['auth', 'influx-events']));
    const events = await db.query("SELECT version FROM events WHERE stream_id = $1 ORDER BY version", [OLD.id]);
    expect(events.rows.map((r) => r.version)).toEqual([1, 2]);
  } finally {
    await db.end();
  }
  await app.stop();
  app = null;
});

it('a second start imports nothing again', async () => {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const snapshot = async () => ({
    imports: (await db.query('SELECT source, imported_at FROM imports ORDER BY source')).rows,
    events: (await db.query('SELECT event_id FROM events WHERE stream_id = $1 ORDER BY version', [OLD.id])).rows,
    audit: (await db.query('SELECT event_id FROM audit WHERE target = $1 ORDER BY id', [OLD.id])).rows,
    users: (await db.query("SELECT id FROM users WHERE username = 'old.officer'")).rows,
  });
  try {
    const before = await snapshot();
    app = await start();
    await login(app.url, 'old.officer', PASSWORD);
    expect(await snapshot()).toEqual(before);
    expect(before.events).toHaveLength(2);
    expect(before.users).toHaveLength(1);
  } finally {
    await db.end();
  }
});
