/**
 * Dual shipping: one Forwarder with both the Datadog destination and OTLP configured, on the
 * same sample events. The input is decoded and parsed once; each destination receives every
 * log, every metric (the Datadog metric line, enhanced metrics) and the span of the payload, and
 * a failing destination does not cost the other anything.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../forwarder/config/index.js';
import { Forwarder } from '../../forwarder/forwarder.js';
import type { Logger } from '../../forwarder/logger.js';
import { awslogsEvent, lambdaContext } from '../helpers/events.js';
import { type Intake, LOGS_PATH, METRICS_PATH, TRACES_PATH, startIntake } from '../helpers/intake.js';
import { type OtlpReceiver, flatten, startOtlpReceiver } from '../helpers/otlp-receiver.js';

const FAKE_KEY = 'dual-shipping-test-key-not-real';
const REQUEST_ID = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';

let intake: Intake;
let otlp: OtlpReceiver;

beforeEach(async () => {
  intake = await startIntake({ apiKey: FAKE_KEY });
  otlp = await startOtlpReceiver();
});
afterEach(async () => {
  await intake.stop();
  await otlp.stop();
});

/** A Lambda invocation of now (metrics older than an hour would be refused for Datadog). */
function payload(now: number) {
  const iso = new Date(now).toISOString();
  const lines = [
    `START RequestId: ${REQUEST_ID} Version: $LATEST\n`,
    `${iso}\t${REQUEST_ID}\tINFO\tprocessing order 42\n`,
    `{"e":${now / 1000},"m":"orders.created","t":["env:prod"],"v":1}\n`,
    `{"traces":[[{"trace_id":"5fbeae1043928548","span_id":"4a6b5d7f3e8c9d01","parent_id":"0","name":"aws.lambda","resource":"orders-api","error":0,"meta":{"request_id":"${REQUEST_ID}"},"metrics":{},"start":${now}000000,"duration":102250000,"service":"aws.lambda","type":"serverless"}]]}\n`,
    `END RequestId: ${REQUEST_ID}\n`,
    `REPORT RequestId: ${REQUEST_ID}\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 68 MB\t\n`,
  ];
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/aws/lambda/orders-api',
    logStream: '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
    subscriptionFilters: ['log-forwarder'],
    logEvents: lines.map((message, i) => ({ id: `3798212345678901234567890123456789012345678901234567890${i}`, timestamp: now + i, message })),
  };
}

function forwarder(summaries: string[]): Forwarder {
  const logger: Logger = { log: (_l, message, fields) => (message === 'forwarder summary' ? summaries.push(String(fields?.['counts'])) : undefined) };
  const config = loadConfig({
    DD_API_KEY: FAKE_KEY,
    DD_URL: intake.url,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    AWS_REGION: 'us-east-1',
    FORWARDER_METRICS: 'false',
    RETRY_BASE_DELAY_MS: '10',
    MAX_RETRIES: '2',
  });
  return new Forwarder(config, { logger });
}

describe('both destinations at once', () => {
  it('sends every log, metric and span of one reading to Datadog and to OTLP', async () => {
    const summaries: string[] = [];
    await forwarder(summaries).handle(awslogsEvent(payload(Date.now())), lambdaContext(60_000));

    // Datadog: 4 logs (the metric and trace lines leave the logs), 8 metric points, 1 span.
    expect(intake.items.map((i) => i['message'])).toEqual([
      `START RequestId: ${REQUEST_ID} Version: $LATEST`,
      expect.stringContaining('processing order 42'),
      `END RequestId: ${REQUEST_ID}`,
      expect.stringContaining('REPORT RequestId'),
    ]);
    const series = intake.bodies(METRICS_PATH).flatMap((b) => (JSON.parse(b.toString('utf8')) as { series: Array<{ metric: string }> }).series);
    expect(series.map((s) => s.metric).sort()).toEqual([
      'aws.lambda.enhanced.billed_duration',
      'aws.lambda.enhanced.duration',
      'aws.lambda.enhanced.estimated_cost',
      'aws.lambda.enhanced.invocations',
      'aws.lambda.enhanced.max_memory_used',
      'aws.lambda.enhanced.memorysize',
      'orders.created',
    ]);
    expect(intake.bodies(TRACES_PATH)).toHaveLength(1);

    // OTLP: the same 4 logs, the same metrics (plus their FaaS names), the same span.
    expect(flatten('logs', otlp.accepted('logs')).map((f) => (f.item['body'] as { stringValue: string }).stringValue)).toEqual(intake.items.map((i) => i['message']));
    const otlpMetrics = new Set(flatten('metrics', otlp.accepted('metrics')).map((f) => f.item['name']));
    for (const s of series) expect(otlpMetrics.has(s.metric)).toBe(true);
    expect(otlpMetrics.has('faas.invoke_duration')).toBe(true);
    expect(flatten('traces', otlp.accepted('traces')).map((f) => f.item['name'])).toEqual(['aws.lambda']);

    // One reading: each line received once, each item counted once per destination.
    expect(summaries[0]).toContain('received[logs]=6');
    expect(summaries[0]).toContain('forwarded[logs,datadog]=4');
    expect(summaries[0]).toContain('forwarded[logs,otlp]=4');
    expect(summaries[0]).toContain('forwarded[traces,datadog]=1');
    expect(summaries[0]).toContain('forwarded[traces,otlp]=1');
  });

  it('a destination that refuses everything costs the other nothing, and the invocation fails for redelivery', async () => {
    otlp.plan(() => ({ kind: 'status', status: 401 }));
    const summaries: string[] = [];
    await expect(forwarder(summaries).handle(awslogsEvent(payload(Date.now())), lambdaContext(60_000))).rejects.toThrow(/AWS redelivers/);
    expect(intake.requests.filter((r) => r.path === LOGS_PATH && r.outcome === 'accepted')).toHaveLength(1);
    expect(intake.items).toHaveLength(4);
    expect(summaries[0]).toContain('failed[logs,otlp]=4');
  });
});
