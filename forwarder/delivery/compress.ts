/**
 * Compression (gzip or zlib deflate): of a whole body (on this thread when it is small), or while
 * a batch is still being filled (StreamingCompressor), so that compression proceeds on libuv's
 * thread pool in parallel with the encoding of the next items and the body is ready soon after
 * the batch closes.
 */
import { promisify } from 'node:util';
import { createDeflate, createGzip, deflate as deflateCb, deflateSync, gzip as gzipCb, gzipSync } from 'node:zlib';
import type { Compression, SignalEncoder } from '../destinations/destination.js';

/** A text body's framing: the items joined by `separator` between `head` and `tail`. */
export type Framing = NonNullable<SignalEncoder['framing']>;

const gzip = promisify(gzipCb);
const deflate = promisify(deflateCb);

/** Below this size a whole body is compressed on this thread: faster than a round trip to the pool. */
const SMALL_BODY = 64 * 1024;

/**
 * A whole body compressed; off the main thread unless it is small (a metrics body of a
 * CloudWatch batch, ~20 KB, takes ~0.1 ms at level 1, where the thread pool answers in ~0.3 ms
 * here while it compresses the logs body). `deflate` is the zlib format (RFC 9110 §8.4.1.2), not raw.
 */
export async function compressBody(body: Uint8Array, compression: Compression, level: number): Promise<Uint8Array> {
  if (compression === 'none') return body;
  if (body.length < SMALL_BODY) return compression === 'gzip' ? gzipSync(body, { level }) : deflateSync(body, { level });
  return compression === 'gzip' ? gzip(body, { level }) : deflate(body, { level });
}

const EMPTY = Buffer.alloc(0);
const noop = (): void => {};

/** Size of the buffers items are written into (larger only for an item that does not fit one). */
const INITIAL = 128 * 1024;

/**
 * Buffers zlib has finished reading, for the next hand-overs and bodies: a few, shared. A new
 * buffer costs twice as much to fill (its pages are new), and without these every body took new
 * ones, ~0.4 MB per CloudWatch batch of memory outside the JS heap, which counts toward V8's
 * limits for a full GC (BENCHMARKS.md, fifth session).
 */
const free: Buffer[] = [];
const FREE_MAX = 4;
const takeBuffer = (): Buffer => free.pop() ?? Buffer.allocUnsafe(INITIAL);
const giveBack = (b: Buffer): void => {
  if (b.length === INITIAL && free.length < FREE_MAX) free.push(b);
};

/**
 * A body compressed while it is written. Text goes straight into a byte buffer as UTF-8 (one
 * pass that also counts its bytes, which batch cutting needs). zlib compresses on libuv's thread
 * pool one write at a time, and starts the next write only when this thread has run the callback
 * of the one before. So one write is in flight at a time: a hand-over (`handOver`, called by
 * delivery before the event loop turns) writes everything written since the last write, unless a
 * write is in flight; what waits then goes as one write as soon as zlib calls back (a full buffer
 * goes at once, queued behind the write in flight). zlib works on a write while this thread
 * encodes the next items, and when a batch ends it has the write in flight and the last one to
 * do, rather than a queue of writes that each wait for a turn of this thread (BENCHMARKS.md,
 * fifth session). The last item appended can be taken back (it did not fit the batch) until the
 * next append, hand-over or turn of the event loop.
 */
export class StreamingCompressor {
  private readonly z: ReturnType<typeof createGzip>;
  private readonly out: Buffer[] = [];
  private readonly done: Promise<Buffer>;
  private buf: Buffer;
  /** The buffer of the last write (end's), given back when zlib is done with it. */
  private last: Buffer = EMPTY;
  private used: number;
  /** The separator as UTF-8, written before every item but the first. */
  private readonly separator: Buffer;
  /** Items in the body (a taken-back one no longer counts). */
  private items = 0;
  /** Where the last append began, and where its text began (after its separator). */
  private lastStart = -1;
  private lastText = -1;
  /** Writes zlib has not called back yet: one, or more after forced hand-overs. */
  private inFlight = 0;
  /** Settles when zlib has taken every write handed over so far (their callbacks ran). */
  private taken: Promise<void> = Promise.resolve();

  constructor(
    compression: 'gzip' | 'deflate',
    level: number,
    private readonly framing: Framing,
  ) {
    this.separator = Buffer.from(framing.separator);
    this.z = compression === 'gzip' ? createGzip({ level }) : createDeflate({ level });
    this.z.on('data', (c: Buffer) => this.out.push(c));
    this.done = new Promise((resolve, reject) => {
      this.z.on('end', () => {
        if (this.last !== EMPTY) giveBack(this.last);
        resolve(Buffer.concat(this.out));
      });
      this.z.on('error', reject);
    });
    // The result is awaited only when the batch is sent; until then an error must not go unhandled.
    this.done.catch(noop);
    const { head } = framing;
    this.buf = head.length * 3 > INITIAL ? Buffer.allocUnsafe(head.length * 3) : takeBuffer();
    this.used = this.buf.write(head);
  }

  /**
   * Appends an item: the separator (unless it is the first), `text` and `tail` (bytes already
   * encoded: a suffix many items share, or an item taken back from another body). Returns the
   * bytes of text and tail.
   */
  append(text: string, tail?: Uint8Array): number {
    const tailBytes = tail === undefined ? 0 : tail.length;
    const separator = this.items > 0 ? this.separator : EMPTY;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room for the worst case.
    this.reserve(separator.length + text.length * 3 + tailBytes);
    this.lastStart = this.used;
    // The separator as bytes, a one-byte one (`,`) by hand: a write() call costs ~70 ns however
    // short its text, as much as writing an item's ~300 characters (BENCHMARKS.md, sixth session).
    if (separator.length === 1) this.buf[this.used++] = separator[0] as number;
    else if (separator.length > 1) this.used += separator.copy(this.buf, this.used);
    this.lastText = this.used;
    const n = this.buf.write(text, this.used);
    this.used += n;
    if (tail !== undefined) {
      this.buf.set(tail, this.used);
      this.used += tailBytes;
    }
    this.items++;
    return n + tailBytes;
  }

  /** Removes the last append and returns its text's bytes, without the separator (a copy). */
  takeBack(): Buffer {
    if (this.lastStart < 0) throw new Error('nothing to take back');
    const text = Buffer.from(this.buf.subarray(this.lastText, this.used));
    this.used = this.lastStart;
    this.lastStart = -1;
    this.items--;
    return text;
  }

  /** Closes the body with the framing's tail; the compressed body. */
  end(): Promise<Buffer> {
    const { tail } = this.framing;
    this.reserve(tail.length * 3);
    this.used += this.buf.write(tail, this.used);
    this.z.end(this.buf.subarray(0, this.used));
    // zlib holds that last buffer until it is done; then it goes back.
    this.last = this.buf;
    this.buf = EMPTY;
    this.used = 0;
    this.lastStart = -1;
    return this.done;
  }

  /**
   * Settles once zlib has taken every write handed over before `end`: it is then working on the
   * last one and needs this thread no more (or the stream failed; `end`'s promise says so).
   */
  lastWriteStarted(): Promise<void> {
    return Promise.race([this.taken, this.done.then(noop, noop)]);
  }

  /** Hands what was written since the last write to zlib, unless a write is in flight (see the class comment). */
  handOver(): void {
    if (this.inFlight === 0) this.write();
  }

  /** What was written since the last write, to zlib as one write. */
  private write(): void {
    if (this.used === 0) return;
    this.inFlight++;
    const written = this.buf;
    // zlib keeps that buffer until it has read it (the write's callback); then it goes back.
    this.taken = new Promise((resolve) => {
      this.z.write(written.subarray(0, this.used), () => {
        this.inFlight--;
        giveBack(written);
        resolve();
        // What waited goes now, not at the next hand-over a whole slice later: zlib is idle.
        if (this.inFlight === 0 && this.buf !== EMPTY) this.write();
      });
    });
    this.buf = takeBuffer();
    this.used = 0;
    this.lastStart = -1;
  }

  /**
   * Room for `bytes` more. A full buffer goes to zlib even while a write is in flight (it queues
   * behind it) rather than into a bigger buffer: nothing is copied (growing measured slower), and
   * what waits here is at most one buffer; what queues in zlib is bounded by the batch's size.
   * Called before an append, when the last one can no longer be taken back.
   */
  private reserve(bytes: number): void {
    if (this.used + bytes <= this.buf.length) return;
    this.write();
    // An item larger than a buffer gets one of its own (nothing is waiting in it now).
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }
}
