/**
 * IP addresses (off by default).
 * - `ipv4`: four decimal octets 0–255 without leading zeros (RFC 6943 §3.1.1 dotted-decimal),
 *   standing alone: not preceded by a letter, digit, `_` or `.`, not followed by a letter,
 *   digit or `.digit` — so version strings (`1.2.3.4.5`, `v1.2.3.4`), OIDs, `2024.03.05.10`
 *   and `01.02.03.04` are kept. Replaced by `xxx.xxx.xxx.xxx`, the Datadog Forwarder's
 *   REDACT_IP placeholder. A time written `10.15.30.123` is a valid address and is redacted.
 * - `ipv6`: the RFC 4291 §2.2 text forms (eight groups; `::` compression; a trailing IPv4),
 *   standing alone, conservatively: a compressed address needs two or more groups and at least
 *   one digit, so `::1`, `::`, `std::vector`, `dead::beef` are kept, as are times (`10:15:30`)
 *   and MAC addresses (six groups).
 */
import { REDACTED, type ScrubRule, isWordCode, separatedBefore } from '../rule.js';

export const IPV4_PLACEHOLDER = 'xxx.xxx.xxx.xxx';

const IPV4_CANDIDATE = /(?<![0-9.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;
const IPV4_ANY = /(?<![0-9.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/;
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

export const ipv4: ScrubRule = {
  name: 'ipv4',
  jsonSafe: true,
  apply(text, hit) {
    if (!IPV4_ANY.test(text)) return text;
    return text.replace(IPV4_CANDIDATE, (m: string, offset: number) => {
      const end = offset + m.length;
      const after = text.charCodeAt(end);
      if (!separatedBefore(text, offset) || text.charCodeAt(offset - 1) === 46) return m;
      if (isWordCode(after) || (after === 46 && isDigit(text.charCodeAt(end + 1)))) return m;
      if (!isIpv4(m)) return m;
      hit();
      return IPV4_PLACEHOLDER;
    });
  },
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Characters an IPv6 text form is made of. */
function isV6Char(c: number): boolean {
  return isHex(c) || c === 58 || c === 46;
}

const GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** RFC 4291 text form, with the conservative limits above. */
export function isIpv6(s: string): boolean {
  if (!/\d/.test(s)) return false;
  let body = s;
  let tailGroups = 0;
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    if (!isIpv4(s.slice(lastColon + 1))) return false;
    body = s.slice(0, lastColon + 1);
    tailGroups = 2;
    // "…::1.2.3.4" leaves "…::"; "…:ffff:1.2.3.4" leaves "…:ffff:" — drop the separator.
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  for (const g of groups) for (const x of g) if (!GROUP.test(x)) return false;
  const count = groups.reduce((n, g) => n + g.length, 0) + tailGroups;
  if (halves.length === 1) return count === 8;
  return count >= 2 && count <= 7;
}

export const ipv6: ScrubRule = {
  name: 'ipv6',
  jsonSafe: true,
  apply(text, hit) {
    let colon = text.indexOf(':');
    if (colon < 0) return text;
    let out = '';
    let copied = 0;
    while (colon >= 0) {
      let start = colon;
      while (start > copied && isV6Char(text.charCodeAt(start - 1))) start--;
      let end = colon;
      while (end < text.length && isV6Char(text.charCodeAt(end))) end++;
      // A sentence's full stop is not part of the address.
      while (end > colon && text.charCodeAt(end - 1) === 46) end--;
      const after = end < text.length ? text.charCodeAt(end) : 32;
      if (separatedBefore(text, start) && !isWordCode(after) && isIpv6(text.slice(start, end))) {
        out += text.slice(copied, start) + REDACTED;
        copied = end;
        hit();
      }
      colon = text.indexOf(':', Math.max(end, colon + 1));
    }
    return copied === 0 ? text : out + text.slice(copied);
  },
};
