/**
 * Metrics and spans through the real delivery path: Deliverer → Datadog destination (with the
 * metrics and traces encoders) → HTTP → a local intake that decompresses and decodes each body.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import { Deliverer } from '../../forwarder/delivery/deliverer.js';
import { createDatadogDestination } from '../../forwarder/destinations/datadog.js';
import { createDatadogMetricsEncoder } from '../../forwarder/destinations/datadog-metrics.js';
import { datadogUrls } from '../../forwarder/destinations/datadog-site.js';
import { createDatadogTracesEncoder } from '../../forwarder/destinations/datadog-traces.js';
import type { MetricPoint, Span } from '../../forwarder/model.js';
import { dec, decodeTracePayload, startTelemetryIntake, type TelemetryIntake } from '../helpers/telemetry-intake.js';

const FAKE_API_KEY = 'fake-api-key-0000000000000000000';
const BASE_TAGS = ['forwardername:log-forwarder', 'forwarder_version:0.1.0'];

let intake: TelemetryIntake;
let counters: Counters;

beforeEach(async () => {
  intake = await startTelemetryIntake();
  counters = new Counters();
});

afterEach(async () => {
  await intake.close();
});

function deliverer(): Deliverer {
  const destination = createDatadogDestination({
    urls: datadogUrls('datadoghq.com', intake.url),
    apiKey: async () => FAKE_API_KEY,
    logs: { tags: BASE_TAGS },
    metrics: createDatadogMetricsEncoder({ tags: BASE_TAGS }),
    traces: createDatadogTracesEncoder({ env: 'prod' }),
    userAgent: 'log-forwarder/0.1.0',
  });
  return new Deliverer([destination], {
    concurrency: 2,
    requestTimeoutMs: 5_000,
    maxRetries: 2,
    retryBaseDelayMs: 10,
    deadline: () => Date.now() + 60_000,
    counters,
  });
}

/** aws.lambda.enhanced.invocations for the cold REPORT of formats/lambda-text.txt. */
const invocation: MetricPoint = {
  type: 'metric',
  name: 'aws.lambda.enhanced.invocations',
  value: 1,
  unit: '1',
  timestamp: 1704067200190,
  kind: 'distribution',
  tags: { functionname: 'orders-api', region: 'us-east-1', aws_account: '123456789012', architecture: 'x86_64', memorysize: '1024', cold_start: 'true' },
  input: 0,
};

/** The Datadog metric line of formats/powertools-emf-datadog.txt. */
const ordersCreated: MetricPoint = {
  type: 'metric',
  name: 'orders.created',
  value: 1,
  unit: '',
  timestamp: 1704067200190,
  kind: 'distribution',
  tags: { env: 'prod', dd_lambda_layer: 'datadog-nodev20.x' },
  input: 0,
};

/** The span of the trace payload line of formats/powertools-emf-datadog.txt, 128-bit trace id. */
const lambdaSpan: Span = {
  type: 'span',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '4a6b5d7f3e8c9d01',
  name: 'aws.lambda',
  service: 'aws.lambda',
  resource: 'orders-api',
  startNs: 1704067200190000000n,
  durationNs: 102250000n,
  error: false,
  spanType: 'serverless',
  attributes: { cold_start: 'false', request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678' },
  metrics: { _sampling_priority_v1: 1 },
  input: 0,
};

describe('Datadog metrics through the deliverer', () => {
  test('one POST to /api/v1/distribution_points with the API key, JSON and the exact series', async () => {
    const d = deliverer();

    await d.push(invocation);
    await d.push(ordersCreated);
    const report = await d.finish();

    expect(report.failedInputs.size).toBe(0);
    expect(intake.requests.length).toBe(1);
    const req = intake.requests[0]!;
    expect([req.method, req.path]).toEqual(['POST', '/api/v1/distribution_points']);
    expect(req.headers['dd-api-key']).toBe(FAKE_API_KEY);
    expect(req.headers['content-type']).toBe('application/json');
    // distribution_points documents deflate only (Datadog OpenAPI v1).
    expect(req.headers['content-encoding']).toBe('deflate');
    expect(JSON.parse(req.body.toString('utf8'))).toEqual({
      series: [
        {
          metric: 'aws.lambda.enhanced.invocations',
          points: [[1704067200, [1]]],
          tags: [...BASE_TAGS, 'functionname:orders-api', 'region:us-east-1', 'aws_account:123456789012', 'architecture:x86_64', 'memorysize:1024', 'cold_start:true'],
          type: 'distribution',
        },
        {
          metric: 'orders.created',
          points: [[1704067200, [1]]],
          tags: [...BASE_TAGS, 'env:prod', 'dd_lambda_layer:datadog-nodev20.x'],
          type: 'distribution',
        },
      ],
    });
    expect(counters.get('forwarded', { signal: 'metrics', destination: 'datadog' })).toBe(2);
  });

  test('a point the encoder refuses is counted as rejected and the others are delivered', async () => {
    const d = deliverer();

    await d.push({ ...ordersCreated, value: Number.NaN });
    await d.push(ordersCreated);
    await d.finish();

    const series = (JSON.parse(intake.requests[0]!.body.toString('utf8')) as { series: Array<{ metric: string }> }).series;
    expect(series.map((s) => s.metric)).toEqual(['orders.created']);
    expect(counters.get('rejected', { signal: 'metrics', reason: 'invalid_value' })).toBe(1);
    expect(counters.get('forwarded', { signal: 'metrics' })).toBe(1);
  });
});

describe('Datadog traces through the deliverer', () => {
  test('one POST to /api/v0.2/traces with the API key and a protobuf TracePayload', async () => {
    const d = deliverer();
    const child: Span = { ...lambdaSpan, spanId: '00f067aa0ba902b7', parentId: lambdaSpan.spanId, name: 'dynamodb.query', resource: 'Query' };

    await d.push(lambdaSpan);
    await d.push(child);
    const report = await d.finish();

    expect(report.failedInputs.size).toBe(0);
    expect(intake.requests.length).toBe(1);
    const req = intake.requests[0]!;
    expect([req.method, req.path]).toEqual(['POST', '/api/v0.2/traces']);
    expect(req.headers['dd-api-key']).toBe(FAKE_API_KEY);
    expect(req.headers['content-type']).toBe('application/x-protobuf');
    expect(req.headers['content-encoding']).toBe('gzip');
    const payload = decodeTracePayload(req.body);
    expect(payload['env']).toBe('prod');
    const traces = payload['traces'] as Array<{ traceID: string; spans: Array<Record<string, unknown>> }>;
    expect(traces.length).toBe(1);
    expect(traces[0]!.traceID).toBe(dec('a3ce929d0e0e4736'));
    expect(traces[0]!.spans.map((s) => [s['name'], s['spanID'], s['parentID']])).toEqual([
      ['aws.lambda', dec('4a6b5d7f3e8c9d01'), undefined],
      ['dynamodb.query', dec('00f067aa0ba902b7'), dec('4a6b5d7f3e8c9d01')],
    ]);
    expect(traces[0]!.spans.map((s) => (s['meta'] as Record<string, string>)['_dd.p.tid'])).toEqual(['4bf92f3577b34da6', '4bf92f3577b34da6']);
    expect(counters.get('forwarded', { signal: 'traces', destination: 'datadog' })).toBe(2);
  });

  test('a 503 from the trace intake is retried and the payload then delivered', async () => {
    intake.script.push(503);
    const d = deliverer();

    await d.push(lambdaSpan);
    const report = await d.finish();

    expect(report.failedInputs.size).toBe(0);
    expect(intake.requests.length).toBe(2);
    expect(Buffer.compare(intake.requests[0]!.body, intake.requests[1]!.body)).toBe(0);
    expect(counters.get('forwarded', { signal: 'traces' })).toBe(1);
  });
});
