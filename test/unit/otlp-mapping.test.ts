/**
 * The neutral model → OTLP's data model. Log records come from the CloudWatch fixtures through
 * the real record builder; metric points and spans are as the parsers produce them for the
 * sample lines (parsers/enhanced-metrics.ts names and units; formats/powertools-emf-datadog.txt).
 */
import { describe, expect, it } from 'vitest';
import {
  logResource,
  logResourceKey,
  mapLog,
  mapMetric,
  mapSpan,
  metricResource,
  sameLogResource,
  severityNumber,
  spanResource,
} from '../../forwarder/destinations/otlp-mapping.js';
import type { LogRecord, MetricPoint, Span } from '../../forwarder/model.js';
import { RecordBuilder } from '../../forwarder/records.js';
import { payloadToBatch, validatePayload } from '../../forwarder/sources/cloudwatch.js';
import { loadPayload } from '../helpers/events.js';

const STREAM = '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e';

function records(fixture: string, tags: readonly string[] = ['env:prod', 'team:payments']): LogRecord[] {
  const { batch } = payloadToBatch(validatePayload(loadPayload(fixture)), 0, { region: 'us-east-1' });
  if (batch === undefined) throw new Error(`no batch in ${fixture}`);
  return new RecordBuilder({ tags }).build(batch);
}

function at<T>(list: readonly T[], i: number): T {
  const v = list[i];
  if (v === undefined) throw new Error(`no item ${i}`);
  return v;
}

describe('severity', () => {
  it.each([
    ['TRACE', 1],
    ['DEBUG', 5],
    ['INFO', 9],
    ['WARN', 13],
    ['WARNING', 13],
    ['ERROR', 17],
    ['FATAL', 21],
    ['CRITICAL', 21],
    ['info', 9],
  ])('%s → %i (the base value of its range in the logs data model)', (level, n) => {
    expect(severityNumber(level)).toBe(n);
  });

  it('is 0 (unspecified) for an unknown or absent level', () => {
    expect([severityNumber('VERBOSE'), severityNumber(undefined)]).toEqual([0, 0]);
  });
});

describe('log records', () => {
  it('maps a Node.js INFO line: body, both timestamps, severity, the line attributes', () => {
    const r = at(records('lambda-node'), 2);
    expect(mapLog(r)).toEqual({
      timeMs: 1704067200002,
      observedMs: 1704067200002,
      severityNumber: 9,
      severityText: 'INFO',
      body: '2024-01-01T00:00:00.000Z\t3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42\tINFO\tprocessing order 42',
      traceId: undefined,
      spanId: undefined,
      attributes: {
        'aws.log.event.id': '37982123456789012345678901234567890123456789012345671002',
        'faas.invocation_id': '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42',
      },
    });
  });

  it('keeps W3C trace and span ids', () => {
    const r: LogRecord = { ...at(records('lambda-node'), 2), traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
    const m = mapLog(r);
    expect([m.traceId, m.spanId]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7']);
  });

  it.each([
    ['too short', '4bf92f3577b34da6a3ce929d0e0e473'],
    ['not hex', '4bf92f3577b34da6a3ce929d0e0e473z'],
    ['all zero (invalid in OTLP)', '00000000000000000000000000000000'],
  ])('drops a trace id that is %s, and the span id with it', (_why, traceId) => {
    const m = mapLog({ ...at(records('lambda-node'), 2), traceId, spanId: '00f067aa0ba902b7' });
    expect([m.traceId, m.spanId]).toEqual([undefined, undefined]);
  });

  it('drops an invalid span id but keeps the trace id', () => {
    const m = mapLog({ ...at(records('lambda-node'), 2), traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '0000000000000000' });
    expect([m.traceId, m.spanId]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', undefined]);
  });

  it('has no severity for a platform line', () => {
    const m = mapLog(at(records('lambda-node'), 1));
    expect([m.severityNumber, m.severityText]).toEqual([0, undefined]);
  });
});

describe('log resources', () => {
  it('describes a Lambda function per the semantic conventions', () => {
    expect(logResource(at(records('lambda-node'), 0))).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.account.id': '123456789012',
      'cloud.region': 'us-east-1',
      'faas.name': 'orders-api',
      'faas.instance': STREAM,
      'aws.log.group.names': ['/aws/lambda/orders-api'],
      'aws.log.stream.names': [STREAM],
      'service.name': 'orders-api',
      'deployment.environment.name': 'prod',
      team: 'payments',
    });
  });

  it('has no cloud.platform or faas.instance for other log groups; service.name is the source', () => {
    const r = at(records('apigateway'), 0);
    expect(logResource(r)).toEqual({
      'cloud.provider': 'aws',
      'cloud.account.id': '123456789012',
      'cloud.region': 'us-east-1',
      'aws.log.group.names': ['API-Gateway-Execution-Logs_a1b2c3d4e5/prod'],
      'aws.log.stream.names': ['0cc175b9c0f1b6a831c399e269772661'],
      'service.name': r.source,
      'deployment.environment.name': 'prod',
      team: 'payments',
    });
  });

  it('renames version to service.version', () => {
    expect(logResource(at(records('lambda-node', ['version:1.4.2']), 0))['service.version']).toBe('1.4.2');
  });

  it('does not let a tag override an attribute the forwarder derived', () => {
    expect(logResource(at(records('lambda-node', ['cloud.region:eu-west-1']), 0))['cloud.region']).toBe('us-east-1');
  });

  it('ignores a tag without a value separator', () => {
    expect(Object.keys(logResource(at(records('lambda-node', ['standalone']), 0)))).not.toContain('standalone');
  });

  it('tells that records of one batch share a resource without a key', () => {
    const rs = records('lambda-node');
    expect(sameLogResource(at(rs, 0), at(rs, 5))).toBe(true);
  });

  it('gives records of different streams different keys, and equal content equal keys', () => {
    const a = at(records('lambda-node'), 0);
    const again = at(records('lambda-node'), 0);
    const other = at(records('lambda-json-format'), 0);
    expect(sameLogResource(a, again)).toBe(false);
    expect(logResourceKey(a)).toBe(logResourceKey(again));
    expect(logResourceKey(a)).not.toBe(logResourceKey(other));
  });
});

/** An aws.lambda.enhanced.* point as parsers/enhanced-metrics.ts writes it for the cold Node REPORT. */
function enhanced(name: string, value: number, unit: string, extra: Record<string, string> = {}): MetricPoint {
  return {
    type: 'metric',
    name: `aws.lambda.enhanced.${name}`,
    value,
    unit,
    timestamp: 1704067200170,
    kind: 'distribution',
    tags: {
      functionname: 'orders-api',
      region: 'us-east-1',
      aws_account: '123456789012',
      runtime: 'nodejs20.x',
      architecture: 'x86_64',
      memorysize: '128',
      cold_start: 'true',
      ...extra,
    },
    input: 0,
  };
}

const POINT_ATTRIBUTES = { runtime: 'nodejs20.x', architecture: 'x86_64', memorysize: '128', cold_start: 'true' };

describe('metrics', () => {
  it('maps a distribution to a histogram, and duration also to faas.invoke_duration in seconds', () => {
    expect(mapMetric(enhanced('duration', 0.17019, 's'))).toEqual([
      { name: 'aws.lambda.enhanced.duration', unit: 's', type: 'histogram', monotonic: false, asInt: false, value: 0.17019, timeMs: 1704067200170, attributes: POINT_ATTRIBUTES },
      { name: 'faas.invoke_duration', unit: 's', type: 'histogram', monotonic: true, asInt: false, value: 0.17019, timeMs: 1704067200170, attributes: POINT_ATTRIBUTES },
    ]);
  });

  it('maps init_duration also to faas.init_duration', () => {
    expect(mapMetric(enhanced('init_duration', 0.15342, 's')).map((m) => [m.name, m.unit, m.type, m.value])).toEqual([
      ['aws.lambda.enhanced.init_duration', 's', 'histogram', 0.15342],
      ['faas.init_duration', 's', 'histogram', 0.15342],
    ]);
  });

  it('maps max_memory_used (MB, binary) to MiBy and to faas.mem_usage in bytes', () => {
    expect(mapMetric(enhanced('max_memory_used', 73, 'MB')).map((m) => [m.name, m.unit, m.type, m.value])).toEqual([
      ['aws.lambda.enhanced.max_memory_used', 'MiBy', 'histogram', 73],
      ['faas.mem_usage', 'By', 'histogram', 76_546_048],
    ]);
  });

  it('counts a cold start as faas.coldstarts, a monotonic delta sum of integers', () => {
    expect(mapMetric(enhanced('invocations', 1, '1'))[1]).toEqual({
      name: 'faas.coldstarts',
      unit: '{coldstart}',
      type: 'sum',
      monotonic: true,
      asInt: true,
      value: 1,
      timeMs: 1704067200170,
      attributes: POINT_ATTRIBUTES,
    });
  });

  it('does not count a warm invocation as a cold start', () => {
    expect(mapMetric(enhanced('invocations', 1, '1', { cold_start: 'false' })).map((m) => m.name)).toEqual(['aws.lambda.enhanced.invocations']);
  });

  it.each([
    ['errors', 'faas.errors', '{error}'],
    ['timeouts', 'faas.timeouts', '{timeout}'],
  ])('maps %s also to %s (%s), a counter', (name, faas, unit) => {
    const twin = mapMetric(enhanced(name, 1, '1'))[1];
    expect([twin?.name, twin?.unit, twin?.type, twin?.monotonic, twin?.asInt, twin?.value]).toEqual([faas, unit, 'sum', true, true, 1]);
  });

  it.each([['billed_duration'], ['restore_duration'], ['memorysize'], ['out_of_memory']])('has no FaaS twin for %s', (name) => {
    expect(mapMetric(enhanced(name, 1, '1'))).toHaveLength(1);
  });

  it('writes estimated_cost in {USD}', () => {
    expect(at(mapMetric(enhanced('estimated_cost', 0.0000005541, 'USD')), 0).unit).toBe('{USD}');
  });

  it('converts a duration given in ms for the FaaS twin', () => {
    expect(at(mapMetric(enhanced('duration', 170.19, 'ms')), 1).value).toBeCloseTo(0.17019, 12);
  });

  it('sends no FaaS twin for a unit it cannot convert', () => {
    expect(mapMetric(enhanced('duration', 170, 'min'))).toHaveLength(1);
  });

  it('maps an EMF point with its unit and namespace', () => {
    const p: MetricPoint = {
      type: 'metric',
      name: 'OrderLatency',
      value: 120.5,
      unit: 'ms',
      timestamp: 1704067200190,
      kind: 'distribution',
      tags: { service: 'orders', functionVersion: '$LATEST' },
      namespace: 'orders',
      input: 0,
    };
    expect(mapMetric(p)).toEqual([
      {
        name: 'OrderLatency',
        unit: 'ms',
        type: 'histogram',
        monotonic: false,
        asInt: false,
        value: 120.5,
        timeMs: 1704067200190,
        attributes: { functionVersion: '$LATEST', 'aws.cloudwatch.namespace': 'orders' },
      },
    ]);
    expect(metricResource(p)).toEqual({ 'cloud.provider': 'aws', 'service.name': 'orders' });
  });

  it('maps a count to a monotonic delta sum of doubles, and a negative count to a non-monotonic one', () => {
    const p: MetricPoint = { type: 'metric', name: 'orders.created', value: 1, unit: '', timestamp: 1704067200190, kind: 'count', tags: {}, input: 0 };
    expect(mapMetric(p).map((m) => [m.type, m.monotonic, m.asInt])).toEqual([['sum', true, false]]);
    expect(mapMetric({ ...p, value: -2 }).map((m) => m.monotonic)).toEqual([false]);
  });

  it('maps a gauge to a gauge', () => {
    const p: MetricPoint = { type: 'metric', name: 'queue.depth', value: 7, unit: '1', timestamp: 1704067200190, kind: 'gauge', tags: {}, input: 0 };
    expect(at(mapMetric(p), 0).type).toBe('gauge');
  });

  it('puts the function, region, account, env and version tags on the resource', () => {
    expect(metricResource(enhanced('duration', 0.1, 's', { env: 'prod', version: '7' }))).toEqual({
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.region': 'us-east-1',
      'cloud.account.id': '123456789012',
      'faas.name': 'orders-api',
      'service.name': 'orders-api',
      'deployment.environment.name': 'prod',
      'service.version': '7',
    });
  });

  it('reads account_id as the account (the Datadog libraries write that tag)', () => {
    const p: MetricPoint = { ...enhanced('invocations', 1, '1'), tags: { functionname: 'orders-api', account_id: '123456789012' } };
    expect(metricResource(p)['cloud.account.id']).toBe('123456789012');
  });

  it('falls back to unknown_service when nothing names a service', () => {
    const p: MetricPoint = { type: 'metric', name: 'orders.created', value: 1, unit: '', timestamp: 1704067200190, kind: 'count', tags: { dd_lambda_layer: 'x' }, input: 0 };
    expect(metricResource(p)).toEqual({ 'cloud.provider': 'aws', 'service.name': 'unknown_service' });
  });
});

/** The span of the trace payload line in formats/powertools-emf-datadog.txt (W3C ids). */
const lambdaSpan: Span = {
  type: 'span',
  traceId: '00000000000000005fbeae1043928548',
  spanId: '4a6b5d7f3e8c9d01',
  parentId: 'c657b77d9514f70c',
  name: 'aws.lambda',
  service: 'aws.lambda',
  resource: 'orders-api',
  startNs: 1704067200190000000n,
  durationNs: 102250000n,
  error: false,
  spanType: 'serverless',
  attributes: {
    cold_start: 'false',
    function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:orders-api',
    request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    resource_names: 'orders-api',
    '_dd.origin': 'lambda',
  },
  metrics: { _sampling_priority_v1: 1 },
  input: 0,
};

describe('spans', () => {
  it('maps ids, times, kind and attributes', () => {
    expect(mapSpan(lambdaSpan)).toEqual({
      traceId: '00000000000000005fbeae1043928548',
      spanId: '4a6b5d7f3e8c9d01',
      parentId: 'c657b77d9514f70c',
      name: 'aws.lambda',
      kind: 2,
      startNs: 1704067200190000000n,
      endNs: 1704067200292250000n,
      attributes: { ...lambdaSpan.attributes, _sampling_priority_v1: 1, 'resource.name': 'orders-api', 'span.type': 'serverless' },
    });
  });

  it('sets status ERROR with the error message', () => {
    const s = mapSpan({ ...lambdaSpan, error: true, attributes: { ...lambdaSpan.attributes, 'error.msg': 'boom' } });
    expect(s?.status).toEqual({ code: 2, message: 'boom' });
  });

  it('leaves the status unset for a span without error', () => {
    expect(mapSpan(lambdaSpan)?.status).toBeUndefined();
  });

  it.each([
    ['server', 2],
    ['client', 3],
    ['producer', 4],
    ['consumer', 5],
    ['internal', 1],
  ])('takes the kind from meta span.kind=%s', (kind, n) => {
    expect(mapSpan({ ...lambdaSpan, attributes: { 'span.kind': kind } })?.kind).toBe(n);
  });

  it.each([
    ['http', 3],
    ['sql', 3],
    ['web', 2],
    ['custom', 1],
  ])('takes the kind from the span type %s without span.kind', (spanType, n) => {
    expect(mapSpan({ ...lambdaSpan, spanType, attributes: {} })?.kind).toBe(n);
  });

  it('drops a parent id that is not a valid span id (a root span)', () => {
    expect(mapSpan({ ...lambdaSpan, parentId: '0000000000000000' })?.parentId).toBeUndefined();
  });

  it('cannot send a span whose trace id is not W3C hex', () => {
    expect(mapSpan({ ...lambdaSpan, traceId: '5fbeae1043928548' })).toBeUndefined();
  });

  it('puts the service on the resource', () => {
    expect(spanResource(lambdaSpan)).toEqual({ 'service.name': 'aws.lambda', 'cloud.provider': 'aws' });
  });
});
