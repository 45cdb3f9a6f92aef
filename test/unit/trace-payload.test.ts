import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePreservingIntegers, parseTracePayload } from '../../parsers/trace-payload.js';

const fixtureLine = (() => {
  const line = readFileSync(new URL('../events/lambda/powertools-emf-datadog.txt', import.meta.url), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('{"traces"'));
  if (line === undefined) throw new Error('fixture line not found');
  return line;
})();

function parse(message: string, input = 0) {
  return parseTracePayload(message, JSON.parse(message) as Record<string, unknown>, input);
}

/** A span of the fixture's shape, edited. */
function span(edit: Record<string, unknown>): Record<string, unknown> {
  const base = (JSON.parse(fixtureLine) as { traces: Array<Array<Record<string, unknown>>> }).traces[0]?.[0];
  return { ...base, ...edit };
}

function line(...spans: Array<Record<string, unknown>>): string {
  return JSON.stringify({ traces: [spans] });
}

describe('parseTracePayload', () => {
  it('turns the fixture payload into an exact span', () => {
    expect(parse(fixtureLine, 5)).toEqual({
      kind: 'traces',
      spans: [
        {
          type: 'span',
          traceId: '00000000000000005fbeae1043928548',
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
            resource_names: 'orders-api',
            '_dd.origin': 'lambda',
          },
          metrics: { _sampling_priority_v1: 1 },
          input: 5,
        },
      ],
    });
  });

  it('keeps every digit of a nanosecond start past 2^53', () => {
    const message = fixtureLine.replace('"start":1704067200190000000', '"start":1704067200190000123');
    const result = parse(message);
    expect(result.kind === 'traces' && result.spans[0]?.startNs).toBe(1704067200190000123n);
  });

  it('builds a 128-bit W3C trace id from _dd.p.tid on any span of the trace', () => {
    const root = span({ span_id: '1111111111111111', parent_id: '0', meta: { '_dd.p.tid': '66b1f3e800000000' } });
    const child = span({ span_id: '2222222222222222', parent_id: '1111111111111111', meta: {} });
    const result = parse(line(child, root));
    if (result.kind !== 'traces') throw new Error('expected traces');
    expect(result.spans.map((s) => [s.traceId, s.spanId, s.parentId])).toEqual([
      ['66b1f3e8000000005fbeae1043928548', '2222222222222222', '1111111111111111'],
      ['66b1f3e8000000005fbeae1043928548', '1111111111111111', undefined],
    ]);
  });

  it('drops X-Ray placeholder parents and re-parents their children', () => {
    const placeholder = span({ span_id: 'aaaaaaaaaaaaaaaa', parent_id: 'c657b77d9514f70c', meta: { '_dd.parent_source': 'xray' } });
    const child = span({ span_id: 'bbbbbbbbbbbbbbbb', parent_id: 'aaaaaaaaaaaaaaaa' });
    const grandchild = span({ span_id: 'cccccccccccccccc', parent_id: 'bbbbbbbbbbbbbbbb' });
    const result = parse(line(placeholder, child, grandchild));
    if (result.kind !== 'traces') throw new Error('expected traces');
    expect(result.spans.map((s) => [s.spanId, s.parentId])).toEqual([
      ['bbbbbbbbbbbbbbbb', 'c657b77d9514f70c'],
      ['cccccccccccccccc', 'bbbbbbbbbbbbbbbb'],
    ]);
  });

  it('follows a chain of placeholders, and makes a root of a child whose placeholder was a root', () => {
    const top = span({ span_id: 'aaaaaaaaaaaaaaaa', parent_id: 0, meta: { '_dd.parent_source': 'xray' } });
    const mid = span({ span_id: 'dddddddddddddddd', parent_id: 'aaaaaaaaaaaaaaaa', meta: { '_dd.parent_source': 'xray' } });
    const child = span({ span_id: 'bbbbbbbbbbbbbbbb', parent_id: 'dddddddddddddddd' });
    const result = parse(line(top, mid, child));
    if (result.kind !== 'traces') throw new Error('expected traces');
    expect(result.spans).toHaveLength(1);
    expect(result.spans[0]?.parentId).toBeUndefined();
  });

  it('reads decimal ids written as JSON numbers and error as an int', () => {
    const message = line(span({ trace_id: 6899143064054564168, span_id: 14292093692483532556, parent_id: 0, error: 1 }))
      // JSON.stringify already rounded the numbers; write the exact digits back.
      .replace(/"trace_id":\d+/, '"trace_id":6899143064054564168')
      .replace(/"span_id":\d+/, '"span_id":14292093692483532556');
    const result = parse(message);
    if (result.kind !== 'traces') throw new Error('expected traces');
    expect(result.spans[0]).toMatchObject({ traceId: '00000000000000005fbeae1043928548', spanId: 'c657b77d9514f70c', error: true });
    expect(result.spans[0]?.parentId).toBeUndefined();
  });

  it.each([
    ['a span that is not an object', ['x'], 'invalid_span'],
    ['a trace id that is not hex', [span({ trace_id: 'zzz' })], 'invalid_trace_id'],
    ['a missing span id', [span({ span_id: undefined })], 'invalid_span_id'],
    ['a parent id that is not hex', [span({ parent_id: 'not hex' })], 'invalid_parent_id'],
    ['a missing start', [span({ start: undefined })], 'invalid_timing'],
    ['a negative duration', [span({ duration: -5 })], 'invalid_timing'],
  ])('reports %s as invalid', (_what, spans, reason) => {
    expect(parse(JSON.stringify({ traces: [spans] }))).toEqual({ kind: 'invalid', reason });
  });

  it('is none for lines that are not trace payloads', () => {
    expect(parse('{"traces":["checkout","login"]}')).toEqual({ kind: 'none' });
    expect(parse('{"traces":[]}')).toEqual({ kind: 'none' });
    expect(parse('{"level":"INFO","message":"x"}')).toEqual({ kind: 'none' });
    expect(parseTracePayload('plain text', undefined, 0)).toEqual({ kind: 'none' });
  });
});

describe('parsePreservingIntegers', () => {
  it('keeps integers past 2^53 as marked text and leaves strings and small numbers alone', () => {
    expect(parsePreservingIntegers('{"a":12345678901234567890,"b":"12345678901234567890","c":1.5e300,"d":-9007199254740993,"e":42}')).toEqual({
      a: '\u000112345678901234567890',
      b: '12345678901234567890',
      c: 1.5e300,
      d: '\u0001-9007199254740993',
      e: 42,
    });
  });

  it('handles escaped quotes inside strings', () => {
    expect(parsePreservingIntegers('{"a":"say \\"12345678901234567890\\"","b":12345678901234567890}')).toEqual({
      a: 'say "12345678901234567890"',
      b: '\u000112345678901234567890',
    });
  });
});
