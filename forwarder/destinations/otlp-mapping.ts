/**
 * The neutral model → OTLP's data model, independent of the wire form (otlp-proto/ writes it as
 * protobuf or JSON). Pure: no clock, no I/O; the same item always maps to the same result.
 *
 * Resources (BACKENDS.md §6, semantic conventions `resource/faas.md`, `registry/attributes/cloud.md`,
 * `resource/cloud-provider/aws/logs.md`): items are grouped by resource, so every signal gives a
 * cheap same-resource check (per item), a content key (when the check cannot tell) and the
 * resource's attributes (built once per key by the caller).
 *  - logs: the record's resource (where the line came from: cloud.provider, cloud.region,
 *    cloud.account.id, faas.name, aws.log.group.names / aws.log.stream.names as string arrays,
 *    aws.s3.*), plus cloud.platform = aws_lambda and faas.instance (= the log stream) for Lambda
 *    logs, service.name, and the record's `key:value` tags (DD_TAGS), Datadog's unified tags
 *    renamed as Datadog maps them to OpenTelemetry (env → deployment.environment.name,
 *    version → service.version). The line's own attributes stay on the log record.
 *  - metrics: from the point's tags (functionname → faas.name, region → cloud.region,
 *    aws_account/account_id → cloud.account.id, service/env/version as above); the other tags
 *    are data point attributes.
 *  - traces: service.name (the span's service), cloud.provider.
 *
 * Logs: severity number from the level (OpenTelemetry logs data model, "Field: SeverityNumber":
 * TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21; unknown → 0 with the text kept). The
 * record's timestamp is the CloudWatch event time, the best-known event time and the time
 * CloudWatch observed the line: both time_unix_nano and observed_time_unix_nano.
 *
 * Metrics: distribution → histogram with one point per value (count 1, sum = min = max = value,
 * one bucket), count → monotonic delta sum (non-monotonic when negative), gauge → gauge; DELTA
 * temporality (a stateless forwarder: BACKENDS.md §5). Units to UCUM (REPORT's MB is MiB: Lambda
 * memory sizes are binary, and `faas.max_memory` is MB × 1,048,576 per `resource/faas.md`).
 * aws.lambda.enhanced.* are ALSO emitted under the FaaS metric names (`faas/faas-metrics.md`):
 *   duration → faas.invoke_duration (histogram, s), init_duration → faas.init_duration
 *   (histogram, s), max_memory_used → faas.mem_usage (histogram, By = MB × 1,048,576),
 *   invocations with cold_start:true → faas.coldstarts ({coldstart}), timeouts → faas.timeouts
 *   ({timeout}), errors → faas.errors ({error}) (monotonic delta sums).
 *   faas.invocations is not derived: it counts successful invocations only, and the enhanced
 *   `invocations` counts every invocation.
 *
 * Traces: ids already W3C hex; end = start + duration; kind from meta `span.kind`, else the
 * Datadog span type (web/serverless → SERVER, http/grpc/sql/… → CLIENT), else INTERNAL; status
 * ERROR (2) with `error.msg` when the span is an error, else UNSET; attributes = meta (strings),
 * metrics (doubles), resource.name and span.type (the names Datadog's OTLP intake reads).
 */
import { ATTR } from '../attributes.js';
import type { AttributeValue, Attributes, LogRecord, MetricPoint, Span } from '../model.js';
import { ENHANCED_PREFIX } from '../../parsers/enhanced-metrics.js';
import { isSpanId, isTraceId } from '../../parsers/trace-ids.js';

export const SEMCONV = {
  serviceName: 'service.name',
  serviceVersion: 'service.version',
  deploymentEnvironment: 'deployment.environment.name',
  cloudPlatform: 'cloud.platform',
  faasInstance: 'faas.instance',
} as const;

// ---------------------------------------------------------------------------------------- logs

/** OpenTelemetry logs data model, SeverityNumber ranges (base value of each). */
export const SEVERITY_NUMBER: Readonly<Record<string, number>> = Object.freeze({
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  WARNING: 13,
  ERROR: 17,
  FATAL: 21,
  CRITICAL: 21,
});

export function severityNumber(level: string | undefined): number {
  return level === undefined ? 0 : (SEVERITY_NUMBER[level.toUpperCase()] ?? 0);
}

/** Resource attributes the model keeps as one string and the conventions define as string[]. */
const STRING_ARRAYS: ReadonlySet<string> = new Set([ATTR.logGroup, ATTR.logStream]);

/** Datadog unified service tags → OpenTelemetry resource attribute names. */
const TAG_RENAMES: Readonly<Record<string, string>> = Object.freeze({
  env: SEMCONV.deploymentEnvironment,
  version: SEMCONV.serviceVersion,
});

export interface OtlpLogRecord {
  readonly timeMs: number;
  readonly observedMs: number;
  readonly severityNumber: number;
  readonly severityText: string | undefined;
  readonly body: string;
  /** 32 hex, only when valid. */
  readonly traceId: string | undefined;
  /** 16 hex, only when valid (and a trace id is present). */
  readonly spanId: string | undefined;
  /** The line's own attributes (the record's resource goes to the OTLP resource). */
  readonly attributes: Readonly<Attributes>;
}

function isLambda(r: LogRecord): boolean {
  return r.source === 'lambda' || typeof r.resource[ATTR.faasName] === 'string';
}

/**
 * True when two records certainly have the same resource. Records of one batch share their
 * resource and tags objects, so identity settles it without building a key.
 */
export function sameLogResource(a: LogRecord, b: LogRecord): boolean {
  return a.resource === b.resource && a.tags === b.tags && a.service === b.service && a.source === b.source;
}

/** What identifies the record's resource by content; equal keys ⇔ equal resources. */
export function logResourceKey(r: LogRecord): string {
  let key = `${r.service ?? ''}\u0001${r.source}\u0001${r.tags.join(',')}`;
  for (const k in r.resource) key += `\u0001${k}=${String(r.resource[k])}`;
  return key;
}

/** `key:value` tags onto a resource; attributes the forwarder derived win over free-form tags. */
function addTags(out: Attributes, tags: readonly string[]): void {
  for (const t of tags) {
    const i = t.indexOf(':');
    if (i <= 0) continue;
    const k = t.slice(0, i);
    const key = TAG_RENAMES[k] ?? k;
    if (!(key in out)) out[key] = t.slice(i + 1);
  }
}

export function logResource(r: LogRecord): Attributes {
  const out: Attributes = {};
  for (const k in r.resource) {
    const v = r.resource[k] as AttributeValue;
    out[k] = STRING_ARRAYS.has(k) && typeof v === 'string' ? [v] : v;
  }
  if (out[ATTR.cloudProvider] === undefined) out[ATTR.cloudProvider] = 'aws';
  if (isLambda(r)) {
    out[SEMCONV.cloudPlatform] = 'aws_lambda';
    // faas.instance is "the full log stream name" for Lambda (resource/faas.md).
    const stream = r.resource[ATTR.logStream];
    if (typeof stream === 'string') out[SEMCONV.faasInstance] = stream;
  }
  out[SEMCONV.serviceName] = r.service ?? r.source;
  addTags(out, r.tags);
  return out;
}

export function mapLog(r: LogRecord): OtlpLogRecord {
  // No object spreads: this runs once per log line.
  const traceId = r.traceId !== undefined && isTraceId(r.traceId) ? r.traceId : undefined;
  const spanId = traceId !== undefined && r.spanId !== undefined && isSpanId(r.spanId) ? r.spanId : undefined;
  return {
    timeMs: r.timestamp,
    observedMs: r.timestamp,
    severityNumber: severityNumber(r.level),
    severityText: r.level,
    body: r.message,
    traceId,
    spanId,
    attributes: r.attributes,
  };
}

// ------------------------------------------------------------------------------------- metrics

export const METRIC_TYPES = ['gauge', 'sum', 'histogram'] as const;
export type OtlpMetricType = (typeof METRIC_TYPES)[number];

/** AggregationTemporality (metrics.proto): 1 = DELTA. */
export const DELTA = 1;

export interface OtlpMetric {
  readonly name: string;
  readonly unit: string;
  readonly type: OtlpMetricType;
  /** Sums only. */
  readonly monotonic: boolean;
  /** Sums of whole counts are written as integers (as_int), everything else as doubles. */
  readonly asInt: boolean;
  readonly value: number;
  readonly timeMs: number;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Units as the parsers write them → UCUM (OTLP `Metric.unit`). Others pass through. */
const UCUM: Readonly<Record<string, string>> = Object.freeze({ MB: 'MiBy', USD: '{USD}' });

export function ucumUnit(unit: string): string {
  return UCUM[unit] ?? unit;
}

/** Point tags that describe the resource. */

const NAMESPACE_ATTRIBUTE = 'aws.cloudwatch.namespace';

const SECONDS: Readonly<Record<string, number>> = Object.freeze({ s: 1, ms: 1e-3, us: 1e-6 });
const BYTES: Readonly<Record<string, number>> = Object.freeze({ MB: 1_048_576, MiBy: 1_048_576, By: 1 });

interface FaasRule {
  readonly name: string;
  readonly unit: string;
  readonly type: 'histogram' | 'sum';
  /** Multiplier by the point's unit (histograms); undefined: a count of 1 per point. */
  readonly scale?: Readonly<Record<string, number>>;
}

/** enhanced metric (suffix) → its FaaS semantic-convention twin. */
const FAAS: Readonly<Record<string, FaasRule>> = Object.freeze({
  duration: { name: 'faas.invoke_duration', unit: 's', type: 'histogram', scale: SECONDS },
  init_duration: { name: 'faas.init_duration', unit: 's', type: 'histogram', scale: SECONDS },
  max_memory_used: { name: 'faas.mem_usage', unit: 'By', type: 'histogram', scale: BYTES },
  timeouts: { name: 'faas.timeouts', unit: '{timeout}', type: 'sum' },
  errors: { name: 'faas.errors', unit: '{error}', type: 'sum' },
});
const COLDSTARTS: FaasRule = { name: 'faas.coldstarts', unit: '{coldstart}', type: 'sum' };

export function metricResourceKey(p: MetricPoint): string {
  const t = p.tags;
  return `${t['service'] ?? ''}\u0001${t['functionname'] ?? ''}\u0001${t['region'] ?? ''}\u0001${t['aws_account'] ?? t['account_id'] ?? ''}\u0001${
    t['env'] ?? ''
  }\u0001${t['version'] ?? ''}`;
}

const METRIC_RESOURCE_TAG_LIST: readonly string[] = ['service', 'functionname', 'region', 'aws_account', 'account_id', 'env', 'version'];
const METRIC_RESOURCE_TAGS: ReadonlySet<string> = new Set(METRIC_RESOURCE_TAG_LIST);

export function sameMetricResource(a: MetricPoint, b: MetricPoint): boolean {
  for (const k of METRIC_RESOURCE_TAG_LIST) if (a.tags[k] !== b.tags[k]) return false;
  return true;
}

export function metricResource(p: MetricPoint): Attributes {
  const t = p.tags;
  const out: Attributes = { [ATTR.cloudProvider]: 'aws' };
  const fn = t['functionname'];
  if (fn !== undefined) out[SEMCONV.cloudPlatform] = 'aws_lambda';
  if (t['region'] !== undefined) out[ATTR.cloudRegion] = t['region'];
  const account = t['aws_account'] ?? t['account_id'];
  if (account !== undefined) out[ATTR.cloudAccountId] = account;
  if (fn !== undefined) out[ATTR.faasName] = fn;
  // service.name is required on every resource; unknown_service is the convention's fallback.
  out[SEMCONV.serviceName] = t['service'] ?? fn ?? 'unknown_service';
  if (t['env'] !== undefined) out[SEMCONV.deploymentEnvironment] = t['env'];
  if (t['version'] !== undefined) out[SEMCONV.serviceVersion] = t['version'];
  return out;
}

function pointAttributes(p: MetricPoint): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in p.tags) {
    if (!METRIC_RESOURCE_TAGS.has(k)) out[k] = p.tags[k] as string;
  }
  if (p.namespace !== undefined) out[NAMESPACE_ATTRIBUTE] = p.namespace;
  return out;
}

function typeOf(p: MetricPoint): OtlpMetricType {
  return p.kind === 'distribution' ? 'histogram' : p.kind === 'count' ? 'sum' : 'gauge';
}

/** One OTLP metric per point, two for the enhanced metrics that have a FaaS twin. */
export function mapMetric(p: MetricPoint): OtlpMetric[] {
  const attributes = pointAttributes(p);
  const type = typeOf(p);
  const out: OtlpMetric[] = [
    { name: p.name, unit: ucumUnit(p.unit), type, monotonic: type === 'sum' && p.value >= 0, asInt: false, value: p.value, timeMs: p.timestamp, attributes },
  ];
  if (!p.name.startsWith(ENHANCED_PREFIX)) return out;
  const suffix = p.name.slice(ENHANCED_PREFIX.length);
  const rule = suffix === 'invocations' ? (p.tags['cold_start'] === 'true' ? COLDSTARTS : undefined) : FAAS[suffix];
  if (rule === undefined) return out;
  let value: number;
  if (rule.scale === undefined) {
    value = 1;
  } else {
    const factor = rule.scale[p.unit];
    // A unit we cannot convert would give a wrong value under a well-known name: skip the twin.
    if (factor === undefined) return out;
    value = p.value * factor;
  }
  out.push({ name: rule.name, unit: rule.unit, type: rule.type, monotonic: true, asInt: rule.type === 'sum', value, timeMs: p.timestamp, attributes });
  return out;
}

// -------------------------------------------------------------------------------------- traces

/** Span.SpanKind (trace.proto). */
export const SPAN_KIND = { unspecified: 0, internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
/** Status.StatusCode (trace.proto). */
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

const KIND_BY_META: Readonly<Record<string, number>> = Object.freeze({
  server: SPAN_KIND.server,
  client: SPAN_KIND.client,
  producer: SPAN_KIND.producer,
  consumer: SPAN_KIND.consumer,
  internal: SPAN_KIND.internal,
});

/** Datadog span types (ddtrace `ext/SpanTypes`) that say which side of a call the span is. */
const KIND_BY_TYPE: Readonly<Record<string, number>> = Object.freeze({
  web: SPAN_KIND.server,
  serverless: SPAN_KIND.server,
  http: SPAN_KIND.client,
  grpc: SPAN_KIND.client,
  sql: SPAN_KIND.client,
  db: SPAN_KIND.client,
  cache: SPAN_KIND.client,
  redis: SPAN_KIND.client,
  memcached: SPAN_KIND.client,
  mongodb: SPAN_KIND.client,
  elasticsearch: SPAN_KIND.client,
  cassandra: SPAN_KIND.client,
});

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId?: string;
  readonly name: string;
  readonly kind: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Readonly<Record<string, string | number>>;
  readonly status?: { readonly code: number; readonly message?: string };
}

export function spanResourceKey(s: Span): string {
  return s.service;
}

export function sameSpanResource(a: Span, b: Span): boolean {
  return a.service === b.service;
}

export function spanResource(s: Span): Attributes {
  return { [SEMCONV.serviceName]: s.service, [ATTR.cloudProvider]: 'aws' };
}

export function spanKind(s: Span): number {
  const meta = s.attributes['span.kind'];
  if (meta !== undefined) {
    const k = KIND_BY_META[meta.toLowerCase()];
    if (k !== undefined) return k;
  }
  return (s.spanType === undefined ? undefined : KIND_BY_TYPE[s.spanType]) ?? SPAN_KIND.internal;
}

/** undefined when an id is not valid W3C hex (the span cannot be sent). */
export function mapSpan(s: Span): OtlpSpan | undefined {
  if (!isTraceId(s.traceId) || !isSpanId(s.spanId)) return undefined;
  const attributes: Record<string, string | number> = { ...s.attributes };
  for (const k in s.metrics) attributes[k] = s.metrics[k] as number;
  attributes['resource.name'] = s.resource;
  if (s.spanType !== undefined) attributes['span.type'] = s.spanType;
  const message = s.attributes['error.msg'] ?? s.attributes['error.message'];
  return {
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentId !== undefined && isSpanId(s.parentId) && { parentId: s.parentId }),
    name: s.name,
    kind: spanKind(s),
    startNs: s.startNs,
    endNs: s.startNs + s.durationNs,
    attributes,
    ...(s.error && { status: { code: STATUS_CODE.error, ...(message !== undefined && { message }) } }),
  };
}
