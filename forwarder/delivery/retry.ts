/**
 * One batch sent with retries inside the invocation's time budget (p-retry): exponential
 * backoff with jitter, Retry-After honoured as a minimum wait, a timeout per attempt, and no
 * attempt or wait that would end past the deadline. Returns the last classified result; a
 * result of kind 'retry' means it was still failing when retries or time ran out.
 */
import pRetry from 'p-retry';
import type { SendResult } from '../destinations/destination.js';
import { describeError } from '../errors.js';

export interface RetryOptions {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly requestTimeoutMs: number;
  /** Epoch ms after which no attempt starts and no wait ends. */
  readonly deadline: number;
  readonly now: () => number;
}

class RetryableResult extends Error {
  constructor(readonly result: SendResult & { kind: 'retry' }) {
    super(result.reason);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function sendWithRetry(attempt: (signal: AbortSignal) => Promise<SendResult>, o: RetryOptions): Promise<SendResult & { attempts: number }> {
  let attempts = 0;
  const remaining = () => o.deadline - o.now();
  if (remaining() <= 0) return { kind: 'retry', reason: 'no time left before the Lambda deadline', attempts };
  try {
    const result = await pRetry(
      async () => {
        const timeout = Math.min(o.requestTimeoutMs, remaining());
        if (timeout <= 0) throw new RetryableResult({ kind: 'retry', reason: 'no time left before the Lambda deadline' });
        attempts++;
        const r = await attempt(AbortSignal.timeout(timeout));
        if (r.kind === 'retry') throw new RetryableResult(r);
        return r;
      },
      {
        retries: o.maxRetries,
        minTimeout: o.baseDelayMs,
        factor: 2,
        maxTimeout: 30_000,
        randomize: true,
        maxRetryTime: Math.max(0, remaining()),
        shouldRetry: async ({ error }) => {
          if (!(error instanceof RetryableResult)) return false;
          const wait = error.result.retryAfterMs;
          if (wait === undefined) return true;
          // The backend named a minimum wait; give up if it ends past the deadline.
          if (wait >= remaining()) return false;
          await sleep(wait);
          return true;
        },
      },
    );
    return { ...result, attempts };
  } catch (err) {
    if (err instanceof RetryableResult) return { ...err.result, attempts };
    // An unexpected throw from the attempt: a bug, surfaced as a failure that is stored or
    // handed back to AWS, never as success.
    return { kind: 'retry', reason: `unexpected error: ${describeError(err)}`, attempts };
  }
}
