/**
 * Email addresses (off by default). Found from each `@`: a local part of letters, digits and
 * `_ . + -` before it (the character set the Datadog Forwarder's REDACT_EMAIL pattern uses),
 * and a domain of two or more labels after it whose last label (the TLD) is 2+ letters — so
 * `pkg@1.2.3`, `@scope/name` and `user@localhost` are kept. Replaced by `xxxxx@xxxxx.com`,
 * the Datadog Forwarder's placeholder, so that REDACT_EMAIL keeps producing the same text.
 */
import { type ScrubRule, oddBackslashesBefore } from '../rule.js';

export const EMAIL_PLACEHOLDER = 'xxxxx@xxxxx.com';

function isLocal(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 43 || c === 45;
}

function isLabel(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The end of the domain starting at `from`, or -1 if there is no valid one. */
function domainEnd(s: string, from: number): number {
  let p = from;
  let labels = 0;
  let end = -1;
  for (;;) {
    const start = p;
    while (p < s.length && isLabel(s.charCodeAt(p))) p++;
    if (p === start) break;
    labels++;
    if (labels >= 2 && p - start >= 2 && allLetters(s, start, p)) end = p;
    if (s.charCodeAt(p) !== 46 /* . */) break;
    p++;
  }
  return end;
}

function allLetters(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isLetter(s.charCodeAt(i))) return false;
  return true;
}

export const email: ScrubRule = {
  name: 'email',
  jsonSafe: true,
  probes: ['@'],
  apply(text, hit) {
    let at = text.indexOf('@');
    if (at < 0) return text;
    let out = '';
    let copied = 0;
    while (at >= 0) {
      let start = at;
      while (start > copied && isLocal(text.charCodeAt(start - 1))) start--;
      // The letter of a JSON escape (\njane@…) is not part of the address.
      if (start > 0 && oddBackslashesBefore(text, start)) start++;
      while (start < at && text.charCodeAt(start) === 46) start++; // a local part does not start with '.'
      const end = start < at ? domainEnd(text, at + 1) : -1;
      if (end > 0) {
        const found = text.slice(start, end);
        out += text.slice(copied, start) + EMAIL_PLACEHOLDER;
        copied = end;
        if (found !== EMAIL_PLACEHOLDER) hit();
      }
      at = text.indexOf('@', Math.max(at + 1, copied));
    }
    return copied === 0 ? text : out + text.slice(copied);
  },
};
