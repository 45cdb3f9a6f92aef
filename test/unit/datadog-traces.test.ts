import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createDatadogTracesEncoder, DATADOG_TRACES_LIMITS, type EncodedSpan } from '../../forwarder/destinations/datadog-traces.js';
import type { SignalEncoder } from '../../forwarder/destinations/destination.js';
import type { MetricPoint, Span } from '../../forwarder/model.js';
import { dec, decodeSpan, decodeTracePayload, SpanType } from '../helpers/telemetry-intake.js';

/**
 * The span of the trace payload line in formats/powertools-emf-datadog.txt (ids hex, start and
 * duration in ns), with a 128-bit W3C trace id (formats' traceparent) so the high bits matter.
 */
function lambdaSpan(): Span {
  return {
    type: 'span',
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '4a6b5d7f3e8c9d01',
    parentId: 'c657b77d9514f70c',
    name: 'aws.lambda',
    service: 'aws.lambda',
    resource: 'orders-api',
    startNs: 1704067200190000000n,
    durationNs: 102250000n,
    error: false,
    spanType: 'serverless',
    attributes: {
      cold_start: 'false',
      function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api',
      request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    },
    metrics: { _sampling_priority_v1: 1 },
    input: 0,
  };
}

function encodeOk(encoder: SignalEncoder<EncodedSpan>, span: Span): { value: EncodedSpan; bytes: number } {
  const r = encoder.encode(span);
  if (!r.ok) throw new Error(`expected an encoded span, got ${r.reason}`);
  return { value: r.value, bytes: r.bytes ?? Number.NaN };
}

function decodedSpans(payload: Record<string, unknown>): Array<Record<string, unknown>> {
  return (payload['traces'] as Array<{ spans: Array<Record<string, unknown>> }>).flatMap((t) => t.spans);
}

describe('createDatadogTracesEncoder: the Span message', () => {
  test('every field decodes, with the low 64 trace bits as traceID and the high 64 as meta _dd.p.tid', () => {
    const encoder = createDatadogTracesEncoder({ env: 'prod' });

    const r = encodeOk(encoder, { ...lambdaSpan(), error: true, attributes: { ...lambdaSpan().attributes, 'café': 'crème' } });

    expect(decodeSpan(r.value.span)).toEqual({
      service: 'aws.lambda',
      name: 'aws.lambda',
      resource: 'orders-api',
      traceID: dec('a3ce929d0e0e4736'),
      spanID: dec('4a6b5d7f3e8c9d01'),
      parentID: dec('c657b77d9514f70c'),
      start: '1704067200190000000',
      duration: '102250000',
      error: 1,
      meta: {
        cold_start: 'false',
        function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api',
        request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
        'café': 'crème',
        '_dd.origin': 'lambda',
        '_dd.p.tid': '4bf92f3577b34da6',
      },
      metrics: { _sampling_priority_v1: 1, '_dd.compute_stats': 1 },
      type: 'serverless',
    });
  });

  test('the bytes are exactly what protobufjs writes for the same message', () => {
    const encoder = createDatadogTracesEncoder();
    const r = encodeOk(encoder, lambdaSpan());

    const reference = SpanType.encode(SpanType.fromObject(decodeSpan(r.value.span))).finish();

    expect(Buffer.from(r.value.span).toString('hex')).toBe(Buffer.from(reference).toString('hex'));
  });

  test('a 64-bit trace id (high bits zero) carries no _dd.p.tid', () => {
    const encoder = createDatadogTracesEncoder();

    const r = encodeOk(encoder, { ...lambdaSpan(), traceId: '00000000000000005fbeae1043928548' });

    const span = decodeSpan(r.value.span);
    expect(span['traceID']).toBe('6899143064054564168');
    expect(span['meta']).not.toHaveProperty('_dd.p.tid');
  });

  test('a root span without error or type leaves parentID, error and type out (proto3 defaults)', () => {
    const encoder = createDatadogTracesEncoder();
    const { parentId: _parent, spanType: _type, ...root } = lambdaSpan();

    const span = decodeSpan(encodeOk(encoder, root).value.span);

    expect(Object.keys(span)).toEqual(['service', 'name', 'resource', 'traceID', 'spanID', 'start', 'duration', 'meta', 'metrics']);
  });

  test('an empty resource takes the span name, as the Agent normalizes it', () => {
    const encoder = createDatadogTracesEncoder();

    const span = decodeSpan(encodeOk(encoder, { ...lambdaSpan(), resource: '' }).value.span);

    expect(span['resource']).toBe('aws.lambda');
  });

  test('_dd.origin, _dd.p.tid and _dd.compute_stats are ours even when the span carries other values', () => {
    const encoder = createDatadogTracesEncoder();
    const s = lambdaSpan();

    const span = decodeSpan(
      encodeOk(encoder, {
        ...s,
        attributes: { '_dd.origin': 'rum', '_dd.p.tid': 'ffffffffffffffff' },
        metrics: { '_dd.compute_stats': 0 },
      }).value.span,
    );

    expect(span['meta']).toEqual({ '_dd.origin': 'lambda', '_dd.p.tid': '4bf92f3577b34da6' });
    expect(span['metrics']).toEqual({ '_dd.compute_stats': 1 });
  });
});

describe('createDatadogTracesEncoder: refusals', () => {
  const encoder = createDatadogTracesEncoder();

  test('a metric point is not a span', () => {
    const point: MetricPoint = { type: 'metric', name: 'm', value: 1, unit: '', timestamp: 1, kind: 'gauge', tags: {}, input: 0 };

    expect(encoder.encode(point)).toEqual({ ok: false, reason: 'not_a_span' });
  });

  test('a trace id that is not 32 hex characters is refused', () => {
    expect(encoder.encode({ ...lambdaSpan(), traceId: '5fbeae1043928548' })).toEqual({ ok: false, reason: 'invalid_trace_id' });
  });

  test('a trace id with a non-hex character is refused', () => {
    expect(encoder.encode({ ...lambdaSpan(), traceId: '4bf92f3577b34da6a3ce929d0e0e473g' })).toEqual({ ok: false, reason: 'invalid_trace_id' });
  });

  test('a trace id whose low 64 bits are zero is refused (the intake keys on them)', () => {
    expect(encoder.encode({ ...lambdaSpan(), traceId: '4bf92f3577b34da60000000000000000' })).toEqual({ ok: false, reason: 'invalid_trace_id' });
  });

  test('a zero span id is refused', () => {
    expect(encoder.encode({ ...lambdaSpan(), spanId: '0000000000000000' })).toEqual({ ok: false, reason: 'invalid_span_id' });
  });

  test('a malformed parent id is refused', () => {
    expect(encoder.encode({ ...lambdaSpan(), parentId: 'c657b77d' })).toEqual({ ok: false, reason: 'invalid_parent_id' });
  });
});

describe('createDatadogTracesEncoder: the TracePayload', () => {
  test('spans are grouped into one APITrace per trace id, first-seen order, earliest start and latest end', () => {
    const encoder = createDatadogTracesEncoder({ env: 'prod' });
    const a = lambdaSpan();
    const b: Span = { ...a, traceId: '00000000000000005fbeae1043928548', spanId: '1111111111111111' };
    const aChild: Span = { ...a, spanId: '2222222222222222', parentId: a.spanId, startNs: a.startNs - 5_000n, durationNs: 200_000_000n };

    const body = encoder.assemble([a, b, aChild].map((s) => encodeOk(encoder, s).value));
    const payload = decodeTracePayload(body);

    const traces = payload['traces'] as Array<Record<string, unknown>>;
    expect(traces.map((t) => [t['traceID'], (t['spans'] as Array<Record<string, unknown>>).map((s) => s['spanID'])])).toEqual([
      [dec('a3ce929d0e0e4736'), [dec('4a6b5d7f3e8c9d01'), dec('2222222222222222')]],
      [dec('5fbeae1043928548'), [dec('1111111111111111')]],
    ]);
    expect([traces[0]!['startTime'], traces[0]!['endTime']]).toEqual(['1704067200189995000', '1704067200389995000']);
    expect([traces[1]!['startTime'], traces[1]!['endTime']]).toEqual(['1704067200190000000', '1704067200292250000']);
  });

  test('env defaults to "none" and hostName is left out, as the Datadog Forwarder sends it', () => {
    const encoder = createDatadogTracesEncoder();

    const payload = decodeTracePayload(encoder.assemble([encodeOk(encoder, lambdaSpan()).value]));

    expect(payload['env']).toBe('none');
    expect(payload).not.toHaveProperty('hostName');
  });

  test('configured env and hostname are written on the payload', () => {
    const encoder = createDatadogTracesEncoder({ env: 'staging', hostname: 'log-forwarder' });

    const payload = decodeTracePayload(encoder.assemble([encodeOk(encoder, lambdaSpan()).value]));

    expect([payload['env'], payload['hostName']]).toEqual(['staging', 'log-forwarder']);
  });

  test('for spans of distinct traces the body length is exactly framing + the items\' bytes', () => {
    const encoder = createDatadogTracesEncoder({ env: 'prod', hostname: 'h' });
    const items = ['1', '2', '3'].map((d) => encodeOk(encoder, { ...lambdaSpan(), traceId: `4bf92f3577b34da6a3ce929d0e0e473${d}` }));

    const body = encoder.assemble(items.map((i) => i.value));

    expect(body.length).toBe(encoder.framingBytes + items.reduce((n, i) => n + i.bytes, 0));
  });

  test('for spans sharing a trace the items\' bytes are an upper bound of the body length', () => {
    const encoder = createDatadogTracesEncoder();
    const items = ['1', '2', '3'].map((d) => encodeOk(encoder, { ...lambdaSpan(), spanId: `${d}a6b5d7f3e8c9d01` }));

    const body = encoder.assemble(items.map((i) => i.value));

    expect(decodedSpans(decodeTracePayload(body)).length).toBe(3);
    expect(body.length).toBeLessThan(encoder.framingBytes + items.reduce((n, i) => n + i.bytes, 0));
  });

  test('limits: 3,200,000 bytes per payload', () => {
    expect(createDatadogTracesEncoder().limits).toEqual(DATADOG_TRACES_LIMITS);
    expect(DATADOG_TRACES_LIMITS.maxBytes).toBe(3_200_000);
  });

  test('for any batch of spans, every span decodes intact and the items\' bytes bound the body', () => {
    const encoder = createDatadogTracesEncoder({ env: 'prod' });
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
    const text = fc.string({ unit: 'grapheme-composite', maxLength: 20 });
    const span = fc.record({
      traceId: fc.constantFrom('4bf92f3577b34da6a3ce929d0e0e4736', '00000000000000005fbeae1043928548', 'ffffffffffffffffffffffffffffffff'),
      spanId: hex(16).filter((h) => !/^0+$/.test(h)),
      parentId: fc.option(hex(16), { nil: undefined }),
      name: text,
      service: text,
      resource: text,
      startNs: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
      durationNs: fc.bigInt({ min: 0n, max: 1n << 40n }),
      error: fc.boolean(),
      attributes: fc.dictionary(text, text, { maxKeys: 3 }),
      metrics: fc.dictionary(text, fc.double({ noNaN: true }), { maxKeys: 3 }),
    });

    fc.assert(
      fc.property(fc.array(span, { minLength: 1, maxLength: 8 }), (spans) => {
        const items = spans.map((s) => encodeOk(encoder, { ...s, type: 'span', input: 0 } as Span));
        const body = encoder.assemble(items.map((i) => i.value));
        const decoded = decodedSpans(decodeTracePayload(body));
        const byId = new Map(decoded.map((d) => [d['spanID'], d]));
        for (const s of spans) {
          const d = byId.get(dec(s.spanId));
          if (d === undefined) return false;
          expect(d['traceID']).toBe(dec(s.traceId.slice(16)));
          expect(d['name'] ?? '').toBe(s.name);
          expect(d['resource'] ?? '').toBe(s.resource !== '' ? s.resource : s.name);
          expect(d['start'] ?? '0').toBe(s.startNs.toString());
          expect(d['duration'] ?? '0').toBe(s.durationNs.toString());
          expect(d['parentID'] ?? '0').toBe(s.parentId === undefined ? '0' : dec(s.parentId));
          expect((d['meta'] as Record<string, string>)['_dd.origin']).toBe('lambda');
        }
        return decoded.length === spans.length && body.length <= encoder.framingBytes + items.reduce((n, i) => n + i.bytes, 0);
      }),
    );
  });
});
