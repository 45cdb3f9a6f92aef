/**
 * The OTLP wire forms, checked against the OpenTelemetry definitions: every body the encoders
 * assemble is decoded by the protobufjs code generated from opentelemetry-proto (and, for JSON,
 * by the same definitions after the OTLP/JSON rule checks) in test/helpers/otlp-receiver.ts,
 * and every field must decode to what was meant: ids, timestamps, units, counts, attributes.
 */
import { describe, expect, it } from 'vitest';
import { ATTR } from '../../forwarder/attributes.js';
import type { SignalEncoder } from '../../forwarder/destinations/destination.js';
import { OTLP_LIMITS, classifyOtlpAnswer, createOtlpEncoders } from '../../forwarder/destinations/otlp.js';
import { readPartialSuccess } from '../../forwarder/destinations/otlp-proto/response.js';
import { ProtoWriter, msToNanoString, varintSize } from '../../forwarder/destinations/otlp-proto/writer.js';
import type { LogRecord, MetricPoint, Signal, Span, Telemetry } from '../../forwarder/model.js';
import { RecordBuilder } from '../../forwarder/records.js';
import { payloadToBatch, validatePayload } from '../../forwarder/sources/cloudwatch.js';
import { loadPayload } from '../helpers/events.js';
import { type Decoded, attributeMap, decodeOtlpRequest, flatten, responseBody } from '../helpers/otlp-receiver.js';

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
type Protocol = (typeof PROTOCOLS)[number];
const FORMAT = { 'http/protobuf': 'protobuf', 'http/json': 'json' } as const;
const SCOPE = { name: 'log-forwarder', version: '0.1.0' };
const STREAM = '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e';

function records(fixture: string): LogRecord[] {
  const { batch } = payloadToBatch(validatePayload(loadPayload(fixture)), 0, { region: 'us-east-1' });
  if (batch === undefined) throw new Error(`no batch in ${fixture}`);
  return new RecordBuilder({ tags: ['env:prod'] }).build(batch);
}

function encoder(protocol: Protocol, signal: Signal): SignalEncoder {
  const e = createOtlpEncoders(protocol, [signal], SCOPE)[signal];
  if (e === undefined) throw new Error('no encoder');
  return e;
}

interface Encoded {
  readonly body: Uint8Array;
  /** The sum the Deliverer keeps for the batch. */
  readonly counted: number;
}

function encodeAll(protocol: Protocol, signal: Signal, items: readonly Telemetry[]): Encoded {
  const e = encoder(protocol, signal);
  const values: unknown[] = [];
  let counted = e.framingBytes;
  for (const item of items) {
    const r = e.encode(item);
    if (!r.ok) throw new Error(r.reason);
    counted += (r.bytes ?? Number.NaN) + (values.length > 0 ? e.separatorBytes : 0);
    values.push(r.value);
  }
  const assembled = e.assemble(values);
  return { body: typeof assembled === 'string' ? Buffer.from(assembled) : assembled, counted };
}

function decode(protocol: Protocol, signal: Signal, body: Uint8Array): Decoded {
  const d = decodeOtlpRequest(signal, FORMAT[protocol], body);
  if (d.problem !== undefined) throw new Error(d.problem);
  return d.decoded;
}

function roundTrip(protocol: Protocol, signal: Signal, items: readonly Telemetry[]): Decoded {
  return decode(protocol, signal, encodeAll(protocol, signal, items).body);
}

function only<T>(list: readonly T[]): T {
  expect(list).toHaveLength(1);
  return list[0] as T;
}

const withIds = (r: LogRecord): LogRecord => ({ ...r, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });

describe.each(PROTOCOLS)('logs in %s', (protocol) => {
  it('decodes every field of a record as written', () => {
    const r = withIds(records('lambda-node')[2] as LogRecord);
    const flat = only(flatten('logs', [roundTrip(protocol, 'logs', [r])]));
    expect(flat.item).toEqual({
      timeUnixNano: '1704067200002000000',
      observedTimeUnixNano: '1704067200002000000',
      severityNumber: 9,
      severityText: 'INFO',
      body: { stringValue: '2024-01-01T00:00:00.000Z\t3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42\tINFO\tprocessing order 42' },
      attributes: [
        { key: 'aws.log.event.id', value: { stringValue: '37982123456789012345678901234567890123456789012345671002' } },
        { key: 'faas.invocation_id', value: { stringValue: '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42' } },
      ],
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
  });

  it('writes the resource once for the records that share it, with its scope', () => {
    const decoded = roundTrip(protocol, 'logs', records('lambda-node'));
    const rl = only(decoded['resourceLogs'] as Decoded[]);
    expect(attributeMap((rl['resource'] as Decoded)['attributes'])).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.account.id': '123456789012',
      'cloud.region': 'us-east-1',
      'faas.name': 'orders-api',
      'faas.instance': STREAM,
      'aws.log.group.names': ['/aws/lambda/orders-api'],
      'aws.log.stream.names': [STREAM],
      'service.name': 'orders-api',
      'deployment.environment.name': 'prod',
    });
    const sl = only(rl['scopeLogs'] as Decoded[]);
    expect(sl['scope']).toEqual({ name: 'log-forwarder', version: '0.1.0', attributes: [] });
    expect((sl['logRecords'] as Decoded[]).map((l) => (l['body'] as Decoded)['stringValue'])).toEqual(records('lambda-node').map((r) => r.message));
  });

  it('groups interleaved records by resource, in order of first appearance', () => {
    const a = records('lambda-node');
    const b = records('lambda-python');
    const mixed = [a[0], b[0], a[1], b[1], a[2]] as LogRecord[];
    const decoded = roundTrip(protocol, 'logs', mixed);
    const groups = (decoded['resourceLogs'] as Decoded[]).map((rl) => ({
      fn: attributeMap((rl['resource'] as Decoded)['attributes'])['faas.name'],
      n: ((rl['scopeLogs'] as Decoded[])[0]?.['logRecords'] as Decoded[]).length,
    }));
    expect(groups).toEqual([
      { fn: 'orders-api', n: 3 },
      { fn: 'payments-worker', n: 2 },
    ]);
  });

  it('writes attribute values with their types', () => {
    const r: LogRecord = {
      ...(records('lambda-node')[2] as LogRecord),
      attributes: { s: 'text', i: 42, neg: -3, big: 9007199254740991, d: 1.5, b: true, f: false, list: ['a', 'b'] },
    };
    expect(attributeMap(only(flatten('logs', [roundTrip(protocol, 'logs', [r])])).item['attributes'])).toEqual({
      s: 'text',
      i: '42',
      neg: '-3',
      big: '9007199254740991',
      d: 1.5,
      b: true,
      f: false,
      list: ['a', 'b'],
    });
  });

  it.each([
    ['ASCII over 127 bytes (two-byte length)', 'x'.repeat(200)],
    ['over 16 KiB (three-byte length)', 'y'.repeat(20_000)],
    ['non-ASCII whose UTF-8 length needs a longer prefix', 'é'.repeat(100)],
    ['mixed scripts and an emoji', 'commande reçue ✓ 注文 🚀'],
    ['sixteen characters', 'abcdefghijklmnop'],
    ['empty', ''],
  ])('round-trips a body that is %s', (_what, message) => {
    const r: LogRecord = { ...(records('lambda-node')[2] as LogRecord), message };
    const item = only(flatten('logs', [roundTrip(protocol, 'logs', [r])])).item;
    expect(item['body']).toEqual({ stringValue: message });
  });

  it('keeps sub-millisecond time', () => {
    const r: LogRecord = { ...(records('lambda-node')[2] as LogRecord), timestamp: 1704067200005.25 };
    expect(only(flatten('logs', [roundTrip(protocol, 'logs', [r])])).item['timeUnixNano']).toBe('1704067200005250000');
  });

  it('counts the exact body size for a record alone', () => {
    const e = encodeAll(protocol, 'logs', [records('lambda-node')[2] as LogRecord]);
    expect(e.counted).toBe(e.body.length);
  });

  it('counts no less than the body when records share a resource', () => {
    const e = encodeAll(protocol, 'logs', [...records('lambda-node'), ...records('lambda-python')]);
    expect(e.counted).toBeGreaterThanOrEqual(e.body.length);
  });

  it('counts the exact size when every record has its own resource', () => {
    const e = encodeAll(protocol, 'logs', [records('lambda-node')[0], records('lambda-python')[0], records('apigateway')[0]] as LogRecord[]);
    expect(e.counted).toBe(e.body.length);
  });

  it('cuts a message over 1 MB, marked and counted as truncated', () => {
    const r: LogRecord = { ...(records('lambda-node')[2] as LogRecord), message: 'z'.repeat(1_200_000) };
    const out = encoder(protocol, 'logs').encode(r);
    expect(out.ok && out.truncated).toBe(true);
    const item = only(flatten('logs', [roundTrip(protocol, 'logs', [r])])).item;
    const body = (item['body'] as Decoded)['stringValue'] as string;
    expect([Buffer.byteLength(body), body.endsWith('...TRUNCATED...')]).toEqual([OTLP_LIMITS.maxLogBodyBytes, true]);
    expect(attributeMap(item['attributes'])[ATTR.truncated]).toBe(true);
  });
});

/** Points as parsers/enhanced-metrics.ts writes them for a cold REPORT, and an EMF point. */
const tags = { functionname: 'orders-api', region: 'us-east-1', aws_account: '123456789012', memorysize: '128', cold_start: 'true' };
const points: MetricPoint[] = [
  { type: 'metric', name: 'aws.lambda.enhanced.duration', value: 0.17019, unit: 's', timestamp: 1704067200170, kind: 'distribution', tags: { ...tags }, input: 0 },
  { type: 'metric', name: 'aws.lambda.enhanced.max_memory_used', value: 73, unit: 'MB', timestamp: 1704067200170, kind: 'distribution', tags: { ...tags }, input: 0 },
  { type: 'metric', name: 'aws.lambda.enhanced.invocations', value: 1, unit: '1', timestamp: 1704067200170, kind: 'distribution', tags: { ...tags }, input: 0 },
  { type: 'metric', name: 'OrdersCreated', value: 1, unit: '1', timestamp: 1704067200190, kind: 'count', tags: { ...tags }, namespace: 'orders', input: 0 },
  { type: 'metric', name: 'queue.depth', value: -2.5, unit: '', timestamp: 1704067200190, kind: 'gauge', tags: { ...tags }, input: 0 },
];

const START = { startTimeUnixNano: '1704067200170000000', timeUnixNano: '1704067200170000000' };
const LATER = { startTimeUnixNano: '1704067200190000000', timeUnixNano: '1704067200190000000' };
const ATTRS = [
  { key: 'memorysize', value: { stringValue: '128' } },
  { key: 'cold_start', value: { stringValue: 'true' } },
];
const histogram = (name: string, unit: string, v: number) => ({
  name,
  unit,
  metadata: [],
  histogram: {
    aggregationTemporality: 1,
    dataPoints: [{ ...START, attributes: ATTRS, count: '1', sum: v, bucketCounts: ['1'], explicitBounds: [], exemplars: [], min: v, max: v }],
  },
});

describe.each(PROTOCOLS)('metrics in %s', (protocol) => {
  it('decodes every metric with its type, unit, temporality and point', () => {
    const flat = flatten('metrics', [roundTrip(protocol, 'metrics', points)]);
    expect(flat.map((f) => f.item)).toEqual([
      histogram('aws.lambda.enhanced.duration', 's', 0.17019),
      histogram('faas.invoke_duration', 's', 0.17019),
      histogram('aws.lambda.enhanced.max_memory_used', 'MiBy', 73),
      histogram('faas.mem_usage', 'By', 76_546_048),
      histogram('aws.lambda.enhanced.invocations', '1', 1),
      {
        name: 'faas.coldstarts',
        unit: '{coldstart}',
        metadata: [],
        sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ ...START, attributes: ATTRS, asInt: '1', exemplars: [] }] },
      },
      {
        name: 'OrdersCreated',
        unit: '1',
        metadata: [],
        sum: {
          aggregationTemporality: 1,
          isMonotonic: true,
          dataPoints: [{ ...LATER, attributes: [...ATTRS, { key: 'aws.cloudwatch.namespace', value: { stringValue: 'orders' } }], asDouble: 1, exemplars: [] }],
        },
      },
      { name: 'queue.depth', metadata: [], gauge: { dataPoints: [{ ...LATER, attributes: ATTRS, asDouble: -2.5, exemplars: [] }] } },
    ]);
  });

  it('puts the function on one resource for all its points', () => {
    const decoded = roundTrip(protocol, 'metrics', points);
    const rm = only(decoded['resourceMetrics'] as Decoded[]);
    expect(attributeMap((rm['resource'] as Decoded)['attributes'])).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.region': 'us-east-1',
      'cloud.account.id': '123456789012',
      'faas.name': 'orders-api',
      'service.name': 'orders-api',
    });
  });

  it('counts the exact size of a point with its FaaS twin', () => {
    const e = encodeAll(protocol, 'metrics', [points[0] as MetricPoint]);
    expect(e.counted).toBe(e.body.length);
  });
});

const span: Span = {
  type: 'span',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '4a6b5d7f3e8c9d01',
  parentId: 'c657b77d9514f70c',
  name: 'aws.lambda',
  service: 'aws.lambda',
  resource: 'orders-api',
  startNs: 1704067200190000123n,
  durationNs: 102250000n,
  error: true,
  spanType: 'serverless',
  attributes: { request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678', 'error.msg': 'boom' },
  metrics: { _sampling_priority_v1: 1, ratio: 0.25 },
  input: 0,
};

describe.each(PROTOCOLS)('traces in %s', (protocol) => {
  it('decodes ids, nanosecond times past 2^53, kind, status and attributes exactly', () => {
    const flat = only(flatten('traces', [roundTrip(protocol, 'traces', [span])]));
    expect(flat.resource).toEqual({ 'service.name': 'aws.lambda', 'cloud.provider': 'aws' });
    expect(flat.item).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '4a6b5d7f3e8c9d01',
      parentSpanId: 'c657b77d9514f70c',
      name: 'aws.lambda',
      kind: 2,
      startTimeUnixNano: '1704067200190000123',
      endTimeUnixNano: '1704067200292250123',
      attributes: [
        { key: 'request_id', value: { stringValue: 'c6af9ac6-7b61-11e6-9a41-93e812345678' } },
        { key: 'error.msg', value: { stringValue: 'boom' } },
        { key: '_sampling_priority_v1', value: { intValue: '1' } },
        { key: 'ratio', value: { doubleValue: 0.25 } },
        { key: 'resource.name', value: { stringValue: 'orders-api' } },
        { key: 'span.type', value: { stringValue: 'serverless' } },
      ],
      status: { code: 2, message: 'boom' },
      events: [],
      links: [],
    });
  });

  it('writes a root span without a parent', () => {
    const { parentId: _drop, ...root } = span;
    expect(only(flatten('traces', [roundTrip(protocol, 'traces', [root])])).item['parentSpanId']).toBeUndefined();
  });

  it('rejects a span whose ids are not W3C hex', () => {
    expect(encoder(protocol, 'traces').encode({ ...span, spanId: 'xyz' })).toEqual({ ok: false, reason: 'invalid_span_id' });
  });
});

describe('protobuf and JSON', () => {
  it.each([
    ['logs', () => [...records('lambda-node').map(withIds), ...records('lambda-json-format')]],
    ['metrics', () => points],
    ['traces', () => [span]],
  ] as const)('decode to the same %s', (signal, items) => {
    expect(roundTrip('http/json', signal, items())).toEqual(roundTrip('http/protobuf', signal, items()));
  });

  it('refuses an item of another signal', () => {
    expect(encoder('http/protobuf', 'logs').encode(span)).toEqual({ ok: false, reason: 'not_a_log' });
  });
});

describe('writer helpers', () => {
  it('writes strings exactly while its buffer grows, wherever a string meets the end', () => {
    const strings = ['abcd', 'é', 'a', '✓✓', 'x'.repeat(17), 'ü'.repeat(50), 'y'.repeat(300), '🚀', ''];
    const expected = Buffer.concat(
      strings.map((s) => {
        const b = Buffer.from(s, 'utf8');
        const len = b.length < 128 ? [b.length] : [(b.length & 0x7f) | 0x80, b.length >>> 7];
        return Buffer.concat([Buffer.from([0x0a, ...len]), b]);
      }),
    );
    for (let size = 1; size <= 48; size++) {
      const w = new ProtoWriter(size);
      for (const s of strings) w.string(1, s);
      expect(Buffer.from(w.take()).toString('hex')).toBe(expected.toString('hex'));
    }
  });

  it('widens a nested length past 127 bytes in place', () => {
    const w = new ProtoWriter(4);
    const at = w.begin(2);
    w.string(1, 'z'.repeat(200));
    w.end(at);
    const out = Buffer.from(w.take());
    // tag 0x12, length 203 (0xcb 0x01), then the string field: 0x0a, 200 (0xc8 0x01), 200 × 'z'.
    expect(out.subarray(0, 6).toString('hex')).toBe('12cb010ac801');
    expect(out.length).toBe(206);
  });

  it.each([
    [0, 1],
    [127, 1],
    [128, 2],
    [16_383, 2],
    [16_384, 3],
    [2_097_152, 4],
    [268_435_456, 5],
  ])('varintSize(%i) = %i', (v, n) => {
    expect(varintSize(v)).toBe(n);
  });

  it.each([
    [1704067200000, '1704067200000000000'],
    [1704067200005.5, '1704067200005500000'],
    [0.001, '1000'],
    [0, '0'],
    [Number.NaN, '0'],
  ])('msToNanoString(%d) = %s', (ms, ns) => {
    expect(msToNanoString(ms)).toBe(ns);
  });
});

describe('partial_success', () => {
  it.each(['protobuf', 'json'] as const)('reads the rejected count and message of a %s answer', (format) => {
    const body = responseBody('logs', format, { rejected: 3, message: 'log record too large' });
    const type = format === 'json' ? 'application/json' : 'application/x-protobuf';
    expect(readPartialSuccess('logs', type, body, body.toString('utf8'))).toEqual({ rejected: 3, message: 'log record too large' });
  });

  it.each([
    ['metrics', 'rejectedDataPoints'],
    ['traces', 'rejectedSpans'],
  ] as const)('reads the %s count field', (signal, field) => {
    const text = JSON.stringify({ partialSuccess: { [field]: '2' } });
    expect(readPartialSuccess(signal, 'application/json', Buffer.from(text), text)).toEqual({ rejected: 2 });
  });

  it('accepts a number and snake_case keys in JSON', () => {
    const text = '{"partial_success":{"rejected_log_records":4,"error_message":"quota"}}';
    expect(readPartialSuccess('logs', 'application/json; charset=utf-8', Buffer.from(text), text)).toEqual({ rejected: 4, message: 'quota' });
  });

  it('reads a JSON answer that has no Content-Type', () => {
    const body = responseBody('traces', 'json', { rejected: 1 });
    expect(readPartialSuccess('traces', null, body, body.toString('utf8'))).toEqual({ rejected: 1 });
  });

  it('reads an empty success as no partial success', () => {
    const body = responseBody('logs', 'protobuf');
    expect([body.length, readPartialSuccess('logs', 'application/x-protobuf', body, '')]).toEqual([0, undefined]);
  });

  it('reads an unreadable body as no partial success', () => {
    const junk = Buffer.from([0x0a, 0xff, 0xff]);
    expect(readPartialSuccess('logs', 'application/x-protobuf', junk, '')).toBeUndefined();
  });
});

describe('classifyOtlpAnswer', () => {
  const answer = (status: number, headers: Record<string, string> = {}, body: Buffer = Buffer.alloc(0)) => ({
    status,
    headers: new Headers(headers),
    body: body.toString('utf8'),
    bodyBytes: new Uint8Array(body),
  });

  it('is ok for a 200 without partial success', () => {
    expect(classifyOtlpAnswer('logs', answer(200, { 'content-type': 'application/x-protobuf' }))).toEqual({ kind: 'ok' });
  });

  it('passes the rejected count and message of a partial success', () => {
    const body = responseBody('logs', 'protobuf', { rejected: 2, message: 'too old' });
    expect(classifyOtlpAnswer('logs', answer(200, { 'content-type': 'application/x-protobuf' }, body))).toEqual({ kind: 'ok', rejectedItems: 2, message: 'too old' });
  });

  it('keeps the message of a partial success that rejected nothing (a warning)', () => {
    const body = responseBody('logs', 'json', { rejected: 0, message: 'attribute dropped' });
    expect(classifyOtlpAnswer('logs', answer(200, { 'content-type': 'application/json' }, body))).toEqual({ kind: 'ok', message: 'attribute dropped' });
  });

  it.each([429, 502, 503, 504])('retries %i, honouring Retry-After in seconds', (status) => {
    expect(classifyOtlpAnswer('logs', answer(status, { 'retry-after': '2' }))).toEqual({ kind: 'retry', status, reason: `HTTP ${status}`, retryAfterMs: 2000 });
  });

  it('honours a Retry-After HTTP-date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    expect(classifyOtlpAnswer('logs', answer(503, { 'retry-after': 'Mon, 01 Jan 2024 00:00:03 GMT' }), now)).toEqual({
      kind: 'retry',
      status: 503,
      reason: 'HTTP 503',
      retryAfterMs: 3000,
    });
  });

  it('splits on 413', () => {
    expect(classifyOtlpAnswer('logs', answer(413))).toEqual({ kind: 'split', status: 413, reason: 'HTTP 413: request too large' });
  });

  it('rejects 400 as bad input', () => {
    expect(classifyOtlpAnswer('logs', answer(400))).toMatchObject({ kind: 'reject', status: 400, badInput: true });
  });

  it.each([401, 403, 404, 408, 500, 501])('rejects %i without retry, as the specification requires', (status) => {
    expect(classifyOtlpAnswer('logs', answer(status))).toMatchObject({ kind: 'reject', status, badInput: false });
  });
});
