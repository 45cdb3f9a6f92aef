import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HASH_SALT,
  DEFAULT_RULE_NAMES,
  Scrubber,
  builtinRules,
  compileRule,
  LINEAR_ABOVE,
  compileUserPattern,
  enableLinearRegexEngine,
  parseCustomRules,
} from '../../parsers/scrub/index.js';

const linear = enableLinearRegexEngine();
const reserved = [...DEFAULT_RULE_NAMES];

function rules(spec: unknown, options: { linear?: boolean } = {}) {
  return parseCustomRules(spec, { linear: options.linear ?? linear, reserved });
}

function scrubberOf(spec: unknown): Scrubber {
  const parsed = rules(spec);
  expect(parsed.problems).toEqual([]);
  return new Scrubber(parsed.rules);
}

const hmac16 = (value: string, salt: string) => createHmac('sha256', salt).update(value).digest('hex').slice(0, 16);

describe('custom rules', () => {
  it('replace every match with fixed text and count per rule', () => {
    const s = scrubberOf([{ name: 'customer_id', pattern: 'cust-[0-9]{6}', replacement: 'cust-XXXXXX' }]);
    expect(s.scrub('orders for cust-123456 and cust-654321')).toBe('orders for cust-XXXXXX and cust-XXXXXX');
    expect(s.redactions()).toEqual({ customer_id: 2 });
  });

  it('write the replacement literally: $1 and $& are not expanded', () => {
    const s = scrubberOf([{ name: 'r', pattern: '(a)b', replacement: '$1-$&' }]);
    expect(s.scrub('xab')).toBe('x$1-$&');
  });

  it('hash with the documented default salt: the first 16 hex digits of HMAC-SHA256', () => {
    const s = scrubberOf([{ name: 'user', pattern: 'user-[0-9]+', hash: true }]);
    expect(DEFAULT_HASH_SALT).toBe('log-forwarder/scrub/v1');
    expect(s.scrub('login user-42')).toBe(`login ${hmac16('user-42', DEFAULT_HASH_SALT)}`);
  });

  it('hash equal values equally and different values differently (joinable)', () => {
    const s = scrubberOf([{ name: 'user', pattern: 'user-[0-9]+', hash: true }]);
    const [a, b, c] = s.scrub('user-42 user-42 user-43').split(' ');
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('hash with a per-deployment salt when the rule has one', () => {
    const s = scrubberOf([{ name: 'user', pattern: 'user-[0-9]+', hash: true, salt: 'prod-eu-7f3a' }]);
    expect(s.scrub('user-42')).toBe(hmac16('user-42', 'prod-eu-7f3a'));
    expect(s.scrub('user-42')).not.toBe(hmac16('user-42', DEFAULT_HASH_SALT));
  });

  it('honour ignoreCase', () => {
    const s = scrubberOf([{ name: 'sess', pattern: 'session-[a-f0-9]{8}', replacement: 'session-?', ignoreCase: true }]);
    expect(s.scrub('SESSION-DEADBEEF and session-0badf00d')).toBe('session-? and session-?');
  });

  it('run after the built-in rules, in the order given', () => {
    const custom = rules([
      { name: 'first', pattern: 'alpha', replacement: 'beta' },
      { name: 'second', pattern: 'beta', replacement: 'gamma' },
    ]);
    const s = new Scrubber([...builtinRules(DEFAULT_RULE_NAMES), ...custom.rules]);
    expect(s.scrub('alpha password=alpha')).toBe('gamma password=[REDACTED]');
    expect(s.ruleNames.slice(-2)).toEqual(['first', 'second']);
  });

  it('keep a JSON message valid when the replacement has a quote', () => {
    const s = scrubberOf([{ name: 'q', pattern: 'secret-[0-9]+', replacement: 'a"b\\c' }]);
    const out = s.scrub('{"msg":"found secret-123 here","n":1}');
    expect(JSON.parse(out)).toEqual({ msg: 'found a"b\\c here', n: 1 });
    expect(s.redactions()).toEqual({ q: 1 });
  });
});

describe('a bad custom rule names itself', () => {
  const cases: Array<[string, unknown, string]> = [
    ['not an array', { name: 'x' }, 'expected a JSON array of rules'],
    ['not an object', ['x'], 'rule #1: expected an object with name, pattern and replacement or hash'],
    ['no name', [{ pattern: 'a', replacement: 'b' }], 'rule #1: "name" must be 1-64 letters, digits, _ . or -'],
    ['a name with spaces', [{ name: 'my rule', pattern: 'a', replacement: 'b' }], 'rule "my rule": "name" must be 1-64 letters, digits, _ . or -'],
    ['an invalid pattern', [{ name: 'broken', pattern: '(unclosed', replacement: 'x' }], 'rule "broken": not a valid regular expression'],
    ['an empty pattern', [{ name: 'empty', pattern: '', replacement: 'x' }], 'rule "empty": "pattern" must be a non-empty string'],
    ['a pattern that matches the empty string', [{ name: 'stars', pattern: 'a*', replacement: 'x' }], 'rule "stars": the pattern can match the empty string'],
    ['replacement and hash', [{ name: 'both', pattern: 'a', replacement: 'b', hash: true }], 'rule "both": set either "replacement" or "hash": true, not both'],
    ['neither replacement nor hash', [{ name: 'neither', pattern: 'a' }], 'rule "neither": set "replacement" (text) or "hash": true'],
    ['a salt without hash', [{ name: 'salty', pattern: 'a', replacement: 'b', salt: 's' }], 'rule "salty": "salt" only applies with "hash": true'],
    ['an unknown field', [{ name: 'typo', pattern: 'a', replace: 'b' }], 'rule "typo": unknown field replace'],
    ['a built-in name', [{ name: 'jwt', pattern: 'a', replacement: 'b' }], 'rule "jwt": the name is already used by another rule'],
  ];
  for (const [what, spec, message] of cases) {
    it(what, () => {
      const parsed = rules(spec);
      expect(parsed.problems).toHaveLength(1);
      expect(parsed.problems[0]).toContain(message);
    });
  }

  it('a duplicate name, reported on the second rule, the first kept', () => {
    const parsed = rules([
      { name: 'dup', pattern: 'a', replacement: 'b' },
      { name: 'dup', pattern: 'c', replacement: 'd' },
    ]);
    expect(parsed.problems).toEqual(['rule "dup": the name is already used by another rule']);
    expect(parsed.rules.map((r) => r.name)).toEqual(['dup']);
  });

  it('every bad rule at once, the good ones compiled', () => {
    const parsed = rules([
      { name: 'good', pattern: 'a', replacement: 'b' },
      { name: 'bad1', pattern: '[', replacement: 'x' },
      { name: 'bad2', pattern: 'a' },
    ]);
    expect(parsed.rules.map((r) => r.name)).toEqual(['good']);
    expect(parsed.problems.map((p) => p.slice(0, 11))).toEqual(['rule "bad1"', 'rule "bad2"']);
  });
});

describe('catastrophic backtracking guard', () => {
  const hostileInput = `${'a'.repeat(50_000)}!`;

  it('enableLinearRegexEngine reports what this Node can do, and says the same when asked again', () => {
    // Checked on Node 20 (V8 11.3): available. Where it is not, the static check guards instead.
    expect(enableLinearRegexEngine()).toBe(linear);
    if (linear) expect(new RegExp('(a+)+$', 'l').test(hostileInput)).toBe(false);
    else expect(() => new RegExp('a', 'l')).toThrow(SyntaxError);
  });

  it('(a+)+$ on 50,000 "a" and a "!" finishes: run on the linear engine, or refused at start-up', () => {
    const compiled = compileRule('hostile', '(a+)+$', { kind: 'text', text: 'X' }, { linear });
    if (!linear) {
      expect(compiled).toEqual({ error: expect.stringContaining('nested repetition (a+)+') });
      return;
    }
    if ('error' in compiled) throw new Error(compiled.error);
    expect(compiled.rule.engine).toBe('linear');
    const s = new Scrubber([compiled.rule]);
    expect(s.scrub(hostileInput)).toBe(hostileInput);
    expect(s.scrub('xaaa')).toBe('xX');
  });

  it('ignore-case patterns run on the linear engine too (case folded by rewriting), or are refused', () => {
    const compiled = compileUserPattern('(?i)(x+x+)+y', { linear });
    if (!compiled.ok) {
      expect(linear).toBe(false);
      return;
    }
    expect(compiled.pattern.engine).toBe('linear');
    expect(compiled.pattern.replaceAll('X'.repeat(30_000), () => '-')).toBe('X'.repeat(30_000));
    expect(compiled.pattern.replaceAll('aXxXyb', () => '-')).toBe('a-b');
  });

  it('case folding for the linear engine matches what the i flag matches', () => {
    const source = '([a-c]+\\d?)+[^x-z]Q-[-a]';
    const compiled = compileUserPattern(`(?i)${source}`, { linear });
    const reference = new RegExp(source, 'gi');
    for (const text of ['abC1aq-A', 'ABc9Xq-a', 'cc Zq--', 'xyz', 'AbCaQ-b', 'ccXQ-A']) {
      const want = text.replace(reference, '-');
      if (compiled.ok) expect(compiled.pattern.replaceAll(text, () => '-'), text).toBe(want);
      else expect(linear).toBe(false);
    }
  });

  it('a pattern that passes the static check runs on the fast engine, and on the linear one past 4096 characters', () => {
    const compiled = compileUserPattern('[a-z]+@x', { linear });
    if (!compiled.ok) throw new Error(compiled.error);
    expect(compiled.pattern.engine).toBe(linear ? 'dual' : 'backtracking');
    expect(LINEAR_ABOVE).toBe(4096);
    // Quadratic on the backtracking engine over a long run of letters; it finishes here.
    const long = `${'a'.repeat(200_000)}!`;
    expect(compiled.pattern.test(long)).toBe(false);
    expect(compiled.pattern.replaceAll(`${'a'.repeat(5000)}@x`, () => 'E')).toBe('E');
    expect(compiled.pattern.replaceAll('me@x', () => 'E')).toBe('E');
  });

  it('.*a.*b (cubic on backtracking) runs on the linear engine only, or is refused', () => {
    const compiled = compileUserPattern('.*a.*b', { linear });
    if (!compiled.ok) {
      expect(compiled.error).toBe('repetitions of overlapping characters .*a.*, separated only by characters the first also matches, take polynomial time');
      return;
    }
    expect(compiled.pattern.engine).toBe('linear');
    expect(compiled.pattern.test('a'.repeat(20_000))).toBe(false);
  });

  it('without the linear engine, (a+)+$ is rejected at start-up, naming the construct', () => {
    const parsed = rules([{ name: 'hostile', pattern: '(a+)+$', replacement: 'X' }], { linear: false });
    expect(parsed.problems).toEqual([
      'rule "hostile": nested repetition (a+)+ (a repeated group containing an unbounded repetition) can take exponential time',
    ]);
  });

  it('a pattern the linear engine refuses goes through the static check', () => {
    // Backreferences: refused by both.
    expect(rules([{ name: 'br', pattern: '(a+)\\1', replacement: 'x' }]).problems).toEqual([
      'rule "br": backreference \\1 can take exponential time',
    ]);
    // Lookbehind + a counted repetition past 16: not linear, but safe for backtracking.
    const ok = rules([{ name: 'card4', pattern: '(?<=card )\\d{12,19}', replacement: 'x' }]);
    expect(ok.problems).toEqual([]);
    expect(ok.rules[0]?.engine).toBe('backtracking');
    // Lookbehind around a hostile shape: rejected.
    expect(rules([{ name: 'lb', pattern: '(?<=x)(\\w+\\s?)+$', replacement: 'x' }]).problems[0]).toContain('nested repetition');
  });

  it('the static check rejects the other catastrophic shapes', () => {
    const check = (p: string) => compileUserPattern(p, { linear: false });
    expect(check('(a|ab)*c')).toEqual({ ok: false, error: 'alternatives that can match the same text in repeated (a|ab) can take exponential time' });
    expect(check('\\d+\\d+x')).toEqual({ ok: false, error: 'adjacent repetitions of overlapping characters \\d+\\d+ take polynomial time' });
    expect(check('x.*\\s*$')).toEqual({ ok: false, error: 'adjacent repetitions of overlapping characters .*\\s* take polynomial time' });
    expect(check('(a{1,3})+b')).toMatchObject({ ok: false });
    for (const safe of ['(GET|POST|PUT)+ /', '(\\d{1,3}\\.){3}\\d{1,3}', '\\S+\\s+\\S+', '[^"]*"[^"]*"', '\\w+=\\w+', 'user-\\d+']) {
      expect(check(safe), safe).toMatchObject({ ok: true, pattern: { engine: 'backtracking' } });
    }
  });

  it('a hostile pattern in the static-check world finishes by being refused; a safe one runs on hostile input', () => {
    const safe = compileRule('safe', 'a+!', { kind: 'text', text: 'X' }, { linear: false });
    if ('error' in safe) throw new Error(safe.error);
    expect(new Scrubber([safe.rule]).scrub(`b${hostileInput}`)).toBe('bX');
  });
});

describe('Python syntax (Datadog Forwarder settings)', () => {
  const py = (p: string) => {
    const compiled = compileUserPattern(p, { linear, dialect: 'python' });
    if (!compiled.ok) throw new Error(compiled.error);
    return (text: string) => compiled.pattern.replaceAll(text, () => '-');
  };

  it('translates named groups, \\A and \\Z, and a leading (?i)', () => {
    // A backreference, (?P=word): refused, as any.
    expect(compileUserPattern('(?P<word>ab)(?P=word)', { linear, dialect: 'python' }).ok).toBe(false);
    expect(py('\\Aabc\\Z')('abc')).toBe('-');
    expect(py('\\Aabc\\Z')('xabc')).toBe('xabc');
    expect(py('(?i)secret-\\d+')('SECRET-12 and secret-3')).toBe('- and -');
    expect(py('(?P<id>\\d{3})-x')('123-x')).toBe('-');
  });

  it('refuses inline flags it cannot honour', () => {
    expect(compileUserPattern('(?x) a b', { linear, dialect: 'python' })).toEqual({ ok: false, error: 'inline flag (?x) is not supported' });
  });
});
