/**
 * npm run import:stations -- cells.csv --token ing_… [--server http://127.0.0.1:8080] [--bbox w,s,e,n] [--dry-run]
 *
 * Streams an OpenCelliD CSV to POST /api/ingest/stations of a running console
 * (with an ingest token of scope `stations`: npm run users -- ingest-token add),
 * or with --dry-run parses it here and reports what would be imported. Both obey
 * STATION_IMPORT_MAX_BYTES and STATION_IMPORT_MAX_ROWS as the server does (read
 * from the environment and .env like `npm start`); the server checks them again
 * and audits the import. Progress goes to stderr, the report to stdout.
 * Exit code 0 = imported, 1 = failed, 2 = usage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.js';
import { ROOT } from '../../../contract/root.js';
import { ImportTooLargeError, importOpenCellId, type ImportError } from './import.js';
import { IMPORT_CLI_AGENT } from './router.js';

const USAGE = 'usage: npm run import:stations -- FILE.csv --token ing_… [--server URL] [--bbox w,s,e,n] [--dry-run]';

interface Caps {
  maxBytes: number;
  maxRows: number;
}

interface Summary {
  rows: number;
  imported: number;
  errors: ImportError[];
  errorCount: number;
}

/** A one-line progress bar on stderr, redrawn at most 10×/s. */
function progress(total: number) {
  let last = 0;
  let lastLine = '';
  const tty = process.stderr.isTTY;
  return (rows: number | null, bytes: number, final = false) => {
    const t = Date.now();
    if (!final && t - last < (tty ? 100 : 2000)) return;
    last = t;
    const pct = total > 0 ? Math.min(100, Math.round((bytes / total) * 100)) : 0;
    const bar = '#'.repeat(Math.round(pct / 4)).padEnd(25, '.');
    const mb = (n: number) => (n / 1048576).toFixed(1);
    const rowText = rows === null ? '' : ` ${rows.toLocaleString('en')} rows`;
    const line = `[${bar}] ${String(pct).padStart(3)}%${rowText} ${mb(bytes)}/${mb(total)} MB`;
    if (line === lastLine && !(tty && final)) return;
    lastLine = line;
    process.stderr.write(`${tty ? '\r' : ''}${line}${tty && !final ? '' : '\n'}`);
  };
}

function report(s: Summary, dryRun: boolean): void {
  const out: string[] = [];
  if (s.errorCount > 0) {
    out.push(`Skipped rows (first ${Math.min(50, s.errors.length)} of ${s.errorCount}):`);
    for (const e of s.errors.slice(0, 50)) out.push(`  line ${e.row}: ${e.reason} — ${e.detail}`);
    if (s.errorCount > 50) out.push(`  … and ${s.errorCount - 50} more`);
  }
  out.push(`${dryRun ? 'Dry run: would import' : 'Imported'} ${s.imported} of ${s.rows} rows; ${s.errorCount} skipped.`);
  process.stdout.write(out.join('\n') + '\n');
}

async function upload(file: string, size: number, server: string, token: string | undefined, bbox: string | undefined): Promise<Summary> {
  const bar = progress(size);
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sent += chunk.length;
      bar(null, sent);
      cb(null, chunk);
    },
  });
  const body = fs.createReadStream(file).pipe(counter);
  const url = new URL('/api/ingest/stations', server);
  if (bbox) url.searchParams.set('bbox', bbox);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', 'user-agent': IMPORT_CLI_AGENT, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: Readable.toWeb(body) as ReadableStream,
    // Node's fetch needs this to stream a request body.
    duplex: 'half',
  } as RequestInit);
  bar(null, sent, true);
  const json = (await res.json().catch(() => null)) as { ok: boolean; data?: Summary; error?: { message: string } } | null;
  if (!res.ok || !json?.ok || !json.data) throw new Error(`server answered HTTP ${res.status}: ${json?.error?.message ?? 'no JSON body'}`);
  return json.data;
}

async function dryRun(file: string, size: number, bbox: string | undefined, caps: Caps): Promise<Summary> {
  const bar = progress(size);
  const box = bbox ? (bbox.split(',').map(Number) as [number, number, number, number]) : undefined;
  const r = await importOpenCellId(fs.createReadStream(file), { bbox: box, ...caps, onProgress: (rows, bytes) => bar(rows, bytes) });
  bar(r.rows, size, true);
  return r;
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: 'string', default: 'http://127.0.0.1:8080' },
        token: { type: 'string' },
        bbox: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help || positionals.length !== 1) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const file = positionals[0]!;
  if (values.bbox && !/^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$/.test(values.bbox)) {
    process.stderr.write(`--bbox must be w,s,e,n\n${USAGE}\n`);
    return 2;
  }
  const dry = values['dry-run'];
  if (!dry && !values.token) {
    process.stderr.write(`--token is required: an ingest token of scope stations (npm run users -- ingest-token add --name NAME --scope stations)\n${USAGE}\n`);
    return 2;
  }
  let size: number;
  let caps: Caps;
  try {
    size = fs.statSync(file).size;
    const envFile = path.join(ROOT, '.env');
    if (fs.existsSync(envFile)) process.loadEnvFile(envFile);
    const config = loadConfig();
    caps = { maxBytes: config.STATION_IMPORT_MAX_BYTES, maxRows: config.STATION_IMPORT_MAX_ROWS };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  if (size > caps.maxBytes) {
    process.stderr.write(`${file} is ${size} bytes, over STATION_IMPORT_MAX_BYTES (${caps.maxBytes}): split it, or cut it to the city first\n`);
    return 1;
  }
  try {
    const summary = dry ? await dryRun(file, size, values.bbox, caps) : await upload(file, size, values.server, values.token, values.bbox);
    report(summary, dry);
    return 0;
  } catch (err) {
    const hint = err instanceof ImportTooLargeError ? ` (STATION_IMPORT_MAX_${err.limit === 'rows' ? 'ROWS' : 'BYTES'})` : '';
    process.stderr.write(`\nimport failed: ${(err as Error).message}${hint}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
