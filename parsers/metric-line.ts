/**
 * Datadog metric lines, as the Datadog Lambda libraries write them to stdout with
 * DD_FLUSH_TO_LOG (datadog-lambda-python `metric.py` `write_metric_point_to_stdout`):
 *   {"m": "orders.created", "v": 1, "e": 1704067200.19, "t": ["env:prod", …]}
 * m = name, v = value, e = epoch SECONDS (may be fractional), t = `k:v` tags.
 * → one distribution point (the libraries submit these through `lambda_metric`, a distribution).
 * Pure; takes the message already parsed as an object.
 *
 * Which objects count as candidates: every key is one of m, v, e, t, with `m` and at least one
 * of `v`/`e` present. (The Datadog Forwarder requires all four and drops the rest silently into
 * the logs; we also report near-misses, so a broken writer is visible.) A candidate that is
 * malformed is `invalid` with a reason; the caller keeps it as a log and counts it.
 * Tags: `k:v` split at the first `:`; a tag without `:` becomes a key with an empty value;
 * a repeated key keeps its last value. The unit is unknown (empty string).
 */
import type { MetricPoint } from '../forwarder/model.js';

export const METRIC_LINE_REASONS = ['invalid_name', 'missing_value', 'invalid_value', 'invalid_timestamp', 'invalid_tags'] as const;
export type MetricLineReason = (typeof METRIC_LINE_REASONS)[number];

export type MetricLineResult =
  | { readonly kind: 'metric'; readonly point: MetricPoint }
  | { readonly kind: 'invalid'; readonly reason: MetricLineReason }
  | { readonly kind: 'none' };

const NONE: MetricLineResult = Object.freeze({ kind: 'none' });
const KEYS = new Set(['m', 'v', 'e', 't']);

// Epoch seconds beyond this (year 5138) are milliseconds written by mistake.
const MAX_EPOCH_SECONDS = 1e11;

function isCandidate(json: Readonly<Record<string, unknown>>): boolean {
  if (!('m' in json) || !('v' in json || 'e' in json)) return false;
  for (const key in json) if (!KEYS.has(key)) return false;
  return true;
}

/** `k:v` strings → a tag map (split at the first `:`). */
export function parseTagList(tags: readonly string[], into: Record<string, string> = {}): Record<string, string> {
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    if (colon < 0) into[tag] = '';
    else into[tag.slice(0, colon)] = tag.slice(colon + 1);
  }
  return into;
}

export function parseMetricLine(json: Readonly<Record<string, unknown>>, input: number): MetricLineResult {
  if (!isCandidate(json)) return NONE;
  const name = json['m'];
  if (typeof name !== 'string' || name === '') return { kind: 'invalid', reason: 'invalid_name' };
  if (!('v' in json)) return { kind: 'invalid', reason: 'missing_value' };
  const value = json['v'];
  if (typeof value !== 'number' || !Number.isFinite(value)) return { kind: 'invalid', reason: 'invalid_value' };
  const epoch = json['e'];
  if (typeof epoch !== 'number' || !Number.isFinite(epoch) || epoch <= 0 || epoch >= MAX_EPOCH_SECONDS) {
    return { kind: 'invalid', reason: 'invalid_timestamp' };
  }
  const rawTags = json['t'];
  let tags: Record<string, string> = {};
  if (rawTags !== undefined) {
    if (!Array.isArray(rawTags) || !rawTags.every((t) => typeof t === 'string')) return { kind: 'invalid', reason: 'invalid_tags' };
    tags = parseTagList(rawTags as string[]);
  }
  return {
    kind: 'metric',
    point: {
      type: 'metric',
      name,
      value,
      unit: '',
      timestamp: Math.round(epoch * 1000),
      kind: 'distribution',
      tags,
      input,
    },
  };
}
