/**
 * Compiles a user's pattern (custom scrubbing rules, include/exclude filters) so that it cannot
 * hang the forwarder, at a cost we can afford. Two facts, measured on Node 20 (V8 11.3), shape
 * it: V8's linear-time engine (linear-engine.ts) runs any pattern it accepts in time linear in
 * the input, but about 50–80 times slower than the backtracking engine (~15 MB/s against
 * ~1 GB/s on log lines); and the backtracking engine is exponential on some shapes and
 * quadratic even on plain ones (`\w+@` over a long run of letters).
 *
 * The guard, in order:
 *  1. the pattern must be valid (JavaScript syntax; or Python `re` syntax for the Datadog
 *     Forwarder settings, translated; leading inline flags like `(?i)` are read), and a
 *     scrubbing pattern must not match the empty string;
 *  2. the static check (pattern-check.ts) looks for the shapes that backtrack exponentially or
 *     with a high polynomial degree (nested or ambiguous repetition, backreferences, adjacent
 *     repetitions of overlapping characters). A pattern that passes runs on the backtracking
 *     engine for texts up to LINEAR_ABOVE characters — its worst case there stays in the
 *     milliseconds — and on the linear engine beyond, when that engine accepts it (it refuses
 *     lookarounds, backreferences and counted repetitions past ~16; then the backtracking
 *     engine runs every length);
 *  3. a pattern the static check refuses runs on the linear engine only, if that engine
 *     accepts it (slow, but safe); otherwise start-up fails with a message naming the
 *     construct. Ignore-case patterns are case-folded for the linear engine, which refuses the
 *     i flag on Node 20 (case-fold.ts).
 * Why not a time budget: JavaScript cannot interrupt a running regular expression, and
 * skipping part of a record would let a secret through.
 */
import { foldCase } from './case-fold.js';
import { checkBacktracking, minWidth, parseTerms } from './pattern-check.js';
import { type Dialect, readInlineFlags, render, tokenize } from './pattern-tokens.js';

/** Texts longer than this go to the linear engine when the pattern has a linear twin. */
export const LINEAR_ABOVE = 4096;

export interface UserPatternOptions {
  /** 'python' for the Datadog Forwarder settings (DD_SCRUBBING_RULE, INCLUDE/EXCLUDE_AT_MATCH). */
  readonly dialect?: Dialect;
  readonly ignoreCase?: boolean;
  /** Filters may match the empty string; scrubbing patterns may not. */
  readonly allowEmptyMatch?: boolean;
  /** Whether the linear-time engine is on in this process (enableLinearRegexEngine()). */
  readonly linear: boolean;
}

/**
 * Where a pattern runs: 'backtracking' (every length), 'dual' (backtracking up to
 * LINEAR_ABOVE characters, linear beyond), 'linear' (every length).
 */
export type RegexEngine = 'backtracking' | 'dual' | 'linear';

/** A compiled, guarded pattern: the two operations the forwarder needs. */
export interface GuardedPattern {
  readonly source: string;
  readonly engine: RegexEngine;
  /** Whether the pattern occurs anywhere in the text (a search, not anchored). */
  test(text: string): boolean;
  /** Every match replaced by what `replace` returns for it. */
  replaceAll(text: string, replace: (match: string) => string): string;
}

export type UserPattern =
  | { readonly ok: true; readonly pattern: GuardedPattern }
  | { readonly ok: false; readonly error: string };

/** A search regex and its global twin. */
interface Pair {
  readonly test: RegExp;
  readonly all: RegExp;
}

export function compileUserPattern(source: string, options: UserPatternOptions): UserPattern {
  if (source === '') return { ok: false, error: 'the pattern is empty' };
  const inline = readInlineFlags(source);
  if (inline.error !== undefined) return { ok: false, error: inline.error };
  const tokens = tokenize(inline.rest, options.dialect ?? 'js');
  const js = render(tokens);
  const ignoreCase = options.ignoreCase === true || inline.ignoreCase;
  const base = `${inline.multiline ? 'm' : ''}${inline.dotAll ? 's' : ''}`;
  let backtracking: Pair;
  try {
    const flags = `${base}${ignoreCase ? 'i' : ''}`;
    backtracking = { test: new RegExp(js, flags), all: new RegExp(js, `${flags}g`) };
  } catch (err) {
    return { ok: false, error: `not a valid regular expression (${(err as Error).message})` };
  }
  const terms = parseTerms(tokens);
  if (options.allowEmptyMatch !== true && minWidth(terms) === 0) {
    return { ok: false, error: 'the pattern can match the empty string' };
  }
  const linear = options.linear ? linearTwin(ignoreCase ? foldCase(tokens) : js, base) : undefined;
  const problem = checkBacktracking(terms);
  if (problem === undefined) return { ok: true, pattern: guarded(source, backtracking, linear) };
  if (linear !== undefined) return { ok: true, pattern: guarded(source, undefined, linear) };
  return { ok: false, error: problem };
}

/** The pattern on V8's linear engine, or undefined when the engine refuses it. */
function linearTwin(source: string, flags: string): Pair | undefined {
  try {
    return { test: new RegExp(source, `${flags}l`), all: new RegExp(source, `${flags}gl`) };
  } catch {
    return undefined;
  }
}

function guarded(source: string, fast: Pair | undefined, safe: Pair | undefined): GuardedPattern {
  const pick = (text: string): Pair => {
    if (fast === undefined) return safe as Pair;
    return safe !== undefined && text.length > LINEAR_ABOVE ? safe : fast;
  };
  return {
    source,
    engine: fast === undefined ? 'linear' : safe === undefined ? 'backtracking' : 'dual',
    test: (text) => pick(text).test.test(text),
    replaceAll: (text, replace) => {
      const pair = pick(text);
      // A search first: replace() with a callback costs about twice as much when nothing matches.
      if (!pair.test.test(text)) return text;
      pair.all.lastIndex = 0;
      return text.replace(pair.all, replace);
    },
  };
}
