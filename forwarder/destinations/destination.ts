/**
 * What a destination is: only what is specific to its backend. Its limits, a pure per-item
 * `encode` (so batches are cut on exact byte counts), a pure `assemble` of a batch body, and
 * `send`, which makes one attempt and classifies the answer. Batching, compression, concurrency,
 * retries, the failure store and accounting live in delivery/ and serve every destination.
 */
import type { MetricGroup, Signal, Telemetry } from '../model.js';

export interface Limits {
  /** Items per request. */
  readonly maxItems: number;
  /** Uncompressed body bytes per request. */
  readonly maxBytes: number;
}

export type Encoded<E> =
  /**
   * `bytes`: the item's size in the body; a text encoder may leave it out (then delivery counts
   * the value's UTF-8 bytes, as it writes them when it compresses on the fly).
   */
  | {
      readonly ok: true;
      readonly value: E;
      readonly bytes?: number;
      readonly truncated?: boolean;
      /**
       * A text value as its own part and a suffix already encoded (shared by many items): what
       * delivery writes instead of encoding the whole value. `text` + the tail = `value`.
       */
      readonly split?: { readonly text: string; readonly tail: Uint8Array };
    }
  | { readonly ok: false; readonly reason: string };

export interface SignalEncoder<E = unknown> {
  readonly limits: Limits;
  encode(item: Telemetry): Encoded<E>;
  /**
   * A MetricGroup as one value that stands for its points (limits and accounting count the
   * points). Without it, or when it returns undefined (a point needs a verdict of its own),
   * delivery encodes the group's points one by one.
   */
  encodeGroup?(group: MetricGroup): Encoded<E> | undefined;
  /** The request body for a batch of encoded items (uncompressed). */
  assemble(values: readonly E[]): Uint8Array | string;
  /** Bytes the body adds around the items (brackets, separators), for batch cutting. */
  readonly framingBytes: number;
  /** Bytes each item adds beyond its own (separator). */
  readonly separatorBytes: number;
  /**
   * For text bodies that are the items joined between a head and a tail (a JSON array):
   * lets delivery compress while the batch fills. Must give the same bytes as `assemble`.
   */
  readonly framing?: { readonly head: string; readonly separator: string; readonly tail: string };
}

/** One attempt's result, already classified. */
export type SendResult =
  | { readonly kind: 'ok'; readonly rejectedItems?: number; readonly message?: string }
  | { readonly kind: 'retry'; readonly reason: string; readonly status?: number; readonly retryAfterMs?: number }
  /** The batch is too large for the backend (413): split it and send the halves. */
  | { readonly kind: 'split'; readonly reason: string; readonly status: number }
  /** The backend refuses this batch and trying again will not help (400, 401, 403, …). */
  | { readonly kind: 'reject'; readonly reason: string; readonly status?: number; readonly badInput: boolean };

export const COMPRESSIONS = ['gzip', 'deflate', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The Content-Encoding header value for a compression. */
export const contentEncoding = (c: Compression): 'gzip' | 'deflate' | 'identity' => (c === 'none' ? 'identity' : c);

export interface SendOptions {
  readonly signal: AbortSignal;
  readonly contentEncoding: 'gzip' | 'deflate' | 'identity';
}

export interface Destination {
  readonly name: string;
  /** How request bodies of a signal are compressed (backends differ per intake). */
  compression(signal: Signal): Compression;
  encoder(signal: Signal): SignalEncoder | undefined;
  send(signal: Signal, body: Uint8Array, options: SendOptions): Promise<SendResult>;
}
