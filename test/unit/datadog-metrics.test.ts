import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import { Deliverer } from '../../forwarder/delivery/deliverer.js';
import { createDatadogMetricsEncoder, DATADOG_METRICS_LIMITS, type DatadogMetricsEncoder } from '../../forwarder/destinations/datadog-metrics.js';
import type { Destination } from '../../forwarder/destinations/destination.js';
import { type LogRecord, type MetricGroup, type MetricPoint, pointsOf } from '../../forwarder/model.js';

const BASE_TAGS = ['forwardername:log-forwarder', 'forwarder_version:0.1.0'];

/**
 * aws.lambda.enhanced.duration for the warm REPORT of formats/lambda-text.txt
 * (`Duration: 102.25 ms … Memory Size: 128 MB`), as the enhanced-metrics parser emits it.
 */
function enhancedDuration(): MetricPoint {
  return {
    type: 'metric',
    name: 'aws.lambda.enhanced.duration',
    value: 0.10225,
    unit: 's',
    timestamp: 1704067200190,
    kind: 'distribution',
    tags: {
      functionname: 'orders-api',
      region: 'us-east-1',
      aws_account: '123456789012',
      architecture: 'x86_64',
      memorysize: '128',
      cold_start: 'false',
    },
    input: 0,
  };
}

/** The Datadog metric line of formats/powertools-emf-datadog.txt:
 * `{"e":1704067200.19,"m":"orders.created","t":["env:prod","dd_lambda_layer:datadog-nodev20.x"],"v":1}`. */
function customPoint(): MetricPoint {
  return {
    type: 'metric',
    name: 'orders.created',
    value: 1,
    unit: '',
    timestamp: 1704067200190,
    kind: 'distribution',
    tags: { env: 'prod', dd_lambda_layer: 'datadog-nodev20.x' },
    input: 0,
  };
}

/** A deliverer sending metrics through the Datadog encoder to a destination that keeps each body. */
function capturing(): { bodies: string[]; counters: Counters; deliverer: Deliverer } {
  const encoder = createDatadogMetricsEncoder({ tags: BASE_TAGS });
  const bodies: string[] = [];
  const destination: Destination = {
    name: 'capture',
    compression: () => 'none',
    encoder: (signal) => (signal === 'metrics' ? encoder : undefined),
    send: async (_signal, body) => {
      bodies.push(Buffer.from(body).toString('utf8'));
      return { kind: 'ok' };
    },
  };
  const counters = new Counters();
  const options = { concurrency: 2, requestTimeoutMs: 1_000, maxRetries: 0, retryBaseDelayMs: 1, deadline: () => Number.MAX_SAFE_INTEGER, counters };
  return { bodies, counters, deliverer: new Deliverer([destination], options) };
}

/** A point encoded alone: the text of its own series (what assemble writes for it), and its bytes. */
function encodeOk(encoder: DatadogMetricsEncoder, item: MetricPoint): { value: string; bytes: number } {
  const r = encoder.encode(item);
  if (!r.ok) throw new Error(`expected an encoded point, got ${r.reason}`);
  const body = encoder.assemble([r.value]).toString();
  return { value: body.slice('{"series":['.length, -']}'.length), bytes: r.bytes ?? Number.NaN };
}

describe('createDatadogMetricsEncoder: series', () => {
  test('an enhanced metric becomes a distribution series with seconds and the base tags first', () => {
    const encoder = createDatadogMetricsEncoder({ tags: BASE_TAGS });

    const r = encodeOk(encoder, enhancedDuration());

    expect(r.value).toBe(
      '{"metric":"aws.lambda.enhanced.duration",' +
        '"tags":["forwardername:log-forwarder","forwarder_version:0.1.0","functionname:orders-api","region:us-east-1",' +
        '"aws_account:123456789012","architecture:x86_64","memorysize:128","cold_start:false"],"type":"distribution","points":[[1704067200,[0.10225]]]}',
    );
  });

  test('a custom metric line point keeps its own tags after the base tags', () => {
    const encoder = createDatadogMetricsEncoder({ tags: BASE_TAGS });

    const r = encodeOk(encoder, customPoint());

    expect(r.value).toBe(
      '{"metric":"orders.created",' +
        '"tags":["forwardername:log-forwarder","forwarder_version:0.1.0","env:prod","dd_lambda_layer:datadog-nodev20.x"],"type":"distribution","points":[[1704067200,[1]]]}',
    );
  });

  test('the timestamp is the epoch second containing the millisecond timestamp', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [] });

    const r = encodeOk(encoder, { ...customPoint(), timestamp: 1704067200999 });

    expect(JSON.parse(r.value).points).toEqual([[1704067200, [1]]]);
  });

  test('a tag with an empty value is sent as a bare tag', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [] });

    const r = encodeOk(encoder, { ...customPoint(), tags: { standalone: '', env: 'prod' } });

    expect(JSON.parse(r.value).tags).toEqual(['standalone', 'env:prod']);
  });

  test('gauge and count points are sent as distributions too', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [] });

    const gauge = JSON.parse(encodeOk(encoder, { ...customPoint(), kind: 'gauge' }).value);
    const count = JSON.parse(encodeOk(encoder, { ...customPoint(), kind: 'count' }).value);

    expect([gauge.type, count.type]).toEqual(['distribution', 'distribution']);
  });

  test('the reported bytes are the UTF-8 length of the point as a series of its own', () => {
    const encoder = createDatadogMetricsEncoder({ tags: BASE_TAGS });

    const r = encodeOk(encoder, { ...customPoint(), tags: { 'café': 'crème brûlée' } });

    expect(r.bytes).toBe(Buffer.byteLength(r.value, 'utf8'));
    expect(r.bytes).toBeGreaterThan(r.value.length);
  });

  test('for any name, tags and value the text is exactly JSON.stringify of the series (quotes, controls, non-ASCII)', () => {
    const encoder = createDatadogMetricsEncoder({ tags: ['a:"quoted"', 'plain:1'] });
    const text = fc.string({ unit: 'grapheme-composite', maxLength: 12 }).chain((a) => fc.constantFrom(a, `${a}"\\\n\u0001`, `${a}\ud800`));

    fc.assert(
      fc.property(text.filter((n) => n !== ''), fc.dictionary(text, text, { maxKeys: 4 }), fc.double({ noNaN: true, noDefaultInfinity: true }), (name, tags, value) => {
        const r = encoder.encode({ ...customPoint(), name, tags, value });
        if (!r.ok) return false;
        const expected = JSON.stringify({
          series: [
            {
              metric: name,
              tags: ['a:"quoted"', 'plain:1', ...Object.entries(tags).map(([k, v]) => (v === '' ? k : `${k}:${v}`))],
              type: 'distribution',
              points: [[1704067200, [value]]],
            },
          ],
        });
        return encoder.assemble([r.value]).toString() === expected && r.bytes === Buffer.byteLength(expected) - '{"series":[]}'.length;
      }),
    );
  });
});

describe('createDatadogMetricsEncoder: points of one metric and tags share a series', () => {
  test('the points of many REPORT lines of one function make one series per metric, tags written once', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [] });
    const tags = Object.freeze({ functionname: 'orders-api', cold_start: 'false' });
    const points = [0.1, 0.2, 0.3].flatMap((d, i) => [
      { ...customPoint(), name: 'aws.lambda.enhanced.duration', value: d, timestamp: 1704067200000 + i * 1000, tags },
      { ...customPoint(), name: 'aws.lambda.enhanced.invocations', value: 1, timestamp: 1704067200000 + i * 1000, tags },
    ]);
    const values = points.map((p) => {
      const r = encoder.encode(p);
      if (!r.ok) throw new Error(r.reason);
      return r.value;
    });

    expect(JSON.parse(encoder.assemble(values).toString())).toEqual({
      series: [
        { metric: 'aws.lambda.enhanced.duration', tags: ['functionname:orders-api', 'cold_start:false'], type: 'distribution', points: [[1704067200, [0.1]], [1704067201, [0.2]], [1704067202, [0.3]]] },
        { metric: 'aws.lambda.enhanced.invocations', tags: ['functionname:orders-api', 'cold_start:false'], type: 'distribution', points: [[1704067200, [1]], [1704067201, [1]], [1704067202, [1]]] },
      ],
    });
  });

  test('values of one series in the same second share a point; another second opens the next', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [] });
    const values = [
      [1704067200100, 0.1],
      [1704067200900, 0.2],
      [1704067201000, 0.3],
      [1704067200500, 0.4],
    ].map(([timestamp, value]) => {
      const r = encoder.encode({ ...customPoint(), timestamp: timestamp as number, value: value as number });
      if (!r.ok) throw new Error(r.reason);
      return r.value;
    });

    expect(JSON.parse(encoder.assemble(values).toString()).series[0].points).toEqual([
      [1704067200, [0.1, 0.2]],
      [1704067201, [0.3]],
      [1704067200, [0.4]],
    ]);
  });

  test('equal tags in different objects still make separate, correct series', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [] });
    const a = encoder.encode({ ...customPoint(), tags: { env: 'prod' } });
    const b = encoder.encode({ ...customPoint(), tags: { env: 'dev' } });
    if (!a.ok || !b.ok) throw new Error('expected encoded points');

    expect(JSON.parse(encoder.assemble([a.value, b.value]).toString()).series.map((s: { tags: string[] }) => s.tags)).toEqual([['env:prod'], ['env:dev']]);
  });
});

describe('createDatadogMetricsEncoder: refusals', () => {
  const encoder = createDatadogMetricsEncoder({ tags: [] });

  test('a log record is not a metric', () => {
    const log: LogRecord = { type: 'log', timestamp: 1, message: 'm', resource: {}, attributes: {}, source: 'lambda', tags: [], input: 0 };

    expect(encoder.encode(log)).toEqual({ ok: false, reason: 'not_a_metric' });
  });

  test('NaN is refused: JSON would carry null', () => {
    expect(encoder.encode({ ...customPoint(), value: Number.NaN })).toEqual({ ok: false, reason: 'invalid_value' });
  });

  test('Infinity is refused', () => {
    expect(encoder.encode({ ...customPoint(), value: Number.POSITIVE_INFINITY })).toEqual({ ok: false, reason: 'invalid_value' });
  });

  test('a negative timestamp is refused', () => {
    expect(encoder.encode({ ...customPoint(), timestamp: -1 })).toEqual({ ok: false, reason: 'invalid_timestamp' });
  });

  test('an empty name is refused', () => {
    expect(encoder.encode({ ...customPoint(), name: '' })).toEqual({ ok: false, reason: 'invalid_name' });
  });
});

describe('createDatadogMetricsEncoder: batches', () => {
  test('the assembled body is {"series":[…]}, and its length never exceeds framing + items + separators', () => {
    const encoder = createDatadogMetricsEncoder({ tags: BASE_TAGS });
    const custom = customPoint();
    const points = [enhancedDuration(), custom, { ...custom, value: 2 }];
    const encoded = points.map((p) => {
      const r = encoder.encode(p);
      if (!r.ok) throw new Error(r.reason);
      return r;
    });

    const body = encoder.assemble(encoded.map((e) => e.value));

    expect(JSON.parse(body.toString()).series.map((s: { metric: string; points: unknown[] }) => [s.metric, s.points])).toEqual([
      ['aws.lambda.enhanced.duration', [[1704067200, [0.10225]]]],
      ['orders.created', [[1704067200, [1, 2]]]],
    ]);
    const bound = encoder.framingBytes + encoded.reduce((n, e) => n + (e.bytes ?? Number.NaN), 0) + 2 * encoder.separatorBytes;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(bound);
  });

  test('with no two points in one series, the bytes are exact', () => {
    const encoder = createDatadogMetricsEncoder({ tags: BASE_TAGS });
    const encoded = [enhancedDuration(), customPoint()].map((p) => {
      const r = encoder.encode(p);
      if (!r.ok) throw new Error(r.reason);
      return r;
    });
    const body = encoder.assemble(encoded.map((e) => e.value));

    expect(Buffer.byteLength(body)).toBe(encoder.framingBytes + (encoded[0]?.bytes ?? Number.NaN) + (encoded[1]?.bytes ?? Number.NaN) + encoder.separatorBytes);
  });

  test('limits: 3,200,000 uncompressed bytes and 10,000 series per payload', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [] });

    expect(encoder.limits).toEqual({ maxItems: 10_000, maxBytes: 3_200_000 });
  });

  test('the deliverer cuts batches that each stay within the byte limit and lose no point', async () => {
    const { bodies, counters, deliverer } = capturing();
    // ~1 KB per point: 4,000 points exceed the 3,200,000-byte cap well before the 10,000-series cap.
    const padding = 'x'.repeat(900);
    const total = 4_000;

    for (let i = 0; i < total; i++) await deliverer.push({ ...customPoint(), tags: { request: `${i}-${padding}` } });
    await deliverer.finish();

    expect(bodies.length).toBe(2);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(DATADOG_METRICS_LIMITS.maxBytes);
    const series = bodies.flatMap((b) => (JSON.parse(b) as { series: unknown[] }).series);
    expect(series.length).toBe(total);
    expect(counters.get('forwarded', { signal: 'metrics' })).toBe(total);
  });
});

describe('points Datadog would drop for their age', () => {
  const now = () => Date.UTC(2024, 0, 1, 12, 0, 0);
  const point = (ageMs: number) => ({ type: 'metric' as const, name: 'aws.lambda.enhanced.invocations', value: 1, unit: '1', kind: 'distribution' as const, timestamp: now() - ageMs, tags: {}, input: 0 });

  test('a point older than one hour is refused as too_old, not sent to be dropped after a 202', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [], now });
    expect(encoder.encode(point(3_600_001))).toEqual({ ok: false, reason: 'too_old' });
  });

  test('a point within the hour is encoded', () => {
    const encoder = createDatadogMetricsEncoder({ tags: [], now });
    expect(encoder.encode(point(3_599_000)).ok).toBe(true);
  });
});

describe('createDatadogMetricsEncoder: the points of a REPORT as one group', () => {
  /** The warm REPORT of formats/lambda-text.txt as the telemetry stage groups it. */
  function reportGroup(overrides: Partial<MetricGroup> = {}): MetricGroup {
    const d = enhancedDuration();
    return {
      type: 'metrics',
      names: ['aws.lambda.enhanced.invocations', 'aws.lambda.enhanced.duration', 'aws.lambda.enhanced.billed_duration', 'aws.lambda.enhanced.memorysize'],
      values: [1, 0.10225, 0.103, 128],
      units: ['1', 's', 's', 'MB'],
      timestamp: d.timestamp,
      kind: 'distribution',
      tags: d.tags,
      input: 0,
      ...overrides,
    };
  }

  test('makes the same body as its points encoded one by one', () => {
    const group = reportGroup();
    const one = createDatadogMetricsEncoder({ tags: BASE_TAGS });
    const r = one.encodeGroup(group);
    if (r === undefined || !r.ok) throw new Error('expected a group value');
    const byPoint = createDatadogMetricsEncoder({ tags: BASE_TAGS });
    const values = pointsOf(group).map((p) => {
      const e = byPoint.encode(p);
      if (!e.ok) throw new Error(e.reason);
      return e.value;
    });

    expect(one.assemble([r.value, r.value]).toString()).toBe(byPoint.assemble([...values, ...values]).toString());
  });

  test('reports bytes that bound the body it makes', () => {
    const encoder = createDatadogMetricsEncoder({ tags: BASE_TAGS });
    const r = encoder.encodeGroup(reportGroup({ values: [1, -1.2345678901234567e-123, 0.1 + 0.2, Number.MAX_VALUE] }));
    if (r === undefined || !r.ok) throw new Error('expected a group value');

    expect(Buffer.byteLength(encoder.assemble([r.value]))).toBeLessThanOrEqual(encoder.framingBytes + (r.bytes ?? Number.NaN));
  });

  test('refuses a group older than one hour as a whole', () => {
    const now = () => reportGroup().timestamp + 3_600_001;
    expect(createDatadogMetricsEncoder({ tags: [], now }).encodeGroup(reportGroup())).toEqual({ ok: false, reason: 'too_old' });
  });

  test('sends a group with a value JSON cannot carry back to be encoded point by point', () => {
    expect(createDatadogMetricsEncoder({ tags: [] }).encodeGroup(reportGroup({ values: [1, Number.NaN, 0.103, 128] }))).toBeUndefined();
  });

  test('through the deliverer, a group counts as its points and a bad point is refused alone', async () => {
    const { bodies, counters, deliverer } = capturing();

    deliverer.push(reportGroup());
    deliverer.push(reportGroup({ values: [1, Number.POSITIVE_INFINITY, 0.103, 128] }));
    await deliverer.finish();

    const series = (JSON.parse(bodies[0] ?? '{}') as { series: Array<{ metric: string; points: unknown[] }> }).series;
    expect(series.map((s) => [s.metric, s.points])).toEqual([
      ['aws.lambda.enhanced.invocations', [[1704067200, [1, 1]]]],
      ['aws.lambda.enhanced.duration', [[1704067200, [0.10225]]]],
      ['aws.lambda.enhanced.billed_duration', [[1704067200, [0.103, 0.103]]]],
      ['aws.lambda.enhanced.memorysize', [[1704067200, [128, 128]]]],
    ]);
    expect([counters.get('forwarded'), counters.get('rejected', { reason: 'invalid_value' })]).toEqual([7, 1]);
  });
});
