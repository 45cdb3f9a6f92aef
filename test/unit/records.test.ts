/**
 * forwarder/records.ts: raw logs → LogRecords with origin attributes under OpenTelemetry names,
 * service, tags, level, and the request id of the invocation on every line of a Lambda log
 * stream, including lines with no prefix and invocations split over two payloads.
 */
import { describe, expect, it } from 'vitest';
import { ATTR } from '../../forwarder/attributes.js';
import type { LogRecord } from '../../forwarder/model.js';
import { RecordBuilder } from '../../forwarder/records.js';
import { type OriginOptions, payloadToBatch, validatePayload } from '../../forwarder/sources/cloudwatch.js';
import type { RawBatch } from '../../forwarder/sources/source.js';
import { type PayloadDoc, loadPayload } from '../helpers/events.js';

const ID = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';

function batchOf(payload: PayloadDoc, options: OriginOptions = {}, input = 0): RawBatch {
  const { batch } = payloadToBatch(validatePayload(payload), input, options);
  if (batch === undefined) throw new Error('fixture is not a DATA_MESSAGE');
  return batch;
}

const build = (payload: PayloadDoc, options: OriginOptions = {}, builder = new RecordBuilder({ tags: [] })): LogRecord[] =>
  builder.build(batchOf(payload, options));

const invocationIds = (records: readonly LogRecord[]) => records.map((r) => r.attributes[ATTR.faasInvocationId]);

describe('origin attributes', () => {
  it('uses the OpenTelemetry names for account, region, group, stream and function', () => {
    const payload = loadPayload('lambda-python');
    const [first] = build(payload, { region: 'eu-west-1' });
    expect(first?.resource).toEqual({
      'cloud.provider': 'aws',
      'cloud.account.id': '210987654321',
      'cloud.region': 'eu-west-1',
      'aws.log.group.names': '/aws/lambda/payments-worker',
      'aws.log.stream.names': '2024/01/01/[7]9f8e7d6c5b4a39281706f5e4d3c2b1a0',
      'faas.name': 'payments-worker',
    });
  });

  it('puts the event id and the request id on the line itself', () => {
    const payload = loadPayload('lambda-python');
    const [first] = build(payload, { region: 'eu-west-1' });
    expect(first?.attributes).toEqual({ 'aws.log.event.id': payload.logEvents[0]?.id, 'faas.invocation_id': ID });
  });

  it('shares one resource object among the records of a batch', () => {
    const [a, b] = build(loadPayload('lambda-node'));
    expect(a?.resource).toBe(b?.resource);
    expect(Object.isFrozen(a?.resource)).toBe(true);
  });

  it('keeps the owner account of logs delivered from another account', () => {
    const payload = { ...loadPayload('lambda-node'), owner: '999988887777' };
    const records = build(payload, { region: 'us-east-1' });
    expect(new Set(records.map((r) => r.resource[ATTR.cloudAccountId]))).toEqual(new Set(['999988887777']));
  });

  it('a group outside /aws/lambda has no function name and no request id', () => {
    const [first] = build(loadPayload('apigateway'));
    expect(first?.resource[ATTR.faasName]).toBeUndefined();
    expect(first?.attributes[ATTR.faasInvocationId]).toBeUndefined();
    expect(first?.source).toBe('apigateway');
  });

  it('leaves region out when it is not known', () => {
    const [first] = build(loadPayload('lambda-node'));
    expect(ATTR.cloudRegion in (first?.resource ?? {})).toBe(false);
  });

  it('adds attributes a source already parsed', () => {
    const batch = batchOf(loadPayload('apigateway'));
    const withAttrs: RawBatch = { ...batch, logs: batch.logs.map((l) => ({ ...l, attributes: { 'http.status_code': 200 } })) };
    const [first] = new RecordBuilder({ tags: [] }).build(withAttrs);
    expect(first?.attributes['http.status_code']).toBe(200);
  });
});

describe('record fields', () => {
  it('keeps timestamp and input, drops the trailing newline CloudWatch keeps', () => {
    const payload = loadPayload('lambda-node');
    const records = new RecordBuilder({ tags: [] }).build(batchOf(payload, {}, 2));
    expect(records.map((r) => [r.timestamp, r.message, r.input])).toEqual(payload.logEvents.map((e) => [e.timestamp, e.message.slice(0, -1), 2]));
  });

  it('keeps the second line of a REPORT with X-Ray inside the message', () => {
    const records = build(loadPayload('lambda-node'));
    expect(records[5]?.message).toContain('\nXRAY TraceId: 1-5e34a614-10bd4b3f1fb44f07bc535a14');
  });

  it('service defaults to the function name', () => {
    expect(new Set(build(loadPayload('lambda-node')).map((r) => r.service))).toEqual(new Set(['orders-api']));
  });

  it('service defaults to the source outside Lambda', () => {
    expect(build(loadPayload('apigateway'))[0]?.service).toBe('apigateway');
  });

  it('a configured service wins', () => {
    const builder = new RecordBuilder({ tags: [], service: 'checkout' });
    expect(build(loadPayload('lambda-node'), {}, builder)[0]?.service).toBe('checkout');
  });

  it('every record carries the configured tags', () => {
    const builder = new RecordBuilder({ tags: ['env:prod', 'team:payments'] });
    const records = build(loadPayload('lambda-node'), {}, builder);
    expect(records.map((r) => r.tags)).toEqual(Array(6).fill(['env:prod', 'team:payments']));
  });

  it('takes the level each line states', () => {
    expect(build(loadPayload('lambda-python')).map((r) => r.level)).toEqual([undefined, 'INFO', 'ERROR', undefined, undefined, undefined, undefined]);
  });

  it('parses a JSON message once and keeps it on the record', () => {
    const records = build(loadPayload('lambda-json-format'));
    expect(records[2]?.json).toEqual({ timestamp: '2024-01-01T00:00:00.190Z', level: 'INFO', requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa', message: 'processing order 42' });
    expect(build(loadPayload('lambda-node'))[2]?.json).toBeUndefined();
  });
});

describe('request ids', () => {
  it('every line of an invocation carries it, the unprefixed print() line included', () => {
    expect(invocationIds(build(loadPayload('lambda-python')))).toEqual(Array(7).fill(ID));
  });

  it('INIT_START, before the invocation starts, carries none', () => {
    expect(invocationIds(build(loadPayload('lambda-node')))).toEqual([undefined, ID, ID, ID, ID, ID]);
  });

  it('the JSON log format carries it on every line of the invocation', () => {
    const ids = invocationIds(build(loadPayload('lambda-json-format')));
    expect(ids).toEqual([undefined, ...Array(6).fill('6d68ca91-49c9-448d-89b8-7ca3e6dc66aa')]);
  });

  it('an invocation split over two payloads of one stream carries it in both, until REPORT', () => {
    const builder = new RecordBuilder({ tags: [] });
    const first = build(loadPayload('lambda-split-1'), {}, builder);
    const second = build(loadPayload('lambda-split-2'), {}, builder);
    expect(invocationIds(first)).toEqual([ID, ID, ID]);
    expect(invocationIds(second)).toEqual([ID, ID, ID, ID, undefined]);
  });

  it('another stream of the same group does not inherit the open invocation', () => {
    const builder = new RecordBuilder({ tags: [] });
    build(loadPayload('lambda-split-1'), {}, builder);
    const other = { ...loadPayload('lambda-split-2'), logStream: '2024/01/01/[$LATEST]ffffffffffffffffffffffffffffffff' };
    expect(invocationIds(build(other, {}, builder))[0]).toBeUndefined();
  });

  it('a payload whose START went elsewhere: an unprefixed line takes the id of the prefixed line before it', () => {
    const payload = loadPayload('lambda-python');
    const withoutStart = { ...payload, logEvents: payload.logEvents.slice(1) };
    expect(invocationIds(build(withoutStart))).toEqual(Array(6).fill(ID));
  });

  it('a new START replaces an invocation that never reported', () => {
    const builder = new RecordBuilder({ tags: [] });
    build(loadPayload('lambda-split-1'), {}, builder);
    const next = loadPayload('lambda-split-2');
    const other = '0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const events = [
      { ...next.logEvents[0], id: '1', timestamp: 1, message: `START RequestId: ${other} Version: $LATEST\n` },
      { ...next.logEvents[0], id: '2', timestamp: 2, message: 'print() output of the next invocation\n' },
    ];
    expect(invocationIds(build({ ...next, logEvents: events }, {}, builder))).toEqual([other, other]);
  });
});
