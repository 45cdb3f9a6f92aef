/**
 * Datadog logs intake, HTTP v2 (https://docs.datadoghq.com/api/latest/logs/send-logs/):
 * POST a JSON array of items {message, ddsource, ddtags, hostname, service, …attributes},
 * `DD-API-KEY`, gzip. Limits (same page): 1,000 items and 5 MB uncompressed per request,
 * 1 MB per log; a larger log is truncated here, visibly, rather than by the intake.
 * Responses: 202 accepted; 408, 429, 500, 503 retried ("after some time"), so are other 5xx;
 * 413 split; 400 refused as bad input; 401/403 refused (a key problem: stored or redelivered).
 */
import { ATTR } from '../attributes.js';
import type { LogRecord, Telemetry } from '../model.js';
import type { HttpAnswer } from '../delivery/http.js';
import { parseRetryAfter } from '../delivery/http.js';
import type { Encoded, SendResult, SignalEncoder } from './destination.js';

export const DATADOG_LOG_LIMITS = {
  maxItems: 1_000,
  maxBytes: 5_000_000,
  maxItemBytes: 1_000_000,
} as const;

export const TRUNCATION_MARKER = '...TRUNCATED...';

export interface DatadogLogOptions {
  /** Tags on every log (forwarder name and version, DD_TAGS). */
  readonly tags: readonly string[];
  /** W3C trace id → Datadog decimal trace id (low 64 bits); from the trace-id parsers. */
  readonly toDatadogId?: (hex: string) => string;
  readonly maxItemBytes?: number;
}

/** Syslog-ish status the Datadog status remapper reads (BACKENDS.md §1 [DD-STATUS]). */
const STATUS: Record<string, string> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warning',
  ERROR: 'error',
  FATAL: 'critical',
};

function hostnameOf(r: LogRecord): string | undefined {
  const a = r.attributes;
  const fn = a[ATTR.faasName];
  const region = a[ATTR.cloudRegion];
  const account = a[ATTR.cloudAccountId];
  if (typeof fn === 'string' && typeof region === 'string' && typeof account === 'string') {
    return `arn:aws:lambda:${region}:${account}:function:${fn}`;
  }
  const group = a[ATTR.logGroup] ?? a[ATTR.s3Bucket];
  return typeof group === 'string' ? group : undefined;
}

function ddtags(r: LogRecord, base: readonly string[]): string {
  const tags = [...base, ...r.tags];
  const fn = r.attributes[ATTR.faasName];
  if (typeof fn === 'string') tags.push(`functionname:${fn.toLowerCase()}`);
  const region = r.attributes[ATTR.cloudRegion];
  if (typeof region === 'string') tags.push(`region:${region}`);
  const account = r.attributes[ATTR.cloudAccountId];
  if (typeof account === 'string') tags.push(`aws_account:${account}`);
  return tags.join(',');
}

/** The intake item for a record, without size handling. */
export function datadogLogItem(r: LogRecord, o: DatadogLogOptions): Record<string, unknown> {
  const item: Record<string, unknown> = { ...r.attributes };
  item['message'] = r.message;
  item['ddsource'] = r.source;
  item['ddtags'] = ddtags(r, o.tags);
  item['service'] = r.service ?? r.source;
  const host = hostnameOf(r);
  if (host !== undefined) item['hostname'] = host;
  // Epoch milliseconds is a format the date remapper reads (BACKENDS.md §1 [DD-DATE]).
  item['timestamp'] = r.timestamp;
  if (r.level !== undefined) item['status'] = STATUS[r.level] ?? r.level.toLowerCase();
  if (r.traceId !== undefined && o.toDatadogId !== undefined) {
    // The trace remapper joins logs on dd.trace_id in decimal (BACKENDS.md §4).
    item['dd.trace_id'] = o.toDatadogId(r.traceId);
    if (r.spanId !== undefined) item['dd.span_id'] = BigInt(`0x${r.spanId}`).toString();
  }
  return item;
}

/** Cuts `s` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= maxBytes) return s;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

export function createDatadogLogEncoder(o: DatadogLogOptions): SignalEncoder<string> {
  const maxItemBytes = o.maxItemBytes ?? DATADOG_LOG_LIMITS.maxItemBytes;
  return {
    limits: DATADOG_LOG_LIMITS,
    framingBytes: 2,
    separatorBytes: 1,
    encode(t: Telemetry): Encoded<string> {
      if (t.type !== 'log') return { ok: false, reason: 'not_a_log' };
      const item = datadogLogItem(t, o);
      let json = JSON.stringify(item);
      let bytes = Buffer.byteLength(json);
      if (bytes <= maxItemBytes) return { ok: true, value: json, bytes };
      const overhead = bytes - Buffer.byteLength(t.message);
      // JSON escaping can grow a message up to 6x (\u00XX); cut with that margin, then check.
      let budget = maxItemBytes - overhead - Buffer.byteLength(TRUNCATION_MARKER) - 64;
      for (let i = 0; i < 4 && bytes > maxItemBytes; i++) {
        item['message'] = truncateUtf8(t.message, Math.max(0, budget)) + TRUNCATION_MARKER;
        item[ATTR.truncated] = true;
        json = JSON.stringify(item);
        bytes = Buffer.byteLength(json);
        budget = Math.floor(budget / 2);
      }
      if (bytes > maxItemBytes) return { ok: false, reason: 'oversized_attributes' };
      return { ok: true, value: json, bytes, truncated: true };
    },
    assemble(values: readonly string[]): string {
      return `[${values.join(',')}]`;
    },
  };
}

/** Classifies an intake answer (pure). */
export function classifyDatadogAnswer(a: Pick<HttpAnswer, 'status' | 'headers'>, now = Date.now()): SendResult {
  const { status } = a;
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const retryAfterMs = parseRetryAfter(a.headers.get('retry-after'), now);
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: 'retry', status, reason: `HTTP ${status}`, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  if (status === 413) return { kind: 'split', status, reason: 'HTTP 413: payload too large' };
  if (status === 400) return { kind: 'reject', status, badInput: true, reason: 'HTTP 400: the intake refused the payload' };
  if (status === 401 || status === 403) {
    return { kind: 'reject', status, badInput: false, reason: `HTTP ${status}: the intake refused the API key` };
  }
  return { kind: 'reject', status, badInput: false, reason: `HTTP ${status}` };
}
