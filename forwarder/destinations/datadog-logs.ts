/**
 * Datadog logs intake, HTTP v2 (https://docs.datadoghq.com/api/latest/logs/send-logs/):
 * POST a JSON array of items {message, ddsource, ddtags, hostname, service, …attributes},
 * `DD-API-KEY`, gzip. Limits (same page): 1,000 items and 5 MB uncompressed per request,
 * 1 MB per log; a larger log is truncated here, visibly, rather than by the intake.
 * Responses: 202 accepted; 408, 429, 500, 503 retried ("after some time"), so are other 5xx;
 * 413 split; 400 refused as bad input; 401/403 refused (a key problem: stored or redelivered).
 *
 * Speed: the part of an item that depends only on the record's resource and tags (resource
 * attributes, ddsource, ddtags, service, hostname) is serialized once per resource object and
 * reused; each record adds only its message, timestamp, status and own attributes.
 */
import { ATTR } from '../attributes.js';
import { spanIdToDatadogDecimal } from '../../parsers/trace-ids.js';
import type { Attributes, LogRecord, Telemetry } from '../model.js';
import type { HttpAnswer } from '../delivery/http.js';
import { parseRetryAfter } from '../delivery/http.js';
import type { Encoded, SendResult, SignalEncoder } from './destination.js';
import { jsonString } from './json-text.js';

export const DATADOG_LOG_LIMITS = {
  maxItems: 1_000,
  maxBytes: 5_000_000,
  maxItemBytes: 1_000_000,
} as const;

export const TRUNCATION_MARKER = '...TRUNCATED...';

export interface DatadogLogOptions {
  /** Tags on every log (forwarder name and version). */
  readonly tags: readonly string[];
  /**
   * W3C trace id (and the id as the line wrote it) → Datadog's decimal trace id, so the
   * backend joins logs to traces (the trace-id parsers: X-Ray ids map as the tracers do).
   */
  readonly toDatadogId?: (traceId: string, original: string | undefined) => string | undefined;
}

/** Status the Datadog status remapper reads (BACKENDS.md §1 [DD-STATUS]). */
const STATUS: Record<string, string> = {
  TRACE: 'debug',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warning',
  ERROR: 'error',
  FATAL: 'critical',
};

function hostnameOf(a: Readonly<Attributes>): string | undefined {
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
  const fn = r.resource[ATTR.faasName];
  if (typeof fn === 'string') tags.push(`functionname:${fn.toLowerCase()}`);
  const region = r.resource[ATTR.cloudRegion];
  if (typeof region === 'string') tags.push(`region:${region}`);
  const account = r.resource[ATTR.cloudAccountId];
  if (typeof account === 'string') tags.push(`aws_account:${account}`);
  return tags.join(',');
}

/** The keys of an item that do not change from record to record of one resource. */
function sharedFields(r: LogRecord, o: DatadogLogOptions): Record<string, unknown> {
  const shared: Record<string, unknown> = { ...r.resource };
  shared['ddsource'] = r.source;
  shared['ddtags'] = ddtags(r, o.tags);
  shared['service'] = r.service ?? r.source;
  const host = hostnameOf(r.resource);
  if (host !== undefined) shared['hostname'] = host;
  return shared;
}

/**
 * An epoch-ms timestamp as JSON text, the same as String(ms). Today's ms values are not small
 * integers for V8, and printing one as a double is several times slower than printing its
 * seconds and its milliseconds, which are.
 */
export function msText(ms: number): string {
  if (!Number.isInteger(ms) || ms < 1000 || ms >= 2_147_483_647_000) return String(ms);
  const seconds = Math.floor(ms / 1000);
  const rest = ms - seconds * 1000;
  return `${seconds}${rest < 10 ? '00' : rest < 100 ? '0' : ''}${rest}`;
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

/** The serialized shared fields of one resource, for the tags, source and service they were made with. */
interface SharedEntry {
  readonly resource: object;
  readonly tags: readonly string[];
  readonly source: string;
  readonly service: string | undefined;
  /** `,<shared fields>}`: what ends every item of the resource, as text and as UTF-8. */
  readonly tail: string;
  readonly tailBytes: Buffer;
}

/** An attribute name as JSON (`,"name":`), and the JSON of the last string value seen under it. */
interface FieldText {
  readonly prefix: string;
  last: string;
  json: string;
}

export function createDatadogLogEncoder(o: DatadogLogOptions): SignalEncoder<string> {
  const maxItemBytes = DATADOG_LOG_LIMITS.maxItemBytes;
  // resource object → its serialized shared fields (without braces), for the tags it was made with.
  const shared = new WeakMap<object, SharedEntry>();
  // The records of a batch come one after another with the same resource: the last hit first.
  let last: SharedEntry | undefined;
  const sharedOf = (r: LogRecord): SharedEntry => {
    const hit = last !== undefined && last.resource === r.resource ? last : shared.get(r.resource);
    if (hit !== undefined && hit.tags === r.tags && hit.source === r.source && hit.service === r.service) {
      last = hit;
      return hit;
    }
    const tail = `,${JSON.stringify(sharedFields(r, o)).slice(1, -1)}}`;
    const entry: SharedEntry = { resource: r.resource, tags: r.tags, source: r.source, service: r.service, tail, tailBytes: Buffer.from(tail) };
    shared.set(r.resource, entry);
    last = entry;
    return entry;
  };
  // Attribute names repeat from line to line: their JSON is made once. So is the JSON of a
  // string value the line before had under the same name (a request id repeats for a whole
  // invocation).
  const fields = new Map<string, FieldText>();
  // Built by hand rather than through an object and JSON.stringify: the same bytes, fewer
  // allocations on the hottest path of the forwarder. The item without its shared tail.
  const itemHead = (r: LogRecord, message: string): string => {
    let json = `{"message":${jsonString(message)},"timestamp":${msText(r.timestamp)}`;
    if (r.level !== undefined) json += `,"status":${jsonString(STATUS[r.level] ?? r.level.toLowerCase())}`;
    for (const key in r.attributes) {
      if (key === 'message' || key === 'timestamp' || key === 'status') continue;
      let f = fields.get(key);
      if (f === undefined) {
        f = { prefix: `,${JSON.stringify(key)}:`, last: '', json: '""' };
        fields.set(key, f);
      }
      const value = r.attributes[key];
      if (typeof value !== 'string') json += f.prefix + JSON.stringify(value);
      else {
        if (value !== f.last) {
          f.last = value;
          f.json = jsonString(value);
        }
        json += f.prefix + f.json;
      }
    }
    if (r.traceId !== undefined && o.toDatadogId !== undefined) {
      // The trace remapper joins logs on dd.trace_id in decimal (BACKENDS.md §4).
      const original = r.attributes[ATTR.traceIdOriginal];
      const id = o.toDatadogId(r.traceId, typeof original === 'string' ? original : undefined);
      if (id !== undefined) {
        json += `,"dd.trace_id":"${id}"`;
        const span = r.spanId === undefined ? undefined : spanIdToDatadogDecimal(r.spanId);
        if (span !== undefined) json += `,"dd.span_id":"${span}"`;
      }
    }
    return json;
  };
  const itemJson = (r: LogRecord, message: string): string => itemHead(r, message) + sharedOf(r).tail;
  return {
    limits: DATADOG_LOG_LIMITS,
    framingBytes: 2,
    separatorBytes: 1,
    framing: { head: '[', separator: ',', tail: ']' },
    encode(t: Telemetry): Encoded<string> {
      if (t.type !== 'log') return { ok: false, reason: 'not_a_log' };
      const head = itemHead(t, t.message);
      const tail = sharedOf(t);
      let json = head + tail.tail;
      // UTF-8 takes at most 3 bytes per UTF-16 unit: most items are surely within the limit,
      // and delivery counts their bytes as it writes them (the shared tail already encoded).
      if (json.length * 3 <= maxItemBytes) return { ok: true, value: json, split: { text: head, tail: tail.tailBytes } };
      let bytes = Buffer.byteLength(json);
      if (bytes <= maxItemBytes) return { ok: true, value: json, bytes };
      // JSON escaping grows a message unevenly (a quote or tab takes 2 bytes, a control character
      // 6), so the room left for the message is counted in escaped bytes and turned into a cut of
      // the raw text at the message's average growth; a cut that still does not fit shrinks by
      // how much it missed. (A fixed margin lost everything in escape-heavy lines.)
      const rawBytes = Buffer.byteLength(t.message);
      const escapedBytes = Buffer.byteLength(JSON.stringify(t.message)) - 2;
      const extra = Buffer.byteLength(`,"${ATTR.truncated}":true`) + Buffer.byteLength(TRUNCATION_MARKER);
      const room = maxItemBytes - (bytes - escapedBytes) - extra;
      let budget = Math.max(0, Math.floor((room * rawBytes) / Math.max(1, escapedBytes)));
      const truncated: LogRecord = { ...t, attributes: { ...t.attributes, [ATTR.truncated]: true } };
      for (let i = 0; i < 8 && bytes > maxItemBytes; i++) {
        json = itemJson(truncated, truncateUtf8(t.message, budget) + TRUNCATION_MARKER);
        bytes = Buffer.byteLength(json);
        const used = bytes - (maxItemBytes - room);
        if (bytes > maxItemBytes) budget = Math.floor(budget * Math.min(0.95, room / Math.max(1, used)));
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
