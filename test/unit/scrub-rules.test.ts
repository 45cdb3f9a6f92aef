import { describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import type { LogRecord, MetricGroup, MetricPoint, Span } from '../../forwarder/model.js';
import { createScrubStage, scrubString } from '../../forwarder/stages/scrub.js';
import {
  type BuiltinRuleName,
  DEFAULT_RULE_NAMES,
  OPTIONAL_RULE_NAMES,
  REDACTED,
  Scrubber,
  builtinRules,
} from '../../parsers/scrub/index.js';
import { loadFixture } from '../helpers/events.js';

interface CorpusCase {
  name: string;
  /** Built-in rule names; "default" = every default rule; absent = the default rules. */
  rules?: string[];
  input: string;
  expected: string;
  redactions: Record<string, number>;
}

const corpus = loadFixture<{ cases: CorpusCase[] }>('scrub/corpus.json').cases;

function rulesOf(c: CorpusCase): BuiltinRuleName[] {
  if (c.rules === undefined) return [...DEFAULT_RULE_NAMES];
  return c.rules.flatMap((n) => (n === 'default' ? [...DEFAULT_RULE_NAMES] : [n as BuiltinRuleName]));
}

const defaults = () => new Scrubber(builtinRules(DEFAULT_RULE_NAMES));
const everything = () => new Scrubber(builtinRules([...DEFAULT_RULE_NAMES, ...OPTIONAL_RULE_NAMES]));

describe('scrubbing corpus (test/events/scrub/corpus.json)', () => {
  it('has both secrets and near-misses', () => {
    expect(corpus.filter((c) => c.input === c.expected).length).toBeGreaterThanOrEqual(20);
    expect(corpus.filter((c) => c.input !== c.expected).length).toBeGreaterThanOrEqual(30);
  });

  for (const c of corpus) {
    it(c.name, () => {
      const scrubber = new Scrubber(builtinRules(rulesOf(c)));
      const out = scrubber.scrub(c.input);
      expect(out).toBe(c.expected);
      expect(scrubber.redactions()).toEqual(c.redactions);
    });
  }

  it('is idempotent on every case: the output scrubs to itself with no new redactions', () => {
    for (const c of corpus) {
      const scrubber = new Scrubber(builtinRules(rulesOf(c)));
      const once = scrubber.scrub(c.input);
      scrubber.resetRedactions();
      expect(scrubber.scrub(once), c.name).toBe(once);
      expect(scrubber.redactions(), c.name).toEqual({});
    }
  });

  it('keeps every JSON input valid JSON', () => {
    for (const c of corpus) {
      let parsed = true;
      try {
        JSON.parse(c.input);
      } catch {
        parsed = false;
      }
      if (parsed) expect(() => JSON.parse(everything().scrub(c.input)), c.name).not.toThrow();
    }
  });
});

describe('Scrubber', () => {
  it('returns the very same string when nothing matches', () => {
    const line = 'START RequestId: 3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42 Version: $LATEST';
    expect(defaults().scrub(line)).toBe(line);
  });

  it('counts per rule across texts, and reset clears the counts', () => {
    const s = defaults();
    s.scrub('password=a1 token=b2');
    s.scrub('AKIAIOSFODNN7EXAMPLE');
    expect(s.redactions()).toEqual({ secret_key_value: 2, aws_access_key_id: 1 });
    s.resetRedactions();
    expect(s.redactions()).toEqual({});
  });

  it('runs nothing when built with no rules', () => {
    const s = new Scrubber([]);
    expect(s.empty).toBe(true);
    expect(s.scrub('password=hunter2')).toBe('password=hunter2');
  });

  it('keeps the text a throwing rule had and runs the other rules', () => {
    const broken = { name: 'broken', apply: (): string => { throw new Error('boom'); } };
    const s = new Scrubber([broken, ...builtinRules(['secret_key_value'])]);
    expect(s.scrub('password=hunter2')).toBe(`password=${REDACTED}`);
  });

  it('lists its rules in run order: the secret key rule before the access key id rule', () => {
    expect(defaults().ruleNames).toEqual([...DEFAULT_RULE_NAMES]);
    expect(DEFAULT_RULE_NAMES.indexOf('aws_secret_access_key')).toBeLessThan(DEFAULT_RULE_NAMES.indexOf('aws_access_key_id'));
  });
});

describe('built-in rules on long and hostile inputs', () => {
  // Each finishes (the test has vitest's timeout, no clock assertion) with the exact output.
  const big = 200_000;

  it('a long value after a secret key', () => {
    const out = defaults().scrub(`password=${'a'.repeat(big)} end`);
    expect(out).toBe(`password=${REDACTED} end`);
  });

  it('a long base64 run after a secret access key name, and one that is not 40 long', () => {
    const s = defaults();
    expect(s.scrub(`aws_secret_access_key=${'A'.repeat(big)}`)).toBe(`aws_secret_access_key=${REDACTED}`);
    expect(s.redactions()).toEqual({ secret_key_value: 1 });
  });

  it('many AKIA prefixes with nothing after them', () => {
    const text = 'AKIA '.repeat(big / 5);
    expect(defaults().scrub(text)).toBe(text);
  });

  it('a private key header with no END and a long body', () => {
    const out = defaults().scrub(`-----BEGIN PRIVATE KEY-----\n${'QUJD'.repeat(big / 4)}\n"}`);
    expect(out).toBe(`-----BEGIN PRIVATE KEY-----${REDACTED}"}`);
  });

  it('a long base64url run made of "eyJ" (each a possible JWT start)', () => {
    const text = `x.eyJ ${'eyJ'.repeat(big / 3)}`;
    expect(defaults().scrub(text)).toBe(text);
  });

  it('many "://" without userinfo, and many key words without values', () => {
    const text = `${'http://'.repeat(big / 7)} ${'token '.repeat(big / 6)}`;
    expect(defaults().scrub(text)).toBe(text);
  });

  it('optional rules on runs of @, colons, digits and dots', () => {
    const s = everything();
    for (const text of ['@'.repeat(big), 'a@'.repeat(big / 2), ':'.repeat(big), '1:'.repeat(big / 2), '9'.repeat(big), '1.'.repeat(big / 2), '4 '.repeat(big / 2), '+1'.repeat(big / 2)]) {
      expect(s.scrub(text)).toBe(text);
    }
  });

  it('an unterminated quoted secret value runs to the end of the line only', () => {
    expect(defaults().scrub('{"password":"hunter2\nnext line')).toBe(`{"password":"${REDACTED}\nnext line`);
  });
});

describe('createScrubStage', () => {
  const ctx = { origin: { source: 'lambda', logGroup: '/aws/lambda/orders-api' }, counters: new Counters() };
  const TAGS = Object.freeze(['env:prod', 'token:abc123']);
  const RESOURCE = Object.freeze({ 'cloud.provider': 'aws', 'aws.log.group.names': '/aws/lambda/orders-api' });

  function record(message: string, extra: Partial<LogRecord> = {}): LogRecord {
    return {
      type: 'log',
      timestamp: 1704067200000,
      message,
      resource: RESOURCE,
      attributes: { 'http.url': 'https://api.example.com/x?access_token=abc123', n: 3 },
      service: 'orders-api',
      source: 'lambda',
      tags: TAGS,
      input: 0,
      ...extra,
    };
  }

  it('scrubs message, string attributes, string[] attributes, tags and service in place', () => {
    const scrubber = defaults();
    const r = record('login password=hunter2', {
      attributes: { list: ['ok', 'Bearer 0123456789abcdef0123'], n: 3, 'http.url': 'https://x/?token=abc123' },
      service: 'svc password=hunter2',
    });
    const items = [r];
    expect(createScrubStage(scrubber)(items, ctx)).toBe(items);
    expect(r.message).toBe(`login password=${REDACTED}`);
    expect(r.attributes).toEqual({ list: ['ok', `Bearer ${REDACTED}`], n: 3, 'http.url': `https://x/?token=${REDACTED}` });
    expect(r.tags).toEqual(['env:prod', `token:${REDACTED}`]);
    expect(r.service).toBe(`svc password=${REDACTED}`);
  });

  it('never mutates a tag list shared by a batch; records sharing it get one scrubbed copy', () => {
    const a = record('a');
    const b = record('b');
    createScrubStage(defaults())([a, b], ctx);
    expect(TAGS).toEqual(['env:prod', 'token:abc123']);
    expect(a.tags).toEqual(['env:prod', `token:${REDACTED}`]);
    expect(b.tags).toBe(a.tags);
  });

  it('never mutates a resource shared by a batch; a changed one is replaced by one frozen copy', () => {
    const shared = Object.freeze({ 'aws.s3.bucket': 'exports', 'aws.s3.key': 'dumps/password=hunter2/part-0.gz' });
    const a = record('a', { resource: shared });
    const b = record('b', { resource: shared });
    const c = record('c');
    createScrubStage(defaults())([a, b, c], ctx);
    expect(shared['aws.s3.key']).toBe('dumps/password=hunter2/part-0.gz');
    // An unquoted value runs to whitespace or one of , ; & ) ] } < > (a password may hold a '/').
    expect(a.resource).toEqual({ 'aws.s3.bucket': 'exports', 'aws.s3.key': `dumps/password=${REDACTED}` });
    expect(Object.isFrozen(a.resource)).toBe(true);
    expect(b.resource).toBe(a.resource);
    expect(c.resource).toBe(RESOURCE);
  });

  it('scrubs and counts a shared resource once per batch when the batch comes in slices', () => {
    const scrubber = defaults();
    const stage = createScrubStage(scrubber);
    const batch = { ...ctx, counters: new Counters() };
    const shared = Object.freeze({ 'aws.s3.key': 'dumps/password=hunter2/part-0.gz' });
    const first = [record('a', { resource: shared }), record('b', { resource: shared })];
    const second = [record('c', { resource: shared })];
    stage(first, batch);
    stage(second, batch);
    expect(second[0]?.resource).toBe(first[0]?.resource);
    // The shared resource once, the shared tag list once, the token in each record's own http.url.
    expect(scrubber.redactions()).toEqual({ secret_key_value: 1 + 1 + 3 });
  });

  it('re-parses the JSON view of a message it changed', () => {
    const message = '{"user":"bob","password":"hunter2"}';
    const r = record(message, { json: JSON.parse(message) as Record<string, unknown> });
    createScrubStage(defaults())([r], ctx);
    expect(r.json).toEqual({ user: 'bob', password: REDACTED });
  });

  it('scrubs metric tag values and span name, resource, service and attributes', () => {
    const metric: MetricPoint = { type: 'metric', name: 'orders', value: 1, unit: '1', timestamp: 0, kind: 'count', tags: { url: 'postgres://u:pw1234@db/x', env: 'prod' }, input: 0 };
    const span: Span = {
      type: 'span',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'GET /x?api_key=k1',
      service: 'svc',
      resource: 'GET /x?api_key=k1',
      startNs: 1n,
      durationNs: 2n,
      error: false,
      attributes: { 'http.url': '/x?api_key=k1', 'db.user': 'app' },
      metrics: { n: 1 },
      input: 0,
    };
    const group: MetricGroup = { type: 'metrics', names: ['a', 'b'], values: [1, 2], units: ['1', '1'], timestamp: 0, kind: 'distribution', tags: { url: 'postgres://u:pw1234@db/x' }, input: 0 };
    createScrubStage(defaults())([metric, span, group], ctx);
    expect(metric.tags).toEqual({ url: `postgres://u:${REDACTED}@db/x`, env: 'prod' });
    expect(group.tags).toEqual({ url: `postgres://u:${REDACTED}@db/x` });
    expect([span.name, span.resource, span.attributes['http.url'], span.attributes['db.user']]).toEqual([
      `GET /x?api_key=${REDACTED}`,
      `GET /x?api_key=${REDACTED}`,
      `/x?api_key=${REDACTED}`,
      'app',
    ]);
  });

  it('counts every redaction, including the same value repeated across records', () => {
    const scrubber = defaults();
    createScrubStage(scrubber)([record('password=a1'), record('password=a1')], ctx);
    // Per record: the message, the access_token in http.url; the shared tag list once.
    expect(scrubber.redactions()).toEqual({ secret_key_value: 5 });
  });

  it('is a no-op without rules', () => {
    const r = record('password=hunter2');
    createScrubStage(new Scrubber([]))([r], ctx);
    expect(r.message).toBe('password=hunter2');
  });

  it('scrubString applies the rules to one string', () => {
    expect(scrubString(defaults(), 'failed with Authorization: Bearer abc')).toBe(`failed with Authorization: Bearer ${REDACTED}`);
  });
});
