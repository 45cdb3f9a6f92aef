/**
 * A writable for the stdout destination that keeps every NDJSON line it is given, parsed, and
 * can run a hook after each write (tests use it to move a fake clock forward).
 */
import type { Writable } from '../../forwarder/destinations/stdout.js';

export interface NdjsonSink extends Writable {
  readonly items: Array<Record<string, unknown>>;
  logs(): Array<Record<string, unknown>>;
  onWrite?: () => void;
}

export function ndjsonSink(): NdjsonSink {
  const items: Array<Record<string, unknown>> = [];
  const sink: NdjsonSink = {
    items,
    logs: () => items.filter((i) => i['type'] === 'log'),
    write(chunk, callback) {
      for (const line of Buffer.from(chunk).toString('utf8').split('\n')) {
        if (line !== '') items.push(JSON.parse(line) as Record<string, unknown>);
      }
      sink.onWrite?.();
      callback();
      return true;
    },
  };
  return sink;
}
