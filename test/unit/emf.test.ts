import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEmf } from '../../parsers/emf.js';

const lines = readFileSync(new URL('../events/lambda/powertools-emf-datadog.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('# '));

/** A fresh copy of the EMF fixture line, to clone and edit. */
function emfLine(): Record<string, unknown> & { _aws: { Timestamp?: unknown; CloudWatchMetrics: Array<Record<string, unknown>> } } {
  const line = lines.find((l) => l.includes('"_aws"'));
  if (line === undefined) throw new Error('fixture line not found');
  return JSON.parse(line) as ReturnType<typeof emfLine>;
}

const LOG_TS = 1704067299999;

describe('parseEmf', () => {
  it('gives one point per value with unit, dimensions as tags, namespace and the EMF timestamp', () => {
    const tags = { service: 'orders', functionVersion: '$LATEST' };
    const base = { type: 'metric', timestamp: 1704067200190, kind: 'distribution', namespace: 'orders', input: 4, tags } as const;
    expect(parseEmf(emfLine(), LOG_TS, 4)).toEqual({
      kind: 'emf',
      points: [
        { ...base, name: 'OrderLatency', value: 120.5, unit: 'ms' },
        { ...base, name: 'OrderLatency', value: 98.2, unit: 'ms' },
        { ...base, name: 'OrdersCreated', value: 1, unit: '1' },
      ],
    });
  });

  it('tags with the keys of every dimension set', () => {
    const line = emfLine();
    const directive = line._aws.CloudWatchMetrics[0] as Record<string, unknown>;
    directive['Dimensions'] = [['service'], ['functionVersion', 'region']];
    line['region'] = 'us-east-1';
    const result = parseEmf(line, LOG_TS, 0);
    if (result.kind !== 'emf') throw new Error('expected EMF');
    expect(result.points[0]?.tags).toEqual({ service: 'orders', functionVersion: '$LATEST', region: 'us-east-1' });
  });

  it.each([
    ['Seconds', 's'],
    ['Microseconds', 'us'],
    ['Bytes', 'By'],
    ['Kilobytes', 'kBy'],
    ['Percent', '%'],
    ['Count/Second', '1/s'],
    ['Bytes/Second', 'By/s'],
    ['None', '1'],
    ['Furlongs', 'Furlongs'],
  ])('maps the unit %s to %s', (unit, expected) => {
    const line = emfLine();
    (line._aws.CloudWatchMetrics[0] as { Metrics: Array<Record<string, unknown>> }).Metrics = [{ Name: 'OrdersCreated', Unit: unit }];
    const result = parseEmf(line, LOG_TS, 0);
    expect(result.kind === 'emf' && result.points[0]?.unit).toBe(expected);
  });

  it('defaults a missing Unit to None (dimensionless)', () => {
    const line = emfLine();
    (line._aws.CloudWatchMetrics[0] as { Metrics: Array<Record<string, unknown>> }).Metrics = [{ Name: 'OrdersCreated' }];
    const result = parseEmf(line, LOG_TS, 0);
    expect(result.kind === 'emf' && result.points[0]?.unit).toBe('1');
  });

  it('falls back to the log timestamp when _aws.Timestamp is absent', () => {
    const line = emfLine();
    delete line._aws.Timestamp;
    const result = parseEmf(line, LOG_TS, 0);
    expect(result.kind === 'emf' && result.points[0]?.timestamp).toBe(LOG_TS);
  });

  it.each([
    ['CloudWatchMetrics not an array', (l: ReturnType<typeof emfLine>) => ((l._aws as Record<string, unknown>)['CloudWatchMetrics'] = {}), 'invalid_metadata'],
    ['a Timestamp as text', (l: ReturnType<typeof emfLine>) => (l._aws.Timestamp = '2024-01-01'), 'invalid_timestamp'],
    ['a directive without Namespace', (l: ReturnType<typeof emfLine>) => delete l._aws.CloudWatchMetrics[0]?.['Namespace'], 'invalid_directive'],
    ['a dimension set that is not an array', (l: ReturnType<typeof emfLine>) => ((l._aws.CloudWatchMetrics[0] as Record<string, unknown>)['Dimensions'] = ['service']), 'invalid_directive'],
    ['a dimension without a root value', (l: ReturnType<typeof emfLine>) => delete l['functionVersion'], 'invalid_dimension'],
    ['a numeric dimension value', (l: ReturnType<typeof emfLine>) => (l['service'] = 7), 'invalid_dimension'],
    ['a metric without a root value', (l: ReturnType<typeof emfLine>) => delete l['OrdersCreated'], 'invalid_metric_value'],
    ['a metric value as text', (l: ReturnType<typeof emfLine>) => (l['OrderLatency'] = ['120.5']), 'invalid_metric_value'],
  ])('reports %s as invalid', (_what, edit, reason) => {
    const line = emfLine();
    edit(line);
    expect(parseEmf(line, LOG_TS, 0)).toEqual({ kind: 'invalid', reason });
  });

  it('is none for lines that are not EMF', () => {
    expect(parseEmf({ level: 'INFO', message: 'x' }, LOG_TS, 0)).toEqual({ kind: 'none' });
    expect(parseEmf({ _aws: { Other: 1 } }, LOG_TS, 0)).toEqual({ kind: 'none' });
    expect(parseEmf({ _aws: 'x' }, LOG_TS, 0)).toEqual({ kind: 'none' });
  });
});
