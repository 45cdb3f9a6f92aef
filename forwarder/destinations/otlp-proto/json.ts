/**
 * The same OTLP messages as messages.ts, in OTLP/JSON (OTLP specification, "JSON Protobuf
 * Encoding"; BACKENDS.md §5): proto3 JSON with lowerCamelCase keys, trace and span ids as hex
 * (not base64), enums as integers, 64-bit integers as decimal strings, non-finite doubles as
 * "NaN" / "Infinity" / "-Infinity". Each item is its JSON text; a body joins items with commas
 * inside their resource's wrapper.
 */
import type { AttributeValue } from '../../model.js';
import { DELTA, type OtlpLogRecord, type OtlpMetric, type OtlpSpan } from '../otlp-mapping.js';
import { msToNanoString } from './writer.js';
import type { Signal } from '../../model.js';

type Json = Record<string, unknown>;

/** Keys of the request, resource and scope levels per signal. */
export const JSON_KEYS: Readonly<Record<Signal, readonly [string, string, string]>> = Object.freeze({
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
});

function double(v: number): number | string {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

function anyValue(v: AttributeValue): Json {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'boolean':
      return { boolValue: v };
    case 'number':
      return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: double(v) };
    default:
      return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
  }
}

function attributes(attrs: Readonly<Record<string, AttributeValue>>): Json[] {
  const out: Json[] = [];
  for (const key in attrs) {
    out.push({ key, value: anyValue(attrs[key] as AttributeValue) });
  }
  return out;
}

export function resourceJson(attrs: Readonly<Record<string, AttributeValue>>): string {
  return JSON.stringify({ attributes: attributes(attrs) });
}

export function scopeJson(name: string, version?: string): string {
  return JSON.stringify(version === undefined ? { name } : { name, version });
}

/** One attribute value as JSON text (the hot-path twin of anyValue). */
function anyValueText(v: AttributeValue): string {
  switch (typeof v) {
    case 'string':
      return `{"stringValue":${JSON.stringify(v)}}`;
    case 'boolean':
      return v ? '{"boolValue":true}' : '{"boolValue":false}';
    default:
      return JSON.stringify(anyValue(v));
  }
}

/**
 * Built as text rather than through objects and JSON.stringify: the same bytes with fewer
 * allocations, once per log line.
 */
export function logRecordJson(r: OtlpLogRecord): string {
  const time = msToNanoString(r.timeMs);
  let json = `{"timeUnixNano":"${time}","observedTimeUnixNano":"${r.observedMs === r.timeMs ? time : msToNanoString(r.observedMs)}"`;
  if (r.severityNumber !== 0) json += `,"severityNumber":${r.severityNumber}`;
  if (r.severityText !== undefined) json += `,"severityText":${JSON.stringify(r.severityText)}`;
  json += `,"body":{"stringValue":${JSON.stringify(r.body)}}`;
  let first = true;
  for (const key in r.attributes) {
    json += `${first ? ',"attributes":[' : ','}{"key":${JSON.stringify(key)},"value":${anyValueText(r.attributes[key] as AttributeValue)}}`;
    first = false;
  }
  if (!first) json += ']';
  // Ids were checked as hex by the mapping: no escaping needed.
  if (r.traceId !== undefined) json += `,"traceId":"${r.traceId.toLowerCase()}"`;
  if (r.spanId !== undefined) json += `,"spanId":"${r.spanId.toLowerCase()}"`;
  return `${json}}`;
}

function metricJson(m: OtlpMetric): Json {
  const time = msToNanoString(m.timeMs);
  const attrs = attributes(m.attributes);
  const o: Json = { name: m.name };
  if (m.unit !== '') o['unit'] = m.unit;
  if (m.type === 'histogram') {
    const v = double(m.value);
    o['histogram'] = {
      dataPoints: [{ attributes: attrs, startTimeUnixNano: time, timeUnixNano: time, count: '1', sum: v, bucketCounts: ['1'], min: v, max: v }],
      aggregationTemporality: DELTA,
    };
    return o;
  }
  const point: Json = { attributes: attrs, startTimeUnixNano: time, timeUnixNano: time };
  if (m.asInt) point['asInt'] = String(m.value);
  else point['asDouble'] = double(m.value);
  if (m.type === 'sum') o['sum'] = { dataPoints: [point], aggregationTemporality: DELTA, ...(m.monotonic && { isMonotonic: true }) };
  else o['gauge'] = { dataPoints: [point] };
  return o;
}

/** The metrics of one point, comma-separated (they sit side by side in ScopeMetrics.metrics). */
export function metricsJson(ms: readonly OtlpMetric[]): string {
  return ms.map((m) => JSON.stringify(metricJson(m))).join(',');
}

export function spanJson(s: OtlpSpan): string {
  const o: Json = { traceId: s.traceId.toLowerCase(), spanId: s.spanId.toLowerCase() };
  if (s.parentId !== undefined) o['parentSpanId'] = s.parentId.toLowerCase();
  o['name'] = s.name;
  if (s.kind !== 0) o['kind'] = s.kind;
  o['startTimeUnixNano'] = s.startNs.toString();
  o['endTimeUnixNano'] = s.endNs.toString();
  o['attributes'] = attributes(s.attributes);
  if (s.status !== undefined) o['status'] = s.status.message === undefined ? { code: s.status.code } : { message: s.status.message, code: s.status.code };
  return JSON.stringify(o);
}

function groupPrefix(signal: Signal, resource: string, scope: string): string {
  const [, scopeKey, itemsKey] = JSON_KEYS[signal];
  return `{"resource":${resource},"${scopeKey}":[{"scope":${scope},"${itemsKey}":[`;
}
const GROUP_SUFFIX = ']}]}';

/** Bytes a resource group adds around its items (exact: the wrapper is fixed text). */
export function groupOverheadJson(signal: Signal, resource: string, scope: string): number {
  return Buffer.byteLength(groupPrefix(signal, resource, scope)) + GROUP_SUFFIX.length;
}

/** `{"resourceX":[]}`: what a body adds around its groups. */
export function framingJson(signal: Signal): number {
  return JSON_KEYS[signal][0].length + 7;
}

export interface JsonGroup {
  readonly resource: string;
  readonly items: readonly string[];
}

export function assembleJson(signal: Signal, groups: Iterable<JsonGroup>, scope: string): string {
  const parts: string[] = [];
  for (const g of groups) parts.push(`${groupPrefix(signal, g.resource, scope)}${g.items.join(',')}${GROUP_SUFFIX}`);
  return `{"${JSON_KEYS[signal][0]}":[${parts.join(',')}]}`;
}
