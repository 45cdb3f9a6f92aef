/**
 * The forwarder's own log: one JSON object per line on stderr (stdout carries NDJSON output in
 * local runs; in Lambda both reach the forwarder's own log group, which is never forwarded).
 * Callers pass fields that hold no secret or payload.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: Level, message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(min: Level, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  return {
    log(level, message, fields) {
      if (ORDER[level] < ORDER[min]) return;
      write(`${JSON.stringify({ level, message, ...fields })}\n`);
    },
  };
}
