/**
 * npm run users -- <command>: people, wall displays and devices, from a shell
 * on the server. It works on the database the server uses (DATABASE_URL, or the
 * local cluster: the running one, or started for the command and stopped after),
 * brings its schema up to date, and writes through the same stores as the server;
 * a running server sees every change within a second (LISTEN/NOTIFY).
 *
 *   add <username> --role ROLE [--unit ID] [--name "Full name"]
 *   list
 *   passwd <username>
 *   disable <username> | enable <username>
 *   issue-display-token --name "Wall 1" [--ttl-days D (0 = until revoked)]
 *   display-tokens | revoke-display-token <id>
 *   device-add <id> --kind camera|station|link|source|frigate [--sender S …] (source: the CAP senders it may send as)
 *   devices | device-disable <id>
 *   ingest-token add --name N --sender S [--sender S2] [--scope cap,stations] [--ttl-days D]
 *   ingest-token list | ingest-token revoke <id>
 *
 * Passwords: on a terminal you are asked (empty = generate one); otherwise a
 * random one is generated and printed once. Reads .env like `npm start`.
 */
import { ROOT } from '../../contract/root.js';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { ROLES, type Role } from '../../contract/auth.js';
import { DEVICE_KINDS, openDeviceRegistry, type DeviceKind } from '../broker/devices.js';
import { loadCityPack } from '../../contract/citypack-load.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { openAccountsDb, type AccountsDb } from '../db/accounts-sync.js';
import { attachDatabase } from '../db/attach.js';
import { migrate } from '../db/migrate.js';
import { INGEST_SCOPES, type IngestScope } from '../../contract/auth.js';
import { createIngestTokens, IngestTokenError } from '../ingest/tokens.js';
import { createAuthService } from './bootstrap.js';
import { AuthError } from './service.js';

const USAGE = `usage: npm run users -- <command>
  add <username> --role ${ROLES.filter((r) => r !== 'wall').join('|')} [--unit ID] [--name "Full name"]
  list
  passwd <username>
  disable <username> | enable <username>
  issue-display-token --name "Wall 1" [--ttl-days D (0 = until revoked)]
  display-tokens | revoke-display-token <id>
  device-add <id> --kind ${DEVICE_KINDS.join('|')} [--sender S …]   (a source's CAP senders)
  devices | device-disable <id>
  ingest-token add --name "KTTV Ninh Thuận" --sender S [--sender S2] [--scope ${INGEST_SCOPES.join(',')}] [--ttl-days D]
  ingest-token list | ingest-token revoke <id>`;

const out = (s: string) => process.stdout.write(`${s}\n`);

/** Ask for a password without echoing it. */
async function askPassword(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const onData = (ch: string) => {
      for (const c of ch) {
        if (c === '\r' || c === '\n') {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          return resolve(value);
        }
        if (c === '\u0003') {
          stdin.setRawMode(false);
          return reject(new Error('cancelled'));
        }
        if (c === '\u007f') value = value.slice(0, -1);
        else value += c;
      }
    };
    stdin.on('data', onData);
  });
}

async function choosePassword(): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const p = await askPassword('password (empty = generate one): ');
  if (p === '') return undefined;
  if ((await askPassword('again: ')) !== p) throw new Error('passwords differ');
  return p;
}

const OPTIONS = {
  role: { type: 'string' },
  unit: { type: 'string' },
  name: { type: 'string' },
  kind: { type: 'string' },
  sender: { type: 'string', multiple: true },
  scope: { type: 'string' },
  'ttl-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function main(argv: string[]): Promise<number> {
  const envFile = path.join(ROOT, '.env');
  if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: OPTIONS,
  });
  const [cmd, arg] = positionals;
  if (!cmd || values.help) {
    out(USAGE);
    return cmd ? 0 : 2;
  }
  const config = loadConfig();
  const log = pino({ level: 'silent' });
  const database = await attachDatabase(config, log);
  try {
    await migrate(database.url, log);
    // A pool and journal of its own; closing it writes what is queued. A command answers once stored.
    const db = openAccountsDb(database.url, log, { timeoutMs: 30_000 });
    try {
      return await run(cmd, arg, positionals, values, config, db);
    } finally {
      await db.close();
    }
  } finally {
    await database.stop();
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function run(cmd: string, arg: string | undefined, positionals: string[], values: Values, config: Config, db: AccountsDb): Promise<number> {
  const log = db.log;
  const need = (v: string | undefined, what: string): string => {
    if (!v) throw new AuthError('bad_request', `${what} is missing\n${USAGE}`);
    return v;
  };

  if (cmd === 'device-add' || cmd === 'devices' || cmd === 'device-disable') {
    const devices = await openDeviceRegistry(db);
    if (cmd === 'devices') {
      for (const d of devices.list()) out(`${d.id}\t${d.kind}\t${d.disabled ? 'disabled' : 'active'}\t${new Date(d.createdAt).toISOString()}${d.capSenders?.length ? `\tCAP as ${d.capSenders.join(' ')}` : ''}`);
      return 0;
    }
    const id = need(arg, 'device id');
    if (cmd === 'device-disable') {
      if (!(await devices.setDisabled(id, true))) throw new AuthError('not_found', `no device ${id}`);
      out(`device ${id} disabled`);
      return 0;
    }
    const kind = need(values.kind, '--kind') as DeviceKind;
    const secret = await devices.add(id, kind, values.sender ?? []);
    out(`device ${id} (${kind}) added. MQTT username: ${id}  password: ${secret}`);
    out('The secret is shown only this once; the registry keeps its hash.');
    return 0;
  }

  if (cmd === 'ingest-token') {
    // A running server hears of it within a second: a token issued here works, a revoked one stops.
    const tokens = await createIngestTokens({ db, log });
    const sub = arg;
    if (sub === 'list') {
      for (const t of tokens.list()) {
        const expires = t.expiresAt === null ? 'no expiry' : `expires ${new Date(t.expiresAt).toISOString()}`;
        out(`${t.id}\t${t.name}\t${t.scopes.join(',')}\t${t.senders.join(' ') || '-'}\t${t.status}\t${expires}\tby ${t.createdBy} ${new Date(t.createdAt).toISOString()}`);
      }
      return 0;
    }
    if (sub === 'revoke') {
      const id = need(positionals[2], 'token id');
      await tokens.revokeStored(id);
      out(`ingest token ${id} revoked`);
      return 0;
    }
    if (sub !== 'add') throw new AuthError('bad_request', `ingest-token: add, list or revoke\n${USAGE}`);
    const ttl = values['ttl-days'];
    if (ttl !== undefined && !/^\d{1,4}$/.test(ttl)) throw new AuthError('bad_request', '--ttl-days: a whole number of days');
    const { token, info } = await tokens.issueStored({
      name: need(values.name, '--name'),
      senders: values.sender ?? [],
      scopes: values.scope === undefined ? undefined : (values.scope.split(',').map((s) => s.trim()) as IngestScope[]),
      ttlDays: ttl === undefined ? null : Number(ttl),
    });
    out(`ingest token ${info.id} for "${info.name}" (${info.scopes.join(', ')}${info.senders.length ? `; CAP senders ${info.senders.join(', ')}` : ''}):`);
    out(`  ${token}`);
    out(`Use it as  Authorization: Bearer <token>  on ${info.scopes.map((s) => `POST /api/ingest/${s}`).join(' and ')}.`);
    out(info.expiresAt === null ? 'No expiry: revoke it with  npm run users -- ingest-token revoke ' + info.id : `Expires ${new Date(info.expiresAt).toISOString()}.`);
    out('Shown only this once; the server keeps its hash.');
    return 0;
  }

  const pack = await loadCityPack(config.CITY_PACK).catch(() => null);
  const units = pack?.sites.units ?? null;
  const auth = await createAuthService(config, { log, db, ...(units ? { knownUnits: new Set(units.map((u) => u.id)) } : {}) });
  switch (cmd) {
    case 'add': {
      const role = need(values.role, '--role') as Role;
      // The one who types a unit wrongly learns the right ids here, not from the city pack's JSON.
      if (role === 'responder' && units && !units.some((u) => u.id === values.unit)) {
        const what = values.unit ? `no unit ${values.unit.slice(0, 64)} in the city pack` : 'a responder needs a unit (--unit ID)';
        throw new AuthError('bad_request', `${what}; the units of ${config.CITY_PACK}:\n${units.map((u) => `  ${u.id}\t${u.name}`).join('\n')}`);
      }
      const { user, password } = await auth.addUser({ username: need(arg, 'username'), role, unitId: values.unit ?? null, displayName: values.name, password: await choosePassword() });
      out(`user ${user.username} added (${user.role}${user.unitId ? `, unit ${user.unitId}` : ''})`);
      if (password) out(`password: ${password}\nShown only this once.`);
      return 0;
    }
    case 'list':
      for (const u of auth.listUsers()) out(`${u.username}\t${u.role}\t${u.unitId ?? '-'}\t${u.disabled ? 'disabled' : 'active'}\t${u.sessions} sessions\t${u.displayName}`);
      return 0;
    case 'passwd': {
      const generated = await auth.resetPassword(need(arg, 'username'), await choosePassword(), { username: 'cli', role: 'admin' });
      out(`password of ${arg} changed; their sessions are ended`);
      if (generated) out(`password: ${generated}\nShown only this once.`);
      return 0;
    }
    case 'disable':
    case 'enable':
      await auth.updateUser(need(arg, 'username'), { disabled: cmd === 'disable' }, { username: 'cli', role: 'admin' });
      out(`user ${arg} ${cmd}d`);
      return 0;
    case 'issue-display-token': {
      const days = values['ttl-days'] === undefined ? undefined : Number(values['ttl-days']);
      const { token, info } = await auth.issueDisplayToken(need(values.name, '--name'), undefined, days);
      const until = info.expiresAt ? `valid until ${new Date(info.expiresAt).toISOString()}` : 'valid until revoked';
      // The fragment (#) never leaves the browser: the token is in no request line, proxy log or Referer.
      out(`display token ${info.id} for "${info.name}" (${until}):\n  ${token}\nOpen the wall at  /wall#token=${token}\nShown only this once.`);
      return 0;
    }
    case 'display-tokens':
      for (const t of auth.listDisplayTokens()) {
        const state = t.revokedAt ? 'revoked' : t.expiresAt !== null && t.expiresAt <= Date.now() ? 'expired' : 'active';
        out(`${t.id}\t${t.name}\t${state}\t${new Date(t.createdAt).toISOString()}\t${t.expiresAt ? `until ${new Date(t.expiresAt).toISOString()}` : 'no expiry'}`);
      }
      return 0;
    case 'revoke-display-token':
      await auth.revokeDisplayToken(need(arg, 'token id'));
      out(`display token ${arg} revoked`);
      return 0;
    default:
      out(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof AuthError || err instanceof IngestTokenError || err instanceof ConfigError || err instanceof Error) process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
