/**
 * Accounts, devices and ingest tokens as another process sees them (the `npm run users` CLI,
 * another server): stores of their own on the app's database, with their own pool, journal
 * and LISTEN connection. What they write reaches a running app through LISTEN/NOTIFY.
 */
import { pino } from 'pino';
import { openDeviceRegistry, type DeviceKind, type DeviceRegistry } from '../../server/broker/devices.js';
import { openAccountsDb, type OwnAccountsDb } from '../../server/db/accounts-sync.js';
import { migrate } from '../../server/db/migrate.js';
import { testDatabase } from './app.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The database at `url` (migrated) with stores of its own; close() writes what is queued and ends them. */
export async function accountsDb(url: string): Promise<OwnAccountsDb> {
  await migrate(url, log);
  return openAccountsDb(url, log);
}

/** Runs `fn` with a device registry of its own on the database at `url`, then closes it. */
export async function withDevices<T>(url: string, fn: (registry: DeviceRegistry) => Promise<T>): Promise<T> {
  const db = await accountsDb(url);
  try {
    return await fn(await openDeviceRegistry(db));
  } finally {
    await db.close();
  }
}

let databases = 0;

/**
 * A fresh database in the file's cluster with these devices registered, as `npm run users --
 * device-add` does before the server starts; start the app on it with env DATABASE_URL.
 * Returns its URL and each device's secret.
 */
export async function databaseWithDevices(devices: { id: string; kind: DeviceKind; senders?: string[] }[]): Promise<{ url: string; secrets: Record<string, string> }> {
  const url = await testDatabase(`ioc_test_${process.pid}_devices_${++databases}`);
  const secrets: Record<string, string> = {};
  await withDevices(url, async (reg) => {
    for (const d of devices) secrets[d.id] = await reg.add(d.id, d.kind, d.senders ?? []);
  });
  return { url, secrets };
}
