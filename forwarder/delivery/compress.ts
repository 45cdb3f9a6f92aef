/**
 * Compression (gzip or zlib deflate): of a whole body, or while a batch is still being filled
 * (StreamingCompressor), so that compression proceeds on libuv's thread pool in parallel with
 * the encoding of the next items and the body is ready soon after the batch closes.
 */
import { promisify } from 'node:util';
import { createDeflate, createGzip, deflate as deflateCb, gzip as gzipCb } from 'node:zlib';
import type { Compression } from '../destinations/destination.js';

const gzip = promisify(gzipCb);
const deflate = promisify(deflateCb);

/** A whole body compressed off the main thread. `deflate` is the zlib format (RFC 9110 §8.4.1.2), not raw. */
export async function compressBody(body: Uint8Array, compression: Compression, level: number): Promise<Uint8Array> {
  if (compression === 'gzip') return gzip(body, { level });
  if (compression === 'deflate') return deflate(body, { level });
  return body;
}

/** Bytes handed to zlib at a time. */
const CHUNK = 64 * 1024;

/**
 * A body compressed while it is written. Text goes straight into a byte buffer as UTF-8 (one
 * pass that also counts its bytes, which batch cutting needs), and every 64 KiB the buffer goes
 * to zlib, which compresses it on libuv's thread pool while the next items are encoded. The
 * last item appended can be taken back (it did not fit the batch) until the next append.
 */
export class StreamingCompressor {
  private readonly z: ReturnType<typeof createGzip>;
  private readonly out: Buffer[] = [];
  private readonly done: Promise<Buffer>;
  private buf: Buffer;
  private used: number;
  /** Where the last append began, and where its text began (after its separator). */
  private lastStart = -1;
  private lastText = -1;

  constructor(compression: 'gzip' | 'deflate', level: number, head: string) {
    this.z = compression === 'gzip' ? createGzip({ level }) : createDeflate({ level });
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.done = new Promise((resolve, reject) => {
      this.z.on('end', () => resolve(Buffer.concat(this.out)));
      this.z.on('error', reject);
    });
    // The result is awaited only when the batch is sent; until then an error must not go unhandled.
    this.done.catch(() => {});
    this.buf = Buffer.allocUnsafe(2 * CHUNK);
    this.used = this.buf.write(head);
  }

  /** Appends `separator` then `text`; returns the UTF-8 bytes of `text`. */
  append(separator: string, text: string): number {
    // Written only now, so that the previous append can still be taken back.
    if (this.used >= CHUNK) this.flush();
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room for the worst case.
    this.reserve(separator.length * 3 + text.length * 3);
    this.lastStart = this.used;
    if (separator !== '') this.used += this.buf.write(separator, this.used);
    this.lastText = this.used;
    const n = this.buf.write(text, this.used);
    this.used += n;
    return n;
  }

  /** Removes the last append and returns its text's bytes (a copy). */
  takeBack(): Buffer {
    if (this.lastStart < 0) throw new Error('nothing to take back');
    const text = Buffer.from(this.buf.subarray(this.lastText, this.used));
    this.used = this.lastStart;
    this.lastStart = -1;
    return text;
  }

  /** Appends bytes already encoded (an item taken back from another body). */
  appendBytes(separator: string, bytes: Uint8Array): void {
    if (this.used >= CHUNK) this.flush();
    this.reserve(separator.length * 3 + bytes.length);
    this.lastStart = this.used;
    if (separator !== '') this.used += this.buf.write(separator, this.used);
    this.lastText = this.used;
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  end(tail: string): Promise<Buffer> {
    this.reserve(tail.length * 3);
    this.used += this.buf.write(tail, this.used);
    this.z.end(this.buf.subarray(0, this.used));
    this.used = 0;
    return this.done;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }

  /** Hands what is buffered to zlib; zlib keeps that buffer, so a new one follows. */
  private flush(): void {
    if (this.used > 0) {
      this.z.write(this.buf.subarray(0, this.used));
      this.buf = Buffer.allocUnsafe(2 * CHUNK);
    }
    this.used = 0;
    this.lastStart = -1;
  }
}
