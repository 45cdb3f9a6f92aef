/**
 * What sources hand to the pipeline: batches of raw logs that share one origin and one
 * acknowledgeable input. A CloudWatch payload is one batch; an S3 object is read as a sequence
 * of bounded batches (back-pressure: the next batch is read only when the pipeline asks).
 */
import type { Origin, RawLog } from '../model.js';

export interface RawBatch {
  readonly origin: Origin;
  /** Index of the acknowledgeable input (event = 0; Kinesis/SQS record index). */
  readonly input: number;
  readonly logs: RawLog[];
}
