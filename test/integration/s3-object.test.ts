import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import { S3ReadError } from '../../forwarder/errors.js';
import type { RawLog } from '../../forwarder/model.js';
import { readS3Object, type ReadS3ObjectOptions, type S3ObjectTarget, type S3RawBatch } from '../../forwarder/sources/s3-object.js';
import { parseS3Event } from '../../parsers/s3-event.js';
import { startS3Server, type S3TestServer } from '../helpers/s3-server.js';

type Json = Record<string, any>; // fixtures are free-form JSON edited per test

const fixture = (name: string): Buffer => readFileSync(new URL(`../events/s3/${name}`, import.meta.url));
const EVENTS = JSON.parse(fixture('s3-event-notifications.json').toString('utf8')) as Json;
const event = (name: string): Json => structuredClone(EVENTS[name]) as Json;

const BUCKET = 'acme-logs';
const ACCOUNT = '123456789012';
const CAP = 64 * 1024 * 1024;
const UNICODE_KEY = 'AWSLogs/123456789012/app logs/2024/01/01/résumé-ü 1.log.gz';

let s3: S3TestServer;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Server();
  client = s3.client();
  await s3.createBucket(BUCKET);
});

afterAll(async () => {
  await s3.stop();
});

async function readAll(target: S3ObjectTarget, options: Partial<ReadS3ObjectOptions> = {}): Promise<S3RawBatch[]> {
  const batches: S3RawBatch[] = [];
  for await (const b of readS3Object(client, target, { maxDecompressedBytes: CAP, ...options })) batches.push(b);
  return batches;
}

/** The batches read before the failure, and the failure. */
async function readUntilFailure(target: S3ObjectTarget, options: Partial<ReadS3ObjectOptions> = {}): Promise<{ batches: S3RawBatch[]; error: unknown }> {
  const batches: S3RawBatch[] = [];
  try {
    for await (const b of readS3Object(client, target, { maxDecompressedBytes: CAP, ...options })) batches.push(b);
  } catch (error) {
    return { batches, error };
  }
  return { batches, error: undefined };
}

const logsOf = (batches: S3RawBatch[]): RawLog[] => batches.flatMap((b) => b.logs);
const target = (key: string, extra: Partial<S3ObjectTarget> = {}): S3ObjectTarget => ({ bucket: BUCKET, key, input: 0, ...extra });

describe('readS3Object: each format from a real S3 server', () => {
  it.each<[string, string, string, number, number]>([
    ['s3-alb.txt', 'alb', `AWSLogs/${ACCOUNT}/elasticloadbalancing/us-east-2/2018/07/02/${ACCOUNT}_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2225Z_192.168.131.39_2x.log.gz`, 3, Date.parse('2018-07-02T22:23:00.186Z')],
    ['s3-elb-classic.txt', 'elb', `AWSLogs/${ACCOUNT}/elasticloadbalancing/us-east-1/2015/05/13/${ACCOUNT}_elasticloadbalancing_us-east-1_my-loadbalancer_20150513T2340Z_192.168.131.39_2x.log`, 3, Date.parse('2015-05-13T23:39:43.945Z')],
    ['s3-vpc-flow-v2.txt', 'vpc', `AWSLogs/${ACCOUNT}/vpcflowlogs/us-east-1/2024/01/01/${ACCOUNT}_vpcflowlogs_us-east-1_fl-0a1b_20240101T0000Z_hash.log.gz`, 4, 1418530010_000],
    ['s3-server-access.txt', 's3', 'access-logs/2019-02-06-00-00-38-5A8F9EXAMPLE', 3, Date.UTC(2019, 1, 6, 0, 0, 38)],
    ['s3-cloudfront-standard.txt', 'cloudfront', 'cloudfront/E2EXAMPLE.2019-12-04-21.abcd1234.gz', 3, Date.UTC(2019, 11, 4, 21, 2, 31)],
    ['s3-waf.txt', 'waf', `AWSLogs/${ACCOUNT}/WAFLogs/eu-west-3/CanaryTest/2024/01/01/00/00/${ACCOUNT}_waflogs_eu-west-3_CanaryTest_20240101T0000Z_hash.log.gz`, 2, 1683355579981],
    ['s3-cloudtrail.json', 'cloudtrail', `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2024/01/01/${ACCOUNT}_CloudTrail_us-east-1_20240101T0005Z_abc.json.gz`, 3, Date.parse('2024-01-01T00:01:02Z')],
    ['s3-cloudwatch-export.txt', 'cloudwatch', 'exports/3c8f1b2e-4d5a-4b6c-9d7e-0f1a2b3c4d5e/2024/01/01/[$LATEST]0b1c2d3e/000000.gz', 4, Date.parse('2024-01-01T00:00:00.000Z')],
  ])('%s (gzip) → source %s, timestamps from the lines', async (name, source, key, count, firstTimestamp) => {
    await s3.put(BUCKET, key, gzipSync(fixture(name)));

    const batches = await readAll(target(key, { region: 'us-east-1', account: ACCOUNT }));

    const logs = logsOf(batches);
    expect([logs.length, logs[0]?.timestamp]).toEqual([count, firstTimestamp]);
    expect(batches[0]?.origin).toEqual({ source, bucket: BUCKET, key, account: ACCOUNT, region: 'us-east-1' });
  });

  it('reads a plain (uncompressed) object', async () => {
    await s3.put(BUCKET, 'plain/vpc.log', fixture('s3-vpc-flow-v2.txt'));

    const logs = logsOf(await readAll(target('plain/vpc.log')));

    expect(logs.map((l) => l.timestamp)).toEqual([1418530010_000, 1418530010_000, 1431280876_000, 1477913708_000]);
  });

  it('reads a Firehose delivery of multi-member gzip, one origin per log stream, CONTROL_MESSAGE dropped', async () => {
    // Firehose concatenates the records; without its decompression option each is a gzip member.
    const docs = fixture('s3-firehose-cwl.txt').toString('utf8').trim().split('}{').map((d, i, all) =>
      (i > 0 ? '{' : '') + d + (i < all.length - 1 ? '}' : ''));
    const second = docs[1]?.replace('/aws/lambda/orders-api', '/aws/lambda/billing').replaceAll('"owner":"123456789012"', '"owner":"210987654321"') ?? '';
    const body = Buffer.concat([docs[0] ?? '', docs[1] ?? '', second, docs[2] ?? ''].map((d) => gzipSync(d)));
    await s3.put(BUCKET, 'firehose/2024/01/01/00/stream-1-2024-01-01-00-00-00-uuid', body);
    const counters = new Counters();

    const batches = await readAll(target('firehose/2024/01/01/00/stream-1-2024-01-01-00-00-00-uuid', { account: ACCOUNT }), { counters });

    expect(batches.map((b) => [b.origin.logGroup, b.origin.account, b.logs.length])).toEqual([
      ['/aws/lambda/orders-api', ACCOUNT, 2],
      ['/aws/lambda/billing', '210987654321', 2],
      ['/aws/lambda/orders-api', ACCOUNT, 1],
    ]);
    expect(batches[0]?.origin).toEqual({
      // The log group tells the source and the function, as for direct subscriptions.
      source: 'lambda',
      functionName: 'orders-api',
      bucket: BUCKET,
      key: 'firehose/2024/01/01/00/stream-1-2024-01-01-00-00-00-uuid',
      account: ACCOUNT,
      logGroup: '/aws/lambda/orders-api',
      logStream: '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
      subscriptionFilters: ['to-firehose'],
    });
    expect(counters.get('filtered', { reason: 'control_message' })).toBe(1);
  });

  it('reads every member of a multi-member gzip', async () => {
    await s3.put(BUCKET, 'members.log.gz', Buffer.concat([gzipSync('member one\n'), gzipSync('member two\n'), gzipSync('member three\n')]));

    const logs = logsOf(await readAll(target('members.log.gz')));

    expect(logs.map((l) => l.message)).toEqual(['member one', 'member two', 'member three']);
  });

  it('follows the S3_FORMAT override', async () => {
    await s3.put(BUCKET, 'override/alb.log', fixture('s3-alb.txt'));

    const [batch] = await readAll(target('override/alb.log'), { format: 'lines' });

    expect([batch?.format, batch?.origin.source, batch?.logs[0]?.attributes]).toEqual(['lines', 's3', undefined]);
  });
});

describe('readS3Object: triggers and keys', () => {
  it.each(['via_sns', 'via_sqs', 'via_sqs_wrapping_sns', 'eventbridge_object_created'])('reads the object announced %s', async (shape) => {
    await s3.put(BUCKET, 'app/app.log', 'line one\nline two\n');
    const [announced] = parseS3Event(event(shape)).targets;

    const logs = logsOf(await readAll(announced as S3ObjectTarget));

    expect(logs.map((l) => [l.message, l.origin.key, l.input])).toEqual([
      ['line one', 'app/app.log', 0],
      ['line two', 'app/app.log', 0],
    ]);
  });

  it('reads a key with spaces, a plus and unicode announced (form-encoded) by a direct notification', async () => {
    await s3.put(BUCKET, UNICODE_KEY, gzipSync('from the unicode key\n'));
    const [announced] = parseS3Event(event('direct_s3_put')).targets;

    const [batch] = await readAll(announced as S3ObjectTarget);

    expect([batch?.origin.key, batch?.origin.account, batch?.logs[0]?.message]).toEqual([UNICODE_KEY, ACCOUNT, 'from the unicode key']);
  });

  it('reads a key holding a literal "+" (sent as %2B)', async () => {
    await s3.put(BUCKET, 'c++/a+b.log', 'plus\n');
    const e = event('direct_s3_put');
    e['Records'][0].s3.object.key = 'c%2B%2B/a%2Bb.log';
    const [announced] = parseS3Event(e).targets;

    expect(logsOf(await readAll(announced as S3ObjectTarget)).map((l) => l.message)).toEqual(['plus']);
  });

  it('tries the decoded spelling of an EventBridge key that does not exist as written', async () => {
    await s3.put(BUCKET, 'eb/a b/é.log', 'found\n');
    const e = event('eventbridge_object_created');
    e['detail'].object.key = 'eb/a+b/%C3%A9.log';
    const [announced] = parseS3Event(e).targets;

    const [batch] = await readAll(announced as S3ObjectTarget);

    expect([batch?.origin.key, batch?.logs[0]?.message]).toEqual(['eb/a b/é.log', 'found']);
  });

  it('tags every log with the acknowledgeable input of its SQS record', async () => {
    await s3.put(BUCKET, 'app/app.log', 'line one\nline two\n');
    const e = event('via_sqs');
    e['Records'].unshift({ ...structuredClone(e['Records'][0]), messageId: 'other' });
    const announced = parseS3Event(e).targets[1];

    const batches = await readAll(announced as S3ObjectTarget);

    expect([batches[0]?.input, ...logsOf(batches).map((l) => l.input)]).toEqual([1, 1, 1]);
  });
});

describe('readS3Object: failures', () => {
  it('fails a missing key with an S3ReadError naming bucket and key', async () => {
    const { batches, error } = await readUntilFailure(target('missing/nothing here.log'));

    expect(batches).toEqual([]);
    expect(error).toBeInstanceOf(S3ReadError);
    expect([(error as S3ReadError).bucket, (error as S3ReadError).key, (error as Error).message]).toEqual([
      BUCKET,
      'missing/nothing here.log',
      's3://acme-logs/missing/nothing here.log: GetObject failed: NoSuchKey: The specified key does not exist.',
    ]);
  });

  it('fails when access is denied, naming bucket and key', async () => {
    await s3.put(BUCKET, 'secret.log', 'x\n');
    const stranger = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'NOT-S3RVER', secretAccessKey: 'wrong' },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    let error: unknown;

    try {
      for await (const _ of readS3Object(stranger, target('secret.log'), { maxDecompressedBytes: CAP })) {
        // nothing expected
      }
    } catch (e) {
      error = e;
    } finally {
      stranger.destroy();
    }

    expect(error).toBeInstanceOf(S3ReadError);
    expect((error as Error).message).toMatch(/^s3:\/\/acme-logs\/secret\.log: GetObject failed: InvalidAccessKeyId: /);
  });

  it('yields the records before the cut of a truncated gzip, then fails', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`);
    const gz = gzipSync(`${lines.join('\n')}\n`);
    await s3.put(BUCKET, 'truncated.log.gz', gz.subarray(0, Math.floor(gz.length / 2)));

    const { batches, error } = await readUntilFailure(target('truncated.log.gz'));

    const got = logsOf(batches).map((l) => l.message);
    expect(got.length).toBeGreaterThan(1000);
    expect(got).toEqual(lines.slice(0, got.length));
    expect(error).toBeInstanceOf(S3ReadError);
    expect((error as Error).message).toMatch(/^s3:\/\/acme-logs\/truncated\.log\.gz: reading failed after \d+ decompressed bytes: Error: unexpected end of file$/);
  });

  it('stops an object larger than the decompression cap, after the records read under it', async () => {
    const line = `${'y'.repeat(99)}\n`;
    await s3.put(BUCKET, 'bomb.log.gz', gzipSync(line.repeat(200_000)));

    const { batches, error } = await readUntilFailure(target('bomb.log.gz'), { maxDecompressedBytes: 1_000_000 });

    const got = logsOf(batches);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThanOrEqual(10_000);
    expect((error as Error).message).toMatch(
      /^s3:\/\/acme-logs\/bomb\.log\.gz: reading failed after \d+ decompressed bytes: BadInputError: decompressed size passed the cap of 1000000 bytes \(S3_MAX_DECOMPRESSED_BYTES\)$/,
    );
  });

  it('fails a bzip2 object with a clear error naming bucket and key', async () => {
    await s3.put(BUCKET, 'old.log.bz2', Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]));

    const { batches, error } = await readUntilFailure(target('old.log.bz2'));

    expect(batches).toEqual([]);
    expect((error as Error).message).toBe(
      's3://acme-logs/old.log.bz2: reading failed after 0 decompressed bytes: BadInputError: bzip2-compressed object: bzip2 is not supported; store logs gzip- or zstd-compressed',
    );
  });

  it('fails a CloudTrail file that ends inside its array, after the complete records', async () => {
    const body = fixture('s3-cloudtrail.json');
    await s3.put(BUCKET, `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2024/01/01/cut.json`, body.subarray(0, 1500));

    const { batches, error } = await readUntilFailure(target(`AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2024/01/01/cut.json`));

    expect(logsOf(batches)).toHaveLength(1);
    expect((error as Error).message).toMatch(/the object ends inside a JSON document \(truncated\?\)$/);
  });
});

describe('readS3Object: lines, batches and positions', () => {
  it('splits CRLF lines, drops empty ones and replaces invalid UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('first\r\n\r\nsec'), Buffer.from([0xc3, 0x28]), Buffer.from('ond\r\nthird')]);
    await s3.put(BUCKET, 'crlf.log', gzipSync(body));

    const logs = logsOf(await readAll(target('crlf.log')));

    expect(logs.map((l) => l.message)).toEqual(['first', 'sec\uFFFD(ond', 'third']);
  });

  it('cuts batches at maxBatchLogs and reports increasing positions', async () => {
    const body = Array.from({ length: 25 }, (_, i) => `event ${String(i).padStart(2, '0')}`).join('\n');
    await s3.put(BUCKET, 'batches.log', body);

    const batches = await readAll(target('batches.log'), { maxBatchLogs: 10 });

    expect(batches.map((b) => [b.logs.length, b.position.offset, b.position.line])).toEqual([
      [10, 90, 10],
      [10, 180, 20],
      [5, 224, 25],
    ]);
  });

  it('cuts batches at maxBatchBytes', async () => {
    await s3.put(BUCKET, 'bytes.log', `${'a'.repeat(600)}\n${'b'.repeat(600)}\n${'c'.repeat(10)}\n`);

    const batches = await readAll(target('bytes.log'), { maxBatchBytes: 1000 });

    expect(batches.map((b) => b.logs.length)).toEqual([2, 1]);
  });

  it('resumes an object from the position of the last batch delivered', async () => {
    const body = Array.from({ length: 3000 }, (_, i) => `resume ${i}`).join('\n');
    await s3.put(BUCKET, 'resume.log.gz', gzipSync(body));
    const first = readS3Object(client, target('resume.log.gz'), { maxDecompressedBytes: CAP, maxBatchLogs: 1000 });
    const delivered = (await first.next()).value as S3RawBatch;
    await first.return(undefined);

    const rest = logsOf(await readAll(target('resume.log.gz'), { maxBatchLogs: 1000, startOffset: delivered.position.offset }));

    expect([delivered.logs.length, rest.length, rest[0]?.message]).toEqual([1000, 2000, 'resume 1000']);
  });

  it('joins stack traces with the configured start pattern', async () => {
    await s3.put(BUCKET, 'java.log', '2024-01-01 ERROR boom\njava.lang.RuntimeException: x\n\tat A.b(A.java:1)\n2024-01-01 INFO ok\n');

    const logs = logsOf(await readAll(target('java.log'), { multiline: { start: /^\d{4}-\d\d-\d\d / } }));

    expect(logs.map((l) => l.message)).toEqual(['2024-01-01 ERROR boom\njava.lang.RuntimeException: x\n\tat A.b(A.java:1)', '2024-01-01 INFO ok']);
  });

  it('counts lines cut at maxLineBytes', async () => {
    await s3.put(BUCKET, 'long.log', `${'z'.repeat(5000)}\nshort\n`);
    const counters = new Counters();

    const logs = logsOf(await readAll(target('long.log'), { maxLineBytes: 1000, counters }));

    expect([logs.map((l) => l.message.length), counters.get('truncated', { reason: 'line_too_long' })]).toEqual([[1000, 5], 1]);
  });

  it('takes the object LastModified as the timestamp of lines that carry none', async () => {
    await s3.put(BUCKET, 'nots.log', 'no time here\n');
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'nots.log' }));

    const [log] = logsOf(await readAll(target('nots.log')));

    expect(log?.timestamp).toBe(head.LastModified?.getTime());
  });
});

describe('readS3Object: back-pressure', () => {
  it('reads no further than the batch being filled while the consumer does not pull', async () => {
    // A counting body stands in for the HTTP stream here, so that pulls can be observed.
    const line = Buffer.from(`${'k'.repeat(99)}\n`);
    let pulled = 0;
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        yield Buffer.concat(Array.from({ length: 100 }, () => line)); // 10 KB, 100 lines
      }
    }
    const stub = { send: async () => ({ Body: body(), LastModified: new Date(0) }) } as unknown as S3Client;
    const reading = readS3Object(stub, target('stub.log'), { maxDecompressedBytes: CAP, maxBatchLogs: 500 });

    const first = await reading.next();
    await sleep(50);

    expect([(first.value as S3RawBatch).logs.length, pulled]).toEqual([500, 5]);
    await reading.return(undefined);
  });
});
