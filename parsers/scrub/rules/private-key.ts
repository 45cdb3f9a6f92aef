/**
 * PEM private key blocks (RFC 7468 §10–11: `-----BEGIN PRIVATE KEY-----`, `ENCRYPTED PRIVATE
 * KEY`; the legacy `RSA`/`EC`/`DSA`/`OPENSSH` labels; OpenPGP's `PGP PRIVATE KEY BLOCK`),
 * across lines, raw or with JSON-escaped line breaks (`\n`). The armour lines are kept and the
 * body between them becomes [REDACTED]. A block with no END line (a truncated log line) is
 * redacted up to the end of its base64 body. Public keys and certificates are not secrets and
 * are kept.
 */
import { REDACTED, type ScrubRule } from '../rule.js';

const LABEL = '(?:[A-Z0-9]+ )*';
const BLOCK = new RegExp(
  `-----BEGIN (${LABEL})PRIVATE KEY( BLOCK)?-----` +
    // Up to the first END line (never across a quote: a match stays inside one JSON string),
    // or, without one, over what a PEM body and its headers hold.
    `(?:[^"]*?(-----END ${LABEL}PRIVATE KEY(?: BLOCK)?-----)|(?:[A-Za-z0-9+/=:,.\\- \\t\\r\\n]|\\\\[nrt])*)`,
  'g',
);

export const privateKey: ScrubRule = {
  name: 'private_key',
  jsonSafe: true,
  probes: ['PRIVATE KEY'],
  apply(text, hit) {
    if (!text.includes('PRIVATE KEY')) return text;
    return text.replace(BLOCK, (m: string, label: string, block: string | undefined, end: string | undefined) => {
      const head = `-----BEGIN ${label}PRIVATE KEY${block ?? ''}-----`;
      if (end === undefined && m.length === head.length) return m; // no body: nothing to hide
      const out = `${head}${REDACTED}${end ?? ''}`;
      if (out !== m) hit();
      return out;
    });
  },
};
