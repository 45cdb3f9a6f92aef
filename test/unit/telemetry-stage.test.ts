import { describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import { ATTR } from '../../forwarder/attributes.js';
import { type Attributes, type LogRecord, type MetricPoint, type Origin, type Span, type Telemetry, pointsOf } from '../../forwarder/model.js';
import type { ChunkContext } from '../../forwarder/stages/stage.js';
import { createTelemetryStage, type TelemetryStageOptions } from '../../forwarder/stages/telemetry.js';
import { DEFAULT_PRICES } from '../../parsers/lambda-cost.js';
import { lambdaLines, pick } from '../helpers/lambda-lines.js';

const text = lambdaLines('lambda-text.txt');
const json = lambdaLines('lambda-json.txt');
const other = lambdaLines('powertools-emf-datadog.txt');

const RID = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';
const JSON_RID = '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa';
const T = 1704067200000;

const ORIGIN: Origin = {
  source: 'lambda',
  account: '123456789012',
  region: 'us-east-1',
  logGroup: '/aws/lambda/orders-api',
  logStream: '2024/01/01/[$LATEST]0225597e48f74a659916f0e482df5b92',
  functionName: 'orders-api',
};
const RESOURCE = Object.freeze({ 'cloud.provider': 'aws', 'faas.name': 'orders-api' });
const TAGS = Object.freeze(['env:prod', 'team:checkout']);

/** A LogRecord as the record builder makes it. */
function rec(message: string, opts: { requestId?: string; timestamp?: number; input?: number } = {}): LogRecord {
  const attributes: Attributes = {};
  if (opts.requestId !== undefined) attributes[ATTR.faasInvocationId] = opts.requestId;
  const r: LogRecord = {
    type: 'log',
    timestamp: opts.timestamp ?? T,
    message,
    resource: RESOURCE,
    attributes,
    service: 'orders-api',
    source: 'lambda',
    tags: TAGS,
    input: opts.input ?? 0,
  };
  if (message.startsWith('{') && message.endsWith('}')) r.json = JSON.parse(message) as Record<string, unknown>;
  return r;
}

function context(extra: Partial<ChunkContext> = {}): ChunkContext {
  return { origin: ORIGIN, counters: new Counters(), ...extra };
}

const OPTIONS: TelemetryStageOptions = { enhancedMetrics: true, prices: DEFAULT_PRICES, defaultArchitecture: 'x86_64' };

const logs = (items: Telemetry[]) => items.filter((i): i is LogRecord => i.type === 'log');
/** Metric points, a REPORT's group as its points. */
const metrics = (items: Telemetry[]): MetricPoint[] => items.flatMap((i) => (i.type === 'metrics' ? pointsOf(i) : i.type === 'metric' ? [i] : []));
const spans = (items: Telemetry[]) => items.filter((i): i is Span => i.type === 'span');
const named = (items: Telemetry[], name: string) => metrics(items).filter((m) => m.name === `aws.lambda.enhanced.${name}`);

describe('telemetry stage: enhanced metrics', () => {
  it('keeps the REPORT as a log and follows it with its enhanced metrics, tagged', () => {
    const stage = createTelemetryStage(OPTIONS);
    const report = rec(pick(text, (l) => l.includes('Duration: 102.25 ms')), { requestId: RID, input: 3 });
    const out = stage([report], context());
    expect(out[0]).toBe(report);
    expect(metrics(out).map((m) => m.name)).toEqual([
      'aws.lambda.enhanced.invocations',
      'aws.lambda.enhanced.duration',
      'aws.lambda.enhanced.billed_duration',
      'aws.lambda.enhanced.max_memory_used',
      'aws.lambda.enhanced.memorysize',
      'aws.lambda.enhanced.estimated_cost',
    ]);
    expect(named(out, 'invocations')[0]).toEqual({
      type: 'metric',
      name: 'aws.lambda.enhanced.invocations',
      value: 1,
      unit: '1',
      timestamp: T,
      kind: 'distribution',
      tags: {
        env: 'prod',
        team: 'checkout',
        functionname: 'orders-api',
        region: 'us-east-1',
        aws_account: '123456789012',
        architecture: 'x86_64',
        memorysize: '128',
        cold_start: 'false',
      },
      input: 3,
    });
  });

  it("carries a REPORT's points as one group item right after the REPORT", () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec(pick(text, (l) => l.includes('Duration: 102.25 ms')), { requestId: RID })], context());
    expect(out.map((i) => i.type)).toEqual(['log', 'metrics']);
    expect(out[1]).toMatchObject({ values: [1, 0.10225, 0.103, 68, 128, expect.any(Number)], units: ['1', 's', 's', 'MB', 'MB', 'USD'] });
  });

  it('prices with the architecture of the chunk context, else the default', () => {
    const stage = createTelemetryStage({ ...OPTIONS, defaultArchitecture: 'arm64' });
    const line = pick(text, (l) => l.includes('Duration: 102.25 ms'));
    const arm = named(stage([rec(line)], context()), 'estimated_cost')[0];
    const x86 = named(stage([rec(line)], context({ architecture: 'x86_64' })), 'estimated_cost')[0];
    expect(arm?.value).toBeCloseTo(3.71667525e-7, 20);
    expect(arm?.tags['architecture']).toBe('arm64');
    expect(x86?.value).toBeCloseTo(4.145837625e-7, 20);
  });

  it('remembers the runtime from INIT_START across chunks', () => {
    const stage = createTelemetryStage(OPTIONS);
    stage([rec(pick(text, (l) => l.startsWith('INIT_START')))], context());
    const out = stage([rec(pick(text, (l) => l.includes('Init Duration: 180.87')), { requestId: RID })], context());
    expect(named(out, 'init_duration')[0]?.tags).toMatchObject({ runtime: 'nodejs20.x', cold_start: 'true' });
  });

  it('emits no enhanced metrics when they are off', () => {
    const stage = createTelemetryStage({ ...OPTIONS, enhancedMetrics: false });
    const out = stage([rec(pick(text, (l) => l.includes('Status: timeout')), { requestId: RID })], context());
    expect(metrics(out)).toEqual([]);
    expect(logs(out)).toHaveLength(1);
  });

  it('gives REPORTs with equal tags one shared, frozen tags object, across chunks', () => {
    const stage = createTelemetryStage(OPTIONS);
    const warm = pick(text, (l) => l.includes('Duration: 102.25 ms'));
    const first = metrics(stage([rec(warm, { requestId: RID })], context()));
    const second = metrics(stage([rec(warm.replace('102.25', '87.10'), { requestId: RID })], context()));
    const tags = first[0]?.tags;
    expect(Object.isFrozen(tags)).toBe(true);
    for (const m of [...first, ...second]) expect(m.tags).toBe(tags);
  });

  it('gives a cold REPORT and another memory size their own tags', () => {
    const stage = createTelemetryStage(OPTIONS);
    const warm = pick(text, (l) => l.includes('Duration: 102.25 ms'));
    const cold = `${warm}Init Duration: 180.87 ms\t`;
    const out = metrics(stage([rec(warm), rec(cold), rec(warm.replace('Memory Size: 128 MB', 'Memory Size: 256 MB'))], context()));
    const invocations = out.filter((m) => m.name === 'aws.lambda.enhanced.invocations').map((m) => [m.tags['memorysize'], m.tags['cold_start']]);
    expect(invocations).toEqual([
      ['128', 'false'],
      ['128', 'true'],
      ['256', 'false'],
    ]);
  });

  it('reads JSON platform.report records', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec(pick(json, (l) => l.includes('"platform.report"') && l.includes('initDurationMs')), { requestId: JSON_RID })], context());
    expect(named(out, 'init_duration')[0]?.value).toBe(0.39768);
    expect(named(out, 'duration')[0]?.value).toBe(0.69392);
  });
});

describe('telemetry stage: timeouts and out-of-memory, counted once', () => {
  const timedOut = pick(text, (l) => l.includes('Task timed out'));
  const timeoutReport = pick(text, (l) => l.includes('Status: timeout'));

  it('counts a timeout once when the runtime line and the REPORT share a chunk (the REPORT wins)', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec(timedOut, { requestId: RID }), rec(timeoutReport, { requestId: RID })], context());
    const timeouts = named(out, 'timeouts');
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]?.tags['memorysize']).toBe('128');
    expect(named(out, 'errors')).toHaveLength(1);
    expect(logs(out)).toHaveLength(2);
  });

  it('counts a timeout once when the runtime line and the REPORT arrive in different chunks', () => {
    const stage = createTelemetryStage(OPTIONS);
    const first = stage([rec(timedOut, { requestId: RID })], context());
    const second = stage([rec(timeoutReport, { requestId: RID })], context());
    expect(named(first, 'timeouts')).toHaveLength(1);
    expect(named(second, 'timeouts')).toHaveLength(0);
    expect(named(second, 'errors')).toHaveLength(1);
  });

  it('takes the request id of a timeout line from its own text when the record has none', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec(timedOut), rec(timeoutReport, { requestId: RID })], context());
    expect(named(out, 'timeouts')).toHaveLength(1);
  });

  it('counts an out-of-memory once: a Node heap line without request id inside the invocation, then the REPORT', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage(
      [
        rec(pick(text, (l) => l.startsWith('START')), { requestId: RID }),
        rec(pick(text, (l) => l.includes('JavaScript heap out of memory'))),
        rec(pick(text, (l) => l.includes('Runtime.OutOfMemory')), { requestId: RID }),
      ],
      context(),
    );
    expect(named(out, 'out_of_memory')).toHaveLength(1);
    expect(named(out, 'out_of_memory')[0]?.tags['memorysize']).toBe('128');
  });

  it('attributes an out-of-memory line without request id to the next REPORT of the chunk', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage(
      [
        rec(pick(text, (l) => l.includes('JavaScript heap out of memory'))),
        rec(pick(text, (l) => l.includes('Runtime.OutOfMemory')), { requestId: RID }),
      ],
      context(),
    );
    expect(named(out, 'out_of_memory')).toHaveLength(1);
  });

  it('counts an out-of-memory line on its own when no REPORT says so', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec('[ERROR] MemoryError\nTraceback (most recent call last):', { requestId: RID })], context());
    expect(named(out, 'out_of_memory')).toEqual([
      {
        type: 'metric',
        name: 'aws.lambda.enhanced.out_of_memory',
        value: 1,
        unit: '1',
        timestamp: T,
        kind: 'distribution',
        tags: { env: 'prod', team: 'checkout', functionname: 'orders-api', region: 'us-east-1', aws_account: '123456789012', architecture: 'x86_64' },
        input: 0,
      },
    ]);
  });
});

describe('telemetry stage: metric lines, trace payloads and EMF', () => {
  it('turns a metric line into a point with the log tags added and removes the line', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec(pick(other, (l) => l.includes('"orders.created"')), { input: 2 })], context());
    expect(out).toEqual([
      {
        type: 'metric',
        name: 'orders.created',
        value: 1,
        unit: '',
        timestamp: 1704067200190,
        kind: 'distribution',
        tags: { env: 'prod', team: 'checkout', dd_lambda_layer: 'datadog-nodev20.x' },
        input: 2,
      },
    ]);
  });

  it("lets a metric line's own tags win over the log's", () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec('{"m":"orders.created","v":2,"e":1704067200,"t":["env:staging"]}')], context());
    expect(metrics(out)[0]?.tags).toEqual({ env: 'staging', team: 'checkout' });
  });

  it('keeps a malformed metric line as a log and counts it', () => {
    const stage = createTelemetryStage(OPTIONS);
    const ctx = context();
    const bad = rec('{"m":"orders.created","v":"NaN","e":1704067200.19,"t":["env:prod"]}');
    const out = stage([bad], ctx);
    expect(out).toEqual([bad]);
    expect(ctx.counters.get('rejected', { signal: 'metrics', reason: 'invalid_metric_line' })).toBe(1);
  });

  it('turns a trace payload into spans and removes the line', () => {
    const stage = createTelemetryStage(OPTIONS);
    const out = stage([rec(pick(other, (l) => l.startsWith('{"traces"')), { input: 1 })], context());
    expect(logs(out)).toEqual([]);
    expect(spans(out).map((s) => [s.traceId, s.spanId, s.parentId, s.startNs, s.input])).toEqual([
      ['00000000000000005fbeae1043928548', '4a6b5d7f3e8c9d01', 'c657b77d9514f70c', 1704067200190000000n, 1],
    ]);
  });

  it('keeps a malformed trace payload as a log and counts it', () => {
    const stage = createTelemetryStage(OPTIONS);
    const ctx = context();
    const bad = rec('{"traces":[[{"trace_id":"xyz","span_id":"4a6b5d7f3e8c9d01","start":1,"duration":1}]]}');
    const out = stage([bad], ctx);
    expect(out).toEqual([bad]);
    expect(ctx.counters.get('rejected', { signal: 'traces', reason: 'invalid_trace_payload' })).toBe(1);
  });

  it('keeps an EMF line as a log and follows it with its points', () => {
    const stage = createTelemetryStage(OPTIONS);
    const emf = rec(pick(other, (l) => l.includes('"_aws"')));
    const out = stage([emf], context());
    expect(out[0]).toBe(emf);
    expect(metrics(out).map((m) => [m.name, m.value, m.unit, m.namespace, m.tags])).toEqual([
      ['OrderLatency', 120.5, 'ms', 'orders', { env: 'prod', team: 'checkout', service: 'orders', functionVersion: '$LATEST' }],
      ['OrderLatency', 98.2, 'ms', 'orders', { env: 'prod', team: 'checkout', service: 'orders', functionVersion: '$LATEST' }],
      ['OrdersCreated', 1, '1', 'orders', { env: 'prod', team: 'checkout', service: 'orders', functionVersion: '$LATEST' }],
    ]);
  });

  it('keeps a malformed EMF line as a log and counts it', () => {
    const stage = createTelemetryStage(OPTIONS);
    const ctx = context();
    const bad = rec('{"_aws":{"Timestamp":1704067200190,"CloudWatchMetrics":[{"Namespace":"orders","Dimensions":[],"Metrics":[{"Name":"Latency"}]}]}}');
    const out = stage([bad], ctx);
    expect(out).toEqual([bad]);
    expect(ctx.counters.get('rejected', { signal: 'metrics', reason: 'invalid_metric_line' })).toBe(1);
  });

  it('converts metric lines even when enhanced metrics are off', () => {
    const stage = createTelemetryStage({ ...OPTIONS, enhancedMetrics: false });
    const out = stage([rec(pick(other, (l) => l.includes('"orders.created"')))], context());
    expect(metrics(out)).toHaveLength(1);
  });

  it('passes metric points and spans from earlier stages through untouched', () => {
    const stage = createTelemetryStage(OPTIONS);
    const point: MetricPoint = { type: 'metric', name: 'x', value: 1, unit: '1', timestamp: T, kind: 'gauge', tags: {}, input: 0 };
    expect(stage([point], context())).toEqual([point]);
  });
});

describe('telemetry stage: trace correlation', () => {
  it("gives every line of an invocation the REPORT's X-Ray trace id, in W3C form with the original kept", () => {
    const stage = createTelemetryStage(OPTIONS);
    const info = rec(pick(text, (l) => l.includes('\tINFO\tprocessing order 42')), { requestId: RID });
    const report = rec(pick(text, (l) => l.includes('\nXRAY')), { requestId: RID });
    stage([info, report], context());
    expect([info.traceId, info.spanId, info.attributes[ATTR.traceIdOriginal]]).toEqual([
      '5e34a61410bd4b3f1fb44f07bc535a14',
      undefined,
      '1-5e34a614-10bd4b3f1fb44f07bc535a14',
    ]);
    expect([report.traceId, report.spanId]).toEqual(['5e34a61410bd4b3f1fb44f07bc535a14', '07f5a2c42d1f6f85']);
  });

  it("gives the START and END lines the trace id of their invocation's REPORT", () => {
    const stage = createTelemetryStage(OPTIONS);
    const start = rec(`START RequestId: ${RID} Version: $LATEST`, { requestId: RID });
    const end = rec(`END RequestId: ${RID}`, { requestId: RID });
    stage([start, end, rec(pick(text, (l) => l.includes('\nXRAY')), { requestId: RID })], context());
    expect([start.traceId, end.traceId]).toEqual(['5e34a61410bd4b3f1fb44f07bc535a14', '5e34a61410bd4b3f1fb44f07bc535a14']);
  });

  it('gives JSON-format lines the trace id of their platform.start', () => {
    const stage = createTelemetryStage(OPTIONS);
    const start = rec(pick(json, (l) => l.includes('"platform.start"')), { requestId: JSON_RID });
    const app = rec(pick(json, (l) => l.includes('"processing order 42"') && l.includes('"requestId"')), { requestId: JSON_RID });
    stage([start, app], context());
    expect(app.traceId).toBe('62e900b2710d76f009d6e7785905449a');
    expect(app.attributes[ATTR.traceIdOriginal]).toBe('1-62e900b2-710d76f009d6e7785905449a');
  });

  it('remembers an invocation trace id for its lines in a later chunk', () => {
    const stage = createTelemetryStage(OPTIONS);
    stage([rec(pick(json, (l) => l.includes('"platform.start"')), { requestId: JSON_RID })], context());
    const app = rec(pick(json, (l) => l.includes('"processing order 42"') && l.includes('"requestId"')), { requestId: JSON_RID });
    stage([app], context());
    expect(app.traceId).toBe('62e900b2710d76f009d6e7785905449a');
  });

  it("keeps a line's own trace id over its invocation's", () => {
    const stage = createTelemetryStage(OPTIONS);
    const dd = rec(pick(other, (l) => l.includes('[dd.trace_id=')), { requestId: RID });
    stage([dd, rec(pick(text, (l) => l.includes('\nXRAY')), { requestId: RID })], context());
    expect([dd.traceId, dd.spanId, dd.attributes[ATTR.traceIdOriginal]]).toEqual([
      '00000000000000005fbeae1043928548',
      'c657b77d9514f70c',
      '6899143064054564168',
    ]);
  });

  it('leaves a line without an id of its own or of its invocation alone', () => {
    const stage = createTelemetryStage(OPTIONS);
    const info = rec(pick(text, (l) => l.includes('\tINFO\tprocessing order 42')), { requestId: RID });
    stage([info], context());
    expect(info.traceId).toBeUndefined();
    expect(info.attributes).toEqual({ [ATTR.faasInvocationId]: RID });
  });
});
