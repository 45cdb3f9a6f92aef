/**
 * Continuing an S3 object in a follow-up invocation. When an object cannot be finished before
 * the Lambda deadline, the forwarder stops between batches (never mid-record), delivers what it
 * read, and invokes itself asynchronously (Lambda Invoke, InvocationType Event) with a
 * continuation event naming the object and the decompressed byte offset reached. The follow-up
 * reads the object again, skips everything before that offset, and goes on. Async invokes are
 * retried by Lambda on failure, like the original S3 notification would be.
 * A chain is bounded (MAX_CONTINUATIONS) so that a stuck object cannot loop forever.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

export const MAX_CONTINUATIONS = 1_000;

export interface ContinuationTarget {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly region?: string;
  readonly account?: string;
  /** Decompressed bytes already read and forwarded. */
  readonly startOffset: number;
  /** How many follow-ups led here. */
  readonly hop: number;
}

export interface ContinuationEvent {
  readonly continuation: ContinuationTarget;
}

export function isContinuationEvent(event: unknown): event is ContinuationEvent {
  if (event === null || typeof event !== 'object') return false;
  const c = (event as Record<string, unknown>)['continuation'];
  if (c === null || typeof c !== 'object') return false;
  const t = c as Record<string, unknown>;
  return typeof t['bucket'] === 'string' && typeof t['key'] === 'string' && typeof t['startOffset'] === 'number' && typeof t['hop'] === 'number';
}

export async function invokeContinuation(client: Pick<LambdaClient, 'send'>, functionName: string, target: ContinuationTarget): Promise<void> {
  const event: ContinuationEvent = { continuation: target };
  const out = await client.send(
    new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(event)) }),
  );
  if (out.StatusCode !== 202) throw new Error(`Lambda Invoke answered ${out.StatusCode ?? 'nothing'}`);
}
