/**
 * Compression (gzip or zlib deflate) that runs while a batch is still being filled: items are written to a zlib stream in
 * chunks of 64 KiB, so compression proceeds on libuv's thread pool in parallel with the
 * encoding of the next items, and the body is ready soon after the batch closes.
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

const CHUNK = 64 * 1024;

export class StreamingCompressor {
  private readonly z: ReturnType<typeof createGzip>;
  private readonly out: Buffer[] = [];
  private pending: string;
  private readonly done: Promise<Buffer>;

  constructor(compression: 'gzip' | 'deflate', level: number, head: string) {
    this.pending = head;
    this.z = compression === 'gzip' ? createGzip({ level }) : createDeflate({ level });
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.done = new Promise((resolve, reject) => {
      this.z.on('end', () => resolve(Buffer.concat(this.out)));
      this.z.on('error', reject);
    });
    // The result is awaited only when the batch is sent; until then an error must not go unhandled.
    this.done.catch(() => {});
  }

  add(text: string): void {
    this.pending += text;
    if (this.pending.length >= CHUNK) {
      this.z.write(this.pending);
      this.pending = '';
    }
  }

  end(tail: string): Promise<Buffer> {
    this.z.end(this.pending + tail);
    this.pending = '';
    return this.done;
  }
}
