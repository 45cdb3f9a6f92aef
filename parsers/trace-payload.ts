/**
 * Trace payloads that tracing libraries write to their logs when no extension or agent runs
 * (DD_FLUSH_TO_LOG): `{"traces":[[span, …], …]}` → Span[]. Pure.
 *
 * Span fields (BACKENDS.md §3 "Spans in logs"; Datadog Forwarder `trace_forwarder/internal/apm/model.go`):
 * trace_id, span_id, parent_id (hex strings), name, resource, service, type, start and duration
 * (ns), error (int), meta (string map), metrics (number map).
 * - Ids: the last 16 hex digits are the 64-bit id, as the Forwarder reads them. In W3C form the
 *   trace id is meta `_dd.p.tid` (the high 64 bits, 16 hex, on any span of the trace) followed by
 *   the low 64 bits; without it the high half is zeros. A decimal JSON number is also accepted.
 * - start/duration: bigint ns. JSON.parse rounds integers past 2^53 (a ns timestamp is ~1.7e18),
 *   so the message is parsed again with such integers kept as text (trace lines are rare: one
 *   per invocation).
 * - X-Ray placeholder parents (meta `_dd.parent_source: xray`) are dropped and their children
 *   re-parented onto the dropped span's parent, as the Forwarder does.
 * - parent_id 0 / "0" / absent → a root span (no parentId).
 *
 * Detection (as the Forwarder's `steps/splitting.py`): `traces` is an array whose first element
 * is an array. A candidate in which any span is malformed is `invalid` as a whole: the caller
 * counts it and keeps the line as a log.
 */
import type { Span } from '../forwarder/model.js';

export const TRACE_PAYLOAD_REASONS = ['invalid_json', 'invalid_span', 'invalid_trace_id', 'invalid_span_id', 'invalid_parent_id', 'invalid_timing'] as const;
export type TracePayloadReason = (typeof TRACE_PAYLOAD_REASONS)[number];

export type TracePayloadResult =
  | { readonly kind: 'traces'; readonly spans: Span[] }
  | { readonly kind: 'invalid'; readonly reason: TracePayloadReason }
  | { readonly kind: 'none' };

const NONE: TracePayloadResult = Object.freeze({ kind: 'none' });
const ZERO_16 = '0000000000000000';
const U64_MAX = (1n << 64n) - 1n;

/** Prefix marking an integer kept as text by `parsePreservingIntegers` (an escape JSON text never yields unescaped). */
const BIG = '\u0001';

/**
 * JSON.parse, except integers of 16+ digits (which may exceed 2^53) become strings `\u0001<digits>`.
 * Walks the text once, outside strings only.
 */
export function parsePreservingIntegers(text: string): unknown {
  let out: string[] | undefined;
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let j = i + 1;
      while (j < text.length) {
        const d = text.charCodeAt(j);
        if ((d >= 48 && d <= 57) || d === 46 || d === 101 || d === 69 || d === 43 || d === 45) j++;
        else break;
      }
      const token = text.slice(i, j);
      const digits = token.charCodeAt(0) === 45 ? token.length - 1 : token.length;
      if (digits >= 16 && /^-?\d+$/.test(token)) {
        out ??= [];
        out.push(text.slice(last, i), '"\\u0001', token, '"');
        last = j;
      }
      i = j - 1;
    }
  }
  if (out === undefined) return JSON.parse(text);
  out.push(text.slice(last));
  return JSON.parse(out.join(''));
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function isHex(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) return false;
  }
  return true;
}

/** An integer field: a safe JSON number, a kept-as-text big integer, or a digit string. */
function bigintOf(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const digits = v.startsWith(BIG) ? v.slice(1) : v;
  return /^-?\d+$/.test(digits) ? BigInt(digits) : undefined;
}

/**
 * A 64-bit id as 16 lowercase hex (`undefined` = absent or zero; `null` = malformed).
 * Strings are hex (the writers' form; the last 16 digits are the id); numbers are decimal.
 */
function id64(v: unknown): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && !v.startsWith(BIG)) {
    if (v === '') return undefined;
    if (v.length > 32 || !isHex(v)) return null;
    const low = (v.length > 16 ? v.slice(-16) : v).toLowerCase().padStart(16, '0');
    return low === ZERO_16 ? undefined : low;
  }
  const n = bigintOf(v);
  if (n === undefined || n < 0n || n > U64_MAX) return null;
  return n === 0n ? undefined : n.toString(16).padStart(16, '0');
}

/** The high 64 bits written as a 32-hex trace id, if the writer used one. */
function high64(v: unknown): string | undefined {
  return typeof v === 'string' && v.length === 32 && isHex(v) ? v.slice(0, 16).toLowerCase() : undefined;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const o = obj(v);
  if (o === undefined) return out;
  for (const [k, value] of Object.entries(o)) {
    if (typeof value === 'string') out[k] = value.startsWith(BIG) ? value.slice(1) : value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[k] = String(value);
  }
  return out;
}

function numberMap(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const o = obj(v);
  if (o === undefined) return out;
  for (const [k, value] of Object.entries(o)) {
    if (typeof value === 'number' && Number.isFinite(value)) out[k] = value;
    else if (typeof value === 'string' && value.startsWith(BIG)) out[k] = Number(value.slice(1));
  }
  return out;
}

interface RawSpan {
  readonly low: string; // low 64 bits of the trace id
  readonly high?: string; // high 64 bits, when written as a 32-hex trace id
  readonly span: Span;
  readonly placeholder: boolean;
  readonly parent?: string;
}

function readSpan(v: unknown, input: number): RawSpan | TracePayloadReason {
  const s = obj(v);
  if (s === undefined) return 'invalid_span';
  const low = id64(s['trace_id']);
  if (low === undefined || low === null) return 'invalid_trace_id';
  const spanId = id64(s['span_id']);
  if (spanId === undefined || spanId === null) return 'invalid_span_id';
  const parent = id64(s['parent_id']);
  if (parent === null) return 'invalid_parent_id';
  const start = bigintOf(s['start']);
  const duration = bigintOf(s['duration']);
  if (start === undefined || duration === undefined || start < 0n || duration < 0n) return 'invalid_timing';
  const attributes = stringMap(s['meta']);
  const errorValue = s['error'];
  const spanType = s['type'];
  const span: Span = {
    type: 'span',
    traceId: low, // completed to 32 hex once the whole payload is read
    spanId,
    name: typeof s['name'] === 'string' ? s['name'] : '',
    service: typeof s['service'] === 'string' ? s['service'] : '',
    resource: typeof s['resource'] === 'string' ? s['resource'] : '',
    startNs: start,
    durationNs: duration,
    error: typeof errorValue === 'number' ? errorValue !== 0 : errorValue === true,
    ...(typeof spanType === 'string' && spanType !== '' && { spanType }),
    attributes,
    metrics: numberMap(s['metrics']),
    input,
  };
  const high = high64(s['trace_id']);
  return {
    low,
    ...(high !== undefined && { high }),
    span,
    placeholder: attributes['_dd.parent_source'] === 'xray',
    ...(parent !== undefined && { parent }),
  };
}

/** True when the object has the shape of a trace payload (the caller may skip re-parsing otherwise). */
export function isTracePayload(json: Readonly<Record<string, unknown>>): boolean {
  const traces = json['traces'];
  return Array.isArray(traces) && traces.length > 0 && Array.isArray(traces[0]);
}

/**
 * `json` is the message already parsed (LogRecord.json), used for detection; the message text
 * is parsed again only for a candidate, to keep integer precision.
 */
export function parseTracePayload(message: string, json: Readonly<Record<string, unknown>> | undefined, input: number): TracePayloadResult {
  if (json !== undefined ? !isTracePayload(json) : !message.includes('"traces"')) return NONE;
  let root: Record<string, unknown> | undefined;
  try {
    root = obj(parsePreservingIntegers(message));
  } catch {
    return json === undefined ? NONE : { kind: 'invalid', reason: 'invalid_json' };
  }
  if (root === undefined || !isTracePayload(root)) return json === undefined ? NONE : { kind: 'invalid', reason: 'invalid_json' };

  const raw: RawSpan[] = [];
  for (const chunk of root['traces'] as unknown[]) {
    if (!Array.isArray(chunk)) return { kind: 'invalid', reason: 'invalid_span' };
    for (const v of chunk) {
      const r = readSpan(v, input);
      if (typeof r === 'string') return { kind: 'invalid', reason: r };
      raw.push(r);
    }
  }

  // High 64 bits per trace: `_dd.p.tid` on any of its spans, else a 32-hex trace id.
  const highByTrace = new Map<string, string>();
  for (const r of raw) {
    const tid = r.span.attributes['_dd.p.tid'];
    const high = tid !== undefined && tid.length === 16 && isHex(tid) ? tid.toLowerCase() : r.high;
    if (high !== undefined && !highByTrace.has(r.low)) highByTrace.set(r.low, high);
  }
  // Placeholder spans: their parent, to re-parent their children onto.
  const dropped = new Map<string, string | undefined>();
  for (const r of raw) if (r.placeholder) dropped.set(r.span.spanId, r.parent);

  const spans: Span[] = [];
  for (const r of raw) {
    if (r.placeholder) continue;
    let parent = r.parent;
    // Follow chains of placeholders; the bound guards against a cycle in bad input.
    for (let hops = 0; parent !== undefined && dropped.has(parent) && hops <= dropped.size; hops++) parent = dropped.get(parent);
    const span = r.span;
    span.traceId = (highByTrace.get(r.low) ?? ZERO_16) + r.low;
    if (parent !== undefined) span.parentId = parent;
    spans.push(span);
  }
  return { kind: 'traces', spans };
}
