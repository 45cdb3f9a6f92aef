/**
 * Case-insensitivity without the i flag: on Node 20, V8's linear-time engine refuses the i
 * flag, so an ignore-case pattern is rewritten with both cases of every ASCII letter spelled
 * out (`a` → `[aA]`, `[a-f0-9]` → `[A-Fa-f0-9]`). Letters above ASCII keep their one case
 * (documented); `\w`, `\d`, `\s` and `.` are already closed under case.
 */
import { addCode, emptySet, hasCode, negate } from './char-set.js';
import { type Token, render } from './pattern-tokens.js';

const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;

export function foldCase(tokens: readonly Token[]): string {
  return render(tokens.map(foldToken));
}

function foldToken(tok: Token): Token {
  if (tok.t === 'char' && (isUpper(tok.code) || isLower(tok.code))) {
    const c = String.fromCharCode(tok.code);
    const set = emptySet();
    addCode(set, c.toLowerCase().charCodeAt(0));
    addCode(set, c.toUpperCase().charCodeAt(0));
    return { t: 'set', src: `[${c.toLowerCase()}${c.toUpperCase()}]`, set };
  }
  if (tok.t === 'set' && tok.cls !== undefined) {
    const positive = tok.cls.negated ? negate(tok.set) : tok.set;
    const extra: number[] = [];
    for (let c = 65; c <= 122; c++) {
      if (!isUpper(c) && !isLower(c)) continue;
      const other = isUpper(c) ? c + 32 : c - 32;
      if (!hasCode(positive, c) && hasCode(positive, other)) extra.push(c);
    }
    if (extra.length === 0) return tok;
    // The added letters go first, and a leading '-' of the original is escaped, so that no new
    // range is formed by accident.
    const inner = tok.cls.inner.startsWith('-') ? `\\-${tok.cls.inner.slice(1)}` : tok.cls.inner;
    return { ...tok, src: `[${tok.cls.negated ? '^' : ''}${ranges(extra)}${inner}]` };
  }
  return tok;
}

/** Sorted codes → compact `A-FX` text. */
function ranges(codes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < codes.length; ) {
    let j = i;
    while (j + 1 < codes.length && (codes[j + 1] as number) === (codes[j] as number) + 1) j++;
    const lo = String.fromCharCode(codes[i] as number);
    const hi = String.fromCharCode(codes[j] as number);
    out += j - i >= 2 ? `${lo}-${hi}` : j > i ? `${lo}${hi}` : lo;
    i = j + 1;
  }
  return out;
}
