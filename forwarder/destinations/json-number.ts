/**
 * JSON numbers written as ASCII bytes, the same text `JSON.stringify` (and a template) gives,
 * without making a string: the Datadog metrics body prints thousands of values per batch, and
 * V8 turns a double into text through a runtime call that costs ~100 ns (more with the cache
 * cold), where most values here are integers or a few decimals (REPORT durations in seconds).
 */

/** The longest text of a JS number, `-0.0000012345678901234567`: 25 bytes. */
export const MAX_NUMBER_BYTES = 25;

const SCALE = 1e9;

/**
 * Writes `v` at `pos` and returns the position after it. `v` must be finite (JSON has no NaN
 * or Infinity). Integers below 1e15, and values whose shortest text is a decimal of at most nine
 * places (below 1e6, at least 1e-6, where ECMAScript prints no exponent), are printed from their
 * digits; anything else goes through `String(v)`.
 */
export function writeJsonNumber(buf: Uint8Array, pos: number, v: number): number {
  let x = v;
  if (x < 0) {
    buf[pos++] = 0x2d; // '-'
    x = -x;
  }
  if (Number.isInteger(x) && x < 1e15) return writeDigits(buf, pos, x);
  if (x >= 1e-6 && x < 1e6) {
    const n = Math.round(x * SCALE);
    // n / 1e9 is the double nearest to the decimal n·10⁻⁹; if that is x, the shortest text that
    // reads back as x is that decimal (at most 15 significant digits, so no other is as short).
    if (n / SCALE === x) {
      const whole = Math.floor(n / SCALE);
      let frac = n - whole * SCALE;
      pos = writeDigits(buf, pos, whole);
      buf[pos++] = 0x2e; // '.'
      let places = 9;
      for (let q = Math.floor(frac / 10); frac !== 0 && frac === q * 10; q = Math.floor(frac / 10)) {
        frac = q;
        places--;
      }
      // Leading zeros of the fraction, then its digits.
      const end = pos + places;
      fillDigits(buf, pos, end, frac);
      return end;
    }
  }
  // (-0 is an integer, printed "0" above.) The sign is written; String gives the rest.
  return writeAscii(buf, pos, String(x));
}

/** Writes text known to be ASCII (JSON punctuation, digits) at `pos`; returns the position after it. */
export function writeAscii(buf: Uint8Array, pos: number, text: string): number {
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
  return pos;
}

/** The decimal digits of a non-negative integer below 1e15. */
function writeDigits(buf: Uint8Array, pos: number, n: number): number {
  let len = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) len++;
  const end = pos + len;
  fillDigits(buf, pos, end, n);
  return end;
}

/**
 * Fills buf[from, end) with the last digits of `n` (zeros to the left). `%` on a double is a call
 * into C in V8; a division, a floor and a multiplication are not (and are exact below 1e15).
 */
function fillDigits(buf: Uint8Array, from: number, end: number, n: number): void {
  let t = n;
  for (let i = end - 1; i >= from; i--) {
    const q = Math.floor(t / 10);
    buf[i] = 0x30 + t - q * 10;
    t = q;
  }
}
