/**
 * OTLP exporter headers (OTEL_EXPORTER_OTLP_HEADERS, or the same text from Secrets Manager / SSM)
 * → a header map. Two forms:
 *  - `k1=v1,k2=v2`: the W3C Baggage list syntax the exporter spec names (BACKENDS.md §5;
 *    https://www.w3.org/TR/baggage/#header-content): members split on `,`, optional whitespace
 *    around members, keys and `=` trimmed, values percent-decoded (`%20` → space; `+` stays a
 *    plus, as in the OpenTelemetry SDKs' readers). Empty members (a trailing comma) are skipped.
 *    A `;` is kept as part of the value, as the SDKs do, so a value is never cut short.
 *  - a JSON object `{"x-api-key": "…"}` (the natural shape of a Secrets Manager secret), values
 *    strings (numbers and booleans are written as text).
 * Names are checked as HTTP tokens (RFC 9110 §5.6.2) and lower-cased (HTTP names are
 * case-insensitive; one spelling per name avoids duplicates when merged with ours); values must
 * not hold CR, LF or NUL. Problems name the header and never its value: values are secrets.
 */
import { ForwarderError } from '../errors.js';

export type HeaderParse =
  | { readonly ok: true; readonly headers: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly problems: readonly string[] };

/** The headers could not be read; the message names headers, never values. */
export class OtlpHeaderError extends ForwarderError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid OTLP headers: ${problems.join('; ')}`);
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

/** A name safe to show: it is not a secret, but it may be garbage; keep it short. */
function shown(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

function check(name: string, value: string, at: string, headers: Record<string, string>, problems: string[]): void {
  if (!TOKEN.test(name)) {
    problems.push(`${at}: ${name === '' ? 'empty header name' : `header name ${shown(name)} is not a valid HTTP token`}`);
    return;
  }
  if (BAD_VALUE.test(value)) {
    problems.push(`${at}: the value of header ${shown(name)} contains a line break or NUL`);
    return;
  }
  headers[name.toLowerCase()] = value;
}

function parseJson(text: string): HeaderParse {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, problems: ['the value starts with "{" but is not valid JSON'] };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, problems: ['expected a JSON object of header names to values'] };
  }
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(doc as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      problems.push(`header ${shown(name)}: expected a string value`);
      continue;
    }
    check(name, String(v), `header ${shown(name)}`, headers, problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, headers };
}

function parseList(text: string): HeaderParse {
  const headers: Record<string, string> = {};
  const problems: string[] = [];
  const members = text.split(',');
  for (let i = 0; i < members.length; i++) {
    const member = (members[i] as string).trim();
    if (member === '') continue;
    const at = `entry ${i + 1}`;
    const eq = member.indexOf('=');
    if (eq < 0) {
      problems.push(`${at}: expected name=value`);
      continue;
    }
    const name = member.slice(0, eq).trim();
    let value: string;
    try {
      value = decodeURIComponent(member.slice(eq + 1).trim());
    } catch {
      problems.push(`${at}: the value of header ${shown(name)} is not valid percent-encoding`);
      continue;
    }
    check(name, value, at, headers, problems);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, headers };
}

export function parseOtlpHeaders(text: string): HeaderParse {
  const t = text.trim();
  if (t === '') return { ok: true, headers: {} };
  return t.startsWith('{') ? parseJson(t) : parseList(t);
}

/**
 * The `headers` option of the OTLP destination: resolves the secret text (cached by the
 * resolver), parses it once per distinct text, and throws OtlpHeaderError when it is malformed.
 * `resolve` undefined: no headers configured.
 */
export function otlpHeaderSource(resolve: (() => Promise<string>) | undefined): () => Promise<Record<string, string>> {
  let last: { text: string; headers: Record<string, string> } | undefined;
  return async () => {
    if (resolve === undefined) return {};
    const text = await resolve();
    if (last?.text === text) return last.headers;
    const parsed = parseOtlpHeaders(text);
    if (!parsed.ok) throw new OtlpHeaderError(parsed.problems);
    last = { text, headers: { ...parsed.headers } };
    return last.headers;
  };
}
