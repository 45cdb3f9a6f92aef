import { describe, expect, it } from 'vitest';
import {
  datadogDecimalToHex,
  datadogTraceIdFor,
  extractTraceContext,
  hexToDatadogDecimal,
  spanIdToDatadogDecimal,
  w3cToDatadogDecimal,
  w3cToXray,
  xrayToDatadogDecimal,
  xrayToW3c,
} from '../../parsers/trace-ids.js';
import { lambdaLines, pick } from '../helpers/lambda-lines.js';

const powertools = lambdaLines('powertools-emf-datadog.txt');
const text = lambdaLines('lambda-text.txt');
const json = lambdaLines('lambda-json.txt');

function fromJsonLine(line: string) {
  return extractTraceContext(line, JSON.parse(line) as Record<string, unknown>);
}

describe('conversions', () => {
  // Vectors: the Datadog Forwarder fixture (BACKENDS.md §4) and the W3C Trace Context example.
  it('X-Ray → W3C', () => {
    expect(xrayToW3c('1-5e61292c-cc1229a4dfbeae1043928548')).toBe('5e61292ccc1229a4dfbeae1043928548');
  });

  it('W3C → X-Ray', () => {
    expect(w3cToXray('5e61292ccc1229a4dfbeae1043928548')).toBe('1-5e61292c-cc1229a4dfbeae1043928548');
  });

  it('X-Ray → Datadog decimal the way the Datadog tracers do (63 low bits)', () => {
    expect(xrayToDatadogDecimal('1-5e61292c-cc1229a4dfbeae1043928548')).toBe('6899143064054564168');
  });

  it('X-Ray segment id → Datadog span id (full 64 bits)', () => {
    expect(hexToDatadogDecimal('c657b77d9514f70c')).toBe('14292093692483532556');
    expect(spanIdToDatadogDecimal('c657b77d9514f70c')).toBe('14292093692483532556');
  });

  it('Datadog decimal → hex', () => {
    expect(datadogDecimalToHex('6899143064054564168')).toBe('5fbeae1043928548');
    expect(datadogDecimalToHex('14292093692483532556')).toBe('c657b77d9514f70c');
  });

  it('Datadog hex → decimal', () => {
    expect(hexToDatadogDecimal('5fbeae1043928548')).toBe('6899143064054564168');
  });

  it('W3C → Datadog decimal keeps the low 64 bits', () => {
    expect(w3cToDatadogDecimal('4bf92f3577b34da6a3ce929d0e0e4736')).toBe('11803532876627986230');
  });

  it('picks the X-Ray mapping for a record whose original id was X-Ray', () => {
    expect(datadogTraceIdFor('5e61292ccc1229a4dfbeae1043928548', '1-5e61292c-cc1229a4dfbeae1043928548')).toBe('6899143064054564168');
    expect(datadogTraceIdFor('5e61292ccc1229a4dfbeae1043928548')).toBe('16122515100909339976');
    expect(datadogTraceIdFor('00000000000000005fbeae1043928548', '6899143064054564168')).toBe('6899143064054564168');
  });

  it.each([
    ['2-5e61292c-cc1229a4dfbeae1043928548'],
    ['1-5e61292c-cc1229a4dfbeae104392854'],
    ['1-5e61292c-cc1229a4dfbeae104392854z'],
    ['1-00000000-000000000000000000000000'],
  ])('rejects the X-Ray id %s', (id) => {
    expect(xrayToW3c(id)).toBeUndefined();
  });

  it('rejects decimal ids that are zero, too large or not digits', () => {
    expect(datadogDecimalToHex('0')).toBeUndefined();
    expect(datadogDecimalToHex('18446744073709551616')).toBeUndefined();
    expect(datadogDecimalToHex('18446744073709551615')).toBe('ffffffffffffffff');
    expect(datadogDecimalToHex('12a')).toBeUndefined();
    expect(w3cToXray('00000000000000000000000000000000')).toBeUndefined();
  });
});

describe('extraction from text lines', () => {
  it('reads [dd.trace_id=… dd.span_id=…] injected by dd-trace', () => {
    const line = pick(powertools, (l) => l.includes('[dd.trace_id='));
    expect(extractTraceContext(line)).toEqual({
      traceId: '00000000000000005fbeae1043928548',
      spanId: 'c657b77d9514f70c',
      original: '6899143064054564168',
      format: 'datadog',
    });
  });

  it('reads a 128-bit dd.trace_id logged as 32 hex', () => {
    const line = 'INFO [dd.trace_id=66b1f3e800000000a3ce929d0e0e4736 dd.span_id=67667974448284343] done';
    expect(extractTraceContext(line)).toEqual({
      traceId: '66b1f3e800000000a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      original: '66b1f3e800000000a3ce929d0e0e4736',
      format: 'datadog',
    });
  });

  it('reads the REPORT XRAY trace id and segment id', () => {
    const line = pick(text, (l) => l.includes('\nXRAY TraceId'));
    expect(extractTraceContext(line)).toEqual({
      traceId: '5e34a61410bd4b3f1fb44f07bc535a14',
      spanId: '07f5a2c42d1f6f85',
      original: '1-5e34a614-10bd4b3f1fb44f07bc535a14',
      format: 'xray',
    });
  });

  it('reads Root= from a logged X-Amzn-Trace-Id header', () => {
    const line = '2024-01-01T00:00:00.190Z\tc6af9ac6-7b61-11e6-9a41-93e812345678\tINFO\theaders X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    expect(extractTraceContext(line)).toEqual({
      traceId: '5759e988bd862e3fe1be46a994272793',
      original: '1-5759e988-bd862e3fe1be46a994272793',
      format: 'xray',
    });
  });

  it('reads a traceparent written in text', () => {
    const line = 'calling downstream traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(extractTraceContext(line)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      original: '4bf92f3577b34da6a3ce929d0e0e4736',
      format: 'w3c',
    });
  });

  it('is undefined for a line without ids', () => {
    expect(extractTraceContext(pick(text, (l) => l.includes('\tINFO\tprocessing order 42')))).toBeUndefined();
  });

  it('is undefined for a malformed traceparent', () => {
    expect(extractTraceContext('traceparent: ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBeUndefined();
    expect(extractTraceContext('traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
  });
});

describe('extraction from JSON lines', () => {
  it('reads Powertools xray_trace_id', () => {
    const line = pick(powertools, (l) => l.includes('"xray_trace_id"') && l.includes('payment'));
    expect(fromJsonLine(line)).toEqual({
      traceId: '5759e988bd862e3fe1be46a994272793',
      original: '1-5759e988-bd862e3fe1be46a994272793',
      format: 'xray',
    });
  });

  it('reads a W3C traceparent field', () => {
    const line = pick(powertools, (l) => l.includes('"traceparent"'));
    expect(fromJsonLine(line)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      original: '4bf92f3577b34da6a3ce929d0e0e4736',
      format: 'w3c',
    });
  });

  it('reads OpenTelemetry trace_id and span_id', () => {
    const line = pick(powertools, (l) => l.includes('"otel log"'));
    expect(fromJsonLine(line)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      original: '0af7651916cd43dd8448eb211c80319c',
      format: 'otel',
    });
  });

  it('reads OpenTelemetry traceId and spanId (camelCase)', () => {
    const line = '{"message":"x","traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"B7AD6B7169203331"}';
    expect(fromJsonLine(line)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      original: '0AF7651916CD43DD8448EB211C80319C',
      format: 'otel',
    });
  });

  it('reads nested dd.trace_id / dd.span_id (dd-trace-js JSON logs)', () => {
    const line = '{"level":"info","message":"hi","dd":{"trace_id":"6899143064054564168","span_id":"14292093692483532556","service":"orders"}}';
    expect(fromJsonLine(line)).toEqual({
      traceId: '00000000000000005fbeae1043928548',
      spanId: 'c657b77d9514f70c',
      original: '6899143064054564168',
      format: 'datadog',
    });
  });

  it('reads flat "dd.trace_id" keys', () => {
    const line = '{"message":"hi","dd.trace_id":"6899143064054564168","dd.span_id":"14292093692483532556"}';
    expect(fromJsonLine(line)).toMatchObject({ traceId: '00000000000000005fbeae1043928548', spanId: 'c657b77d9514f70c' });
  });

  it('keeps every digit of a dd.trace_id written as a JSON number beyond 2^53', () => {
    const line = '{"message":"hi","dd":{"trace_id":6899143064054564168,"span_id":14292093692483532556}}';
    expect(fromJsonLine(line)).toEqual({
      traceId: '00000000000000005fbeae1043928548',
      spanId: 'c657b77d9514f70c',
      original: '6899143064054564168',
      format: 'datadog',
    });
  });

  it('reads the tracing value of a platform record', () => {
    const line = pick(json, (l) => l.includes('"platform.start"'));
    expect(fromJsonLine(line)).toEqual({
      traceId: '62e900b2710d76f009d6e7785905449a',
      spanId: '54565fb41ac79632',
      original: '1-62e900b2-710d76f009d6e7785905449a',
      format: 'xray',
    });
  });

  it('reads _X_AMZN_TRACE_ID', () => {
    const line = '{"message":"env","_X_AMZN_TRACE_ID":"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"}';
    expect(fromJsonLine(line)).toMatchObject({ traceId: '5759e988bd862e3fe1be46a994272793', format: 'xray' });
  });

  it('finds a header nested deeper in the JSON through the text', () => {
    const line = '{"message":"event","event":{"headers":{"X-Amzn-Trace-Id":"Root=1-5759e988-bd862e3fe1be46a994272793"}}}';
    expect(fromJsonLine(line)).toMatchObject({ traceId: '5759e988bd862e3fe1be46a994272793', format: 'xray' });
  });

  it('is undefined for a JSON app log without ids, and for bad id values', () => {
    expect(fromJsonLine(pick(json, (l) => l.includes('"level":"INFO"') && l.includes('"requestId"')))).toBeUndefined();
    expect(fromJsonLine('{"trace_id":"not-an-id"}')).toBeUndefined();
    expect(fromJsonLine('{"dd":{"trace_id":"0"}}')).toBeUndefined();
  });
});
