/**
 * One OpenCelliD CSV row (https://wiki.opencellid.org/wiki/Menu_map_view#database):
 * radio,mcc,net,area,cell,unit,lon,lat,range,samples,changeable,created,updated,averageSignal
 * Every value arrives as text; this schema checks and converts the ones we use.
 */
import { z } from 'zod';
import type { Operator, RadioTech } from '../../../contract/index.js';

export const OCID_COLUMNS = [
  'radio',
  'mcc',
  'net',
  'area',
  'cell',
  'unit',
  'lon',
  'lat',
  'range',
  'samples',
  'changeable',
  'created',
  'updated',
  'averageSignal',
] as const;

/** The columns a row cannot do without (the others may be missing or empty). */
export const REQUIRED_COLUMNS = ['radio', 'mcc', 'net', 'area', 'cell', 'lon', 'lat'] as const;

export const RADIOS = ['GSM', 'UMTS', 'LTE', 'NR', 'CDMA'] as const;

/** CDMA has no entry: Vietnam's only CDMA network (S-Fone) closed in 2012, and stationSite has no tech for it. */
export const TECH_OF: Partial<Record<(typeof RADIOS)[number], RadioTech>> = { GSM: '2G', UMTS: '3G', LTE: '4G', NR: '5G' };

/** Vietnam (MCC 452) operators by MNC. Others (Vietnamobile 05, Gmobile 07) are not in the contract's OPERATORS. */
export const DEFAULT_OPERATORS: Record<string, Operator> = { '452-4': 'Viettel', '452-2': 'VNPT', '452-1': 'MobiFone' };

const decimal = (what: string) =>
  z
    .string({ error: `${what} is missing` })
    .regex(/^-?\d+(\.\d+)?$/, `${what} is not a number`)
    .transform(Number);
const integer = (what: string) =>
  z
    .string({ error: `${what} is missing` })
    .regex(/^\d+$/, `${what} is not a non-negative integer`)
    .transform(Number);
/** Empty means "unknown" in OpenCelliD exports. */
const optionalInt = (what: string) =>
  z
    .string()
    .regex(/^(-?\d+)?$/, `${what} is not an integer`)
    .transform((s) => (s === '' ? null : Number(s)))
    .optional();

export const ocidRow = z.object({
  radio: z.enum(RADIOS, { error: (iss) => `radio ${JSON.stringify(iss.input)} is not one of ${RADIOS.join(', ')}` }),
  mcc: integer('mcc').pipe(z.number().max(999, 'mcc must be ≤ 999')),
  net: integer('net').pipe(z.number().max(999, 'net must be ≤ 999')),
  area: integer('area'),
  cell: integer('cell'),
  lon: decimal('lon').pipe(z.number().min(-180, 'lon must be ≥ -180').max(180, 'lon must be ≤ 180')),
  lat: decimal('lat').pipe(z.number().min(-90, 'lat must be ≥ -90').max(90, 'lat must be ≤ 90')),
  range: optionalInt('range'),
  samples: optionalInt('samples'),
  created: optionalInt('created'),
  updated: optionalInt('updated'),
});
export type OcidRow = z.infer<typeof ocidRow>;
