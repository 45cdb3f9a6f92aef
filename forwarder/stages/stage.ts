/**
 * A stage transforms the telemetry of one chunk (the lines of one CloudWatch payload, or a run
 * of lines of one S3 object) and returns what goes on. Stages are synchronous and do no I/O,
 * except through what the context hands them (cached lookups resolved before the chunk runs).
 * A stage never throws for bad input: it counts it in `ctx.counters` and keeps the line as a log.
 */
import type { Counters } from '../accounting.js';
import type { Origin, Telemetry } from '../model.js';

export interface ChunkContext {
  readonly origin: Origin;
  readonly counters: Counters;
  /** Architecture of the function whose logs these are, when known (for cost). */
  readonly architecture?: 'x86_64' | 'arm64';
}

export type Stage = (items: Telemetry[], ctx: ChunkContext) => Telemetry[];
