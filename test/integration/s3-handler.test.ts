/**
 * The Forwarder on S3 notifications, end to end against a real S3-compatible server (s3rver):
 * every trigger shape reads the object and forwards its lines; a missing object is reported
 * (SQS: its message in batchItemFailures; otherwise the invocation fails) while the other
 * objects are delivered; an object that cannot be finished before the deadline continues in a
 * follow-up invocation from the offset reached, and the two together forward every line once.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../forwarder/config/index.js';
import { Forwarder } from '../../forwarder/forwarder.js';
import { type NdjsonSink, ndjsonSink } from '../helpers/ndjson-sink.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const BUCKET = 'acme-logs';
const silent = { log: () => {} };
let s3: S3TestServer;

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.createBucket(BUCKET);
  await s3.put(BUCKET, 'app/app.log', 'first line\nsecond line\n');
  await s3.put(BUCKET, 'app logs/r\u00e9sum\u00e9 1.log.gz', gzipSync('gzip line one\r\ngzip line two\r\n'));
});
afterAll(async () => {
  await s3.stop();
});

function forwarder(out: NdjsonSink, env: Record<string, string> = {}, deps: Partial<ConstructorParameters<typeof Forwarder>[1]> = {}): Forwarder {
  const config = loadConfig({ DESTINATIONS: 'stdout', AWS_REGION: 'us-east-1', FORWARDER_METRICS: 'false', ...env });
  return new Forwarder(config, { stdout: out, s3: s3.client(), logger: silent, ...deps });
}

const context = (ms = 60_000) => ({ getRemainingTimeInMillis: () => ms });

const s3Record = (key: string) => ({
  eventVersion: '2.1',
  eventSource: 'aws:s3',
  awsRegion: 'us-east-1',
  eventTime: '2024-01-01T00:05:00.000Z',
  eventName: 'ObjectCreated:Put',
  s3: { s3SchemaVersion: '1.0', configurationId: 'log-forwarder', bucket: { name: BUCKET, arn: `arn:aws:s3:::${BUCKET}` }, object: { key, size: 24 } },
});
const sqsRecord = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: 'AQEB-example',
  body,
  attributes: {},
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:s3-log-events',
  awsRegion: 'us-east-1',
});
const snsEnvelope = (message: string) => ({ Type: 'Notification', MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e', TopicArn: 'arn:aws:sns:us-east-1:123456789012:s3-log-events', Subject: 'Amazon S3 Notification', Message: message, Timestamp: '2024-01-01T00:05:01.000Z' });

const messages = (out: NdjsonSink) => out.logs().map((l) => l['message']);

describe('S3 notifications through the handler', () => {
  let out: NdjsonSink;
  beforeEach(() => {
    out = ndjsonSink();
  });

  it('reads the object of a direct notification, with its URL-encoded key decoded', async () => {
    await forwarder(out).handle({ Records: [s3Record('app+logs/r%C3%A9sum%C3%A9+1.log.gz')] }, context());
    expect(messages(out)).toEqual(['gzip line one', 'gzip line two']);
    expect((out.logs()[0]?.['attributes'] as Record<string, unknown>)['aws.s3.key']).toBe('app logs/r\u00e9sum\u00e9 1.log.gz');
  });

  it('reads the object of a notification delivered through SNS', async () => {
    const event = { Records: [{ EventSource: 'aws:sns', EventVersion: '1.0', EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:s3-log-events:2bcf', Sns: snsEnvelope(JSON.stringify({ Records: [s3Record('app/app.log')] })) }] };
    await forwarder(out).handle(event, context());
    expect(messages(out)).toEqual(['first line', 'second line']);
  });

  it('reads the objects of notifications delivered through SQS, and through SQS wrapping SNS', async () => {
    const event = {
      Records: [
        sqsRecord('m-1', JSON.stringify({ Records: [s3Record('app/app.log')] })),
        sqsRecord('m-2', JSON.stringify(snsEnvelope(JSON.stringify({ Records: [s3Record('app+logs/r%C3%A9sum%C3%A9+1.log.gz')] })))),
      ],
    };
    const response = await forwarder(out).handle(event, context());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(messages(out)).toEqual(['first line', 'second line', 'gzip line one', 'gzip line two']);
  });

  it('reads the object of an EventBridge "Object Created" event', async () => {
    const event = {
      version: '0',
      id: '17793124-05d4-b198-2fde-7ededc63b103',
      'detail-type': 'Object Created',
      source: 'aws.s3',
      account: '123456789012',
      time: '2024-01-01T00:05:00Z',
      region: 'us-east-1',
      resources: [`arn:aws:s3:::${BUCKET}`],
      detail: { version: '0', bucket: { name: BUCKET }, object: { key: 'app/app.log', size: 24 }, reason: 'PutObject' },
    };
    await forwarder(out).handle(event, context());
    expect(messages(out)).toEqual(['first line', 'second line']);
  });

  it('gives every record of the object the DD_SOURCE source when one is configured', async () => {
    await forwarder(out, { DD_SOURCE: 'payments' }).handle({ Records: [s3Record('app/app.log')] }, context());
    expect(out.logs().map((l) => l['source'])).toEqual(['payments', 'payments']);
  });

  it('reports only the SQS message whose object is missing, and delivers the others', async () => {
    const event = {
      Records: [sqsRecord('m-ok', JSON.stringify({ Records: [s3Record('app/app.log')] })), sqsRecord('m-missing', JSON.stringify({ Records: [s3Record('app/missing.log')] }))],
    };
    const response = await forwarder(out).handle(event, context());
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-missing' }] });
    expect(messages(out)).toEqual(['first line', 'second line']);
  });

  it('fails a direct notification whose object is missing, after delivering the objects it could read', async () => {
    const event = { Records: [s3Record('app/app.log'), s3Record('app/missing.log')] };
    await expect(forwarder(out).handle(event, context())).rejects.toThrow(/could not be read/);
    expect(messages(out)).toEqual(['first line', 'second line']);
  });
});

describe('an S3 object that cannot be finished before the deadline', () => {
  const lambda = mockClient(LambdaClient);
  afterAll(() => lambda.restore());

  it('continues in a follow-up invocation from the offset reached, forwarding every line once', async () => {
    const lines = Array.from({ length: 2500 }, (_, i) => `line ${String(i).padStart(4, '0')}`);
    await s3.put(BUCKET, 'big/app.log.gz', gzipSync(`${lines.join('\n')}\n`));
    lambda.reset();
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // A clock that jumps to half a request timeout before the deadline as soon as the first
    // batch is written out: too late to read on, still in time to deliver what was read.
    let skew = 0;
    const out = ndjsonSink();
    out.onWrite = () => {
      skew = 29_500;
    };
    const env = { AWS_LAMBDA_FUNCTION_NAME: 'log-forwarder', DEADLINE_MARGIN_MS: '0', REQUEST_TIMEOUT_MS: '1000' };
    const first = forwarder(out, env, { lambda: new LambdaClient({ region: 'us-east-1' }), now: () => Date.now() + skew });
    await first.handle({ Records: [s3Record('big/app.log.gz')] }, context(30_000));

    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.FunctionName).toBe('log-forwarder');
    expect(input?.InvocationType).toBe('Event');
    const continuation = JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array)) as { continuation: { key: string; startOffset: number; hop: number } };
    expect(continuation.continuation).toMatchObject({ bucket: BUCKET, key: 'big/app.log.gz', hop: 1 });
    const firstPart = messages(out).length;
    expect(firstPart).toBeGreaterThan(0);
    expect(firstPart).toBeLessThan(2500);
    expect(continuation.continuation.startOffset).toBe(firstPart * 10);

    const rest = ndjsonSink();
    await forwarder(rest, env).handle(continuation, context(30_000));
    expect([...messages(out), ...messages(rest)]).toEqual(lines);
  });
});
