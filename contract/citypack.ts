/**
 * The city pack: one folder describing a city, the single source for the
 * simulators and for the console's base layers. Format documented in
 * docs/city-pack.md. Loaded and validated by contract/citypack-load.ts.
 *
 * Files (all WGS84, [lon, lat]):
 *   city.json        name, centre, zoom, bbox
 *   wards.geojson    Polygon/MultiPolygon features, properties: ward
 *   roads.geojson    LineString features, properties: road
 *   sites.json       cameras, stations, links, units, vcPoints
 */
import { z } from 'zod';
import { OPERATORS, RADIO_TECHS, type Station } from './domain.js';
import { deviceId } from './payloads.js';

const lngLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

export const cityMeta = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  nameEn: z.string().min(1),
  center: lngLat,
  zoom: z.number().min(0).max(22),
  bbox: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  timezone: z.string().default('Asia/Ho_Chi_Minh'),
  approximate: z.boolean().default(true),
  attribution: z.string().default(''),
});
export type CityMeta = z.infer<typeof cityMeta>;

export const wardProps = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  nameEn: z.string().min(1),
  kind: z.enum(['ward', 'commune']),
  population: z.number().int().nonnegative(),
});
export type WardProps = z.infer<typeof wardProps>;

export const roadProps = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  class: z.enum(['national', 'provincial', 'urban', 'local']),
  speedLimitKmh: z.number().int().positive(),
});
export type RoadProps = z.infer<typeof roadProps>;

export const cameraSite = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  position: lngLat,
  roadId: deviceId.nullable(),
  wardId: deviceId.nullable(),
  kind: z.enum(['traffic', 'security']),
  /**
   * Where its live video plays (docs/video.md): the path of the camera on the media server
   * (VIDEO_HLS_URL's `{path}`, default the camera id), or an HLS URL of its own. Never the
   * camera's RTSP address: the media server holds that, and the console sees this pack.
   */
  stream: z
    .strictObject({
      path: z.string().regex(/^[A-Za-z0-9_.~-]{1,128}(\/[A-Za-z0-9_.~-]{1,128}){0,3}$/, 'a media-server path: letters, digits, _ . ~ - and /').optional(),
      hls: z
        .url({ protocol: /^https?$/ })
        .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'no credentials in the URL')
        .optional(),
    })
    .optional(),
});
export const stationSite = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  position: lngLat,
  operator: z.enum(OPERATORS),
  techs: z.array(z.enum(RADIO_TECHS)).min(1),
  radiusM: z.number().positive().max(50_000),
  wardId: deviceId.nullable(),
  sectorsDeg: z.array(z.number().min(0).max(360)).default([]),
});
export const linkSite = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  from: deviceId,
  to: deviceId,
  path: z.array(lngLat).min(2),
  kind: z.enum(['backbone', 'commune']),
});
export const unitBase = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  kind: z.enum(['police_traffic', 'security', 'fire', 'ambulance', 'telecom_crew']),
  position: lngLat,
  /** A telecom crew's network operator, as the stations name it. */
  operator: z.string().min(1).max(64).optional(),
});
export const vcPoint = z.strictObject({
  id: deviceId,
  name: z.string().min(1),
  wardId: deviceId,
  position: lngLat,
});

export const sitesFile = z.strictObject({
  cameras: z.array(cameraSite),
  stations: z.array(stationSite),
  links: z.array(linkSite),
  units: z.array(unitBase),
  vcPoints: z.array(vcPoint).default([]),
});
export type CameraSite = z.infer<typeof cameraSite>;
export type StationSite = z.infer<typeof stationSite>;
export type LinkSite = z.infer<typeof linkSite>;
export type UnitBase = z.infer<typeof unitBase>;
export type SitesFile = z.infer<typeof sitesFile>;

export interface WardFeature {
  type: 'Feature';
  properties: WardProps;
  geometry: { type: 'Polygon'; coordinates: number[][][] } | { type: 'MultiPolygon'; coordinates: number[][][][] };
}
export interface RoadFeature {
  type: 'Feature';
  properties: RoadProps;
  geometry: { type: 'LineString'; coordinates: number[][] };
}

/** A loaded, validated pack: what the server serves at GET /api/citypack. */
export interface CityPack {
  meta: CityMeta;
  wards: { type: 'FeatureCollection'; features: WardFeature[] };
  roads: { type: 'FeatureCollection'; features: RoadFeature[] };
  sites: SitesFile;
}

/** What the pack says of a station (where it is, who runs it, what it serves): the part of its picture no report changes. */
export function stationSiteFacts(s: StationSite): Pick<Station, 'id' | 'name' | 'position' | 'operator' | 'techs' | 'radiusM' | 'wardId'> {
  return { id: s.id, name: s.name, position: s.position, operator: s.operator, techs: s.techs, radiusM: s.radiusM, wardId: s.wardId };
}
