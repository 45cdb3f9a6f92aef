/**
 * Scrubbing and filtering settings → compiled rules and patterns, once, at start-up. Every
 * bad value is recorded on the reader (`r.problem`) with the variable's name — and, for a
 * custom rule, the rule's name — so that loadConfig reports them all and start-up stops.
 *
 * Datadog Forwarder compatibility (aws/logs_monitoring settings.py, logs/datadog_scrubber.py,
 * logs/datadog_matcher.py in DataDog/datadog-serverless-functions; README "Log scrubbing" and
 * "Log filtering"):
 * - REDACT_IP=true / REDACT_EMAIL=true turn on our ipv4 / email rules, which write the same
 *   placeholders (xxx.xxx.xxx.xxx, xxxxx@xxxxx.com) but match more strictly (octets ≤ 255, a
 *   letter TLD; see docs/scrubbing.md).
 * - DD_SCRUBBING_RULE becomes the custom rule `dd_scrubbing_rule`, replacement
 *   DD_SCRUBBING_RULE_REPLACEMENT (default xxxxx), every match replaced (Python re.sub). The
 *   Forwarder applies it to the whole JSON-serialized log; we apply it to every field before
 *   serialization, so a pattern written for JSON-escaped text (\\") must be rewritten.
 * - INCLUDE_AT_MATCH / EXCLUDE_AT_MATCH are INCLUDE_PATTERN / EXCLUDE_PATTERN: searched (Python
 *   re.search, not anchored) in the log message, exclude wins — the Forwarder's behaviour
 *   since v5 (PR #996; before, the JSON-serialized log).
 * Python patterns are translated ((?P<n>…), (?P=n), \A, \Z, leading (?i)); see user-pattern.ts.
 */
import {
  DEFAULT_RULE_NAMES,
  type DefaultRuleName,
  type GuardedPattern,
  OPTIONAL_RULE_NAMES,
  type OptionalRuleName,
  type RegexEngine,
  type ScrubRule,
  builtinRules,
  compileRule,
  compileUserPattern,
  enableLinearRegexEngine,
  isDefaultRuleName,
  isOptionalRuleName,
  parseCustomRules,
} from '../../parsers/scrub/index.js';
import type { EnvReader } from './reader.js';

export interface ScrubbingConfig {
  /** The rules, in the order they run; empty when every rule is off. */
  readonly rules: readonly ScrubRule[];
  /** Users' rules (custom, dd_scrubbing_rule) → the engine their pattern runs on. */
  readonly engines: Readonly<Record<string, RegexEngine>>;
}

/** What a filter needs of a pattern: a search. GuardedPattern (and RegExp) have it. */
export interface TextMatcher {
  test(text: string): boolean;
}

export interface FilterConfig {
  /** Only logs whose message matches go on. */
  readonly include?: TextMatcher;
  /** Logs whose message matches are dropped; wins over include. */
  readonly exclude?: TextMatcher;
  /** Sources (lower case) whose logs are dropped. */
  readonly dropSources: readonly string[];
  /** Log group names dropped exactly. */
  readonly dropLogGroups: readonly string[];
  /** Log group name prefixes (DROP_LOG_GROUPS entries ending in `*`). */
  readonly dropLogGroupPrefixes: readonly string[];
}

export const DD_SCRUBBING_RULE_NAME = 'dd_scrubbing_rule';
const DD_DEFAULT_REPLACEMENT = 'xxxxx';
const BOOL_WORDS = ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'];

export function readScrubbing(r: EnvReader): ScrubbingConfig {
  const builtin = new Set<DefaultRuleName | OptionalRuleName>(readDefaultRules(r));
  for (const name of r.list('SCRUB_OPTIONAL_RULES')) {
    const lower = name.toLowerCase();
    if (isOptionalRuleName(lower)) builtin.add(lower);
    else r.problem(`SCRUB_OPTIONAL_RULES: expected names from ${OPTIONAL_RULE_NAMES.join(', ')}, got "${name}"`);
  }
  if (r.bool('REDACT_IP', false)) builtin.add('ipv4');
  if (r.bool('REDACT_EMAIL', false)) builtin.add('email');
  const rules: ScrubRule[] = builtinRules(builtin);
  const engines: Record<string, RegexEngine> = {};

  const customJson = r.json('SCRUB_CUSTOM_RULES');
  const ddPattern = r.string('DD_SCRUBBING_RULE');
  // The V8 flag is switched on only when there is a user pattern to guard.
  const linear = customJson !== undefined || ddPattern !== undefined ? enableLinearRegexEngine() : false;
  if (customJson !== undefined) {
    const parsed = parseCustomRules(customJson, {
      linear,
      reserved: [...DEFAULT_RULE_NAMES, ...OPTIONAL_RULE_NAMES, DD_SCRUBBING_RULE_NAME],
    });
    for (const p of parsed.problems) r.problem(`SCRUB_CUSTOM_RULES: ${p}`);
    for (const rule of parsed.rules) {
      rules.push(rule);
      engines[rule.name] = rule.engine;
    }
  }
  if (ddPattern !== undefined) {
    const text = r.string('DD_SCRUBBING_RULE_REPLACEMENT') ?? DD_DEFAULT_REPLACEMENT;
    const compiled = compileRule(DD_SCRUBBING_RULE_NAME, ddPattern, { kind: 'text', text }, { linear, dialect: 'python' });
    if ('error' in compiled) r.problem(`DD_SCRUBBING_RULE: ${compiled.error}`);
    else {
      rules.push(compiled.rule);
      engines[DD_SCRUBBING_RULE_NAME] = compiled.rule.engine;
    }
  }
  return { rules, engines };
}

/** SCRUB_DEFAULT_RULES: true (default), false, or a comma-separated subset of the default rules. */
function readDefaultRules(r: EnvReader): DefaultRuleName[] {
  const raw = r.string('SCRUB_DEFAULT_RULES');
  if (raw === undefined) return [...DEFAULT_RULE_NAMES];
  if (BOOL_WORDS.includes(raw.toLowerCase())) return r.bool('SCRUB_DEFAULT_RULES', true) ? [...DEFAULT_RULE_NAMES] : [];
  const chosen: DefaultRuleName[] = [];
  for (const name of r.list('SCRUB_DEFAULT_RULES')) {
    const lower = name.toLowerCase();
    if (isDefaultRuleName(lower)) chosen.push(lower);
    else r.problem(`SCRUB_DEFAULT_RULES: expected true, false or names from ${DEFAULT_RULE_NAMES.join(', ')}, got "${name}"`);
  }
  return chosen;
}

export function readFiltering(r: EnvReader): FilterConfig {
  const include = readUserPattern(r, 'INCLUDE_PATTERN', 'INCLUDE_AT_MATCH');
  const exclude = readUserPattern(r, 'EXCLUDE_PATTERN', 'EXCLUDE_AT_MATCH');
  const dropSources = r.list('DROP_SOURCES').map((s) => s.toLowerCase());
  const dropLogGroups: string[] = [];
  const dropLogGroupPrefixes: string[] = [];
  for (const entry of r.list('DROP_LOG_GROUPS')) {
    const star = entry.indexOf('*');
    if (star < 0) dropLogGroups.push(entry);
    else if (star === entry.length - 1) dropLogGroupPrefixes.push(entry.slice(0, -1));
    else r.problem(`DROP_LOG_GROUPS: "*" is only allowed at the end of an entry (a prefix), got "${entry}"`);
  }
  return {
    ...(include !== undefined && { include }),
    ...(exclude !== undefined && { exclude }),
    dropSources,
    dropLogGroups,
    dropLogGroupPrefixes,
  };
}

/**
 * A user's pattern from our variable (JavaScript syntax) or its Datadog alias (Python syntax),
 * not both, compiled with the backtracking guard: filters and the multiline start pattern run it
 * on every line.
 */
export function readUserPattern(r: EnvReader, ours: string, datadog: string): GuardedPattern | undefined {
  const mine = r.string(ours);
  const theirs = r.string(datadog);
  if (mine !== undefined && theirs !== undefined) r.problem(`${ours}, ${datadog}: set only one of them`);
  const name = mine !== undefined ? ours : datadog;
  const source = mine ?? theirs;
  if (source === undefined) return undefined;
  const compiled = compileUserPattern(source, {
    linear: enableLinearRegexEngine(),
    allowEmptyMatch: true,
    ...(mine === undefined && { dialect: 'python' as const }),
  });
  if (!compiled.ok) {
    r.problem(`${name}: ${compiled.error}`);
    return undefined;
  }
  return compiled.pattern;
}
