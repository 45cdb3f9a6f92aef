/**
 * Values of keys named like a secret: the key ends with password, passwd, passphrase, secret,
 * token, api_key / api-key / apikey, access_key, private_key, optionally followed by a
 * key/value/string suffix (`db_password`, `client_secret`, `X-Auth-Token`, `refresh_token`,
 * `secretKey`, `SecretString`, `x-api-key`). Keys that only contain such a word are kept
 * (`password_changed`, `token_count`, `max_tokens`, `secret_name`, `accessKeyId`).
 *
 * Forms: JSON `"password":"…"` (also escaped inside another JSON string, `\"password\":\"…\"`,
 * and with numbers: `"pin_token": 1234` → `"pin_token": "[REDACTED]"`), Python/JS literals
 * `'password': '…'`, `password=…`, `password: …`, `password => '…'`, URL queries
 * `?access_token=…&`. Quoted values are redacted up to their closing quote, honouring
 * backslash escapes at the quoting depth of the opening quote; unquoted values up to
 * whitespace, a quote, a backslash or one of `,;&)]}<>`. The replacement stays inside the
 * quotes, so JSON stays JSON. JSON literals (true, false, null) and nested objects are kept
 * (their own members are scanned in turn).
 *
 * Known over-redaction: prose like "invalid token: expired" loses "expired".
 */
import { KEY_SEPARATOR, REDACTED, type ScrubRule } from '../rule.js';

const WORDS = 'passw(?:or)?d|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key';
const SUFFIX = '(?:[_-]?(?:key|value|string))?';
const KEYWORD = new RegExp(`(?:${WORDS})${SUFFIX}`, 'gi');
const MEMBER = new RegExp(`(?:${WORDS})${SUFFIX}$`, 'i');

const BACKSLASH = 92;
const DQUOTE = 34;
const SQUOTE = 39;

/** Characters that end an unquoted value. */
const STOP = new Set([...' \t\r\n"\'\\,;&)]}<>'].map((c) => c.charCodeAt(0)));

const KEY_AT_START = new RegExp(`^[\\w.-]*?(?:${WORDS})${SUFFIX}${KEY_SEPARATOR}`, 'i');
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const LITERAL = /^(?:true|false|null)\b/;

export const secretKeyValue: ScrubRule = {
  name: 'secret_key_value',
  triggers: [`(?:${WORDS})${SUFFIX}${KEY_SEPARATOR}`],
  apply(text, hit) {
    let out: string[] | undefined;
    let copied = 0;
    KEYWORD.lastIndex = 0;
    for (let m = KEYWORD.exec(text); m !== null; m = KEYWORD.exec(text)) {
      const found = valueAfterKey(text, m.index + m[0].length);
      if (found === undefined) continue;
      const { start, end, replacement } = found;
      const current = text.slice(start, end);
      if (current === '' || current === REDACTED || /^\**$/.test(current)) continue;
      out ??= [];
      out.push(text.slice(copied, start), replacement);
      copied = end;
      hit();
      KEYWORD.lastIndex = Math.max(KEYWORD.lastIndex, end);
    }
    if (out === undefined) return text;
    out.push(text.slice(copied));
    return out.join('');
  },
  redactsMember(key) {
    return MEMBER.test(key);
  },
};

interface Found {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

/** From the end of a key name: separator, then the value's extent; undefined if no value. */
function valueAfterKey(s: string, keyEnd: number): Found | undefined {
  let p = keyEnd;
  // The key's closing quote, possibly escaped (\" inside a JSON string).
  const keyQuote = quoteAt(s, p);
  if (keyQuote !== undefined) p = keyQuote.after;
  while (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 9) p++;
  const sep = s.charCodeAt(p);
  if (sep === 58 /* : */) {
    if (s.startsWith('//', p + 1)) return undefined; // a URL scheme, not a key
    p++;
  } else if (sep === 61 /* = */) {
    p++;
    if (s.charCodeAt(p) === 62 /* > */) p++;
  } else return undefined;
  while (s.charCodeAt(p) === 32 || s.charCodeAt(p) === 9) p++;
  if (s.startsWith(REDACTED, p)) return undefined; // another rule got there first

  const quote = quoteAt(s, p);
  if (quote !== undefined) {
    const close = closingQuote(s, quote.after, quote.code, quote.depth);
    return { start: quote.after, end: close, replacement: REDACTED };
  }
  // An unquoted value after a double-quoted key is JSON: a number is replaced by a quoted
  // placeholder at the key's depth; literals, objects and arrays are kept.
  if (keyQuote !== undefined && keyQuote.code === DQUOTE) {
    const rest = s.slice(p, p + 40);
    if (LITERAL.test(rest) || rest.startsWith('{') || rest.startsWith('[')) return undefined;
    const num = NUMBER.exec(rest);
    if (num !== null && num[0].length < 40) {
      const q = `${'\\'.repeat(keyQuote.depth)}"`;
      return { start: p, end: p + num[0].length, replacement: `${q}${REDACTED}${q}` };
    }
  }
  let end = p;
  while (end < s.length && !STOP.has(s.charCodeAt(end))) end++;
  if (end === p) return undefined;
  // `password= token=x`: the first key is empty and what follows is the next key, not a value.
  if (KEY_AT_START.test(s.slice(p, p + 200))) return undefined;
  return { start: p, end, replacement: REDACTED };
}

/** A quote at p, possibly preceded by backslashes (JSON escaping): its char and depth. */
function quoteAt(s: string, p: number): { code: number; depth: number; after: number } | undefined {
  let q = p;
  while (s.charCodeAt(q) === BACKSLASH) q++;
  const code = s.charCodeAt(q);
  if (code !== DQUOTE && code !== SQUOTE) return undefined;
  // Depth d is written with 2^d - 1 backslashes; anything else is not a quote we understand.
  const slashes = q - p;
  const depth = Math.log2(slashes + 1);
  if (!Number.isInteger(depth)) return undefined;
  return { code, depth, after: q + 1 };
}

/**
 * Index of the quote that closes a string opened at depth d (d=0: plain JSON; d=1: a JSON
 * string inside a JSON string…): a quote preceded by r backslashes closes it when
 * r mod 2^(d+1) = 2^d - 1 (at depth 0, an even run: `\\"` closes, `\"` does not). Without a
 * closing quote, the value runs to the end of the line (a truncated line leaks nothing).
 * A raw line break also ends it: JSON strings cannot hold one, so the quote was unbalanced.
 */
function closingQuote(s: string, from: number, code: number, depth: number): number {
  const period = 2 ** (depth + 1);
  const want = 2 ** depth - 1;
  let run = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) {
      run++;
      continue;
    }
    if (c === code && run % period === want) return i - want;
    if (c === 10 || c === 13) return i;
    run = 0;
  }
  return s.length;
}
