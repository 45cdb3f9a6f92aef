import { describe, expect, it } from 'vitest';
import { OtlpHeaderError, otlpHeaderSource, parseOtlpHeaders } from '../../forwarder/destinations/otlp-headers.js';

// Obviously fake values throughout.
const FAKE = 'fake-key-0000';

describe('parseOtlpHeaders: k1=v1,k2=v2 (W3C Baggage list syntax)', () => {
  it('reads name=value pairs, lower-casing names', () => {
    expect(parseOtlpHeaders(`x-honeycomb-team=${FAKE},X-Honeycomb-Dataset=lambda-logs`)).toEqual({
      ok: true,
      headers: { 'x-honeycomb-team': FAKE, 'x-honeycomb-dataset': 'lambda-logs' },
    });
  });

  it('trims whitespace around members, names and values', () => {
    expect(parseOtlpHeaders(` api-key = ${FAKE} ,\tteam=a `)).toEqual({ ok: true, headers: { 'api-key': FAKE, team: 'a' } });
  });

  it('percent-decodes values, keeping + as a plus', () => {
    expect(parseOtlpHeaders('Authorization=Basic%20ZmFrZTpmYWtl%3D%3D,x-plus=a+b')).toEqual({
      ok: true,
      headers: { authorization: 'Basic ZmFrZTpmYWtl==', 'x-plus': 'a+b' },
    });
  });

  it('keeps a value that contains = after the first one', () => {
    expect(parseOtlpHeaders('authorization=Bearer abc==')).toEqual({ ok: true, headers: { authorization: 'Bearer abc==' } });
  });

  it('skips empty members (a trailing or doubled comma)', () => {
    expect(parseOtlpHeaders('a=1,,b=2,')).toEqual({ ok: true, headers: { a: '1', b: '2' } });
  });

  it('keeps the last value of a repeated name', () => {
    expect(parseOtlpHeaders('a=1,A=2')).toEqual({ ok: true, headers: { a: '2' } });
  });

  it('keeps an empty value', () => {
    expect(parseOtlpHeaders('x-empty=')).toEqual({ ok: true, headers: { 'x-empty': '' } });
  });

  it('reads an empty text as no headers', () => {
    expect(parseOtlpHeaders('  ')).toEqual({ ok: true, headers: {} });
  });

  it('reports a member without = by position, never echoing it', () => {
    const r = parseOtlpHeaders(`a=1,${FAKE}`);
    expect(r).toEqual({ ok: false, problems: ['entry 2: expected name=value'] });
    expect(JSON.stringify(r)).not.toContain(FAKE);
  });

  it('reports invalid percent-encoding without the value', () => {
    const r = parseOtlpHeaders(`api-key=${FAKE}%zz`);
    expect(r).toEqual({ ok: false, problems: ['entry 1: the value of header "api-key" is not valid percent-encoding'] });
    expect(JSON.stringify(r)).not.toContain(FAKE);
  });

  it('reports a name that is not an HTTP token', () => {
    expect(parseOtlpHeaders('bad name=1')).toEqual({ ok: false, problems: ['entry 1: header name "bad name" is not a valid HTTP token'] });
  });

  it('reports an empty name', () => {
    expect(parseOtlpHeaders('=1')).toEqual({ ok: false, problems: ['entry 1: empty header name'] });
  });

  it('reports a value that decodes to a line break', () => {
    expect(parseOtlpHeaders('x-a=1%0D%0AInjected: yes')).toEqual({
      ok: false,
      problems: ['entry 1: the value of header "x-a" contains a line break or NUL'],
    });
  });

  it('reports every problem at once', () => {
    const r = parseOtlpHeaders('nope,bad name=1,ok=1');
    expect(r.ok ? [] : r.problems).toEqual(['entry 1: expected name=value', 'entry 2: header name "bad name" is not a valid HTTP token']);
  });
});

describe('parseOtlpHeaders: JSON object (a Secrets Manager secret)', () => {
  it('reads string values, lower-casing names', () => {
    expect(parseOtlpHeaders(`{"X-Api-Key":"${FAKE}","x-team":"payments"}`)).toEqual({ ok: true, headers: { 'x-api-key': FAKE, 'x-team': 'payments' } });
  });

  it('does not percent-decode JSON values', () => {
    expect(parseOtlpHeaders('{"x-a":"50%25"}')).toEqual({ ok: true, headers: { 'x-a': '50%25' } });
  });

  it('writes numbers and booleans as text', () => {
    expect(parseOtlpHeaders('{"x-n":42,"x-b":true}')).toEqual({ ok: true, headers: { 'x-n': '42', 'x-b': 'true' } });
  });

  it('reports a nested value by name only', () => {
    const r = parseOtlpHeaders(`{"x-a":{"secret":"${FAKE}"}}`);
    expect(r).toEqual({ ok: false, problems: ['header "x-a": expected a string value'] });
    expect(JSON.stringify(r)).not.toContain(FAKE);
  });

  it('reports text that starts like JSON but is not', () => {
    expect(parseOtlpHeaders(`{"x-a":"${FAKE}"`)).toEqual({ ok: false, problems: ['the value starts with "{" but is not valid JSON'] });
  });
});

describe('otlpHeaderSource', () => {
  it('gives no headers when none are configured', async () => {
    await expect(otlpHeaderSource(undefined)()).resolves.toEqual({});
  });

  it('resolves and parses the secret text', async () => {
    await expect(otlpHeaderSource(async () => `api-key=${FAKE}`)()).resolves.toEqual({ 'api-key': FAKE });
  });

  it('parses a given text once', async () => {
    const source = otlpHeaderSource(async () => 'a=1');
    const first = await source();
    expect(await source()).toBe(first);
  });

  it('throws OtlpHeaderError for malformed headers, without the value', async () => {
    const source = otlpHeaderSource(async () => `${FAKE}`);
    const err = await source().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OtlpHeaderError);
    expect((err as Error).message).toBe('invalid OTLP headers: entry 1: expected name=value');
  });
});
