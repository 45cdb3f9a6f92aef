/**
 * Multiline for CloudWatch batches: log events that do not match the start-of-record pattern
 * are joined to the event before them (an agent that wrote a stack trace line by line). The
 * joined record keeps the first event's timestamp and id. Joining stays within one batch (one
 * log stream's payload): a record is never held back waiting for the next invocation.
 */
import type { RawLog } from '../model.js';
import { type LineTest, MultilineJoiner } from '../../parsers/multiline.js';
import type { RawBatch } from './source.js';

export function createBatchJoiner(start: LineTest): (batch: RawBatch) => RawBatch {
  return (batch) => {
    const joiner = new MultilineJoiner<RawLog>({ start });
    const logs: RawLog[] = [];
    const emit = (r: ReturnType<typeof joiner.flush>) => {
      if (r === undefined) return;
      logs.push(r.lines === 1 ? r.first : { ...r.first, message: r.text });
    };
    for (const raw of batch.logs) {
      // CloudWatch keeps each event's trailing newline; the joiner works on lines.
      const line = raw.message.endsWith('\n') ? raw.message.slice(0, -1) : raw.message;
      emit(joiner.push(line, line === raw.message ? raw : { ...raw, message: line }));
    }
    emit(joiner.flush());
    return logs.length === batch.logs.length ? batch : { ...batch, logs };
  };
}
