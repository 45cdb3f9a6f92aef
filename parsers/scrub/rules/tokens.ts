/**
 * Bearer credentials:
 * - `authorization`: the value of an Authorization (or Proxy-Authorization) header or key, in
 *   HTTP dumps (`Authorization: Bearer …`), JSON (`"authorization":"Basic …"`, escaped or not)
 *   and key=value text. A known scheme (RFC 9110 §11.6.2; Bearer RFC 6750, Basic RFC 7617,
 *   AWS4-HMAC-SHA256, …) is kept and the credential after it redacted; without a scheme the
 *   value is redacted when it is quoted or looks like a token (16+ token68 characters), so
 *   that prose like "authorization: denied" is kept.
 * - `bearer_token`: `Bearer <token>` anywhere else, when the token has 16+ token68 characters
 *   (RFC 6750 §2.1: b64token), so "Bearer token expired" is kept.
 * - `jwt`: JSON web tokens (RFC 7519, compact JWS, RFC 7515 §7.1): base64url header and
 *   payload, both JSON objects, so both begin `eyJ` (`{"`), then a signature (possibly empty).
 *   A lone base64url JSON blob (a pagination token) has no dots and is kept.
 */
import { KEY_SEPARATOR, REDACTED, type ScrubRule, separatedBefore } from '../rule.js';

const SCHEMES = 'bearer|basic|digest|token|negotiate|ntlm|aws4-hmac-sha256|apikey|sso-key|ssws';

const AUTHORIZATION = new RegExp(
  `(authorization\\\\{0,3}["']?[ \\t]*[:=][ \\t]*(\\\\{0,3}["'])?)(?:(${SCHEMES})([ \\t]+))?([^\\s"'\\\\,;]+)`,
  'gi',
);

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const AUTH_WORD = /authoriz/i;
const DIGITS = /^[\d.+-]+$/;
const BEARER_WORD = /bearer/i;

export const authorization: ScrubRule = {
  name: 'authorization',
  jsonSafe: true,
  triggers: [`authorization${KEY_SEPARATOR}`],
  apply(text, hit) {
    if (!AUTH_WORD.test(text)) return text;
    return text.replace(
      AUTHORIZATION,
      (m: string, prefix: string, quote: string | undefined, scheme: string | undefined, space: string | undefined, value: string) => {
        if (value === REDACTED) return m;
        // Unquoted and schemeless: only token-like values (not prose, not a JSON number).
        if (scheme === undefined && quote === undefined && (value.length < 16 || !TOKEN68.test(value) || DIGITS.test(value))) {
          return m;
        }
        hit();
        return scheme === undefined ? `${prefix}${REDACTED}` : `${prefix}${scheme}${space ?? ' '}${REDACTED}`;
      },
    );
  },
};

const BEARER = /(bearer[ \t]+)([A-Za-z0-9\-._~+/]{16,}=*)/gi;

export const bearerToken: ScrubRule = {
  name: 'bearer_token',
  jsonSafe: true,
  triggers: ['bearer[ \\t]'],
  apply(text, hit) {
    if (!BEARER_WORD.test(text)) return text;
    return text.replace(BEARER, (m: string, head: string, _token: string, offset: number) => {
      if (!separatedBefore(text, offset)) return m;
      hit();
      return `${head}${REDACTED}`;
    });
  },
};

// Starts only where a base64url run starts (or after a JSON escape such as \n): without the
// lookbehind, a long run of "eyJeyJ…" is rescanned from every "eyJ" in it (quadratic).
const JWT = /(?<!(?<!\\)[A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

export const jwt: ScrubRule = {
  name: 'jwt',
  jsonSafe: true,
  probes: ['.eyJ'],
  apply(text, hit) {
    if (!text.includes('.eyJ')) return text;
    return text.replace(JWT, () => {
      hit();
      return REDACTED;
    });
  },
};
