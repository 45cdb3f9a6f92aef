import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../forwarder/errors.js';
import { type Compression, decompress, detectCompression, hasZstd } from '../../forwarder/sources/decompress.js';

/** `printf 'zstd line 1\nzstd line 2\n' | zstd -c`, one frame. */
const ZSTD_FRAME = Buffer.from('KLUv/QRYpQAAcHpzdGQgbGluZSAxCjIKAQDfShJZUHI8', 'base64');
/** `printf x | bzip2 -c`, first bytes. */
const BZIP2_HEAD = Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]);

async function* chunks(...parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield p;
}

async function readAll(source: AsyncIterable<Buffer>): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of source) out.push(c);
  return Buffer.concat(out).toString('utf8');
}

async function failure(source: AsyncIterable<Buffer>): Promise<unknown> {
  try {
    await readAll(source);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('detectCompression', () => {
  it.each<[string, number[], Compression]>([
    ['gzip magic', [0x1f, 0x8b, 0x08, 0x00], 'gzip'],
    ['zstd magic', [0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
    ['bzip2 "BZh"', [0x42, 0x5a, 0x68, 0x39], 'bzip2'],
    ['plain text', [...Buffer.from('2024-01-01T00:00:00Z hello')], 'none'],
    ['JSON', [...Buffer.from('{"Records":[')], 'none'],
    ['empty object', [], 'none'],
    ['one byte of a gzip magic', [0x1f], 'none'],
    ['gzip magic second byte wrong', [0x1f, 0x8c, 0x08], 'none'],
    ['three bytes of a zstd magic', [0x28, 0xb5, 0x2f], 'none'],
    ['"BZ" without h', [0x42, 0x5a, 0x30], 'none'],
  ])('%s → %s', (_name, bytes, expected) => {
    expect(detectCompression(Uint8Array.from(bytes))).toBe(expected);
  });
});

describe('decompress', () => {
  it('reads every member of a multi-member gzip', async () => {
    const body = Buffer.concat([gzipSync('first\n'), gzipSync('second\n'), gzipSync('third\n')]);

    expect(await readAll(decompress(chunks(body), { maxBytes: 1e6 }))).toBe('first\nsecond\nthird\n');
  });

  it('detects gzip when the magic bytes arrive split across chunks', async () => {
    const body = gzipSync('split magic\n');

    const out = await readAll(decompress(chunks(body.subarray(0, 1), body.subarray(1, 3), body.subarray(3)), { maxBytes: 1e6 }));

    expect(out).toBe('split magic\n');
  });

  it('passes plain bytes through', async () => {
    expect(await readAll(decompress(chunks(Buffer.from('a\n'), Buffer.from('b\n')), { maxBytes: 1e6 }))).toBe('a\nb\n');
  });

  it('reads an empty object as empty', async () => {
    expect(await readAll(decompress(chunks(), { maxBytes: 1e6 }))).toBe('');
  });

  it('reads its source only as fast as its output is consumed', async () => {
    // Random bytes do not compress: 400 source chunks of 16 KiB hold about 6.4 MB of output.
    const gz = gzipSync(randomBytes(400 * 16 * 1024));
    let pulled = 0;
    async function* counting(): AsyncGenerator<Buffer> {
      for (let i = 0; i < gz.length; i += 16 * 1024) {
        pulled++;
        yield gz.subarray(i, i + 16 * 1024);
      }
    }
    const it = decompress(counting(), { maxBytes: 1e9 })[Symbol.asyncIterator]();

    await it.next();
    await sleep(100);

    expect(pulled).toBeLessThan(20);
    await it.return?.(undefined);
  });

  it('stops past the decompressed-bytes cap with a decompression_cap error', async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x61));

    const err = await failure(decompress(chunks(bomb), { maxBytes: 100_000 }));

    expect(err).toBeInstanceOf(BadInputError);
    expect((err as BadInputError).reason).toBe('decompression_cap');
    expect((err as Error).message).toBe('decompressed size passed the cap of 100000 bytes (S3_MAX_DECOMPRESSED_BYTES)');
  });

  it('reports a truncated gzip after the bytes decoded before the cut', async () => {
    const body = gzipSync(Buffer.from('complete line\n'.repeat(10_000)));
    const seen: Buffer[] = [];
    let err: unknown;

    try {
      for await (const c of decompress(chunks(body.subarray(0, body.length - 20)), { maxBytes: 1e9 })) seen.push(c);
    } catch (e) {
      err = e;
    }

    expect(Buffer.concat(seen).length).toBeGreaterThan(0);
    expect((err as Error).message).toBe('unexpected end of file');
  });

  it('fails a bzip2 object with a clear "not supported" error', async () => {
    const err = await failure(decompress(chunks(BZIP2_HEAD), { maxBytes: 1e6 }));

    expect((err as Error).message).toBe('bzip2-compressed object: bzip2 is not supported; store logs gzip- or zstd-compressed');
  });

  it('decodes zstd where the runtime has a decoder, and fails with a clear error where it has none', async () => {
    const result = decompress(chunks(ZSTD_FRAME), { maxBytes: 1e6 });

    if (hasZstd()) {
      expect(await readAll(result)).toBe('zstd line 1\nzstd line 2\n');
    } else {
      expect(((await failure(result)) as Error).message).toBe(
        `zstd-compressed object: this runtime (Node ${process.versions.node}) has no zstd decoder; it needs Node 22.15 or later`,
      );
    }
  });
});
