/**
 * Answers a CloudFormation custom resource request: a PUT of a JSON document to the pre-signed
 * ResponseURL (Status, Reason, PhysicalResourceId, StackId, RequestId, LogicalResourceId, Data),
 * as "Custom resource response objects" in the CloudFormation user guide describes. Without an
 * answer the stack waits for the resource's timeout (an hour by default), so the PUT is tried a
 * few times. The body is sent as bytes so that fetch adds no Content-Type the pre-signed URL was
 * not signed for. The whole response must stay under 4096 bytes: Reason is cut, Data kept small.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { defaultSleep } from './backoff.js';

export interface CfnAnswer {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly reason: string;
  readonly physicalResourceId: string;
  readonly data?: Readonly<Record<string, string>>;
}

export interface CfnResponseDeps {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly attempts?: number;
}

const REASON_MAX = 1500;

export function responseBody(event: CloudFormationCustomResourceEvent, answer: CfnAnswer): string {
  return JSON.stringify({
    Status: answer.status,
    Reason: answer.reason.length > REASON_MAX ? `${answer.reason.slice(0, REASON_MAX - 3)}...` : answer.reason,
    PhysicalResourceId: answer.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    ...(answer.data !== undefined && { Data: answer.data }),
  });
}

/** Sends the answer; throws after the last failed attempt (the caller logs it). */
export async function sendCfnResponse(event: CloudFormationCustomResourceEvent, answer: CfnAnswer, deps: CfnResponseDeps = {}): Promise<void> {
  const doFetch = deps.fetch ?? fetch;
  const sleep = deps.sleep ?? defaultSleep;
  const attempts = deps.attempts ?? 4;
  const body = Buffer.from(responseBody(event, answer), 'utf8');
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await doFetch(event.ResponseURL, { method: 'PUT', body });
      await res.arrayBuffer();
      if (res.ok) return;
      last = new Error(`ResponseURL answered HTTP ${res.status}`);
    } catch (err) {
      last = err;
    }
    if (i + 1 < attempts) await sleep(500 * 2 ** i);
  }
  throw last instanceof Error ? last : new Error(String(last));
}
