/**
 * CloudWatch Logs export files (CreateExportTask): each event is written as
 * `<ISO-8601 timestamp> <message>`, one space between
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/S3Export.html). The record's
 * timestamp is taken from the line and the message is the rest. A message holding newlines
 * spans several lines: a line that does not start with a timestamp continues the previous
 * record (`continuation`), and the reader joins it back with '\n'.
 */
import type { LineParser, ParsedRecord } from './types.js';

/** The longest timestamp prefix looked at: `2024-01-01T00:00:00.000000000+00:00`. */
const MAX_PREFIX = 40;

/** The timestamp ending at the first space, when the line starts with one; else undefined. */
export function exportLineTimestamp(line: string): { ms: number; messageAt: number } | undefined {
  // Cheap shape check before any parsing: YYYY-MM-DDT…
  if (line.length < 20 || line.charCodeAt(4) !== 45 || line.charCodeAt(7) !== 45 || line.charCodeAt(10) !== 84) return undefined;
  const space = line.indexOf(' ', 19);
  if (space === -1 || space > MAX_PREFIX) return undefined;
  const ms = Date.parse(line.slice(0, space));
  return Number.isNaN(ms) ? undefined : { ms, messageAt: space + 1 };
}

export function createCloudWatchExportParser(): LineParser {
  return {
    parse(line: string, fallbackTimestamp: number): ParsedRecord {
      const ts = exportLineTimestamp(line);
      if (ts === undefined) return { timestamp: fallbackTimestamp, message: line, continuation: true };
      return { timestamp: ts.ms, message: line.slice(ts.messageAt) };
    },
  };
}
