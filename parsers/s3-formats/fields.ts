/**
 * Field helpers shared by the space-separated access-log formats (ALB, classic ELB, S3 server
 * access): a tokenizer that honours "quoted" and [bracketed] fields, and value helpers ('-' is
 * what AWS writes for "not applicable"). Pure; no regex on the hot path.
 */
import type { Attributes } from '../../forwarder/model.js';

const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACKET = 91;

/**
 * Splits `line` on spaces into `out` (reused between lines to spare allocations) and returns
 * the number of fields. A field in double quotes may hold spaces (quotes removed; a quote after
 * a backslash does not close it); a field in square brackets likewise (the S3 access-log time).
 * An unclosed quote or bracket runs to the end of the line.
 */
export function splitFields(line: string, out: string[]): number {
  const len = line.length;
  let n = 0;
  let i = 0;
  while (i < len) {
    const c = line.charCodeAt(i);
    if (c === SPACE) {
      i++;
      continue;
    }
    let end: number;
    if (c === QUOTE) {
      end = i + 1;
      for (;;) {
        end = line.indexOf('"', end);
        if (end === -1) {
          end = len;
          break;
        }
        if (line.charCodeAt(end - 1) !== BACKSLASH) break;
        end++;
      }
      out[n++] = line.slice(i + 1, end);
      i = end + 1;
    } else if (c === OPEN_BRACKET) {
      end = line.indexOf(']', i + 1);
      if (end === -1) end = len;
      out[n++] = line.slice(i + 1, end);
      i = end + 1;
    } else {
      end = line.indexOf(' ', i);
      if (end === -1) end = len;
      out[n++] = line.slice(i, end);
      i = end;
    }
  }
  out.length = n; // no field of an earlier, longer line is left behind
  return n;
}

/** Whether AWS wrote a value: '-' (and empty) mean "not applicable". */
export function present(v: string | undefined): v is string {
  return v !== undefined && v !== '-' && v !== '';
}

/** Numbers stay numbers; a value that is not one is kept as text rather than lost. */
export function num(v: string): number | string {
  const n = Number(v);
  return Number.isFinite(n) ? n : v;
}

/** The address of `ip:port` (IPv6 addresses keep their colons: the port is after the last one). */
export function hostOf(v: string): string {
  const colon = v.lastIndexOf(':');
  return colon <= 0 ? v : v.slice(0, colon);
}

/** The port of `ip:port`, when there is one. */
export function portOf(v: string): number | string | undefined {
  const colon = v.lastIndexOf(':');
  return colon <= 0 ? undefined : num(v.slice(colon + 1));
}

/**
 * A request line `METHOD URL PROTOCOL/VERSION` into OpenTelemetry HTTP names
 * (https://opentelemetry.io/docs/specs/semconv/http/). "- - - " (no request) adds nothing.
 */
export function putRequestLine(attrs: Attributes, v: string | undefined, urlName: 'url.full' | 'url.path'): void {
  if (!present(v)) return;
  const a = v.indexOf(' ');
  const method = a === -1 ? v : v.slice(0, a);
  if (present(method)) attrs['http.request.method'] = method;
  if (a === -1) return;
  const b = v.indexOf(' ', a + 1);
  const url = b === -1 ? v.slice(a + 1) : v.slice(a + 1, b);
  // Constant names in each branch: a store through a variable name is much slower in V8.
  if (present(url)) {
    if (urlName === 'url.full') attrs['url.full'] = url;
    else attrs['url.path'] = url;
  }
  if (b === -1) return;
  const protocol = v.slice(b + 1).trim();
  const slash = protocol.indexOf('/');
  if (slash > 0) {
    attrs['network.protocol.name'] = protocol.slice(0, slash).toLowerCase();
    attrs['network.protocol.version'] = protocol.slice(slash + 1);
  }
}

/** ISO-8601 to ms, or undefined. A cheap shape check first: Date.parse is lenient. */
export function isoToMs(v: string | undefined): number | undefined {
  if (v === undefined || v.length < 19 || v.charCodeAt(4) !== 45 /* - */ || v.charCodeAt(10) !== 84 /* T */) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}
