/**
 * The objects of one S3 invocation, read one after the other, batch by batch, through the
 * pipeline, until the deadline draws near. What is left (the rest of the current object, and
 * objects not started) continues in a follow-up invocation (continuation.ts). An object that
 * cannot be read is reported after what was read has been delivered.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Counters } from '../accounting.js';
import type { Config } from '../config/index.js';
import { type ContinuationTarget, MAX_CONTINUATIONS, invokeContinuation } from '../continuation.js';
import { S3ReadError, describeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type PipelineParts, runBatch } from '../pipeline.js';
import { readS3Object } from './s3-object.js';

export interface S3ObjectReaderDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly now: () => number;
  readonly s3: () => S3Client;
  readonly lambda: () => Pick<LambdaClient, 'send'>;
}

/** What one invocation lends the reader. */
export interface ReadContext {
  readonly parts: PipelineParts;
  readonly counters: Counters;
  /** Epoch ms after which no new work starts. */
  readonly deadlineAt: number;
}

export class S3ObjectReader {
  constructor(private readonly d: S3ObjectReaderDeps) {}

  /** Reads every target; returns the inputs that failed (to report for redelivery). */
  async read(items: ReadonlyArray<{ target: ContinuationTarget; input: number }>, inv: ReadContext): Promise<Set<number>> {
    const { config } = this.d;
    const failed = new Set<number>();
    const s3Options = {
      maxDecompressedBytes: config.s3.maxDecompressedBytes,
      ...(config.tagging.source !== undefined && { sourceOverride: config.tagging.source }),
      ...(config.s3.format !== undefined && { format: config.s3.format }),
      ...(config.parsing.multilineStart !== undefined && { multiline: { start: config.parsing.multilineStart } }),
      counters: inv.counters,
    };
    // S3 objects are joined while they are read; the CloudWatch joiner must not run again.
    const { multiline: _joinedWhileRead, ...parts } = inv.parts;
    for (const { target, input } of items) {
      let offset = target.startOffset;
      let stopped = this.timeShort(inv);
      if (!stopped) {
        try {
          const reading = readS3Object(this.d.s3(), { ...target, input }, { ...s3Options, ...(offset > 0 && { startOffset: offset }) });
          for await (const batch of reading) {
            await runBatch(batch, parts);
            offset = batch.position.offset;
            if (this.timeShort(inv)) {
              stopped = true;
              break;
            }
          }
        } catch (err) {
          if (!(err instanceof S3ReadError)) throw err;
          inv.counters.add('rejected', 1, { signal: 'logs', reason: 's3_read_failed' });
          this.d.logger.log('error', 'S3 object could not be read; what was read is delivered, the object is reported for retry', { error: describeError(err) });
          failed.add(input);
          continue;
        }
      }
      if (stopped && !(await this.continueLater({ ...target, startOffset: offset, hop: target.hop + 1 }))) failed.add(input);
    }
    return failed;
  }

  /** Less time left than one request needs: stop reading, deliver, continue elsewhere. */
  private timeShort(inv: ReadContext): boolean {
    return this.d.now() >= inv.deadlineAt - this.d.config.delivery.requestTimeoutMs;
  }

  private async continueLater(target: ContinuationTarget): Promise<boolean> {
    const name = this.d.config.functionName;
    const where = { bucket: target.bucket, key: target.key };
    if (name === undefined || target.hop > MAX_CONTINUATIONS) {
      this.d.logger.log('error', 'cannot continue the S3 object in a follow-up invocation', { ...where, hop: target.hop });
      return false;
    }
    try {
      await invokeContinuation(this.d.lambda(), name, target);
      this.d.logger.log('info', 'S3 object continues in a follow-up invocation', { ...where, offset: target.startOffset, hop: target.hop });
      return true;
    } catch (err) {
      this.d.logger.log('error', 'could not start the follow-up invocation', { ...where, error: describeError(err) });
      return false;
    }
  }
}
