/**
 * Live video and evidence (issue #22), against the real server, Mosquitto, influxd, PostgreSQL
 * and a real ffmpeg: a simulated camera's HLS plays for an officer (its playlist moves on, its
 * segments are MPEG-TS); who may watch what (nobody, the wall, a responder for another unit's
 * camera get no playlist and no segment); an expired token stops the stream; every view is in
 * the audit trail with its length; MediaMTX's auth hook answers as MediaMTX expects; a
 * detection's image arrives over MQTT, is served with its alert (never to the wall) and named in
 * its CAP export; a Frigate event's snapshot and clip come through the server, Range and all.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topics, type Alert, type DetectionData, type Result, type StreamGrant } from '../../contract/index.js';
import { connectConsole, type TestApp } from '../harness/app.js';
import { startAppStack, type AppStack } from '../harness/stack.js';
import { waitFor } from '../harness/wait.js';

type Who = 'duty_officer' | 'supervisor' | 'responder' | 'wall' | 'nobody';

/** A JPEG made by ffmpeg, as a camera would send one. */
function jpeg(size = '320x180'): Buffer {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}`, '-frames:v', '1', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1']);
  if (r.status !== 0) throw new Error(`ffmpeg: ${r.stderr.toString()}`);
  return r.stdout;
}

// Frigate's HTTP API as Frigate serves it: an event's snapshot.jpg, and its clip.mp4 with Range.
const FRIGATE_JPEG = jpeg('160x90');
const CLIP = Buffer.alloc(4096, 7);
const frigateHits: string[] = [];
const frigate = http.createServer((req, res) => {
  frigateHits.push(req.url ?? '');
  if (req.url === '/api/events/1733550000.1-abc123/snapshot.jpg?bbox=1') return res.writeHead(200, { 'content-type': 'image/jpeg' }).end(FRIGATE_JPEG);
  if (req.url === '/api/events/1733550000.1-abc123/clip.mp4') {
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) return res.writeHead(200, { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-length': CLIP.length }).end(CLIP);
    const [a, b] = [Number(m[1]), Number(m[2])];
    return res.writeHead(206, { 'content-type': 'video/mp4', 'accept-ranges': 'bytes', 'content-range': `bytes ${a}-${b}/${CLIP.length}`, 'content-length': b - a + 1 }).end(CLIP.subarray(a, b + 1));
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('no');
});

let stack: AppStack;
let app: TestApp;
/** The server's clock runs this far ahead of the test's: moved to expire tokens. */
let ahead = 0;

beforeAll(async () => {
  await new Promise<void>((r) => frigate.listen(0, '127.0.0.1', r));
  const frigateUrl = `http://127.0.0.1:${(frigate.address() as AddressInfo).port}`;
  stack = await startAppStack({ env: { FRIGATE_URL: frigateUrl, VIDEO_TOKEN_TTL_S: '30', VIDEO_SIM_MAX_STREAMS: '2', RATE_LIMIT_INGEST_PER_MIN: '100000' }, now: () => Date.now() + ahead });
  ({ app } = stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => frigate.close(r));
});

async function call(who: Who, method: string, p: string, body?: unknown): Promise<{ status: number; json: Result<unknown> & { data?: unknown } }> {
  const headers = { 'content-type': 'application/json', ...(who === 'nobody' ? {} : await app.headers(who)) };
  const res = await fetch(`${app.url}/api${p}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as never };
}
const grant = async (who: Who, camera: string, view?: string) => call(who, 'GET', `/cameras/${camera}/stream${view ? `?view=${view}` : ''}`);
const abs = (u: string) => new URL(u, app.url).href;

/** The segment URLs of a playlist, and its media sequence. */
async function playlist(url: string): Promise<{ status: number; seq: number; segments: string[]; text: string }> {
  const res = await fetch(abs(url));
  const text = await res.text();
  const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? -1);
  return { status: res.status, seq, text, segments: text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => new URL(l, abs(url)).href) };
}

describe('a simulated camera plays for an officer', () => {
  let g: StreamGrant;

  it('grants HLS on this server with a token for that camera only, and the stream moves on', async () => {
    const r = await grant('duty_officer', 'tt-cam-1');
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    g = r.json.data as StreamGrant;
    expect(g).toMatchObject({ cameraId: 'tt-cam-1', origin: 'simulated', sources: [{ kind: 'hls', url: expect.stringMatching(/^\/api\/video\/hls\/tt-cam-1\/index\.m3u8\?token=/) }] });
    expect(g.expiresAt - Date.now()).toBeGreaterThan(25_000);
    // The grant says where to play, never a camera's own address.
    expect(JSON.stringify(g)).not.toMatch(/rtsp:|@/);

    const first = await playlist(g.sources[0]!.url);
    expect(first.status, first.text).toBe(200);
    expect(first.text).toMatch(/^#EXTM3U/);
    expect(first.segments.length).toBeGreaterThan(0);
    for (const s of first.segments) expect(new URL(s).searchParams.get('token')).toBe(g.token);
    const seg = await fetch(first.segments.at(-1)!);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    const bytes = Buffer.from(await seg.arrayBuffer());
    // MPEG-TS: 188-byte packets, each starting with the sync byte 0x47.
    expect(bytes.length).toBeGreaterThan(188 * 10);
    expect(bytes[0]).toBe(0x47);
    expect(bytes[188]).toBe(0x47);
    // A live stream: a later playlist has moved on by whole segments.
    const later = await waitFor(async () => {
      const p = await playlist(g.sources[0]!.url);
      return p.seq > first.seq || (p.segments.at(-1) !== first.segments.at(-1) && p.segments.length > 0) ? p : null;
    }, { timeoutMs: 10_000, message: 'the playlist did not move on' });
    expect(later.segments.at(-1)).not.toBe(first.segments.at(-1));
  });

  it('a token opens only its own camera, and nothing opens without one', async () => {
    const other = (await playlist(g.sources[0]!.url.replace('tt-cam-1', 'tt-cam-2'))).status;
    expect(other).toBe(403);
    const bare = await fetch(abs(`/api/video/hls/tt-cam-1/index.m3u8`));
    expect(bare.status).toBe(403);
    expect(await bare.json()).toEqual({ ok: false, error: { code: 'forbidden', message: 'stream token malformed' } });
    const forged = await fetch(abs(`/api/video/hls/tt-cam-1/seg1.ts?token=${g.token.slice(0, -2)}AA`));
    expect(forged.status).toBe(403);
    // Only the playlist and numbered segments: no path out of the stream's folder.
    for (const f of ['label.txt', 'index.m3u8.tmp', '..%2F..%2Fetc%2Fpasswd']) {
      const res = await fetch(abs(`/api/video/hls/tt-cam-1/${f}?token=${encodeURIComponent(g.token)}`));
      // The escape is not even this route once decoded: the session guard refuses it.
      expect(res.status, f).toBe(f.startsWith('..') ? 401 : 403);
      expect(((await res.json()) as { ok: boolean }).ok).toBe(false);
    }
  });

  it('every view is audited: who, which camera, when, and for how long', async () => {
    const renewed = (await grant('duty_officer', 'tt-cam-1', g.viewId)).json.data as StreamGrant;
    // Renewing keeps the view: one audit row for its start, not one per token.
    expect(renewed.viewId).toBe(g.viewId);
    expect(renewed.token).not.toBe(g.token);
    expect((await call('duty_officer', 'POST', `/cameras/tt-cam-1/stream/${g.viewId}/end`)).status).toBe(200);
    // Another user cannot end it, nor end it twice.
    expect((await call('supervisor', 'POST', `/cameras/tt-cam-1/stream/${g.viewId}/end`)).status).toBe(404);
    const audit = await waitFor(async () => {
      const rows = (await call('supervisor', 'GET', '/audit?entity=video')).json.data as { type: string; id: string; by: string; role: string; note: string; at: number }[];
      return rows.filter((x) => x.note.includes(g.viewId)).length === 2 ? rows.filter((x) => x.note.includes(g.viewId)) : null;
    }, { message: 'the view is not in the audit trail' });
    expect(audit.map((x) => x.type).sort()).toEqual(['view_ended', 'view_started']);
    for (const x of audit) expect(x).toMatchObject({ id: 'tt-cam-1', by: 'duty-officer', role: 'duty_officer', at: expect.any(Number) });
    expect(audit.find((x) => x.type === 'view_ended')!.note).toMatch(/: \d+ s \(closed\)$/);
  });
});

describe('who may watch', () => {
  it('nobody, the wall and a responder without an incident there get no grant, no playlist, no segment', async () => {
    expect((await grant('nobody', 'tt-cam-2')).status).toBe(401);
    const wall = await grant('wall', 'tt-cam-2');
    expect(wall.status).toBe(403);
    expect(JSON.stringify(wall.json)).toContain('VIDEO_ON_WALL');
    expect((await grant('responder', 'tt-cam-2')).status).toBe(403);
    expect((await grant('duty_officer', 'no-such-cam')).status).toBe(404);
  });

  it('a responder sees the cameras of its own unit’s incident, and no other', async () => {
    await stack.send(topics.incidentReport('hotline-115'), 'hotline-115', { channel: 'hotline_115', type: 'traffic_accident', severity: 'major', lat: 10.0052, lon: 106.0152, description: 'Va chạm gần camera 2', externalRef: 'CALL-VIDEO-1' });
    const inc = await waitFor(() => app.operations.incidents.open().find((i) => i.description === 'Va chạm gần camera 2'), { message: 'no incident' });
    expect(inc.cameraIds).toContain('tt-cam-2');
    expect(inc.cameraIds).not.toContain('tt-cam-3');
    const officer = await connectConsole(app.url, await app.token('duty_officer'));
    try {
      const r = await new Promise<Result<unknown>>((res) => (officer.socket.emit as unknown as (e: string, b: unknown, a: (r: Result<unknown>) => void) => void)('incident:dispatch', { id: inc.id, version: app.operations.incidents.get(inc.id)!.version, unitId: app.responderUnit }, res));
      expect(r.ok, JSON.stringify(r)).toBe(true);
    } finally {
      officer.close();
    }
    const mine = await grant('responder', 'tt-cam-2');
    expect(mine.status, JSON.stringify(mine.json)).toBe(200);
    const g = mine.json.data as StreamGrant;
    expect((await playlist(g.sources[0]!.url)).status).toBe(200);
    const far = await grant('responder', 'tt-cam-3');
    expect(far.status).toBe(403);
    expect(JSON.stringify(far.json)).toContain('your unit');
    // Its token opens tt-cam-2 only: not the camera it was refused.
    expect((await playlist(g.sources[0]!.url.replace('tt-cam-2', 'tt-cam-3'))).status).toBe(403);
  });

  it('past its lifetime a token opens nothing: the playlist and every segment are refused', async () => {
    const g = (await grant('supervisor', 'tt-cam-1')).json.data as StreamGrant;
    const before = await playlist(g.sources[0]!.url);
    expect(before.status).toBe(200);
    ahead += 31_000;
    const after = await fetch(abs(g.sources[0]!.url));
    expect(after.status).toBe(401);
    expect(await after.json()).toEqual({ ok: false, error: { code: 'unauthorized', message: 'stream token expired' } });
    for (const s of before.segments) expect((await fetch(s)).status).toBe(401);
    // A renewal (the player does it before expiry) is a new token, while the viewer may still watch.
    const again = (await grant('supervisor', 'tt-cam-1', g.viewId)).json.data as StreamGrant;
    expect(again.viewId).toBe(g.viewId);
    expect((await playlist(again.sources[0]!.url)).status).toBe(200);
  });
});

describe('MediaMTX’s auth hook (authMethod: http)', () => {
  it('lets a read of a camera’s path through with that camera’s token, and nothing else', async () => {
    const g = (await grant('duty_officer', 'tt-cam-4')).json.data as StreamGrant;
    const other = (await grant('duty_officer', 'tt-cam-5')).json.data as StreamGrant;
    // The body MediaMTX posts (user, password, token, ip, action, path, protocol, id, query).
    const ask = (b: Record<string, unknown>) => fetch(`${app.url}/api/video/auth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: '', password: '', token: '', ip: '10.20.0.7', action: 'read', path: 'tt-cam-4', protocol: 'hls', id: null, query: `token=${encodeURIComponent(g.token)}`, ...b }) });
    expect((await ask({})).status).toBe(200);
    expect((await ask({ query: '', token: g.token })).status).toBe(200);
    expect((await ask({ query: '', password: g.token, protocol: 'rtsp' })).status).toBe(200);
    for (const [why, b] of [
      ['no token', { query: '' }],
      ['another camera’s token', { query: `token=${encodeURIComponent(other.token)}` }],
      ['another path', { path: 'tt-cam-5' }],
      ['a publish', { action: 'publish' }],
      ['the API', { action: 'api', path: '' }],
      ['an unknown path', { path: 'tt-cam-404' }],
    ] as const) {
      expect((await ask(b)).status, why).toBe(401);
    }
    ahead += 31_000;
    expect((await ask({})).status, 'an expired token').toBe(401);
  });
});

describe('evidence', () => {
  let alert: Alert;
  const image = jpeg();

  it('an image sent on the snapshot topic is served with its detection’s alert, with the box', async () => {
    await stack.dev.publishAsync(topics.cameraSnapshot('tt-cam-3', 'det-0001'), image, { qos: 1 });
    await stack.send(topics.cameraDetection('tt-cam-3'), 'tt-cam-3', { kind: 'accident', confidence: 0.96, lat: 10.005, lon: 106.025, snapshotId: 'det-0001', box: { x: 0.2, y: 0.3, w: 0.25, h: 0.2 } });
    alert = await waitFor(() => app.operations.alerts.open().find((a) => a.rule === 'detection_accident' && a.source.id === 'tt-cam-3'), { message: 'no accident alert' });
    expect((alert.data as DetectionData).evidence).toEqual({ snapshotId: 'det-0001', box: { x: 0.2, y: 0.3, w: 0.25, h: 0.2 } });
    const got = await waitFor(async () => {
      const res = await fetch(`${app.url}/api/alerts/${alert.id}/snapshot.jpg`, { headers: await app.headers('duty_officer') });
      return res.status === 200 ? res : null;
    }, { message: 'the image is not served' });
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await got.arrayBuffer()).equals(image)).toBe(true);
  });

  it('never to the wall, a responder or nobody; the wall’s picture of the alert has no evidence', async () => {
    for (const who of ['wall', 'responder'] as const) expect((await fetch(`${app.url}/api/alerts/${alert.id}/snapshot.jpg`, { headers: await app.headers(who) })).status, who).toBe(403);
    expect((await fetch(`${app.url}/api/alerts/${alert.id}/snapshot.jpg`)).status).toBe(401);
    const wall = await connectConsole(app.url, await app.token('wall'));
    try {
      const seen = wall.snapshots.at(-1)!.alerts.find((a) => a.id === alert.id);
      expect(seen).toBeDefined();
      expect(seen!.data).not.toHaveProperty('evidence');
    } finally {
      wall.close();
    }
  });

  it('is named in the alert’s CAP export as a resource', async () => {
    const res = await fetch(`${app.url}/api/alerts/${alert.id}/cap`, { headers: await app.headers('duty_officer') });
    const xml = await res.text();
    expect(xml).toContain('<resource>');
    expect(xml).toContain('<mimeType>image/jpeg</mimeType>');
    expect(xml).toContain(`<uri>${app.url}/api/alerts/${alert.id}/snapshot.jpg</uri>`);
  });

  it('what is not a JPEG on the snapshot topic is refused and shown in the feed health', async () => {
    await stack.dev.publishAsync(topics.cameraSnapshot('tt-cam-3', 'det-0002'), Buffer.from('<html>not an image</html>'), { qos: 1 });
    const dead = await waitFor(async () => {
      const h = (await call('duty_officer', 'GET', '/feeds/health')).json as unknown as { deadLetters: { topic: string; reason: string; detail: string }[] };
      return h.deadLetters.find((d) => d.topic.endsWith('/snapshot/det-0002')) ?? null;
    }, { message: 'the bad image is not in the dead letters' });
    expect(dead).toMatchObject({ reason: 'schema', detail: expect.stringContaining('JPEG') });
  });

  it('a violation’s image stays with its row of the camera’s detection history: the evidence of a fine', async () => {
    const img = jpeg('480x270');
    await stack.dev.publishAsync(topics.cameraSnapshot('tt-cam-1', 'rl-0001'), img, { qos: 1 });
    await stack.send(topics.cameraDetection('tt-cam-1'), 'tt-cam-1', { kind: 'red_light', confidence: 0.91, lat: 10.005, lon: 106.005, lane: 1, plate: '85A-999.01', snapshotId: 'rl-0001' });
    const row = await waitFor(async () => {
      const d = (await call('duty_officer', 'GET', '/cameras/tt-cam-1/detections')).json.data as { events: { kind: string; plate: string | null; snapshotUrl: string | null }[] };
      return d.events.find((e) => e.plate === '85A-999.01') ?? null;
    }, { message: 'the violation is not in the detection history' });
    expect(row).toMatchObject({ kind: 'red_light', snapshotUrl: '/api/cameras/tt-cam-1/snapshots/rl-0001.jpg' });
    const res = await fetch(`${app.url}${row.snapshotUrl}`, { headers: await app.headers('duty_officer') });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(img)).toBe(true);
    // The history's own permission: not a responder's phone, not the wall, not nobody; no other camera's image by this path.
    for (const who of ['responder', 'wall'] as const) expect((await fetch(`${app.url}${row.snapshotUrl}`, { headers: await app.headers(who) })).status, who).toBe(403);
    expect((await fetch(`${app.url}${row.snapshotUrl}`)).status).toBe(401);
    expect((await fetch(`${app.url}/api/cameras/tt-cam-2/snapshots/rl-0001.jpg`, { headers: await app.headers('duty_officer') })).status).toBe(404);
  });

  it('a Frigate event’s snapshot and clip come through the server (Range for the clip)', async () => {
    await stack.send(topics.cameraDetection('tt-cam-5'), 'tt-cam-5', { kind: 'fire_smoke', confidence: 0.9, lat: 10.002, lon: 106.012, frigateEventId: '1733550000.1-abc123' });
    const a = await waitFor(() => app.operations.alerts.open().find((x) => x.rule === 'detection_fire_smoke' && x.source.id === 'tt-cam-5'), { message: 'no fire alert' });
    const h = await app.headers('duty_officer');
    const snap = await fetch(`${app.url}/api/alerts/${a.id}/snapshot.jpg`, { headers: h });
    expect(snap.status).toBe(200);
    expect(Buffer.from(await snap.arrayBuffer()).equals(FRIGATE_JPEG)).toBe(true);
    const part = await fetch(`${app.url}/api/alerts/${a.id}/clip.mp4`, { headers: { ...h, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${CLIP.length}`);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    expect(frigateHits).toContain('/api/events/1733550000.1-abc123/snapshot.jpg?bbox=1');
    // An alert without a clip says so.
    expect((await fetch(`${app.url}/api/alerts/${alert.id}/clip.mp4`, { headers: h })).status).toBe(404);
    const cap = await (await fetch(`${app.url}/api/alerts/${a.id}/cap`, { headers: h })).text();
    expect(cap).toContain('<mimeType>video/mp4</mimeType>');
  });
});
