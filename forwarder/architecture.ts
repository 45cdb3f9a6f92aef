/**
 * The instruction set architecture of the functions whose logs we read (x86_64 or arm64), for
 * the estimated cost: Lambda `GetFunctionConfiguration` → `Architectures[0]` (absent means
 * x86_64, Lambda's default), cached per function for the life of the container.
 *
 * - Cached with a TTL; concurrent callers for the same function share one request.
 * - Never throws. Any failure (AccessDenied, throttling, not found, a function in another
 *   account or region the forwarder cannot see) gives the configured default, cached for a
 *   shorter time so a transient failure is retried later without a request per chunk.
 * - The function is named by ARN when account and region are known, so a log group of another
 *   account is not resolved against a same-named function of ours.
 * - The cache is bounded (oldest entries evicted first).
 */
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { type Architecture, isArchitecture } from '../parsers/lambda-cost.js';

export interface FunctionRef {
  readonly functionName: string;
  readonly account?: string;
  readonly region?: string;
}

export interface ArchitectureResolverOptions {
  /** Only `send` is used; typed as the SDK client so tests can stub it with aws-sdk-client-mock. */
  readonly client: Pick<LambdaClient, 'send'>;
  /** How long a looked-up architecture is trusted (ARCHITECTURE_CACHE_TTL_SECONDS × 1000). */
  readonly ttlMs: number;
  /** How long a failed lookup's default is kept; defaults to min(ttlMs, 5 min). */
  readonly failureTtlMs?: number;
  readonly defaultArchitecture: Architecture;
  /** Clock, ms since the epoch (injected so tests control time). */
  readonly now: () => number;
  /** Most functions remembered; defaults to 1000. */
  readonly maxEntries?: number;
  /** Called once per failed lookup, for the forwarder's own log (error name only, no payload). */
  readonly onError?: (ref: FunctionRef, error: unknown) => void;
}

export interface ArchitectureResolver {
  resolve(ref: FunctionRef): Promise<Architecture>;
}

interface Entry {
  readonly architecture: Architecture;
  readonly expiresAt: number;
}

const FIVE_MINUTES = 300_000;

/** `arn:<partition>:lambda:<region>:<account>:function:<name>` when account and region are known. */
export function functionIdentifier(ref: FunctionRef): string {
  if (ref.account === undefined || ref.region === undefined) return ref.functionName;
  const partition = ref.region.startsWith('cn-') ? 'aws-cn' : ref.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  return `arn:${partition}:lambda:${ref.region}:${ref.account}:function:${ref.functionName}`;
}

export function createArchitectureResolver(options: ArchitectureResolverOptions): ArchitectureResolver {
  const failureTtlMs = options.failureTtlMs ?? Math.min(options.ttlMs, FIVE_MINUTES);
  const maxEntries = options.maxEntries ?? 1000;
  const cache = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Architecture>>();

  function remember(key: string, architecture: Architecture, ttl: number): Architecture {
    cache.delete(key); // re-insert at the end: Map order is the eviction order
    cache.set(key, { architecture, expiresAt: options.now() + ttl });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done === true) break;
      cache.delete(oldest.value);
    }
    return architecture;
  }

  async function lookUp(key: string, ref: FunctionRef): Promise<Architecture> {
    try {
      const out = await options.client.send(new GetFunctionConfigurationCommand({ FunctionName: key }));
      const first = out.Architectures?.[0];
      // Absent → x86_64 (Lambda's default); an unknown future value → the configured default.
      const architecture = first === undefined ? 'x86_64' : isArchitecture(first) ? first : options.defaultArchitecture;
      return remember(key, architecture, options.ttlMs);
    } catch (err) {
      try {
        options.onError?.(ref, err);
      } catch {
        // A failing logger must not turn a lookup failure into a thrown error.
      }
      return remember(key, options.defaultArchitecture, failureTtlMs);
    }
  }

  return {
    resolve(ref: FunctionRef): Promise<Architecture> {
      const key = functionIdentifier(ref);
      const hit = cache.get(key);
      if (hit !== undefined && hit.expiresAt > options.now()) return Promise.resolve(hit.architecture);
      const pending = inFlight.get(key);
      if (pending !== undefined) return pending;
      const p = lookUp(key, ref).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
  };
}
