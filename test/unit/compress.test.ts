/**
 * forwarder/delivery/compress.ts: a body written item by item, handed to zlib between event-loop
 * turns (one write in flight at a time), comes out as one gzip (or zlib) stream of exactly the
 * bytes written, including when the buffers zlib has finished reading are written into again for
 * later items.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { StreamingCompressor, compressBody } from '../../forwarder/delivery/compress.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const FRAMING = { head: '[', separator: ',', tail: ']' };
const item = (i: number) => `{"message":"line ${i} café ☕","n":${i}}`;

describe('StreamingCompressor', () => {
  it('compresses every item in order across many hand-overs, reusing buffers zlib is done with', async () => {
    const c = new StreamingCompressor('gzip', 1, FRAMING);
    const expected: string[] = [];
    for (let slice = 0; slice < 12; slice++) {
      // Each slice is a different size, so a reused buffer holds older, longer bytes past the new ones.
      for (let i = 0; i < 40 + ((slice * 37) % 90); i++) {
        const text = item(slice * 1000 + i);
        c.append(text);
        expected.push(text);
      }
      c.handOver();
      await turn();
      await turn();
    }
    const body = await c.end();
    expect(gunzipSync(body).toString('utf8')).toBe(`[${expected.join(',')}]`);
  });

  it('hands over with a write in flight: what was written waits for the next hand-over, nothing lost or reordered', async () => {
    const c = new StreamingCompressor('gzip', 1, FRAMING);
    const expected: string[] = [];
    for (let slice = 0; slice < 30; slice++) {
      for (let i = 0; i < 50; i++) {
        const text = item(slice * 100 + i);
        c.append(text);
        expected.push(text);
      }
      // Most hand-overs find the previous write still in flight (no turn in between).
      c.handOver();
      if (slice % 7 === 6) await turn();
    }
    const body = await c.end();
    expect(gunzipSync(body).toString('utf8')).toBe(`[${expected.join(',')}]`);
  });

  it('a full buffer goes to zlib even with a write in flight (queued behind it): still every item, in order', async () => {
    const c = new StreamingCompressor('deflate', 1, FRAMING);
    const expected: string[] = [];
    c.append(item(0));
    expected.push(item(0));
    c.handOver();
    // No turn: the first write stays in flight while 3 MB more are appended.
    for (let i = 1; i < 70_000; i++) {
      c.append(item(i));
      expected.push(item(i));
    }
    expect(inflateSync(await c.end()).toString('utf8')).toBe(`[${expected.join(',')}]`);
  });

  it('an item larger than a buffer (128 KiB) gets a buffer of its own', async () => {
    const c = new StreamingCompressor('gzip', 1, FRAMING);
    const big = `"${'x'.repeat(300_000)}"`;
    c.append(item(1));
    c.handOver();
    c.append(big);
    c.append(item(2));
    expect(gunzipSync(await c.end()).toString('utf8')).toBe(`[${item(1)},${big},${item(2)}]`);
  });

  it('lastWriteStarted settles at once with nothing handed over, else once zlib has taken the writes', async () => {
    const idle = new StreamingCompressor('gzip', 1, FRAMING);
    idle.append(item(1));
    // Settled before the event loop turns: nothing for zlib to take.
    expect(await Promise.race([idle.lastWriteStarted().then(() => 'settled'), turn().then(() => 'turn')])).toBe('settled');

    const busy = new StreamingCompressor('gzip', 1, FRAMING);
    busy.append(item(2));
    busy.handOver();
    const started = busy.lastWriteStarted();
    // The write's callback runs only once zlib has read it, on a later turn of the event loop.
    expect(await Promise.race([started.then(() => 'taken'), Promise.resolve('not yet')])).toBe('not yet');
    await started;
    expect(gunzipSync(await busy.end()).toString('utf8')).toBe(`[${item(2)}]`);
  });

  it('joins items with the framing\'s separator, a longer one too, and not before the first', async () => {
    const c = new StreamingCompressor('gzip', 1, { head: '{"items":[\n', separator: ',\n', tail: '\n]}' });
    for (let i = 0; i < 3; i++) c.append(item(i));
    expect(gunzipSync(await c.end()).toString('utf8')).toBe(`{"items":[\n${item(0)},\n${item(1)},\n${item(2)}\n]}`);
  });

  it('takes back the last item and keeps the rest', async () => {
    const c = new StreamingCompressor('deflate', 1, FRAMING);
    c.append(item(1));
    c.handOver();
    await turn();
    c.append(item(2));
    expect(c.takeBack().toString('utf8')).toBe(item(2));
    expect(inflateSync(await c.end()).toString('utf8')).toBe(`[${item(1)}]`);
  });
});

describe('compressBody', () => {
  it.each([
    ['small (compressed on this thread)', 100],
    ['large (compressed on the thread pool)', 5_000],
  ])('%s: gzip and zlib deflate round-trip; none is the body itself', async (_, copies) => {
    const body = Buffer.from(item(7).repeat(copies));
    expect(gunzipSync(await compressBody(body, 'gzip', 1))).toEqual(body);
    expect(inflateSync(await compressBody(body, 'deflate', 1))).toEqual(body);
    expect(await compressBody(body, 'none', 1)).toBe(body);
  });
});
