/**
 * The contract of a scrubbing rule. A rule is stateless (it can sit in the frozen config):
 * `apply` returns the text with every match replaced and reports each changed match through
 * `hit`; the scrubber keeps the counts. A rule never throws, and its replacement never
 * contains a quote, a backslash or a control character, so that text inside a JSON string
 * stays a valid JSON string (custom rules are the exception; scrubber.ts repairs JSON they
 * break).
 */

/** What the credential rules write in place of a secret. */
export const REDACTED = '[REDACTED]';

/**
 * Between a key name and its value: the key's closing quote (possibly JSON-escaped), spaces,
 * then `:` or `=` (a trigger fragment ends with it).
 */
export const KEY_SEPARATOR = String.raw`\\*["']?[ \t]*[:=]`;

export interface ScrubRule {
  /** Stable name: the key of the redaction counts the forwarder reports. */
  readonly name: string;
  /**
   * Regular-expression fragments, matched case-insensitively, at least one of which occurs in
   * any text the rule can change — with its context, so that prose does not set them off
   * (`token` followed by `:` or `=`, not any "token"). The scrubber ORs the fragments of all
   * rules into one quick test and skips these rules when it fails.
   */
  readonly triggers?: readonly string[];
  /**
   * Literal, case-sensitive markers (`AKIA`, `PRIVATE KEY`, `://`): the rule runs when the text
   * contains one of them (one combined scan for all rules, then String.includes per rule).
   * A rule with neither triggers nor probes runs on every text.
   */
  readonly probes?: readonly string[];
  /**
   * Its replacements cannot turn valid JSON into invalid JSON (every match lies inside one
   * JSON string and the replacement has no quote or backslash). When only such rules changed a
   * JSON document, the scrubber skips re-parsing it.
   */
  readonly jsonSafe?: boolean;
  /** Replaces every match; calls `hit` once per match it changed. */
  apply(text: string, hit: () => void): string;
  /**
   * For scrubbing parsed JSON: true when a member with this key is secret whatever its value
   * (the key/value rule: `"password": …`).
   */
  redactsMember?(key: string): boolean;
}

/** Character code helpers shared by the rules. */
export function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * A token starting at `offset` is not glued to a word on its left. A JSON escape just before
 * it (`\n`, `\t`, `\r`, `\b`, `\f`, `\uXXXX`) separates, so that `"…\nAKIA…"` is seen.
 */
export function separatedBefore(text: string, offset: number): boolean {
  if (offset === 0) return true;
  const c = text.charCodeAt(offset - 1);
  if (!isWordCode(c)) return true;
  if ((c === 110 || c === 116 || c === 114 || c === 98 || c === 102) && oddBackslashesBefore(text, offset - 1)) return true;
  return offset >= 6 && text.charCodeAt(offset - 5) === 117 && oddBackslashesBefore(text, offset - 5);
}

/** The character at `i` is escaped: an odd run of backslashes ends just before it. */
export function oddBackslashesBefore(text: string, i: number): boolean {
  let n = 0;
  while (i - n - 1 >= 0 && text.charCodeAt(i - n - 1) === 92) n++;
  return n % 2 === 1;
}
