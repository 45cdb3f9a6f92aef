/**
 * Reads one S3 object as a stream of bounded RawBatches: GetObject (streamed) → decompress
 * (magic bytes) → format detection on the first decompressed bytes (or the S3_FORMAT override)
 * → S3RecordReader (lines or streaming JSON, format parser, optional multiline) → batches of at
 * most `maxBatchLogs` logs / `maxBatchBytes` message bytes, one origin each.
 *
 * Back-pressure: this is an async generator; nothing is read while the consumer is not pulling,
 * beyond the decoded chunk being batched and the stream buffers below it. Memory is bounded by
 * the batch, line and document limits whatever the object size.
 *
 * Failure: a missing object, access denied, a corrupt or truncated stream, an unsupported
 * compression or the decompression cap end the iteration with an S3ReadError naming bucket and
 * key, AFTER every batch read before the failure has been yielded, so the caller delivers those
 * and reports the object (or its input) as failed.
 *
 * Resuming: each batch carries `position`, the decompressed byte offset (and lines or JSON
 * values) before which everything has been yielded; passing it back as `startOffset` reads the
 * object again and skips what was already delivered.
 *
 * Counted in `counters` (these never become RawLogs as they were, so the caller's accounting
 * can tell): lines cut at maxLineBytes (truncated/line_too_long; the cut line is forwarded),
 * JSON records or documents over maxDocumentBytes (rejected/oversized; dropped), Firehose
 * CONTROL_MESSAGEs (filtered/control_message; dropped).
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { Counters } from '../accounting.js';
import { describeError, S3ReadError } from '../errors.js';
import type { Origin, RawLog } from '../model.js';
import type { MultilineOptions } from '../../parsers/multiline.js';
import { type CwlGroup, sameGroup } from '../../parsers/s3-formats/firehose-cwl.js';
import { detectS3Format } from '../../parsers/s3-formats/detect.js';
import { type ReadRecord, type RecordReaderStats, S3RecordReader } from '../../parsers/s3-formats/record-reader.js';
import { S3_FORMAT_SOURCE, type S3Format } from '../../parsers/s3-formats/types.js';
import { decompress } from './decompress.js';
import { logGroupFields } from '../../parsers/source-detect.js';
import type { RawBatch } from './source.js';

/** What to read; `S3Target` from parsers/s3-event.ts fits. */
export interface S3ObjectTarget {
  readonly bucket: string;
  readonly key: string;
  /** Tried when `key` does not exist (EventBridge keys of uncertain encoding). */
  readonly alternateKey?: string;
  readonly versionId?: string;
  readonly region?: string;
  readonly account?: string;
  /** Acknowledgeable input the logs belong to. */
  readonly input: number;
}

export interface ReadS3ObjectOptions {
  /** S3_MAX_DECOMPRESSED_BYTES. */
  readonly maxDecompressedBytes: number;
  /** S3_FORMAT: skip detection. */
  readonly format?: S3Format;
  /** MULTILINE_START_PATTERN (applies to lines, cloudwatch-export and firehose-cwl). */
  readonly multiline?: MultilineOptions;
  /** Logs per batch; default 1,000. */
  readonly maxBatchLogs?: number;
  /** Message bytes per batch (counted as UTF-16 code units: bytes for ASCII); default 1 MiB. */
  readonly maxBatchBytes?: number;
  /** Longer lines are cut; default 256 KiB. */
  readonly maxLineBytes?: number;
  /** Larger CloudTrail records / Firehose documents are dropped and counted; default 16 MiB. */
  readonly maxDocumentBytes?: number;
  /** DD_SOURCE: the source of every record, instead of the format's or the log group's. */
  readonly sourceOverride?: string;
  /** Resume: skip what ends at or before this decompressed byte offset. */
  readonly startOffset?: number;
  readonly counters?: Counters;
  readonly abortSignal?: AbortSignal;
}

/** Where reading has got to: everything before `offset` has been yielded. */
export interface S3Position {
  /** Decompressed bytes. */
  readonly offset: number;
  /** Physical lines (line formats) or JSON values (cloudtrail, firehose-cwl) through offset. */
  readonly line: number;
}

export interface S3RawBatch extends RawBatch {
  readonly format: S3Format;
  readonly position: S3Position;
  /** Cumulative for the object so far. */
  readonly stats: Readonly<RecordReaderStats>;
}

export const S3_OBJECT_DEFAULTS = { maxBatchLogs: 1000, maxBatchBytes: 1024 * 1024 } as const;

/** Decompressed bytes looked at to detect the format. */
const HEAD_BYTES = 4096;

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export async function* readS3Object(
  client: S3Client,
  target: S3ObjectTarget,
  options: ReadS3ObjectOptions,
): AsyncGenerator<S3RawBatch, void, undefined> {
  const { bucket } = target;
  const { key, output } = await getObject(client, target, options.abortSignal);
  const body = output.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  if (body === undefined) throw new S3ReadError(bucket, key, 'GetObject returned no body');
  const fallbackTimestamp = output.LastModified?.getTime() ?? Date.now();
  const stream = decompress(body, { maxBytes: options.maxDecompressedBytes });

  // The format is known once the first decompressed bytes are in: until then they are held.
  let run: { reader: S3RecordReader; batcher: Batcher } | undefined;
  let head: Buffer[] = [];
  let headBytes = 0;
  const start = () => {
    const first = Buffer.concat(head, headBytes);
    head = [];
    const text = first.toString('utf8', 0, Math.min(first.length, HEAD_BYTES));
    const format = detectS3Format(options.format === undefined ? { key, head: text } : { key, head: text, override: options.format });
    const reader = new S3RecordReader({
      format,
      fallbackTimestamp,
      ...(options.multiline !== undefined && { multiline: options.multiline }),
      ...(options.maxLineBytes !== undefined && { maxLineBytes: options.maxLineBytes }),
      ...(options.maxDocumentBytes !== undefined && { maxDocumentBytes: options.maxDocumentBytes }),
      ...(options.startOffset !== undefined && { startOffset: options.startOffset }),
    });
    return { reader, batcher: new Batcher(target, key, format, reader.stats, options), first };
  };

  let failure: unknown;
  try {
    for await (const chunk of stream) {
      if (run === undefined) {
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < HEAD_BYTES) continue;
        const { first, ...started } = start();
        run = started;
        yield* run.batcher.add(run.reader.push(first));
        continue;
      }
      yield* run.batcher.add(run.reader.push(chunk));
    }
    if (run === undefined) {
      const { first, ...started } = start();
      run = started;
      yield* run.batcher.add(run.reader.push(first));
    }
    yield* run.batcher.add(run.reader.end());
    if (run.reader.incomplete) failure = new Error('the object ends inside a JSON document (truncated?)');
  } catch (err) {
    failure = err;
  } finally {
    // Also when the consumer stops early: release the connection, count what was read.
    body.destroy?.();
    if (run !== undefined) count(options.counters, run.reader.stats);
  }

  if (run !== undefined) {
    // Records read before a failure are delivered first; the caller then sees the error.
    if (failure !== undefined) yield* run.batcher.add(run.reader.abort());
    const last = run.batcher.flush();
    if (last !== undefined) yield last;
  }
  if (failure !== undefined) {
    throw new S3ReadError(bucket, key, `reading failed after ${stream.bytes()} decompressed bytes: ${describeError(failure)}`, {
      cause: failure,
    });
  }
}

/** Groups records into RawBatches of one origin, at most maxBatchLogs logs / maxBatchBytes. */
class Batcher {
  private readonly maxLogs: number;
  private readonly maxBytes: number;
  private readonly baseOrigin: Origin;
  private readonly sourceOverride: string | undefined;
  private groupOrigin: { group: CwlGroup; origin: Origin } | undefined;
  private current: { origin: Origin; logs: RawLog[]; bytes: number } | undefined;
  // Where the last unit handed to a batch ends (numbers: no object per record).
  private positionOffset: number;
  private positionLine = 0;

  constructor(
    private readonly target: S3ObjectTarget,
    key: string,
    private readonly format: S3Format,
    private readonly stats: Readonly<RecordReaderStats>,
    options: ReadS3ObjectOptions,
  ) {
    this.maxLogs = options.maxBatchLogs ?? S3_OBJECT_DEFAULTS.maxBatchLogs;
    this.maxBytes = options.maxBatchBytes ?? S3_OBJECT_DEFAULTS.maxBatchBytes;
    this.sourceOverride = options.sourceOverride;
    this.baseOrigin = origin(target, key, format, options.sourceOverride);
    this.positionOffset = options.startOffset ?? 0;
  }

  /** Adds records; yields each batch that fills, or that a change of origin closes. */
  *add(records: ReadRecord[]): Generator<S3RawBatch> {
    for (const rec of records) {
      const o = this.originOf(rec.group);
      if (this.current !== undefined && this.current.origin !== o) {
        const b = this.flush();
        if (b !== undefined) yield b;
      }
      const current = (this.current ??= { origin: o, logs: [], bytes: 0 });
      current.logs.push(rawLog(rec, o, this.target.input));
      current.bytes += rec.record.message.length;
      if (rec.end !== undefined) {
        this.positionOffset = rec.end;
        this.positionLine = rec.line ?? this.positionLine;
      }
      if (current.logs.length >= this.maxLogs || current.bytes >= this.maxBytes) {
        const b = this.flush();
        if (b !== undefined) yield b;
      }
    }
  }

  /** The batch being filled, if it holds anything. */
  flush(): S3RawBatch | undefined {
    const current = this.current;
    this.current = undefined;
    if (current === undefined || current.logs.length === 0) return undefined;
    return {
      origin: current.origin,
      input: this.target.input,
      logs: current.logs,
      format: this.format,
      position: { offset: this.positionOffset, line: this.positionLine },
      stats: this.stats,
    };
  }

  private originOf(group: CwlGroup | undefined): Origin {
    if (group === undefined) return this.baseOrigin;
    if (this.groupOrigin === undefined || !sameGroup(this.groupOrigin.group, group)) {
      this.groupOrigin = { group, origin: cwlOrigin(this.baseOrigin, group, this.sourceOverride) };
    }
    return this.groupOrigin.origin;
  }
}

async function getObject(
  client: S3Client,
  target: S3ObjectTarget,
  abortSignal: AbortSignal | undefined,
): Promise<{ key: string; output: GetObjectCommandOutput }> {
  const send = (key: string) =>
    client.send(
      new GetObjectCommand({ Bucket: target.bucket, Key: key, ...(target.versionId !== undefined && { VersionId: target.versionId }) }),
      abortSignal !== undefined ? { abortSignal } : {},
    );
  try {
    return { key: target.key, output: await send(target.key) };
  } catch (err) {
    if (target.alternateKey !== undefined && isNoSuchKey(err)) {
      try {
        return { key: target.alternateKey, output: await send(target.alternateKey) };
      } catch (err2) {
        throw new S3ReadError(target.bucket, target.key, `GetObject failed (also as "${target.alternateKey}"): ${describeError(err2)}`, {
          cause: err2,
        });
      }
    }
    throw new S3ReadError(target.bucket, target.key, `GetObject failed: ${describeError(err)}`, { cause: err });
  }
}

function isNoSuchKey(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return err.name === 'NoSuchKey' || status === 404;
}

function origin(target: S3ObjectTarget, key: string, format: S3Format, sourceOverride: string | undefined): Origin {
  return {
    source: sourceOverride ?? S3_FORMAT_SOURCE[format],
    bucket: target.bucket,
    key,
    ...(target.account !== undefined && { account: target.account }),
    ...(target.region !== undefined && { region: target.region }),
  };
}

/** A Firehose document's own origin: its owner, log group and stream, in the object's bucket/key. */
function cwlOrigin(base: Origin, g: CwlGroup, sourceOverride: string | undefined): Origin {
  const account = g.owner ?? base.account;
  return {
    ...base,
    // Records of a CloudWatch subscription delivered by Firehose: the log group tells the source
    // and the function, as it does for subscriptions delivered to the forwarder directly.
    ...(g.logGroup !== undefined && logGroupFields(g.logGroup, sourceOverride)),
    ...(account !== undefined && { account }),
    ...(g.logGroup !== undefined && { logGroup: g.logGroup }),
    ...(g.logStream !== undefined && { logStream: g.logStream }),
    ...(g.subscriptionFilters !== undefined && { subscriptionFilters: g.subscriptionFilters }),
  };
}

function rawLog(rec: ReadRecord, origin: Origin, input: number): RawLog {
  const r = rec.record;
  const log: Writable<RawLog> = { timestamp: r.timestamp, message: r.message, origin, input };
  if (r.attributes !== undefined) log.attributes = r.attributes;
  if (r.id !== undefined) log.id = r.id;
  return log;
}

function count(counters: Counters | undefined, s: RecordReaderStats): void {
  if (counters === undefined) return;
  counters.add('truncated', s.cutLines, { signal: 'logs', reason: 'line_too_long' });
  counters.add('rejected', s.oversizedDocuments, { signal: 'logs', reason: 'oversized' });
  counters.add('filtered', s.controlMessages, { signal: 'logs', reason: 'control_message' });
}
