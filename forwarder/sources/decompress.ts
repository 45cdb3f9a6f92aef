/**
 * Streaming decompression of S3 objects, chosen by magic bytes, never by the key's extension:
 * - gzip (1f 8b): node:zlib createGunzip, which reads every member of a multi-member file
 *   (Firehose concatenates gzip records);
 * - zstd (28 b5 2f fd): node:zlib's zstd decoder when the runtime has it (Node ≥ 22.15 / 23.8);
 *   on older runtimes the object fails with a clear error;
 * - bzip2 ('BZh'): unsupported (no decoder in node:zlib and no well-kept library installed):
 *   the object fails with a clear error;
 * - anything else is read as is.
 *
 * A cap on decompressed bytes stops decompression bombs: past `maxBytes` the stream is torn
 * down and a BadInputError('decompression_cap') is thrown. Back-pressure holds end to end: the
 * output is an async iterable pulled by the consumer, and zlib reads its input only as fast as
 * its output is consumed (at most a stream buffer or two ahead).
 */
import { pipeline, Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { BadInputError } from '../errors.js';

export const COMPRESSIONS = ['gzip', 'zstd', 'bzip2', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** Bytes needed to tell the formats apart. */
export const MAGIC_BYTES = 4;

/** Output chunk size of the decoders: fewer, larger chunks are cheaper to split into lines. */
const CHUNK_SIZE = 64 * 1024;

/** The compression announced by the first bytes of an object. Pure. */
export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  return 'none';
}

// @types/node 20 does not declare zstd; newer runtimes provide it at run time.
type ZstdFactory = (options?: { chunkSize?: number }) => Transform;
const zstdFactory = (zlib as unknown as { createZstdDecompress?: ZstdFactory }).createZstdDecompress;

/** Whether this runtime can decode zstd. */
export function hasZstd(): boolean {
  return typeof zstdFactory === 'function';
}

export interface DecompressOptions {
  /** Decompressed bytes allowed before the object fails (S3_MAX_DECOMPRESSED_BYTES). */
  readonly maxBytes: number;
}

export interface DecompressedStream extends AsyncIterable<Buffer> {
  /** Decompressed bytes produced so far. */
  readonly bytes: () => number;
}

/**
 * Decompresses `source` as it is pulled. Errors (corrupt or truncated data, unsupported
 * compression, the cap) are thrown from the iteration, after every chunk decoded before them.
 */
export function decompress(source: AsyncIterable<Uint8Array>, options: DecompressOptions): DecompressedStream {
  let produced = 0;
  async function* run(): AsyncGenerator<Buffer> {
    const input = source[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < MAGIC_BYTES) {
      const next = await input.next();
      if (next.done === true) {
        ended = true;
        break;
      }
      const b = toBuffer(next.value);
      head.push(b);
      headBytes += b.length;
    }
    const compression = detectCompression(head.length === 1 ? (head[0] as Buffer) : Buffer.concat(head));
    let decoder: Transform | undefined;
    try {
      decoder = decoderFor(compression);
    } catch (err) {
      if (!ended) await input.return?.();
      throw err;
    }
    const rest = replay(head, ended ? undefined : input);
    const output: AsyncIterable<Buffer> = decoder === undefined ? rest : pipeInto(rest, decoder);
    for await (const chunk of output) {
      produced += chunk.length;
      if (produced > options.maxBytes) {
        throw new BadInputError(
          'decompression_cap',
          `decompressed size passed the cap of ${options.maxBytes} bytes (S3_MAX_DECOMPRESSED_BYTES)`,
        );
      }
      yield chunk;
    }
  }
  return {
    [Symbol.asyncIterator]: () => run(),
    bytes: () => produced,
  };
}

function decoderFor(compression: Compression): Transform | undefined {
  switch (compression) {
    case 'gzip':
      return zlib.createGunzip({ chunkSize: CHUNK_SIZE });
    case 'zstd':
      if (zstdFactory === undefined) {
        throw new BadInputError(
          'unsupported_compression',
          `zstd-compressed object: this runtime (Node ${process.versions.node}) has no zstd decoder; it needs Node 22.15 or later`,
        );
      }
      return zstdFactory({ chunkSize: CHUNK_SIZE });
    case 'bzip2':
      throw new BadInputError('unsupported_compression', 'bzip2-compressed object: bzip2 is not supported; store logs gzip- or zstd-compressed');
    default:
      return undefined;
  }
}

/** Feeds `input` into `decoder` and iterates its output; a decode error ends the iteration with it. */
function pipeInto(input: AsyncIterable<Buffer>, decoder: Transform): AsyncIterable<Buffer> {
  // pipeline tears both down together: a source error reaches the decoder's iteration, and a
  // consumer that stops early releases the source. The callback has nothing to add: every
  // error already surfaces through the iteration.
  pipeline(Readable.from(input, { objectMode: false }), decoder, () => undefined);
  return decoder;
}

async function* replay(head: Buffer[], input: AsyncIterator<Uint8Array> | undefined): AsyncGenerator<Buffer> {
  for (const b of head) yield b;
  if (input === undefined) return;
  try {
    for (;;) {
      const next = await input.next();
      if (next.done === true) return;
      yield toBuffer(next.value);
    }
  } finally {
    // Stopped early (error or consumer gone): release the source (the HTTP body).
    await input.return?.();
  }
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
