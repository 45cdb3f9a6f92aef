/**
 * One HTTP request with the platform's fetch (keep-alive connections through undici's global
 * pool) and the pieces every HTTP destination shares: Retry-After parsing and turning network
 * failures and timeouts into retryable results. Response bodies are read (bounded) so that the
 * connection goes back to the pool, and never logged: they can echo what we sent.
 */
import type { SendResult } from '../destinations/destination.js';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  /** The first 64 KiB of the body, as text. */
  readonly body: string;
  readonly bodyBytes: Uint8Array;
}

const MAX_BODY = 64 * 1024;

export type HttpPost = (url: string, headers: Record<string, string>, body: Uint8Array, signal: AbortSignal) => Promise<HttpAnswer>;

export async function httpPost(url: string, headers: Record<string, string>, body: Uint8Array, signal: AbortSignal): Promise<HttpAnswer> {
  const res = await fetch(url, { method: 'POST', headers, body, signal });
  const bodyBytes = await readBounded(res);
  return { status: res.status, headers: res.headers, body: new TextDecoder().decode(bodyBytes), bodyBytes };
}

/** Up to MAX_BODY bytes of a response body; the rest is discarded, not buffered. */
async function readBounded(res: Response): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    if (size < MAX_BODY) {
      const part = chunk.subarray(0, MAX_BODY - size);
      chunks.push(part);
      size += part.length;
    }
    // Keep reading past the cap (discarding) so the connection can go back to the pool.
  }
  return Buffer.concat(chunks, size);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** A thrown fetch failure (reset, refused, timeout) as a retryable result. */
export function networkFailure(err: unknown): SendResult {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  const reason =
    e.name === 'TimeoutError' || e.name === 'AbortError'
      ? 'timeout'
      : `network error${e.cause?.code !== undefined ? ` (${e.cause.code})` : ''}`;
  return { kind: 'retry', reason };
}

/** Runs one POST and classifies it; `classify` is the destination's pure mapping of answers. */
export async function postAndClassify(
  url: string,
  headers: Record<string, string>,
  body: Uint8Array,
  signal: AbortSignal,
  classify: (answer: HttpAnswer) => SendResult,
  post: HttpPost = httpPost,
): Promise<SendResult> {
  let answer: HttpAnswer;
  try {
    answer = await post(url, headers, body, signal);
  } catch (err) {
    return networkFailure(err);
  }
  return classify(answer);
}
