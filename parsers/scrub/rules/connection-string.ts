/**
 * Connection strings with an inline password:
 * - URLs with a password in the userinfo (RFC 3986 §3.2.1, "user:password@"):
 *   postgres://, mysql://, mongodb+srv://, redis://:pass@, amqp://, https://… The password
 *   runs to the last `@` of the authority, so an unencoded `@` in it does not leak the rest;
 *   user and host are kept.
 * - ADO.NET / ODBC style `Password=…;` or `Pwd=…;` (key=value pairs separated by `;`): the
 *   value up to the next `;` (spaces included). A lone `password=x` with no `;` before the key
 *   or after the value is left to the key/value rule.
 * Values stop at quotes and backslashes, so JSON strings around them stay intact.
 */
import { REDACTED, type ScrubRule } from '../rule.js';

const URL_USERINFO = /(:\/\/[^\s:/?#@"'\\]*:)([^\s/?#"'\\]+)@/g;

const ADO_WORD = /password|pwd/i;
const ADO_PASSWORD = /\b(?:password|pwd)[ \t]*=[ \t]*([^;"'\\\r\n]*)(;?)/gi;

/** The key at `offset` opens a ;-separated pair: only spaces back to a ';' or the start. */
function afterSemicolon(text: string, offset: number): boolean {
  let i = offset - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  return i < 0 || text.charCodeAt(i) === 59;
}

export const connectionString: ScrubRule = {
  name: 'connection_string',
  jsonSafe: true,
  triggers: ['(?:password|pwd)[ \\t]*='],
  probes: ['://'],
  apply(text, hit) {
    let out = text;
    if (out.includes('://')) {
      out = out.replace(URL_USERINFO, (m: string, head: string, password: string) => {
        if (password === REDACTED) return m;
        hit();
        return `${head}${REDACTED}@`;
      });
    }
    if (!out.includes(';') || !ADO_WORD.test(out)) return out;
    return out.replace(ADO_PASSWORD, (m: string, value: string, semi: string, offset: number, s: string) => {
      if (value.trim() === '' || value === REDACTED) return m;
      if (semi === '' && !afterSemicolon(s, offset)) return m;
      hit();
      return `${m.slice(0, m.length - value.length - semi.length)}${REDACTED}${semi}`;
    });
  },
};
