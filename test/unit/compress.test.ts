/**
 * forwarder/delivery/compress.ts: a body written item by item, handed to zlib between event-loop
 * turns, comes out as one gzip (or zlib) stream of exactly the bytes written, including when the
 * buffers zlib has finished reading are written into again for later items.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { StreamingCompressor, compressBody } from '../../forwarder/delivery/compress.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const item = (i: number) => `{"message":"line ${i} café ☕","n":${i}}`;

describe('StreamingCompressor', () => {
  it('compresses every item in order across many hand-overs, reusing buffers zlib is done with', async () => {
    const c = new StreamingCompressor('gzip', 1, '[');
    const expected: string[] = [];
    for (let slice = 0; slice < 12; slice++) {
      // Each slice is a different size, so a reused buffer holds older, longer bytes past the new ones.
      for (let i = 0; i < 40 + ((slice * 37) % 90); i++) {
        const text = item(slice * 1000 + i);
        c.append(expected.length > 0 ? ',' : '', text);
        expected.push(text);
      }
      c.handOver();
      await turn();
      await turn();
    }
    const body = await c.end(']');
    expect(gunzipSync(body).toString('utf8')).toBe(`[${expected.join(',')}]`);
  });

  it('takes back the last item and keeps the rest', async () => {
    const c = new StreamingCompressor('deflate', 1, '[');
    c.append('', item(1));
    c.handOver();
    await turn();
    c.append(',', item(2));
    expect(c.takeBack().toString('utf8')).toBe(item(2));
    expect(inflateSync(await c.end(']')).toString('utf8')).toBe(`[${item(1)}]`);
  });
});

describe('compressBody', () => {
  it('gzip and zlib deflate round-trip; none is the body itself', async () => {
    const body = Buffer.from(item(7).repeat(100));
    expect(gunzipSync(await compressBody(body, 'gzip', 1))).toEqual(body);
    expect(inflateSync(await compressBody(body, 'deflate', 1))).toEqual(body);
    expect(await compressBody(body, 'none', 1)).toBe(body);
  });
});
