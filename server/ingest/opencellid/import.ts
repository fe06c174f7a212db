/**
 * Stream an OpenCelliD CSV into StationSites: one row at a time through
 * csv-parse (a country export is hundreds of MB), each validated, mapped to the
 * contract's stationSite, or skipped with a reason and its line number.
 * Accepts files with the standard header and headerless per-country dumps.
 */
import { Transform, pipeline, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { stationSite, type Operator, type StationSite } from '../../../contract/index.js';
import { DEFAULT_OPERATORS, OCID_COLUMNS, REQUIRED_COLUMNS, TECH_OF, ocidRow } from './row.js';

export interface ImportError {
  /** Line number in the file (the header is line 1). */
  row: number;
  reason: string;
  detail: string;
}

export interface ImportOptions {
  onProgress?(rows: number, bytes: number): void;
  /** [west, south, east, north]: rows outside are skipped (`outside_bbox`). */
  bbox?: [number, number, number, number];
  /** Extra or overriding "mcc-net" → operator entries, e.g. { "452-5": "VNPT" }. */
  operators?: Record<string, Operator>;
  /** Abort with ImportTooLargeError past this many bytes of input. */
  maxBytes?: number;
  /** Abort with ImportTooLargeError past this many data rows (STATION_IMPORT_MAX_ROWS). */
  maxRows?: number;
  /** How many errors to keep in the list (all are counted). */
  maxErrors?: number;
}

export interface ImportResult {
  sites: StationSite[];
  /** Data rows read (header excluded). */
  rows: number;
  imported: number;
  errors: ImportError[];
  errorCount: number;
  /** Bytes of input read. */
  bytes: number;
}

/** Over maxBytes or maxRows: what was read when it stopped. */
export class ImportTooLargeError extends Error {
  constructor(
    message: string,
    readonly limit: 'bytes' | 'rows',
    readonly rows: number,
    readonly bytes: number,
  ) {
    super(message);
  }
}

const PROGRESS_EVERY = 5000;

export async function importOpenCellId(input: Readable, opts: ImportOptions = {}): Promise<ImportResult> {
  const operators = { ...DEFAULT_OPERATORS, ...opts.operators };
  const maxErrors = opts.maxErrors ?? 1000;
  const result: ImportResult = { sites: [], rows: 0, imported: 0, errors: [], errorCount: 0, bytes: 0 };
  const seen = new Set<string>();
  const error = (row: number, reason: string, detail: string) => {
    result.errorCount++;
    if (result.errors.length < maxErrors) result.errors.push({ row, reason, detail });
  };

  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (opts.maxBytes !== undefined && bytes > opts.maxBytes) return cb(new ImportTooLargeError(`input larger than ${opts.maxBytes} bytes`, 'bytes', result.rows, bytes));
      cb(null, chunk);
    },
  });
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    info: true,
    on_skip: (err) => {
      result.rows++;
      error((err as { lines?: number } | undefined)?.lines ?? 0, 'bad_csv', err?.message ?? 'unparseable CSV record');
    },
  });
  // The input is piped, not pipelined: an error here must not destroy it, so an
  // HTTP caller can still answer on the request's socket. Input errors are forwarded.
  const onInputError = (err: Error) => counter.destroy(err);
  input.on('error', onInputError);
  input.pipe(counter);
  // Errors of the counter or parser destroy the parser, which ends the loop below by throwing.
  pipeline(counter, parser, () => {});
  let columns: string[] | null = null;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = info.lines;
      if (columns === null) {
        if (record[0]?.toLowerCase() === 'radio') {
          const header = record;
          const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
          if (missing.length) throw new Error(`CSV header lacks column(s): ${missing.join(', ')}`);
          columns = header;
          continue;
        }
        // Per-country OpenCelliD dumps have no header: the standard order applies.
        columns = [...OCID_COLUMNS];
      }
      result.rows++;
      if (opts.maxRows !== undefined && result.rows > opts.maxRows) throw new ImportTooLargeError(`more than ${opts.maxRows} rows`, 'rows', result.rows, bytes);
      const site = toSite(record, columns, line, operators, opts.bbox, error);
      if (site && seen.has(site.id)) error(line, 'duplicate_cell', `${site.id} already imported from an earlier row`);
      else if (site) {
        seen.add(site.id);
        result.sites.push(site);
      }
      if (result.rows % PROGRESS_EVERY === 0) opts.onProgress?.(result.rows, bytes);
    }
  } finally {
    input.off('error', onInputError);
    input.unpipe(counter);
  }
  opts.onProgress?.(result.rows, bytes);
  result.imported = result.sites.length;
  result.bytes = bytes;
  // csv-parse reports unparseable records ahead of the buffered good ones.
  result.errors.sort((a, b) => a.row - b.row);
  return result;
}

function toSite(
  record: string[],
  columns: string[],
  line: number,
  operators: Record<string, Operator>,
  bbox: ImportOptions['bbox'],
  error: (row: number, reason: string, detail: string) => void,
): StationSite | null {
  if (record.length < columns.length && REQUIRED_COLUMNS.some((c) => columns.indexOf(c) >= record.length)) {
    error(line, 'missing_columns', `${record.length} of ${columns.length} columns`);
    return null;
  }
  const obj: Record<string, string> = {};
  columns.forEach((c, i) => {
    if (record[i] !== undefined) obj[c] = record[i]!;
  });
  const parsed = ocidRow.safeParse(obj);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    error(line, issue.path[0] === 'radio' ? 'unknown_radio' : 'invalid_value', issue.message);
    return null;
  }
  const r = parsed.data;
  const tech = TECH_OF[r.radio];
  if (!tech) {
    error(line, 'unsupported_radio', `${r.radio} has no radio tech in the console`);
    return null;
  }
  const operator = operators[`${r.mcc}-${r.net}`];
  if (!operator) {
    error(line, 'unknown_operator', `no operator for mcc ${r.mcc} net ${r.net}`);
    return null;
  }
  if (bbox && (r.lon < bbox[0] || r.lon > bbox[2] || r.lat < bbox[1] || r.lat > bbox[3])) {
    error(line, 'outside_bbox', `${r.lon},${r.lat} is outside ${bbox.join(',')}`);
    return null;
  }
  const range = r.range ?? 0;
  // OpenCelliD's range is an estimate from samples; 0 means unknown.
  const radiusM = range <= 0 ? 1000 : Math.min(35_000, Math.max(100, range));
  const site = stationSite.safeParse({
    id: `ocid-${r.mcc}-${r.net}-${r.area}-${r.cell}`,
    name: `${operator} ${r.radio} ${r.cell}`,
    position: [r.lon, r.lat],
    operator,
    techs: [tech],
    radiusM,
    wardId: null,
    sectorsDeg: [],
  });
  if (!site.success) {
    error(line, 'invalid_value', site.error.issues[0]!.message);
    return null;
  }
  return site.data;
}
