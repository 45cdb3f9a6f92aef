/**
 * A coarse character set for reasoning about user patterns: exact over ASCII (a 128-bit map);
 * above U+007F, two categories — white space (U+00A0, U+2028, U+FEFF…) and the rest — each
 * with "some of it" and "all of it" flags, so that \s and \S stay disjoint. Two sets "overlap"
 * when they share an ASCII character or may share a category: an over-approximation, the safe
 * side for the backtracking check (it may reject a safe pattern, never accept an unsafe one).
 */

export interface CharSet {
  /** Four 32-bit words: bit c is set when ASCII code c is in the set. */
  readonly bits: Uint32Array;
  /** May contain non-ASCII white space / contains all of it. */
  someSpace: boolean;
  allSpace: boolean;
  /** May contain other non-ASCII characters / contains all of them. */
  someRest: boolean;
  allRest: boolean;
}

export function emptySet(): CharSet {
  return { bits: new Uint32Array(4), someSpace: false, allSpace: false, someRest: false, allRest: false };
}

export function addCode(s: CharSet, code: number): void {
  if (code < 128) s.bits[code >> 5] = (s.bits[code >> 5] ?? 0) | (1 << (code & 31));
  else if (/\s/.test(String.fromCodePoint(code))) s.someSpace = true;
  else s.someRest = true;
}

export function addRange(s: CharSet, lo: number, hi: number): void {
  for (let c = lo; c <= Math.min(hi, 127); c++) addCode(s, c);
  if (hi < 128) return;
  s.someRest = true;
  if (hi >= 0xa0) s.someSpace = true; // the range may hold a non-ASCII space
  if (lo <= 0x80 && hi >= 0xffff) {
    s.allSpace = true;
    s.allRest = true;
  }
}

export function hasCode(s: CharSet, code: number): boolean {
  if (code >= 128) return s.someSpace || s.someRest;
  return ((s.bits[code >> 5] ?? 0) & (1 << (code & 31))) !== 0;
}

export function addSet(into: CharSet, from: CharSet): void {
  for (let i = 0; i < 4; i++) into.bits[i] = (into.bits[i] ?? 0) | (from.bits[i] ?? 0);
  into.someSpace ||= from.someSpace;
  into.someRest ||= from.someRest;
  into.allSpace ||= from.allSpace;
  into.allRest ||= from.allRest;
}

export function negate(s: CharSet): CharSet {
  const out = emptySet();
  for (let i = 0; i < 4; i++) out.bits[i] = ~(s.bits[i] ?? 0) >>> 0;
  out.someSpace = !s.allSpace;
  out.someRest = !s.allRest;
  out.allSpace = !s.someSpace;
  out.allRest = !s.someRest;
  return out;
}

export function overlaps(a: CharSet, b: CharSet): boolean {
  for (let i = 0; i < 4; i++) if (((a.bits[i] ?? 0) & (b.bits[i] ?? 0)) !== 0) return true;
  return (a.someSpace && b.someSpace) || (a.someRest && b.someRest);
}

export function singleton(code: number): CharSet {
  const s = emptySet();
  addCode(s, code);
  return s;
}

export const DIGIT = (): CharSet => {
  const s = emptySet();
  addRange(s, 48, 57);
  return s;
};

export const WORD = (): CharSet => {
  const s = DIGIT();
  addRange(s, 65, 90);
  addRange(s, 97, 122);
  addCode(s, 95);
  return s;
};

export const SPACE = (): CharSet => {
  const s = emptySet();
  addRange(s, 9, 13);
  addCode(s, 32);
  s.someSpace = true; // U+00A0, U+2028, U+FEFF and the other Unicode spaces
  s.allSpace = true;
  return s;
};

/** `.` without the s flag: everything but line terminators (\n, \r, U+2028, U+2029). */
export const DOT = (): CharSet => {
  const s = negate(emptySet());
  s.bits[0] = (s.bits[0] ?? 0) & ~((1 << 10) | (1 << 13));
  s.allSpace = false;
  return s;
};
