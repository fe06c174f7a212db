/** External programs the tests need, and how to get each one. */
export const SERVICE_INSTALL_HINTS: Record<string, string> = {
  influxd: 'apt-get install influxdb (Debian package "influxdb")',
  mosquitto: 'apt-get install mosquitto (Debian package "mosquitto")',
  chromium: 'apt-get install chromium (Debian package "chromium")',
  postgres: 'apt-get install postgresql (Debian package "postgresql"; binaries in /usr/lib/postgresql/<version>/bin)',
  'redis-server': 'apt-get install redis-server (Debian package "redis-server")',
};

export function isCI(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * Returns what `check` found (e.g. the binary's path). We never skip tests:
 * when the service is missing this throws, under CI and outside it alike,
 * with a message saying how to install it.
 */
export function requireService<T>(name: string, check: () => T | null | undefined | false): T {
  let found: T | null | undefined | false;
  let failure = '';
  try {
    found = check();
  } catch (err) {
    found = null;
    failure = ` (${err instanceof Error ? err.message : String(err)})`;
  }
  if (found) return found;
  const hint = SERVICE_INSTALL_HINTS[name] ?? `install "${name}"`;
  const how = `Install it with: ${hint}. "npm test" installs it for you when run as root on Debian.`;
  const where = isCI() ? 'CI=true: a missing service fails the run (tests are never skipped).' : 'Tests are never skipped.';
  throw new Error(`Required service "${name}" is not available${failure}. ${how} ${where}`);
}
