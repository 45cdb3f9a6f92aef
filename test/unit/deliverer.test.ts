/**
 * forwarder/delivery/deliverer.ts with in-memory destinations: batches cut on the exact item
 * and byte limits (the real Datadog logs encoder: 1,000 items, 5,000,000 bytes), back-pressure
 * (push returns a promise when every slot is busy, and no more than `concurrency` requests are
 * ever in flight), bisection of a 400 down to the one bad item, splitting on 413, and the
 * outcome of every item counted (forwarded, rejected, truncated, stored, failed) with the
 * failed inputs reported.
 */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import { type DelivererOptions, type FailedBatch, Deliverer } from '../../forwarder/delivery/deliverer.js';
import { createDatadogLogEncoder } from '../../forwarder/destinations/datadog-logs.js';
import type { Destination, SendResult, SignalEncoder } from '../../forwarder/destinations/destination.js';
import type { LogRecord, MetricGroup } from '../../forwarder/model.js';

interface Send {
  readonly body: string;
  /** The messages of the items in the body. */
  readonly messages: string[];
}

interface Recorder {
  readonly destination: Destination;
  readonly sends: Send[];
  inFlight: number;
  maxInFlight: number;
}

/** A log record as the record builder makes them (only what delivery reads matters). */
function log(message: string, input = 0): LogRecord {
  return { type: 'log', timestamp: 1704067200000, message, resource: {}, attributes: {}, source: 'lambda', service: 'orders-api', tags: [], input };
}

/** An encoder whose items are the bare messages as JSON strings, with tiny limits. */
function tinyEncoder(maxItems: number, maxBytes = 1_000_000): SignalEncoder<string> {
  return {
    limits: { maxItems, maxBytes },
    framingBytes: 2,
    separatorBytes: 1,
    encode(t) {
      if (t.type !== 'log') return { ok: false, reason: 'not_a_log' };
      const value = JSON.stringify({ message: t.message });
      return { ok: true, value, bytes: Buffer.byteLength(value) };
    },
    assemble: (values) => `[${values.join(',')}]`,
  };
}

function recorder(
  answer: (messages: string[], attempt: number) => SendResult | Promise<SendResult>,
  options: { encoder?: SignalEncoder<string>; compression?: 'gzip' | 'none' } = {},
): Recorder {
  const encoder = (options.encoder ?? createDatadogLogEncoder({ tags: [] })) as SignalEncoder;
  const rec: Recorder = {
    sends: [],
    inFlight: 0,
    maxInFlight: 0,
    destination: {
      name: 'test',
      compression: () => options.compression ?? 'none',
      encoder: (signal) => (signal === 'logs' ? encoder : undefined),
      async send(_signal, body) {
        const text = options.compression === 'gzip' ? gunzipSync(body).toString('utf8') : Buffer.from(body).toString('utf8');
        const messages = (JSON.parse(text) as Array<{ message: string }>).map((i) => i.message);
        rec.sends.push({ body: text, messages });
        rec.inFlight++;
        rec.maxInFlight = Math.max(rec.maxInFlight, rec.inFlight);
        try {
          return await answer(messages, rec.sends.length);
        } finally {
          rec.inFlight--;
        }
      },
    },
  };
  return rec;
}

function deliverer(dest: Destination, counters: Counters, options: Partial<DelivererOptions> = {}): Deliverer {
  return new Deliverer([dest], {
    concurrency: 4,
    requestTimeoutMs: 1_000,
    maxRetries: 0,
    retryBaseDelayMs: 1,
    deadline: () => Date.now() + 60_000,
    counters,
    ...options,
  });
}

/** Pushes like the pipeline does: waits whenever push asks it to. */
async function pushAll(d: Deliverer, items: readonly LogRecord[]): Promise<number> {
  let waits = 0;
  for (const item of items) {
    const wait = d.push(item);
    if (wait !== undefined) {
      waits++;
      await wait;
    }
  }
  return waits;
}

const ok = (): SendResult => ({ kind: 'ok' });
const range = (n: number, f: (i: number) => string = (i) => `line ${i}`) => Array.from({ length: n }, (_, i) => log(f(i)));

describe('batch cutting', () => {
  it('1,000 items make one request', async () => {
    const rec = recorder(ok);
    const d = deliverer(rec.destination, new Counters());
    await pushAll(d, range(1000));
    await d.finish();
    expect(rec.sends.map((s) => s.messages.length)).toEqual([1000]);
  });

  it('1,001 items make two requests: 1,000 and 1', async () => {
    const rec = recorder(ok);
    const d = deliverer(rec.destination, new Counters());
    await pushAll(d, range(1001));
    await d.finish();
    expect(rec.sends.map((s) => s.messages.length).sort((a, b) => b - a)).toEqual([1000, 1]);
  });

  it('2,500 items make 1,000 + 1,000 + 500, in order, none lost', async () => {
    const rec = recorder(ok);
    const d = deliverer(rec.destination, new Counters());
    const items = range(2500);
    await pushAll(d, items);
    await d.finish();
    expect(rec.sends.map((s) => s.messages.length)).toEqual([1000, 1000, 500]);
    expect(rec.sends.flatMap((s) => s.messages)).toEqual(items.map((i) => i.message));
  });

  /** Records whose Datadog items are exactly `sizes` bytes each. */
  function sized(sizes: readonly number[]): LogRecord[] {
    const enc = createDatadogLogEncoder({ tags: [] });
    const bytesOf = (r: LogRecord) => {
      const e = enc.encode(r);
      return e.ok ? Buffer.byteLength(e.value) : -1;
    };
    const base = bytesOf(log(''));
    return sizes.map((size, i) => {
      const r = log(`${i}${'x'.repeat(size - base - String(i).length)}`);
      expect(bytesOf(r)).toBe(size);
      return r;
    });
  }

  it('a body of exactly 5,000,000 bytes goes as one request', async () => {
    // [ + 5 items + 4 commas + ] = 5,000,000
    const items = sized([999_999, 999_999, 999_999, 999_999, 999_998]);
    const rec = recorder(ok);
    const d = deliverer(rec.destination, new Counters());
    await pushAll(d, items);
    await d.finish();
    expect(rec.sends.map((s) => Buffer.byteLength(s.body))).toEqual([5_000_000]);
  });

  it('one byte more cuts the batch before the item that would pass the limit', async () => {
    const items = sized([999_999, 999_999, 999_999, 999_999, 999_999]);
    const rec = recorder(ok);
    const d = deliverer(rec.destination, new Counters());
    await pushAll(d, items);
    await d.finish();
    expect(rec.sends.map((s) => Buffer.byteLength(s.body))).toEqual([2 + 4 * 999_999 + 3, 2 + 999_999]);
  });

  it('compressing on the fly, a body of exactly 5,000,000 bytes goes as one request', async () => {
    // [ + 16 items + 15 commas + ] = 5,000,000; items this size are counted as they are written
    const items = sized([...Array<number>(15).fill(312_499), 312_498]);
    const rec = recorder(ok, { compression: 'gzip' });
    const d = deliverer(rec.destination, new Counters());
    await pushAll(d, items);
    await d.finish();
    expect(rec.sends.map((s) => Buffer.byteLength(s.body))).toEqual([5_000_000]);
  });

  it('compressing on the fly, the item that would pass the limit is taken back and opens the next body', async () => {
    const items = sized(Array<number>(16).fill(312_499));
    const rec = recorder(ok, { compression: 'gzip' });
    const d = deliverer(rec.destination, new Counters());
    await pushAll(d, items);
    await d.finish();
    // Requests run concurrently: the smaller body may be sent first.
    const bodies = [...rec.sends].sort((a, b) => b.body.length - a.body.length);
    expect(bodies.map((s) => Buffer.byteLength(s.body))).toEqual([2 + 15 * 312_499 + 14, 2 + 312_499]);
    expect(bodies.flatMap((s) => s.messages)).toEqual(items.map((i) => i.message));
  });

  it('a gzip destination gets the same body, compressed', async () => {
    const rec = recorder(ok, { compression: 'gzip' });
    const d = deliverer(rec.destination, new Counters());
    const items = range(900, (i) => `line ${i} ${'payload é☕🚀 '.repeat(40)}`);
    await pushAll(d, items);
    await d.finish();
    const enc = createDatadogLogEncoder({ tags: [] });
    const expected = enc.assemble(items.map((i) => {
      const e = enc.encode(i);
      return e.ok ? e.value : '';
    }));
    expect(rec.sends.map((s) => s.body)).toEqual([expected]);
  });
});

describe('back-pressure', () => {
  it('push returns a promise once `concurrency` requests are in flight', async () => {
    const gates: Array<() => void> = [];
    const rec = recorder(() => new Promise<SendResult>((resolve) => gates.push(() => resolve({ kind: 'ok' }))), { encoder: tinyEncoder(1) });
    const d = deliverer(rec.destination, new Counters(), { concurrency: 2 });
    // One item per batch: item 2 sends item 1, item 3 sends item 2; both slots are then busy.
    expect(d.push(log('a'))).toBeUndefined();
    expect(d.push(log('b'))).toBeUndefined();
    const wait = d.push(log('c'));
    expect(wait).toBeInstanceOf(Promise);
    await new Promise((r) => setTimeout(r, 10));
    expect(rec.inFlight).toBe(2);
    let released = false;
    void wait?.then(() => {
      released = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(released).toBe(false);
    gates.shift()?.();
    await wait;
    expect(released).toBe(true);
    for (const g of gates.splice(0)) g();
    const finishing = d.finish();
    await new Promise((r) => setTimeout(r, 10));
    for (const g of gates.splice(0)) g();
    await finishing;
    expect(rec.sends.map((s) => s.messages)).toEqual([['a'], ['b'], ['c']]);
  });

  it('never more than `concurrency` requests in flight when the caller waits as asked', async () => {
    const rec = recorder(() => new Promise<SendResult>((resolve) => setTimeout(() => resolve({ kind: 'ok' }), 3)), { encoder: tinyEncoder(2) });
    const d = deliverer(rec.destination, new Counters(), { concurrency: 3 });
    const waits = await pushAll(d, range(60));
    await d.finish();
    expect(rec.sends).toHaveLength(30);
    expect(waits).toBeGreaterThan(0);
    expect(rec.maxInFlight).toBe(3);
  });
});

describe('outcomes', () => {
  it('a 400 is bisected down to the one bad item, the others are forwarded', async () => {
    const rec = recorder((messages) =>
      messages.includes('poison') ? { kind: 'reject', status: 400, badInput: true, reason: 'HTTP 400' } : { kind: 'ok' },
    );
    const counters = new Counters();
    const d = deliverer(rec.destination, counters);
    const items = range(8, (i) => (i === 5 ? 'poison' : `line ${i}`));
    await pushAll(d, items);
    const report = await d.finish();
    expect([counters.get('forwarded'), counters.get('rejected', { reason: 'status_400' }), report.failedInputs.size]).toEqual([7, 1, 0]);
    expect(rec.sends.filter((s) => s.messages.length === 1 && s.messages[0] === 'poison')).toHaveLength(1);
    expect(new Set(rec.sends.filter((s) => !s.messages.includes('poison')).flatMap((s) => s.messages))).toEqual(
      new Set(items.filter((i) => i.message !== 'poison').map((i) => i.message)),
    );
  });

  it('a 413 splits the batch until the halves fit', async () => {
    const rec = recorder((messages) => (messages.length > 2 ? { kind: 'split', status: 413, reason: 'HTTP 413' } : { kind: 'ok' }));
    const counters = new Counters();
    const d = deliverer(rec.destination, counters);
    await pushAll(d, range(8));
    await d.finish();
    expect(counters.get('forwarded')).toBe(8);
    expect(rec.sends.filter((s) => s.messages.length <= 2).flatMap((s) => s.messages).sort()).toEqual(range(8).map((i) => i.message).sort());
  });

  it('a batch that still fails reports its inputs and counts its items failed', async () => {
    const rec = recorder(() => ({ kind: 'retry', status: 503, reason: 'HTTP 503' }));
    const counters = new Counters();
    const d = deliverer(rec.destination, counters);
    await pushAll(d, [log('a', 0), log('b', 1), log('c', 1), log('d', 2)]);
    const report = await d.finish();
    expect([...report.failedInputs].sort()).toEqual([0, 1, 2]);
    expect(counters.get('failed', { destination: 'test', signal: 'logs' })).toBe(4);
  });

  it('only the inputs of the failed batch are reported', async () => {
    const rec = recorder((messages) => (messages.includes('bad') ? { kind: 'retry', reason: 'HTTP 500', status: 500 } : { kind: 'ok' }), {
      encoder: tinyEncoder(2),
    });
    const counters = new Counters();
    const d = deliverer(rec.destination, counters);
    await pushAll(d, [log('a', 0), log('b', 0), log('bad', 1), log('c', 2)]);
    const report = await d.finish();
    expect([...report.failedInputs].sort()).toEqual([1, 2]);
    expect([counters.get('forwarded'), counters.get('failed')]).toEqual([2, 2]);
  });

  it('retries a retryable answer and counts the batch forwarded when it recovers', async () => {
    const rec = recorder((_m, attempt) => (attempt === 1 ? { kind: 'retry', status: 500, reason: 'HTTP 500' } : { kind: 'ok' }));
    const counters = new Counters();
    const d = deliverer(rec.destination, counters, { maxRetries: 3 });
    await pushAll(d, range(3));
    const report = await d.finish();
    expect([rec.sends.length, counters.get('forwarded'), report.failedInputs.size]).toEqual([2, 3, 0]);
  });

  it('a refused key (401) is not retried', async () => {
    const rec = recorder(() => ({ kind: 'reject', status: 401, badInput: false, reason: 'HTTP 401' }));
    const counters = new Counters();
    const d = deliverer(rec.destination, counters, { maxRetries: 5 });
    await pushAll(d, range(3));
    const report = await d.finish();
    expect([rec.sends.length, counters.get('failed'), [...report.failedInputs]]).toEqual([1, 3, [0]]);
  });

  it('the failure hook keeps a failed batch: stored, not failed', async () => {
    const rec = recorder(() => ({ kind: 'retry', status: 503, reason: 'HTTP 503' }));
    const counters = new Counters();
    const kept: FailedBatch[] = [];
    const d = deliverer(rec.destination, counters, { onFailure: async (b) => (kept.push(b), true) });
    await pushAll(d, [log('a', 0), log('b', 1)]);
    const report = await d.finish();
    expect([counters.get('stored'), counters.get('failed'), report.failedInputs.size]).toEqual([2, 0, 0]);
    expect(kept.map((b) => [b.items, [...b.inputs], b.reason, JSON.parse(Buffer.from(b.body).toString('utf8')).length])).toEqual([[2, [[0, 1], [1, 1]], 'HTTP 503', 2]]);
  });

  it('a failure hook that throws leaves the batch failed', async () => {
    const rec = recorder(() => ({ kind: 'retry', status: 503, reason: 'HTTP 503' }));
    const counters = new Counters();
    const d = deliverer(rec.destination, counters, {
      onFailure: async () => {
        throw new Error('bucket unreachable');
      },
    });
    await pushAll(d, [log('a', 0)]);
    const report = await d.finish();
    expect([counters.get('failed'), [...report.failedInputs]]).toEqual([1, [0]]);
  });

  it('no attempt starts past the deadline: the batch fails', async () => {
    const rec = recorder(ok);
    const counters = new Counters();
    const d = deliverer(rec.destination, counters, { deadline: () => Date.now() - 1 });
    await pushAll(d, [log('a', 0)]);
    const report = await d.finish();
    expect([rec.sends.length, counters.get('failed'), [...report.failedInputs]]).toEqual([0, 1, [0]]);
  });

  it('an oversized log is truncated, sent and counted truncated', async () => {
    const rec = recorder(ok);
    const counters = new Counters();
    const d = deliverer(rec.destination, counters);
    await pushAll(d, [log('x'.repeat(1_100_000)), log('small')]);
    await d.finish();
    expect([counters.get('truncated'), counters.get('forwarded')]).toEqual([1, 2]);
    expect(rec.sends[0]?.messages[0]?.endsWith('...TRUNCATED...')).toBe(true);
  });

  it('an item the encoder refuses is counted rejected with its reason', async () => {
    const rec = recorder(ok);
    const counters = new Counters();
    // A destination that hands metrics to the logs encoder, which refuses them.
    const logsEncoder = rec.destination.encoder('logs');
    const d = deliverer({ ...rec.destination, encoder: () => logsEncoder }, counters);
    d.push({ type: 'metric', name: 'm', value: 1, unit: '1', timestamp: 0, kind: 'gauge', tags: {}, input: 0 });
    await d.finish();
    expect([rec.sends.length, counters.get('rejected', { signal: 'metrics', destination: 'test', reason: 'not_a_log' })]).toEqual([0, 1]);
  });
});

describe('metric groups (the points of one REPORT as one item)', () => {
  const group = (input: number, values: number[]): MetricGroup => ({
    type: 'metrics',
    names: values.map((_, i) => `m${i}`),
    values,
    units: values.map(() => '1'),
    timestamp: 1704067200000,
    kind: 'distribution',
    tags: {},
    input,
  });

  /** Metric bodies as JSON arrays of `name=value`; `grouped` gives the encoder an encodeGroup. */
  function metricsRecorder(grouped: boolean, answer: () => SendResult, maxItems = 5) {
    const sends: string[][] = [];
    const encoder: SignalEncoder<string[]> = {
      limits: { maxItems, maxBytes: 1_000_000 },
      framingBytes: 2,
      separatorBytes: 1,
      encode: (t) => (t.type === 'metric' ? { ok: true, value: [`${t.name}=${t.value}`], bytes: 10 } : { ok: false, reason: 'not_a_point' }),
      ...(grouped && { encodeGroup: (g: MetricGroup) => ({ ok: true as const, value: g.names.map((n, i) => `${n}=${g.values[i]}`), bytes: 10 * g.names.length }) }),
      assemble: (values) => JSON.stringify(values.flat()),
    };
    const destination: Destination = {
      name: 'test',
      compression: () => 'none',
      encoder: (signal) => (signal === 'metrics' ? (encoder as SignalEncoder) : undefined),
      send: async (_signal, body) => {
        sends.push(JSON.parse(Buffer.from(body).toString('utf8')) as string[]);
        return answer();
      },
    };
    return { sends, destination };
  }

  it('a group counts as its points against the item limit', async () => {
    const rec = metricsRecorder(true, ok);
    const counters = new Counters();
    const d = deliverer(rec.destination, counters);
    d.push(group(0, [1, 2, 3]));
    d.push(group(1, [4, 5, 6]));
    await d.finish();
    expect(rec.sends.map((s) => s.length).sort()).toEqual([3, 3]);
    expect(counters.get('forwarded', { signal: 'metrics' })).toBe(6);
  });

  it('a failed group counts its points and reports its input', async () => {
    const rec = metricsRecorder(true, () => ({ kind: 'reject', reason: 'HTTP 403', status: 403, badInput: false }));
    const counters = new Counters();
    const stored: FailedBatch[] = [];
    const d = deliverer(rec.destination, counters, { onFailure: async (b) => (stored.push(b), false) });
    d.push(group(7, [1, 2, 3]));
    d.push(group(8, [4]));
    const report = await d.finish();
    expect(counters.get('failed', { signal: 'metrics' })).toBe(4);
    expect([stored[0]?.items, [...(stored[0]?.inputs ?? [])]]).toEqual([4, [[7, 3], [8, 1]]]);
    expect([...report.failedInputs].sort()).toEqual([7, 8]);
  });

  it('an encoder without encodeGroup gets the points one by one', async () => {
    const rec = metricsRecorder(false, ok, 2);
    const counters = new Counters();
    const d = deliverer(rec.destination, counters);
    d.push(group(0, [1, 2, 3]));
    await d.finish();
    expect(rec.sends.flat().sort()).toEqual(['m0=1', 'm1=2', 'm2=3']);
    expect(rec.sends.map((s) => s.length).sort()).toEqual([1, 2]);
    expect(counters.get('forwarded', { signal: 'metrics' })).toBe(3);
  });
});
