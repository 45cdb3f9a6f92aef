/**
 * A minimal protobuf writer (proto3 wire format: https://protobuf.dev/programming-guides/encoding/)
 * for the OTLP messages, tuned for per-item encoding on the hot path: one growing scratch buffer
 * reused by every message, strings written in one pass, nested messages length-prefixed without
 * a sizing pass. `begin` reserves one length byte and `end` widens it in place (one memmove of the
 * message body) in the rare case the body is 128 bytes or more.
 *
 * Wire types used: 0 varint, 1 fixed64/double, 2 length-delimited, 5 fixed32. Field numbers are
 * < 16 throughout OTLP's hot messages except Span.flags (16), so a tag is one byte; `tag` handles
 * larger ones anyway. Not re-entrant: one message at a time, then `take` copies it out.
 */

export const WIRE = { varint: 0, i64: 1, len: 2, i32: 5 } as const;

const TWO_32 = 4_294_967_296;

/** Hex digit value by char code, -1 for anything else. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/** Bytes of `v` as a varint (v: a non-negative safe integer). */
export function varintSize(v: number): number {
  if (v < 0x80) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x200000) return 3;
  if (v < 0x10000000) return 4;
  let n = 4;
  v = Math.floor(v / 0x10000000);
  while (v > 0) {
    n++;
    v = Math.floor(v / 0x80);
  }
  return n;
}

/**
 * Milliseconds since the epoch (possibly fractional) → nanoseconds as two unsigned 32-bit halves.
 * Every intermediate stays below 2^53, so the result is exact (ms × 1e6 itself would not be).
 */
export function msToNanoHalves(ms: number, out: { lo: number; hi: number }): void {
  if (!(ms > 0) || !Number.isFinite(ms)) {
    out.lo = 0;
    out.hi = 0;
    return;
  }
  let whole = Math.floor(ms);
  let frac = Math.round((ms - whole) * 1e6);
  if (frac >= 1e6) {
    whole += 1;
    frac -= 1e6;
  }
  const high = Math.floor(whole / TWO_32);
  const low = (whole % TWO_32) * 1e6 + frac;
  out.lo = low % TWO_32;
  out.hi = high * 1e6 + Math.floor(low / TWO_32);
}

/** The same value as a decimal string (OTLP/JSON writes 64-bit integers as strings). */
export function msToNanoString(ms: number): string {
  if (!(ms > 0) || !Number.isFinite(ms)) return '0';
  if (Number.isInteger(ms)) return `${ms}000000`;
  let whole = Math.floor(ms);
  let frac = Math.round((ms - whole) * 1e6);
  if (frac >= 1e6) {
    whole += 1;
    frac -= 1e6;
  }
  return whole === 0 ? String(frac) : `${whole}${String(frac).padStart(6, '0')}`;
}

const halves = { lo: 0, hi: 0 };

export class ProtoWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A copy of what was written since `from` (the scratch buffer is reused). */
  take(from = 0): Uint8Array {
    // allocUnsafe takes small buffers from Node's pool: measurably the cheapest copy.
    const out = Buffer.allocUnsafe(this.pos - from);
    this.buf.copy(out, 0, from, this.pos);
    return out;
  }

  varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (v < 0x80) {
      buf[pos++] = v;
      this.pos = pos;
      return;
    }
    while (v >= 0x80) {
      // Arithmetic, not bit operators: those truncate to 32 bits.
      buf[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  tag(field: number, wire: number): void {
    const v = field * 8 + wire;
    if (v < 0x80) {
      this.ensure(1);
      this.buf[this.pos++] = v;
      return;
    }
    this.varint(v);
  }

  /** int64 varint of a safe integer; negatives are 10-byte two's complement, as proto3 writes them. */
  int64(field: number, v: number): void {
    this.tag(field, WIRE.varint);
    if (v >= 0) {
      this.varint(v);
      return;
    }
    let big = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (big >= 0x80n) {
      this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.buf[this.pos++] = Number(big);
  }

  uint32Field(field: number, v: number): void {
    this.tag(field, WIRE.varint);
    this.varint(v);
  }

  bool(field: number, v: boolean): void {
    this.tag(field, WIRE.varint);
    this.ensure(1);
    this.buf[this.pos++] = v ? 1 : 0;
  }

  double(field: number, v: number): void {
    this.tag(field, WIRE.i64);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  fixed64Halves(field: number, lo: number, hi: number): void {
    this.tag(field, WIRE.i64);
    this.rawFixed64(lo, hi);
  }

  /** A fixed64 without a tag (packed repeated fields), little-endian. */
  rawFixed64(lo: number, hi: number): void {
    this.ensure(8);
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = lo & 0xff;
    buf[p++] = (lo >>> 8) & 0xff;
    buf[p++] = (lo >>> 16) & 0xff;
    buf[p++] = lo >>> 24;
    buf[p++] = hi & 0xff;
    buf[p++] = (hi >>> 8) & 0xff;
    buf[p++] = (hi >>> 16) & 0xff;
    buf[p++] = hi >>> 24;
    this.pos = p;
  }

  /** fixed64 of a small non-negative integer (counts). */
  fixed64Number(field: number, v: number): void {
    this.fixed64Halves(field, v % TWO_32, Math.floor(v / TWO_32));
  }

  /** fixed64 nanoseconds from epoch milliseconds, into each of `fields` (same value). */
  fixed64Ms(field: number, ms: number, field2?: number): void {
    msToNanoHalves(ms, halves);
    this.fixed64Halves(field, halves.lo, halves.hi);
    if (field2 !== undefined) this.fixed64Halves(field2, halves.lo, halves.hi);
  }

  fixed64Big(field: number, v: bigint): void {
    const u = BigInt.asUintN(64, v);
    this.fixed64Halves(field, Number(u & 0xffffffffn), Number(u >> 32n));
  }

  /**
   * A string field. Very short ASCII strings are copied by a loop; longer ones by one native
   * Buffer#write (measured: the call costs more than the loop below ~16 characters) into room
   * reserved for a length prefix sized as if the string were ASCII (UTF-8 length = character
   * count); when it is not and the prefix needs another byte, the bytes move over by one.
   */
  string(field: number, s: string): void {
    this.tag(field, WIRE.len);
    const n = s.length;
    if (n <= 16) {
      this.ensure(1 + n);
      const buf = this.buf;
      const start = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + i] = c;
      }
      if (i === n) {
        buf[this.pos] = n;
        this.pos = start + n;
        return;
      }
    }
    const guess = varintSize(n);
    // At most 3 UTF-8 bytes per UTF-16 unit, and room for `varint`'s own check (10 bytes), so
    // that nothing reallocates the buffer once the string is written past `pos`.
    this.ensure(10 + n * 3);
    const start = this.pos + guess;
    const len = this.buf.write(s, start, 'utf8');
    const prefix = varintSize(len);
    if (prefix !== guess) this.buf.copyWithin(this.pos + prefix, start, start + len);
    this.varint(len);
    this.pos += len;
  }

  /** A bytes field from hex digits (validated by the mapping). */
  hexBytes(field: number, hex: string): void {
    const n = hex.length >>> 1;
    this.tag(field, WIRE.len);
    this.ensure(1 + n);
    const buf = this.buf;
    buf[this.pos++] = n;
    for (let i = 0; i < n; i++) {
      buf[this.pos++] = ((HEX[hex.charCodeAt(2 * i)] ?? 0) << 4) | (HEX[hex.charCodeAt(2 * i + 1)] ?? 0);
    }
  }

  /** Raw, already-encoded bytes (a cached sub-message). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Starts a length-delimited field; returns the position of its length byte for `end`. */
  begin(field: number): number {
    this.tag(field, WIRE.len);
    this.ensure(1);
    return this.pos++;
  }

  end(lengthAt: number): void {
    const len = this.pos - lengthAt - 1;
    if (len < 0x80) {
      this.buf[lengthAt] = len;
      return;
    }
    const extra = varintSize(len) - 1;
    this.ensure(extra);
    this.buf.copyWithin(lengthAt + 1 + extra, lengthAt + 1, this.pos);
    this.pos += extra;
    let at = lengthAt;
    let v = len;
    while (v >= 0x80) {
      this.buf[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[at] = v;
  }
}
