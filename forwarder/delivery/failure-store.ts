/**
 * The failure store: batches that could not be delivered (after retries, or for lack of time)
 * are kept in S3 for replay, already scrubbed (scrubbing runs before encoding), gzip'd.
 *
 * Key: `<prefix><destination>/<signal>/<yyyy>/<mm>/<dd>/<HH>/<epoch-ms>-<random>.gz`: what, where
 * to and when, so a lifecycle rule can expire by prefix and age and a person can find a batch.
 * Metadata: item count and the last failure reason (no payload, no secret).
 */
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gzip as gzipCb } from 'node:zlib';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { SIGNALS, type Signal } from '../model.js';
import type { FailedBatch } from './deliverer.js';

const gzip = promisify(gzipCb);
const gunzip = promisify(gunzipCb);

export interface StoredBatchRef {
  readonly key: string;
  readonly destination: string;
  readonly signal: Signal;
  /** When it was first stored (from the key). */
  readonly storedAt: number;
  readonly lastModified?: Date;
}

export interface StoredBatch extends StoredBatchRef {
  /** The uncompressed request body. */
  readonly body: Uint8Array;
  readonly items: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function storeKey(prefix: string, destination: string, signal: Signal, at: number, random = randomBytes(6).toString('hex')): string {
  const d = new Date(at);
  return `${prefix}${destination}/${signal}/${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}/${at}-${random}.gz`;
}

/** The parts of a store key, or undefined for an object that is not a stored batch. */
export function parseStoreKey(prefix: string, key: string): Omit<StoredBatchRef, 'lastModified'> | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const m = /^([^/]+)\/([^/]+)\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/(\d+)-[0-9a-f]+\.gz$/.exec(key.slice(prefix.length));
  if (m === null) return undefined;
  const signal = SIGNALS.find((s) => s === m[2]);
  if (signal === undefined) return undefined;
  return { key, destination: m[1] as string, signal, storedAt: Number(m[3]) };
}

export class FailureStore {
  constructor(
    private readonly s3: Pick<S3Client, 'send'>,
    readonly bucket: string,
    readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Writes one failed batch; throws when S3 refuses (the caller then hands it back to AWS). */
  async put(batch: FailedBatch): Promise<string> {
    const key = storeKey(this.prefix, batch.destination, batch.signal, this.now());
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: await gzip(batch.body),
        ContentType: 'application/gzip',
        Metadata: { items: String(batch.items), reason: batch.reason.slice(0, 200).replace(/[^\x20-\x7e]/g, '?') },
      }),
    );
    return key;
  }

  /** Every stored batch, page after page (ListObjectsV2 returns at most 1,000 keys a page). */
  async *list(): AsyncGenerator<StoredBatchRef> {
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ...(token !== undefined && { ContinuationToken: token }) }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        const ref = parseStoreKey(this.prefix, o.Key);
        if (ref !== undefined) yield o.LastModified === undefined ? ref : { ...ref, lastModified: o.LastModified };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async get(ref: StoredBatchRef): Promise<StoredBatch> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: ref.key }));
    if (out.Body === undefined) throw new Error(`stored batch ${ref.key} has no body`);
    const body = await gunzip(await out.Body.transformToByteArray());
    const items = Number(out.Metadata?.['items'] ?? '0');
    return { ...ref, body, items: Number.isFinite(items) ? items : 0 };
  }

  async delete(ref: StoredBatchRef): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: ref.key }));
  }
}
