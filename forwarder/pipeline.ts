/**
 * Raw batches → telemetry → the sink. For each batch: skip the forwarder's own log group,
 * build records, run the stages (telemetry extraction over the whole batch, then filtering and
 * scrubbing — in that order, so metrics come from lines that filtering drops and nothing leaves
 * unscrubbed), then push every item, waiting when the sink applies back-pressure. Filtering,
 * scrubbing and pushing go slice by slice (see runBatch); the stages see each slice with the
 * batch's context object.
 */
import type { Counters } from './accounting.js';
import type { Deliverer } from './delivery/deliverer.js';
import type { Telemetry } from './model.js';
import { SIGNALS, countOf, signalOf } from './model.js';
import type { RecordBuilder } from './records.js';
import type { RawBatch } from './sources/source.js';
import type { ChunkContext, Stage } from './stages/stage.js';

/** Items refined and pushed between two turns of the event loop. */
const SLICE = 128;
/** Items of the last slice of a batch, at least (see runBatch). */
const LAST_SLICE = 32;

export interface PipelineParts {
  readonly records: RecordBuilder;
  /** Stages that may turn log lines into other signals (their removed logs count as converted). */
  readonly extract: readonly Stage[];
  /** Stages that drop or rewrite (filter counts what it drops; scrub rewrites). */
  readonly refine: readonly Stage[];
  readonly sink: Pick<Deliverer, 'push'> & Partial<Pick<Deliverer, 'flush'>>;
  readonly counters: Counters;
  readonly ownLogGroup?: string;
  /** Resolves per-batch context that needs I/O (the function's architecture), cached. */
  readonly context?: (batch: RawBatch) => Promise<Partial<ChunkContext>>;
  /** Joins continuation lines (multiline); stateful per origin. */
  readonly multiline?: (batch: RawBatch) => RawBatch;
}

export async function runBatch(batch: RawBatch, p: PipelineParts): Promise<void> {
  const { counters } = p;
  counters.add('received', batch.logs.length, { signal: 'logs' });
  if (p.ownLogGroup !== undefined && batch.origin.logGroup === p.ownLogGroup) {
    // Forwarding our own log group would feed every run back into itself.
    counters.add('filtered', batch.logs.length, { signal: 'logs', reason: 'own_log_group' });
    return;
  }
  const joined = p.multiline === undefined ? batch : p.multiline(batch);
  // Lines joined into another count as part of it, not as lost.
  if (joined.logs.length < batch.logs.length) {
    counters.add('converted', batch.logs.length - joined.logs.length, { signal: 'logs', reason: 'multiline' });
  }
  const extra = p.context === undefined ? {} : await p.context(joined);
  const ctx: ChunkContext = { origin: joined.origin, counters, ...extra };
  let items: Telemetry[] = p.records.build(joined);
  const logsBefore = items.length;
  for (const stage of p.extract) items = stage(items, ctx);
  const logsAfter = countLogs(items);
  if (logsAfter < logsBefore) counters.add('converted', logsBefore - logsAfter, { signal: 'logs' });
  // Refining, encoding and compressing go slice by slice, with a turn of the event loop between
  // slices: zlib compresses on the thread pool one write at a time and starts the next write only
  // on a turn, so the body of slice n is compressed while slice n+1 is scrubbed and encoded.
  // (Extraction sees the whole batch: a REPORT's trace id reaches the lines before it.)
  const emitted = { logs: 0, metrics: 0, traces: 0 };
  for (let start = 0, end = 0; start < items.length; start = end) {
    // The last slice is small (32 to 64 items): zlib compresses it after the batch ends, while
    // the invocation waits (mixed workload 0.965 of the time with 128-item last slices).
    const left = items.length - start;
    end = start + (left > SLICE + LAST_SLICE ? SLICE : left > 2 * LAST_SLICE ? left - LAST_SLICE : left);
    let slice = items.slice(start, end);
    for (const stage of p.refine) slice = stage(slice, ctx);
    for (const item of slice) {
      emitted[signalOf(item)] += countOf(item);
      const wait = p.sink.push(item);
      if (wait !== undefined) await wait;
    }
    if (end < items.length) {
      p.sink.flush?.();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  for (const signal of SIGNALS) counters.add('emitted', emitted[signal], { signal });
}

function countLogs(items: readonly Telemetry[]): number {
  let n = 0;
  for (const i of items) if (i.type === 'log') n++;
  return n;
}
