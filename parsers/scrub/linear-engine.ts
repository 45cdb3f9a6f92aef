/**
 * V8's linear-time regular expression engine (`new RegExp(p, 'l')`): it runs a pattern in
 * time linear in the input whatever the pattern, so a user's pattern cannot hang the
 * forwarder. It sits behind the V8 flag --enable-experimental-regexp-engine, which Node does
 * not accept in NODE_OPTIONS, so it is switched on from code, once, at start-up.
 *
 * This file is the one impure spot of parsers/scrub: `enableLinearRegexEngine` changes a
 * process-wide V8 flag. The flag only makes V8 accept the `l` flag; regular expressions
 * without it are unaffected. Checked on Node 20.20 (V8 11.3): works, but refuses the i and u
 * flags, backreferences, lookarounds and counted repetitions past about 16 (`a{17}`);
 * user-pattern.ts handles those. The probe below makes the answer right on whatever Node
 * runs us: if the flag is gone or misbehaves, the answer is false and the static check
 * (pattern-check.ts) guards every user pattern instead.
 */
import { setFlagsFromString } from 'node:v8';

let enabled: boolean | undefined;

/** Switches the engine on (once) and reports whether `l` patterns work in this process. */
export function enableLinearRegexEngine(): boolean {
  if (enabled !== undefined) return enabled;
  try {
    setFlagsFromString('--enable-experimental-regexp-engine');
    // A short hostile probe: harmless even on a backtracking engine (2^20 steps at most).
    const hostile = new RegExp('(a+)+$', 'l');
    const global = new RegExp('b+', 'gl');
    enabled = hostile.test(`${'a'.repeat(20)}!`) === false && 'abbcb'.replace(global, '-') === 'a-c-';
  } catch {
    enabled = false;
  }
  return enabled;
}
