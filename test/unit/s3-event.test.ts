import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accountFromKey, decodeS3Key, isS3Event, parseS3Event } from '../../parsers/s3-event.js';

type Json = Record<string, any>; // fixtures are free-form JSON edited per test

const FIXTURES = JSON.parse(readFileSync(new URL('../events/s3/s3-event-notifications.json', import.meta.url), 'utf8')) as Json;
const load = (name: string): Json => structuredClone(FIXTURES[name]) as Json;

const TEST_EVENT = JSON.stringify({
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2024-01-01T00:00:00.000Z',
  Bucket: 'acme-logs',
  RequestId: '5582815E1AEA5ADF',
  HostId: 'EXAMPLE',
});

describe('parseS3Event: trigger shapes', () => {
  it('reads an S3 notification delivered directly, decoding the form-encoded key', () => {
    const event = load('direct_s3_put');

    const result = parseS3Event(event);

    expect(result).toEqual({
      targets: [
        {
          bucket: 'acme-logs',
          key: 'AWSLogs/123456789012/app logs/2024/01/01/résumé-ü 1.log.gz',
          size: 1024,
          region: 'us-east-1',
          account: '123456789012',
          input: 0,
          trigger: 's3',
        },
      ],
      skipped: [],
    });
  });

  it('reads an S3 notification delivered through SNS', () => {
    const event = load('via_sns');

    const result = parseS3Event(event);

    expect(result.targets).toEqual([{ bucket: 'acme-logs', key: 'app/app.log', size: 120, region: 'us-east-1', input: 0, trigger: 'sns' }]);
  });

  it('reads an S3 notification delivered through SQS, carrying the message id', () => {
    const event = load('via_sqs');

    const result = parseS3Event(event);

    expect(result.targets).toEqual([
      {
        bucket: 'acme-logs',
        key: 'app/app.log',
        size: 120,
        region: 'us-east-1',
        input: 0,
        messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
        trigger: 'sqs',
      },
    ]);
  });

  it('reads an S3 notification delivered through SQS wrapping SNS', () => {
    const event = load('via_sqs_wrapping_sns');

    const result = parseS3Event(event);

    expect(result.targets).toEqual([
      {
        bucket: 'acme-logs',
        key: 'app/app.log',
        size: 120,
        region: 'us-east-1',
        input: 0,
        messageId: '2e1424d4-f796-459a-8184-9c92662be6da',
        trigger: 'sqs-sns',
      },
    ]);
  });

  it('reads an EventBridge "Object Created" event, with its account and region', () => {
    const event = load('eventbridge_object_created');

    const result = parseS3Event(event);

    expect(result).toEqual({
      targets: [{ bucket: 'acme-logs', key: 'app/app.log', size: 120, region: 'us-east-1', account: '123456789012', input: 0, trigger: 'eventbridge' }],
      skipped: [],
    });
  });

  it('reads an EventBridge event delivered through SQS as that SQS message', () => {
    const sqs = load('via_sqs');
    sqs['Records'][0].body = JSON.stringify(load('eventbridge_object_created'));

    const result = parseS3Event(sqs);

    expect(result.targets).toEqual([
      {
        bucket: 'acme-logs',
        key: 'app/app.log',
        size: 120,
        region: 'us-east-1',
        account: '123456789012',
        input: 0,
        messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
        trigger: 'sqs',
      },
    ]);
  });
});

describe('parseS3Event: keys', () => {
  it('takes an EventBridge key as written and offers its form-decoded spelling as the alternate', () => {
    const event = load('eventbridge_object_created');
    event['detail'].object.key = 'logs/a+b/r%C3%A9sum%C3%A9.log';

    const [target] = parseS3Event(event).targets;

    expect(target?.key).toBe('logs/a+b/r%C3%A9sum%C3%A9.log');
    expect(target?.alternateKey).toBe('logs/a b/résumé.log');
  });

  it('offers no alternate when decoding an EventBridge key changes nothing', () => {
    const event = load('eventbridge_object_created');
    event['detail'].object.key = 'logs/plain key/é.log';

    const [target] = parseS3Event(event).targets;

    expect(target).not.toHaveProperty('alternateKey');
  });

  it('decodes "+" as a space and %2B as a plus', () => {
    expect(decodeS3Key('c%2B%2B+notes/a+b%2Bc.txt')).toBe('c++ notes/a b+c.txt');
  });

  it('decodes %XX escapes as UTF-8', () => {
    expect(decodeS3Key('%E6%97%A5%E6%9C%AC/%F0%9F%93%9C.log')).toBe('日本/📜.log');
  });

  it('keeps malformed escapes as written and decodes the valid ones around them', () => {
    expect(decodeS3Key('100%25+done/%zz/%E2%82/%E2%82%AC')).toBe('100% done/%zz/%E2%82/€');
  });

  it('finds the account of an organization trail path', () => {
    expect(accountFromKey('prefix/AWSLogs/o-aa111bb222/111122223333/CloudTrail/us-east-1/2024/01/01/f.json.gz')).toBe('111122223333');
  });

  it('finds no account outside an AWSLogs path', () => {
    expect(accountFromKey('exports/123456789012/stream/000000.gz')).toBeUndefined();
  });

  it('takes the account from the key over the EventBridge account (the data owner, not the bucket owner)', () => {
    const event = load('eventbridge_object_created');
    event['detail'].object.key = 'AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/01/01/f.log.gz';

    const [target] = parseS3Event(event).targets;

    expect(target?.account).toBe('111122223333');
  });
});

describe('parseS3Event: several records and skips', () => {
  it('returns every object of a notification with several records, in order', () => {
    const event = load('direct_s3_put');
    const second = structuredClone(event['Records'][0]);
    second.s3.object.key = 'app/second.log';
    second.s3.object.size = 7;
    event['Records'].push(second);

    const result = parseS3Event(event);

    expect(result.targets.map((t) => [t.key, t.input])).toEqual([
      ['AWSLogs/123456789012/app logs/2024/01/01/résumé-ü 1.log.gz', 0],
      ['app/second.log', 0],
    ]);
  });

  it('numbers SQS records as inputs and keeps each message id', () => {
    const event = load('via_sqs');
    const record = event['Records'][0];
    event['Records'] = [0, 1, 2].map((i) => ({
      ...structuredClone(record),
      messageId: `m-${i}`,
      body: record.body.replace('app/app.log', `app/${i}.log`),
    }));

    const result = parseS3Event(event);

    expect(result.targets.map((t) => [t.key, t.input, t.messageId])).toEqual([
      ['app/0.log', 0, 'm-0'],
      ['app/1.log', 1, 'm-1'],
      ['app/2.log', 2, 'm-2'],
    ]);
  });

  it('skips an s3:TestEvent delivered through SQS, with its message id', () => {
    const event = load('via_sqs');
    event['Records'][0].body = TEST_EVENT;

    const result = parseS3Event(event);

    expect(result).toEqual({
      targets: [],
      skipped: [{ input: 0, messageId: '059f36b4-87a3-44ab-83d2-661975830a7d', reason: 'test_event', detail: 's3:TestEvent for bucket acme-logs' }],
    });
  });

  it('skips an s3:TestEvent delivered through SNS', () => {
    const event = load('via_sns');
    event['Records'][0].Sns.Message = TEST_EVENT;

    const result = parseS3Event(event);

    expect(result).toEqual({ targets: [], skipped: [{ input: 0, reason: 'test_event', detail: 's3:TestEvent for bucket acme-logs' }] });
  });

  it('skips events other than ObjectCreated, keeping the others of the same notification', () => {
    const event = load('direct_s3_put');
    const removed = structuredClone(event['Records'][0]);
    removed.eventName = 'ObjectRemoved:Delete';
    event['Records'].unshift(removed);

    const result = parseS3Event(event);

    expect(result.targets).toHaveLength(1);
    expect(result.skipped).toEqual([{ input: 0, reason: 'not_object_created', detail: 'ObjectRemoved:Delete' }]);
  });

  it('skips EventBridge events other than "Object Created"', () => {
    const event = load('eventbridge_object_created');
    event['detail-type'] = 'Object Deleted';

    const result = parseS3Event(event);

    expect(result).toEqual({ targets: [], skipped: [{ input: 0, reason: 'not_object_created', detail: 'Object Deleted' }] });
  });

  it('skips an SQS message whose body is not JSON, and reads the next one', () => {
    const event = load('via_sqs');
    const good = structuredClone(event['Records'][0]);
    good.messageId = 'good';
    event['Records'][0].body = 'not json';
    event['Records'].push(good);

    const result = parseS3Event(event);

    expect(result.skipped).toEqual([
      { input: 0, messageId: '059f36b4-87a3-44ab-83d2-661975830a7d', reason: 'invalid_message', detail: 'SQS body is not a JSON object' },
    ]);
    expect(result.targets.map((t) => [t.input, t.messageId])).toEqual([[1, 'good']]);
  });
});

describe('isS3Event', () => {
  it.each(['direct_s3_put', 'via_sns', 'via_sqs', 'via_sqs_wrapping_sns', 'eventbridge_object_created'])('recognizes %s', (name) => {
    expect(isS3Event(load(name))).toBe(true);
  });

  it('recognizes an SQS-delivered s3:TestEvent (so that it is skipped, not misrouted)', () => {
    const event = load('via_sqs');
    event['Records'][0].body = TEST_EVENT;

    expect(isS3Event(event)).toBe(true);
  });

  it('does not claim a CloudWatch Logs subscription event', () => {
    expect(isS3Event({ awslogs: { data: 'H4sIAAAAAAAAA6tWykvMTVWyUlAqSS0uUUjOzytJzSsBAI7FQ6IWAAAA' } })).toBe(false);
  });

  it('does not claim an SQS message that carries something else', () => {
    const event = load('via_sqs');
    event['Records'][0].body = JSON.stringify({ orderId: 42 });

    expect(isS3Event(event)).toBe(false);
  });

  it('does not claim a Kinesis event', () => {
    const event = { Records: [{ eventSource: 'aws:kinesis', kinesis: { data: 'e30=' } }] };

    expect(isS3Event(event)).toBe(false);
  });
});
