/**
 * `partial_success` of a 200 answer (collector/{logs,metrics,trace}/v1/*_service.proto):
 *   Export*ServiceResponse{ Export*PartialSuccess partial_success = 1 }
 *   Export*PartialSuccess{ int64 rejected_<items> = 1; string error_message = 2 }
 * with rejected_log_records / rejected_data_points / rejected_spans per signal. Read from the
 * protobuf or the JSON form (as the response's Content-Type says; OTLP answers in the request's
 * form). Pure and total: an unreadable body is "no partial success", never an exception.
 */
import type { Signal } from '../../model.js';

export interface PartialSuccess {
  readonly rejected: number;
  readonly message?: string;
}

const REJECTED_KEY: Readonly<Record<Signal, readonly [string, string]>> = Object.freeze({
  logs: ['rejectedLogRecords', 'rejected_log_records'],
  metrics: ['rejectedDataPoints', 'rejected_data_points'],
  traces: ['rejectedSpans', 'rejected_spans'],
});

/** A minimal reader over a protobuf message: varints, lengths, skipping unknown fields. */
class Reader {
  pos = 0;
  constructor(
    private readonly b: Uint8Array,
    private readonly end = b.length,
  ) {}
  done(): boolean {
    return this.pos >= this.end;
  }
  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = this.b[this.pos++] as number;
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) return v;
      scale *= 128;
    }
    throw new RangeError('varint too long');
  }
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new RangeError('truncated field');
    this.pos += len;
    return [start, start + len];
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError('truncated field');
  }
}

function fromProto(body: Uint8Array): PartialSuccess | undefined {
  try {
    const top = new Reader(body);
    while (!top.done()) {
      const tag = top.varint();
      if (tag !== 0x0a) {
        top.skip(tag % 8);
        continue;
      }
      const [start, end] = top.bytes();
      const r = new Reader(body, end);
      r.pos = start;
      let rejected = 0;
      let message: string | undefined;
      while (!r.done()) {
        const t = r.varint();
        if (t === 0x08) {
          const v = r.varint();
          // A negative int64 reads as a huge value: not a count.
          rejected = Number.isSafeInteger(v) ? v : 0;
        } else if (t === 0x12) {
          const [s, e] = r.bytes();
          message = Buffer.from(body.buffer, body.byteOffset + s, e - s).toString('utf8');
        } else {
          r.skip(t % 8);
        }
      }
      return { rejected, ...(message !== undefined && message !== '' && { message }) };
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function fromJson(signal: Signal, text: string): PartialSuccess | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (doc === null || typeof doc !== 'object') return undefined;
  const top = doc as Record<string, unknown>;
  const ps = top['partialSuccess'] ?? top['partial_success'];
  if (ps === null || typeof ps !== 'object') return undefined;
  const p = ps as Record<string, unknown>;
  const [camel, snake] = REJECTED_KEY[signal];
  const raw = p[camel] ?? p[snake];
  // int64 is a decimal string in OTLP/JSON; decoders also accept numbers.
  const n = typeof raw === 'string' ? Number(raw) : typeof raw === 'number' ? raw : 0;
  const rejected = Number.isSafeInteger(n) && n > 0 ? n : 0;
  const m = p['errorMessage'] ?? p['error_message'];
  return { rejected, ...(typeof m === 'string' && m !== '' && { message: m }) };
}

export function readPartialSuccess(signal: Signal, contentType: string | null, body: Uint8Array, text: string): PartialSuccess | undefined {
  if (body.length === 0) return undefined;
  // Without a Content-Type, a body opening with `{` is JSON: no protobuf response starts so.
  const json = contentType === null ? body[0] === 0x7b : contentType.toLowerCase().includes('json');
  if (json) return fromJson(signal, text);
  return fromProto(body);
}
