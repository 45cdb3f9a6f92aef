/**
 * The OTLP/HTTP destination (BACKENDS.md §5; OTLP specification "OTLP/HTTP"): one endpoint per
 * signal (already resolved by config: `{base}/v1/<signal>`, or the per-signal URL as-is),
 * protobuf by default or JSON (encoders in otlp-proto/encoders.ts), gzip or none, the user's
 * headers (often secrets, never logged) on every request, OTEL_EXPORTER_OTLP_TIMEOUT per attempt.
 *
 * Answers (`classifyOtlpAnswer`, pure): 2xx ok, with `partial_success` read: its rejected count
 * → `rejectedItems` (the Deliverer counts them as rejected and does not retry them: a partial
 * success MUST NOT be retried), its message kept (a count of 0 with a message is a warning);
 * 429/502/503/504 retried, honouring Retry-After (seconds or HTTP-date); 413 split; 400
 * rejected as bad input (bisected, never retried); every other status rejected without retry,
 * as the specification requires. Network failures and timeouts are retried (delivery/http.ts).
 * Response bodies are never logged: they can echo what was sent. For metrics the backend counts
 * rejected data points, which can exceed items (an enhanced metric is sent under two names).
 */
import type { OtlpConfig } from '../config/index.js';
import { type HttpAnswer, type HttpPost, httpPost, parseRetryAfter, postAndClassify } from '../delivery/http.js';
import { describeError } from '../errors.js';
import type { Signal } from '../model.js';
import type { Destination, SendOptions, SendResult } from './destination.js';
import { OtlpHeaderError } from './otlp-headers.js';
import { type Scope, createOtlpEncoders } from './otlp-proto/encoders.js';
import { readPartialSuccess } from './otlp-proto/response.js';

export { OTLP_LIMITS, createOtlpEncoders } from './otlp-proto/encoders.js';

const CONTENT_TYPE = { 'http/protobuf': 'application/x-protobuf', 'http/json': 'application/json' } as const;

/** Statuses the OTLP specification says to retry ("Retryable Response Codes"). */
const RETRYABLE = new Set([429, 502, 503, 504]);

const MAX_MESSAGE = 512;

export interface OtlpDestinationOptions {
  /** Extra request headers (resolved at first use, e.g. otlpHeaderSource); never logged. */
  readonly headers: () => Promise<Record<string, string>>;
  readonly userAgent: string;
  /** InstrumentationScope of every item; default `log-forwarder`, no version. */
  readonly scope?: Scope;
  /** The HTTP call (default fetch); benchmarks replace it to measure without a network. */
  readonly post?: HttpPost;
}

/** Classifies an OTLP/HTTP answer (pure). */
export function classifyOtlpAnswer(signal: Signal, a: Pick<HttpAnswer, 'status' | 'headers' | 'body' | 'bodyBytes'>, now = Date.now()): SendResult {
  const { status } = a;
  if (status >= 200 && status < 300) {
    const ps = readPartialSuccess(signal, a.headers.get('content-type'), a.bodyBytes, a.body);
    if (ps === undefined || (ps.rejected === 0 && ps.message === undefined)) return { kind: 'ok' };
    const message = ps.message === undefined ? undefined : ps.message.slice(0, MAX_MESSAGE);
    return { kind: 'ok', ...(ps.rejected > 0 && { rejectedItems: ps.rejected }), ...(message !== undefined && { message }) };
  }
  if (RETRYABLE.has(status)) {
    const retryAfterMs = parseRetryAfter(a.headers.get('retry-after'), now);
    return { kind: 'retry', status, reason: `HTTP ${status}`, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  if (status === 413) return { kind: 'split', status, reason: 'HTTP 413: request too large' };
  if (status === 400) return { kind: 'reject', status, badInput: true, reason: 'HTTP 400: the OTLP endpoint refused the request as invalid' };
  return { kind: 'reject', status, badInput: false, reason: `HTTP ${status}: not retryable per the OTLP specification` };
}

/** `signal`, limited to `timeoutMs` (OTEL_EXPORTER_OTLP_TIMEOUT) when the platform can combine signals. */
function withTimeout(signal: AbortSignal, timeoutMs: number): AbortSignal {
  // 0: no limit of its own (OTEL_EXPORTER_OTLP_TIMEOUT); the Deliverer's timeout still applies.
  if (timeoutMs === 0) return signal;
  // AbortSignal.any arrived in Node 20.3; without it the Deliverer's own timeout still applies.
  return typeof AbortSignal.any === 'function' ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : signal;
}

export function createOtlpDestination(config: OtlpConfig, options: OtlpDestinationOptions): Destination {
  const signals = (['logs', 'metrics', 'traces'] as const).filter((s) => config.endpoints[s] !== undefined);
  const encoders = createOtlpEncoders(config.protocol, signals, options.scope);
  const contentType = CONTENT_TYPE[config.protocol];
  return {
    name: 'otlp',
    compression: () => config.compression,
    encoder: (signal) => encoders[signal],
    async send(signal: Signal, body: Uint8Array, opts: SendOptions): Promise<SendResult> {
      const url = config.endpoints[signal];
      if (url === undefined) return { kind: 'reject', badInput: false, reason: `no OTLP endpoint for ${signal}` };
      let extra: Record<string, string>;
      try {
        extra = await options.headers();
      } catch (err) {
        // Malformed headers will not fix themselves; a failed secret lookup may.
        if (err instanceof OtlpHeaderError) return { kind: 'reject', badInput: false, reason: err.message };
        return { kind: 'retry', reason: `could not resolve the OTLP headers (${describeError(err)})` };
      }
      const headers: Record<string, string> = { 'user-agent': options.userAgent, ...extra, 'content-type': contentType };
      delete headers['content-length'];
      if (opts.contentEncoding === 'identity') delete headers['content-encoding'];
      else headers['content-encoding'] = opts.contentEncoding;
      return postAndClassify(url, headers, body, withTimeout(opts.signal, config.timeoutMs), (a) => classifyOtlpAnswer(signal, a), options.post ?? httpPost);
    },
  };
}
