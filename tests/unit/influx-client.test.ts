/**
 * The InfluxDB credentials the query client and the write path share (server/influx/client.ts),
 * and the bounded wait for the schema at start-up (server/influx/schema.ts ensureSchemaWithin).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { influxClient, influxCredentials } from '../../server/influx/client.js';
import { ensureSchemaWithin, SchemaTimeoutError } from '../../server/influx/schema.js';

describe('influxCredentials', () => {
  it('takes INFLUX_USERNAME and INFLUX_PASSWORD first, over those in the URL', () => {
    expect(influxCredentials('http://urluser:urlpass@influx:8086', { INFLUX_USERNAME: 'ioc', INFLUX_PASSWORD: 's3cret' })).toEqual({ username: 'ioc', password: 's3cret' });
  });

  it('else the user and password written in INFLUX_URL, percent-decoded', () => {
    expect(influxCredentials('http://ioc%40city:p%3Ass@influx:8086', {})).toEqual({ username: 'ioc@city', password: 'p:ss' });
  });

  it('falls back each on its own: a configured user with the password of the URL', () => {
    expect(influxCredentials('http://urluser:urlpass@influx:8086', { INFLUX_USERNAME: 'ioc' })).toEqual({ username: 'ioc', password: 'urlpass' });
  });

  it('is none when neither names one', () => {
    expect(influxCredentials('http://influx:8086', {})).toEqual({ username: undefined, password: undefined });
  });

  it('without credentials, the query client asks as node-influx does by default (root:root, ignored without auth)', () => {
    const c = influxClient('http://influx:8086', 'ioc', influxCredentials('http://influx:8086', {}));
    const opts = (c as unknown as { _options: { username: string; password: string } })._options;
    expect([opts.username, opts.password]).toEqual(['root', 'root']);
  });
});

describe('ensureSchemaWithin', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('resolves at the first success, asking again after each failure', async () => {
    let calls = 0;
    const failures: boolean[] = [];
    const attempt = () => (++calls < 3 ? Promise.reject(new Error('connection refused')) : Promise.resolve());
    const done = ensureSchemaWithin(attempt, { withinMs: 3000, retryMs: 500, onFailure: (_e, first) => failures.push(first) });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(done).resolves.toBeUndefined();
    expect(calls).toBe(3);
    expect(failures).toEqual([true, false]);
  });

  it('ends after its bound with the last error when every attempt fails', async () => {
    let calls = 0;
    const done = ensureSchemaWithin(() => Promise.reject(new Error(`ECONNREFUSED #${++calls}`)), { withinMs: 3000, retryMs: 500 });
    const outcome = done.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3000);
    const err = await outcome;
    expect(err).toBeInstanceOf(SchemaTimeoutError);
    expect((err as SchemaTimeoutError).message).toBe(`ECONNREFUSED #${calls}`);
    expect(calls).toBe(6);
    // Nothing runs after it has ended.
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(6);
  });

  it('ends after its bound while an attempt still hangs, saying nothing answered', async () => {
    const done = ensureSchemaWithin(() => new Promise<void>(() => undefined), { withinMs: 3000, retryMs: 500 });
    const outcome = done.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(3000);
    expect(((await outcome) as Error).message).toBe('no answer within 3 s');
  });

  it('ends at once when the app stops', async () => {
    const stopping = new AbortController();
    let calls = 0;
    const done = ensureSchemaWithin(() => Promise.reject(new Error(`down #${++calls}`)), { withinMs: 3000, retryMs: 500, signal: stopping.signal });
    const outcome = done.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(600);
    stopping.abort();
    const err = (await outcome) as Error;
    expect(err).not.toBeInstanceOf(SchemaTimeoutError);
    expect(err.message).toMatch(/stopped/);
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
  });
});
