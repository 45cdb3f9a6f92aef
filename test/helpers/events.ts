/**
 * Builders for real Lambda events from the fixtures in test/events/: a CloudWatch Logs
 * subscription event is `{ awslogs: { data: base64(gzip(JSON payload)) } }`, exactly as the
 * service delivers it (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html);
 * a Kinesis event carries the same bytes in each record's `kinesis.data`. Fixtures are read
 * fresh on every call, so a test can edit what it gets without touching other tests.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

const EVENTS_DIR = new URL('../events/', import.meta.url);

export interface LogEventDoc {
  id: string;
  timestamp: number;
  message: string;
}

/** A decoded subscription payload as the fixtures hold it. */
export interface PayloadDoc {
  messageType: string;
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: LogEventDoc[];
}

/** A fixture file under test/events/, parsed (a fresh copy on every call). */
export function loadFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(new URL(relativePath, EVENTS_DIR), 'utf8')) as T;
}

/** A subscription payload from test/events/cloudwatch/<name>.json. */
export function loadPayload(name: string): PayloadDoc {
  return loadFixture<PayloadDoc>(`cloudwatch/${name}.json`);
}

/** The messages of a payload fixture, in order. */
export function payloadMessages(name: string): string[] {
  return loadPayload(name).logEvents.map((e) => e.message);
}

/**
 * `awslogs.data` for a payload: JSON → gzip → base64. Raw bytes (for invalid JSON or invalid
 * UTF-8) are gzipped as they are.
 */
export function encodeAwslogsData(payload: unknown): string {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload), 'utf8');
  return gzipSync(bytes).toString('base64');
}

export function awslogsEvent(payload: unknown): { awslogs: { data: string } } {
  return { awslogs: { data: encodeAwslogsData(payload) } };
}

/** A record's data as-is, for corrupt records (`{ data: 'not base64!' }`). */
export interface RawKinesisData {
  readonly rawData: string;
}

const isRaw = (p: unknown): p is RawKinesisData =>
  p !== null && typeof p === 'object' && typeof (p as { rawData?: unknown }).rawData === 'string';

/** Sequence number of the i-th record built by kinesisEvent. */
export function kinesisSequenceNumber(i: number): string {
  return `4959033827149025660855969253836157109592157598913658${String(8800 + i)}`;
}

/**
 * A Kinesis Data Streams event with one record per payload, each record built from the
 * fixture envelope (test/events/cloudwatch/kinesis-record.json) with its own sequence number.
 */
export function kinesisEvent(payloads: ReadonlyArray<unknown>, options: { region?: string } = {}): KinesisStreamEvent {
  const Records = payloads.map((payload, i): KinesisStreamRecord => {
    const record = loadFixture<KinesisStreamRecord>('cloudwatch/kinesis-record.json');
    const sequenceNumber = kinesisSequenceNumber(i);
    record.kinesis.sequenceNumber = sequenceNumber;
    record.kinesis.partitionKey = `partition-${i}`;
    record.kinesis.data = isRaw(payload) ? payload.rawData : encodeAwslogsData(payload);
    record.eventID = `shardId-000000000000:${sequenceNumber}`;
    if (options.region !== undefined) record.awsRegion = options.region;
    return record;
  });
  return { Records };
}

export interface TestLambdaContext {
  readonly awsRequestId: string;
  readonly functionName: string;
  getRemainingTimeInMillis(): number;
}

/** A Lambda context whose deadline is `remainingMs` from now (Date.now clock). */
export function lambdaContext(remainingMs: number, awsRequestId = 'c0ffee00-0000-4000-8000-000000000001'): TestLambdaContext & { readonly deadline: number } {
  const deadline = Date.now() + remainingMs;
  return {
    awsRequestId,
    functionName: 'log-forwarder',
    deadline,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** A CloudWatch event id: 56 digits, unique per (seed, i). */
export function eventId(seed: number, i: number): string {
  return `${String(seed).padStart(8, '0')}${String(i).padStart(48, '0')}`;
}

/**
 * A DATA_MESSAGE of `count` Node.js runtime lines (one invocation, START … REPORT around
 * them is not added: every line carries its own prefix), each with a unique id.
 */
export function nodeLinesPayload(count: number, options: { seed?: number; logGroup?: string; logStream?: string; owner?: string; message?: (i: number) => string } = {}): PayloadDoc {
  const seed = options.seed ?? 1;
  const t0 = 1704067200000;
  const requestId = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';
  const logEvents: LogEventDoc[] = [];
  for (let i = 0; i < count; i++) {
    const ts = t0 + i;
    const text = options.message?.(i) ?? `processing order ${seed}-${i}`;
    logEvents.push({ id: eventId(seed, i), timestamp: ts, message: `${new Date(ts).toISOString()}\t${requestId}\tINFO\t${text}\n` });
  }
  return {
    messageType: 'DATA_MESSAGE',
    owner: options.owner ?? '123456789012',
    logGroup: options.logGroup ?? '/aws/lambda/orders-api',
    logStream: options.logStream ?? '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
    subscriptionFilters: ['log-forwarder'],
    logEvents,
  };
}
