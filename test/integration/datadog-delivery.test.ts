/**
 * The Forwarder, built from loadConfig with DD_URL at a real local intake (test/helpers/intake.ts)
 * and a fake key, on real CloudWatch Logs and Kinesis events. The intake gunzips and validates
 * every request; faults are injected per request (5xx, 429 with Retry-After, resets, stalls past
 * the request timeout, 400, 401, 413) and the intake then recovers. Every record must arrive,
 * none lost; duplicates are allowed only after a reset or a stall (the client cannot know the
 * intake kept the batch), and are counted. Timing is asserted on the intake's recorded request
 * times, never on a wall-clock budget.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Env, loadConfig } from '../../forwarder/config/index.js';
import { Forwarder } from '../../forwarder/forwarder.js';
import type { Logger } from '../../forwarder/logger.js';
import {
  awslogsEvent,
  kinesisEvent,
  kinesisSequenceNumber,
  lambdaContext,
  loadPayload,
  nodeLinesPayload,
  type PayloadDoc,
} from '../helpers/events.js';
import { type Intake, LOGS_PATH, METRICS_PATH, faultSequence, startIntake } from '../helpers/intake.js';

const FAKE_KEY = 'fake-test-api-key-00000000000000';

let intake: Intake;

beforeEach(async () => {
  intake = await startIntake({ apiKey: FAKE_KEY });
});

afterEach(async () => {
  await intake.stop();
});

interface Harness {
  readonly forwarder: Forwarder;
  /** The counts of the last invocation's summary line: `forwarded[logs,datadog]` → 6. */
  counts(): Record<string, number>;
}

/** A Forwarder as the handler builds it, from environment variables, pointed at the intake. */
function harness(env: Env = {}): Harness {
  const summaries: string[] = [];
  const logger: Logger = {
    log(_level, message, fields) {
      if (message === 'forwarder summary') summaries.push(String(fields?.['counts'] ?? ''));
    },
  };
  const config = loadConfig({
    DD_API_KEY: FAKE_KEY,
    DD_URL: intake.url,
    // Generous, so that a busy machine never times out a request the intake accepted (which
    // would rightly duplicate it); the stall tests set it low.
    REQUEST_TIMEOUT_MS: '10000',
    RETRY_BASE_DELAY_MS: '10',
    MAX_RETRIES: '5',
    DEADLINE_MARGIN_MS: '1000',
    ...env,
  });
  return {
    forwarder: new Forwarder(config, { logger }),
    counts() {
      const line = summaries.at(-1) ?? '';
      return Object.fromEntries(
        line
          .split(' ')
          .filter((p) => p.includes('='))
          .map((p) => {
            const at = p.lastIndexOf('=');
            return [p.slice(0, at), Number(p.slice(at + 1))];
          }),
      );
    },
  };
}

const idsOf = (...payloads: PayloadDoc[]) => new Set(payloads.flatMap((p) => p.logEvents.map((e) => e.id)));
const logRequests = () => intake.requests.filter((r) => r.path === LOGS_PATH);

/** Items the intake may legitimately have twice: those of requests it kept but did not answer. */
const duplicatesAllowed = () =>
  intake.requests.filter((r) => r.outcome === 'stall' || r.outcome === 'reset').reduce((n, r) => n + r.itemCount, 0);

describe('a CloudWatch Logs subscription event', () => {
  it('arrives whole: every line once, gzip, the key, a valid body', async () => {
    const payload = loadPayload('lambda-node');
    const { forwarder, counts } = harness();
    await expect(forwarder.handle(awslogsEvent(payload), lambdaContext(60_000))).resolves.toBeUndefined();
    expect(intake.violations).toEqual([]);
    expect(intake.items.map((i) => i.message)).toEqual(payload.logEvents.map((e) => e.message.replace(/\n$/, '')));
    expect(intake.eventIds).toEqual(idsOf(payload));
    expect(logRequests().map((r) => [r.headers['content-encoding'], r.headers['dd-api-key'], r.headers['content-type']])).toEqual([
      ['gzip', FAKE_KEY, 'application/json'],
    ]);
    expect(counts()).toMatchObject({ 'received[logs]': 6, 'emitted[logs]': 6, 'forwarded[logs,datadog]': 6 });
  });

  it('carries the origin and the request id on every line of the invocation', async () => {
    const { forwarder } = harness({ AWS_REGION: 'eu-west-1' });
    await forwarder.handle(awslogsEvent(loadPayload('lambda-python')), lambdaContext(60_000));
    expect(intake.items.map((i) => [i['cloud.account.id'], i['cloud.region'], i['faas.name'], i['faas.invocation_id'], i.service, i.ddsource])).toEqual(
      Array(7).fill(['210987654321', 'eu-west-1', 'payments-worker', '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42', 'payments-worker', 'lambda']),
    );
  });

  it('a CONTROL_MESSAGE sends nothing and succeeds', async () => {
    const { forwarder } = harness();
    await expect(forwarder.handle(awslogsEvent(loadPayload('control-message')), lambdaContext(60_000))).resolves.toBeUndefined();
    expect(logRequests()).toEqual([]);
  });

  it('a payload that cannot be decoded is counted and sends nothing', async () => {
    const { forwarder, counts } = harness();
    await expect(forwarder.handle({ awslogs: { data: 'H4sI%%%not-base64' } }, lambdaContext(60_000))).resolves.toBeUndefined();
    expect([logRequests().length, counts()['rejected[logs,invalid_base64]']]).toEqual([0, 1]);
  });

  it('2,500 events go in 3 requests of 1,000 + 1,000 + 500', async () => {
    const payload = nodeLinesPayload(2500);
    const { forwarder, counts } = harness();
    await forwarder.handle(awslogsEvent(payload), lambdaContext(60_000));
    expect(logRequests().map((r) => r.itemCount).sort((a, b) => b - a)).toEqual([1000, 1000, 500]);
    expect([intake.eventIds.size, intake.duplicates, intake.violations]).toEqual([2500, 0, []]);
    expect(counts()['forwarded[logs,datadog]']).toBe(2500);
  });
});

describe('intake limits', () => {
  it('a 1 MiB line arrives cut to the 1 MB per-log limit, marked, and counted truncated', async () => {
    const payload = loadPayload('lambda-node');
    const big = payload.logEvents[2] as { message: string };
    big.message = `${big.message.slice(0, -1)} ${'x'.repeat(1024 * 1024)}\n`;
    const { forwarder, counts } = harness();
    await forwarder.handle(awslogsEvent(payload), lambdaContext(60_000));
    expect(intake.violations).toEqual([]);
    const cut = intake.items.find((i) => i['forwarder.truncated'] === true);
    expect(cut?.message.endsWith('...TRUNCATED...')).toBe(true);
    expect(intake.eventIds).toEqual(idsOf(payload));
    expect(counts()).toMatchObject({ 'truncated[logs,datadog]': 1, 'forwarded[logs,datadog]': 6 });
  });

  it('lines of 900 KB go several to a request, each request under 5,000,000 bytes', async () => {
    const payload = nodeLinesPayload(12, { seed: 5, message: (i) => `${i} ${'y'.repeat(900_000)}` });
    const { forwarder } = harness();
    await forwarder.handle(awslogsEvent(payload), lambdaContext(60_000));
    expect(intake.violations).toEqual([]);
    expect(logRequests().map((r) => r.itemCount).sort((a, b) => b - a)).toEqual([5, 5, 2]);
    expect(Math.max(...logRequests().map((r) => r.body.length))).toBeLessThanOrEqual(5_000_000);
    expect(intake.eventIds).toEqual(idsOf(payload));
  });

  it('invalid UTF-8 in a line arrives as U+FFFD in valid UTF-8, the other lines intact', async () => {
    const payload = loadPayload('lambda-node');
    const json = Buffer.from(JSON.stringify(payload).replace('processing order 42', 'processing order @@'), 'utf8');
    const at = json.indexOf('@@');
    json[at] = 0xc3;
    json[at + 1] = 0x28; // a lead byte followed by "(": not UTF-8
    const { forwarder } = harness();
    await forwarder.handle(awslogsEvent(json), lambdaContext(60_000));
    expect(intake.violations).toEqual([]);
    expect(intake.items[2]?.message.endsWith('processing order \uFFFD(')).toBe(true);
    expect(intake.eventIds).toEqual(idsOf(payload));
  });
});

describe('faults, then recovery: every record arrives', () => {
  it('500, 500, 503, then accepted', async () => {
    intake.plan(faultSequence({ kind: 'status', status: 500 }, { kind: 'status', status: 500 }, { kind: 'status', status: 503 }));
    const payload = loadPayload('lambda-node');
    const { forwarder, counts } = harness();
    await expect(forwarder.handle(awslogsEvent(payload), lambdaContext(60_000))).resolves.toBeUndefined();
    expect(logRequests().map((r) => r.outcome)).toEqual(['status:500', 'status:500', 'status:503', 'accepted']);
    expect([intake.eventIds, intake.duplicates]).toEqual([idsOf(payload), 0]);
    expect(counts()['forwarded[logs,datadog]']).toBe(6);
  });

  it('429 with Retry-After: the next attempt comes no earlier than it says', async () => {
    intake.plan(faultSequence({ kind: 'status', status: 429, retryAfter: '1' }));
    const payload = loadPayload('lambda-node');
    const { forwarder } = harness();
    await forwarder.handle(awslogsEvent(payload), lambdaContext(60_000));
    const [limited, next] = logRequests();
    expect([limited?.outcome, next?.outcome]).toEqual(['status:429', 'accepted']);
    expect((next?.receivedAt ?? 0) - (limited?.answeredAt ?? Infinity)).toBeGreaterThanOrEqual(1000);
    expect(intake.eventIds).toEqual(idsOf(payload));
  });

  it('a connection reset before the intake kept anything: no loss, no duplicate', async () => {
    intake.plan(faultSequence({ kind: 'reset' }, { kind: 'reset' }));
    const payload = loadPayload('lambda-node');
    const { forwarder } = harness();
    await expect(forwarder.handle(awslogsEvent(payload), lambdaContext(60_000))).resolves.toBeUndefined();
    expect(logRequests().map((r) => r.outcome)).toEqual(['reset', 'reset', 'accepted']);
    expect([intake.eventIds, intake.duplicates]).toEqual([idsOf(payload), 0]);
  });

  it('a reset after the intake kept the batch: the retry duplicates it, counted', async () => {
    intake.plan(faultSequence({ kind: 'reset', accept: true }));
    const payload = loadPayload('lambda-node');
    const { forwarder } = harness();
    await forwarder.handle(awslogsEvent(payload), lambdaContext(60_000));
    expect([intake.eventIds, intake.duplicates]).toEqual([idsOf(payload), 6]);
  });

  it('a stall past REQUEST_TIMEOUT_MS: the client gives up, retries, and the records arrive', async () => {
    intake.plan(faultSequence({ kind: 'stall', accept: false }));
    const payload = loadPayload('lambda-node');
    const { forwarder, counts } = harness({ REQUEST_TIMEOUT_MS: '300' });
    await expect(forwarder.handle(awslogsEvent(payload), lambdaContext(60_000))).resolves.toBeUndefined();
    expect(logRequests().map((r) => r.outcome)).toEqual(['stall', 'accepted']);
    expect([intake.eventIds, intake.duplicates]).toEqual([idsOf(payload), 0]);
    expect(counts()['forwarded[logs,datadog]']).toBe(6);
  });

  it('a stalled intake that kept the batch and answers too late: duplicates, counted', async () => {
    intake.plan(faultSequence({ kind: 'stall', ms: 1_000 }));
    const payload = loadPayload('lambda-node');
    const { forwarder } = harness({ REQUEST_TIMEOUT_MS: '300' });
    await forwarder.handle(awslogsEvent(payload), lambdaContext(60_000));
    expect([intake.eventIds, intake.duplicates]).toEqual([idsOf(payload), 6]);
  });

  it('2,500 events through 500, reset, stall and 429 at once: none lost, duplicates only where allowed', async () => {
    intake.plan(
      faultSequence(
        { kind: 'status', status: 500 },
        { kind: 'reset', accept: true },
        { kind: 'stall' },
        { kind: 'status', status: 429, retryAfter: '0' },
        { kind: 'status', status: 503 },
      ),
    );
    const payload = nodeLinesPayload(2500, { seed: 7 });
    const { forwarder, counts } = harness({ SEND_CONCURRENCY: '4', REQUEST_TIMEOUT_MS: '1500' });
    await expect(forwarder.handle(awslogsEvent(payload), lambdaContext(60_000))).resolves.toBeUndefined();
    expect(intake.eventIds).toEqual(idsOf(payload));
    expect(intake.violations).toEqual([]);
    expect(intake.duplicates).toBeLessThanOrEqual(duplicatesAllowed());
    expect(intake.items.length).toBe(2500 + intake.duplicates);
    expect(counts()['forwarded[logs,datadog]']).toBe(2500);
  });

  it('a 400 caused by one item: bisection sends the others, that one is counted rejected', async () => {
    const payload = nodeLinesPayload(40, { seed: 3 });
    const poison = payload.logEvents[17]?.id;
    intake.plan(({ items }) => (items?.some((i) => i['aws.log.event.id'] === poison) ? { kind: 'status', status: 400 } : undefined));
    const { forwarder, counts } = harness();
    await expect(forwarder.handle(awslogsEvent(payload), lambdaContext(60_000))).resolves.toBeUndefined();
    expect(intake.eventIds.size).toBe(39);
    expect(intake.eventIds.has(poison ?? '')).toBe(false);
    expect(counts()).toMatchObject({ 'forwarded[logs,datadog]': 39, 'rejected[logs,datadog,status_400]': 1 });
  });

  it('413 on a large batch: it is split and every record arrives', async () => {
    intake.plan(({ items }) => ((items?.length ?? 0) > 300 ? { kind: 'status', status: 413 } : undefined));
    const payload = nodeLinesPayload(1000, { seed: 4 });
    const { forwarder } = harness();
    await expect(forwarder.handle(awslogsEvent(payload), lambdaContext(60_000))).resolves.toBeUndefined();
    expect([intake.eventIds, intake.duplicates]).toEqual([idsOf(payload), 0]);
  });
});

describe('failures that AWS must redeliver', () => {
  it('a permanent 500 with few retries: the invocation rejects and counters say failed', async () => {
    intake.plan(() => ({ kind: 'status', status: 500 }));
    const { forwarder, counts } = harness({ MAX_RETRIES: '2' });
    await expect(forwarder.handle(awslogsEvent(loadPayload('lambda-node')), lambdaContext(60_000))).rejects.toThrow(
      /could not be delivered/,
    );
    expect(logRequests()).toHaveLength(3);
    expect(counts()).toMatchObject({ 'failed[logs,datadog]': 6 });
    expect(counts()['forwarded[logs,datadog]']).toBeUndefined();
  });

  it('a 401 is not retried: one request, the invocation rejects', async () => {
    intake.plan(() => ({ kind: 'status', status: 401 }));
    const { forwarder, counts } = harness({ MAX_RETRIES: '5' });
    await expect(forwarder.handle(awslogsEvent(loadPayload('lambda-node')), lambdaContext(60_000))).rejects.toThrow();
    expect(logRequests().map((r) => r.outcome)).toEqual(['status:401']);
    expect(counts()['failed[logs,datadog]']).toBe(6);
  });

  it('a 403 is not retried either', async () => {
    intake.plan(() => ({ kind: 'status', status: 403 }));
    const { forwarder } = harness({ MAX_RETRIES: '5' });
    await expect(forwarder.handle(awslogsEvent(loadPayload('lambda-node')), lambdaContext(60_000))).rejects.toThrow();
    expect(logRequests()).toHaveLength(1);
  });

  it('retrying stops before the Lambda deadline when little time is left', async () => {
    intake.plan(() => ({ kind: 'status', status: 503 }));
    const margin = 500;
    const { forwarder, counts } = harness({ MAX_RETRIES: '20', RETRY_BASE_DELAY_MS: '50', DEADLINE_MARGIN_MS: String(margin) });
    const context = lambdaContext(1_500);
    await expect(forwarder.handle(awslogsEvent(loadPayload('lambda-node')), context)).rejects.toThrow();
    const settledAt = Date.now();
    const requests = logRequests();
    // Time ran out, not retries: fewer than 21 attempts, all before the invocation's end.
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.length).toBeLessThan(21);
    expect(Math.max(...requests.map((r) => r.receivedAt))).toBeLessThan(context.deadline);
    expect(settledAt).toBeLessThanOrEqual(context.deadline);
    expect(counts()['failed[logs,datadog]']).toBe(6);
  });
});

describe('Kinesis', () => {
  it('only the record whose payload cannot be delivered is in batchItemFailures', async () => {
    // Each 1,000-line record fills one batch exactly, so each batch holds one record's lines.
    const ok1 = nodeLinesPayload(1000, { seed: 11, logGroup: '/aws/lambda/orders-api' });
    const failing = nodeLinesPayload(1000, { seed: 12, logGroup: '/aws/lambda/failing-fn' });
    const ok2 = loadPayload('lambda-python');
    intake.plan(({ items }) => (items?.[0]?.['aws.log.group.names'] === '/aws/lambda/failing-fn' ? { kind: 'status', status: 500 } : undefined));
    const { forwarder, counts } = harness({ MAX_RETRIES: '1' });
    const response = await forwarder.handle(kinesisEvent([ok1, failing, ok2]), lambdaContext(60_000));
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: kinesisSequenceNumber(1) }] });
    expect(intake.eventIds).toEqual(idsOf(ok1, ok2));
    expect(counts()).toMatchObject({ 'forwarded[logs,datadog]': 1007, 'failed[logs,datadog]': 1000 });
  });

  it('a corrupt record is rejected and counted, not reported as failed; the others arrive', async () => {
    const a = loadPayload('lambda-node');
    const b = loadPayload('lambda-python');
    const { forwarder, counts } = harness();
    const response = await forwarder.handle(kinesisEvent([a, { rawData: '%%% not base64 %%%' }, b]), lambdaContext(60_000));
    expect(response).toEqual({ batchItemFailures: [] });
    expect(intake.eventIds).toEqual(idsOf(a, b));
    expect(counts()).toMatchObject({ 'rejected[logs,invalid_base64]': 1, 'forwarded[logs,datadog]': 13 });
  });

  it('records carry their own region', async () => {
    const { forwarder } = harness({ AWS_REGION: 'us-east-1' });
    await forwarder.handle(kinesisEvent([loadPayload('lambda-node')], { region: 'eu-central-1' }), lambdaContext(60_000));
    expect(new Set(intake.items.map((i) => i['cloud.region']))).toEqual(new Set(['eu-central-1']));
  });
});

describe('the intake refuses what the Datadog intake would (so "no violations" means something)', () => {
  const item = { message: 'm', ddsource: 'lambda', ddtags: 'env:test', service: 'svc' };
  const post = (body: Uint8Array | string, headers: Record<string, string> = {}) =>
    fetch(`${intake.url}${LOGS_PATH}`, {
      method: 'POST',
      headers: { 'DD-API-KEY': FAKE_KEY, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', ...headers },
      body,
    }).then(async (r) => [r.status, await r.text()] as const);
  const gz = (doc: unknown) => gzipSync(Buffer.from(JSON.stringify(doc)));

  it('accepts a valid request with 202', async () => {
    expect(await post(gz([item]))).toEqual([202, '{}']);
    expect([intake.violations, intake.items]).toEqual([[], [item]]);
  });

  it.each([
    ['a body that is not gzip', () => post(JSON.stringify([item])), 'does not decompress as gzip'],
    ['no API key', () => post(gz([item]), { 'DD-API-KEY': '' }), 'missing DD-API-KEY'],
    ['another API key', () => post(gz([item]), { 'DD-API-KEY': 'fake-other-key' }), 'not the expected key'],
    ['a text body', () => post(gz([item]), { 'Content-Type': 'text/plain' }), 'expected application/json'],
    ['an object instead of an array', () => post(gz(item)), 'not a JSON array'],
    ['an item without message', () => post(gz([{ ...item, message: undefined }])), 'item 0: message is not a string'],
    ['1,001 items', () => post(gz(Array(1001).fill(item))), '1001 items (limit 1000)'],
    ['an item over 1,000,000 bytes', () => post(gz([{ ...item, message: 'x'.repeat(1_000_000) }])), 'bytes (limit 1000000)'],
    ['invalid UTF-8', () => post(gzipSync(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]))), 'not valid UTF-8'],
  ])('%s: 400 and a recorded violation', async (_name, send, reason) => {
    const [status, body] = await send();
    expect(status).toBe(400);
    expect(body).toContain(reason);
    expect(intake.violations).toHaveLength(1);
    expect(intake.items).toEqual([]);
  });

  it('records the raw bodies of other intakes (metrics, deflate) per path', async () => {
    const series = JSON.stringify({ series: [{ metric: 'm', points: [[1704067200, [1]]], type: 'distribution' }] });
    const r = await fetch(`${intake.url}${METRICS_PATH}`, {
      method: 'POST',
      headers: { 'DD-API-KEY': FAKE_KEY, 'Content-Type': 'application/json', 'Content-Encoding': 'deflate' },
      body: deflateSync(Buffer.from(series)),
    });
    expect(r.status).toBe(202);
    expect(intake.bodies(METRICS_PATH).map((b) => b.toString('utf8'))).toEqual([series]);
    expect(intake.bodies(LOGS_PATH)).toEqual([]);
  });

  it('counts an event id seen twice as a duplicate', async () => {
    const withId = { ...item, 'aws.log.event.id': '1' };
    await post(gz([withId]));
    await post(gz([withId, { ...withId, 'aws.log.event.id': '2' }]));
    expect([intake.duplicates, [...intake.eventIds]]).toEqual([1, ['1', '2']]);
  });
});
