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

/** A request id is a UUID: 36 characters with dashes at 8, 13, 18 and 23. */
export function isRequestId(s: string, at = 0): boolean {
  if (s.length < at + 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(at + i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return false;
    } else if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70))) {
      return false;
    }
  }
  return true;
}

function idAt(s: string, at: number): string | undefined {
  return isRequestId(s, at) ? s.slice(at, at + 36) : undefined;
}

/**
 * A platform line's facts; its request id is the token at `at` (up to a space, TAB or newline),
 * taken when it has a UUID's length and dashes. Lambda writes these lines itself, so the cheap
 * check suffices, and these lines are a third of a busy function's output.
 */
function withId(platform: PlatformKind, s: string, at: number): LineFacts {
  let end = s.length;
  const space = s.indexOf(' ', at);
  if (space >= 0 && space < end) end = space;
  const tab = s.indexOf('\t', at);
  if (tab >= 0 && tab < end) end = tab;
  const newline = s.indexOf('\n', at);
  if (newline >= 0 && newline < end) end = newline;
  const uuid =
    end - at === 36 && s.charCodeAt(at + 8) === 45 && s.charCodeAt(at + 13) === 45 && s.charCodeAt(at + 18) === 45 && s.charCodeAt(at + 23) === 45;
  return uuid ? { platform, requestId: s.slice(at, end) } : { platform };
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
