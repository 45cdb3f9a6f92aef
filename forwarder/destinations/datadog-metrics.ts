/**
 * Datadog metrics as distribution points: POST /api/v1/distribution_points
 * (https://docs.datadoghq.com/api/latest/metrics/submit-distribution-points/; BACKENDS.md §2 A).
 *
 * Body: `{"series":[{"metric":…,"tags":["k:v",…],"type":"distribution","points":[[ts_seconds,[value]],…]},…]}`.
 * Points of the same metric and tags within a batch share one series (the API takes many points
 * per series): a busy function's REPORT lines give the same seven series again and again, and
 * their tags are written once per batch instead of once per point; consecutive values of a series
 * in the same second share one point, `[ts,[v1,v2,…]]` (a point's values are a list: BACKENDS.md
 * §2 A). A point's `bytes` is what it would cost as a series of its own, an upper bound, so a
 * batch never exceeds the limit.
 *
 * Why distributions for every kind (gauge, count, distribution alike): several forwarder
 * instances run at once and each sees a slice of the invocations; only distributions are
 * aggregated server-side across senders and give percentiles (p50/p99 duration, cost). The
 * Datadog Forwarder sends enhanced and custom metrics the same way (BACKENDS.md §2 "Which API
 * to use"). v2 series has no distribution type.
 *
 * Timestamps: MetricPoint.timestamp is epoch ms; the intake wants POSIX seconds, so the point
 * goes in the second that contains it (floor). Units are not part of this API (metric metadata
 * is set elsewhere in Datadog), so MetricPoint.unit and namespace are not sent. No `host`: a
 * Lambda metric has no host, as in the Datadog Forwarder's requests (`"host": null`).
 *
 * Limits: the distribution_points size limit is undocumented. The documented neighbours: v1
 * series, "max payload size is 3.2 megabytes (3200000 bytes)", compressed payloads under 62 MB
 * decompressed (Datadog OpenAPI spec v1 `/api/v1/series`; BACKENDS.md §2), and v2 series,
 * 512,000 B compressed and 5 MiB decompressed. We cap the UNCOMPRESSED body at 3,200,000 B:
 * even a body that did not compress at all would meet the v1 wire limit, and the decompressed
 * size stays under both decompressed limits. No count limit is documented; 10,000 series per
 * payload is the Agent Data Plane's default (`DEFAULT_MAX_METRICS_PER_PAYLOAD`,
 * https://datadoghq.dev/saluki/api-docs/agent_data_plane_config/defaults/); at ~320 B per
 * enhanced point both caps bind near the same batch size.
 *
 * Compression: the spec lists only `Content-Encoding: deflate` (zlib, RFC 9110 §8.4.1.2) for
 * this endpoint, and the Datadog Forwarder sends deflate; gzip is not documented here.
 *
 * Bad items (non-finite value, bad timestamp, empty name) are refused with a reason; the
 * deliverer counts them as rejected and goes on.
 */
import type { MetricGroup, Telemetry } from '../model.js';
import type { Encoded, SignalEncoder } from './destination.js';
import { MAX_NUMBER_BYTES, writeAscii, writeJsonNumber } from './json-number.js';
import { isPlainJson, jsonString } from './json-text.js';

export const DATADOG_METRICS_LIMITS = {
  maxItems: 10_000,
  maxBytes: 3_200_000,
} as const;

const OPEN = '{"series":[';
const CLOSE = ']}';
const SERIES_CLOSE = ']}';
/** `[` `,[` `]]` around a point's timestamp and value. */
const POINT_FRAME = 5;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

export interface DatadogMetricsOptions {
  /** `k:v` tags on every point (forwarder name and version, DD_TAGS), before the point's own. */
  readonly tags: readonly string[];
  /**
   * The clock, to refuse points Datadog would drop without a word: distributions more than one
   * hour old are not ingested (historical ingestion does not cover them; BACKENDS.md §2
   * [DD-HIST]). Counted as rejected `too_old` instead of being lost after a 202.
   */
  readonly now?: () => number;
}

/** https://docs.datadoghq.com/metrics/custom_metrics/historical_metrics/ */
export const DISTRIBUTION_MAX_AGE_MS = 3_600_000;

export const DATADOG_METRIC_REJECTIONS = ['not_a_metric', 'invalid_name', 'invalid_value', 'invalid_timestamp', 'too_old'] as const;
export type DatadogMetricRejection = (typeof DATADOG_METRIC_REJECTIONS)[number];

/**
 * The JSON array body of a point's tags after the base tags (already JSON): a key with an empty
 * value is a bare tag (`"standalone"`).
 */
function tagsJson(baseJson: string, own: Readonly<Record<string, string>>): string {
  let out = baseJson;
  for (const key in own) {
    const value = own[key] as string;
    const tag = value === '' ? jsonString(key) : isPlainJson(key) && isPlainJson(value) ? `"${key}:${value}"` : JSON.stringify(`${key}:${value}`);
    out = out === '' ? tag : `${out},${tag}`;
  }
  return out;
}

/** A piece of JSON text as UTF-8, written into bodies as it is (its length is its bytes). */
type Fragment = Buffer;
const fragment = (json: string): Fragment => Buffer.from(json);

/** One encoded point: the series it belongs to (one object per metric and tags), its second and value. */
export interface EncodedSingle {
  readonly series: Fragment;
  readonly seconds: string;
  readonly value: number;
}

/**
 * A series' points while a body is assembled: its values in order, and where each run of values
 * in the same second ends (consecutive values of one series in the same second share a point).
 */
interface Slot {
  readonly head: Fragment;
  readonly seconds: string[];
  readonly ends: number[];
  readonly values: number[];
}

function addValue(slot: Slot, seconds: string, value: number): void {
  const last = slot.seconds.length - 1;
  slot.values.push(value);
  if (last >= 0 && slot.seconds[last] === seconds) {
    slot.ends[last] = slot.values.length;
  } else {
    slot.seconds.push(seconds);
    slot.ends.push(slot.values.length);
  }
}

/**
 * A MetricGroup's points: the series of each (an array shared by every group of the same names
 * and tags), the timestamp in seconds, and the values, printed only when the body is assembled.
 */
export interface EncodedGroup {
  readonly heads: readonly Fragment[];
  readonly seconds: string;
  readonly values: readonly number[];
}

export type EncodedPoint = EncodedSingle | EncodedGroup;

/** The encoder; its body is JSON, written as bytes. */
export interface DatadogMetricsEncoder extends SignalEncoder<EncodedPoint> {
  encodeGroup(group: MetricGroup): Encoded<EncodedPoint> | undefined;
  assemble(values: readonly EncodedPoint[]): Buffer;
}

export function createDatadogMetricsEncoder(options: DatadogMetricsOptions): DatadogMetricsEncoder {
  const baseJson = options.tags.map(jsonString).join(',');
  // The head of each series (metric name and tags) is made once: the tags' JSON once per tags
  // object (the points of a REPORT share one, model.ts), the head once per tags text and name,
  // so that every REPORT of a function lands in the same few series.
  const tagsText = new WeakMap<object, string>();
  const heads = new Map<string, Map<string, Fragment>>();
  // Consecutive points usually share their tags object: remember the last one.
  let lastTags: object | undefined;
  let lastByName: Map<string, Fragment> | undefined;
  const headOf = (name: string, tags: Readonly<Record<string, string>>): Fragment => {
    if (tags === lastTags && lastByName !== undefined) {
      const head = lastByName.get(name);
      if (head !== undefined) return head;
    }
    let text = tagsText.get(tags);
    if (text === undefined) {
      text = tagsJson(baseJson, tags);
      tagsText.set(tags, text);
    }
    let byName = heads.get(text);
    if (byName === undefined) {
      // Bounded: a container that sees endless distinct tag sets starts over.
      if (heads.size >= 10_000) heads.clear();
      byName = new Map();
      heads.set(text, byName);
    }
    let head = byName.get(name);
    if (head === undefined) {
      head = fragment(`{"metric":${jsonString(name)},"tags":[${text}],"type":"distribution","points":[`);
      byName.set(name, head);
    }
    lastTags = tags;
    lastByName = byName;
    return head;
  };
  // The points of one REPORT share their timestamp: its text is made once.
  let lastMs = Number.NaN;
  let lastSeconds = '';
  const secondsOf = (ms: number): string => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastSeconds = String(Math.floor(ms / 1000));
    }
    return lastSeconds;
  };
  // The series heads of a group's names under its tags: one array per tags object and names.
  const groupHeads = new WeakMap<object, Map<readonly string[], readonly Fragment[]>>();
  let lastGroupTags: object | undefined;
  let lastGroupNames: readonly string[] | undefined;
  let lastGroupHeads: readonly Fragment[] = [];
  const headsOf = (names: readonly string[], tags: Readonly<Record<string, string>>): readonly Fragment[] => {
    if (tags === lastGroupTags && names === lastGroupNames) return lastGroupHeads;
    let byNames = groupHeads.get(tags);
    if (byNames === undefined) {
      byNames = new Map();
      groupHeads.set(tags, byNames);
    }
    let heads = byNames.get(names);
    if (heads === undefined) {
      heads = names.map((name) => headOf(name, tags));
      byNames.set(names, heads);
    }
    lastGroupTags = tags;
    lastGroupNames = names;
    lastGroupHeads = heads;
    return heads;
  };
  const tooOld = (ms: number): boolean => options.now !== undefined && options.now() - ms > DISTRIBUTION_MAX_AGE_MS;
  return {
    limits: DATADOG_METRICS_LIMITS,
    framingBytes: OPEN.length + CLOSE.length,
    separatorBytes: 1,
    encode(t: Telemetry): Encoded<EncodedPoint> {
      if (t.type !== 'metric') return { ok: false, reason: 'not_a_metric' };
      if (t.name === '') return { ok: false, reason: 'invalid_name' };
      // JSON has no NaN or Infinity: JSON.stringify would write null and the intake would refuse the batch.
      if (!Number.isFinite(t.value)) return { ok: false, reason: 'invalid_value' };
      if (!Number.isFinite(t.timestamp) || t.timestamp < 0) return { ok: false, reason: 'invalid_timestamp' };
      if (tooOld(t.timestamp)) return { ok: false, reason: 'too_old' };
      const series = headOf(t.name, t.tags);
      const seconds = secondsOf(t.timestamp);
      // What the point costs as a series of its own (it may share one, and cost less).
      const bytes = series.length + `[${seconds},[${t.value}]]`.length + SERIES_CLOSE.length;
      return { ok: true, value: { series, seconds, value: t.value }, bytes };
    },
    encodeGroup(g: MetricGroup): Encoded<EncodedPoint> | undefined {
      // A point that needs its own verdict sends the group back to be encoded point by point.
      for (let i = 0; i < g.values.length; i++) if (!Number.isFinite(g.values[i]) || g.names[i] === '') return undefined;
      if (!Number.isFinite(g.timestamp) || g.timestamp < 0) return { ok: false, reason: 'invalid_timestamp' };
      if (tooOld(g.timestamp)) return { ok: false, reason: 'too_old' };
      const heads = headsOf(g.names, g.tags);
      const seconds = secondsOf(g.timestamp);
      // As if each point were a series of its own (an upper bound, values not printed yet), and
      // the separators between them.
      let bytes = heads.length - 1;
      for (const head of heads) bytes += head.length + seconds.length + MAX_NUMBER_BYTES + POINT_FRAME + SERIES_CLOSE.length;
      return { ok: true, value: { heads, seconds, values: g.values }, bytes };
    },
    assemble(values: readonly EncodedPoint[]): Buffer {
      // Each series' values, in order: a body is written once every value is known.
      const slots = new Map<Fragment, Slot>();
      const order: Slot[] = [];
      const slotOf = (head: Fragment): Slot => {
        let slot = slots.get(head);
        if (slot === undefined) {
          slot = { head, seconds: [], ends: [], values: [] };
          slots.set(head, slot);
          order.push(slot);
        }
        return slot;
      };
      // A group's series, looked up once per heads array rather than once per point.
      const groupSlots = new Map<readonly Fragment[], Slot[]>();
      for (const v of values) {
        if ('heads' in v) {
          let list = groupSlots.get(v.heads);
          if (list === undefined) {
            list = v.heads.map(slotOf);
            groupSlots.set(v.heads, list);
          }
          for (let i = 0; i < list.length; i++) addValue(list[i] as Slot, v.seconds, v.values[i] as number);
        } else {
          addValue(slotOf(v.series), v.seconds, v.value);
        }
      }
      // Written as bytes (numbers by writeJsonNumber) into room for the longest text of each part.
      let room = OPEN.length + CLOSE.length;
      for (const slot of order) {
        room += 1 + slot.head.length + SERIES_CLOSE.length + slot.values.length * (MAX_NUMBER_BYTES + 1);
        for (const second of slot.seconds) room += second.length + POINT_FRAME + 1;
      }
      const buf = Buffer.allocUnsafe(room);
      let pos = writeAscii(buf, 0, OPEN);
      for (let i = 0; i < order.length; i++) {
        const slot = order[i] as Slot;
        if (i > 0) buf[pos++] = COMMA;
        pos += slot.head.copy(buf, pos);
        let v = 0;
        for (let run = 0; run < slot.seconds.length; run++) {
          if (run > 0) buf[pos++] = COMMA;
          buf[pos++] = OPEN_BRACKET;
          pos = writeAscii(buf, pos, slot.seconds[run] as string);
          buf[pos++] = COMMA;
          buf[pos++] = OPEN_BRACKET;
          const end = slot.ends[run] as number;
          for (let first = v; v < end; v++) {
            if (v > first) buf[pos++] = COMMA;
            pos = writeJsonNumber(buf, pos, slot.values[v] as number);
          }
          buf[pos++] = CLOSE_BRACKET;
          buf[pos++] = CLOSE_BRACKET;
        }
        pos = writeAscii(buf, pos, SERIES_CLOSE);
      }
      pos = writeAscii(buf, pos, CLOSE);
      return buf.subarray(0, pos);
    },
  };
}
