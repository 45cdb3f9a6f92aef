/**
 * Replay of stored failures (a scheduled invocation, or the event {"replay": true}): every
 * stored batch, page after page, is sent again to its destination with the same retry rules.
 * Delivered → deleted (counted replayed). Still failing → left where it is for the next replay
 * (counted stored, reason still_failing) (nothing is deleted
 * that was not delivered). Refused for good by the backend (400, 413 for a body that cannot be
 * split here) → moved under `<prefix minus slash>-rejected/` and counted, never silently dropped.
 * Batches older than the retention are counted: the bucket's lifecycle rule expires them.
 * Replay stops starting new work when the deadline comes; the rest waits for the next run.
 */
import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Counters } from './accounting.js';
import { type Destination, contentEncoding } from './destinations/destination.js';
import { compressBody } from './delivery/compress.js';
import type { FailureStore, StoredBatchRef } from './delivery/failure-store.js';
import { sendWithRetry } from './delivery/retry.js';
import { describeError } from './errors.js';

export interface ReplayOptions {
  readonly store: FailureStore;
  readonly s3: Pick<S3Client, 'send'>;
  readonly destinations: readonly Destination[];
  readonly counters: Counters;
  readonly deadline: number;
  readonly now: () => number;
  readonly concurrency: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly requestTimeoutMs: number;
  readonly compressionLevel: number;
  /** Age past which a stored batch is counted as due for expiry (the lifecycle rule's age). */
  readonly retentionMs: number;
  readonly log: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface ReplayReport {
  readonly found: number;
  readonly delivered: number;
  readonly failed: number;
  readonly rejected: number;
  readonly skipped: number;
  readonly pastRetention: number;
  /** True when the deadline stopped the replay before every stored batch was tried. */
  readonly incomplete: boolean;
}

export async function replayStored(o: ReplayOptions): Promise<ReplayReport> {
  const r = { found: 0, delivered: 0, failed: 0, rejected: 0, skipped: 0, pastRetention: 0, incomplete: false };
  const running = new Set<Promise<void>>();
  for await (const ref of o.store.list()) {
    r.found++;
    if (o.now() - ref.storedAt > o.retentionMs) r.pastRetention++;
    if (o.now() >= o.deadline) {
      r.incomplete = true;
      continue; // keep counting what is stored, start nothing new
    }
    const task = replayOne(ref, o, r).finally(() => running.delete(task));
    running.add(task);
    if (running.size >= o.concurrency) await Promise.race(running);
  }
  await Promise.all(running);
  return r;
}

async function replayOne(ref: StoredBatchRef, o: ReplayOptions, r: { delivered: number; failed: number; rejected: number; skipped: number }): Promise<void> {
  const where = { signal: ref.signal, destination: ref.destination };
  const destination = o.destinations.find((d) => d.name === ref.destination);
  if (destination === undefined || destination.encoder(ref.signal) === undefined) {
    // Configured differently now: keep it for a forwarder that has that destination.
    r.skipped++;
    return;
  }
  try {
    const batch = await o.store.get(ref);
    const compression = destination.compression(ref.signal);
    const payload = await compressBody(batch.body, compression, o.compressionLevel);
    const result = await sendWithRetry(
      (signal) => destination.send(ref.signal, payload, { signal, contentEncoding: contentEncoding(compression) }),
      { maxRetries: o.maxRetries, baseDelayMs: o.retryBaseDelayMs, requestTimeoutMs: o.requestTimeoutMs, deadline: o.deadline, now: o.now },
    );
    if (result.kind === 'ok') {
      await o.store.delete(ref);
      r.delivered++;
      o.counters.add('replayed', batch.items, where);
      return;
    }
    if (result.kind === 'split' || (result.kind === 'reject' && result.badInput)) {
      const rejectedKey = `${o.store.prefix.replace(/\/+$/, '')}-rejected/${ref.key.slice(o.store.prefix.length)}`;
      await o.s3.send(new CopyObjectCommand({ Bucket: o.store.bucket, CopySource: `${o.store.bucket}/${ref.key.split('/').map(encodeURIComponent).join('/')}`, Key: rejectedKey }));
      await o.store.delete(ref);
      r.rejected++;
      o.counters.add('rejected', batch.items, { ...where, reason: `replay_${result.status ?? 'refused'}` });
      o.log('warn', 'a stored batch was refused by its destination and moved aside', { key: ref.key, to: rejectedKey, status: result.status });
      return;
    }
    r.failed++;
    o.counters.add('stored', batch.items, { ...where, reason: 'still_failing' });
    o.log('warn', 'a stored batch still fails; it stays for the next replay', { key: ref.key, reason: result.reason });
  } catch (err) {
    r.failed++;
    o.log('error', 'could not replay a stored batch', { key: ref.key, error: describeError(err) });
  }
}
