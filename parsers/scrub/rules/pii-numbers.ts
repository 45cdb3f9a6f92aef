/**
 * Numbers that identify a person (off by default), matched conservatively.
 * - `credit_card`: 13–19 digits, written plain or in the printed groupings (4-4-4-4[-1..3],
 *   4-4-4-1..3, and Amex/Diners 4-6-4/4-6-5) with one kind of separator (space or `-`),
 *   standing alone, with an issuer prefix and length that exist (ISO/IEC 7812 IINs of Visa,
 *   Mastercard, Amex, Discover, JCB, Diners, UnionPay) and a valid Luhn check digit. Epoch
 *   timestamps in ms/µs/ns start with 1 (no such issuer), and columns of small numbers (VPC
 *   flow logs) do not have the printed groupings.
 * - `phone`: international numbers written with `+` and 10–15 digits (E.164 allows at most
 *   15; separators space . - and parentheses allowed), and North American numbers
 *   `(415) 555-0132`, `415-555-0132`, `415.555.0132` (area code and exchange start 2–9; the
 *   same separator twice). A plain run of ten digits, dates (`2024-03-05`) and dotted
 *   versions are kept.
 */
import { REDACTED, type ScrubRule, isWordCode, separatedBefore } from '../rule.js';

// Never starting inside a run of digits (the lookbehind also makes the scan much cheaper on
// digit-heavy lines); groupings: 4-4-4-1..4[-1..3], Amex/Diners 4-6-4..5, or 13-19 plain.
const CARD = /(?<![0-9])\d{4}(?:([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|([ -])\d{6}\2\d{4,5}|\d{9,15})(?![0-9])/g;
const CARD_ANY = new RegExp(CARD.source);

/** Issuer prefixes and the lengths they issue. */
function issuerAccepts(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16; // Mastercard
  if (p2 === 34 || p2 === 37) return n === 15; // American Express
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  return false;
}

export function luhnValid(d: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let v = d.charCodeAt(i) - 48;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Not glued to a word, a decimal point or a sign on either side. */
function standsAlone(text: string, start: number, end: number): boolean {
  const after = end < text.length ? text.charCodeAt(end) : 32;
  if (!separatedBefore(text, start) || text.charCodeAt(start - 1) === 46) return false;
  if (isWordCode(after)) return false;
  if ((after === 46 || after === 45) && isWordCode(text.charCodeAt(end + 1))) return false;
  return true;
}

export const creditCard: ScrubRule = {
  name: 'credit_card',
  apply(text, hit) {
    if (!CARD_ANY.test(text)) return text;
    return text.replace(CARD, (m: string, ...rest: unknown[]) => {
      const offset = rest[rest.length - 2] as number;
      if (!standsAlone(text, offset, offset + m.length)) return m;
      const digits = m.replace(/[ -]/g, '');
      if (!issuerAccepts(digits) || !luhnValid(digits)) return m;
      hit();
      return REDACTED;
    });
  },
};

const INTERNATIONAL = /\+[1-9][\d ().-]{8,22}\d/g;
const NANP = /(?:\([2-9]\d{2}\) ?|[2-9]\d{2}([.-]))[2-9]\d{2}(?:\1|(?<=\) ?\d{3})[ .-])\d{4}/g;
const NANP_ANY = new RegExp(NANP.source);

function validInternational(m: string): boolean {
  const digits = m.replace(/\D/g, '').length;
  if (digits < 10 || digits > 15) return false;
  // At most one separator between digits (a ") " or " (" pair counts as one), balanced parentheses.
  if (/[ .-]{2}|\(\(|\)\)|[.-][()]|[()][.-]/.test(m)) return false;
  let depth = 0;
  for (const c of m) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth < 0 || depth > 1) return false;
  }
  return depth === 0;
}

export const phone: ScrubRule = {
  name: 'phone',
  jsonSafe: true,
  apply(text, hit) {
    let out = text;
    if (out.includes('+')) {
      out = out.replace(INTERNATIONAL, (m: string, offset: number, s: string) => {
        if (!separatedBefore(s, offset) || s.charCodeAt(offset - 1) === 43) return m;
        if (!standsAlone(s, offset + 1, offset + m.length) || !validInternational(m)) return m;
        hit();
        return REDACTED;
      });
    }
    if (!NANP_ANY.test(out)) return out;
    return out.replace(NANP, (m: string, ...rest: unknown[]) => {
      const offset = rest[rest.length - 2] as number;
      const s = rest[rest.length - 1] as string;
      const before = offset > 0 ? s.charCodeAt(offset - 1) : 32;
      // Not inside a longer number or a dotted/dashed sequence (dates, versions, addresses).
      if (before === 45 || before === 43 || before === 40) return m;
      if (!standsAlone(s, offset, offset + m.length)) return m;
      hit();
      return REDACTED;
    });
  },
};
