/**
 * A parsed REPORT (text or JSON) plus the invocation's context → `aws.lambda.enhanced.*` metric
 * points, the names the Datadog Forwarder and Datadog's Lambda libraries use
 * (`enhanced_lambda_metrics.py`). Pure.
 *
 * Per REPORT: invocations = 1; duration, billed_duration, init_duration, restore_duration in
 * seconds (REPORT gives ms); max_memory_used and memorysize in MB; estimated_cost in USD (only
 * when both billed duration and memory size are present); and, when the REPORT says so,
 * errors / timeouts / out_of_memory = 1.
 *
 * `errors` counts a REPORT whose status is `error`, `failure` or `timeout`: Lambda's own
 * `Errors` metric counts timeouts as function errors ("the runtime returns errors for issues
 * such as timeouts", Lambda "Types of metrics for Lambda functions"). A text REPORT with no
 * `Status` is a success; an exception the runtime reported without a status is not visible here.
 * Zeros are not emitted: these are event counts, summed by the backend (like the Forwarder's).
 *
 * Kind: distribution for every point (BACKENDS.md §2): durations, memory and cost need
 * percentiles and correct aggregation across concurrently running forwarders, and the Datadog
 * Forwarder sends every enhanced metric, counts included, as a distribution; a sum over a
 * distribution of 1s is the count.
 *
 * Tags: functionname, region, aws_account (the log's owner account), memorysize, cold_start
 * (`true` when an init or restore duration is present), runtime (when known), architecture; over
 * the context's `baseTags` (the log's own tags), which they win against.
 * Timestamp: the log event's (ms); destinations convert to their unit.
 */
import { type Architecture, estimateCost, type PriceTable, ratesFor } from './lambda-cost.js';
import { type MetricGroup, type MetricPoint, pointsOf } from '../forwarder/model.js';
import { OOM_ERROR_TYPE, type ReportLine } from './report.js';

export const ENHANCED_PREFIX = 'aws.lambda.enhanced.';

export const ENHANCED_METRICS = [
  'invocations',
  'duration',
  'billed_duration',
  'init_duration',
  'restore_duration',
  'max_memory_used',
  'memorysize',
  'estimated_cost',
  'errors',
  'timeouts',
  'out_of_memory',
] as const;
export type EnhancedMetric = (typeof ENHANCED_METRICS)[number];

/** Statuses of a failed invocation (Telemetry API `platform.report` status values, text `Status:`). */
const ERROR_STATUSES = new Set(['error', 'failure', 'timeout']);

export interface EnhancedContext {
  readonly functionName?: string;
  readonly region?: string;
  readonly account?: string;
  readonly architecture: Architecture;
  readonly runtime?: string;
  /** The log event's timestamp, ms since the epoch. */
  readonly timestamp: number;
  /** The acknowledgeable input the REPORT came from. */
  readonly input: number;
  /** Tags every point carries under the enhanced ones (the log's own `k:v` tags), if any. */
  readonly baseTags?: Readonly<Record<string, string>>;
}

/** The tags every enhanced point of this context carries (before REPORT-specific ones). */
export function enhancedTags(ctx: EnhancedContext): Record<string, string> {
  const tags: Record<string, string> = ctx.baseTags === undefined ? {} : Object.assign({}, ctx.baseTags);
  if (ctx.functionName !== undefined) tags['functionname'] = ctx.functionName;
  if (ctx.region !== undefined) tags['region'] = ctx.region;
  if (ctx.account !== undefined) tags['aws_account'] = ctx.account;
  if (ctx.runtime !== undefined) tags['runtime'] = ctx.runtime;
  tags['architecture'] = ctx.architecture;
  return tags;
}

/** Full names, made once: a name built per point would be a new string to hash downstream. */
const FULL_NAME = Object.fromEntries(ENHANCED_METRICS.map((m) => [m, ENHANCED_PREFIX + m])) as Record<EnhancedMetric, string>;

function point(name: EnhancedMetric, value: number, unit: string, tags: Readonly<Record<string, string>>, ctx: EnhancedContext): MetricPoint {
  return {
    type: 'metric',
    name: FULL_NAME[name],
    value,
    unit,
    timestamp: ctx.timestamp,
    kind: 'distribution',
    tags,
    input: ctx.input,
  };
}

/** ms → s via whole nanoseconds, so 4.1 ms gives 0.0041 s and not 0.0040999999999999995. */
function seconds(ms: number): number {
  return Math.round(ms * 1e6) / 1e9;
}

/** Whether the REPORT's invocation started a new execution environment (init or restore). */
export function isColdStart(report: ReportLine): boolean {
  return report.metrics.initDurationMs !== undefined || report.metrics.restoreDurationMs !== undefined;
}

/** The tags of one REPORT's points: the context's, then memorysize and cold_start. */
export function reportTags(report: ReportLine, ctx: EnhancedContext): Record<string, string> {
  const tags = enhancedTags(ctx);
  if (report.metrics.memorySizeMB !== undefined) tags['memorysize'] = String(report.metrics.memorySizeMB);
  tags['cold_start'] = isColdStart(report) ? 'true' : 'false';
  return tags;
}

const UNIT: Record<EnhancedMetric, string> = {
  invocations: '1',
  duration: 's',
  billed_duration: 's',
  init_duration: 's',
  restore_duration: 's',
  max_memory_used: 'MB',
  memorysize: 'MB',
  estimated_cost: 'USD',
  errors: '1',
  timeouts: '1',
  out_of_memory: '1',
};

/**
 * Names and units of each set of metrics a REPORT gives, by which are present (bit i =
 * ENHANCED_METRICS[i]): made once, shared by every group of that shape.
 */
const SHAPES = new Map<number, { readonly names: readonly string[]; readonly units: readonly string[] }>();

function shapeOf(mask: number): { readonly names: readonly string[]; readonly units: readonly string[] } {
  let shape = SHAPES.get(mask);
  if (shape === undefined) {
    const present = ENHANCED_METRICS.filter((_, i) => (mask & (1 << i)) !== 0);
    shape = { names: Object.freeze(present.map((m) => FULL_NAME[m])), units: Object.freeze(present.map((m) => UNIT[m])) };
    SHAPES.set(mask, shape);
  }
  return shape;
}

const BIT = Object.fromEntries(ENHANCED_METRICS.map((m, i) => [m, 1 << i])) as Record<EnhancedMetric, number>;

/** Adds a metric's value; returns the mask with the metric's bit (a function, not a closure per call). */
function put(values: number[], mask: number, metric: EnhancedMetric, value: number): number {
  values.push(value);
  return mask | BIT[metric];
}

/**
 * The enhanced metrics of one REPORT, as one group of points. Every point shares one frozen tags
 * object (tags are replaced, never mutated, downstream, and destinations serialize a shared
 * object once); a caller that sees many REPORTs passes the same object for equal tags (`shared`),
 * so that work is done once per function rather than once per REPORT. `count` decides whether
 * `timeouts` / `out_of_memory` are counted (the caller counts each once per invocation).
 */
export function reportMetricGroup(
  report: ReportLine,
  ctx: EnhancedContext,
  prices: PriceTable,
  shared: Readonly<Record<string, string>> = Object.freeze(reportTags(report, ctx)),
  count?: (metric: 'timeouts' | 'out_of_memory') => boolean,
): MetricGroup {
  const m = report.metrics;
  // Pushed in ENHANCED_METRICS order, so that the shape's names line up with the values.
  const values: number[] = [1];
  let mask = BIT.invocations;
  if (m.durationMs !== undefined) mask = put(values, mask, 'duration', seconds(m.durationMs));
  if (m.billedDurationMs !== undefined) mask = put(values, mask, 'billed_duration', seconds(m.billedDurationMs));
  if (m.initDurationMs !== undefined) mask = put(values, mask, 'init_duration', seconds(m.initDurationMs));
  if (m.restoreDurationMs !== undefined) mask = put(values, mask, 'restore_duration', seconds(m.restoreDurationMs));
  if (m.maxMemoryUsedMB !== undefined) mask = put(values, mask, 'max_memory_used', m.maxMemoryUsedMB);
  if (m.memorySizeMB !== undefined) mask = put(values, mask, 'memorysize', m.memorySizeMB);
  if (m.billedDurationMs !== undefined && m.memorySizeMB !== undefined) {
    const usage = {
      billedDurationMs: m.billedDurationMs,
      memorySizeMB: m.memorySizeMB,
      ...(m.billedRestoreDurationMs !== undefined && { billedRestoreDurationMs: m.billedRestoreDurationMs }),
    };
    mask = put(values, mask, 'estimated_cost', estimateCost(usage, ctx.architecture, ratesFor(prices, ctx.region)));
  }
  if (report.status !== undefined && ERROR_STATUSES.has(report.status)) mask = put(values, mask, 'errors', 1);
  if (report.status === 'timeout' && (count === undefined || count('timeouts'))) mask = put(values, mask, 'timeouts', 1);
  if (report.errorType === OOM_ERROR_TYPE && (count === undefined || count('out_of_memory'))) mask = put(values, mask, 'out_of_memory', 1);
  const { names, units } = shapeOf(mask);
  return { type: 'metrics', names, values, units, timestamp: ctx.timestamp, kind: 'distribution', tags: shared, input: ctx.input };
}

/** The enhanced metric points of one REPORT (reportMetricGroup's points). */
export function reportMetrics(
  report: ReportLine,
  ctx: EnhancedContext,
  prices: PriceTable,
  shared: Readonly<Record<string, string>> = Object.freeze(reportTags(report, ctx)),
): MetricPoint[] {
  return pointsOf(reportMetricGroup(report, ctx, prices, shared));
}

/**
 * One `timeouts` or `out_of_memory` point from a runtime line (`Task timed out after…`, an OOM
 * message) when no REPORT of the same invocation already counted it (the caller decides).
 * Memory size and cold start are unknown on such lines, so those tags are absent.
 */
export function eventMetric(name: 'timeouts' | 'out_of_memory', ctx: EnhancedContext): MetricPoint {
  return point(name, 1, '1', enhancedTags(ctx), ctx);
}
