/**
 * CloudWatch Embedded Metric Format → metric points. Pure; takes the message already parsed as
 * an object. The log line itself stays a log (the caller keeps it).
 *
 * Spec: CloudWatch "Specification: Embedded metric format"
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 *   {"_aws": {"Timestamp": <ms>, "CloudWatchMetrics": [MetricDirective…]}, <target members>…}
 *   MetricDirective = {Namespace: string, Dimensions: [[key…]…] (DimensionSets), Metrics:
 *     [{Name, Unit?, StorageResolution?}]}
 *   A metric target (root member named by Name) MUST be a number or an array of numbers; a
 *   dimension target MUST be a string; targets are root members, never nested.
 *   Unit is optional, a CloudWatch unit name (MetricDatum), default None.
 *
 * Output: for each directive, each metric, each value (an array gives one point per value): a
 * distribution point (EMF values are samples CloudWatch aggregates into statistics) named Name,
 * with the namespace kept on the point, the unit mapped to its short form (table below; other
 * unit text is kept as written), and as tags the union of the directive's dimension keys with
 * their root values (one point per value, not one per DimensionSet, so nothing is counted twice).
 *
 * Detection: `_aws` is an object with a `CloudWatchMetrics` member; anything else is `none`.
 * A candidate that breaks the spec (wrong types, missing targets) is `invalid` as a whole: the
 * caller counts it and keeps the line as a log. A missing `_aws.Timestamp` falls back to the
 * log event's timestamp; a present but non-numeric one is invalid. The spec's size limits
 * (100 metrics per directive, 100 values per array, dimension counts) are not enforced: they
 * are CloudWatch's limits, not ours.
 */
import type { MetricPoint } from '../forwarder/model.js';

export const EMF_REASONS = ['invalid_metadata', 'invalid_timestamp', 'invalid_directive', 'invalid_dimension', 'invalid_metric_value'] as const;
export type EmfReason = (typeof EMF_REASONS)[number];

export type EmfResult =
  | { readonly kind: 'emf'; readonly points: MetricPoint[] }
  | { readonly kind: 'invalid'; readonly reason: EmfReason }
  | { readonly kind: 'none' };

const NONE: EmfResult = Object.freeze({ kind: 'none' });

/** CloudWatch unit names (MetricDatum `Unit`) → UCUM-style short units. */
export const EMF_UNITS: Readonly<Record<string, string>> = Object.freeze({
  Seconds: 's',
  Microseconds: 'us',
  Milliseconds: 'ms',
  Bytes: 'By',
  Kilobytes: 'kBy',
  Megabytes: 'MBy',
  Gigabytes: 'GBy',
  Terabytes: 'TBy',
  Bits: 'bit',
  Kilobits: 'kbit',
  Megabits: 'Mbit',
  Gigabits: 'Gbit',
  Terabits: 'Tbit',
  Percent: '%',
  Count: '1',
  'Bytes/Second': 'By/s',
  'Kilobytes/Second': 'kBy/s',
  'Megabytes/Second': 'MBy/s',
  'Gigabytes/Second': 'GBy/s',
  'Terabytes/Second': 'TBy/s',
  'Bits/Second': 'bit/s',
  'Kilobits/Second': 'kbit/s',
  'Megabits/Second': 'Mbit/s',
  'Gigabits/Second': 'Gbit/s',
  'Terabits/Second': 'Tbit/s',
  'Count/Second': '1/s',
  None: '1',
});

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function invalid(reason: EmfReason): EmfResult {
  return { kind: 'invalid', reason };
}

/** `fallbackTimestamp`: the log event's timestamp (ms), used when `_aws.Timestamp` is absent. */
export function parseEmf(json: Readonly<Record<string, unknown>>, fallbackTimestamp: number, input: number): EmfResult {
  const meta = json['_aws'];
  if (meta === undefined) return NONE;
  const aws = obj(meta);
  if (aws === undefined || !('CloudWatchMetrics' in aws)) return NONE;
  const directives = aws['CloudWatchMetrics'];
  if (!Array.isArray(directives)) return invalid('invalid_metadata');
  const ts = aws['Timestamp'];
  if (ts !== undefined && (typeof ts !== 'number' || !Number.isFinite(ts) || ts < 0)) return invalid('invalid_timestamp');
  const timestamp = typeof ts === 'number' ? ts : fallbackTimestamp;

  const points: MetricPoint[] = [];
  for (const d of directives) {
    const directive = obj(d);
    const namespace = directive?.['Namespace'];
    const dimensionSets = directive?.['Dimensions'];
    const metrics = directive?.['Metrics'];
    if (typeof namespace !== 'string' || !Array.isArray(dimensionSets) || !Array.isArray(metrics)) {
      return invalid('invalid_directive');
    }
    const tags: Record<string, string> = {};
    for (const set of dimensionSets) {
      if (!Array.isArray(set)) return invalid('invalid_directive');
      for (const key of set) {
        if (typeof key !== 'string') return invalid('invalid_directive');
        const value = json[key];
        if (typeof value !== 'string') return invalid('invalid_dimension');
        tags[key] = value;
      }
    }
    for (const m of metrics) {
      const def = obj(m);
      const name = def?.['Name'];
      const unitName = def?.['Unit'];
      if (typeof name !== 'string' || name === '' || (unitName !== undefined && typeof unitName !== 'string')) {
        return invalid('invalid_directive');
      }
      const unit = unitName === undefined ? '1' : (EMF_UNITS[unitName] ?? unitName);
      const target = json[name];
      const values = Array.isArray(target) ? target : [target];
      for (const value of values) {
        if (typeof value !== 'number' || !Number.isFinite(value)) return invalid('invalid_metric_value');
        points.push({ type: 'metric', name, value, unit, timestamp, kind: 'distribution', tags: { ...tags }, namespace, input });
      }
    }
  }
  return { kind: 'emf', points };
}
