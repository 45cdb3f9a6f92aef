import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMetricLine, parseTagList } from '../../parsers/metric-line.js';

const lines = readFileSync(new URL('../events/lambda/powertools-emf-datadog.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('# '));

function fixture(test: (l: string) => boolean): Record<string, unknown> {
  const line = lines.find(test);
  if (line === undefined) throw new Error('fixture line not found');
  return JSON.parse(line) as Record<string, unknown>;
}

const custom = () => fixture((l) => l.includes('"orders.created"'));

describe('parseMetricLine', () => {
  it('turns a custom metric line into a distribution point (e = epoch seconds, fractional)', () => {
    expect(parseMetricLine(custom(), 3)).toEqual({
      kind: 'metric',
      point: {
        type: 'metric',
        name: 'orders.created',
        value: 1,
        unit: '',
        timestamp: 1704067200190,
        kind: 'distribution',
        tags: { env: 'prod', dd_lambda_layer: 'datadog-nodev20.x' },
        input: 3,
      },
    });
  });

  it('reads a metric line written with keys in another order', () => {
    const result = parseMetricLine(fixture((l) => l.includes('"aws.lambda.enhanced.invocations"')), 0);
    expect(result).toMatchObject({
      kind: 'metric',
      point: {
        name: 'aws.lambda.enhanced.invocations',
        value: 1,
        timestamp: 1704067200000,
        tags: {
          functionname: 'orders-api',
          region: 'us-east-1',
          account_id: '123456789012',
          memorysize: '128',
          cold_start: 'false',
          runtime: 'nodejs20.x',
          datadog_lambda: 'v9.0.0',
        },
      },
    });
  });

  it('accepts a line without tags', () => {
    const { t: _t, ...noTags } = custom();
    expect(parseMetricLine(noTags, 0)).toMatchObject({ kind: 'metric', point: { tags: {} } });
  });

  it.each([
    ['a missing v', { v: undefined }, 'missing_value'],
    ['v as a string', { v: 'NaN' }, 'invalid_value'],
    ['v as a boolean', { v: true }, 'invalid_value'],
    ['a non-string m', { m: 42 }, 'invalid_name'],
    ['an empty m', { m: '' }, 'invalid_name'],
    ['a missing e', { e: undefined }, 'invalid_timestamp'],
    ['e as text', { e: '1704067200' }, 'invalid_timestamp'],
    ['e in milliseconds', { e: 1704067200190 }, 'invalid_timestamp'],
    ['t as a string', { t: 'env:prod' }, 'invalid_tags'],
    ['t with a number', { t: ['env:prod', 7] }, 'invalid_tags'],
  ])('reports %s as invalid', (_what, edit, reason) => {
    const line: Record<string, unknown> = { ...custom(), ...edit };
    for (const [k, v] of Object.entries(edit)) if (v === undefined) delete line[k];
    expect(parseMetricLine(line, 0)).toEqual({ kind: 'invalid', reason });
  });

  it.each([
    ['a JSON app log', { level: 'INFO', message: 'order created' }],
    ['an object with m only', { m: 'hello' }],
    ['an object with extra keys', { m: 'x', v: 1, e: 1704067200, t: [], level: 'INFO' }],
  ])('is none for %s', (_what, json) => {
    expect(parseMetricLine(json, 0)).toEqual({ kind: 'none' });
  });
});

describe('parseTagList', () => {
  it('splits at the first colon and keeps valueless tags as empty values', () => {
    expect(parseTagList(['env:prod', 'url:https://x', 'flag'])).toEqual({ env: 'prod', url: 'https://x', flag: '' });
  });
});
