/**
 * What a Lambda log line says about its invocation: the request id and the level, from the
 * platform lines (START/END/REPORT) and the runtimes' own prefixes. Pure; cheap prefix checks
 * first because it runs on every line.
 *
 * Formats (AWS Lambda Developer Guide, "Logging" pages per runtime):
 *   START RequestId: <id> Version: $LATEST
 *   END RequestId: <id>
 *   REPORT RequestId: <id>\tDuration: …
 *   <ISO time>\t<id>\t<LEVEL>\t<message>            Node.js text format
 *   [<LEVEL>]\t<ISO time>\t<id>\t<message>          Python text format
 *   <ISO time> <id> Task timed out after 3.00 seconds
 *   {"timestamp":…,"level":"INFO","requestId":"<id>","message":…}   JSON log format
 *   {"time":…,"type":"platform.report","record":{"requestId":"<id>",…}}
 */

export type PlatformKind = 'start' | 'end' | 'report';

export interface LineFacts {
  requestId?: string;
  level?: string;
  /** START/END/REPORT (text or JSON platform record), which open and close an invocation. */
  platform?: PlatformKind;
}

const LEVELS = new Set(['TRACE', 'DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR', 'FATAL', 'CRITICAL']);

/** A UUID at the sticky position (a regex scans faster than a loop over the characters). */
const UUID_AT = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/y;

/** A request id is a UUID: 36 hex digits and dashes, the dashes at 8, 13, 18 and 23. */
export function isRequestId(s: string, at = 0): boolean {
  UUID_AT.lastIndex = at;
  return UUID_AT.test(s);
}

const TOKEN_AT = /[^\x00-\x20]*/y;

/** Where the token at `at` ends: the first space, TAB, newline or other control character. */
export function tokenEnd(s: string, at: number): number {
  TOKEN_AT.lastIndex = at;
  TOKEN_AT.test(s);
  return TOKEN_AT.lastIndex;
}

function idAt(s: string, at: number): string | undefined {
  return isRequestId(s, at) ? s.slice(at, at + 36) : undefined;
}

function withId(platform: PlatformKind, s: string, at: number): LineFacts {
  const requestId = idAt(s, at);
  return requestId === undefined ? { platform } : { platform, requestId };
}

/** Facts from a text line. `json` is the parsed message when it is a JSON object. */
export function lineFacts(message: string, json?: Record<string, unknown>): LineFacts {
  if (json !== undefined) return jsonFacts(json);
  const c = message.charCodeAt(0);
  // 'S'TART, 'E'ND, 'R'EPORT
  if (c === 83 && message.startsWith('START RequestId: ')) return withId('start', message, 17);
  if (c === 69 && message.startsWith('END RequestId: ')) return withId('end', message, 15);
  if (c === 82 && message.startsWith('REPORT RequestId: ')) return withId('report', message, 18);
  // Python: [LEVEL]\t<time>\t<id>\t…
  if (c === 91) {
    const close = message.indexOf(']\t');
    if (close > 1 && close < 10) {
      const level = message.slice(1, close).toUpperCase();
      const t2 = message.indexOf('\t', close + 2);
      const requestId = t2 > 0 ? idAt(message, t2 + 1) : undefined;
      const facts: LineFacts = {};
      if (LEVELS.has(level)) facts.level = normalizeLevel(level);
      if (requestId !== undefined) facts.requestId = requestId;
      return facts;
    }
    return {};
  }
  // Node: <ISO time>\t<id>\t<LEVEL>\t…   and   <ISO time> <id> Task timed out …
  if (c >= 48 && c <= 57 && message.length > 60) {
    const sep = message.indexOf('Z', 19);
    if (sep > 0 && sep < 32) {
      const after = message.charCodeAt(sep + 1);
      if (after === 9 || after === 32) {
        const requestId = idAt(message, sep + 2);
        if (requestId === undefined) return {};
        const facts: LineFacts = { requestId };
        if (after === 9 && message.charCodeAt(sep + 38) === 9) {
          const end = message.indexOf('\t', sep + 39);
          const level = message.slice(sep + 39, end < 0 ? undefined : end).toUpperCase();
          if (LEVELS.has(level)) facts.level = normalizeLevel(level);
        }
        return facts;
      }
    }
  }
  return {};
}

function normalizeLevel(level: string): string {
  return level === 'WARNING' ? 'WARN' : level === 'CRITICAL' ? 'FATAL' : level;
}

const PLATFORM_TYPES: Record<string, PlatformKind> = {
  'platform.start': 'start',
  'platform.runtimeDone': 'end',
  'platform.report': 'report',
};

function jsonFacts(json: Record<string, unknown>): LineFacts {
  const facts: LineFacts = {};
  const type = json['type'];
  if (typeof type === 'string' && type.startsWith('platform.')) {
    const record = json['record'];
    const platform = PLATFORM_TYPES[type];
    if (platform !== undefined) facts.platform = platform;
    if (record !== null && typeof record === 'object') {
      const id = (record as Record<string, unknown>)['requestId'];
      if (typeof id === 'string') facts.requestId = id;
    }
    return facts;
  }
  const id = json['requestId'] ?? json['function_request_id'] ?? json['request_id'] ?? json['AWSRequestId'];
  if (typeof id === 'string' && isRequestId(id)) facts.requestId = id;
  const level = json['level'] ?? json['levelname'] ?? json['severity'];
  if (typeof level === 'string') {
    const upper = level.toUpperCase();
    if (LEVELS.has(upper)) facts.level = normalizeLevel(upper);
  }
  return facts;
}
