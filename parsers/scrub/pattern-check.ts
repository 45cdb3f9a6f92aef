/**
 * Static check of a user's pattern for the shapes that make a backtracking engine take
 * exponential or high-polynomial time. A pattern it refuses may only run on the linear-time
 * engine (see user-pattern.ts); the shapes:
 *  - backreferences (`\1`, `\k<name>`): matching with them is NP-hard in general;
 *  - nested repetition: a repeated group containing an unbounded repetition (`(a+)+`,
 *    `(\w+\s?)*`, `(a+){10}`), or a group repeated without bound containing any variable
 *    repetition (`(a{1,3})+`);
 *  - ambiguous alternation under repetition: alternatives that can start with the same
 *    character (`(a|ab)*`, `(\w|\d)+`), unless they are literal strings none of which is a
 *    prefix of another (`(GET|POST|PUT)+`), or an alternative that can match nothing (`(a|)*`);
 *  - unbounded repetitions of overlapping characters in a row, with only optional terms or
 *    characters the first repetition also matches between them (`\d+\d+`, `.*\s*$`,
 *    `\w+-?\w+`, `.*a.*b`): quadratic or worse per start position.
 * It looks inside one sequence: a repetition inside a group next to one outside is not seen.
 * The check over-approximates characters above ASCII (char-set.ts), so it errs towards rejecting.
 */
import { type CharSet, addSet, emptySet, overlaps, singleton } from './char-set.js';
import { type Token, render } from './pattern-tokens.js';

interface Term {
  readonly atom: Atom;
  min: number;
  max: number;
  /** The term's source, quantifier included: quoted in error messages. */
  src: string;
}

type Atom =
  | { readonly k: 'set'; readonly set: CharSet; readonly code?: number }
  | { readonly k: 'assert' }
  | { readonly k: 'backref' }
  | { readonly k: 'group'; readonly alts: Term[][]; readonly look: boolean };

/** Above this bound a counted repetition is treated like an unbounded one. */
const LARGE = 16;

/** Tokens → alternatives of terms. Tolerant: an unmatched ')' or a lone quantifier is ignored. */
export function parseTerms(tokens: readonly Token[]): Term[][] {
  let i = 0;
  const parseAlts = (): Term[][] => {
    const alts: Term[][] = [[]];
    while (i < tokens.length) {
      const tok = tokens[i] as Token;
      const seq = alts[alts.length - 1] as Term[];
      if (tok.t === 'close') break;
      i++;
      switch (tok.t) {
        case 'alt':
          alts.push([]);
          break;
        case 'quant': {
          const last = seq[seq.length - 1];
          if (last !== undefined) {
            last.min *= tok.min;
            last.max = last.max * tok.max;
            last.src += tok.src;
          }
          break;
        }
        case 'open': {
          const start = i - 1;
          const inner = parseAlts();
          if (tokens[i]?.t === 'close') i++;
          seq.push({ atom: { k: 'group', alts: inner, look: tok.look }, min: 1, max: 1, src: render(tokens.slice(start, i)) });
          break;
        }
        case 'char':
          seq.push({ atom: { k: 'set', set: singleton(tok.code), code: tok.code }, min: 1, max: 1, src: tok.src });
          break;
        case 'set':
          seq.push({ atom: { k: 'set', set: tok.set }, min: 1, max: 1, src: tok.src });
          break;
        case 'assert':
          seq.push({ atom: { k: 'assert' }, min: 1, max: 1, src: tok.src });
          break;
        case 'backref':
          seq.push({ atom: { k: 'backref' }, min: 1, max: 1, src: tok.src });
          break;
      }
    }
    return alts;
  };
  const top: Term[][] = [];
  for (;;) {
    for (const a of parseAlts()) top.push(a);
    if (i >= tokens.length) break;
    i++; // an unmatched ')': JavaScript rejects it; keep going
  }
  return top;
}

/** The shortest text the pattern can match: 0 means it can match the empty string. */
export function minWidth(alts: readonly (readonly Term[])[]): number {
  let best = Infinity;
  for (const seq of alts) {
    let w = 0;
    for (const t of seq) w += t.min === 0 ? 0 : t.min * atomMinWidth(t.atom);
    best = Math.min(best, w);
  }
  return best === Infinity ? 0 : best;
}

function atomMinWidth(a: Atom): number {
  if (a.k === 'set') return 1;
  if (a.k === 'group') return a.look ? 0 : minWidth(a.alts);
  return 0;
}

/** The first problem found, as a sentence naming the construct, or undefined. */
export function checkBacktracking(alts: readonly (readonly Term[])[]): string | undefined {
  return checkAlts(alts, false);
}

function checkAlts(alts: readonly (readonly Term[])[], repeated: boolean): string | undefined {
  for (const seq of alts) {
    for (const t of seq) {
      if (t.atom.k === 'backref') return `backreference ${t.src} can take exponential time`;
      if (t.atom.k !== 'group') continue;
      const outerRepeats = t.max > 1;
      const outerLarge = t.max > LARGE;
      if (outerRepeats && someTerm(t.atom.alts, (x) => x.max === Infinity)) {
        return `nested repetition ${t.src} (a repeated group containing an unbounded repetition) can take exponential time`;
      }
      if (outerLarge && someTerm(t.atom.alts, (x) => x.min !== x.max)) {
        return `nested repetition ${t.src} (a group repeated without bound containing a variable repetition) can take exponential time`;
      }
      const inner = checkAlts(t.atom.alts, repeated || outerLarge);
      if (inner !== undefined) return inner;
    }
    const adjacent = checkAdjacent(seq);
    if (adjacent !== undefined) return adjacent;
  }
  if (repeated && alts.length > 1) return checkAlternatives(alts);
  return undefined;
}

function someTerm(alts: readonly (readonly Term[])[], pred: (t: Term) => boolean): boolean {
  for (const seq of alts) {
    for (const t of seq) {
      if (pred(t)) return true;
      if (t.atom.k === 'group' && someTerm(t.atom.alts, pred)) return true;
    }
  }
  return false;
}

function checkAdjacent(seq: readonly Term[]): string | undefined {
  for (let i = 0; i < seq.length; i++) {
    const a = seq[i] as Term;
    if (a.atom.k !== 'set' || a.max !== Infinity) continue;
    let separated = false;
    for (let j = i + 1; j < seq.length; j++) {
      const b = seq[j] as Term;
      if (b.atom.k === 'set' && b.max === Infinity && overlaps(a.atom.set, b.atom.set)) {
        const between = seq.slice(i, j + 1).map((t) => t.src).join('');
        return separated
          ? `repetitions of overlapping characters ${between}, separated only by characters the first also matches, take polynomial time`
          : `adjacent repetitions of overlapping characters ${between} take polynomial time`;
      }
      if (b.min === 0) continue;
      // A mandatory character the first repetition can also consume (.*a.*b): keep looking.
      if (b.atom.k === 'set' && b.max !== Infinity && overlaps(a.atom.set, b.atom.set)) {
        separated = true;
        continue;
      }
      break;
    }
  }
  return undefined;
}

function checkAlternatives(alts: readonly (readonly Term[])[]): string | undefined {
  const firsts = alts.map(first);
  const literals = alts.map(literalOf);
  const shown = `(${alts.map((s) => s.map((t) => t.src).join('')).join('|')})`;
  if (firsts.some((f) => f.nullable)) return `an alternative that can match nothing in repeated ${shown} can take exponential time`;
  for (let i = 0; i < alts.length; i++) {
    const fi = (firsts[i] as { set: CharSet }).set;
    for (let j = i + 1; j < alts.length; j++) {
      const fj = (firsts[j] as { set: CharSet }).set;
      if (!overlaps(fi, fj)) continue;
      const li = literals[i];
      const lj = literals[j];
      if (li !== undefined && lj !== undefined && !li.startsWith(lj) && !lj.startsWith(li)) continue;
      return `alternatives that can match the same text in repeated ${shown} can take exponential time`;
    }
  }
  return undefined;
}

/** Characters an alternative can start with, and whether it can match the empty string. */
function first(seq: readonly Term[]): { set: CharSet; nullable: boolean } {
  const set = emptySet();
  for (const t of seq) {
    let nullable = t.min === 0;
    if (t.atom.k === 'set') addSet(set, t.atom.set);
    else if (t.atom.k === 'group' && !t.atom.look) {
      for (const alt of t.atom.alts) {
        const f = first(alt);
        addSet(set, f.set);
        if (f.nullable) nullable = true;
      }
    } else nullable = true; // assertions consume nothing
    if (!nullable) return { set, nullable: false };
  }
  return { set, nullable: true };
}

/** The alternative as a literal string, when it is only single characters. */
function literalOf(seq: readonly Term[]): string | undefined {
  let s = '';
  for (const t of seq) {
    if (t.atom.k !== 'set' || t.atom.code === undefined || t.min !== 1 || t.max !== 1) return undefined;
    s += String.fromCodePoint(t.atom.code);
  }
  return s;
}
