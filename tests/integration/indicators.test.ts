/**
 * Issue #23 part 2, digital-government indicators, end to end on the whole app (real influxd,
 * Mosquitto, PostgreSQL): values over MQTT (`ioc/v1/kpi/{id}`) and over HTTP with an ingest
 * token of scope kpi → InfluxDB (retention policy `kpi`) → `GET /api/indicators` as the wall
 * reads it (latest against target, 12 periods, met or missed); the computed ones (station
 * availability per technology, fiber links up) from the live picture; every bad value refused
 * with its reason, in feed health (MQTT) or the HTTP answer; the wall's rotation has the panel.
 */
import { describe, expect, it } from 'vitest';
import { periodOf, periodsEnding, type IndicatorView } from '../../contract/indicators.js';
import { topics } from '../../contract/index.js';
import { appStackForFile } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

const stack = appStackForFile({ env: { INDICATOR_SAMPLE_S: '1' } });
const TZ = 'Asia/Ho_Chi_Minh';
const month = () => periodOf(Date.now(), TZ, 'monthly');

async function indicators(): Promise<Map<string, IndicatorView>> {
  const { app } = stack();
  const res = await fetch(`${app.url}/api/indicators`, { headers: await app.headers('wall') });
  expect(res.status).toBe(200);
  return new Map(((await res.json()) as { data: IndicatorView[] }).data.map((d) => [d.id, d]));
}

async function post(id: string, body: unknown, token: string | null) {
  const { app } = stack();
  const res = await fetch(`${app.url}/api/indicators/${id}/values`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { ok: boolean; error?: { code: string; message: string } } };
}

describe('digital-government indicators', () => {
  it('lists the registry, and the wall rotates through the panel', async () => {
    const { app } = stack();
    const list = await indicators();
    expect([...list.keys()]).toEqual(expect.arrayContaining(['online_records_pct', 'e_documents_pct', 'dti_score', 'dti_rank', 'commune_fiber_pct', 'station_avail_4g', 'fiber_links_up_pct']));
    expect(list.get('dti_rank')).toMatchObject({ direction: 'lower', period: 'quarterly', unit: 'hạng', name: { vi: expect.any(String), en: expect.any(String) } });
    const wall = await fetch(`${app.url}/api/wall/config`, { headers: await app.headers('wall') });
    expect(((await wall.json()) as { data: { playlist: string[] } }).data.playlist).toContain('digital');
    // A responder has no wall:view.
    expect((await fetch(`${app.url}/api/indicators`, { headers: await app.headers('responder') })).status).toBe(403);
  });

  it('takes a value over MQTT into InfluxDB and shows it against its target; a correction replaces it', async () => {
    const { send, app } = stack();
    const period = month();
    await send(topics.kpiValue('online_records_pct'), 'online_records_pct', { period, value: 72.5 });
    await waitFor(async () => (await indicators()).get('online_records_pct')?.latest?.value === 72.5, { message: 'value over MQTT listed' });
    let v = (await indicators()).get('online_records_pct')!;
    expect(v).toMatchObject({ latest: { period, value: 72.5, demo: false }, met: false, target: 80 });
    await send(topics.kpiValue('online_records_pct'), 'online_records_pct', { period, value: 84.1 });
    await waitFor(async () => (await indicators()).get('online_records_pct')?.latest?.value === 84.1, { message: 'correction listed' });
    v = (await indicators()).get('online_records_pct')!;
    expect(v.met).toBe(true);
    expect(v.trend).toHaveLength(1);
    // Stored once for the period, in the kpi retention policy.
    const rows = await app.influx.query<{ value: number }>(`SELECT "value" FROM "kpi"."kpi" WHERE "indicator" = 'online_records_pct'`);
    expect(rows.map((r) => r.value)).toEqual([84.1]);
  });

  it('takes a year of values over HTTP with an ingest token of scope kpi: 12 periods, oldest first; lower is better for a rank', async () => {
    const { app } = stack();
    const none = await post('e_documents_pct', { period: month(), value: 90 }, null);
    expect(none.status).toBe(503);
    const cap = app.ingestTokens.issue({ name: 'KTTV', senders: ['a@b.vn'], scopes: ['cap'] }).token;
    const token = app.ingestTokens.issue({ name: 'Cổng dịch vụ công', scopes: ['kpi'] }).token;
    expect((await post('e_documents_pct', { period: month(), value: 90 }, null)).status).toBe(401);
    expect((await post('e_documents_pct', { period: month(), value: 90 }, cap)).status).toBe(403);

    const months = periodsEnding(month(), 'monthly', 14);
    const year = months.map((period, i) => ({ period, value: 80 + i }));
    const r = await post('e_documents_pct', year, token);
    expect(r).toMatchObject({ status: 201, body: { ok: true } });
    const v = (await indicators()).get('e_documents_pct')!;
    expect(v.trend.map((p) => p.period)).toEqual(months.slice(2));
    expect(v.latest).toMatchObject({ period: month(), value: 93 });
    expect(v.met).toBe(false);

    const quarters = periodsEnding(periodOf(Date.now(), TZ, 'quarterly'), 'quarterly', 3);
    expect((await post('dti_rank', quarters.map((period, i) => ({ period, value: 30 - i * 6 })), token)).status).toBe(201);
    expect((await indicators()).get('dti_rank')).toMatchObject({ latest: { value: 18 }, met: true });

    const refused: [string, unknown, number, RegExp][] = [
      ['nope', { period: month(), value: 1 }, 404, /no indicator nope/],
      ['e_documents_pct', { period: '2026-Q1', value: 1 }, 400, /monthly/],
      ['dti_score', { period: month(), value: 1 }, 400, /quarterly/],
      ['station_avail_4g', { period: month(), value: 100 }, 409, /computed by the system/],
      ['e_documents_pct', { period: '2026-13', value: 1 }, 400, /period/],
      ['e_documents_pct', { period: month(), value: 'high' }, 400, /value/],
      ['e_documents_pct', { period: month(), value: 1, extra: true }, 400, /extra/],
    ];
    for (const [id, body, status, msg] of refused) {
      const res = await post(id, body, token);
      expect(res.status, `${id} ${JSON.stringify(body)}`).toBe(status);
      expect(res.body.error?.message).toMatch(msg);
    }
  });

  it('computes station availability per technology and the share of fiber links up from the live picture', async () => {
    const { send } = stack();
    const st = (id: string, state: string) => send(topics.stationStatus(id), id, { state, power: 'mains', backhaul: state === 'down' ? 'down' : 'up' }, { retain: true });
    for (const id of ['tt-bs-b1', 'tt-bs-b2', 'tt-bs-b3', 'tt-bs-c1']) await st(id, 'up');
    await st('tt-bs-a1', 'down');
    await st('tt-bs-c2', 'down');
    for (const id of ['tt-bb-1', 'tt-fo-b', 'tt-fo-c']) await send(topics.linkStatus(id), id, { state: 'up' }, { retain: true });
    await send(topics.linkStatus('tt-fo-a'), 'tt-fo-a', { state: 'down' }, { retain: true });
    // 4G: 4 of 6 stations up; 3G and 5G: 1 of 2; fiber: 3 of 4 links; no 2G station, no figure.
    const want = { station_avail_4g: 66.67, station_avail_3g: 50, station_avail_5g: 50, fiber_links_up_pct: 75 };
    await waitFor(async () => {
      const list = await indicators();
      return Object.entries(want).every(([id, v]) => list.get(id)?.latest?.value === v);
    }, { message: 'computed indicators', timeoutMs: 15_000 });
    const list = await indicators();
    expect(list.get('station_avail_4g')).toMatchObject({ latest: { period: month(), demo: false }, met: false, source: 'system' });
    expect(list.get('station_avail_2g')!.latest).toBeNull();
  });

  it('rejects bad values over MQTT with their reason, counted in feed health', async () => {
    const { send, app } = stack();
    await send(topics.kpiValue('no_such'), 'no_such', { period: month(), value: 1 });
    await send(topics.kpiValue('dti_score'), 'dti_score', { period: month(), value: 0.5 });
    await send(topics.kpiValue('fiber_links_up_pct'), 'fiber_links_up_pct', { period: month(), value: 100 });
    await send(topics.kpiValue('e_documents_pct'), 'e_documents_pct', { period: month(), value: '93%' });
    const kpi = await waitFor(async () => {
      const res = await fetch(`${app.url}/api/feeds/health`, { headers: await app.headers('duty_officer') });
      const f = ((await res.json()) as { feeds: { feed: string; rejected: Record<string, number> }[] }).feeds.find((x) => x.feed === 'kpi')!;
      return Object.values(f.rejected).reduce((a, b) => a + b, 0) >= 4 ? f : null;
    }, { message: 'four kpi rejects' });
    expect(kpi.rejected).toEqual({ unknown_indicator: 1, wrong_period: 1, computed: 1, schema: 1 });
    // Nothing of them was stored.
    expect((await indicators()).get('dti_score')!.latest).toBeNull();
  });
});
