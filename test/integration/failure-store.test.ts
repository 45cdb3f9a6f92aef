/**
 * The failure store and replay against a real S3 server (s3rver on 127.0.0.1, port 0) and a
 * real Datadog-compatible intake (test/helpers/intake.ts). The Forwarder is built as the handler
 * builds it (loadConfig with FAILURE_BUCKET) and given the s3rver client as deps.s3.
 *
 * What is checked: the key layout (destination, signal, time), that a stored object is gzip and
 * gunzips to exactly the body the destination was sent, that listing pages past 1,000 objects,
 * and that replay deletes only what it delivered, keeps what still fails, moves what the backend
 * refuses for good (400) aside under `<prefix>-rejected/` and counts it, and counts batches past
 * retention without deleting them (a lifecycle rule expires those).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../../forwarder/config/index.js';
import { FailureStore, parseStoreKey } from '../../forwarder/delivery/failure-store.js';
import { Forwarder } from '../../forwarder/forwarder.js';
import type { Logger } from '../../forwarder/logger.js';
import { awslogsEvent, eventId, lambdaContext, loadPayload, nodeLinesPayload, type PayloadDoc } from '../helpers/events.js';
import { type Intake, LOGS_PATH, startIntake } from '../helpers/intake.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const FAKE_KEY = 'fake-test-api-key-00000000000000';
const PREFIX = 'failed/';
const DAY = 86_400_000;

let s3: S3TestServer;
let client: S3Client;
let intake: Intake;
let bucket: string;
let buckets = 0;

beforeAll(async () => {
  s3 = await startS3Server();
  client = s3.client();
});

afterAll(async () => {
  await s3.stop();
});

beforeEach(async () => {
  intake = await startIntake({ apiKey: FAKE_KEY });
  // A bucket per test: what one test stores cannot leak into another's listing.
  bucket = `failures-${++buckets}`;
  await s3.createBucket(bucket);
});

afterEach(async () => {
  await intake.stop();
});

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

interface Harness {
  readonly forwarder: Forwarder;
  readonly lines: LogLine[];
  /** The counts of the last summary line: `stored[logs,datadog]` → 6. */
  counts(): Record<string, number>;
  /** The fields of the last 'replay done' line (the ReplayReport). */
  replayReport(): Record<string, unknown> | undefined;
}

function harness(env: Env = {}, now?: () => number): Harness {
  const lines: LogLine[] = [];
  const logger: Logger = { log: (level, message, fields = {}) => lines.push({ level, message, fields }) };
  const config = loadConfig({
    DD_API_KEY: FAKE_KEY,
    DD_URL: intake.url,
    FAILURE_BUCKET: bucket,
    REQUEST_TIMEOUT_MS: '1000',
    RETRY_BASE_DELAY_MS: '10',
    MAX_RETRIES: '0',
    DEADLINE_MARGIN_MS: '1000',
    ...env,
  });
  const forwarder = new Forwarder(config, { s3: client, logger, ...(now !== undefined && { now }) });
  return {
    forwarder,
    lines,
    counts: () => parseCounts(String(lines.filter((l) => l.message === 'forwarder summary').at(-1)?.fields['counts'] ?? '')),
    replayReport: () => lines.filter((l) => l.message === 'replay done').at(-1)?.fields,
  };
}

function parseCounts(summary: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of summary.split(' ')) {
    const at = part.lastIndexOf('=');
    if (at > 0) out[part.slice(0, at)] = Number(part.slice(at + 1));
  }
  return out;
}

/** Every key in the bucket under `prefix`, paging by hand (independent of FailureStore.list). */
async function keys(prefix = '', from = bucket): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: from, Prefix: prefix, ...(token !== undefined && { ContinuationToken: token }) }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) out.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out.sort();
}

async function rawObject(key: string): Promise<{ bytes: Buffer; contentType?: string; metadata: Record<string, string> }> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
  return { bytes, metadata: out.Metadata ?? {}, ...(out.ContentType !== undefined && { contentType: out.ContentType }) };
}

/** The event ids in a stored object's body. */
async function storedIds(key: string): Promise<string[]> {
  const items = JSON.parse(gunzipSync((await rawObject(key)).bytes).toString('utf8')) as Array<Record<string, unknown>>;
  return items.map((i) => String(i['aws.log.event.id']));
}

/** The stored object whose body holds the event `id`. */
async function keyHolding(id: string): Promise<string> {
  for (const key of await keys()) if ((await storedIds(key)).includes(id)) return key;
  throw new Error(`no stored object holds ${id}`);
}

const idsOf = (...payloads: PayloadDoc[]) => payloads.flatMap((p) => p.logEvents.map((e) => e.id)).sort();
const logRequests = () => intake.requests.filter((r) => r.path === LOGS_PATH);
const groupOf = (items: readonly Record<string, unknown>[] | undefined) => items?.[0]?.['aws.log.group.names'];

/** Stores one batch per payload: the intake answers 500 and MAX_RETRIES is 0. */
async function storeEach(h: Harness, payloads: readonly PayloadDoc[]): Promise<void> {
  intake.plan(({ path }) => (path === LOGS_PATH ? { kind: 'status', status: 500 } : undefined));
  for (const p of payloads) await expect(h.forwarder.handle(awslogsEvent(p), lambdaContext(60_000))).resolves.toBeUndefined();
  intake.plan(undefined);
}

describe('storing a batch that still fails', () => {
  it('keys it as <prefix><destination>/<signal>/<yyyy>/<mm>/<dd>/<HH>/<epoch-ms>-<random>.gz, and the invocation succeeds', async () => {
    // prepare
    const at = Date.UTC(2024, 2, 5, 7, 8, 9, 123);
    const h = harness({}, () => at);
    intake.plan(({ path }) => (path === LOGS_PATH ? { kind: 'status', status: 500 } : undefined));
    // act
    const result = await h.forwarder.handle(awslogsEvent(loadPayload('lambda-node')), lambdaContext(60_000));
    // assess
    expect(result).toBeUndefined();
    const stored = await keys();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(new RegExp(`^failed/datadog/logs/2024/03/05/07/${at}-[0-9a-f]{12}\\.gz$`));
    expect(parseStoreKey(PREFIX, stored[0] ?? '')).toEqual({ key: stored[0], destination: 'datadog', signal: 'logs', storedAt: at });
    expect(h.counts()).toMatchObject({ 'received[logs]': 6, 'emitted[logs]': 6, 'stored[logs,datadog]': 6 });
  });

  it('honours FAILURE_PREFIX', async () => {
    const h = harness({ FAILURE_PREFIX: 'forwarder/failed/' });
    await storeEach(h, [loadPayload('lambda-python')]);
    const stored = await keys();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(/^forwarder\/failed\/datadog\/logs\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/\d+-[0-9a-f]{12}\.gz$/);
  });

  it('stores gzip bytes that gunzip to exactly the body the intake was sent, with the item count', async () => {
    const h = harness({ MAX_RETRIES: '1' });
    const payload = loadPayload('lambda-node');
    await storeEach(h, [payload]);
    const [key] = await keys();
    const object = await rawObject(key ?? '');
    // gzip magic (RFC 1952 §2.3.1), stored as application/gzip.
    expect([object.bytes[0], object.bytes[1], object.contentType]).toEqual([0x1f, 0x8b, 'application/gzip']);
    const sent = logRequests().map((r) => r.body);
    expect(sent).toHaveLength(2);
    expect(sent[1]?.equals(sent[0] ?? Buffer.alloc(0))).toBe(true);
    expect(gunzipSync(object.bytes).equals(sent[0] ?? Buffer.alloc(0))).toBe(true);
    expect(object.metadata['items']).toBe('6');
    expect(object.metadata['reason']).toBe('HTTP 500');
  });

  it('stores, without sending, a batch the invocation has no time left to send', async () => {
    // Less time left than DEADLINE_MARGIN_MS: the deadline has already passed.
    const h = harness({ DEADLINE_MARGIN_MS: '5000' });
    const payload = loadPayload('lambda-node');
    await expect(h.forwarder.handle(awslogsEvent(payload), lambdaContext(1_000))).resolves.toBeUndefined();
    expect(logRequests()).toEqual([]);
    const [key] = await keys();
    expect(await storedIds(key ?? '')).toEqual(idsOf(payload));
    expect((await rawObject(key ?? '')).metadata['reason']).toBe('no time left before the Lambda deadline');
    expect(h.counts()).toMatchObject({ 'stored[logs,datadog]': 6 });
  });

  it('a 2,500-line payload that fails is stored as the three batches the intake refused', async () => {
    const h = harness();
    const payload = nodeLinesPayload(2500, { seed: 21 });
    await storeEach(h, [payload]);
    const stored = await keys();
    const perObject = await Promise.all(stored.map(storedIds));
    expect(perObject.map((ids) => ids.length).sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
    expect(perObject.flat().sort()).toEqual(idsOf(payload));
    expect(h.counts()['stored[logs,datadog]']).toBe(2500);
  });
});

describe('more than 1,000 stored batches (s3rver is slow: ~15 s to write them, ~25 s to replay them)', () => {
  const COUNT = 1001;
  const prefix = 'p/';
  let big: string;
  const written = new Set<string>();

  beforeAll(async () => {
    // Tiny batches written by the store itself (one item each), plus objects it must not list.
    big = `failures-big-${++buckets}`;
    await s3.createBucket(big);
    const store = new FailureStore(client, big, prefix);
    for (let i = 0; i < COUNT; i += 50) {
      const chunk = await Promise.all(
        Array.from({ length: Math.min(50, COUNT - i) }, (_, j) => {
          const n = i + j;
          const item = `{"message":"stored line ${n}","ddsource":"lambda","ddtags":"env:test","service":"orders-api","aws.log.event.id":"stored-${n}"}`;
          return store.put({ destination: 'datadog', signal: 'logs', body: Buffer.from(`[${item}]`), items: 1, inputs: new Map([[0, 1]]), reason: 'HTTP 500' });
        }),
      );
      for (const k of chunk) written.add(k);
    }
    await s3.put(big, 'p/README.txt', 'not a stored batch');
    await s3.put(big, 'p-rejected/datadog/logs/2024/01/01/00/1704067200000-aaaaaaaaaaaa.gz', 'moved aside');
    await s3.put(big, 'other/datadog/logs/2024/01/01/00/1704067200000-bbbbbbbbbbbb.gz', 'another prefix');
  }, 120_000);

  it('list() pages through all 1,001 (ListObjectsV2 returns at most 1,000 keys a page)', async () => {
    // prepare: count the ListObjectsV2 calls on the wire.
    let pages = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command') pages++;
        return next(args);
      },
      { step: 'initialize', name: 'countListPages' },
    );
    // act
    const listed: string[] = [];
    try {
      for await (const ref of new FailureStore(client, big, prefix).list()) listed.push(ref.key);
    } finally {
      client.middlewareStack.remove('countListPages');
    }
    // assess
    expect(written.size).toBe(COUNT);
    expect(listed.length).toBe(COUNT);
    expect(new Set(listed)).toEqual(written);
    expect(pages).toBe(2);
  });

  it('replay delivers and deletes every one of them, on both pages', { timeout: 120_000 }, async () => {
    const h = harness({ FAILURE_BUCKET: big, FAILURE_PREFIX: prefix, SEND_CONCURRENCY: '16' });
    await h.forwarder.handle({ replay: true }, lambdaContext(110_000));
    expect(h.replayReport()).toMatchObject({ found: COUNT, delivered: COUNT, failed: 0, rejected: 0, incomplete: false });
    expect(intake.eventIds).toEqual(new Set(Array.from({ length: COUNT }, (_, n) => `stored-${n}`)));
    expect(intake.duplicates).toBe(0);
    // What is not a stored batch stays.
    expect(await keys('', big)).toEqual(['other/datadog/logs/2024/01/01/00/1704067200000-bbbbbbbbbbbb.gz', 'p-rejected/datadog/logs/2024/01/01/00/1704067200000-aaaaaaaaaaaa.gz', 'p/README.txt']);
    expect(h.counts()['replayed[logs,datadog]']).toBe(COUNT);
  });
});

describe('replay', () => {
  const a = () => nodeLinesPayload(30, { seed: 31, logGroup: '/aws/lambda/orders-api' });
  const b = () => nodeLinesPayload(20, { seed: 32, logGroup: '/aws/lambda/billing-api' });
  const c = () => nodeLinesPayload(10, { seed: 33, logGroup: '/aws/lambda/search-api' });

  it('sends each stored batch exactly as it was stored, deletes it, and counts it replayed', async () => {
    const h = harness();
    await storeEach(h, [a(), b()]);
    const stored = await keys();
    const bodies = await Promise.all(stored.map(async (k) => gunzipSync((await rawObject(k)).bytes)));
    const before = logRequests().length;
    await expect(h.forwarder.handle({ replay: true }, lambdaContext(60_000))).resolves.toBeUndefined();
    const replayed = logRequests().slice(before);
    expect(replayed.map((r) => r.outcome)).toEqual(['accepted', 'accepted']);
    expect(replayed.map((r) => r.headers['content-encoding'])).toEqual(['gzip', 'gzip']);
    expect(replayed.map((r) => r.body.toString('base64')).sort()).toEqual(bodies.map((x) => x.toString('base64')).sort());
    expect([...intake.eventIds].sort()).toEqual(idsOf(a(), b()));
    expect(await keys()).toEqual([]);
    expect(h.counts()).toMatchObject({ 'replayed[logs,datadog]': 50 });
    expect(h.replayReport()).toMatchObject({ found: 2, delivered: 2, failed: 0, rejected: 0, skipped: 0, pastRetention: 0, incomplete: false });
  });

  it('deletes only what was delivered and keeps, under the same key, what still fails', async () => {
    const h = harness();
    await storeEach(h, [a(), b(), c()]);
    const billingKey = await keyHolding(eventId(32, 0));
    intake.plan(({ path, items }) => (path === LOGS_PATH && groupOf(items) === '/aws/lambda/billing-api' ? { kind: 'status', status: 500 } : undefined));
    await h.forwarder.handle({ replay: true }, lambdaContext(60_000));
    expect(await keys()).toEqual([billingKey]);
    expect(await storedIds(billingKey)).toEqual(idsOf(b()));
    expect([...intake.eventIds].sort()).toEqual(idsOf(a(), c()));
    expect(h.counts()).toMatchObject({ 'replayed[logs,datadog]': 40, 'stored[logs,datadog,still_failing]': 20 });
    expect(h.replayReport()).toMatchObject({ found: 3, delivered: 2, failed: 1, rejected: 0 });
  });

  it('keeps a batch the intake refuses with 401 (a key problem, not the batch\'s fault)', async () => {
    const h = harness();
    await storeEach(h, [a()]);
    const stored = await keys();
    intake.plan(({ path }) => (path === LOGS_PATH ? { kind: 'status', status: 401 } : undefined));
    await h.forwarder.handle({ replay: true }, lambdaContext(60_000));
    expect(await keys()).toEqual(stored);
    expect(h.counts()).toMatchObject({ 'stored[logs,datadog,still_failing]': 30 });
  });

  it('moves a batch the intake refuses for good (400) under <prefix>-rejected/, and counts it', async () => {
    const h = harness();
    await storeEach(h, [a(), b()]);
    const refused = await keyHolding(eventId(32, 0));
    const refusedBytes = (await rawObject(refused)).bytes;
    intake.plan(({ path, items }) => (path === LOGS_PATH && groupOf(items) === '/aws/lambda/billing-api' ? { kind: 'status', status: 400 } : undefined));
    const logged = h.lines.length;
    await h.forwarder.handle({ replay: true }, lambdaContext(60_000));
    const movedKey = `failed-rejected/${refused.slice(PREFIX.length)}`;
    expect(h.lines.slice(logged).filter((l) => l.level === 'error').map((l) => [l.message, l.fields['error']])).toEqual([]);
    expect(await keys()).toEqual([movedKey]);
    expect((await rawObject(movedKey)).bytes.equals(refusedBytes)).toBe(true);
    expect([...intake.eventIds].sort()).toEqual(idsOf(a()));
    expect(h.counts()).toMatchObject({ 'replayed[logs,datadog]': 30, 'rejected[logs,datadog,replay_400]': 20 });
    expect(h.replayReport()).toMatchObject({ found: 2, delivered: 1, failed: 0, rejected: 1 });
    // A later replay does not pick up what was moved aside.
    await h.forwarder.handle({ replay: true }, lambdaContext(60_000));
    expect(h.replayReport()).toMatchObject({ found: 0 });
  });

  it('counts batches past FAILURE_RETENTION_DAYS and leaves them for the lifecycle rule', async () => {
    // prepare: two batches stored 20 days ago, one today; the intake still fails.
    const now = Date.now();
    await storeEach(harness({}, () => now - 20 * DAY), [a(), b()]);
    await storeEach(harness(), [c()]);
    const stored = await keys();
    const h = harness({ FAILURE_RETENTION_DAYS: '14' });
    intake.plan(({ path }) => (path === LOGS_PATH ? { kind: 'status', status: 503 } : undefined));
    // act
    await h.forwarder.handle({ replay: true }, lambdaContext(60_000));
    // assess
    expect(h.replayReport()).toMatchObject({ found: 3, delivered: 0, failed: 3, pastRetention: 2 });
    expect(h.lines.find((l) => l.message === 'replay done')?.level).toBe('warn');
    expect(await keys()).toEqual(stored);
  });

  it('leaves a batch for a destination this forwarder does not have, and says so', async () => {
    const h = harness();
    const otlpKey = 'failed/otlp/logs/2024/01/01/00/1704067200000-cccccccccccc.gz';
    await s3.put(bucket, otlpKey, gzipSync('{"resourceLogs":[]}'));
    await h.forwarder.handle({ replay: true }, lambdaContext(60_000));
    expect(h.replayReport()).toMatchObject({ found: 1, delivered: 0, skipped: 1 });
    expect(await keys()).toEqual([otlpKey]);
    expect(logRequests()).toEqual([]);
  });

  it('starts nothing once the deadline has come: every batch stays stored', async () => {
    const h = harness({ DEADLINE_MARGIN_MS: '5000' });
    await storeEach(h, [a(), b()]);
    const stored = await keys();
    const before = logRequests().length;
    // Less time left than the margin: the deadline is already past.
    await h.forwarder.handle({ replay: true }, lambdaContext(1_000));
    expect(h.replayReport()).toMatchObject({ found: 2, delivered: 0, incomplete: true });
    expect(logRequests().length).toBe(before);
    expect(await keys()).toEqual(stored);
  });
});
