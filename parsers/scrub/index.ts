/**
 * Scrubbing: the rule engine, the built-in rules, users' rules and the guard that keeps users'
 * patterns from backtracking catastrophically. Pure, except enableLinearRegexEngine (a
 * one-time V8 flag, called at start-up by the config reader).
 */
export { REDACTED, type ScrubRule } from './rule.js';
export { Scrubber } from './scrubber.js';
export {
  DEFAULT_RULE_NAMES,
  OPTIONAL_RULE_NAMES,
  type BuiltinRuleName,
  type DefaultRuleName,
  type OptionalRuleName,
  builtinRules,
  isDefaultRuleName,
  isOptionalRuleName,
} from './builtin.js';
export {
  DEFAULT_HASH_SALT,
  type CustomRule,
  type Replacement,
  compileRule,
  customRule,
  hashValue,
  parseCustomRules,
} from './rules/custom.js';
export { EMAIL_PLACEHOLDER } from './rules/email.js';
export { IPV4_PLACEHOLDER } from './rules/network.js';
export {
  type GuardedPattern,
  LINEAR_ABOVE,
  type RegexEngine,
  type UserPattern,
  type UserPatternOptions,
  compileUserPattern,
} from './user-pattern.js';
export { enableLinearRegexEngine } from './linear-engine.js';
