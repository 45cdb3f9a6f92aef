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
import type { MetricPoint } from '../forwarder/model.js';
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

/** `aws.lambda.enhanced.<metric>`, the very string the points carry. */
export const enhancedMetricName = (metric: EnhancedMetric): string => FULL_NAME[metric];

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

/**
 * The enhanced metric points of one REPORT. Every point shares one frozen tags object (tags are
 * replaced, never mutated, downstream, and destinations serialize a shared object once); a caller
 * that sees many REPORTs passes the same object for equal tags (`tags`), so that work is done
 * once per function rather than once per REPORT.
 */
export function reportMetrics(
  report: ReportLine,
  ctx: EnhancedContext,
  prices: PriceTable,
  shared: Readonly<Record<string, string>> = Object.freeze(reportTags(report, ctx)),
): MetricPoint[] {
  const m = report.metrics;
  const out: MetricPoint[] = [point('invocations', 1, '1', shared, ctx)];
  if (m.durationMs !== undefined) out.push(point('duration', seconds(m.durationMs), 's', shared, ctx));
  if (m.billedDurationMs !== undefined) out.push(point('billed_duration', seconds(m.billedDurationMs), 's', shared, ctx));
  if (m.initDurationMs !== undefined) out.push(point('init_duration', seconds(m.initDurationMs), 's', shared, ctx));
  if (m.restoreDurationMs !== undefined) out.push(point('restore_duration', seconds(m.restoreDurationMs), 's', shared, ctx));
  if (m.maxMemoryUsedMB !== undefined) out.push(point('max_memory_used', m.maxMemoryUsedMB, 'MB', shared, ctx));
  if (m.memorySizeMB !== undefined) out.push(point('memorysize', m.memorySizeMB, 'MB', shared, ctx));
  if (m.billedDurationMs !== undefined && m.memorySizeMB !== undefined) {
    const usage = {
      billedDurationMs: m.billedDurationMs,
      memorySizeMB: m.memorySizeMB,
      ...(m.billedRestoreDurationMs !== undefined && { billedRestoreDurationMs: m.billedRestoreDurationMs }),
    };
    const cost = estimateCost(usage, ctx.architecture, ratesFor(prices, ctx.region));
    out.push(point('estimated_cost', cost, 'USD', shared, ctx));
  }
  if (report.status !== undefined && ERROR_STATUSES.has(report.status)) out.push(point('errors', 1, '1', shared, ctx));
  if (report.status === 'timeout') out.push(point('timeouts', 1, '1', shared, ctx));
  if (report.errorType === OOM_ERROR_TYPE) out.push(point('out_of_memory', 1, '1', shared, ctx));
  return out;
}

/**
 * One `timeouts` or `out_of_memory` point from a runtime line (`Task timed out after…`, an OOM
 * message) when no REPORT of the same invocation already counted it (the caller decides).
 * Memory size and cold start are unknown on such lines, so those tags are absent.
 */
export function eventMetric(name: 'timeouts' | 'out_of_memory', ctx: EnhancedContext): MetricPoint {
  return point(name, 1, '1', enhancedTags(ctx), ctx);
}
