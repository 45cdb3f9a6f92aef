/**
 * Fault injection: the Forwarder (built by loadConfig, as the handler builds it) on real
 * CloudWatch Logs subscription and Kinesis events — several payloads, thousands of lines, each
 * with its own event id — against the local Datadog-compatible intake (test/helpers/intake.ts)
 * and s3rver as the failure store. Each case injects one kind of fault, then:
 *
 *  1. accounts for every input line, from two independent records: the Forwarder's counters (its
 *     summary line, captured through deps.logger) and what the intake and the store hold.
 *     input = delivered + stored + reported for redelivery + rejected (with a reason) + filtered;
 *     per invocation, the two equations of forwarder/accounting.ts hold;
 *  2. lets the intake recover, hands AWS's redeliveries back (the whole event for CloudWatch,
 *     the records from the first failed one on for Kinesis), runs a replay ({"replay": true}),
 *     and checks that every deliverable line has arrived and the store is empty.
 *
 * Duplicates are allowed only for requests whose answer was lost after the intake kept the body
 * (a stall past the timeout, a reset after reading), and for lines of an event AWS redelivers
 * after part of it was delivered: the intake's count must equal exactly those items, and each
 * case prints its figures. No assertion is about wall-clock time.
 */
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../../forwarder/config/index.js';
import { type HttpPost, httpPost } from '../../forwarder/delivery/http.js';
import { type BatchResponse, DeliveryFailedError, Forwarder } from '../../forwarder/forwarder.js';
import type { Logger } from '../../forwarder/logger.js';
import {
  type LogEventDoc,
  type PayloadDoc,
  awslogsEvent,
  kinesisEvent,
  kinesisSequenceNumber,
  lambdaContext,
  loadPayload,
  nodeLinesPayload,
} from '../helpers/events.js';
import { type Fault, type Intake, LOGS_PATH, type Plan, type RecordedRequest, startIntake } from '../helpers/intake.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const FAKE_KEY = 'fake-test-api-key-00000000000000';
const OWN_GROUP = '/aws/lambda/log-forwarder';
const PREFIX = 'failed/';

let s3: S3TestServer;
let client: S3Client;
let intake: Intake;
let bucket: string;
let buckets = 0;
/** A port nothing listens on: requests to it are refused (ECONNREFUSED). */
let closedUrl: string;

beforeAll(async () => {
  s3 = await startS3Server();
  client = s3.client();
  closedUrl = `http://127.0.0.1:${await closedPort()}`;
});

afterAll(async () => {
  await s3.stop();
});

beforeEach(async () => {
  intake = await startIntake({ apiKey: FAKE_KEY });
  bucket = `fault-${++buckets}`;
  await s3.createBucket(bucket);
});

afterEach(async () => {
  await intake.stop();
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// ---------------------------------------------------------------------------------------------
// Inputs

/** A CloudWatch Logs event id for lines added to a fixture (56 digits, like the service's). */
const extraId = (n: number) => `9${String(n).padStart(55, '0')}`;

/** Real lines (fixtures), thousands of generated ones, and a payload of the forwarder's own group. */
function cloudWatchPayloads(): PayloadDoc[] {
  return [
    nodeLinesPayload(1500, { seed: 101, logGroup: '/aws/lambda/orders-api' }),
    loadPayload('lambda-node'),
    nodeLinesPayload(2200, { seed: 102, logGroup: '/aws/lambda/billing-api', logStream: '2024/01/01/[$LATEST]1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f' }),
    loadPayload('lambda-python'),
    nodeLinesPayload(1000, { seed: 103, logGroup: '/aws/lambda/search-api' }),
    loadPayload('lambda-json-format'),
    nodeLinesPayload(40, { seed: 104, logGroup: OWN_GROUP }),
    nodeLinesPayload(650, { seed: 105, logGroup: '/aws/lambda/orders-api' }),
  ];
}

/**
 * A real payload plus two events the service would never send (a timestamp as text, no
 * message), for the rejected-as-bad-input outcome.
 */
function payloadWithBadEvents(): PayloadDoc {
  const payload = loadPayload('lambda-json-format');
  (payload.logEvents as unknown[]).push(
    { id: extraId(1), timestamp: '2024-01-01T00:00:01Z', message: 'timestamp as text' },
    { id: extraId(2), timestamp: 1704067201000 },
  );
  return payload;
}

const isValidEvent = (e: LogEventDoc) => typeof e.message === 'string' && typeof e.timestamp === 'number';

// ---------------------------------------------------------------------------------------------
// Fault plans: decided per batch and attempt from a seed, so that they do not depend on the order
// in which concurrent requests arrive.

/** FNV-1a of the text, mixed with the seed, as a number in [0, 1). */
function chance(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/** A logs-path plan that calls `decide` with the batch's identity and its attempt number (0-based). */
function perAttempt(decide: (batch: string, attempt: number) => Fault | undefined): Plan {
  const attempts = new Map<string, number>();
  return ({ path, items }) => {
    if (path !== LOGS_PATH || items === undefined || items.length === 0) return undefined;
    const batch = `${String(items[0]?.['aws.log.event.id'])}|${String(items.at(-1)?.['aws.log.event.id'])}|${items.length}`;
    const attempt = attempts.get(batch) ?? 0;
    attempts.set(batch, attempt + 1);
    return decide(batch, attempt);
  };
}

// ---------------------------------------------------------------------------------------------
// The Forwarder under test, and what it says about itself

interface Count {
  readonly outcome: string;
  readonly signal?: string;
  readonly destination?: string;
  readonly reason?: string;
  readonly n: number;
}

/** `forwarded[logs,datadog]=6 rejected[logs,invalid_record]=2` → entries. */
function parseSummary(line: string): Count[] {
  const out: Count[] = [];
  for (const part of line.split(' ')) {
    const m = /^([a-z]+)(?:\[([^\]]*)\])?=(\d+)$/.exec(part);
    if (m === null) continue;
    const parts = m[2] === undefined ? [] : m[2].split(',');
    const signal = ['logs', 'metrics', 'traces'].includes(parts[0] ?? '') ? parts.shift() : undefined;
    const destination = parts[0] === 'datadog' ? parts.shift() : undefined;
    const reason = parts.length > 0 ? parts.join(',') : undefined;
    out.push({ outcome: m[1] ?? '', ...(signal !== undefined && { signal }), ...(destination !== undefined && { destination }), ...(reason !== undefined && { reason }), n: Number(m[3]) });
  }
  return out;
}

/** Sums of the logs counts of one or more summaries. */
interface Totals {
  received: number;
  emitted: number;
  filtered: number;
  converted: number;
  /** Rejected as bad input at the source (no destination). */
  rejectedInput: number;
  forwarded: number;
  stored: number;
  failed: number;
  /** Rejected by the destination. */
  rejectedByDestination: number;
  replayed: number;
  stillFailing: number;
  reasons: Record<string, number>;
}

function totals(counts: readonly Count[]): Totals {
  const t: Totals = { received: 0, emitted: 0, filtered: 0, converted: 0, rejectedInput: 0, forwarded: 0, stored: 0, failed: 0, rejectedByDestination: 0, replayed: 0, stillFailing: 0, reasons: {} };
  for (const c of counts) {
    if (c.signal !== 'logs') continue;
    if (c.reason !== undefined) t.reasons[`${c.outcome}:${c.reason}`] = (t.reasons[`${c.outcome}:${c.reason}`] ?? 0) + c.n;
    switch (c.outcome) {
      case 'received':
      case 'emitted':
      case 'filtered':
      case 'converted':
      case 'forwarded':
      case 'failed':
      case 'replayed':
        t[c.outcome] += c.n;
        break;
      case 'stored':
        if (c.reason === 'still_failing') t.stillFailing += c.n;
        else t.stored += c.n;
        break;
      case 'rejected':
        if (c.destination === undefined) t.rejectedInput += c.n;
        else t.rejectedByDestination += c.n;
        break;
    }
  }
  return t;
}

interface Harness {
  readonly forwarder: Forwarder;
  /** Every summary line, parsed, in order. */
  readonly summaries: Count[][];
  readonly replayReports: Array<Record<string, unknown>>;
}

interface Wiring {
  /** When set, requests to the intake go to a closed port instead (the intake is down). */
  readonly route?: { down: boolean };
  /** The failure store's S3 client (default: the s3rver client). */
  readonly s3?: S3Client;
}

function harness(env: Env = {}, wiring: Wiring = {}): Harness {
  const summaries: Count[][] = [];
  const replayReports: Array<Record<string, unknown>> = [];
  const logger: Logger = {
    log(_level, message, fields = {}) {
      if (message === 'forwarder summary') summaries.push(parseSummary(String(fields['counts'] ?? '')));
      if (message === 'replay done') replayReports.push(fields);
    },
  };
  const route = wiring.route;
  const post: HttpPost | undefined =
    route === undefined ? undefined : (url, headers, body, signal) => httpPost(route.down ? url.replace(intake.url, closedUrl) : url, headers, body, signal);
  const config = loadConfig({
    DD_API_KEY: FAKE_KEY,
    DD_URL: intake.url,
    FAILURE_BUCKET: bucket,
    AWS_LAMBDA_LOG_GROUP_NAME: OWN_GROUP,
    AWS_REGION: 'us-east-1',
    // Generous: a request that times out after the intake accepted it would be a duplicate no
    // fault explains. The stall case sets its own, shorter timeout.
    REQUEST_TIMEOUT_MS: '5000',
    RETRY_BASE_DELAY_MS: '10',
    MAX_RETRIES: '1',
    SEND_CONCURRENCY: '4',
    DEADLINE_MARGIN_MS: '1000',
    ...env,
  });
  const forwarder = new Forwarder(config, { s3: wiring.s3 ?? client, logger, ...(post !== undefined && { post }) });
  return { forwarder, summaries, replayReports };
}

/** An S3 client whose endpoint refuses every connection: every write to the store fails. */
function brokenStoreClient(): S3Client {
  return new S3Client({
    endpoint: closedUrl,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts: 2,
  });
}

// ---------------------------------------------------------------------------------------------
// Invocations and what AWS does with their answers

interface Delivery {
  readonly event: unknown;
  /** The payload of each input, by input index. */
  readonly payloads: readonly PayloadDoc[];
}

const cloudWatch = (payload: PayloadDoc): Delivery => ({ event: awslogsEvent(payload), payloads: [payload] });

const kinesis = (payloads: readonly PayloadDoc[]): Delivery => ({ event: kinesisEvent(payloads), payloads });

/**
 * What AWS sends again: a CloudWatch Logs event whose invocation failed, whole; for Kinesis, the
 * records from the lowest sequence number in batchItemFailures on (the checkpoint;
 * https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html).
 */
function redelivery(d: Delivery, answer: BatchResponse | undefined | Error): Delivery | undefined {
  if (answer instanceof Error) return d;
  const failures = answer?.batchItemFailures ?? [];
  if (failures.length === 0) return undefined;
  const records = (d.event as KinesisStreamEvent).Records;
  const first = Math.min(...failures.map((f) => records.findIndex((r) => r.kinesis.sequenceNumber === f.itemIdentifier)));
  expect(first).toBeGreaterThanOrEqual(0);
  return { event: { Records: records.slice(first) }, payloads: d.payloads.slice(first) };
}

// ---------------------------------------------------------------------------------------------
// The ledger

const idsIn = (body: Buffer): string[] =>
  (JSON.parse(body.toString('utf8')) as Array<Record<string, unknown>>).map((i) => String(i['aws.log.event.id']));
const logRequests = (from = 0, to = Number.POSITIVE_INFINITY): RecordedRequest[] =>
  intake.requests.slice(from, to).filter((r) => r.path === LOGS_PATH);

async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: PREFIX, ...(token !== undefined && { ContinuationToken: token }) }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

async function storedIds(): Promise<string[]> {
  const ids: string[] = [];
  // Logs batches only: metrics batches (enhanced metrics, the forwarder's own counts) are stored too.
  for (const key of (await storedKeys()).filter((k) => k.includes('/logs/'))) {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    ids.push(...idsIn(gunzipSync(await (out.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())))));
  }
  return ids;
}

function expectEquationsHold(counts: readonly Count[], label: string): void {
  const t = totals(counts);
  // At the source: every line received is emitted, filtered, converted or rejected as bad input.
  expect(t.emitted + t.filtered + t.converted + t.rejectedInput, `${label}: received = emitted + filtered + converted + rejected (input)`).toBe(t.received);
  // At the destination: every line emitted is forwarded, stored, failed or rejected by it.
  expect(t.forwarded + t.stored + t.failed + t.rejectedByDestination, `${label}: emitted = forwarded + stored + failed + rejected (destination)`).toBe(t.emitted);
}

interface CaseOptions {
  readonly name: string;
  readonly deliveries: readonly Delivery[];
  readonly env?: Env;
  readonly plan?: Plan;
  /** The intake refuses connections for the whole fault phase. */
  readonly down?: boolean;
  /** Writes to the failure store fail during the fault phase. */
  readonly storeDown?: boolean;
}

interface CaseResult {
  readonly totals: Totals;
  readonly answers: ReadonlyArray<BatchResponse | undefined | Error>;
  readonly redelivered: readonly Delivery[];
  readonly delivered: ReadonlySet<string>;
  readonly stored: ReadonlySet<string>;
  readonly rejected: ReadonlySet<string>;
  /** Objects in the store after the fault phase. */
  readonly storedObjects: number;
  readonly duplicates: number;
  readonly duplicatesAllowed: number;
}

/**
 * Runs the fault phase, checks the ledger, then recovery (redeliveries, replay) and checks that
 * every deliverable line has arrived.
 */
async function runCase(o: CaseOptions): Promise<CaseResult> {
  const route = { down: o.down === true };
  const faulty = harness(o.env, { route, ...(o.storeDown === true && { s3: brokenStoreClient() }) });
  const inputEvents = o.deliveries.flatMap((d) => d.payloads.flatMap((p) => p.logEvents));
  const inputIds = inputEvents.map((e) => e.id);
  expect(new Set(inputIds).size, 'every input line has its own id').toBe(inputIds.length);
  const filteredIds = new Set(o.deliveries.flatMap((d) => d.payloads.filter((p) => p.logGroup === OWN_GROUP).flatMap((p) => p.logEvents.map((e) => e.id))));
  const invalidIds = new Set(inputEvents.filter((e) => !isValidEvent(e)).map((e) => e.id));

  // 1. Fault phase: one invocation per delivery, each with its own summary line. The faults
  // answered are remembered by request, to know which lost answers came after the intake kept
  // the body.
  const faults = new Map<number, Fault>();
  const plan = o.plan;
  intake.plan(
    plan &&
      ((request) => {
        const fault = plan(request);
        if (fault !== undefined) faults.set(request.seq, fault);
        return fault;
      }),
  );
  const answers: Array<BatchResponse | undefined | Error> = [];
  const redelivered: Delivery[] = [];
  for (const [i, d] of o.deliveries.entries()) {
    const answer = await faulty.forwarder.handle(d.event, lambdaContext(60_000)).catch((err: unknown) => err as Error);
    if (answer instanceof Error) expect(answer).toBeInstanceOf(DeliveryFailedError);
    answers.push(answer);
    const again = redelivery(d, answer);
    if (again !== undefined) redelivered.push(again);
    const counts = faulty.summaries[i] ?? [];
    expectEquationsHold(counts, `${o.name}, invocation ${i + 1}`);
    // Every line of the event is received or rejected as bad input.
    const lines = d.payloads.reduce((n, p) => n + p.logEvents.length, 0);
    expect(totals(counts).received, `${o.name}, invocation ${i + 1}: every line is received`).toBe(lines);
  }
  expect(faulty.summaries).toHaveLength(o.deliveries.length);
  const fault = totals(faulty.summaries.flat());
  const faultRequests = intake.requests.length;

  // 2. The ledger, from the intake and the store, against the counters.
  const accepted = logRequests(0, faultRequests).filter((r) => r.outcome === 'accepted');
  const delivered = new Set(accepted.flatMap((r) => idsIn(r.body)));
  const storedObjects = (await storedKeys()).length;
  const stored = new Set(await storedIds());
  const rejected = new Set(logRequests(0, faultRequests).filter((r) => r.outcome === 'status:400' && r.itemCount === 1).flatMap((r) => idsIn(r.body)));
  expect(accepted.reduce((n, r) => n + r.itemCount, 0), 'no line is accepted twice by the intake while it is faulty').toBe(delivered.size);
  expect(delivered.size, 'delivered: counters vs intake').toBe(fault.forwarded);
  expect(stored.size, 'stored: counters vs store').toBe(fault.stored);
  expect(rejected.size, 'rejected by the intake: counters vs intake').toBe(fault.rejectedByDestination);
  expect(filteredIds.size, 'filtered (own log group)').toBe(fault.filtered);
  expect(invalidIds.size, 'rejected as bad input').toBe(fault.rejectedInput);
  expect(fault.converted).toBe(0);
  for (const id of stored) expect(delivered.has(id), `stored line ${id} was also delivered`).toBe(false);
  for (const id of rejected) expect(delivered.has(id) || stored.has(id), `rejected line ${id} was also delivered or stored`).toBe(false);
  expect(delivered.size + stored.size + fault.failed + rejected.size + filteredIds.size + invalidIds.size, 'delivered + stored + failed + rejected + filtered = input').toBe(inputIds.length);
  // What is neither delivered, stored, rejected nor filtered is in an event AWS sends again.
  const redeliveredIds = new Set(redelivered.flatMap((d) => d.payloads.flatMap((p) => p.logEvents.map((e) => e.id))));
  const unaccounted = inputIds.filter((id) => !delivered.has(id) && !stored.has(id) && !rejected.has(id) && !filteredIds.has(id) && !invalidIds.has(id));
  expect(unaccounted.length).toBe(fault.failed);
  expect(unaccounted.filter((id) => !redeliveredIds.has(id))).toEqual([]);

  // 3. Recovery: the intake is back; AWS redelivers; a replay sends what was stored.
  intake.plan(undefined);
  route.down = false;
  const healthy = o.storeDown === true ? harness(o.env) : faulty;
  for (const d of redelivered) {
    const answer = await healthy.forwarder.handle(d.event, lambdaContext(60_000));
    expect(answer === undefined || answer.batchItemFailures.length === 0, 'a redelivery succeeds once the intake is back').toBe(true);
  }
  const keysBeforeReplay = (await storedKeys()).length;
  await expect(healthy.forwarder.handle({ replay: true }, lambdaContext(60_000))).resolves.toBeUndefined();
  expect(healthy.replayReports.at(-1)).toMatchObject({ found: keysBeforeReplay, delivered: keysBeforeReplay, failed: 0, rejected: 0, incomplete: false });
  const replay = totals(healthy.summaries.at(-1) ?? []);
  expect(replay.replayed, 'every stored line is replayed once').toBe(stored.size);
  expect(await storedKeys(), 'the store is empty after the replay').toEqual([]);

  // 4. Every deliverable line has arrived; what was refused for good has not.
  const deliverable = inputIds.filter((id) => !filteredIds.has(id) && !invalidIds.has(id) && !rejected.has(id));
  expect([...intake.eventIds].sort()).toEqual(deliverable.sort());
  expect(intake.violations).toEqual([]);
  // Duplicates only where an answer was lost after the intake kept the body (a stall past the
  // timeout, a reset after reading): each such copy is one duplicate, since the batch is then
  // retried or stored and replayed. Plus the lines of a redelivered event that had been
  // delivered before it failed (AWS sends the whole event again). Nothing else.
  const kept = (f: Fault | undefined) => (f?.kind === 'stall' && f.accept !== false) || (f?.kind === 'reset' && f.accept === true);
  const keptUnanswered = logRequests().filter((r) => kept(faults.get(r.seq))).reduce((n, r) => n + r.itemCount, 0);
  const redeliveredDelivered = [...redeliveredIds].filter((id) => delivered.has(id)).length;
  const duplicatesAllowed = keptUnanswered + redeliveredDelivered;
  expect(intake.duplicates, 'duplicates = copies kept by the intake whose answer was lost + redelivered lines').toBe(duplicatesAllowed);
  expect(intake.items.length).toBe(intake.eventIds.size + intake.duplicates);
  console.info(
    `[fault-injection] ${o.name}: input=${inputIds.length} delivered=${delivered.size} stored=${stored.size} (replayed ${replay.replayed}) ` +
      `failed=${fault.failed} (redelivered events: ${redelivered.length}) rejected=${rejected.size + invalidIds.size} filtered=${filteredIds.size} ` +
      `requests=${logRequests(0, faultRequests).length} duplicates=${intake.duplicates} (answers lost after the intake kept the body: ${keptUnanswered} items; redelivered after delivery: ${redeliveredDelivered})`,
  );
  return { totals: fault, answers, redelivered, delivered, stored, rejected, storedObjects, duplicates: intake.duplicates, duplicatesAllowed };
}

// ---------------------------------------------------------------------------------------------

describe('CloudWatch Logs events through a faulty intake, with the failure store', () => {
  it('a seeded random share of 500s: retried, the rest stored, then replayed', { timeout: 60_000 }, async () => {
    const r = await runCase({
      name: 'random 500s',
      deliveries: cloudWatchPayloads().map(cloudWatch),
      plan: perAttempt((batch, attempt) => (chance(7, `${batch}#${attempt}`) < 0.5 ? { kind: 'status', status: 500 } : undefined)),
    });
    // The seed gives every outcome: delivered, stored (both attempts answered 500), and
    // delivered on the retry (more 500s than the stored batches account for).
    expect(r.delivered.size).toBeGreaterThan(0);
    expect(r.storedObjects).toBeGreaterThan(0);
    expect(logRequests().filter((q) => q.outcome === 'status:500').length).toBeGreaterThan(2 * r.storedObjects);
    expect(r.answers.every((a) => a === undefined)).toBe(true);
    expect(r.duplicates).toBe(0);
  });

  it('stalls past REQUEST_TIMEOUT_MS (some after keeping the body): retried or stored, duplicates counted', { timeout: 60_000 }, async () => {
    const r = await runCase({
      name: 'stalls',
      deliveries: cloudWatchPayloads().map(cloudWatch),
      env: { REQUEST_TIMEOUT_MS: '500' },
      plan: perAttempt((batch, attempt) =>
        chance(11, `${batch}#${attempt}`) < 0.5 ? { kind: 'stall', accept: chance(12, batch) < 0.5 } : undefined,
      ),
    });
    expect(logRequests().some((q) => q.outcome === 'stall')).toBe(true);
    expect(r.answers.every((a) => a === undefined)).toBe(true);
  });

  it('connection resets (some after keeping the body): retried or stored, duplicates counted', { timeout: 60_000 }, async () => {
    const r = await runCase({
      name: 'resets',
      deliveries: cloudWatchPayloads().map(cloudWatch),
      plan: perAttempt((batch, attempt) =>
        chance(13, `${batch}#${attempt}`) < 0.5 ? { kind: 'reset', accept: chance(14, batch) < 0.5 } : undefined,
      ),
    });
    expect(logRequests().some((q) => q.outcome === 'reset')).toBe(true);
    expect(r.answers.every((a) => a === undefined)).toBe(true);
  });

  it('413 for requests of more than 300 items: bisection delivers everything, nothing stored', { timeout: 60_000 }, async () => {
    const r = await runCase({
      name: '413',
      deliveries: cloudWatchPayloads().map(cloudWatch),
      plan: ({ path, items }) => (path === LOGS_PATH && (items?.length ?? 0) > 300 ? { kind: 'status', status: 413 } : undefined),
    });
    expect(logRequests().some((q) => q.outcome === 'status:413')).toBe(true);
    expect([r.stored.size, r.totals.failed, r.duplicates]).toEqual([0, 0, 0]);
  });

  it('400 for requests holding a bad item: bisection isolates each one, rejected with the status as reason', { timeout: 60_000 }, async () => {
    const payloads = cloudWatchPayloads();
    const poison = new Set([payloads[0]?.logEvents[17]?.id, payloads[2]?.logEvents[1999]?.id, payloads[1]?.logEvents[3]?.id]);
    const r = await runCase({
      name: '400',
      deliveries: payloads.map(cloudWatch),
      plan: ({ path, items }) => (path === LOGS_PATH && items?.some((i) => poison.has(String(i['aws.log.event.id']))) ? { kind: 'status', status: 400 } : undefined),
    });
    expect(r.rejected).toEqual(poison);
    expect(r.totals.reasons['rejected:status_400']).toBe(3);
    expect([r.stored.size, r.totals.failed, r.duplicates]).toEqual([0, 0, 0]);
  });

  it('the intake is down for every invocation (connection refused): everything stored, then replayed', { timeout: 60_000 }, async () => {
    const r = await runCase({ name: 'intake down', deliveries: cloudWatchPayloads().map(cloudWatch), down: true });
    expect([r.delivered.size, r.totals.failed, r.duplicates]).toEqual([0, 0, 0]);
    expect(r.stored.size).toBe(r.totals.emitted);
    expect(intake.requests.filter((q) => q.path === LOGS_PATH && q.outcome !== 'accepted')).toEqual([]);
  });

  it('the store refuses writes while the intake fails: the invocation rejects so that AWS redelivers', { timeout: 60_000 }, async () => {
    const payloads = cloudWatchPayloads();
    const r = await runCase({
      name: 'store down',
      deliveries: payloads.map(cloudWatch),
      plan: ({ path }) => (path === LOGS_PATH ? { kind: 'status', status: 503 } : undefined),
      storeDown: true,
    });
    // Every event with a line to deliver fails; the one holding only the forwarder's own lines succeeds.
    expect(r.answers.map((a) => a instanceof DeliveryFailedError)).toEqual(payloads.map((p) => p.logGroup !== OWN_GROUP));
    expect([r.delivered.size, r.stored.size, r.duplicates]).toEqual([0, 0, 0]);
    expect(r.totals.failed).toBe(r.totals.emitted);
  });
});

describe('bad input among good lines', () => {
  it('events without a usable timestamp or message are received, rejected with a reason, and the rest delivered', async () => {
    const payload = payloadWithBadEvents();
    const r = await runCase({ name: 'bad events', deliveries: [cloudWatch(payload)] });
    expect(r.totals.reasons['rejected:invalid_record']).toBe(2);
    expect(r.delivered.size).toBe(7);
  });
});

describe('Kinesis events through a faulty intake', () => {
  // One record per payload: 1,000 lines fill a batch exactly, so the small record that follows
  // shares its batch with the failing group's lines.
  const records = (): PayloadDoc[] => [
    nodeLinesPayload(1000, { seed: 201, logGroup: '/aws/lambda/orders-api' }),
    loadPayload('lambda-python'),
    nodeLinesPayload(1000, { seed: 202, logGroup: '/aws/lambda/failing-fn' }),
  ];
  const failingGroup: Plan = ({ path, items }) =>
    path === LOGS_PATH && items?.some((i) => i['aws.log.group.names'] === '/aws/lambda/failing-fn') ? { kind: 'status', status: 500 } : undefined;

  it('the store refuses writes: the records of the failed batches are in batchItemFailures, AWS redelivers from there', { timeout: 60_000 }, async () => {
    const r = await runCase({ name: 'kinesis, store down', deliveries: [kinesis(records())], plan: failingGroup, storeDown: true });
    expect(r.answers).toEqual([{ batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(1) }, { itemIdentifier: kinesisSequenceNumber(2) }] }]);
    expect(r.totals.failed).toBe(1007);
    expect(r.duplicates).toBe(0);
  });

  it('with the store: failed batches are stored, batchItemFailures is empty, and the replay delivers them', { timeout: 60_000 }, async () => {
    const r = await runCase({ name: 'kinesis, store up', deliveries: [kinesis(records())], plan: failingGroup });
    expect(r.answers).toEqual([{ batchItemFailures: [] }]);
    expect(r.stored.size).toBe(1007);
    expect(r.duplicates).toBe(0);
  });
});
