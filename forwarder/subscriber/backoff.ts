/**
 * Retries a CloudWatch Logs call while it is throttled: exponential backoff with full jitter,
 * capped, a bounded number of times, then the last error is thrown. The sleep and the random
 * source are injected so tests run without waiting.
 *
 * PutSubscriptionFilter reports rate limiting as LimitExceededException as well as the quota of
 * two filters per group; callers that can tell the two apart pass their own `retryIf`.
 */

export interface BackoffOptions {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailableException',
  'OperationAbortedException',
  'LimitExceededException',
]);

export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** Throttling, or a transient conflict worth retrying after a pause. */
export function isThrottling(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const retryable = (err as { $retryable?: { throttling?: boolean } }).$retryable;
  return THROTTLING_NAMES.has(err.name) || retryable?.throttling === true;
}

export const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withBackoff<T>(
  op: () => Promise<T>,
  opts: BackoffOptions,
  retryIf: (err: unknown) => boolean | Promise<boolean> = isThrottling,
): Promise<T> {
  const sleep = opts.sleep ?? defaultSleep;
  const random = opts.random ?? Math.random;
  const cap = opts.maxDelayMs ?? 20_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      if (attempt >= opts.maxRetries || !(await retryIf(err))) throw err;
      const ceiling = Math.min(cap, opts.baseDelayMs * 2 ** attempt);
      await sleep(Math.max(1, Math.round(ceiling * random())));
    }
  }
}
