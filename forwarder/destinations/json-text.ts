/**
 * JSON text of strings for the encoders that write JSON by hand. JSON.stringify of one string
 * costs a serializer's setup on every call (more than the string's own scan for short values
 * such as ids and tags, measured in BENCHMARKS.md); a string with nothing to escape only needs
 * its quotes. Everything else goes through JSON.stringify, so the text is always the same.
 */

/** A quote, a backslash, a control character or a surrogate (JSON.stringify escapes a lone one). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * True when `s` can go between JSON quotes as it is. Conservative: a string with any surrogate,
 * paired or not, is not plain (telling a pair from a lone half costs more than it saves).
 */
export function isPlainJson(s: string): boolean {
  return !NEEDS_ESCAPE.test(s);
}

/** The same text as JSON.stringify(s). */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}
