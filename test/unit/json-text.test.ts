/**
 * forwarder/destinations/json-text.ts: the hand-written encoders quote strings without
 * JSON.stringify when nothing needs escaping; the text must be JSON.stringify's, byte for byte.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainJson, jsonString } from '../../forwarder/destinations/json-text.js';

describe('jsonString', () => {
  it.each([
    ['a request id', 'c6af9ac6-7b61-11e6-9a41-93e812345678'],
    ['a quote', 'say "hi"'],
    ['a backslash', 'C:\\temp'],
    ['a TAB, as REPORT lines have', 'REPORT RequestId: x\tDuration: 1.00 ms\t'],
    ['a NUL and a unit separator', 'a\u0000b\u001fc'],
    ['DEL, which JSON leaves as it is', 'a\u007fb'],
    ['a line separator, which JSON leaves as it is', 'a\u2028b'],
    ['an emoji (a surrogate pair)', 'ok \ud83d\ude00'],
    ['a lone high surrogate', 'cut \ud83d'],
    ['a lone low surrogate', '\ude00 cut'],
    ['accents', 'café über'],
    ['nothing', ''],
  ])('writes %s as JSON.stringify does', (_, s) => {
    expect(jsonString(s)).toBe(JSON.stringify(s));
  });

  it('is JSON.stringify for any string', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => jsonString(s) === JSON.stringify(s)), { numRuns: 2000 });
  });

  it('calls a string plain only when JSON.stringify just adds quotes', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => !isPlainJson(s) || JSON.stringify(s) === `"${s}"`), { numRuns: 2000 });
  });

  it('calls a string with a surrogate pair not plain (a cheap test; JSON.stringify then writes it)', () => {
    expect(isPlainJson('ok \ud83d\ude00')).toBe(false);
  });
});
