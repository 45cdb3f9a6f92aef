/**
 * Trace correlation ids: find the trace id (and span id) a log line names, return it in W3C
 * form (trace: 32 lowercase hex, span: 16 lowercase hex) with the id as the line wrote it, and
 * convert between the forms the backends use. Pure; no throw on any input (a bad id is
 * `undefined`).
 *
 * Forms read:
 *   X-Ray `1-<8 hex epoch>-<24 hex>`: REPORT `XRAY TraceId:` (+ `SegmentId:` = span), `Root=` in
 *     `_X_AMZN_TRACE_ID` / `X-Amzn-Trace-Id` headers and in platform records' `tracing.value`
 *     (+ `tracing.spanId`), Powertools `xray_trace_id`.
 *   W3C `traceparent` `00-<32 hex trace>-<16 hex parent>-<2 hex flags>` (https://www.w3.org/TR/trace-context/).
 *   OpenTelemetry JSON fields `trace_id`/`traceId` and `span_id`/`spanId` (hex).
 *   Datadog `dd.trace_id`/`dd.span_id`: text `[dd.trace_id=… dd.span_id=…]`, JSON nested
 *     `"dd":{"trace_id"}` or flat `"dd.trace_id"`; decimal 64-bit, or 32 hex with 128-bit logging
 *     (BACKENDS.md §4; https://github.com/DataDog/dd-trace-go/pull/1746).
 * JSON fields are checked before the text, in the order above from Datadog down; in text,
 * Datadog, then traceparent, then X-Ray.
 *
 * Conversions (BACKENDS.md §4):
 *   X-Ray ↔ W3C: the 8 + 24 hex digits concatenate (AWS convention; not confirmed from a
 *     primary source here).
 *   Datadog decimal ↔ hex: a 64-bit id; in W3C form the high 64 bits are zeros.
 *   W3C → Datadog: the low 64 bits in decimal (a span's `traceID` is the low half; the high half
 *     travels in `_dd.p.tid`).
 *   X-Ray → Datadog: the last 16 hex digits with the top bit cleared (63 bits), as
 *     datadog-lambda-python `_convert_xray_trace_id` does; checked against the Datadog Forwarder
 *     fixture `1-5e61292c-cc1229a4dfbeae1043928548` → `6899143064054564168`.
 */

export const TRACE_ID_FORMATS = ['xray', 'w3c', 'otel', 'datadog'] as const;
export type TraceIdFormat = (typeof TRACE_ID_FORMATS)[number];

export interface TraceContext {
  /** 32 lowercase hex (W3C). */
  readonly traceId: string;
  /** 16 lowercase hex, when the line names its span. */
  readonly spanId?: string;
  /** The trace id exactly as the line wrote it (for `trace.id.original`). */
  readonly original: string;
  readonly format: TraceIdFormat;
}

const U64_MAX = (1n << 64n) - 1n;
const LOW_63 = (1n << 63n) - 1n;
const ZERO_16 = '0000000000000000';

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isHex(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isHexCode(s.charCodeAt(i))) return false;
  return true;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function isZeroHex(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== 48) return false;
  return true;
}

/** A valid W3C trace id: 32 hex, not all zeros (W3C Trace Context, trace-id). */
export function isTraceId(s: string): boolean {
  return s.length === 32 && isHex(s) && !isZeroHex(s);
}

/** A valid span id: 16 hex, not all zeros. */
export function isSpanId(s: string): boolean {
  return s.length === 16 && isHex(s) && !isZeroHex(s);
}

/** `1-5e34a614-10bd4b3f1fb44f07bc535a14` → `5e34a61410bd4b3f1fb44f07bc535a14`. */
export function xrayToW3c(xray: string): string | undefined {
  if (xray.length !== 35 || xray.charCodeAt(0) !== 49 || xray.charCodeAt(1) !== 45 || xray.charCodeAt(10) !== 45) {
    return undefined;
  }
  const hex = (xray.slice(2, 10) + xray.slice(11)).toLowerCase();
  return isTraceId(hex) ? hex : undefined;
}

/** `5e34a61410bd4b3f1fb44f07bc535a14` → `1-5e34a614-10bd4b3f1fb44f07bc535a14`. */
export function w3cToXray(traceId: string): string | undefined {
  if (!isTraceId(traceId)) return undefined;
  const t = traceId.toLowerCase();
  return `1-${t.slice(0, 8)}-${t.slice(8)}`;
}

/** A Datadog decimal 64-bit id → 16 lowercase hex; `undefined` for 0, > 2^64-1 or non-digits. */
export function datadogDecimalToHex(decimal: string): string | undefined {
  if (decimal.length > 20 || !isDigits(decimal)) return undefined;
  const n = BigInt(decimal);
  if (n === 0n || n > U64_MAX) return undefined;
  return n.toString(16).padStart(16, '0');
}

/** The low 64 bits of a 1–32 hex id, in decimal (Datadog's form); `undefined` when they are 0. */
export function hexToDatadogDecimal(hex: string): string | undefined {
  if (hex.length > 32 || !isHex(hex)) return undefined;
  const n = BigInt(`0x${hex.length > 16 ? hex.slice(-16) : hex}`);
  return n === 0n ? undefined : n.toString(10);
}

/** W3C trace id → Datadog `dd.trace_id` (low 64 bits, decimal). */
export function w3cToDatadogDecimal(traceId: string): string | undefined {
  return isTraceId(traceId) ? hexToDatadogDecimal(traceId) : undefined;
}

/** X-Ray trace id → the Datadog tracers' trace id: last 16 hex digits, top bit cleared, decimal. */
export function xrayToDatadogDecimal(xray: string): string | undefined {
  const w3c = xrayToW3c(xray);
  if (w3c === undefined) return undefined;
  const n = BigInt(`0x${w3c.slice(16)}`) & LOW_63;
  return n === 0n ? undefined : n.toString(10);
}

/**
 * The `dd.trace_id` a Datadog destination sends for a record: the X-Ray mapping when the line
 * wrote an X-Ray id (so logs join the spans the Datadog tracers derived from it), otherwise
 * the low 64 bits of the W3C id.
 */
export function datadogTraceIdFor(traceId: string, original?: string): string | undefined {
  if (original !== undefined && original.startsWith('1-')) {
    const fromXray = xrayToDatadogDecimal(original);
    if (fromXray !== undefined) return fromXray;
  }
  return w3cToDatadogDecimal(traceId);
}

/** 16-hex span id → Datadog `dd.span_id` (decimal). */
export function spanIdToDatadogDecimal(spanId: string): string | undefined {
  return isSpanId(spanId) ? hexToDatadogDecimal(spanId) : undefined;
}

// ── value normalisation ─────────────────────────────────────────────────────

/** A Datadog id as written (decimal 64-bit, or 32 hex with 128-bit logging) → W3C trace id. */
function datadogTraceId(value: string): string | undefined {
  if (value.length === 32) return isTraceId(value) ? value.toLowerCase() : undefined;
  const hex = datadogDecimalToHex(value);
  return hex === undefined ? undefined : ZERO_16 + hex;
}

/** An OpenTelemetry hex trace id (32, or 16 for 64-bit ids), an X-Ray id, or a decimal one. */
function otelTraceId(value: string): { traceId: string; format: TraceIdFormat } | undefined {
  if (value.length === 32 && isTraceId(value)) return { traceId: value.toLowerCase(), format: 'otel' };
  if (value.length === 16 && isSpanId(value)) return { traceId: ZERO_16 + value.toLowerCase(), format: 'otel' };
  if (value.length === 35 && value.startsWith('1-')) {
    const traceId = xrayToW3c(value);
    return traceId === undefined ? undefined : { traceId, format: 'xray' };
  }
  const hex = datadogDecimalToHex(value);
  return hex === undefined ? undefined : { traceId: ZERO_16 + hex, format: 'datadog' };
}

/** A Datadog span id: decimal (its usual form), or 16 hex when it has a letter. */
function spanFromDecimalOrHex(value: string): string | undefined {
  if (isDigits(value)) return datadogDecimalToHex(value);
  return isSpanId(value) ? value.toLowerCase() : undefined;
}

function spanFromHex(value: string): string | undefined {
  return isSpanId(value) ? value.toLowerCase() : undefined;
}

/**
 * An id value from a parsed JSON object as text. Numbers beyond 2^53 lost digits in JSON.parse,
 * so their digits are read again from the raw message (`"key": 123…`).
 */
function idText(value: unknown, key: string, message: string): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) return undefined;
  if (Number.isSafeInteger(value)) return String(value);
  return rawDigitsAfterKey(message, key);
}

function rawDigitsAfterKey(message: string, key: string): string | undefined {
  const at = message.indexOf(`"${key}"`);
  if (at < 0) return undefined;
  let i = at + key.length + 2;
  while (i < message.length && (message[i] === ' ' || message[i] === ':')) i++;
  const start = i;
  while (i < message.length && message.charCodeAt(i) >= 48 && message.charCodeAt(i) <= 57) i++;
  return i > start ? message.slice(start, i) : undefined;
}

// ── JSON lines ──────────────────────────────────────────────────────────────

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function withSpan(ctx: Omit<TraceContext, 'spanId'>, spanId: string | undefined): TraceContext {
  return spanId === undefined ? ctx : { traceId: ctx.traceId, spanId, original: ctx.original, format: ctx.format };
}

function fromDatadogJson(json: Record<string, unknown>, message: string): TraceContext | undefined {
  let traceValue: unknown = json['dd.trace_id'];
  let spanValue: unknown = json['dd.span_id'];
  let traceKey = 'dd.trace_id';
  let spanKey = 'dd.span_id';
  if (traceValue === undefined) {
    const dd = asObject(json['dd']);
    if (dd === undefined) return undefined;
    traceValue = dd['trace_id'];
    spanValue = dd['span_id'];
    traceKey = 'trace_id';
    spanKey = 'span_id';
  }
  const original = idText(traceValue, traceKey, message);
  if (original === undefined) return undefined;
  const traceId = datadogTraceId(original);
  if (traceId === undefined) return undefined;
  const span = idText(spanValue, spanKey, message);
  return withSpan({ traceId, original, format: 'datadog' }, span === undefined ? undefined : spanFromDecimalOrHex(span));
}

function fromOtelJson(json: Record<string, unknown>, message: string): TraceContext | undefined {
  const key = json['trace_id'] !== undefined ? 'trace_id' : json['traceId'] !== undefined ? 'traceId' : undefined;
  if (key === undefined) return undefined;
  const original = idText(json[key], key, message);
  if (original === undefined) return undefined;
  const parsed = otelTraceId(original);
  if (parsed === undefined) return undefined;
  const spanKey = json['span_id'] !== undefined ? 'span_id' : 'spanId';
  const span = idText(json[spanKey], spanKey, message);
  const spanId = span === undefined ? undefined : parsed.format === 'datadog' ? spanFromDecimalOrHex(span) : spanFromHex(span);
  return withSpan({ traceId: parsed.traceId, original, format: parsed.format }, spanId);
}

function fromXrayValue(xray: string, spanId?: string): TraceContext | undefined {
  const traceId = xrayToW3c(xray);
  if (traceId === undefined) return undefined;
  return withSpan({ traceId, original: xray, format: 'xray' }, spanId === undefined ? undefined : spanFromHex(spanId));
}

/** `Root=1-…;Parent=…;Sampled=1` (X-Amzn-Trace-Id header syntax) → the Root id. */
export function rootFromTraceHeader(header: string): string | undefined {
  const at = header.indexOf('Root=');
  if (at < 0) return undefined;
  const id = header.slice(at + 5, at + 40);
  return id.length === 35 ? id : undefined;
}

const HEADER_KEYS = ['_X_AMZN_TRACE_ID', 'X-Amzn-Trace-Id', 'x-amzn-trace-id'] as const;

function fromJson(json: Record<string, unknown>, message: string): TraceContext | undefined {
  const dd = fromDatadogJson(json, message);
  if (dd !== undefined) return dd;
  const traceparent = json['traceparent'];
  if (typeof traceparent === 'string') {
    const w3c = parseTraceparent(traceparent, 0);
    if (w3c !== undefined) return w3c;
  }
  const otel = fromOtelJson(json, message);
  if (otel !== undefined) return otel;
  const powertools = json['xray_trace_id'];
  if (typeof powertools === 'string') {
    const x = fromXrayValue(powertools);
    if (x !== undefined) return x;
  }
  for (const key of HEADER_KEYS) {
    const header = json[key];
    if (typeof header === 'string') {
      const root = rootFromTraceHeader(header);
      const x = root === undefined ? undefined : fromXrayValue(root);
      if (x !== undefined) return x;
    }
  }
  // Lambda platform records (JSON log format): record.tracing {spanId, type, value}.
  const type = json['type'];
  if (typeof type === 'string' && type.startsWith('platform.')) {
    const tracing = asObject(asObject(json['record'])?.['tracing']);
    const value = tracing?.['value'];
    if (typeof value === 'string') {
      const root = rootFromTraceHeader(value);
      const spanId = tracing?.['spanId'];
      const x = root === undefined ? undefined : fromXrayValue(root, typeof spanId === 'string' ? spanId : undefined);
      if (x !== undefined) return x;
    }
  }
  return undefined;
}

// ── text lines ──────────────────────────────────────────────────────────────

/** Parse `00-<32>-<16>-<2>` starting at `at` (version `ff` is invalid, per the W3C grammar). */
function parseTraceparent(s: string, at: number): TraceContext | undefined {
  if (s.length < at + 55 || s.charCodeAt(at + 2) !== 45 || s.charCodeAt(at + 35) !== 45 || s.charCodeAt(at + 52) !== 45) {
    return undefined;
  }
  const version = s.slice(at, at + 2);
  if (!isHex(version) || version.toLowerCase() === 'ff') return undefined;
  const trace = s.slice(at + 3, at + 35);
  const span = s.slice(at + 36, at + 52);
  if (!isTraceId(trace) || !isSpanId(span) || !isHex(s.slice(at + 53, at + 55))) return undefined;
  return { traceId: trace.toLowerCase(), spanId: span.toLowerCase(), original: trace, format: 'w3c' };
}

/** The run of hex digits (and dashes) at `at`, at most `max` long. */
function tokenAt(s: string, at: number, max: number): string {
  let end = at;
  while (end < s.length && end - at < max) {
    const c = s.charCodeAt(end);
    if (!isHexCode(c) && c !== 45) break;
    end++;
  }
  return s.slice(at, end);
}

function fromText(message: string): TraceContext | undefined {
  const dd = message.indexOf('dd.trace_id=');
  if (dd >= 0) {
    const original = tokenAt(message, dd + 12, 32);
    const traceId = datadogTraceId(original);
    if (traceId !== undefined) {
      const sp = message.indexOf('dd.span_id=', dd);
      const spanId = sp < 0 ? undefined : spanFromDecimalOrHex(tokenAt(message, sp + 11, 20));
      return withSpan({ traceId, original, format: 'datadog' }, spanId);
    }
  }
  const tp = message.indexOf('traceparent');
  if (tp >= 0) {
    // The value follows within a few characters (`traceparent: `, `traceparent=`, `"traceparent":"`).
    for (let i = tp + 11; i < Math.min(message.length, tp + 20); i++) {
      if (isHexCode(message.charCodeAt(i))) {
        const w3c = parseTraceparent(message, i);
        if (w3c !== undefined) return w3c;
        break;
      }
    }
  }
  const xr = message.indexOf('XRAY TraceId: ');
  if (xr >= 0) {
    const seg = message.indexOf('SegmentId: ', xr);
    const x = fromXrayValue(message.slice(xr + 14, xr + 49), seg < 0 ? undefined : message.slice(seg + 11, seg + 27));
    if (x !== undefined) return x;
  }
  const root = message.indexOf('Root=1-');
  if (root >= 0) {
    const x = fromXrayValue(message.slice(root + 5, root + 40));
    if (x !== undefined) return x;
  }
  return undefined;
}

/**
 * The trace context a line names, or `undefined`. `json` is the message already parsed as an
 * object (LogRecord.json); its fields are checked first, then the text (which also catches ids
 * nested in JSON, e.g. a logged `X-Amzn-Trace-Id` header).
 */
export function extractTraceContext(message: string, json?: Readonly<Record<string, unknown>>): TraceContext | undefined {
  if (json !== undefined) {
    const fromFields = fromJson(json as Record<string, unknown>, message);
    if (fromFields !== undefined) return fromFields;
  }
  return fromText(message);
}

/** Trace context of an X-Ray id (REPORT `XRAY TraceId`, platform `tracing`), span optional. */
export function traceContextFromXray(xray: string, spanId?: string): TraceContext | undefined {
  return fromXrayValue(xray, spanId);
}
