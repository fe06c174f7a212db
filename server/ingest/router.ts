/**
 * The ingest boundary: every MQTT message passes here exactly once.
 * size → topic → JSON → schema → clock → per-device sequence → bus event.
 * A message that fails any step is logged, counted by reason, kept in the
 * dead-letter list and dropped; nothing here throws into the MQTT client.
 */
import type { FeedFamily } from '../../contract/index.js';
import { PAYLOAD_SCHEMAS, parseTopic } from '../../contract/index.js';
import type { JsonMessageKind, ParsedTopic, PayloadOf } from '../../contract/index.js';
import type { EventBus } from '../bus.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { FeedHealthTracker } from './health.js';
import { compileAcceptor } from './fast-accept.js';

const REJECT_LOG_MS = 10_000;
/** Distinct topics remembered (a city's devices have 2–3 each); past it the cache starts over. */
const TOPIC_CACHE_MAX = 200_000;

/** What a topic says, worked out once per distinct topic: devices send on the same few topics all day. */
interface TopicInfo {
  parsed: ParsedTopic;
  feed: FeedFamily;
  /** The device's key in its feed's sequence tracker (a camera's status and detections share one counter). */
  seqKey: string;
}

export const FEED_OF: Record<ParsedTopic['kind'], FeedFamily> = {
  cameraStatus: 'cameras',
  cameraDetection: 'cameras',
  cameraSnapshot: 'cameras',
  incidentReport: 'incidents',
  stationStatus: 'telecom',
  linkStatus: 'telecom',
  cap: 'cap',
  kpiValue: 'kpi',
  vcStatus: 'vc',
  frigateEvents: 'frigate',
  frigateAvailable: 'frigate',
};

/** A handler for a non-JSON or foreign format (CAP XML, Frigate events, evidence images). */
export type ForeignHandler = (topic: string, payload: Buffer, reject: (reason: string, detail: string) => void) => void;

export interface IngestOptions {
  bus: EventBus;
  health: FeedHealthTracker;
  metrics: Metrics;
  log: Logger;
  maxPayloadBytes: number;
  maxFutureSkewMs: number;
  /** Take messages older than the sequence window instead of dropping them as duplicates (a cluster's leader). */
  acceptOld?: boolean;
  now?: () => number;
}

export class IngestRouter {
  private readonly foreign = new Map<ParsedTopic['kind'], ForeignHandler>();
  private readonly now: () => number;
  /** When each feed/reason was last logged, and how many rejects since. */
  private readonly rejectLog = new Map<string, { at: number; suppressed: number }>();
  /** Accepted messages per kind not yet added to the Prometheus counter (see Metrics.beforeRead). */
  private readonly unreported = new Map<string, { feed: FeedFamily; kind: string; n: number }>();

  private readonly topicCache = new Map<string, TopicInfo>();
  /** Per kind, a check that accepts only what zod accepts unchanged (null: zod alone). See fast-accept.ts. */
  private readonly fastAccept = {} as Record<JsonMessageKind, ((value: unknown) => boolean) | null>;

  constructor(private readonly opts: IngestOptions) {
    this.now = opts.now ?? Date.now;
    for (const kind of Object.keys(PAYLOAD_SCHEMAS) as JsonMessageKind[]) this.fastAccept[kind] = compileAcceptor(PAYLOAD_SCHEMAS[kind]);
    opts.metrics.beforeRead(() => {
      for (const c of this.unreported.values()) {
        if (c.n > 0) opts.metrics.messages.inc({ feed: c.feed, kind: c.kind }, c.n);
        c.n = 0;
      }
    });
  }

  /** Per kind, a check on a parsed message that knows what the schema cannot (an indicator in the registry). */
  private readonly checks = new Map<JsonMessageKind, (id: string, data: unknown) => { reason: string; detail: string } | null>();

  /** Register the check of a JSON kind: its refusal rejects the message like a schema failure. */
  registerCheck<K extends JsonMessageKind>(kind: K, check: (id: string, data: PayloadOf<K>) => { reason: string; detail: string } | null): void {
    this.checks.set(kind, check as (id: string, data: unknown) => { reason: string; detail: string } | null);
  }

  /** Register the handler of a foreign format (frigate, cap). */
  registerForeign(kind: 'cap' | 'frigateEvents' | 'frigateAvailable' | 'cameraSnapshot', handler: ForeignHandler): void {
    this.foreign.set(kind, handler);
  }

  handle(topic: string, payload: Buffer): void {
    try {
      this.route(topic, payload);
    } catch (err) {
      // A bug in a downstream step must not take the pipeline down.
      this.opts.log.error({ err, topic }, 'ingest failed on a message');
      this.reject('unknown', topic, 'internal_error', (err as Error).message, payload);
    }
  }

  /** parseTopic, remembered: only topics of ours are kept, so junk topics cannot crowd them out. */
  private topicInfo(topic: string): TopicInfo | null {
    const hit = this.topicCache.get(topic);
    if (hit) return hit;
    const parsed = parseTopic(topic);
    if (!parsed) return null;
    const info: TopicInfo = {
      parsed,
      feed: FEED_OF[parsed.kind],
      seqKey: 'id' in parsed ? `${parsed.kind === 'cameraDetection' ? 'cameraStatus' : parsed.kind}:${parsed.id}` : parsed.kind,
    };
    if (this.topicCache.size >= TOPIC_CACHE_MAX) this.topicCache.clear();
    this.topicCache.set(topic, info);
    return info;
  }

  private route(topic: string, payload: Buffer): void {
    const info = this.topicInfo(topic);
    if (!info) return this.reject('unknown', topic, 'unknown_topic', 'not a topic of the ioc/v1 tree or frigate', payload);
    const { parsed, feed } = info;
    if (payload.length > this.opts.maxPayloadBytes) {
      return this.reject(feed, topic, 'oversize', `${payload.length} bytes > limit ${this.opts.maxPayloadBytes}`, payload);
    }
    if (parsed.kind === 'cap' || parsed.kind === 'frigateEvents' || parsed.kind === 'frigateAvailable' || parsed.kind === 'cameraSnapshot') {
      const handler = this.foreign.get(parsed.kind);
      if (!handler) return this.reject(feed, topic, 'unsupported', `no handler for ${parsed.kind}`, payload);
      let rejected = false;
      handler(topic, payload, (reason, detail) => {
        rejected = true;
        this.reject(feed, topic, reason, detail, payload);
      });
      if (!rejected) this.accepted(feed, parsed.kind);
      return;
    }
    this.routeJson(parsed.kind, parsed.id, feed, info.seqKey, topic, payload);
  }

  private routeJson(kind: JsonMessageKind, id: string, feed: FeedFamily, seqKey: string, topic: string, payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch (err) {
      return this.reject(feed, topic, 'bad_json', (err as Error).message, payload);
    }
    // A valid message is taken as parsed; anything else goes to zod, which decides and says why.
    const fast = this.fastAccept[kind];
    let data: PayloadOf<JsonMessageKind>;
    if (fast !== null && fast(json)) data = json as PayloadOf<JsonMessageKind>;
    else {
      const result = PAYLOAD_SCHEMAS[kind].safeParse(json);
      if (!result.success) {
        const detail = result.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
          .join('; ');
        return this.reject(feed, topic, 'schema', detail, payload);
      }
      data = result.data;
    }
    const refused = this.checks.get(kind)?.(id, data);
    if (refused) return this.reject(feed, topic, refused.reason, refused.detail, payload);
    const now = this.now();
    if (data.ts > now + this.opts.maxFutureSkewMs) {
      return this.reject(feed, topic, 'future_timestamp', `ts ${new Date(data.ts).toISOString()} is ahead of server time`, payload);
    }
    const tracker = this.opts.health.stats(feed).seq;
    const gapsBefore = tracker.gaps;
    const verdict = tracker.observe(seqKey, data.seq, data.ts);
    if (verdict === 'old' && this.opts.acceptOld) tracker.tookOld();
    if (tracker.gaps > gapsBefore) this.opts.metrics.seqGaps.inc({ feed }, tracker.gaps - gapsBefore);
    // Older than the per-device window: dropped as a duplicate by a server alone, taken by a
    // cluster's leader (acceptOld). Its session is acknowledged late, and Mosquitto then hands
    // some messages over out of order, by more than the window; the points are idempotent and
    // the registry ignores what is older than what it holds, so taking a re-send costs nothing.
    if (verdict === 'duplicate' || (verdict === 'old' && !this.opts.acceptOld)) {
      this.opts.metrics.duplicates.inc({ feed });
      this.opts.log.debug({ topic, seq: data.seq }, 'duplicate message ignored');
      return;
    }
    this.accepted(feed, kind);
    const receivedAt = now;
    const bus = this.opts.bus;
    // Each branch narrows the union by the topic kind, which picked the schema.
    switch (kind) {
      case 'cameraStatus':
        return bus.emit('camera.status', { id, payload: data as never, receivedAt });
      case 'cameraDetection':
        return bus.emit('camera.detection', { id, payload: data as never, receivedAt });
      case 'incidentReport':
        return bus.emit('incident.report', { id, sourceId: id, payload: data as never, receivedAt });
      case 'stationStatus':
        return bus.emit('station.status', { id, payload: data as never, receivedAt });
      case 'linkStatus':
        return bus.emit('link.status', { id, payload: data as never, receivedAt });
      case 'kpiValue':
        return bus.emit('kpi.value', { id, payload: data as never, receivedAt });
      case 'vcStatus':
        return bus.emit('vc.status', { id, payload: data as never, receivedAt });
      default: {
        const never: never = kind;
        throw new Error(`unhandled kind ${String(never)}`);
      }
    }
  }

  private accepted(feed: FeedFamily, kind: string): void {
    this.opts.health.accepted(feed);
    // The kind decides the feed (FEED_OF), so it alone is the key.
    const c = this.unreported.get(kind);
    if (c) c.n++;
    else this.unreported.set(kind, { feed, kind, n: 1 });
  }

  private reject(feed: FeedFamily | 'unknown', topic: string, reason: string, detail: string, payload: Buffer): void {
    this.opts.health.rejected(feed, topic, reason, detail, payload);
    this.opts.metrics.rejects.inc({ feed, reason });
    // One device gone wrong can send thousands of bad messages a second: warn once
    // per feed and reason every 10 s with the count held back; metrics and the
    // dead-letter list keep every one.
    const key = `${feed}/${reason}`;
    const now = this.now();
    const s = this.rejectLog.get(key);
    if (s && now - s.at < REJECT_LOG_MS) {
      s.suppressed++;
      return;
    }
    this.rejectLog.set(key, { at: now, suppressed: 0 });
    this.opts.log.warn({ topic: topic.slice(0, 256), reason, detail: detail.slice(0, 300), alsoRejectedSinceLastLog: s?.suppressed ?? 0 }, 'message rejected');
  }
}
