/** Which log groups the subscriber selects, and how it lists them (forwarder/subscriber/selection.ts). */
import { describe, expect, it } from 'vitest';
import { describeQueries, isSelected, selectionFromProperties } from '../../forwarder/subscriber/selection.js';
import { lambdaLogGroupOf } from '../../forwarder/subscriber/settings.js';

describe('isSelected', () => {
  const sel = { prefixes: ['/aws/lambda/', '/ecs/'], patterns: ['orders'] };
  it.each([
    ['/aws/lambda/orders-api', true],
    ['/ecs/worker', true],
    ['/aws/apigateway/orders', true],
    ['/aws/apigateway/Orders', false],
    ['/aws/rds/instance/db/error', false],
    ['aws/lambda/missing-slash', false],
  ])('%s -> %s', (name, expected) => {
    expect(isSelected(name, sel)).toBe(expected);
  });

  it('selects every group with the prefix *', () => {
    expect(isSelected('/anything/at/all', { prefixes: ['*'], patterns: [] })).toBe(true);
  });

  it('selects nothing when empty', () => {
    expect(isSelected('/aws/lambda/a', { prefixes: [], patterns: [] })).toBe(false);
  });
});

describe('describeQueries', () => {
  it('lists once per distinct prefix and pattern, prefixes first', () => {
    expect(describeQueries({ prefixes: ['/aws/lambda/', '/ecs/', '/aws/lambda/'], patterns: ['orders'] })).toEqual([
      { logGroupNamePrefix: '/aws/lambda/' },
      { logGroupNamePrefix: '/ecs/' },
      { logGroupNamePattern: 'orders' },
    ]);
  });

  it('lists everything once when * is among the prefixes', () => {
    expect(describeQueries({ prefixes: ['/ecs/', '*'], patterns: ['orders'] })).toEqual([{}]);
  });
});

describe('selectionFromProperties', () => {
  it('reads comma-separated strings and lists, trimmed, without empty entries', () => {
    expect(selectionFromProperties({ LogGroupPrefixes: ' /aws/lambda/ , ,/ecs/', LogGroupPatterns: ['orders', ''] })).toEqual({
      prefixes: ['/aws/lambda/', '/ecs/'],
      patterns: ['orders'],
    });
  });

  it('reads an empty selection from missing properties', () => {
    expect(selectionFromProperties(undefined)).toEqual({ prefixes: [], patterns: [] });
  });
});

describe('lambdaLogGroupOf', () => {
  it.each([
    ['arn:aws:lambda:us-east-1:123456789012:function:log-forwarder', '/aws/lambda/log-forwarder'],
    ['arn:aws:lambda:us-east-1:123456789012:function:log-forwarder:live', '/aws/lambda/log-forwarder'],
    ['arn:aws:kinesis:us-east-1:123456789012:stream/logs', undefined],
  ])('%s -> %s', (arn, expected) => {
    expect(lambdaLogGroupOf(arn)).toBe(expected);
  });
});
