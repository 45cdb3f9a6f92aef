/**
 * forwarder/destinations/json-number.ts: the Datadog metrics body writes its numbers as bytes
 * without making strings; the text must be JSON.stringify's, byte for byte, for every finite number.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NUMBER_BYTES, writeJsonNumber } from '../../forwarder/destinations/json-number.js';

/** The text writeJsonNumber writes for `v`, written after some bytes already in the buffer. */
function written(v: number): string {
  const buf = Buffer.alloc(8 + MAX_NUMBER_BYTES, 0x78);
  const end = writeJsonNumber(buf, 8, v);
  expect(buf.toString('latin1', 0, 8)).toBe('xxxxxxxx');
  return buf.toString('latin1', 8, end);
}

describe('writeJsonNumber', () => {
  it.each([
    ['invocations', 1, '1'],
    ['a memory size in MB', 512, '512'],
    ['a REPORT duration in seconds (758.42 ms)', 0.75842, '0.75842'],
    ['a billed duration in seconds (759 ms)', 0.759, '0.759'],
    ['an init duration of 15 minutes', 900, '900'],
    ['a duration with a leading zero in its fraction (10.05 ms)', 0.01005, '0.01005'],
    ['the smallest value printed without an exponent', 0.000001, '0.000001'],
    ['nine decimal places', 123.000000001, '123.000000001'],
    ['an estimated cost in USD (more digits: the fallback)', 6.5250125e-6, '0.0000065250125'],
    ['a cost below 1e-6 (an exponent)', 2.0833e-7, '2.0833e-7'],
    ['0.1 + 0.2 (17 significant digits)', 0.1 + 0.2, '0.30000000000000004'],
    ['zero', 0, '0'],
    ['negative zero', -0, '0'],
    ['a negative decimal', -0.75842, '-0.75842'],
    ['a negative integer', -42, '-42'],
    ['an epoch timestamp in seconds', 1704067200, '1704067200'],
    ['the largest integer printed from its digits', 1e15 - 1, '999999999999999'],
    ['an integer past that', 2 ** 53, '9007199254740992'],
    ['an integer printed with an exponent', 1e21, '1e+21'],
    ['a large decimal', 1234567.125, '1234567.125'],
    ['the largest double', Number.MAX_VALUE, '1.7976931348623157e+308'],
    ['the smallest subnormal', 5e-324, '5e-324'],
  ])('writes %s as JSON.stringify does', (_, v, text) => {
    expect(JSON.stringify(v)).toBe(text);
    expect(written(v)).toBe(text);
  });

  it('is JSON.stringify for any finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => written(v) === JSON.stringify(v)),
      { numRuns: 20_000 },
    );
  });

  it('is JSON.stringify for decimals of up to nine places, the values REPORT lines give', () => {
    const decimals = fc
      .tuple(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.integer({ min: 0, max: 9 }))
      .map(([n, places]) => n / 10 ** places);
    fc.assert(fc.property(decimals, (v) => written(v) === JSON.stringify(v)), { numRuns: 20_000 });
  });

  it('never writes more than MAX_NUMBER_BYTES, which the longest number text takes', () => {
    expect(written(-0.0000012345678901234567)).toBe('-0.0000012345678901234567');
    expect('-0.0000012345678901234567'.length).toBe(MAX_NUMBER_BYTES);
    expect(written(-Number.MIN_VALUE).length).toBeLessThanOrEqual(MAX_NUMBER_BYTES);
    expect(written(-1.2345678901234567e-123).length).toBeLessThanOrEqual(MAX_NUMBER_BYTES);
  });
});
