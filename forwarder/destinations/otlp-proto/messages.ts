/**
 * OTLP messages in protobuf, written with ProtoWriter from the mapped items (otlp-mapping.ts).
 * Field numbers from open-telemetry/opentelemetry-proto (checked against the decoders generated
 * from it in @opentelemetry/otlp-transformer, which the tests decode with):
 *   common/v1/common.proto    AnyValue{string_value=1, bool_value=2, int_value=3 (int64),
 *                             double_value=4, array_value=5} ArrayValue{values=1}
 *                             KeyValue{key=1, value=2} InstrumentationScope{name=1, version=2}
 *   resource/v1/resource.proto Resource{attributes=1}
 *   logs/v1/logs.proto        ResourceLogs{resource=1, scope_logs=2} ScopeLogs{scope=1, log_records=2}
 *                             LogRecord{time_unix_nano=1 (fixed64), severity_number=2, severity_text=3,
 *                             body=5, attributes=6, trace_id=9, span_id=10, observed_time_unix_nano=11}
 *   metrics/v1/metrics.proto  ResourceMetrics{resource=1, scope_metrics=2} ScopeMetrics{scope=1, metrics=2}
 *                             Metric{name=1, unit=3, gauge=5, sum=7, histogram=9}
 *                             Gauge{data_points=1} Sum{data_points=1, aggregation_temporality=2,
 *                             is_monotonic=3} Histogram{data_points=1, aggregation_temporality=2}
 *                             NumberDataPoint{start_time_unix_nano=2, time_unix_nano=3, as_double=4,
 *                             as_int=6 (sfixed64), attributes=7}
 *                             HistogramDataPoint{start_time_unix_nano=2, time_unix_nano=3, count=4
 *                             (fixed64), sum=5, bucket_counts=6 (packed fixed64), attributes=9,
 *                             min=11, max=12}
 *   trace/v1/trace.proto      ResourceSpans{resource=1, scope_spans=2} ScopeSpans{scope=1, spans=2}
 *                             Span{trace_id=1, span_id=2, parent_span_id=4, name=5, kind=6,
 *                             start_time_unix_nano=7, end_time_unix_nano=8, attributes=9, status=15}
 *                             Status{message=2, code=3}
 *   collector/{logs,metrics,trace}/v1/*_service.proto  Export*ServiceRequest{resource_*=1}
 *
 * Every item is written as its complete field inside the Scope* message (tag, length, message),
 * so a request body is the items concatenated inside their resource's wrapper.
 */
import type { AttributeValue } from '../../model.js';
import { DELTA, type OtlpLogRecord, type OtlpMetric, type OtlpSpan } from '../otlp-mapping.js';
import { ProtoWriter, varintSize, WIRE } from './writer.js';

/** One scratch writer for the process: encoding is synchronous, one message at a time. */
const w = new ProtoWriter();

const F = {
  anyString: 1,
  anyBool: 2,
  anyInt: 3,
  anyDouble: 4,
  anyArray: 5,
  arrayValues: 1,
  kvKey: 1,
  kvValue: 2,
  scopeName: 1,
  scopeVersion: 2,
  resourceAttributes: 1,
  /** ResourceX.resource, ScopeX.scope, Export*ServiceRequest.resource_x. */
  first: 1,
  /** ResourceX.scope_x, ScopeX.items. */
  second: 2,
} as const;

const LOG = { time: 1, severityNumber: 2, severityText: 3, body: 5, attributes: 6, traceId: 9, spanId: 10, observedTime: 11 } as const;
const METRIC = { name: 1, unit: 3, gauge: 5, sum: 7, histogram: 9 } as const;
const DATA = { points: 1, temporality: 2, monotonic: 3 } as const;
const NUMBER_POINT = { start: 2, time: 3, asDouble: 4, asInt: 6, attributes: 7 } as const;
const HISTOGRAM_POINT = { start: 2, time: 3, count: 4, sum: 5, bucketCounts: 6, attributes: 9, min: 11, max: 12 } as const;
const SPAN = { traceId: 1, spanId: 2, parentSpanId: 4, name: 5, kind: 6, start: 7, end: 8, attributes: 9, status: 15 } as const;
const STATUS = { message: 2, code: 3 } as const;

function anyValue(v: AttributeValue): void {
  switch (typeof v) {
    case 'string':
      w.string(F.anyString, v);
      return;
    case 'boolean':
      w.bool(F.anyBool, v);
      return;
    case 'number':
      if (Number.isSafeInteger(v)) w.int64(F.anyInt, v);
      else w.double(F.anyDouble, v);
      return;
    default: {
      const arr = w.begin(F.anyArray);
      for (const s of v) {
        const item = w.begin(F.arrayValues);
        w.string(F.anyString, s);
        w.end(item);
      }
      w.end(arr);
    }
  }
}

function keyValue(field: number, key: string, v: AttributeValue): void {
  const kv = w.begin(field);
  w.string(F.kvKey, key);
  const av = w.begin(F.kvValue);
  anyValue(v);
  w.end(av);
  w.end(kv);
}

function attributes(field: number, attrs: Readonly<Record<string, AttributeValue>>): void {
  for (const key in attrs) {
    keyValue(field, key, attrs[key] as AttributeValue);
  }
}

/** ResourceX.resource as a complete field (cached per resource by the caller). */
export function resourceField(attrs: Readonly<Record<string, AttributeValue>>): Uint8Array {
  w.reset();
  const r = w.begin(F.first);
  attributes(F.resourceAttributes, attrs);
  w.end(r);
  return w.take();
}

/** ScopeX.scope as a complete field. */
export function scopeField(name: string, version?: string): Uint8Array {
  w.reset();
  const s = w.begin(F.first);
  w.string(F.scopeName, name);
  if (version !== undefined) w.string(F.scopeVersion, version);
  w.end(s);
  return w.take();
}

/** ScopeLogs.log_records entry. */
export function logRecordField(r: OtlpLogRecord): Uint8Array {
  w.reset();
  const at = w.begin(F.second);
  if (r.observedMs === r.timeMs) {
    w.fixed64Ms(LOG.time, r.timeMs, LOG.observedTime);
  } else {
    w.fixed64Ms(LOG.time, r.timeMs);
    w.fixed64Ms(LOG.observedTime, r.observedMs);
  }
  if (r.severityNumber !== 0) w.uint32Field(LOG.severityNumber, r.severityNumber);
  if (r.severityText !== undefined) w.string(LOG.severityText, r.severityText);
  const body = w.begin(LOG.body);
  w.string(F.anyString, r.body);
  w.end(body);
  attributes(LOG.attributes, r.attributes);
  if (r.traceId !== undefined) w.hexBytes(LOG.traceId, r.traceId);
  if (r.spanId !== undefined) w.hexBytes(LOG.spanId, r.spanId);
  w.end(at);
  return w.take();
}

function sfixed64(field: number, v: number): void {
  if (v >= 0) w.fixed64Number(field, v);
  else w.fixed64Big(field, BigInt(v));
}

function metricBody(m: OtlpMetric): void {
  w.string(METRIC.name, m.name);
  if (m.unit !== '') w.string(METRIC.unit, m.unit);
  if (m.type === 'histogram') {
    const h = w.begin(METRIC.histogram);
    const p = w.begin(DATA.points);
    w.fixed64Ms(HISTOGRAM_POINT.start, m.timeMs, HISTOGRAM_POINT.time);
    w.fixed64Number(HISTOGRAM_POINT.count, 1);
    w.double(HISTOGRAM_POINT.sum, m.value);
    // One bucket and no bounds: the whole range, holding the one value.
    w.tag(HISTOGRAM_POINT.bucketCounts, WIRE.len);
    w.varint(8);
    w.rawFixed64(1, 0);
    attributes(HISTOGRAM_POINT.attributes, m.attributes);
    w.double(HISTOGRAM_POINT.min, m.value);
    w.double(HISTOGRAM_POINT.max, m.value);
    w.end(p);
    w.uint32Field(DATA.temporality, DELTA);
    w.end(h);
    return;
  }
  const d = w.begin(m.type === 'sum' ? METRIC.sum : METRIC.gauge);
  const p = w.begin(DATA.points);
  w.fixed64Ms(NUMBER_POINT.start, m.timeMs, NUMBER_POINT.time);
  if (m.asInt) sfixed64(NUMBER_POINT.asInt, m.value);
  else w.double(NUMBER_POINT.asDouble, m.value);
  attributes(NUMBER_POINT.attributes, m.attributes);
  w.end(p);
  if (m.type === 'sum') {
    w.uint32Field(DATA.temporality, DELTA);
    if (m.monotonic) w.bool(DATA.monotonic, true);
  }
  w.end(d);
}

/** ScopeMetrics.metrics entries, one per mapped metric, concatenated. */
export function metricFields(ms: readonly OtlpMetric[]): Uint8Array {
  w.reset();
  for (const m of ms) {
    const at = w.begin(F.second);
    metricBody(m);
    w.end(at);
  }
  return w.take();
}

/** ScopeSpans.spans entry. */
export function spanField(s: OtlpSpan): Uint8Array {
  w.reset();
  const at = w.begin(F.second);
  w.hexBytes(SPAN.traceId, s.traceId);
  w.hexBytes(SPAN.spanId, s.spanId);
  if (s.parentId !== undefined) w.hexBytes(SPAN.parentSpanId, s.parentId);
  w.string(SPAN.name, s.name);
  if (s.kind !== 0) w.uint32Field(SPAN.kind, s.kind);
  w.fixed64Big(SPAN.start, s.startNs);
  w.fixed64Big(SPAN.end, s.endNs);
  attributes(SPAN.attributes, s.attributes);
  if (s.status !== undefined) {
    const st = w.begin(SPAN.status);
    if (s.status.message !== undefined) w.string(STATUS.message, s.status.message);
    w.uint32Field(STATUS.code, s.status.code);
    w.end(st);
  }
  w.end(at);
  return w.take();
}

/**
 * Bytes one resource group adds around its items: the ResourceX field (tag, length) with its
 * resource and one ScopeX (tag, length, scope). Exact for a group holding `itemBytes` of items.
 */
export function groupOverhead(resourceBytes: number, scopeBytes: number, itemBytes: number): number {
  const scopeLen = scopeBytes + itemBytes;
  const resourceLen = resourceBytes + 1 + varintSize(scopeLen) + scopeLen;
  return 1 + varintSize(resourceLen) + resourceLen - itemBytes;
}

export interface ProtoGroup {
  readonly resource: Uint8Array;
  readonly items: readonly Uint8Array[];
}

/** Export*ServiceRequest: one ResourceX per group, each with one ScopeX holding its items. */
export function assembleRequest(groups: Iterable<ProtoGroup>, scope: Uint8Array): Uint8Array {
  const sized: Array<{ g: ProtoGroup; scopeLen: number; resourceLen: number }> = [];
  let total = 0;
  for (const g of groups) {
    let itemBytes = 0;
    for (const it of g.items) itemBytes += it.length;
    const scopeLen = scope.length + itemBytes;
    const resourceLen = g.resource.length + 1 + varintSize(scopeLen) + scopeLen;
    total += 1 + varintSize(resourceLen) + resourceLen;
    sized.push({ g, scopeLen, resourceLen });
  }
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  const varint = (v: number) => {
    while (v >= 0x80) {
      out[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    out[pos++] = v;
  };
  const put = (b: Uint8Array) => {
    out.set(b, pos);
    pos += b.length;
  };
  const lenTag = (field: number) => field * 8 + WIRE.len;
  for (const { g, scopeLen, resourceLen } of sized) {
    out[pos++] = lenTag(F.first);
    varint(resourceLen);
    put(g.resource);
    out[pos++] = lenTag(F.second);
    varint(scopeLen);
    put(scope);
    for (const it of g.items) put(it);
  }
  return out;
}
