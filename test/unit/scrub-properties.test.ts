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

/**
 * A secret planted as text: the text, the parts that must not survive, and the text with those
 * parts blanked out (what the scrubber may rightly keep).
 */
interface Planted {
  readonly text: string;
  readonly secrets: readonly string[];
  readonly context: string;
}

/** Builds a planted text from literal pieces and `{ secret }` pieces. */
function planted(...pieces: ReadonlyArray<string | { readonly secret: string }>): Planted {
  const text = pieces.map((p) => (typeof p === 'string' ? p : p.secret)).join('');
  const secrets = pieces.flatMap((p) => (typeof p === 'string' ? [] : [p.secret]));
  const context = pieces.map((p) => (typeof p === 'string' ? p : ' ')).join('');
  return { text, secrets, context };
}

/**
 * Whether a form of a secret also occurs in text that is not the secret. fast-check biases its
 * strings towards slices of names such as `toString`, `constructor` or `prototype`, so a random
 * key, string or user name can hold the planted secret's value: `postgres://structor:structor@…`
 * keeps its user by design, and `"toString"` elsewhere in the document is no secret. The scrubber
 * rightly keeps those, so such inputs say nothing about it and are discarded.
 */
const occursElsewhere = (secrets: readonly string[], rest: string): boolean =>
  secrets.some((part) => forms(part).some((f) => rest.includes(f)));

const textSecret: fc.Arbitrary<Planted> = fc.oneof(
  fc.stringMatching(/^(AKIA|ASIA)[A-Z0-9]{16}$/).map((id) => planted({ secret: id })),
  fc
    .tuple(fc.stringMatching(/^AKIA[A-Z0-9]{16}$/), fc.stringMatching(/^[A-Za-z0-9/+]{40}$/), fc.constantFrom(',', ':', ' '))
    .map(([id, key, sep]) => planted({ secret: id }, sep, { secret: key })),
  fc.stringMatching(/^[A-Za-z0-9/+]{40}$/).map((key) => planted('aws_secret_access_key=', { secret: key })),
  token68(16).map((t) => planted('Authorization: Bearer ', { secret: t })),
  token68(16).map((t) => planted('sent Bearer ', { secret: t })),
  fc
    .tuple(alnum(10, 30), alnum(10, 60), alnum(0, 40))
    .map(([h, p, s]) => planted({ secret: `eyJ${h}.eyJ${p}` }, `.${s}`)),
  fc
    .tuple(fc.constantFrom('RSA ', 'EC ', 'OPENSSH ', ''), fc.array(fc.stringMatching(/^[A-Za-z0-9+/]{16,64}$/), { minLength: 1, maxLength: 4 }))
    .map(([label, lines]) =>
      planted(`-----BEGIN ${label}PRIVATE KEY-----\n`, ...lines.flatMap((line) => [{ secret: line }, '\n']), `-----END ${label}PRIVATE KEY-----`),
    ),
  fc
    .tuple(fc.constantFrom('postgres', 'mysql', 'mongodb+srv', 'redis'), alnum(1, 12), alnum(8, 24))
    .map(([scheme, user, pw]) => planted(`${scheme}://${user}:`, { secret: pw }, '@db.internal:5432/app')),
  fc
    .tuple(fc.constantFrom('password', 'DB_PASSWORD', 'client_secret', 'api_key', 'X-Auth-Token'), fc.constantFrom('=', ': ', ' = '), alnum(8, 30))
    .map(([k, sep, v]) => planted(`${k}${sep}`, { secret: v })),
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
        fc.pre(!occursElsewhere(secret.secrets, JSON.stringify(plant(doc, path, 'msg', `${before} ${secret.context} ${after}`))));
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
    /** A log, a metric and a span carrying `t` in every field that can hold text. */
    const carrying = (t: string): Telemetry[] => {
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
      return [log, metric, span];
    };
    const serialize = (items: Telemetry[]) => JSON.stringify(items, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    fc.assert(
      fc.property(textSecret, fc.string(), (secret, noise) => {
        fc.pre(!occursElsewhere(secret.secrets, serialize(carrying(`${noise} ${secret.context} `))));
        const wire = serialize(stage(carrying(`${noise} ${secret.text} `), ctx));
        for (const part of secret.secrets) for (const f of forms(part)) expect(wire).not.toContain(f);
      }),
      { numRuns: 300 },
    );
  });
});
