/**
 * forwarder/destinations/datadog-logs.ts: the intake item for a record (exact shape, ddtags,
 * hostname, status from level), truncation of a log over the intake's 1 MB per-log limit with a
 * visible marker, and the classification of the intake's answers
 * (https://docs.datadoghq.com/api/latest/logs/send-logs/; BACKENDS.md §1).
 */
import { describe, expect, it } from 'vitest';
import { ATTR } from '../../forwarder/attributes.js';
import type { LogRecord } from '../../forwarder/model.js';
import { RecordBuilder } from '../../forwarder/records.js';
import { payloadToBatch, validatePayload } from '../../forwarder/sources/cloudwatch.js';
import {
  DATADOG_LOG_LIMITS,
  TRUNCATION_MARKER,
  classifyDatadogAnswer,
  createDatadogLogEncoder,
  msText,
  truncateUtf8,
} from '../../forwarder/destinations/datadog-logs.js';
import { type PayloadDoc, loadPayload } from '../helpers/events.js';

const ID = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';
const FORWARDER_TAGS = ['forwardername:log-forwarder', 'forwarder_version:0.1.0'];

function records(payload: PayloadDoc, region?: string, tags: string[] = []): LogRecord[] {
  const { batch } = payloadToBatch(validatePayload(payload), 0, region === undefined ? {} : { region });
  if (batch === undefined) throw new Error('not a DATA_MESSAGE');
  return new RecordBuilder({ tags }).build(batch);
}

function record(name: string, i: number, region?: string, tags: string[] = []): LogRecord {
  const r = records(loadPayload(name), region, tags)[i];
  if (r === undefined) throw new Error(`${name} has no event ${i}`);
  return r;
}

/** Encodes and parses one record; fails on a rejected record or on duplicate keys. */
function item(r: LogRecord, tags: readonly string[] = FORWARDER_TAGS): Record<string, unknown> {
  const encoded = createDatadogLogEncoder({ tags }).encode(r);
  if (!encoded.ok) throw new Error(encoded.reason);
  const parsed = JSON.parse(encoded.value) as Record<string, unknown>;
  // A key written twice would be lost by JSON.parse: the re-serialized length would shrink.
  expect(JSON.stringify(parsed).length).toBe(encoded.value.length);
  return parsed;
}

const answer = (status: number, headers: Record<string, string> = {}) => ({ status, headers: new Headers(headers) });

describe('intake item', () => {
  it('has exactly message, timestamp, status, the line and origin attributes, ddsource, ddtags, service, hostname', () => {
    const payload = loadPayload('lambda-node');
    expect(item(record('lambda-node', 2, 'us-east-1'))).toEqual({
      message: `2024-01-01T00:00:00.000Z\t${ID}\tINFO\tprocessing order 42`,
      timestamp: 1704067200002,
      status: 'info',
      'aws.log.event.id': payload.logEvents[2]?.id,
      'faas.invocation_id': ID,
      'cloud.provider': 'aws',
      'cloud.account.id': '123456789012',
      'cloud.region': 'us-east-1',
      'aws.log.group.names': '/aws/lambda/orders-api',
      'aws.log.stream.names': '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
      'faas.name': 'orders-api',
      ddsource: 'lambda',
      ddtags: 'forwardername:log-forwarder,forwarder_version:0.1.0,functionname:orders-api,region:us-east-1,aws_account:123456789012',
      service: 'orders-api',
      hostname: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api',
    });
  });

  it('a non-Lambda group: ddsource from the group, service = source, hostname = log group, no status', () => {
    const payload = loadPayload('apigateway');
    expect(item(record('apigateway', 0, 'us-east-1'))).toEqual({
      message: '(5e61292c-cc12-29a4-dfbe-ae1043928548) Method request body before transformations: {"order":42}',
      timestamp: 1704067200000,
      'aws.log.event.id': payload.logEvents[0]?.id,
      'cloud.provider': 'aws',
      'cloud.account.id': '123456789012',
      'cloud.region': 'us-east-1',
      'aws.log.group.names': 'API-Gateway-Execution-Logs_a1b2c3d4e5/prod',
      'aws.log.stream.names': '0cc175b9c0f1b6a831c399e269772661',
      ddsource: 'apigateway',
      ddtags: 'forwardername:log-forwarder,forwarder_version:0.1.0,region:us-east-1,aws_account:123456789012',
      service: 'apigateway',
      hostname: 'API-Gateway-Execution-Logs_a1b2c3d4e5/prod',
    });
  });

  it('without a region the hostname is the log group', () => {
    expect(item(record('lambda-node', 2)).hostname).toBe('/aws/lambda/orders-api');
  });

  it('ddtags add the configured tags (DD_TAGS) after the forwarder tags, function name lower-cased', () => {
    const payload = { ...loadPayload('lambda-node'), logGroup: '/aws/lambda/Orders-API' };
    const r = records(payload, 'us-east-1', ['env:prod', 'team:payments'])[2] as LogRecord;
    expect(item(r).ddtags).toBe(
      'forwardername:log-forwarder,forwarder_version:0.1.0,env:prod,team:payments,functionname:orders-api,region:us-east-1,aws_account:123456789012',
    );
  });

  it('the owner account of cross-account logs is the aws_account tag', () => {
    expect(item(record('lambda-python', 1, 'us-east-1')).ddtags).toContain('aws_account:210987654321');
  });

  it.each([
    ['TRACE', 'debug'],
    ['DEBUG', 'debug'],
    ['INFO', 'info'],
    ['WARN', 'warning'],
    ['ERROR', 'error'],
    ['FATAL', 'critical'],
  ])('level %s → status %s', (level, status) => {
    const r = { ...record('lambda-node', 2), level };
    expect(item(r).status).toBe(status);
  });

  it('a line without a level has no status', () => {
    expect('status' in item(record('lambda-python', 3))).toBe(false);
  });

  it('trace and span ids go out as dd.trace_id / dd.span_id in decimal when a converter is given', () => {
    const r: LogRecord = { ...record('lambda-node', 2), traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    const toDatadogId = (hex: string) => BigInt(`0x${hex.slice(16)}`).toString();
    const encoded = createDatadogLogEncoder({ tags: [], toDatadogId }).encode(r);
    const parsed = encoded.ok ? (JSON.parse(encoded.value) as Record<string, unknown>) : {};
    expect([parsed['dd.trace_id'], parsed['dd.span_id']]).toEqual(['11803532876627986230', '67667974448284343']);
  });

  it('gives delivery the item as its own text and the shared tail already encoded', () => {
    const enc = createDatadogLogEncoder({ tags: ['env:prod'] });
    const batch = records(loadPayload('lambda-node'));
    const [a, b] = [2, 3].map((i) => enc.encode({ ...(batch[i] as LogRecord), message: `é ${i}` }));
    if (!a?.ok || !b?.ok || a.split === undefined || b.split === undefined) throw new Error('expected split items');
    expect(a.split.text + Buffer.from(a.split.tail).toString('utf8')).toBe(a.value);
    expect(b.split.tail).toBe(a.split.tail);
  });

  it('writes each item with its own attribute values when one encoder sees them repeat and change', () => {
    const enc = createDatadogLogEncoder({ tags: [] });
    const base = record('lambda-node', 2);
    const ids = [ID, ID, 'c6af9ac6-7b61-11e6-9a41-93e812345678', ID, 'quote " and tab \t'];
    const written = ids.map((id) => {
      const encoded = enc.encode({ ...base, attributes: { ...base.attributes, [ATTR.faasInvocationId]: id, 'retry.count': 2 } });
      return encoded.ok ? (JSON.parse(encoded.value) as Record<string, unknown>) : {};
    });
    expect(written.map((w) => w[ATTR.faasInvocationId])).toEqual(ids);
    expect(written.map((w) => w['retry.count'])).toEqual([2, 2, 2, 2, 2]);
  });

  it('leaves the byte count of an item far below the limit to delivery', () => {
    const r = { ...record('lambda-node', 2), message: 'café ☕ 🚀 "quoted"\ttab \u0001' };
    const encoded = createDatadogLogEncoder({ tags: [] }).encode(r);
    expect(encoded.ok && encoded.bytes).toBeUndefined();
  });

  it('reports the exact UTF-8 byte size of an item that might be near the limit', () => {
    const r = { ...record('lambda-node', 2), message: `${'é☕🚀'.repeat(90_000)}"quoted"\ttab \u0001` };
    const encoded = createDatadogLogEncoder({ tags: [] }).encode(r);
    expect(encoded.ok && encoded.bytes).toBe(encoded.ok ? Buffer.byteLength(encoded.value) : -1);
  });

  it.each([0, 7, 999, 1000, 1001, 1_704_067_200_000, 1_704_067_200_009, 1_704_067_200_090, 1_704_067_200_999, 2_147_483_646_999, 2_147_483_647_000, 1.5e12 + 0.5, -5])(
    'writes the timestamp %d as String() would',
    (ms) => {
      expect(msText(ms)).toBe(String(ms));
    },
  );

  it('a metric is not a log', () => {
    const metric = { type: 'metric', name: 'm', value: 1, unit: '1', timestamp: 0, kind: 'gauge', tags: {}, input: 0 } as const;
    expect(createDatadogLogEncoder({ tags: [] }).encode(metric)).toEqual({ ok: false, reason: 'not_a_log' });
  });

  it('assemble makes a JSON array of the items', () => {
    const enc = createDatadogLogEncoder({ tags: [] });
    const values = records(loadPayload('lambda-node')).map((r) => {
      const e = enc.encode(r);
      return e.ok ? e.value : '';
    });
    const body = enc.assemble(values);
    expect((JSON.parse(body as string) as unknown[]).length).toBe(6);
    expect(Buffer.byteLength(body as string)).toBe(enc.framingBytes + values.reduce((n, v) => n + Buffer.byteLength(v), 0) + (values.length - 1) * enc.separatorBytes);
  });
});

describe('truncation at 1 MB per log', () => {
  const limit = DATADOG_LOG_LIMITS.maxItemBytes;

  function truncated(message: string) {
    const r = { ...record('lambda-node', 2, 'us-east-1'), message };
    const encoded = createDatadogLogEncoder({ tags: FORWARDER_TAGS }).encode(r);
    if (!encoded.ok) throw new Error(encoded.reason);
    return { encoded, parsed: JSON.parse(encoded.value) as Record<string, unknown> };
  }

  it('a log of exactly the limit is sent whole', () => {
    const base = item(record('lambda-node', 2, 'us-east-1'));
    const baseBytes = Buffer.byteLength(JSON.stringify(base));
    const message = `${base.message as string}${'x'.repeat(limit - baseBytes)}`;
    const { encoded } = truncated(message);
    expect([encoded.bytes, encoded.truncated]).toEqual([limit, undefined]);
  });

  it('a 1 MiB line is cut below the limit, ends with the marker and is flagged', () => {
    const line = `2024-01-01T00:00:00.000Z\t${ID}\tINFO\t${'x'.repeat(1024 * 1024)}`;
    const { encoded, parsed } = truncated(line);
    expect(encoded.truncated).toBe(true);
    expect(encoded.bytes).toBeLessThanOrEqual(limit);
    expect(encoded.bytes).toBe(Buffer.byteLength(encoded.value));
    expect((parsed.message as string).endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(line.startsWith((parsed.message as string).slice(0, -TRUNCATION_MARKER.length))).toBe(true);
    expect(parsed[ATTR.truncated]).toBe(true);
  });

  it('keeps most of the room: a cut ASCII line fills at least 99% of the limit', () => {
    const { encoded } = truncated('y'.repeat(2 * limit));
    expect(encoded.bytes).toBeGreaterThan(0.99 * limit);
  });

  it('a line whose JSON escaping doubles it still keeps most of the room', () => {
    const { encoded, parsed } = truncated('"\t'.repeat(limit));
    expect(encoded.bytes).toBeLessThanOrEqual(limit);
    expect(encoded.bytes).toBeGreaterThan(0.9 * limit);
    expect((parsed.message as string).endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('a line of control characters (6 bytes each once escaped) keeps part of its content', () => {
    const { encoded, parsed } = truncated('\u0001'.repeat(limit));
    expect(encoded.bytes).toBeLessThanOrEqual(limit);
    expect((parsed.message as string).length).toBeGreaterThan(0.5 * (limit / 6));
  });

  it('never splits a multi-byte character', () => {
    const { parsed } = truncated('é'.repeat(limit));
    const kept = (parsed.message as string).slice(0, -TRUNCATION_MARKER.length);
    expect(kept).toBe('é'.repeat(kept.length));
  });
});

describe('truncateUtf8', () => {
  it('returns a string that fits as it is', () => {
    expect(truncateUtf8('abc', 3)).toBe('abc');
  });

  it('cuts before a 2-byte character that does not fit', () => {
    expect(truncateUtf8('éééé', 5)).toBe('éé');
  });

  it('cuts before a 4-byte character that does not fit', () => {
    expect(truncateUtf8('a🚀', 4)).toBe('a');
  });
});

describe('classifyDatadogAnswer', () => {
  const NOW = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');

  it('202 is ok', () => {
    expect(classifyDatadogAnswer(answer(202))).toEqual({ kind: 'ok' });
  });

  it('200 is ok', () => {
    expect(classifyDatadogAnswer(answer(200))).toEqual({ kind: 'ok' });
  });

  it('408 is retried', () => {
    expect(classifyDatadogAnswer(answer(408))).toEqual({ kind: 'retry', status: 408, reason: 'HTTP 408' });
  });

  it('429 with Retry-After in seconds is retried after that long', () => {
    expect(classifyDatadogAnswer(answer(429, { 'Retry-After': '7' }), NOW)).toEqual({ kind: 'retry', status: 429, reason: 'HTTP 429', retryAfterMs: 7000 });
  });

  it('429 with Retry-After as an HTTP-date is retried at that date', () => {
    expect(classifyDatadogAnswer(answer(429, { 'Retry-After': 'Wed, 21 Oct 2015 07:28:30 GMT' }), NOW)).toEqual({
      kind: 'retry',
      status: 429,
      reason: 'HTTP 429',
      retryAfterMs: 30_000,
    });
  });

  it('a Retry-After date in the past means retry now', () => {
    expect(classifyDatadogAnswer(answer(429, { 'Retry-After': 'Wed, 21 Oct 2015 07:27:00 GMT' }), NOW)).toMatchObject({ kind: 'retry', retryAfterMs: 0 });
  });

  it('an unreadable Retry-After is ignored', () => {
    expect(classifyDatadogAnswer(answer(429, { 'Retry-After': 'soon' }), NOW)).toEqual({ kind: 'retry', status: 429, reason: 'HTTP 429' });
  });

  it('413 is split', () => {
    expect(classifyDatadogAnswer(answer(413))).toEqual({ kind: 'split', status: 413, reason: 'HTTP 413: payload too large' });
  });

  it('400 is refused as bad input', () => {
    expect(classifyDatadogAnswer(answer(400))).toEqual({ kind: 'reject', status: 400, badInput: true, reason: 'HTTP 400: the intake refused the payload' });
  });

  it.each([401, 403])('%i is refused as a key problem, not bad input', (status) => {
    expect(classifyDatadogAnswer(answer(status))).toEqual({ kind: 'reject', status, badInput: false, reason: `HTTP ${status}: the intake refused the API key` });
  });

  it.each([500, 502, 503, 504])('%i is retried', (status) => {
    expect(classifyDatadogAnswer(answer(status))).toEqual({ kind: 'retry', status, reason: `HTTP ${status}` });
  });

  it('503 with Retry-After keeps the delay', () => {
    expect(classifyDatadogAnswer(answer(503, { 'Retry-After': '2' }), NOW)).toMatchObject({ kind: 'retry', retryAfterMs: 2000 });
  });

  it('another 4xx is refused and not retried', () => {
    expect(classifyDatadogAnswer(answer(404))).toEqual({ kind: 'reject', status: 404, badInput: false, reason: 'HTTP 404' });
  });
});
