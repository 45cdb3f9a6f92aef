/**
 * The OTLP destination through the real delivery path: CloudWatch sample events → records →
 * telemetry stage (enhanced metrics, EMF, Datadog metric lines, trace payloads, trace ids) →
 * Deliverer → OTLP destination → HTTP → a local OTLP receiver (test/helpers/otlp-receiver.ts)
 * that gunzips and decodes every request with the OpenTelemetry definitions, for protobuf and
 * JSON. Faults are injected per request: partial success, 429 with Retry-After, 503, 400, 401,
 * 413. Timing is asserted on the receiver's recorded arrival times, never on a wall-clock budget.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import type { OtlpConfig } from '../../forwarder/config/index.js';
import { Deliverer } from '../../forwarder/delivery/deliverer.js';
import { OTLP_LIMITS, createOtlpDestination } from '../../forwarder/destinations/otlp.js';
import { otlpHeaderSource } from '../../forwarder/destinations/otlp-headers.js';
import { runBatch } from '../../forwarder/pipeline.js';
import { RecordBuilder } from '../../forwarder/records.js';
import { payloadToBatch, validatePayload } from '../../forwarder/sources/cloudwatch.js';
import { createTelemetryStage } from '../../forwarder/stages/telemetry.js';
import { DEFAULT_PRICES } from '../../parsers/lambda-cost.js';
import { type PayloadDoc, loadPayload, nodeLinesPayload } from '../helpers/events.js';
import { type Decoded, type OtlpFault, type OtlpPlan, type OtlpReceiver, attributeMap, flatten, otlpFaultSequence, startOtlpReceiver } from '../helpers/otlp-receiver.js';

const FAKE_HEADER = 'fake-otlp-key-00000000';
const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
type Protocol = (typeof PROTOCOLS)[number];

let receiver: OtlpReceiver;
let counters: Counters;
let logged: string[];

beforeEach(async () => {
  receiver = await startOtlpReceiver();
  counters = new Counters();
  logged = [];
});

afterEach(async () => {
  await receiver.stop();
});

/** The lines of test/events/lambda/powertools-emf-datadog.txt as one subscription payload. */
function powertoolsPayload(): PayloadDoc {
  const text = readFileSync(new URL('../events/lambda/powertools-emf-datadog.txt', import.meta.url), 'utf8');
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('# '));
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/aws/lambda/orders-api',
    logStream: '2024/01/01/[$LATEST]1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f',
    subscriptionFilters: ['log-forwarder'],
    logEvents: lines.map((message, i) => ({ id: `${'7'.repeat(50)}${String(i).padStart(6, '0')}`, timestamp: 1704067200190 + i, message: `${message}\n` })),
  };
}

const SAMPLES = (): PayloadDoc[] => [loadPayload('lambda-node'), loadPayload('lambda-json-format'), powertoolsPayload()];

interface RunOptions {
  readonly protocol?: Protocol;
  readonly compression?: OtlpConfig['compression'];
  readonly maxRetries?: number;
}

/** Runs payloads (one input each) through the pipeline into an OTLP destination; returns failed inputs. */
async function deliver(payloads: readonly PayloadDoc[], o: RunOptions = {}): Promise<ReadonlySet<number>> {
  const destination = createOtlpDestination(
    { endpoints: receiver.endpoints, protocol: o.protocol ?? 'http/protobuf', compression: o.compression ?? 'gzip', timeoutMs: 10_000 },
    { headers: otlpHeaderSource(async () => `x-api-key=${FAKE_HEADER}`), userAgent: 'log-forwarder/0.1.0', scope: { name: 'log-forwarder', version: '0.1.0' } },
  );
  const deliverer = new Deliverer([destination], {
    concurrency: 2,
    requestTimeoutMs: 10_000,
    maxRetries: o.maxRetries ?? 3,
    retryBaseDelayMs: 10,
    deadline: () => Date.now() + 60_000,
    counters,
    log: (level, message, fields) => logged.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
  });
  const records = new RecordBuilder({ tags: ['env:prod'] });
  const stage = createTelemetryStage({ enhancedMetrics: true, prices: DEFAULT_PRICES, defaultArchitecture: 'x86_64' });
  for (let i = 0; i < payloads.length; i++) {
    const { batch } = payloadToBatch(validatePayload(payloads[i]), i, { region: 'us-east-1' });
    if (batch !== undefined) await runBatch(batch, { records, extract: [stage], refine: [], sink: deliverer, counters });
  }
  return (await deliverer.finish()).failedInputs;
}

/** `faults` for the next log requests, in order; other signals are answered normally. */
function logFaults(...faults: OtlpFault[]): OtlpPlan {
  const next = otlpFaultSequence(...faults);
  return (r) => (r.signal === 'logs' ? next(r) : undefined);
}

const where = (signal: 'logs' | 'metrics' | 'traces') => ({ signal, destination: 'otlp' });

function metricPoints(): Array<{ name: string; unit: unknown; type: string; point: Decoded; resource: Record<string, unknown> }> {
  return flatten('metrics', receiver.accepted('metrics')).flatMap((f) => {
    const type = ['histogram', 'sum', 'gauge'].find((t) => f.item[t] !== undefined) as string;
    const points = (f.item[type] as Decoded)['dataPoints'] as Decoded[];
    return points.map((point) => ({ name: f.item['name'] as string, unit: f.item['unit'], type, point, resource: f.resource }));
  });
}

describe.each(PROTOCOLS)('the sample events in %s', (protocol) => {
  it('arrive whole: every log, metric point and span, decoded with the OpenTelemetry definitions', async () => {
    const failed = await deliver(SAMPLES(), { protocol });
    expect(failed.size).toBe(0);
    expect(receiver.violations).toEqual([]);
    const logs = flatten('logs', receiver.accepted('logs'));
    // 6 + 7 lines, and the powertools file's 9 lines less its 2 metric lines and 1 trace line.
    expect(logs).toHaveLength(19);
    expect([counters.get('forwarded', where('logs')), counters.get('emitted', { signal: 'logs' })]).toEqual([19, 19]);
    // 19 points, 8 of them (2 REPORTs × duration, init_duration, max_memory_used, cold start) also under faas.* names.
    expect(metricPoints()).toHaveLength(27);
    expect(counters.get('forwarded', where('metrics'))).toBe(19);
    expect(flatten('traces', receiver.accepted('traces'))).toHaveLength(1);
    expect(counters.get('forwarded', where('traces'))).toBe(1);
  });

  it('send the OTLP headers: content type, gzip, the configured secret header, a user agent', async () => {
    await deliver([loadPayload('lambda-node')], { protocol });
    const request = receiver.requests.find((r) => r.signal === 'logs');
    expect(request?.headers).toMatchObject({
      'content-type': protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      'content-encoding': 'gzip',
      'x-api-key': FAKE_HEADER,
      'user-agent': 'log-forwarder/0.1.0',
    });
  });

  it('group log records by resource, one per log stream, with the semantic-convention attributes', async () => {
    await deliver(SAMPLES(), { protocol });
    const resources = receiver.accepted('logs').flatMap((d) => (d['resourceLogs'] as Decoded[]).map((rl) => attributeMap((rl['resource'] as Decoded)['attributes'])));
    expect(resources.map((r) => r['faas.instance'])).toEqual([
      '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
      '2024/01/01/[$LATEST]6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d',
      '2024/01/01/[$LATEST]1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f',
    ]);
    expect(resources[0]).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.account.id': '123456789012',
      'cloud.region': 'us-east-1',
      'faas.name': 'orders-api',
      'faas.instance': '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
      'aws.log.group.names': ['/aws/lambda/orders-api'],
      'aws.log.stream.names': ['2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e'],
      'service.name': 'orders-api',
      'deployment.environment.name': 'prod',
    });
  });

  it('carry severity, timestamps, attributes and W3C ids on the log records', async () => {
    await deliver(SAMPLES(), { protocol });
    const logs = flatten('logs', receiver.accepted('logs')).map((f) => f.item);
    const error = logs.find((l) => String((l['body'] as Decoded)['stringValue']).includes('Invoke Error'));
    expect(error).toMatchObject({ severityNumber: 17, severityText: 'ERROR', timeUnixNano: '1704067200015000000', observedTimeUnixNano: '1704067200015000000' });
    expect(attributeMap(error?.['attributes'])).toMatchObject({
      'faas.invocation_id': '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42',
      'aws.log.event.id': '37982123456789012345678901234567890123456789012345671003',
    });
    // X-Ray trace of the JSON-format invocation (platform.start tracing), in W3C form.
    const jsonInfo = logs.find((l) => String((l['body'] as Decoded)['stringValue']).startsWith('{"timestamp":"2024-01-01T00:00:00.190Z","level":"INFO","requestId":"6d68ca91'));
    expect(jsonInfo?.['traceId']).toBe('62e900b2710d76f009d6e7785905449a');
    // A W3C traceparent written by the application.
    const downstream = logs.find((l) => String((l['body'] as Decoded)['stringValue']).includes('downstream call'));
    expect([downstream?.['traceId'], downstream?.['spanId']]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7']);
  });

  it('send the enhanced metrics also under the FaaS names, with their instruments and units', async () => {
    await deliver(SAMPLES(), { protocol });
    const points = metricPoints();
    const pick = (name: string) => points.filter((p) => p.name === name).map((p) => [p.type, p.unit, p.point['sum'] ?? p.point['asInt'] ?? p.point['asDouble']]);
    expect(pick('faas.invoke_duration')).toEqual([
      ['histogram', 's', 0.17019],
      ['histogram', 's', 0.69392],
    ]);
    expect(pick('faas.init_duration')).toEqual([
      ['histogram', 's', 0.00258],
      ['histogram', 's', 0.39768],
    ]);
    expect(pick('faas.mem_usage')).toEqual([
      ['histogram', 'By', 73 * 1_048_576],
      ['histogram', 'By', 84 * 1_048_576],
    ]);
    expect(pick('faas.coldstarts')).toEqual([
      ['sum', '{coldstart}', '1'],
      ['sum', '{coldstart}', '1'],
    ]);
    expect(pick('aws.lambda.enhanced.max_memory_used')).toEqual([
      ['histogram', 'MiBy', 73],
      ['histogram', 'MiBy', 84],
    ]);
    expect(pick('aws.lambda.enhanced.estimated_cost').map((p) => p[1])).toEqual(['{USD}', '{USD}']);
    const coldstart = points.find((p) => p.name === 'faas.coldstarts');
    expect(coldstart?.resource).toMatchObject({ 'faas.name': 'orders-api', 'cloud.account.id': '123456789012', 'service.name': 'orders-api' });
    expect(attributeMap(coldstart?.point['attributes'])).toEqual({ runtime: 'nodejs20.x', architecture: 'x86_64', memorysize: '128', cold_start: 'true' });
  });

  it('send EMF and Datadog metric lines with their units, one histogram point per value', async () => {
    await deliver([powertoolsPayload()], { protocol });
    const points = metricPoints();
    const latency = points.filter((p) => p.name === 'OrderLatency');
    expect(latency.map((p) => [p.type, p.unit, p.point['sum'], p.point['count']])).toEqual([
      ['histogram', 'ms', 120.5, '1'],
      ['histogram', 'ms', 98.2, '1'],
    ]);
    expect(attributeMap(latency[0]?.point['attributes'])).toEqual({ functionVersion: '$LATEST', 'aws.cloudwatch.namespace': 'orders' });
    expect(latency[0]?.resource['service.name']).toBe('orders');
    const created = points.find((p) => p.name === 'orders.created');
    expect([created?.unit, created?.point['timeUnixNano'], attributeMap(created?.point['attributes'])]).toEqual([
      undefined,
      '1704067200190000000',
      { dd_lambda_layer: 'datadog-nodev20.x' },
    ]);
  });

  it('send the span of the trace payload with W3C ids and nanosecond times', async () => {
    await deliver([powertoolsPayload()], { protocol });
    const span = flatten('traces', receiver.accepted('traces'))[0];
    expect(span?.resource).toEqual({ 'service.name': 'aws.lambda', 'cloud.provider': 'aws' });
    expect(span?.item).toMatchObject({
      traceId: '00000000000000005fbeae1043928548',
      spanId: '4a6b5d7f3e8c9d01',
      parentSpanId: 'c657b77d9514f70c',
      name: 'aws.lambda',
      kind: 2,
      startTimeUnixNano: '1704067200190000000',
      endTimeUnixNano: '1704067200292250000',
    });
    expect(attributeMap(span?.item['attributes'])).toMatchObject({ 'resource.name': 'orders-api', request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678' });
  });

  it('count a partial success: the rejected records are rejected, the rest forwarded, nothing retried', async () => {
    receiver.plan((r) => (r.signal === 'logs' ? { kind: 'partial', rejected: 2, message: 'timestamp too old' } : undefined));
    const failed = await deliver([loadPayload('lambda-node')], { protocol });
    expect(failed.size).toBe(0);
    expect(receiver.requests.filter((r) => r.signal === 'logs').map((r) => r.outcome)).toEqual(['partial']);
    expect(counters.get('rejected', { ...where('logs'), reason: 'partial_success' })).toBe(2);
    expect(counters.get('forwarded', where('logs'))).toBe(4);
    expect(logged.filter((l) => l.includes('timestamp too old'))).toHaveLength(1);
  });

  it('retry a 429 after its Retry-After', async () => {
    receiver.plan(logFaults({ kind: 'status', status: 429, retryAfter: '1' }));
    await deliver([loadPayload('lambda-python')], { protocol });
    const logs = receiver.requests.filter((r) => r.signal === 'logs');
    expect(logs.map((r) => r.outcome)).toEqual(['status:429', 'accepted']);
    expect((logs[1]?.receivedAt ?? 0) - (logs[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(990);
    expect(counters.get('forwarded', where('logs'))).toBe(7);
  });
});

describe('faults', () => {
  it('retries 503 until the receiver recovers', async () => {
    receiver.plan(logFaults({ kind: 'status', status: 503 }, { kind: 'status', status: 503 }));
    const failed = await deliver([loadPayload('lambda-python')]);
    expect(failed.size).toBe(0);
    expect(receiver.requests.filter((r) => r.signal === 'logs').map((r) => r.outcome)).toEqual(['status:503', 'status:503', 'accepted']);
  });

  it('does not retry a 400: the one record is rejected as invalid', async () => {
    receiver.plan((r) => (r.signal === 'logs' ? { kind: 'status', status: 400 } : undefined));
    const failed = await deliver([nodeLinesPayload(1)]);
    expect(receiver.requests.map((r) => r.outcome)).toEqual(['status:400']);
    expect([failed.size, counters.get('rejected', { ...where('logs'), reason: 'status_400' })]).toEqual([0, 1]);
  });

  it('isolates 400s by halving, never sending the same body twice', async () => {
    receiver.plan((r) => (r.signal === 'logs' ? { kind: 'status', status: 400 } : undefined));
    await deliver([nodeLinesPayload(4)]);
    const bodies = receiver.requests.map((r) => r.body.toString('hex'));
    expect([bodies.length, new Set(bodies).size]).toEqual([7, 7]);
    expect(counters.get('rejected', { ...where('logs'), reason: 'status_400' })).toBe(4);
  });

  it('does not retry a 401 and reports the input as failed, never logging the header value', async () => {
    receiver.plan(() => ({ kind: 'status', status: 401 }));
    const failed = await deliver([nodeLinesPayload(3)]);
    expect(receiver.requests.map((r) => r.outcome)).toEqual(['status:401']);
    expect([...failed]).toEqual([0]);
    expect(counters.get('failed', where('logs'))).toBe(3);
    expect(logged.join('\n')).not.toContain(FAKE_HEADER);
  });

  it('splits a batch the receiver finds too large (413)', async () => {
    receiver.plan(logFaults({ kind: 'status', status: 413 }));
    await deliver([nodeLinesPayload(10)]);
    expect(receiver.requests.map((r) => [r.outcome, r.items])).toEqual([
      ['status:413', 10],
      ['accepted', 5],
      ['accepted', 5],
    ]);
    expect(counters.get('forwarded', where('logs'))).toBe(10);
  });
});

describe('batches', () => {
  // Batches are sent concurrently (a small last one is compressed on the main thread and may
  // overtake a large one on the thread pool), so arrival order is not part of the contract.
  const itemCounts = (): number[] => receiver.requests.map((r) => r.items).sort((a, b) => b - a);

  it('hold at most 1,000 log records', async () => {
    await deliver([nodeLinesPayload(2_500)]);
    expect(itemCounts()).toEqual([1_000, 1_000, 500]);
  });

  it('stay within 4 MiB uncompressed, cut on exact sizes', async () => {
    const big = nodeLinesPayload(10, { message: (i) => `${i}:${'x'.repeat(900_000)}` });
    await deliver([big]);
    expect(receiver.violations).toEqual([]);
    expect(itemCounts()).toEqual([4, 4, 2]);
    for (const r of receiver.requests) expect(r.body.length).toBeLessThanOrEqual(OTLP_LIMITS.maxBytes);
    expect(counters.get('forwarded', where('logs'))).toBe(10);
  });

  it('are sent uncompressed when compression is none', async () => {
    await deliver([loadPayload('lambda-node')], { compression: 'none' });
    const request = receiver.requests[0];
    expect([request?.headers['content-encoding'], request?.wireBytes === request?.body.length]).toEqual([undefined, true]);
  });
});
