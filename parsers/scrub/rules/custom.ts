/**
 * Users' rules: a name, a pattern, and either a fixed replacement text or `hash: true`.
 * Every match is replaced whole (the replacement is literal text: `$1` is not expanded).
 *
 * Hashing writes the first 16 hex digits of HMAC-SHA256(salt, matched text), so equal values
 * stay equal (joinable) and different ones almost surely differ (64 bits). The salt is the
 * rule's `salt` field when given — set one per deployment so that nobody who knows the
 * documented default can test guesses of low-entropy values (emails, ids) against the
 * hashes — and otherwise DEFAULT_HASH_SALT, the same everywhere, so hashes from different
 * deployments stay joinable.
 *
 * `parseCustomRules` validates the JSON setting and compiles each pattern through the
 * backtracking guard (user-pattern.ts); every problem names the rule.
 */
import { createHmac } from 'node:crypto';
import type { ScrubRule } from '../rule.js';
import { type GuardedPattern, type RegexEngine, compileUserPattern } from '../user-pattern.js';
import type { Dialect } from '../pattern-tokens.js';

export const DEFAULT_HASH_SALT = 'log-forwarder/scrub/v1';

export type Replacement = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'hash'; readonly salt: string };

export interface CustomRule extends ScrubRule {
  readonly engine: RegexEngine;
}

export function hashValue(value: string, salt: string): string {
  return createHmac('sha256', salt).update(value, 'utf8').digest('hex').slice(0, 16);
}

/** A rule from an already compiled, guarded pattern. */
export function customRule(name: string, pattern: GuardedPattern, replacement: Replacement): CustomRule {
  const replace =
    replacement.kind === 'text' ? (): string => replacement.text : (m: string): string => hashValue(m, replacement.salt);
  return {
    name,
    engine: pattern.engine,
    apply(text, hit) {
      return pattern.replaceAll(text, (m: string) => {
        const out = replace(m);
        if (out !== m) hit();
        return out;
      });
    },
  };
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export interface CustomRuleOptions {
  /** Whether V8's linear-time engine is on (enableLinearRegexEngine()). */
  readonly linear: boolean;
  /** Names already taken (the built-in rules). */
  readonly reserved: readonly string[];
}

export interface ParsedRules {
  readonly rules: CustomRule[];
  readonly problems: string[];
}

/**
 * The SCRUB_CUSTOM_RULES value (already JSON-parsed): an array of
 * {"name", "pattern", "replacement"} or {"name", "pattern", "hash": true, "salt"?},
 * with an optional "ignoreCase": true.
 */
export function parseCustomRules(value: unknown, options: CustomRuleOptions): ParsedRules {
  const rules: CustomRule[] = [];
  const problems: string[] = [];
  if (!Array.isArray(value)) return { rules, problems: ['expected a JSON array of rules'] };
  const seen = new Set(options.reserved);
  value.forEach((raw: unknown, i) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`rule #${i + 1}: expected an object with name, pattern and replacement or hash`);
      return;
    }
    const r = raw as Record<string, unknown>;
    const label = typeof r['name'] === 'string' && r['name'] !== '' ? `rule "${r['name']}"` : `rule #${i + 1}`;
    const bad = (msg: string): void => {
      problems.push(`${label}: ${msg}`);
    };
    const known = new Set(['name', 'pattern', 'replacement', 'hash', 'salt', 'ignoreCase']);
    const unknown = Object.keys(r).filter((k) => !known.has(k));
    if (unknown.length > 0) return bad(`unknown field ${unknown.join(', ')} (expected name, pattern, replacement or hash, salt, ignoreCase)`);
    const name = r['name'];
    if (typeof name !== 'string' || !NAME.test(name)) return bad('"name" must be 1-64 letters, digits, _ . or -');
    if (seen.has(name)) return bad('the name is already used by another rule');
    seen.add(name);
    if (typeof r['pattern'] !== 'string' || r['pattern'] === '') return bad('"pattern" must be a non-empty string');
    if (r['ignoreCase'] !== undefined && typeof r['ignoreCase'] !== 'boolean') return bad('"ignoreCase" must be true or false');
    const replacement = readReplacement(r);
    if (typeof replacement === 'string') return bad(replacement);
    const compiled = compileRule(name, r['pattern'], replacement, {
      linear: options.linear,
      ...(r['ignoreCase'] === true && { ignoreCase: true }),
    });
    if ('error' in compiled) return bad(compiled.error);
    rules.push(compiled.rule);
  });
  return { rules, problems };
}

function readReplacement(r: Record<string, unknown>): Replacement | string {
  const hasText = r['replacement'] !== undefined;
  const hash = r['hash'];
  if (hash !== undefined && typeof hash !== 'boolean') return '"hash" must be true or false';
  if (hasText && hash === true) return 'set either "replacement" or "hash": true, not both';
  if (hash === true) {
    const salt = r['salt'];
    if (salt !== undefined && (typeof salt !== 'string' || salt === '')) return '"salt" must be a non-empty string';
    return { kind: 'hash', salt: typeof salt === 'string' ? salt : DEFAULT_HASH_SALT };
  }
  if (r['salt'] !== undefined) return '"salt" only applies with "hash": true';
  if (!hasText) return 'set "replacement" (text) or "hash": true';
  if (typeof r['replacement'] !== 'string') return '"replacement" must be a string';
  return { kind: 'text', text: r['replacement'] };
}

/** One rule from its parts; the pattern goes through the backtracking guard. */
export function compileRule(
  name: string,
  pattern: string,
  replacement: Replacement,
  options: { readonly linear: boolean; readonly ignoreCase?: boolean; readonly dialect?: Dialect },
): { rule: CustomRule } | { error: string } {
  const compiled = compileUserPattern(pattern, options);
  if (!compiled.ok) return { error: compiled.error };
  return { rule: customRule(name, compiled.pattern, replacement) };
}
