/**
 * A tokenizer for users' regular expressions, JavaScript syntax without the u flag (what
 * `new RegExp(source)` accepts), or Python `re` syntax for the patterns that come from the
 * Datadog Forwarder settings. The Python dialect is translated token by token into JavaScript:
 * `(?P<name>…)` → `(?<name>…)`, `(?P=name)` → `\k<name>`, `\A` → `^`, `\Z` → `$` (JavaScript's
 * `$` without the m flag is Python's `\Z`), `(?#…)` comments dropped. Leading inline flags
 * (`(?i)`) are read by `readInlineFlags`.
 *
 * Callers validate the source with `new RegExp` first; on a source JavaScript rejects, the
 * tokens are meaningless but the tokenizer still terminates (every step consumes a character).
 */
import { type CharSet, DIGIT, DOT, SPACE, WORD, addCode, addRange, addSet, emptySet, negate } from './char-set.js';

export type Token =
  | { readonly t: 'char'; readonly src: string; readonly code: number }
  | { readonly t: 'set'; readonly src: string; readonly set: CharSet; readonly cls?: ClassInfo }
  | { readonly t: 'assert'; readonly src: string }
  | { readonly t: 'backref'; readonly src: string }
  | { readonly t: 'open'; readonly src: string; readonly look: boolean }
  | { readonly t: 'close'; readonly src: string }
  | { readonly t: 'alt'; readonly src: string }
  | { readonly t: 'quant'; readonly src: string; readonly min: number; readonly max: number };

/** A bracketed class: what case folding needs to rewrite it. */
export interface ClassInfo {
  readonly negated: boolean;
  /** The source between `[` (or `[^`) and `]`. */
  readonly inner: string;
}

export type Dialect = 'js' | 'python';

const HEX = /^[0-9A-Fa-f]+$/;

export function tokenize(src: string, dialect: Dialect = 'js'): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    let tok: Token;
    let len: number;
    if (c === '\\') {
      [tok, len] = readEscape(src, i, dialect);
    } else if (c === '[') {
      [tok, len] = readClass(src, i);
    } else if (c === '(') {
      [tok, len] = readOpen(src, i, dialect);
    } else if (c === ')') {
      [tok, len] = [{ t: 'close', src: ')' }, 1];
    } else if (c === '|') {
      [tok, len] = [{ t: 'alt', src: '|' }, 1];
    } else if (c === '*' || c === '+' || c === '?') {
      const min = c === '+' ? 1 : 0;
      const max = c === '?' ? 1 : Infinity;
      len = src[i + 1] === '?' ? 2 : 1;
      tok = { t: 'quant', src: src.slice(i, i + len), min, max };
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}\??/.exec(src.slice(i, i + 40));
      if (m !== null) {
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? Infinity : Number(m[3]);
        [tok, len] = [{ t: 'quant', src: m[0], min, max }, m[0].length];
      } else {
        [tok, len] = [{ t: 'char', src: '{', code: 123 }, 1];
      }
    } else if (c === '^' || c === '$') {
      [tok, len] = [{ t: 'assert', src: c }, 1];
    } else if (c === '.') {
      [tok, len] = [{ t: 'set', src: '.', set: DOT() }, 1];
    } else {
      const code = src.codePointAt(i) as number;
      len = code > 0xffff ? 2 : 1;
      tok = { t: 'char', src: src.slice(i, i + len), code };
    }
    if (tok.src !== '') out.push(tok); // '' = a Python (?#comment), dropped
    i += len;
  }
  return out;
}

/** The tokens back to JavaScript source. */
export function render(tokens: readonly Token[]): string {
  let s = '';
  for (const t of tokens) s += t.src;
  return s;
}

/**
 * Python's global inline flags at the start of a pattern, `(?i)`, `(?is)`…: returns the rest
 * of the pattern and the flags. Unknown or unsupported letters are reported, not ignored.
 */
export function readInlineFlags(src: string): { rest: string; ignoreCase: boolean; multiline: boolean; dotAll: boolean; error?: string } {
  let rest = src;
  let ignoreCase = false;
  let multiline = false;
  let dotAll = false;
  for (;;) {
    const m = /^\(\?([a-zA-Z]+)\)/.exec(rest);
    if (m === null) break;
    for (const f of m[1] as string) {
      if (f === 'i') ignoreCase = true;
      else if (f === 'm') multiline = true;
      else if (f === 's') dotAll = true;
      else if (f === 'a' || f === 'u') continue; // ASCII / Unicode classes: no JavaScript equivalent needed
      else return { rest, ignoreCase, multiline, dotAll, error: `inline flag (?${f}) is not supported` };
    }
    rest = rest.slice(m[0].length);
  }
  return { rest, ignoreCase, multiline, dotAll };
}

function readEscape(src: string, i: number, dialect: Dialect): [Token, number] {
  const n = src[i + 1];
  if (n === undefined) return [{ t: 'char', src: '\\', code: 92 }, 1];
  const two = src.slice(i, i + 2);
  switch (n) {
    case 'd':
      return [{ t: 'set', src: two, set: DIGIT() }, 2];
    case 'D':
      return [{ t: 'set', src: two, set: negate(DIGIT()) }, 2];
    case 'w':
      return [{ t: 'set', src: two, set: WORD() }, 2];
    case 'W':
      return [{ t: 'set', src: two, set: negate(WORD()) }, 2];
    case 's':
      return [{ t: 'set', src: two, set: SPACE() }, 2];
    case 'S':
      return [{ t: 'set', src: two, set: negate(SPACE()) }, 2];
    case 'b':
    case 'B':
      return [{ t: 'assert', src: two }, 2];
    case 'A':
      if (dialect === 'python') return [{ t: 'assert', src: '^' }, 2];
      break;
    case 'Z':
      if (dialect === 'python') return [{ t: 'assert', src: '$' }, 2];
      break;
    case 'k': {
      const m = /^\\k<([^>]+)>/.exec(src.slice(i, i + 80));
      if (m !== null) return [{ t: 'backref', src: m[0] }, m[0].length];
      break;
    }
    case 'x': {
      const h = src.slice(i + 2, i + 4);
      if (h.length === 2 && HEX.test(h)) return [{ t: 'char', src: src.slice(i, i + 4), code: parseInt(h, 16) }, 4];
      break;
    }
    case 'u': {
      const h = src.slice(i + 2, i + 6);
      if (h.length === 4 && HEX.test(h)) return [{ t: 'char', src: src.slice(i, i + 6), code: parseInt(h, 16) }, 6];
      break;
    }
    case 'c': {
      const l = src[i + 2];
      if (l !== undefined && /[A-Za-z]/.test(l)) return [{ t: 'char', src: src.slice(i, i + 3), code: l.charCodeAt(0) % 32 }, 3];
      break;
    }
    case 'n':
      return [{ t: 'char', src: two, code: 10 }, 2];
    case 'r':
      return [{ t: 'char', src: two, code: 13 }, 2];
    case 't':
      return [{ t: 'char', src: two, code: 9 }, 2];
    case 'v':
      return [{ t: 'char', src: two, code: 11 }, 2];
    case 'f':
      return [{ t: 'char', src: two, code: 12 }, 2];
    default:
      break;
  }
  if (n >= '1' && n <= '9') {
    const m = /^\\\d+/.exec(src.slice(i, i + 12)) as RegExpExecArray;
    return [{ t: 'backref', src: m[0] }, m[0].length];
  }
  if (n === '0') return [{ t: 'char', src: two, code: 0 }, 2];
  // Identity escape: the character itself.
  const code = src.codePointAt(i + 1) as number;
  const len = code > 0xffff ? 3 : 2;
  return [{ t: 'char', src: src.slice(i, i + len), code }, len];
}

function readOpen(src: string, i: number, dialect: Dialect): [Token, number] {
  const head = src.slice(i, i + 4);
  if (head.startsWith('(?:')) return [{ t: 'open', src: '(?:', look: false }, 3];
  if (head.startsWith('(?=') || head.startsWith('(?!')) return [{ t: 'open', src: head.slice(0, 3), look: true }, 3];
  if (head === '(?<=' || head === '(?<!') return [{ t: 'open', src: head, look: true }, 4];
  if (dialect === 'python') {
    const named = /^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(src.slice(i, i + 80));
    if (named !== null) return [{ t: 'open', src: `(?<${named[1]}>`, look: false }, named[0].length];
    const ref = /^\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/.exec(src.slice(i, i + 80));
    if (ref !== null) return [{ t: 'backref', src: `\\k<${ref[1]}>` }, ref[0].length];
    if (src.startsWith('(?#', i)) {
      const end = src.indexOf(')', i);
      const len = end < 0 ? src.length - i : end - i + 1;
      return [{ t: 'open', src: '', look: false }, len]; // a comment: dropped by tokenize
    }
  }
  const named = /^\(\?<([A-Za-z_$][A-Za-z0-9_$]*)>/.exec(src.slice(i, i + 80));
  if (named !== null) return [{ t: 'open', src: named[0], look: false }, named[0].length];
  return [{ t: 'open', src: '(', look: false }, 1];
}

/** `[…]`: the set it matches (ASCII exact) and its parts, for case folding. */
function readClass(src: string, i: number): [Token, number] {
  let j = i + 1;
  const negated = src[j] === '^';
  if (negated) j++;
  const innerStart = j;
  const set = emptySet();
  // In JavaScript `[]` is the empty class and `[^]` any character: `]` always closes.
  while (j < src.length && src[j] !== ']') {
    const [lo, loLen, loSet] = classAtom(src, j);
    j += loLen;
    if (loSet !== undefined) {
      addSet(set, loSet);
      continue;
    }
    // A range a-b, unless the '-' is last or the far end is a class escape (then all literal).
    if (src[j] === '-' && src[j + 1] !== undefined && src[j + 1] !== ']') {
      const [hi, hiLen, hiSet] = classAtom(src, j + 1);
      if (hiSet === undefined) {
        if (hi >= lo) addRange(set, lo, hi);
        j += 1 + hiLen;
        continue;
      }
      addCode(set, lo);
      addCode(set, 45);
      addSet(set, hiSet);
      j += 1 + hiLen;
      continue;
    }
    addCode(set, lo);
  }
  const inner = src.slice(innerStart, j);
  const end = Math.min(j + 1, src.length);
  return [{ t: 'set', src: src.slice(i, end), set: negated ? negate(set) : set, cls: { negated, inner } }, end - i];
}

/** One member of a class: [code, length, set when it is a class escape like \d]. */
function classAtom(src: string, j: number): [number, number, CharSet | undefined] {
  const c = src[j] as string;
  if (c !== '\\') {
    const code = src.codePointAt(j) as number;
    return [code, code > 0xffff ? 2 : 1, undefined];
  }
  const n = src[j + 1];
  switch (n) {
    case 'd':
      return [0, 2, DIGIT()];
    case 'D':
      return [0, 2, negate(DIGIT())];
    case 'w':
      return [0, 2, WORD()];
    case 'W':
      return [0, 2, negate(WORD())];
    case 's':
      return [0, 2, SPACE()];
    case 'S':
      return [0, 2, negate(SPACE())];
    case 'b':
      return [8, 2, undefined];
    case 'n':
      return [10, 2, undefined];
    case 'r':
      return [13, 2, undefined];
    case 't':
      return [9, 2, undefined];
    case 'v':
      return [11, 2, undefined];
    case 'f':
      return [12, 2, undefined];
    case undefined:
      return [92, 1, undefined];
    default:
      break;
  }
  if (n === 'x' && HEX.test(src.slice(j + 2, j + 4)) && src.slice(j + 2, j + 4).length === 2) {
    return [parseInt(src.slice(j + 2, j + 4), 16), 4, undefined];
  }
  if (n === 'u' && HEX.test(src.slice(j + 2, j + 6)) && src.slice(j + 2, j + 6).length === 4) {
    return [parseInt(src.slice(j + 2, j + 6), 16), 6, undefined];
  }
  const code = src.codePointAt(j + 1) as number;
  return [code, code > 0xffff ? 3 : 2, undefined];
}
