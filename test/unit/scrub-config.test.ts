import { describe, expect, it } from 'vitest';
import { EnvReader } from '../../forwarder/config/reader.js';
import { DD_SCRUBBING_RULE_NAME, readFiltering, readScrubbing } from '../../forwarder/config/scrubbing.js';
import { SETTINGS } from '../../forwarder/config/settings.js';
import { DEFAULT_RULE_NAMES, Scrubber } from '../../parsers/scrub/index.js';

function scrubbing(env: Record<string, string>) {
  const r = new EnvReader(env);
  const config = readScrubbing(r);
  return { config, problems: r.problems, scrubber: new Scrubber(config.rules) };
}

function filtering(env: Record<string, string>) {
  const r = new EnvReader(env);
  return { config: readFiltering(r), problems: r.problems };
}

/** What loadConfig does to the config before handing it out. */
function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !(o instanceof RegExp) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

describe('readScrubbing', () => {
  it('turns the default rules on, and nothing else, when nothing is set', () => {
    const { config, problems } = scrubbing({});
    expect(problems).toEqual([]);
    expect(config.rules.map((r) => r.name)).toEqual([...DEFAULT_RULE_NAMES]);
    expect(config.engines).toEqual({});
  });

  it('SCRUB_DEFAULT_RULES=false turns them off', () => {
    expect(scrubbing({ SCRUB_DEFAULT_RULES: 'false' }).config.rules).toEqual([]);
  });

  it('SCRUB_DEFAULT_RULES can list a subset of the default rules', () => {
    const { config, problems } = scrubbing({ SCRUB_DEFAULT_RULES: 'jwt, private_key' });
    expect(problems).toEqual([]);
    expect(config.rules.map((r) => r.name)).toEqual(['private_key', 'jwt']);
  });

  it('SCRUB_DEFAULT_RULES with an unknown name is a problem naming the variable and the allowed names', () => {
    expect(scrubbing({ SCRUB_DEFAULT_RULES: 'jwt,passwords' }).problems).toEqual([
      `SCRUB_DEFAULT_RULES: expected true, false or names from ${DEFAULT_RULE_NAMES.join(', ')}, got "passwords"`,
    ]);
  });

  it('SCRUB_OPTIONAL_RULES adds personal-data rules after the defaults', () => {
    const { config } = scrubbing({ SCRUB_OPTIONAL_RULES: 'phone,email' });
    expect(config.rules.map((r) => r.name)).toEqual([...DEFAULT_RULE_NAMES, 'email', 'phone']);
  });

  it('SCRUB_OPTIONAL_RULES with an unknown name is a problem', () => {
    expect(scrubbing({ SCRUB_OPTIONAL_RULES: 'email,ssn' }).problems).toEqual([
      'SCRUB_OPTIONAL_RULES: expected names from email, ipv4, ipv6, credit_card, phone, got "ssn"',
    ]);
  });

  it('SCRUB_CUSTOM_RULES adds the rules after the built-in ones, with their engines', () => {
    const { config, problems, scrubber } = scrubbing({
      SCRUB_CUSTOM_RULES: JSON.stringify([{ name: 'order_ref', pattern: 'ORD-[0-9]{8}', hash: true }]),
    });
    expect(problems).toEqual([]);
    expect(config.rules.map((r) => r.name)).toEqual([...DEFAULT_RULE_NAMES, 'order_ref']);
    expect(config.engines).toEqual({ order_ref: expect.stringMatching(/^(dual|backtracking)$/) });
    expect(scrubber.scrub('ref ORD-12345678')).toMatch(/^ref [0-9a-f]{16}$/);
  });

  it('SCRUB_CUSTOM_RULES that is not JSON, or holds a bad rule, is a problem naming the variable and the rule', () => {
    expect(scrubbing({ SCRUB_CUSTOM_RULES: '[{name:' }).problems).toEqual(['SCRUB_CUSTOM_RULES: expected JSON']);
    const { problems } = scrubbing({ SCRUB_CUSTOM_RULES: JSON.stringify([{ name: 'ids', pattern: '(', replacement: 'x' }]) });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SCRUB_CUSTOM_RULES: rule "ids": not a valid regular expression/);
  });

  it('a compiled config still works once loadConfig has deep-frozen it', () => {
    const { config } = scrubbing({
      SCRUB_OPTIONAL_RULES: 'email',
      SCRUB_CUSTOM_RULES: JSON.stringify([{ name: 'x', pattern: 'secret-[0-9]+', replacement: 'S' }]),
    });
    const s = new Scrubber(deepFreeze(config).rules);
    expect(s.scrub('password=a a@b.io secret-1')).toBe('password=[REDACTED] xxxxx@xxxxx.com S');
    expect(s.scrub('secret-2')).toBe('S');
  });
});

describe('Datadog Forwarder scrubbing settings', () => {
  it('REDACT_IP=true adds the ipv4 rule, which writes the Forwarder placeholder', () => {
    const { config, scrubber } = scrubbing({ REDACT_IP: 'true' });
    expect(config.rules.map((r) => r.name)).toContain('ipv4');
    expect(scrubber.scrub('client 203.0.113.42 connected')).toBe('client xxx.xxx.xxx.xxx connected');
  });

  it('REDACT_EMAIL=true adds the email rule, which writes the Forwarder placeholder', () => {
    const { scrubber } = scrubbing({ REDACT_EMAIL: 'TRUE' });
    expect(scrubber.scrub('to jane.doe@example.com')).toBe('to xxxxx@xxxxx.com');
  });

  it('REDACT_IP=false adds nothing; a non-boolean is a problem', () => {
    expect(scrubbing({ REDACT_IP: 'false' }).config.rules.map((r) => r.name)).not.toContain('ipv4');
    expect(scrubbing({ REDACT_IP: 'sometimes' }).problems).toEqual(['REDACT_IP: expected true or false, got "sometimes"']);
  });

  it('DD_SCRUBBING_RULE becomes dd_scrubbing_rule, replacing every match with xxxxx by default', () => {
    const { config, scrubber } = scrubbing({ DD_SCRUBBING_RULE: 'acct-\\d+' });
    expect(config.rules.map((r) => r.name).at(-1)).toBe(DD_SCRUBBING_RULE_NAME);
    expect(scrubber.scrub('acct-1 and acct-22')).toBe('xxxxx and xxxxx');
    expect(scrubber.redactions()).toEqual({ dd_scrubbing_rule: 2 });
  });

  it('DD_SCRUBBING_RULE_REPLACEMENT sets the replacement', () => {
    const { scrubber } = scrubbing({ DD_SCRUBBING_RULE: 'acct-\\d+', DD_SCRUBBING_RULE_REPLACEMENT: '<acct>' });
    expect(scrubber.scrub('acct-1')).toBe('<acct>');
  });

  it('DD_SCRUBBING_RULE is read as a Python pattern', () => {
    const { scrubber, problems } = scrubbing({ DD_SCRUBBING_RULE: '(?i)(?P<kind>ssn)-\\d{3}' });
    expect(problems).toEqual([]);
    expect(scrubber.scrub('SSN-123 ssn-456')).toBe('xxxxx xxxxx');
  });

  it('a bad DD_SCRUBBING_RULE is a problem naming the variable', () => {
    const { problems } = scrubbing({ DD_SCRUBBING_RULE: '[unclosed' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^DD_SCRUBBING_RULE: not a valid regular expression/);
  });

  it('is applied to each field, unescaped: a JSON message keeps its quotes', () => {
    const { scrubber } = scrubbing({ DD_SCRUBBING_RULE: '"card": "\\d+"', DD_SCRUBBING_RULE_REPLACEMENT: '"card": "?"' });
    expect(scrubber.scrub('{"card": "1234"}')).toBe('{"card": "?"}');
  });
});

describe('readFiltering', () => {
  it('is empty when nothing is set', () => {
    expect(filtering({})).toEqual({ config: { dropSources: [], dropLogGroups: [], dropLogGroupPrefixes: [] }, problems: [] });
  });

  it('compiles INCLUDE_PATTERN and EXCLUDE_PATTERN (JavaScript syntax), searched not anchored', () => {
    const { config, problems } = filtering({ INCLUDE_PATTERN: 'ERROR|REPORT', EXCLUDE_PATTERN: 'healthcheck' });
    expect(problems).toEqual([]);
    expect(config.include?.test('x ERROR y')).toBe(true);
    expect(config.include?.test('x INFO y')).toBe(false);
    expect(config.exclude?.test('GET /healthcheck 200')).toBe(true);
  });

  it('reads INCLUDE_AT_MATCH and EXCLUDE_AT_MATCH as Python patterns searched in the message', () => {
    const { config, problems } = filtering({ INCLUDE_AT_MATCH: '\\b[4|5][0-9][0-9]\\b', EXCLUDE_AT_MATCH: '\\A(START|END) RequestId:\\s' });
    expect(problems).toEqual([]);
    expect(config.include?.test('GET /x 503 12ms')).toBe(true);
    expect(config.include?.test('GET /x 200 12ms')).toBe(false);
    expect(config.exclude?.test('START RequestId: 3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42 Version: $LATEST')).toBe(true);
    expect(config.exclude?.test('x START RequestId: y')).toBe(false);
  });

  it('setting a pattern and its Datadog alias is a problem', () => {
    expect(filtering({ INCLUDE_PATTERN: 'a', INCLUDE_AT_MATCH: 'a' }).problems).toEqual(['INCLUDE_PATTERN, INCLUDE_AT_MATCH: set only one of them']);
  });

  it('a bad or hostile pattern is a problem naming the variable', () => {
    expect(filtering({ EXCLUDE_AT_MATCH: '(' }).problems[0]).toMatch(/^EXCLUDE_AT_MATCH: not a valid regular expression/);
    expect(filtering({ INCLUDE_PATTERN: '(x)\\1' }).problems).toEqual(['INCLUDE_PATTERN: backreference \\1 can take exponential time']);
  });

  it('a hostile pattern the linear engine accepts finishes on hostile input', () => {
    const { config, problems } = filtering({ EXCLUDE_PATTERN: '(a+)+$' });
    if (problems.length > 0) {
      // Without the linear engine on this Node, the static check refuses it instead.
      expect(problems).toEqual(['EXCLUDE_PATTERN: nested repetition (a+)+ (a repeated group containing an unbounded repetition) can take exponential time']);
      return;
    }
    expect(config.exclude?.test(`${'a'.repeat(50_000)}!`)).toBe(false);
  });

  it('reads DROP_SOURCES in lower case and DROP_LOG_GROUPS as names and prefixes', () => {
    const { config, problems } = filtering({ DROP_SOURCES: 'CloudTrail, vpc', DROP_LOG_GROUPS: '/aws/lambda/noisy, /aws/lambda/test-*' });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      dropSources: ['cloudtrail', 'vpc'],
      dropLogGroups: ['/aws/lambda/noisy'],
      dropLogGroupPrefixes: ['/aws/lambda/test-'],
    });
  });

  it('a "*" that does not end a DROP_LOG_GROUPS entry is a problem', () => {
    expect(filtering({ DROP_LOG_GROUPS: '/aws/*/x' }).problems).toEqual([
      'DROP_LOG_GROUPS: "*" is only allowed at the end of an entry (a prefix), got "/aws/*/x"',
    ]);
  });
});

describe('settings catalogue', () => {
  it('declares every variable these readers use', () => {
    const used = [
      'SCRUB_DEFAULT_RULES', 'SCRUB_OPTIONAL_RULES', 'SCRUB_CUSTOM_RULES', 'REDACT_IP', 'REDACT_EMAIL', 'DD_SCRUBBING_RULE',
      'DD_SCRUBBING_RULE_REPLACEMENT', 'INCLUDE_PATTERN', 'EXCLUDE_PATTERN', 'INCLUDE_AT_MATCH', 'EXCLUDE_AT_MATCH', 'DROP_SOURCES', 'DROP_LOG_GROUPS',
    ];
    const known = new Set(SETTINGS.map((s) => s.name));
    expect(used.filter((n) => !known.has(n))).toEqual([]);
  });
});
