/**
 * Lambda platform lines and runtime failure lines → one discriminated union. Pure; returns
 * `undefined` for any other line (cheap prefix checks rule most lines out before any scan).
 *
 * Recognised (text log format, fields TAB-separated, REPORT ends with a TAB; JSON log format
 * records `{"time","type","record"}`):
 *   REPORT RequestId: <id>\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\t
 *     Max Memory Used: 68 MB\t[Init Duration: … ms\t][Restore Duration: … ms\tBilled Restore
 *     Duration: … ms\t][Status: timeout|error\t[Error Type: Runtime.OutOfMemory]]
 *     [\nXRAY TraceId: 1-…\tSegmentId: …\tSampled: true\t]
 *     (AWS Lambda Developer Guide: "Using CloudWatch Logs with Lambda"/runtime logging pages for
 *     the fields; "Monitoring for Lambda SnapStart" for Restore/Billed Restore Duration.)
 *   {"type":"platform.report","record":{requestId, metrics{durationMs, billedDurationMs,
 *     memorySizeMB, maxMemoryUsedMB, initDurationMs?, restoreDurationMs?, billedRestoreDurationMs?},
 *     status, errorType?, tracing?}}   (Lambda "Telemetry API Event schema reference")
 *   START RequestId: <id> Version: <v>           / {"type":"platform.start","record":{requestId, version, tracing}}
 *   END RequestId: <id>                          / {"type":"platform.runtimeDone","record":{requestId, …}}
 *   INIT_START Runtime Version: nodejs:20.v13\tRuntime Version ARN: …   / {"type":"platform.initStart",…}
 *   <ISO time> <id> Task timed out after 3.00 seconds
 *   runtime out-of-memory messages (the strings the Datadog Forwarder matches,
 *     `enhanced_lambda_metrics.py` OUT_OF_MEMORY_ERROR_STRINGS).
 * Fields may be missing (partial records): every metric is optional; only the request id is
 * required for a REPORT. Unknown fields are ignored, so new ones do not break parsing.
 */
import { isRequestId, tokenEnd } from './lambda-line.js';
import { rootFromTraceHeader } from './trace-ids.js';

export interface ReportMetrics {
  durationMs?: number;
  billedDurationMs?: number;
  memorySizeMB?: number;
  maxMemoryUsedMB?: number;
  initDurationMs?: number;
  restoreDurationMs?: number;
  billedRestoreDurationMs?: number;
}

/** X-Ray context of an invocation: REPORT `XRAY` part, or a platform record's `tracing`. */
export interface XrayTrace {
  /** `1-xxxxxxxx-<24 hex>` as written. */
  readonly traceId: string;
  /** REPORT `SegmentId`, or the platform record's `tracing.spanId`. */
  readonly spanId?: string;
  readonly sampled?: boolean;
}

export const OOM_RUNTIMES = ['go', 'java', 'node', 'ruby', 'python'] as const;
export type OomRuntime = (typeof OOM_RUNTIMES)[number];

export interface ReportLine {
  readonly kind: 'report';
  readonly format: 'text' | 'json';
  readonly requestId: string;
  readonly metrics: ReportMetrics;
  /** `success | error | failure | timeout` (JSON); text lines carry it only when not a success. */
  readonly status?: string;
  readonly errorType?: string;
  readonly xray?: XrayTrace;
}

export interface StartLine {
  readonly kind: 'start';
  readonly format: 'text' | 'json';
  readonly requestId: string;
  readonly version?: string;
  readonly xray?: XrayTrace;
}

/** END (text) / `platform.runtimeDone` (JSON): the invocation's end; nothing to measure. */
export interface EndLine {
  readonly kind: 'end';
  readonly format: 'text' | 'json';
  readonly requestId: string;
  readonly xray?: XrayTrace;
}

export interface InitStartLine {
  readonly kind: 'initStart';
  readonly format: 'text' | 'json';
  /** As written: `nodejs:20.v13`. */
  readonly runtimeVersion: string;
  readonly runtimeVersionArn?: string;
  /** Lambda runtime identifier (`nodejs20.x`, `python3.12`, `java21`, …), for the `runtime` tag. */
  readonly runtime: string;
}

export interface TimeoutLine {
  readonly kind: 'timeout';
  readonly requestId?: string;
  readonly seconds: number;
}

export interface OutOfMemoryLine {
  readonly kind: 'outOfMemory';
  readonly runtime: OomRuntime;
}

export type PlatformLine = ReportLine | StartLine | EndLine | InitStartLine | TimeoutLine | OutOfMemoryLine;

/** `Error Type` / `errorType` Lambda writes when the function ran out of memory. */
export const OOM_ERROR_TYPE = 'Runtime.OutOfMemory';

// ── text REPORT ─────────────────────────────────────────────────────────────

// Fallback for a REPORT whose TABs became spaces on the way (the Datadog Forwarder's regex
// allows `\s+` too). Field labels; a value runs to the next whitespace (the unit follows after a
// space). Alternatives that contain others come first and the scan goes left to right, so
// "Billed Duration" is never read as "Duration".
const REPORT_FIELD =
  /(Billed Restore Duration|Restore Duration|Billed Duration|Init Duration|Duration|Max Memory Used|Memory Size|Status|Error Type|XRAY TraceId|SegmentId|Sampled): (\S+)/g;

const TEXT_METRIC: Record<string, keyof ReportMetrics> = {
  Duration: 'durationMs',
  'Billed Duration': 'billedDurationMs',
  'Memory Size': 'memorySizeMB',
  'Max Memory Used': 'maxMemoryUsedMB',
  'Init Duration': 'initDurationMs',
  'Restore Duration': 'restoreDurationMs',
  'Billed Restore Duration': 'billedRestoreDurationMs',
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** One REPORT being read: fields set by label, by the TAB tokenizer or the whitespace fallback. */
type ReportDraft = Omit<Mutable<ReportLine>, 'xray'> & { xray?: Mutable<XrayTrace> };

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * A plain decimal (`102.25`, `128`) read in place, without slicing: digits / 10^k, which IEEE
 * division rounds exactly as Number() would (both operands exact below 2^53 and 10^15).
 * Anything else (signs, exponents, too many digits) goes through Number().
 */
function decimalAt(message: string, start: number, end: number): number | undefined {
  let mantissa = 0;
  let scale = -1;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = message.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) {
      scale = 0;
    } else {
      return numberOf(message.slice(start, end));
    }
  }
  if (digits === 0 || digits > 15 || scale === 0) return numberOf(message.slice(start, end));
  return scale < 0 ? mantissa : mantissa / (POW10[scale] as number);
}

function numberOf(value: string): number | undefined {
  const n = Number(value);
  return value !== '' && Number.isFinite(n) ? n : undefined;
}

/** Set the field `label` from `message[start, end)`. */
function setField(r: ReportDraft, label: string, message: string, start: number, end: number): void {
  switch (label) {
    case 'Duration':
    case 'Billed Duration':
    case 'Memory Size':
    case 'Max Memory Used':
    case 'Init Duration':
    case 'Restore Duration':
    case 'Billed Restore Duration': {
      const n = decimalAt(message, start, end);
      if (n !== undefined) r.metrics[TEXT_METRIC[label] as keyof ReportMetrics] = n;
      return;
    }
    case 'Status':
      r.status = message.slice(start, end);
      return;
    case 'Error Type':
      r.errorType = message.slice(start, end);
      return;
    case 'XRAY TraceId':
      if (r.xray === undefined) r.xray = { traceId: message.slice(start, end) };
      else r.xray.traceId = message.slice(start, end);
      return;
    case 'SegmentId': // follows XRAY TraceId in the same part of the event
      if (r.xray !== undefined) r.xray.spanId = message.slice(start, end);
      return;
    case 'Sampled':
      if (r.xray !== undefined) r.xray.sampled = end - start === 4 && message.startsWith('true', start);
      return;
    default:
      return; // a field this version does not know
  }
}

const LABELS = Object.keys(TEXT_METRIC).concat(['Status', 'Error Type', 'XRAY TraceId', 'SegmentId', 'Sampled']);

/** Known labels by length (two share a length: both are tried). */
const LABELS_BY_LENGTH = new Map<number, string[]>();
for (const label of LABELS) LABELS_BY_LENGTH.set(label.length, [...(LABELS_BY_LENGTH.get(label.length) ?? []), label]);

/** The known label spanning [from, colon), compared in place (no slice of the label). */
function labelAt(message: string, from: number, colon: number): string | undefined {
  const candidates = LABELS_BY_LENGTH.get(colon - from);
  if (candidates === undefined) return undefined;
  for (const label of candidates) if (message.startsWith(label, from)) return label;
  return undefined;
}

/** TAB/newline-separated `Label: value[ unit]` fields from `from` on (the usual layout). */
function readTabFields(message: string, from: number, r: ReportDraft): void {
  let start = from;
  // Field ends found with indexOf (native scans), the newline (before the XRAY part) once.
  let newline = message.indexOf('\n', start);
  if (newline < 0) newline = message.length;
  while (start < message.length) {
    if (start > newline) {
      newline = message.indexOf('\n', start);
      if (newline < 0) newline = message.length;
    }
    let end = message.indexOf('\t', start);
    if (end < 0 || end > newline) end = newline;
    const colon = message.indexOf(': ', start);
    if (colon > start && colon < end) {
      let labelStart = start;
      while (labelStart < colon && message.charCodeAt(labelStart) === 32) labelStart++;
      const label = labelAt(message, labelStart, colon);
      if (label !== undefined) {
        setField(r, label, message, colon + 2, Math.min(tokenEnd(message, colon + 2), end));
      }
    }
    start = end + 1;
  }
}

/**
 * The four fields every complete text REPORT starts with, in the order Lambda writes them. One
 * regex reads them (~0.3 µs where the field-by-field reader takes ~0.65 µs; every invocation
 * writes a REPORT); what follows (Init Duration, Status, XRAY…) and every other layout go through
 * that reader. Only plain decimals match, which Number() reads as decimalAt does.
 */
const USUAL_FIELDS = /\tDuration: (\d+(?:\.\d+)?) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB(?=[\t\n]|$)/y;

function parseTextReport(message: string): ReportLine | undefined {
  const at = 18; // 'REPORT RequestId: '.length
  const end = tokenEnd(message, at);
  if (end === at) return undefined;
  const requestId = message.slice(at, end);
  USUAL_FIELDS.lastIndex = end;
  const usual = USUAL_FIELDS.exec(message);
  if (usual !== null) {
    const metrics = { durationMs: Number(usual[1]), billedDurationMs: Number(usual[2]), memorySizeMB: Number(usual[3]), maxMemoryUsedMB: Number(usual[4]) };
    const r: ReportDraft = { kind: 'report', format: 'text', requestId, metrics };
    const rest = USUAL_FIELDS.lastIndex;
    if (rest < message.length) readTabFields(message, rest + 1, r);
    return r;
  }
  const r: ReportDraft = { kind: 'report', format: 'text', requestId, metrics: {} };
  if (message.charCodeAt(end) === 9) {
    readTabFields(message, end + 1, r);
  } else {
    REPORT_FIELD.lastIndex = end;
    for (let m = REPORT_FIELD.exec(message); m !== null; m = REPORT_FIELD.exec(message)) {
      const value = m[2] as string;
      setField(r, m[1] as string, value, 0, value.length);
    }
  }
  return r;
}

function xray(traceId: string, spanId: string | undefined, sampled: boolean | undefined): XrayTrace {
  return { traceId, ...(spanId !== undefined && { spanId }), ...(sampled !== undefined && { sampled }) };
}

// ── JSON platform records ───────────────────────────────────────────────────

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

const JSON_METRIC = [
  'durationMs',
  'billedDurationMs',
  'memorySizeMB',
  'maxMemoryUsedMB',
  'initDurationMs',
  'restoreDurationMs',
  'billedRestoreDurationMs',
] as const satisfies ReadonlyArray<keyof ReportMetrics>;

/** `tracing: {spanId, type: "X-Amzn-Trace-Id", value: "Root=…;Parent=…;Sampled=1"}`. */
function xrayFromTracing(tracing: unknown): XrayTrace | undefined {
  const t = obj(tracing);
  const value = str(t?.['value']);
  if (value === undefined) return undefined;
  const root = rootFromTraceHeader(value);
  if (root === undefined) return undefined;
  const s = value.indexOf('Sampled=');
  const sampled = s < 0 ? undefined : value.charAt(s + 8) === '1';
  return xray(root, str(t?.['spanId']), sampled);
}

function parseJsonPlatform(json: Record<string, unknown>): PlatformLine | undefined {
  const type = json['type'];
  if (typeof type !== 'string' || !type.startsWith('platform.')) return undefined;
  const record = obj(json['record']);
  if (record === undefined) return undefined;
  switch (type) {
    case 'platform.report': {
      const requestId = str(record['requestId']);
      if (requestId === undefined) return undefined;
      const m = obj(record['metrics']);
      const metrics: ReportMetrics = {};
      if (m !== undefined) {
        for (const key of JSON_METRIC) {
          const v = m[key];
          if (typeof v === 'number' && Number.isFinite(v)) metrics[key] = v;
        }
      }
      const status = str(record['status']);
      const errorType = str(record['errorType']);
      const trace = xrayFromTracing(record['tracing']);
      return {
        kind: 'report',
        format: 'json',
        requestId,
        metrics,
        ...(status !== undefined && { status }),
        ...(errorType !== undefined && { errorType }),
        ...(trace !== undefined && { xray: trace }),
      };
    }
    case 'platform.start': {
      const requestId = str(record['requestId']);
      if (requestId === undefined) return undefined;
      const version = str(record['version']);
      const trace = xrayFromTracing(record['tracing']);
      return {
        kind: 'start',
        format: 'json',
        requestId,
        ...(version !== undefined && { version }),
        ...(trace !== undefined && { xray: trace }),
      };
    }
    case 'platform.runtimeDone': {
      const requestId = str(record['requestId']);
      if (requestId === undefined) return undefined;
      const trace = xrayFromTracing(record['tracing']);
      return { kind: 'end', format: 'json', requestId, ...(trace !== undefined && { xray: trace }) };
    }
    case 'platform.initStart': {
      const runtimeVersion = str(record['runtimeVersion']);
      if (runtimeVersion === undefined) return undefined;
      const arn = str(record['runtimeVersionArn']);
      return {
        kind: 'initStart',
        format: 'json',
        runtimeVersion,
        ...(arn !== undefined && { runtimeVersionArn: arn }),
        runtime: runtimeFromVersion(runtimeVersion),
      };
    }
    default:
      return undefined;
  }
}

// ── other text lines ────────────────────────────────────────────────────────

/** The token after the first `label` at or after `from`; undefined when absent or empty. */
function valueAfter(message: string, label: string, from = 0): string | undefined {
  const at = message.indexOf(label, from);
  if (at < 0) return undefined;
  const start = at + label.length;
  const end = tokenEnd(message, start);
  return end > start ? message.slice(start, end) : undefined;
}

function parseTextStart(message: string): StartLine | undefined {
  const at = 17; // 'START RequestId: '.length
  const end = tokenEnd(message, at);
  const requestId = message.slice(at, end);
  if (requestId === '') return undefined;
  const version = valueAfter(message, 'Version: ', end);
  return version === undefined ? { kind: 'start', format: 'text', requestId } : { kind: 'start', format: 'text', requestId, version };
}

function parseTextEnd(message: string): EndLine | undefined {
  const at = 15; // 'END RequestId: '.length
  const end = tokenEnd(message, at);
  return end === at ? undefined : { kind: 'end', format: 'text', requestId: message.slice(at, end) };
}

function parseTextInitStart(message: string): InitStartLine | undefined {
  const runtimeVersion = valueAfter(message, 'Runtime Version: ');
  if (runtimeVersion === undefined) return undefined;
  const arn = valueAfter(message, 'Runtime Version ARN: ');
  return {
    kind: 'initStart',
    format: 'text',
    runtimeVersion,
    ...(arn !== undefined && { runtimeVersionArn: arn }),
    runtime: runtimeFromVersion(runtimeVersion),
  };
}

const TIMED_OUT = 'Task timed out after ';

function parseTimeout(message: string, at: number): TimeoutLine | undefined {
  const start = at + TIMED_OUT.length;
  const end = tokenEnd(message, start);
  const seconds = Number(message.slice(start, end));
  if (!Number.isFinite(seconds) || !message.startsWith(' seconds', end)) return undefined;
  // `<ISO time> <request id> Task timed out…`: the id is the token just before.
  const idAt = at - 37;
  const requestId = idAt >= 0 && isRequestId(message, idAt) ? message.slice(idAt, idAt + 36) : undefined;
  return { kind: 'timeout', seconds, ...(requestId !== undefined && { requestId }) };
}

/**
 * The runtime whose out-of-memory message the line carries. Ruby's `NoMemoryError` is checked
 * before Python's `MemoryError`, which it contains.
 */
function outOfMemoryRuntime(message: string): OomRuntime | undefined {
  if (message.indexOf('emory') < 0) return undefined; // every pattern below contains "emory"
  if (message.includes('fatal error: runtime: out of memory')) return 'go';
  if (message.includes('java.lang.OutOfMemoryError')) return 'java';
  if (message.includes('JavaScript heap out of memory')) return 'node';
  if (message.includes('NoMemoryError') || message.includes('failed to allocate memory')) return 'ruby';
  if (message.includes('MemoryError')) return 'python';
  return undefined;
}

/**
 * `nodejs:20.v13` → `nodejs20.x`, `python:3.12.v30` → `python3.12`, `java:21.v17` → `java21`,
 * `provided:al2023.v50` → `provided.al2023`: the runtime identifiers Lambda's `Runtime` setting
 * uses (and the Datadog Lambda libraries' `runtime` tag). Anything unrecognised is kept as written.
 */
export function runtimeFromVersion(runtimeVersion: string): string {
  const colon = runtimeVersion.indexOf(':');
  if (colon <= 0) return runtimeVersion;
  const family = runtimeVersion.slice(0, colon);
  let version = runtimeVersion.slice(colon + 1);
  const v = version.lastIndexOf('.v');
  if (v > 0 && /^\d+$/.test(version.slice(v + 2))) version = version.slice(0, v);
  if (version === '') return runtimeVersion;
  if (family === 'nodejs') return `nodejs${version}.x`;
  if (family === 'provided') return `provided.${version}`;
  return `${family}${version}`;
}

/**
 * Classify one log line. `json` is the message already parsed as an object (LogRecord.json);
 * when absent, a message that looks like a platform record is parsed here.
 */
export function parsePlatformLine(message: string, json?: Readonly<Record<string, unknown>>): PlatformLine | undefined {
  if (json !== undefined) {
    const type = json['type'];
    if (typeof type === 'string' && type.startsWith('platform.')) return parseJsonPlatform(json as Record<string, unknown>);
  } else {
    const c = message.charCodeAt(0);
    if (c === 82 /* R */ && message.startsWith('REPORT RequestId: ')) return parseTextReport(message);
    if (c === 83 /* S */ && message.startsWith('START RequestId: ')) return parseTextStart(message);
    if (c === 69 /* E */ && message.startsWith('END RequestId: ')) return parseTextEnd(message);
    if (c === 73 /* I */ && message.startsWith('INIT_START ')) return parseTextInitStart(message);
    if (c === 123 /* { */ && message.includes('"platform.')) {
      try {
        const parsed: unknown = JSON.parse(message);
        const o = obj(parsed);
        if (o !== undefined) return parseJsonPlatform(o);
      } catch {
        // Not JSON after all: an ordinary line.
      }
      return undefined;
    }
  }
  const t = message.indexOf(TIMED_OUT);
  if (t >= 0) {
    const timeout = parseTimeout(message, t);
    if (timeout !== undefined) return timeout;
  }
  const runtime = outOfMemoryRuntime(message);
  return runtime === undefined ? undefined : { kind: 'outOfMemory', runtime };
}
