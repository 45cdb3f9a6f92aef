/**
 * The neutral telemetry model. Every source produces RawLogs; parsers turn them into
 * LogRecord | MetricPoint | Span; every destination maps only this model.
 *
 * `input` ties each item to the acknowledgeable input it came from (the whole event for
 * CloudWatch Logs and direct S3 notifications, one record for Kinesis/SQS), so delivery
 * can report exactly which inputs failed (batchItemFailures) and nothing else.
 */

export const SIGNALS = ['logs', 'metrics', 'traces'] as const;
export type Signal = (typeof SIGNALS)[number];

/** Where a raw log came from. Optional fields are absent, never empty strings. */
export interface Origin {
  /** Account that owns the log data (CloudWatch `owner`, the S3 object's account). */
  readonly account?: string;
  readonly region?: string;
  readonly logGroup?: string;
  readonly logStream?: string;
  readonly bucket?: string;
  readonly key?: string;
  /** Detected or configured source (lambda, apigateway, s3, cloudtrail, vpc, …). */
  readonly source: string;
  /** Function name, for `/aws/lambda/<name>` log groups. */
  readonly functionName?: string;
  /** Subscription filter names, from the CloudWatch payload. */
  readonly subscriptionFilters?: readonly string[];
}

/** One log line as a source read it, before any parsing. */
export interface RawLog {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly message: string;
  /** CloudWatch event id, when the source has one. */
  readonly id?: string;
  readonly origin: Origin;
  /** Index of the acknowledgeable input this line belongs to. */
  readonly input: number;
  /** Attributes a source already parsed (S3 formats: VPC flow fields, ALB fields, …). */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

export type AttributeValue = string | number | boolean | readonly string[];
export type Attributes = Record<string, AttributeValue>;

export interface LogRecord {
  readonly type: 'log';
  timestamp: number;
  message: string;
  /**
   * Attributes of where the line came from (account, region, log group and stream, function,
   * bucket, key), OpenTelemetry semantic-convention names. One object shared by every record of
   * a batch: never mutate it (replace it). Destinations encode it once per batch.
   */
  resource: Readonly<Attributes>;
  /** Attributes of this line only (event id, request id, parsed fields, trace id as written). */
  attributes: Attributes;
  service?: string;
  source: string;
  /** Severity text as the runtime wrote it, upper-case (INFO, ERROR, …), when known. */
  level?: string;
  /** W3C form: 32 lowercase hex. */
  traceId?: string;
  /** 16 lowercase hex. */
  spanId?: string;
  /** Datadog-style `key:value` tags (from configuration). Shared by a batch: replace, never mutate. */
  tags: readonly string[];
  input: number;
  /**
   * The message parsed as a JSON object, when it is one: parsed once by the record builder and
   * shared by the stages. Never serialized by destinations.
   */
  json?: Record<string, unknown>;
}

export const METRIC_KINDS = ['gauge', 'count', 'distribution'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

export interface MetricPoint {
  readonly type: 'metric';
  name: string;
  value: number;
  /** Unit as UCUM-like text: 's', 'ms', 'MB', 'By', 'USD', '1', or the EMF unit. */
  unit: string;
  /** Milliseconds since the epoch (the log event's timestamp). */
  timestamp: number;
  kind: MetricKind;
  /** Shared by the points of one source line (a REPORT's points): replace, never mutate. */
  tags: Readonly<Record<string, string>>;
  /** EMF namespace, when the metric came from EMF. */
  namespace?: string;
  input: number;
}

/**
 * The metric points of one source line that share all but name, value and unit (a REPORT's
 * enhanced metrics): one item through the stages and delivery instead of one per point, so that
 * the per-item work (and the garbage) of a REPORT is paid once. Counted as its points
 * everywhere (accounting, batch limits). Destinations that take points one by one get them from
 * `pointsOf`. `names` and `units` are usually shared arrays: replace, never mutate.
 */
export interface MetricGroup {
  readonly type: 'metrics';
  readonly names: readonly string[];
  readonly values: readonly number[];
  readonly units: readonly string[];
  /** Milliseconds since the epoch, for every point. */
  timestamp: number;
  kind: MetricKind;
  /** Shared by the points (and usually by many groups): replace, never mutate. */
  tags: Readonly<Record<string, string>>;
  input: number;
}

/** The group's points, as MetricPoints. */
export function pointsOf(g: MetricGroup): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let i = 0; i < g.names.length; i++) {
    out.push({
      type: 'metric',
      name: g.names[i] as string,
      value: g.values[i] as number,
      unit: g.units[i] as string,
      timestamp: g.timestamp,
      kind: g.kind,
      tags: g.tags,
      input: g.input,
    });
  }
  return out;
}

/** How many points (or logs, or spans) an item stands for. */
export function countOf(t: Telemetry): number {
  return t.type === 'metrics' ? t.names.length : 1;
}

export interface Span {
  readonly type: 'span';
  /** 32 lowercase hex (W3C). */
  traceId: string;
  /** 16 lowercase hex. */
  spanId: string;
  /** 16 lowercase hex, absent for a root span. */
  parentId?: string;
  name: string;
  service: string;
  resource: string;
  /** Nanoseconds since the epoch, as a bigint: ns timestamps exceed 2^53. */
  startNs: bigint;
  durationNs: bigint;
  error: boolean;
  spanType?: string;
  attributes: Record<string, string>;
  metrics: Record<string, number>;
  input: number;
}

export type Telemetry = LogRecord | MetricPoint | MetricGroup | Span;

/** The `input` of items that belong to no acknowledgeable input (the forwarder's own metrics). */
export const NO_INPUT = -1;

export function signalOf(t: Telemetry): Signal {
  return t.type === 'log' ? 'logs' : t.type === 'span' ? 'traces' : 'metrics';
}

