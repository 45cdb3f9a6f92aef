import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import type { LogRecord, MetricPoint, Span, Telemetry } from '../../forwarder/model.js';
import { createScrubStage } from '../../forwarder/stages/scrub.js';
import {
  DEFAULT_RULE_NAMES,
  OPTIONAL_RULE_NAMES,
  Scrubber,
  builtinRules,
  compileRule,
} from '../../parsers/scrub/index.js';

const defaults = () => new Scrubber(builtinRules(DEFAULT_RULE_NAMES));

/** All built-in rules plus custom rules whose replacements are hostile to JSON. */
function hostile(): Scrubber {
  const quote = compileRule('quote', 'e', { kind: 'text', text: '"\\' }, { linear: false });
  const digits = compileRule('digits', '[0-9]+', { kind: 'text', text: 'N' }, { linear: false });
  if ('error' in quote || 'error' in digits) throw new Error('test rules must compile');
  return new Scrubber([...builtinRules([...DEFAULT_RULE_NAMES, ...OPTIONAL_RULE_NAMES]), quote.rule, digits.rule]);
}

const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
const token68 = (min: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9._~+/-]{${min},40}$`));

/** A secret planted as text: the text, and the parts that must not survive. */
interface Planted {
  readonly text: string;
  readonly secrets: readonly string[];
}

const textSecret: fc.Arbitrary<Planted> = fc.oneof(
  fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/).map((id) => ({ text: id, secrets: [id] })),
  fc
    .tuple(fc.stringMatching(/^AKIA[A-Z0-9]{16}$/), fc.stringMatching(/^[A-Za-z0-9/+]{40}$/), fc.constantFrom(',', ':', ' '))
    .map(([id, key, sep]) => ({ text: `${id}${sep}${key}`, secrets: [id, key] })),
  fc.stringMatching(/^[A-Za-z0-9/+]{40}$/).map((key) => ({ text: `aws_secret_access_key=${key}`, secrets: [key] })),
  token68(16).map((t) => ({ text: `Authorization: Bearer ${t}`, secrets: [t] })),
  token68(16).map((t) => ({ text: `sent Bearer ${t}`, secrets: [t] })),
  fc
    .tuple(alnum(10, 30), alnum(10, 60), alnum(0, 40))
    .map(([h, p, s]) => ({ text: `eyJ${h}.eyJ${p}.${s}`, secrets: [`eyJ${h}.eyJ${p}`] })),
  fc
    .tuple(fc.constantFrom('RSA ', 'EC ', 'OPENSSH ', ''), fc.array(fc.stringMatching(/^[A-Za-z0-9+/]{16,64}$/), { minLength: 1, maxLength: 4 }))
    .map(([label, lines]) => ({
      text: `-----BEGIN ${label}PRIVATE KEY-----\n${lines.join('\n')}\n-----END ${label}PRIVATE KEY-----`,
      secrets: lines,
    })),
  fc
    .tuple(fc.constantFrom('postgres', 'mysql', 'mongodb+srv', 'redis'), alnum(1, 12), alnum(8, 24))
    .map(([scheme, user, pw]) => ({ text: `${scheme}://${user}:${pw}@db.internal:5432/app`, secrets: [pw] })),
  fc
    .tuple(fc.constantFrom('password', 'DB_PASSWORD', 'client_secret', 'api_key', 'X-Auth-Token'), fc.constantFrom('=', ': ', ' = '), alnum(8, 30))
    .map(([k, sep, v]) => ({ text: `${k}${sep}${v}`, secrets: [v] })),
);

/** A secret planted as a JSON member whose key names a secret. */
const memberSecret = fc.tuple(
  fc.constantFrom('password', 'db_password', 'clientSecret', 'apiKey', 'X-Auth-Token', 'refresh_token', 'private_key', 'SecretString'),
  fc.oneof(
    fc.tuple(alnum(4, 8), fc.string({ minLength: 6, maxLength: 30 })).map(([a, b]) => `Zq${a}${b}`),
    fc.integer({ min: 100_000_000, max: 2_000_000_000 }),
  ),
);

/** Puts `value` somewhere inside `doc`, following `path` (object members and array items). */
function plant(doc: unknown, path: readonly number[], key: string, value: unknown): unknown {
  const place = (node: unknown, depth: number): unknown => {
    const step = path[depth];
    if (Array.isArray(node)) {
      if (step !== undefined && node.length > 0 && step % 3 !== 0) {
        const i = step % node.length;
        return node.map((x, j) => (j === i ? place(x, depth + 1) : x));
      }
      return [...node, { [key]: value }];
    }
    if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      if (step !== undefined && keys.length > 0 && step % 3 !== 0) {
        const k = keys[step % keys.length] as string;
        return { ...(node as object), [k]: place((node as Record<string, unknown>)[k], depth + 1) };
      }
      return { ...(node as object), [key]: value };
    }
    return { data: node, [key]: value };
  };
  return place(doc, 0);
}

/** The forms a secret can take in serialized JSON. */
function forms(secret: string | number): string[] {
  const s = String(secret);
  return [s, JSON.stringify(s).slice(1, -1)];
}

describe('scrubbing properties', () => {
  it('the scrubbed text of any JSON document is still valid JSON, even with hostile custom rules', () => {
    const s = hostile();
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(0, 2), (doc, indent) => {
        const out = s.scrub(JSON.stringify(doc, null, indent));
        expect(() => JSON.parse(out)).not.toThrow();
      }),
      { numRuns: 400 },
    );
  });

  it('a secret planted as text in any JSON document does not survive, and the document stays JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.nat(), { maxLength: 4 }), fc.string(), fc.string(), textSecret, (doc, path, before, after, secret) => {
        const text = JSON.stringify(plant(doc, path, 'msg', `${before} ${secret.text} ${after}`));
        const out = defaults().scrub(text);
        for (const part of secret.secrets) for (const f of forms(part)) expect(out).not.toContain(f);
        expect(() => JSON.parse(out)).not.toThrow();
      }),
      { numRuns: 400 },
    );
  });

  it('a secret planted as a member with a secret-like key does not survive, and the document stays JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.nat(), { maxLength: 4 }), memberSecret, (doc, path, [key, value]) => {
        const out = defaults().scrub(JSON.stringify(plant(doc, path, key, value)));
        for (const f of forms(value)) expect(out).not.toContain(f);
        expect(() => JSON.parse(out)).not.toThrow();
      }),
      { numRuns: 400 },
    );
  });

  it('scrubbing is idempotent: a second pass changes nothing and counts nothing', () => {
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.tuple(fc.string(), textSecret, fc.string()).map(([a, p, b]) => `${a} ${p.text} ${b}`),
      fc.tuple(fc.jsonValue({ maxDepth: 2 }), memberSecret).map(([d, [k, v]]) => JSON.stringify(plant(d, [], k, v))),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const s = new Scrubber(builtinRules([...DEFAULT_RULE_NAMES, ...OPTIONAL_RULE_NAMES]));
        const once = s.scrub(text);
        s.resetRedactions();
        expect(s.scrub(once)).toBe(once);
        expect(s.redactions()).toEqual({});
      }),
      { numRuns: 400 },
    );
  });

  it('no planted secret reaches the intake from any field of logs, metrics or spans', () => {
    const stage = createScrubStage(defaults());
    const ctx = { origin: { source: 'lambda' }, counters: new Counters() };
    fc.assert(
      fc.property(textSecret, fc.string(), (secret, noise) => {
        const t = `${noise} ${secret.text} `;
        const log: LogRecord = {
          type: 'log',
          timestamp: 1704067200000,
          message: t,
          resource: Object.freeze({ 'aws.log.group.names': '/aws/lambda/orders', 'aws.s3.key': t }),
          attributes: { 'http.url': t, list: [t, 'ok'], n: 1 },
          service: t,
          source: 'lambda',
          tags: [`env:${t}`],
          input: 0,
        };
        const metric: MetricPoint = { type: 'metric', name: 'm', value: 1, unit: '1', timestamp: 0, kind: 'count', tags: { k: t }, input: 0 };
        const span: Span = {
          type: 'span',
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
          name: t,
          service: t,
          resource: t,
          startNs: 1n,
          durationNs: 1n,
          error: false,
          attributes: { 'http.url': t },
          metrics: {},
          input: 0,
        };
        const items: Telemetry[] = stage([log, metric, span], ctx);
        const wire = JSON.stringify(items, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
        for (const part of secret.secrets) for (const f of forms(part)) expect(wire).not.toContain(f);
      }),
      { numRuns: 300 },
    );
  });
});
