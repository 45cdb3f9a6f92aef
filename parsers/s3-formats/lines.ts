/**
 * Plain lines: each non-empty line is one record, kept as written; the timestamp is the
 * object's (LastModified), since a free-form line has no known time field.
 */
import type { LineParser, ParsedRecord } from './types.js';

export function createLinesParser(): LineParser {
  return {
    parse(line: string, fallbackTimestamp: number): ParsedRecord {
      return { timestamp: fallbackTimestamp, message: line };
    },
  };
}
