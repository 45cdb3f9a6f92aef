/**
 * forwarder/sources/cloudwatch.ts and kinesis.ts: `awslogs.data` (base64 → gzip → JSON) into
 * raw logs. Every kind of bad input ends as a BadInputError with its reason (the handler counts
 * it) or as a counted invalid event, never as another exception; good events are kept.
 */
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadInputError, type BadInputReason } from '../../forwarder/errors.js';
import { decodeAwslogs, decodeBase64, parsePayloadBytes } from '../../forwarder/sources/cloudwatch.js';
import { kinesisInputs } from '../../forwarder/sources/kinesis.js';
import { encodeAwslogsData, kinesisEvent, kinesisSequenceNumber, loadPayload } from '../helpers/events.js';

/** The reason of the BadInputError `run` throws (fails the test for anything else). */
function reasonOf(run: () => unknown): BadInputReason {
  try {
    run();
  } catch (err) {
    if (err instanceof BadInputError) return err.reason;
    throw err;
  }
  throw new Error('expected a BadInputError');
}

describe('DATA_MESSAGE', () => {
  it('becomes one raw log per event, keeping id, millisecond timestamp and message', () => {
    const payload = loadPayload('data-message');
    const { batch, invalidEvents } = decodeAwslogs(encodeAwslogsData(payload), 0, {});
    expect(invalidEvents).toBe(0);
    expect(batch?.logs.map((l) => ({ id: l.id, timestamp: l.timestamp, message: l.message }))).toEqual(payload.logEvents);
  });

  it('gives every raw log the input index it was decoded for', () => {
    const { batch } = decodeAwslogs(encodeAwslogsData(loadPayload('data-message')), 3, {});
    expect(batch?.input).toBe(3);
    expect(batch?.logs.every((l) => l.input === 3)).toBe(true);
  });

  it('sets the origin from the payload: owner account, group, stream, function, filters, source', () => {
    const { batch } = decodeAwslogs(encodeAwslogsData(loadPayload('lambda-python')), 0, { region: 'eu-west-1' });
    expect(batch?.origin).toEqual({
      account: '210987654321',
      region: 'eu-west-1',
      logGroup: '/aws/lambda/payments-worker',
      logStream: '2024/01/01/[7]9f8e7d6c5b4a39281706f5e4d3c2b1a0',
      source: 'lambda',
      functionName: 'payments-worker',
      subscriptionFilters: ['log-forwarder'],
    });
  });

  it('a configured source overrides the detected one', () => {
    const { batch } = decodeAwslogs(encodeAwslogsData(loadPayload('apigateway')), 0, { sourceOverride: 'custom' });
    expect(batch?.origin.source).toBe('custom');
  });

  it('a group outside /aws/lambda has no function name', () => {
    const { batch } = decodeAwslogs(encodeAwslogsData(loadPayload('apigateway')), 0, {});
    expect(batch?.origin).toEqual({
      account: '123456789012',
      logGroup: 'API-Gateway-Execution-Logs_a1b2c3d4e5/prod',
      logStream: '0cc175b9c0f1b6a831c399e269772661',
      source: 'apigateway',
      subscriptionFilters: ['log-forwarder'],
    });
  });

  it('an event without an id is kept without one', () => {
    const payload = loadPayload('data-message');
    const { id: _drop, ...noId } = payload.logEvents[0] as { id: string; timestamp: number; message: string };
    const { batch } = decodeAwslogs(encodeAwslogsData({ ...payload, logEvents: [noId] }), 0, {});
    expect(batch?.logs).toHaveLength(1);
    expect(batch?.logs[0]?.id).toBeUndefined();
  });

  it('an empty logEvents array is an empty batch', () => {
    const { batch, invalidEvents } = decodeAwslogs(encodeAwslogsData({ ...loadPayload('data-message'), logEvents: [] }), 0, {});
    expect(batch?.logs).toEqual([]);
    expect(invalidEvents).toBe(0);
  });

  it('base64 wrapped over several lines still decodes', () => {
    const data = encodeAwslogsData(loadPayload('data-message')).replace(/(.{76})/g, '$1\n');
    expect(decodeAwslogs(data, 0, {}).batch?.logs).toHaveLength(4);
  });

  it('an uncompressed JSON payload (a Kinesis producer that does not gzip) is read', () => {
    const data = Buffer.from(JSON.stringify(loadPayload('data-message'))).toString('base64');
    expect(decodeAwslogs(data, 0, {}).batch?.logs).toHaveLength(4);
  });
});

describe('CONTROL_MESSAGE', () => {
  it('is dropped: no batch, nothing invalid', () => {
    expect(decodeAwslogs(encodeAwslogsData(loadPayload('control-message')), 0, {})).toEqual({ invalidEvents: 0 });
  });
});

describe('bad payloads are a BadInputError with a reason', () => {
  it('invalid base64', () => {
    expect(reasonOf(() => decodeAwslogs('H4sI!!not*base64', 0, {}))).toBe('invalid_base64');
  });

  it('base64 of the wrong length', () => {
    expect(reasonOf(() => decodeBase64('H4sIAAA'))).toBe('invalid_base64');
  });

  it('truncated gzip', () => {
    const gz = gzipSync(Buffer.from(JSON.stringify(loadPayload('lambda-node'))));
    const data = gz.subarray(0, gz.length - 20).toString('base64');
    expect(reasonOf(() => decodeAwslogs(data, 0, {}))).toBe('invalid_gzip');
  });

  it('bytes that are neither gzip nor a JSON object', () => {
    expect(reasonOf(() => parsePayloadBytes(Buffer.from('plain text log line')))).toBe('invalid_gzip');
  });

  it('gzip of something that is not JSON', () => {
    expect(reasonOf(() => decodeAwslogs(encodeAwslogsData(Buffer.from('{"messageType": "DATA_MESSAGE", ')), 0, {}))).toBe('invalid_json');
  });

  it('JSON that is not an object', () => {
    expect(reasonOf(() => decodeAwslogs(encodeAwslogsData([1, 2, 3]), 0, {}))).toBe('invalid_payload');
  });

  it('a payload without logGroup and logEvents names both fields', () => {
    const { logGroup: _g, logEvents: _e, ...rest } = loadPayload('data-message');
    let message = '';
    try {
      decodeAwslogs(encodeAwslogsData(rest), 0, {});
    } catch (err) {
      message = (err as Error).message;
      expect(err).toBeInstanceOf(BadInputError);
      expect((err as BadInputError).reason).toBe('invalid_payload');
    }
    expect(message).toBe('subscription payload lacks logGroup, logEvents');
  });

  it('an unknown messageType', () => {
    expect(reasonOf(() => decodeAwslogs(encodeAwslogsData({ ...loadPayload('data-message'), messageType: 'OTHER' }), 0, {}))).toBe('invalid_payload');
  });
});

describe('bad events are counted, the good ones kept', () => {
  it('an event without message is counted and the others are kept', () => {
    const payload = loadPayload('lambda-node');
    const broken = payload.logEvents.map((e, i) => (i === 2 ? { id: e.id, timestamp: e.timestamp } : e));
    const { batch, invalidEvents } = decodeAwslogs(encodeAwslogsData({ ...payload, logEvents: broken }), 0, {});
    expect(invalidEvents).toBe(1);
    expect(batch?.logs.map((l) => l.id)).toEqual(payload.logEvents.filter((_, i) => i !== 2).map((e) => e.id));
  });

  it('events with a string timestamp, a numeric message or null are counted', () => {
    const payload = loadPayload('data-message');
    const [a, b] = payload.logEvents as [{ id: string; timestamp: number; message: string }, { id: string; timestamp: number; message: string }];
    const events = [a, { ...b, timestamp: '1704067200005' }, { ...b, message: 42 }, null, 'text'];
    const { batch, invalidEvents } = decodeAwslogs(encodeAwslogsData({ ...payload, logEvents: events }), 0, {});
    expect(invalidEvents).toBe(4);
    expect(batch?.logs.map((l) => l.id)).toEqual([a.id]);
  });

  it('a 1 MiB line is kept whole', () => {
    const payload = loadPayload('data-message');
    const big = `START ${'x'.repeat(1024 * 1024)}\n`;
    const events = payload.logEvents.map((e, i) => (i === 1 ? { ...e, message: big } : e));
    const { batch } = decodeAwslogs(encodeAwslogsData({ ...payload, logEvents: events }), 0, {});
    expect(batch?.logs[1]?.message).toBe(big);
    expect(batch?.logs).toHaveLength(4);
  });

  it('invalid UTF-8 in one message becomes U+FFFD there, the other events are intact', () => {
    const payload = loadPayload('data-message');
    const events = payload.logEvents.map((e, i) => (i === 1 ? { ...e, message: 'before@@after\n' } : e));
    const json = Buffer.from(JSON.stringify({ ...payload, logEvents: events }), 'utf8');
    const at = json.indexOf('@@');
    json[at] = 0xff;
    json[at + 1] = 0xc3; // a lead byte followed by an ASCII byte
    const { batch, invalidEvents } = decodeAwslogs(encodeAwslogsData(json), 0, {});
    expect(invalidEvents).toBe(0);
    expect(batch?.logs[1]?.message).toBe('before\uFFFD\uFFFDafter\n');
    expect(batch?.logs.map((l) => l.message).filter((_, i) => i !== 1)).toEqual(payload.logEvents.filter((_, i) => i !== 1).map((e) => e.message));
  });
});

describe('never anything but a BadInputError', () => {
  it('for arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const data = Buffer.from(bytes).toString('base64');
        try {
          decodeAwslogs(data, 0, {});
        } catch (err) {
          return err instanceof BadInputError;
        }
        return true;
      }),
    );
  });

  it('for gzip of arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (doc) => {
        try {
          decodeAwslogs(encodeAwslogsData(doc), 0, {});
        } catch (err) {
          return err instanceof BadInputError;
        }
        return true;
      }),
    );
  });

  it('for payloads with arbitrary events', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 20 }), (logEvents) => {
        const { batch, invalidEvents } = decodeAwslogs(encodeAwslogsData({ ...loadPayload('data-message'), logEvents }), 0, {});
        return (batch?.logs.length ?? 0) + invalidEvents === logEvents.length;
      }),
    );
  });
});

describe('Kinesis records', () => {
  it('each record is an input identified by its sequence number', () => {
    const event = kinesisEvent([loadPayload('lambda-node'), loadPayload('lambda-python')]);
    const inputs = kinesisInputs(event, {});
    expect(inputs.map((i) => i.itemIdentifier)).toEqual([kinesisSequenceNumber(0), kinesisSequenceNumber(1)]);
  });

  it('decodes each record with its own input index and the record region', () => {
    const event = kinesisEvent([loadPayload('lambda-node'), loadPayload('lambda-python')], { region: 'ap-southeast-2' });
    const second = kinesisInputs(event, { region: 'us-east-1' })[1]?.decode();
    expect(second?.batch?.input).toBe(1);
    expect(second?.batch?.origin.region).toBe('ap-southeast-2');
    expect(second?.batch?.logs).toHaveLength(7);
  });

  it('a corrupt record fails on its own decode, not when the inputs are listed', () => {
    const event = kinesisEvent([loadPayload('lambda-node'), { rawData: '%%% not base64 %%%' }]);
    const inputs = kinesisInputs(event, {});
    expect(inputs[0]?.decode().batch?.logs).toHaveLength(6);
    expect(reasonOf(() => inputs[1]?.decode())).toBe('invalid_base64');
  });

  it('a record without data is invalid_record', () => {
    const event = kinesisEvent([loadPayload('lambda-node')]);
    delete (event.Records[0]?.kinesis as { data?: string }).data;
    expect(reasonOf(() => kinesisInputs(event, {})[0]?.decode())).toBe('invalid_record');
  });

  it('a CONTROL_MESSAGE record is dropped', () => {
    const event = kinesisEvent([loadPayload('control-message')]);
    expect(kinesisInputs(event, {})[0]?.decode()).toEqual({ invalidEvents: 0 });
  });
});
