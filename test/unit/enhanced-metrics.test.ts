import { describe, expect, it } from 'vitest';
import { type EnhancedContext, eventMetric, reportMetrics } from '../../parsers/enhanced-metrics.js';
import { DEFAULT_PRICES } from '../../parsers/lambda-cost.js';
import { parsePlatformLine, type ReportLine } from '../../parsers/report.js';
import type { MetricPoint } from '../../forwarder/model.js';
import { lambdaLines } from '../helpers/lambda-lines.js';

const text = lambdaLines('lambda-text.txt');
const json = lambdaLines('lambda-json.txt');

function report(lines: string[], test: (l: string) => boolean): ReportLine {
  const line = lines.find(test);
  if (line === undefined) throw new Error('fixture line not found');
  const parsed = parsePlatformLine(line, line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : undefined);
  if (parsed?.kind !== 'report') throw new Error('not a REPORT');
  return parsed;
}

const T = 1704067200120;
const CTX: EnhancedContext = {
  functionName: 'orders-api',
  region: 'us-east-1',
  account: '123456789012',
  architecture: 'x86_64',
  runtime: 'nodejs20.x',
  timestamp: T,
  input: 2,
};

const byName = (points: MetricPoint[]) => Object.fromEntries(points.map((p) => [p.name.replace('aws.lambda.enhanced.', ''), p.value]));

describe('reportMetrics', () => {
  it('turns a cold REPORT into exact points with units, tags and the event timestamp', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Init Duration: 180.87')), CTX, DEFAULT_PRICES);
    const tags = {
      functionname: 'orders-api',
      region: 'us-east-1',
      aws_account: '123456789012',
      runtime: 'nodejs20.x',
      architecture: 'x86_64',
      memorysize: '1024',
      cold_start: 'true',
    };
    const base = { type: 'metric', timestamp: T, kind: 'distribution', tags, input: 2 } as const;
    expect(points.map((p) => ({ ...p, value: p.name.endsWith('estimated_cost') ? 0 : p.value }))).toEqual([
      { ...base, name: 'aws.lambda.enhanced.invocations', value: 1, unit: '1' },
      { ...base, name: 'aws.lambda.enhanced.duration', value: 0.0041, unit: 's' },
      { ...base, name: 'aws.lambda.enhanced.billed_duration', value: 0.005, unit: 's' },
      { ...base, name: 'aws.lambda.enhanced.init_duration', value: 0.18087, unit: 's' },
      { ...base, name: 'aws.lambda.enhanced.max_memory_used', value: 70, unit: 'MB' },
      { ...base, name: 'aws.lambda.enhanced.memorysize', value: 1024, unit: 'MB' },
      { ...base, name: 'aws.lambda.enhanced.estimated_cost', value: 0, unit: 'USD' },
    ]);
    // 5 ms at 1 GB = 0.005 GB-s → 0.0000002 + 0.005 × 0.0000166667 = 2.833335e-7
    expect(points.find((p) => p.name.endsWith('estimated_cost'))?.value).toBeCloseTo(2.833335e-7, 20);
  });

  it('marks a warm REPORT cold_start:false and emits no init duration', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Duration: 102.25 ms')), CTX, DEFAULT_PRICES);
    expect(points.every((p) => p.tags['cold_start'] === 'false' && p.tags['memorysize'] === '128')).toBe(true);
    expect(byName(points)).toEqual({
      invocations: 1,
      duration: 0.10225,
      billed_duration: 0.103,
      max_memory_used: 68,
      memorysize: 128,
      estimated_cost: expect.closeTo(4.145837625e-7, 20) as number,
    });
  });

  it('prices an arm64 function at the arm64 rate', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Duration: 102.25 ms')), { ...CTX, architecture: 'arm64' }, DEFAULT_PRICES);
    const cost = points.find((p) => p.name.endsWith('estimated_cost'));
    expect(cost?.value).toBeCloseTo(3.71667525e-7, 20);
    expect(cost?.tags['architecture']).toBe('arm64');
  });

  it('emits restore_duration for SnapStart, counts it as a cold start and bills the restore', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Restore Duration')), CTX, DEFAULT_PRICES);
    expect(byName(points)).toEqual({
      invocations: 1,
      duration: 0.01042,
      billed_duration: 0.011,
      restore_duration: 0.41259,
      max_memory_used: 91,
      memorysize: 512,
      // (11 + 346) ms at 0.5 GB = 0.1785 GB-s
      estimated_cost: expect.closeTo(3.17500595e-6, 20) as number,
    });
    expect(points[0]?.tags['cold_start']).toBe('true');
  });

  it('counts a timeout REPORT as an error and a timeout', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Status: timeout')), CTX, DEFAULT_PRICES);
    expect(byName(points)).toMatchObject({ errors: 1, timeouts: 1 });
    expect(byName(points)).not.toHaveProperty('out_of_memory');
  });

  it('counts an out-of-memory REPORT as an error and an out_of_memory', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Runtime.OutOfMemory')), CTX, DEFAULT_PRICES);
    expect(byName(points)).toMatchObject({ errors: 1, out_of_memory: 1 });
    expect(byName(points)).not.toHaveProperty('timeouts');
  });

  it('reads JSON platform.report the same way', () => {
    const points = reportMetrics(report(json, (l) => l.includes('"status":"timeout"')), CTX, DEFAULT_PRICES);
    expect(byName(points)).toEqual({
      invocations: 1,
      duration: 3,
      billed_duration: 3,
      max_memory_used: 45,
      memorysize: 128,
      // 3000 ms at 0.125 GB = 0.375 GB-s
      estimated_cost: expect.closeTo(0.0000002 + 0.375 * 0.0000166667, 20) as number,
      errors: 1,
      timeouts: 1,
    });
  });

  it('emits no errors for a success and no cost without billed duration or memory size', () => {
    const line =
      '{"time":"2024-01-01T00:00:05.000Z","type":"platform.report","record":{"requestId":"0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f","metrics":{"durationMs":12.51,"maxMemoryUsedMB":91},"status":"success"}}';
    const parsed = parsePlatformLine(line, JSON.parse(line) as Record<string, unknown>);
    if (parsed?.kind !== 'report') throw new Error('not a REPORT');
    const points = reportMetrics(parsed, CTX, DEFAULT_PRICES);
    expect(byName(points)).toEqual({ invocations: 1, duration: 0.01251, max_memory_used: 91 });
    expect(points[0]?.tags).not.toHaveProperty('memorysize');
  });

  it('uses the regional price of the log region', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Duration: 102.25 ms')), { ...CTX, region: 'af-south-1' }, DEFAULT_PRICES);
    // 0.012875 GB-s × 0.0000221 + 0.0000002
    expect(points.find((p) => p.name.endsWith('estimated_cost'))?.value).toBeCloseTo(4.845375e-7, 20);
  });

  it('omits tags it does not know', () => {
    const points = reportMetrics(report(text, (l) => l.includes('Duration: 102.25 ms')), { architecture: 'x86_64', timestamp: T, input: 0 }, DEFAULT_PRICES);
    expect(points[0]?.tags).toEqual({ architecture: 'x86_64', memorysize: '128', cold_start: 'false' });
  });
});

describe('eventMetric', () => {
  it('builds a timeouts point with the context tags only', () => {
    expect(eventMetric('timeouts', CTX)).toEqual({
      type: 'metric',
      name: 'aws.lambda.enhanced.timeouts',
      value: 1,
      unit: '1',
      timestamp: T,
      kind: 'distribution',
      tags: { functionname: 'orders-api', region: 'us-east-1', aws_account: '123456789012', runtime: 'nodejs20.x', architecture: 'x86_64' },
      input: 2,
    });
  });
});
