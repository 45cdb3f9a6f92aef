/**
 * Datadog spans for the trace intake, POST /api/v0.2/traces (application/x-protobuf), in the
 * legacy `pb.TracePayload` the Datadog Forwarder posts (BACKENDS.md §3, field numbers from
 * Vector's `proto/dd_trace.proto`):
 *   TracePayload{string hostName=1; string env=2; repeated APITrace traces=3}
 *   APITrace{uint64 traceID=1; repeated Span spans=2; int64 startTime=6; int64 endTime=7}
 *   Span{string service=1; string name=2; string resource=3; uint64 traceID=4; uint64 spanID=5;
 *        uint64 parentID=6; int64 start=7; int64 duration=8; int32 error=9;
 *        map<string,string> meta=10; map<string,double> metrics=11; string type=12}
 * Encoding is proto3's: varints for (u)int, fixed64 little-endian for double, maps as repeated
 * {key=1, value=2} entries, and fields at their default value (0, "") left out.
 *
 * Ids: a W3C trace id's low 64 bits are `traceID`; non-zero high 64 bits travel as meta
 * `_dd.p.tid` (16 lowercase hex) (BACKENDS.md §4). Like the Datadog Forwarder, every span gets
 * meta `_dd.origin: lambda` and metrics `_dd.compute_stats: 1` (so the backend computes APM
 * stats, there being no Agent). An empty resource takes the name, as the Agent's normalizer does;
 * a zero trace or span id is refused, as the Agent drops it (datadog-agent
 * `pkg/trace/agent/normalizer.go`).
 *
 * Per-item `encode` returns the encoded Span message and what `assemble` needs to group spans
 * into one APITrace per trace id (startTime = earliest start, endTime = latest end). Its byte
 * count is what the span costs alone in its own APITrace: exact for a lone span, an upper bound
 * once spans share an APITrace (sharing only removes headers), so a batch never exceeds the limit.
 *
 * Limit: 3,200,000 B per payload, the Agent's flush size, "the maximum allowed by the Datadog
 * API" (datadog-agent `pkg/trace/writer/trace.go`). No count limit is documented.
 */
import type { Span, Telemetry } from '../model.js';
import type { Encoded, SignalEncoder } from './destination.js';

export const DATADOG_TRACES_LIMITS = {
  maxItems: 10_000,
  maxBytes: 3_200_000,
} as const;

export interface DatadogTracesOptions {
  /** TracePayload.env, for spans without meta `env`; default "none", as the Datadog Forwarder sends (BACKENDS.md §3). */
  readonly env?: string;
  /** TracePayload.hostName; the Datadog Forwarder sends none. */
  readonly hostname?: string;
}

/** One encoded span and what grouping needs. */
export interface EncodedSpan {
  /** 32 lowercase hex: the grouping key. */
  readonly traceId: string;
  /** The encoded `Span` message. */
  readonly span: Uint8Array;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export const DATADOG_SPAN_REJECTIONS = ['not_a_span', 'invalid_trace_id', 'invalid_span_id', 'invalid_parent_id'] as const;
export type DatadogSpanRejection = (typeof DATADOG_SPAN_REJECTIONS)[number];

const ORIGIN_KEY = '_dd.origin';
const TID_KEY = '_dd.p.tid';
const COMPUTE_STATS_KEY = '_dd.compute_stats';

// Wire types (https://protobuf.dev/programming-guides/encoding/#structure).
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const tag = (field: number, wire: number): number => (field << 3) | wire;

/** A uint64 as two unsigned 32-bit halves: ids are parsed and written without BigInt. */
interface U64 {
  hi: number;
  lo: number;
}

function u64OfBigint(v: bigint): U64 {
  // int64 fields take two's complement (a negative value is a 10-byte varint).
  const u = BigInt.asUintN(64, v);
  return { hi: Number(u >> 32n), lo: Number(u & 0xffffffffn) };
}

/** `len` hex characters of `s` from `at` as a number (len <= 8), or -1 when one is not hex. */
function hexWord(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    n = n * 16 + d;
  }
  return n;
}

/** 16 hex characters of `s` from `at` as a uint64, or undefined. */
function hex64(s: string, at: number): U64 | undefined {
  const hi = hexWord(s, at, 8);
  const lo = hexWord(s, at + 8, 8);
  return hi < 0 || lo < 0 ? undefined : { hi, lo };
}

const isZero = (v: U64): boolean => v.hi === 0 && v.lo === 0;

function varintSize(hi: number, lo: number): number {
  let n = 1;
  while (hi !== 0) {
    n++;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 127) {
    n++;
    lo >>>= 7;
  }
  return n;
}
const varint32Size = (v: number): number => varintSize(0, v >>> 0);

/**
 * A protobuf writer over one growable scratch buffer, reused for every span (one copy out per
 * span). Sizes of nested messages are computed before they are written.
 */
class Writer {
  pos = 0;
  constructor(public buf: Buffer) {}

  reset(): void {
    this.pos = 0;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(hi: number, lo: number): void {
    this.ensure(10);
    const b = this.buf;
    while (hi !== 0) {
      b[this.pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      b[this.pos++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    b[this.pos++] = lo;
  }

  uint32(v: number): void {
    this.varint(0, v >>> 0);
  }

  /** A string field, its UTF-8 length given. */
  string(field: number, s: string, bytes: number): void {
    this.uint32(tag(field, LEN));
    this.uint32(bytes);
    this.ensure(bytes);
    if (bytes === s.length) {
      // ASCII (one byte per UTF-16 unit): a plain loop beats Buffer#write's per-call cost on short strings.
      const b = this.buf;
      let p = this.pos;
      for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
      this.pos = p;
    } else {
      this.pos += this.buf.write(s, this.pos, bytes, 'utf8');
    }
  }

  double(field: number, v: number): void {
    this.uint32(tag(field, FIXED64));
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(v, this.pos);
  }

  bytes(field: number, data: Uint8Array): void {
    this.uint32(tag(field, LEN));
    this.uint32(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** The written bytes, copied out (the scratch buffer is reused). */
  take(): Uint8Array {
    // allocUnsafe takes small sizes from Node's shared pool: far cheaper than a new Uint8Array each.
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }
}

/** Size of a string field (tag + length + bytes), the string's UTF-8 length given. */
const stringFieldSize = (bytes: number): number => 1 + varint32Size(bytes) + bytes;

const scratch = new Writer(Buffer.allocUnsafe(64 * 1024));

function writeStringEntry(w: Writer, field: number, key: string, value: string): void {
  const kb = Buffer.byteLength(key);
  const vb = Buffer.byteLength(value);
  w.uint32(tag(field, LEN));
  w.uint32(stringFieldSize(kb) + stringFieldSize(vb));
  w.string(1, key, kb);
  w.string(2, value, vb);
}

function writeDoubleEntry(w: Writer, field: number, key: string, value: number): void {
  const kb = Buffer.byteLength(key);
  w.uint32(tag(field, LEN));
  w.uint32(stringFieldSize(kb) + 9);
  w.string(1, key, kb);
  w.double(2, value);
}

function writeOptionalString(w: Writer, field: number, s: string): void {
  if (s !== '') w.string(field, s, Buffer.byteLength(s));
}

function writeInt64(w: Writer, field: number, v: bigint): void {
  if (v === 0n) return;
  const u = u64OfBigint(v);
  w.uint32(tag(field, VARINT));
  w.varint(u.hi, u.lo);
}

function writeUint64(w: Writer, field: number, v: U64): void {
  if (isZero(v)) return;
  w.uint32(tag(field, VARINT));
  w.varint(v.hi, v.lo);
}

/** The Span message. */
function encodeSpan(s: Span, traceLow: U64, traceHigh: U64, spanId: U64, parentId: U64 | undefined): Uint8Array {
  const w = scratch;
  w.reset();
  writeOptionalString(w, 1, s.service);
  writeOptionalString(w, 2, s.name);
  writeOptionalString(w, 3, s.resource !== '' ? s.resource : s.name);
  writeUint64(w, 4, traceLow);
  writeUint64(w, 5, spanId);
  if (parentId !== undefined) writeUint64(w, 6, parentId);
  writeInt64(w, 7, s.startNs);
  writeInt64(w, 8, s.durationNs);
  if (s.error) {
    w.uint32(tag(9, VARINT));
    w.uint32(1);
  }
  for (const key in s.attributes) {
    // Ours are written below, derived from the span itself.
    if (key === ORIGIN_KEY || key === TID_KEY) continue;
    writeStringEntry(w, 10, key, s.attributes[key] as string);
  }
  writeStringEntry(w, 10, ORIGIN_KEY, 'lambda');
  if (!isZero(traceHigh)) writeStringEntry(w, 10, TID_KEY, s.traceId.slice(0, 16).toLowerCase());
  for (const key in s.metrics) {
    if (key === COMPUTE_STATS_KEY) continue;
    writeDoubleEntry(w, 11, key, s.metrics[key] as number);
  }
  writeDoubleEntry(w, 11, COMPUTE_STATS_KEY, 1);
  if (s.spanType !== undefined) writeOptionalString(w, 12, s.spanType);
  return w.take();
}

/** Size of an APITrace message body around spans of `spansBytes` (their fields included). */
function apiTraceBodySize(traceLow: U64, startNs: bigint, endNs: bigint, spansBytes: number): number {
  let n = spansBytes;
  if (!isZero(traceLow)) n += 1 + varintSize(traceLow.hi, traceLow.lo);
  if (startNs !== 0n) {
    const u = u64OfBigint(startNs);
    n += 1 + varintSize(u.hi, u.lo);
  }
  if (endNs !== 0n) {
    const u = u64OfBigint(endNs);
    n += 1 + varintSize(u.hi, u.lo);
  }
  return n;
}

const lenFieldSize = (body: number): number => 1 + varint32Size(body) + body;

/** The encoder, its body known to be bytes. */
export interface DatadogTracesEncoder extends SignalEncoder<EncodedSpan> {
  assemble(values: readonly EncodedSpan[]): Uint8Array;
}

export function createDatadogTracesEncoder(options: DatadogTracesOptions = {}): DatadogTracesEncoder {
  const env = options.env ?? 'none';
  const hostname = options.hostname ?? '';
  const envBytes = Buffer.byteLength(env);
  const hostBytes = Buffer.byteLength(hostname);
  const framingBytes = (hostBytes > 0 ? stringFieldSize(hostBytes) : 0) + (envBytes > 0 ? stringFieldSize(envBytes) : 0);

  return {
    limits: DATADOG_TRACES_LIMITS,
    framingBytes,
    separatorBytes: 0,
    encode(t: Telemetry): Encoded<EncodedSpan> {
      if (t.type !== 'span') return { ok: false, reason: 'not_a_span' };
      const id = t.traceId;
      const high = id.length === 32 ? hex64(id, 0) : undefined;
      const low = id.length === 32 ? hex64(id, 16) : undefined;
      // The intake keys traces on the low 64 bits; zero there is an invalid id.
      if (high === undefined || low === undefined || isZero(low)) return { ok: false, reason: 'invalid_trace_id' };
      const spanId = t.spanId.length === 16 ? hex64(t.spanId, 0) : undefined;
      if (spanId === undefined || isZero(spanId)) return { ok: false, reason: 'invalid_span_id' };
      let parentId: U64 | undefined;
      if (t.parentId !== undefined) {
        parentId = t.parentId.length === 16 ? hex64(t.parentId, 0) : undefined;
        if (parentId === undefined) return { ok: false, reason: 'invalid_parent_id' };
      }
      const span = encodeSpan(t, low, high, spanId, parentId);
      const endNs = t.startNs + t.durationNs;
      const bytes = lenFieldSize(apiTraceBodySize(low, t.startNs, endNs, lenFieldSize(span.length)));
      return { ok: true, value: { traceId: id.toLowerCase(), span, startNs: t.startNs, endNs }, bytes };
    },
    assemble(values: readonly EncodedSpan[]): Uint8Array {
      // One APITrace per trace id, in first-seen order.
      const groups = new Map<string, { low: U64; spans: EncodedSpan[]; start: bigint; end: bigint; spansBytes: number }>();
      for (const v of values) {
        let g = groups.get(v.traceId);
        if (g === undefined) {
          g = { low: hex64(v.traceId, 16) ?? { hi: 0, lo: 0 }, spans: [], start: v.startNs, end: v.endNs, spansBytes: 0 };
          groups.set(v.traceId, g);
        }
        g.spans.push(v);
        g.spansBytes += lenFieldSize(v.span.length);
        if (v.startNs < g.start) g.start = v.startNs;
        if (v.endNs > g.end) g.end = v.endNs;
      }
      let total = framingBytes;
      const bodies: number[] = [];
      for (const g of groups.values()) {
        const body = apiTraceBodySize(g.low, g.start, g.end, g.spansBytes);
        bodies.push(body);
        total += lenFieldSize(body);
      }
      const w = new Writer(Buffer.allocUnsafe(total));
      writeOptionalString(w, 1, hostname);
      writeOptionalString(w, 2, env);
      let i = 0;
      for (const g of groups.values()) {
        w.uint32(tag(3, LEN));
        w.uint32(bodies[i++] as number);
        writeUint64(w, 1, g.low);
        for (const s of g.spans) w.bytes(2, s.span);
        writeInt64(w, 6, g.start);
        writeInt64(w, 7, g.end);
      }
      // The buffer was sized exactly; hand it out without a copy.
      return new Uint8Array(w.buf.buffer, w.buf.byteOffset, w.pos);
    },
  };
}
