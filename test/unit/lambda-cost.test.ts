import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, estimateCost, parsePriceOverride, ratesFor, withOverride } from '../../parsers/lambda-cost.js';

// Expected values are worked out by hand: request price + (ms / 1000 s) × (MB / 1024 GB) × price.
describe('estimateCost', () => {
  const usEast1 = ratesFor(DEFAULT_PRICES, 'us-east-1');

  it('prices x86_64: $0.20/1M requests + $0.0000166667 per GB-s', () => {
    // 103 ms at 128 MB = 0.012875 GB-s → 0.0000002 + 0.012875 × 0.0000166667 = 4.145837625e-7
    expect(estimateCost({ billedDurationMs: 103, memorySizeMB: 128 }, 'x86_64', usEast1)).toBeCloseTo(4.145837625e-7, 20);
  });

  it('prices arm64: $0.0000133334 per GB-s', () => {
    // 0.0000002 + 0.012875 × 0.0000133334 = 3.71667525e-7
    expect(estimateCost({ billedDurationMs: 103, memorySizeMB: 128 }, 'arm64', usEast1)).toBeCloseTo(3.71667525e-7, 20);
  });

  it('adds SnapStart billed restore duration to the billed duration', () => {
    // (11 + 346) ms at 512 MB = 0.1785 GB-s → 0.0000002 + 0.1785 × 0.0000166667 = 3.17500595e-6
    const cost = estimateCost({ billedDurationMs: 11, memorySizeMB: 512, billedRestoreDurationMs: 346 }, 'x86_64', usEast1);
    expect(cost).toBeCloseTo(3.17500595e-6, 20);
  });

  it('uses the regional rate where the table has one, the base rate elsewhere', () => {
    expect(ratesFor(DEFAULT_PRICES, 'af-south-1')).toEqual({ request: 0.0000002, x86_64: 0.0000221, arm64: 0.00001768 });
    expect(ratesFor(DEFAULT_PRICES, 'eu-west-1')).toEqual({ request: 0.0000002, x86_64: 0.0000166667, arm64: 0.0000133334 });
    expect(ratesFor(DEFAULT_PRICES, undefined)).toBe(DEFAULT_PRICES.base);
  });
});

describe('LAMBDA_PRICES', () => {
  it('parses global and per-region rates', () => {
    const result = parsePriceOverride('{"x86_64":0.000015,"eu-west-1":{"arm64":0.00001},"request":0.00000025}');
    expect(result).toEqual({ ok: true, value: { x86_64: 0.000015, request: 0.00000025, regions: { 'eu-west-1': { arm64: 0.00001 } } } });
  });

  it('lets configuration win: region over global over built-in', () => {
    const result = parsePriceOverride('{"x86_64":0.000015,"eu-west-1":{"arm64":0.00001}}');
    if (!result.ok) throw new Error('expected a valid override');
    const table = withOverride(DEFAULT_PRICES, result.value);
    expect(ratesFor(table, 'eu-west-1')).toEqual({ request: 0.0000002, x86_64: 0.000015, arm64: 0.00001 });
    expect(ratesFor(table, 'us-east-1')).toEqual({ request: 0.0000002, x86_64: 0.000015, arm64: 0.0000133334 });
    expect(ratesFor(table, 'af-south-1')).toEqual({ request: 0.0000002, x86_64: 0.000015, arm64: 0.00001768 });
  });

  it('reports every problem at once, naming the variable', () => {
    const result = parsePriceOverride('{"x86_64":-1,"request":0.2,"arm":1,"eu-west-1":{"x86":0.1},"us-east-2":5}');
    expect(result).toEqual({
      ok: false,
      problems: [
        'LAMBDA_PRICES.x86_64: expected a non-negative number (USD), got -1',
        'LAMBDA_PRICES.request: 0.2 is too high for a price per request (not per million)',
        'LAMBDA_PRICES: unknown key "arm"; expected request, x86_64, arm64 or a region name such as eu-west-1',
        'LAMBDA_PRICES.eu-west-1: unknown key "x86"; expected request, x86_64 or arm64',
        'LAMBDA_PRICES.us-east-2: expected an object with request, x86_64 and/or arm64',
      ],
    });
  });

  it('rejects text that is not a JSON object', () => {
    expect(parsePriceOverride('0.0000166667')).toEqual({ ok: false, problems: ['LAMBDA_PRICES: expected a JSON object'] });
    expect(parsePriceOverride('{')).toEqual({ ok: false, problems: ['LAMBDA_PRICES: expected a JSON object'] });
  });
});
