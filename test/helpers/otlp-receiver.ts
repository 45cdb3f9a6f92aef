/**
 * A real OTLP/HTTP receiver for tests: node:http on 127.0.0.1, port 0, paths /v1/logs,
 * /v1/metrics and /v1/traces (BACKENDS.md §5).
 *
 * Every request is checked and decoded independently of the forwarder's writer, with the
 * OpenTelemetry protobuf definitions (protobufjs code generated from opentelemetry-proto, shipped
 * by @opentelemetry/otlp-transformer 0.213.0 as `otlp-proto/build/src/generated/root.js`):
 *  - POST; Content-Type application/x-protobuf or application/json; Content-Encoding absent or
 *    gzip (a gzip body without the header is a violation, as is an unknown encoding);
 *  - protobuf: decoded with Export*ServiceRequest, then re-encoded: a length that differs means
 *    the body held fields the definitions do not know (a wrong field number or wire type);
 *  - JSON (OTLP/JSON rules): every object key lowerCamelCase; enums (severityNumber, kind, code,
 *    aggregationTemporality) integers; 64-bit integers decimal strings; trace/span ids hex of the
 *    right length. Then decoded with fromObject, and every key written must survive decoding
 *    (a misspelt key would be silently dropped by a real receiver).
 * A request that breaks a rule gets a 400 and the rule is recorded in `violations`.
 *
 * Decoded requests are plain objects: ids as lowercase hex, 64-bit integers as decimal strings,
 * enums as numbers. Faults come from a plan (per request): a status (429 with Retry-After, 503,
 * 400, 413 …) or a partial success (200 with `partial_success`), in the request's format.
 * Every answer is written in one write (TOOLCHAIN.md, "HTTP test servers").
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { Signal } from '../../forwarder/model.js';
import { startLoopbackServer } from './loopback-server.js';

/** The subset of a protobufjs generated message class these tests use. */
interface MessageType {
  decode(bytes: Uint8Array): object;
  encode(message: object): { finish(): Uint8Array };
  fromObject(object: Record<string, unknown>): object;
  toObject(message: object, options: Record<string, unknown>): Record<string, unknown>;
}

interface CollectorNs {
  [name: string]: MessageType;
}

// root.js is generated CommonJS whose .d.ts declares only `$protobuf.Root`: typed here by hand.
const require = createRequire(import.meta.url);
const root = require('otlp-proto/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { logs: { v1: CollectorNs }; metrics: { v1: CollectorNs }; trace: { v1: CollectorNs } } } };
};
const collector = root.opentelemetry.proto.collector;

export const OTLP_PATHS: Readonly<Record<Signal, string>> = Object.freeze({ logs: '/v1/logs', metrics: '/v1/metrics', traces: '/v1/traces' });

const TYPES: Readonly<Record<Signal, { request: MessageType; response: MessageType; partial: MessageType; rejectedField: string }>> = {
  logs: {
    request: collector.logs.v1['ExportLogsServiceRequest'] as MessageType,
    response: collector.logs.v1['ExportLogsServiceResponse'] as MessageType,
    partial: collector.logs.v1['ExportLogsPartialSuccess'] as MessageType,
    rejectedField: 'rejectedLogRecords',
  },
  metrics: {
    request: collector.metrics.v1['ExportMetricsServiceRequest'] as MessageType,
    response: collector.metrics.v1['ExportMetricsServiceResponse'] as MessageType,
    partial: collector.metrics.v1['ExportMetricsPartialSuccess'] as MessageType,
    rejectedField: 'rejectedDataPoints',
  },
  traces: {
    request: collector.trace.v1['ExportTraceServiceRequest'] as MessageType,
    response: collector.trace.v1['ExportTraceServiceResponse'] as MessageType,
    partial: collector.trace.v1['ExportTracePartialSuccess'] as MessageType,
    rejectedField: 'rejectedSpans',
  },
};

/** A decoded message as a plain object. */
export type Decoded = Record<string, unknown>;

export type OtlpFault =
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string }
  | { readonly kind: 'partial'; readonly rejected: number; readonly message?: string };

export interface OtlpPlanRequest {
  /** 1-based over every request received. */
  readonly seq: number;
  readonly signal: Signal;
  /** Log records, data points or spans in the request. */
  readonly items: number;
}

export type OtlpPlan = (request: OtlpPlanRequest) => OtlpFault | undefined;

export interface OtlpRecordedRequest {
  readonly seq: number;
  readonly path: string;
  readonly signal?: Signal;
  readonly headers: IncomingHttpHeaders;
  /** Date.now() when the request had arrived whole. */
  readonly receivedAt: number;
  readonly format?: 'protobuf' | 'json';
  readonly wireBytes: number;
  /** The decompressed body. */
  readonly body: Buffer;
  readonly decoded?: Decoded;
  /** Log records, data points or spans. */
  readonly items: number;
  /** 'accepted', 'partial', 'status:<n>' or 'invalid'. */
  outcome: string;
  status?: number;
}

export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:39123 (what OTEL_EXPORTER_OTLP_ENDPOINT takes). */
  readonly url: string;
  /** Per-signal URLs (what the per-signal endpoint variables take). */
  readonly endpoints: Readonly<Record<Signal, string>>;
  readonly requests: OtlpRecordedRequest[];
  readonly violations: string[];
  /** Decoded requests answered 200 (partial successes included), per signal. */
  accepted(signal: Signal): Decoded[];
  plan(plan: OtlpPlan | undefined): void;
  stop(): Promise<void>;
}

/** A plan that applies `faults` to the next requests, in order, then recovers. */
export function otlpFaultSequence(...faults: ReadonlyArray<OtlpFault | undefined>): OtlpPlan {
  let next = 0;
  return () => faults[next++];
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Uint8Array → hex, recursively (protobufjs leaves bytes fields as buffers). */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalize(x);
    return out;
  }
  return v;
}

const TO_OBJECT = { longs: String, enums: Number, arrays: true, defaults: false, json: true } as const;

function decodedObject(type: MessageType, message: object): Decoded {
  return normalize(type.toObject(message, TO_OBJECT)) as Decoded;
}

/** Items in a decoded request: log records, data points, spans. */
export function countItems(signal: Signal, d: Decoded): number {
  let n = 0;
  for (const rl of list(d[signal === 'logs' ? 'resourceLogs' : signal === 'metrics' ? 'resourceMetrics' : 'resourceSpans'])) {
    for (const sl of list(rl[signal === 'logs' ? 'scopeLogs' : signal === 'metrics' ? 'scopeMetrics' : 'scopeSpans'])) {
      if (signal === 'metrics') {
        for (const m of list(sl['metrics'])) {
          const data = (m['gauge'] ?? m['sum'] ?? m['histogram'] ?? m['exponentialHistogram'] ?? m['summary']) as Decoded | undefined;
          n += list(data?.['dataPoints']).length;
        }
      } else {
        n += list(sl[signal === 'logs' ? 'logRecords' : 'spans']).length;
      }
    }
  }
  return n;
}

function list(v: unknown): Decoded[] {
  return Array.isArray(v) ? (v as Decoded[]) : [];
}

const CAMEL = /^[a-z][a-zA-Z0-9]*$/;
const ENUM_KEYS = new Set(['severityNumber', 'kind', 'code', 'aggregationTemporality']);
const INT64_KEYS = new Set(['timeUnixNano', 'observedTimeUnixNano', 'startTimeUnixNano', 'endTimeUnixNano', 'count', 'asInt', 'intValue']);
const ID_BYTES: Readonly<Record<string, number>> = { traceId: 16, spanId: 8, parentSpanId: 8 };

/** OTLP/JSON rule checks; returns the first problem. Converts hex ids to bytes for fromObject. */
function checkJson(v: unknown, path: string): string | undefined {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = checkJson(v[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(o)) {
    const at = `${path}.${k}`;
    if (!CAMEL.test(k)) return `${at}: key is not lowerCamelCase`;
    if (ENUM_KEYS.has(k) && !Number.isInteger(x)) return `${at}: enum is not an integer`;
    if (INT64_KEYS.has(k) && (typeof x !== 'string' || !/^-?\d+$/.test(x))) return `${at}: 64-bit integer is not a decimal string`;
    if (k === 'bucketCounts' && (!Array.isArray(x) || x.some((c) => typeof c !== 'string'))) return `${at}: counts are not decimal strings`;
    const idBytes = ID_BYTES[k];
    if (idBytes !== undefined) {
      if (typeof x !== 'string' || !new RegExp(`^[0-9a-fA-F]{${idBytes * 2}}$`).test(x)) return `${at}: not ${idBytes * 2} hex digits`;
      o[k] = Buffer.from(x, 'hex');
      continue;
    }
    const p = checkJson(x, at);
    if (p !== undefined) return p;
  }
  return undefined;
}

/** The first key of `written` that did not survive decoding (a field the definitions do not know). */
function lostKey(written: unknown, decoded: unknown, path: string): string | undefined {
  if (Array.isArray(written)) {
    if (!Array.isArray(decoded)) return path;
    for (let i = 0; i < written.length; i++) {
      const p = lostKey(written[i], decoded[i], `${path}[${i}]`);
      if (p !== undefined) return p;
    }
    return undefined;
  }
  if (written === null || typeof written !== 'object' || Buffer.isBuffer(written)) return undefined;
  if (decoded === null || typeof decoded !== 'object') return path;
  for (const [k, x] of Object.entries(written)) {
    const d = (decoded as Record<string, unknown>)[k];
    if (d === undefined) return `${path}.${k}`;
    const p = lostKey(x, d, `${path}.${k}`);
    if (p !== undefined) return p;
  }
  return undefined;
}

interface Checked {
  readonly problem?: string;
  readonly status?: number;
  readonly body: Buffer;
  readonly format?: 'protobuf' | 'json';
  readonly decoded?: Decoded;
}

function validate(req: IncomingMessage, signal: Signal | undefined, raw: Buffer): Checked {
  const empty = Buffer.alloc(0);
  if (signal === undefined) return { problem: 'unknown path', status: 404, body: empty };
  if (req.method !== 'POST') return { problem: `method ${req.method ?? ''} (expected POST)`, status: 405, body: empty };
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const format = type === 'application/x-protobuf' ? 'protobuf' : type === 'application/json' ? 'json' : undefined;
  if (format === undefined) return { problem: `Content-Type is "${type}"`, status: 415, body: empty };
  const encoding = req.headers['content-encoding'];
  let body: Buffer;
  if (encoding === 'gzip') {
    try {
      body = gunzipSync(raw);
    } catch (err) {
      return { problem: `body does not gunzip (${(err as Error).message})`, body: empty };
    }
  } else if (encoding === undefined) {
    if (raw[0] === 0x1f && raw[1] === 0x8b) return { problem: 'gzip body without Content-Encoding: gzip', body: raw };
    body = raw;
  } else {
    return { problem: `Content-Encoding is "${encoding}"`, body: empty };
  }
  const d = decodeOtlpRequest(signal, format, body);
  return d.problem !== undefined ? { problem: d.problem, body, format } : { body, format, decoded: d.decoded };
}

/**
 * An Export*ServiceRequest body (uncompressed) decoded with the OpenTelemetry definitions and
 * checked as described at the top of this file; `problem` names the first rule broken.
 */
export function decodeOtlpRequest(signal: Signal, format: 'protobuf' | 'json', body: Uint8Array): { decoded: Decoded; problem?: undefined } | { problem: string } {
  const t = TYPES[signal].request;
  if (format === 'protobuf') {
    let message: object;
    try {
      message = t.decode(body);
    } catch (err) {
      return { problem: `protobuf does not decode (${(err as Error).message})` };
    }
    const again = t.encode(message).finish().length;
    if (again !== body.length) return { problem: `protobuf holds ${body.length - again} bytes the OTLP definitions do not know` };
    return { decoded: decodedObject(t, message) };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    return { problem: `body is not JSON (${(err as Error).message})` };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return { problem: 'body is not a JSON object' };
  const rule = checkJson(doc, '$');
  if (rule !== undefined) return { problem: rule };
  let message: object;
  try {
    message = t.fromObject(doc as Record<string, unknown>);
  } catch (err) {
    return { problem: `JSON does not decode (${(err as Error).message})` };
  }
  const decoded = decodedObject(t, message);
  const lost = lostKey(normalize(doc), decoded, '$');
  if (lost !== undefined) return { problem: `${lost}: not a field of the OTLP definitions` };
  return { decoded };
}

/** An Export*ServiceResponse body, with `partial_success` when given. */
export function responseBody(signal: Signal, format: 'protobuf' | 'json', partial?: { rejected: number; message?: string }): Buffer {
  const t = TYPES[signal];
  const ps = partial === undefined ? undefined : { [t.rejectedField]: String(partial.rejected), ...(partial.message !== undefined && { errorMessage: partial.message }) };
  if (format === 'json') return Buffer.from(JSON.stringify(ps === undefined ? {} : { partialSuccess: ps }));
  return Buffer.from(t.response.encode(t.response.fromObject(ps === undefined ? {} : { partialSuccess: ps })).finish());
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: OtlpRecordedRequest[] = [];
  const violations: string[] = [];
  const accepted: Record<Signal, Decoded[]> = { logs: [], metrics: [], traces: [] };
  let plan: OtlpPlan | undefined;
  let seq = 0;
  const signalOfPath = new Map<string, Signal>(Object.entries(OTLP_PATHS).map(([s, p]) => [p, s as Signal]));

  const answer = (res: ServerResponse, rec: OtlpRecordedRequest, status: number, body: Buffer, headers: Record<string, string>) => {
    if (res.destroyed) return;
    rec.status = status;
    // Headers and body in one write.
    res.writeHead(status, { 'content-length': String(body.length), ...headers });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const signal = signalOfPath.get(path);
    const n = ++seq;
    const check = validate(req, signal, raw);
    const items = signal !== undefined && check.decoded !== undefined ? countItems(signal, check.decoded) : 0;
    const rec: OtlpRecordedRequest = {
      seq: n,
      path,
      ...(signal !== undefined && { signal }),
      headers: req.headers,
      receivedAt: Date.now(),
      ...(check.format !== undefined && { format: check.format }),
      wireBytes: raw.length,
      body: check.body,
      ...(check.decoded !== undefined && { decoded: check.decoded }),
      items,
      outcome: 'invalid',
    };
    requests.push(rec);
    if (check.problem !== undefined || signal === undefined || check.format === undefined || check.decoded === undefined) {
      violations.push(`#${n} ${path}: ${check.problem ?? 'invalid'}`);
      answer(res, rec, check.status ?? 400, Buffer.alloc(0), {});
      return;
    }
    const contentType = check.format === 'json' ? 'application/json' : 'application/x-protobuf';
    const fault = plan?.({ seq: n, signal, items });
    if (fault?.kind === 'status') {
      rec.outcome = `status:${fault.status}`;
      answer(res, rec, fault.status, Buffer.alloc(0), fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter });
      return;
    }
    accepted[signal].push(check.decoded);
    rec.outcome = fault === undefined ? 'accepted' : 'partial';
    const partial = fault === undefined ? undefined : { rejected: fault.rejected, ...(fault.message !== undefined && { message: fault.message }) };
    answer(res, rec, 200, responseBody(signal, check.format, partial), { 'content-type': contentType });
  };

  const server = await startLoopbackServer(handle);
  const url = server.url;
  return {
    url,
    endpoints: { logs: `${url}${OTLP_PATHS.logs}`, metrics: `${url}${OTLP_PATHS.metrics}`, traces: `${url}${OTLP_PATHS.traces}` },
    requests,
    violations,
    accepted: (signal) => [...accepted[signal]],
    plan(p) {
      plan = p;
    },
    stop() {
      return server.stop();
    },
  };
}

// ------------------------------------------------------------------ reading decoded requests

/** An AnyValue as a plain value: strings, booleans, int64 as decimal strings, doubles, arrays. */
export function anyValue(v: unknown): unknown {
  const o = (v ?? {}) as Decoded;
  if ('stringValue' in o) return o['stringValue'];
  if ('boolValue' in o) return o['boolValue'];
  if ('intValue' in o) return o['intValue'];
  if ('doubleValue' in o) return o['doubleValue'];
  if ('arrayValue' in o) return list((o['arrayValue'] as Decoded)['values']).map(anyValue);
  if ('kvlistValue' in o) return attributeMap((o['kvlistValue'] as Decoded)['values']);
  return undefined;
}

/** A KeyValue list as an object (key → plain value). */
export function attributeMap(kvs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list(kvs)) out[kv['key'] as string] = anyValue(kv['value']);
  return out;
}

export interface Flat {
  /** Resource attributes as a plain object. */
  readonly resource: Record<string, unknown>;
  readonly scope: Decoded;
  /** The log record, metric or span, as decoded. */
  readonly item: Decoded;
}

/** Every item of the decoded requests with its resource and scope. */
export function flatten(signal: Signal, requests: readonly Decoded[]): Flat[] {
  const keys = { logs: ['resourceLogs', 'scopeLogs', 'logRecords'], metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'], traces: ['resourceSpans', 'scopeSpans', 'spans'] }[signal];
  const out: Flat[] = [];
  for (const d of requests) {
    for (const r of list(d[keys[0] as string])) {
      const resource = attributeMap((r['resource'] as Decoded | undefined)?.['attributes']);
      for (const s of list(r[keys[1] as string])) {
        for (const item of list(s[keys[2] as string])) out.push({ resource, scope: (s['scope'] ?? {}) as Decoded, item });
      }
    }
  }
  return out;
}
