/**
 * The subscription manager: a Lambda function separate from the forwarder. It handles
 *
 * - CloudFormation custom resource requests (Create / Update / Delete): subscribe the log groups
 *   the SUBSCRIBER_* selection names, re-point or drop them on update, and on delete remove only
 *   the filters named SUBSCRIBER_FILTER_NAME. The answer always goes to the ResponseURL (a stack
 *   never waits for a timeout); per-group problems are reported in the answer's Data and the log,
 *   and fail the request only when the selection cannot be listed at all. A delete always
 *   answers SUCCESS, so a broken setting can never wedge a stack.
 * - EventBridge "AWS API Call via CloudTrail" events for logs:CreateLogGroup: subscribe the new
 *   group when the selection names it. A failure is thrown so that Lambda retries the event.
 *
 * The forwarder's own log group is never subscribed (SUBSCRIBER_EXCLUDED_LOG_GROUPS, and
 * /aws/lambda/<name> of a Lambda destination). One JSON line per invocation reports what was done.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { Env } from '../config/reader.js';
import { describeError } from '../errors.js';
import type { BackoffOptions } from './backoff.js';
import { type CfnAnswer, sendCfnResponse } from './cfn-response.js';
import { type RunContext, type RunReport, emptyReport, mergeReports, subscribeNewGroup, subscribeSelected, unsubscribeSelected } from './reconcile.js';
import { selectionFromProperties } from './selection.js';
import { type SubscriberConfig, loadSubscriberConfig } from './settings.js';
import type { OutcomeKind } from './subscriptions.js';

export interface SubscriberDeps {
  readonly env: Env;
  readonly client: CloudWatchLogsClient;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

export interface InvocationContext {
  getRemainingTimeInMillis?(): number;
}

export type SubscriberResult =
  | { readonly kind: 'custom_resource'; readonly status: 'SUCCESS' | 'FAILED'; readonly report: RunReport }
  | { readonly kind: 'log_group_created'; readonly logGroup: string; readonly outcome: OutcomeKind | 'not_selected' }
  | { readonly kind: 'ignored'; readonly reason: string };

interface CreateLogGroupEvent {
  readonly source: 'aws.logs';
  readonly detail: { readonly eventName: 'CreateLogGroup'; readonly errorCode?: string; readonly requestParameters: { readonly logGroupName: string } };
}

function isCustomResourceEvent(e: unknown): e is CloudFormationCustomResourceEvent {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  return typeof o['ResponseURL'] === 'string' && (o['RequestType'] === 'Create' || o['RequestType'] === 'Update' || o['RequestType'] === 'Delete');
}

function asCreateLogGroupEvent(e: unknown): CreateLogGroupEvent | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { source?: unknown; detail?: { eventName?: unknown; requestParameters?: { logGroupName?: unknown } } };
  if (o.source !== 'aws.logs' || o.detail?.eventName !== 'CreateLogGroup') return undefined;
  if (typeof o.detail.requestParameters?.logGroupName !== 'string') return undefined;
  return e as CreateLogGroupEvent;
}

/** Data of the custom resource (readable with Fn::GetAtt); values are strings. */
export function reportData(report: RunReport): Record<string, string> {
  const c = report.counts;
  const summary = `subscribed ${c.subscribed}, updated ${c.updated}, unchanged ${c.unchanged}, removed ${c.removed}, excluded ${c.excluded}, filter limit ${c.filter_limit}, failed ${c.failed}${report.incomplete ? ', incomplete (time budget)' : ''}`;
  return {
    Summary: summary,
    Subscribed: String(c.subscribed + c.updated + c.unchanged),
    Removed: String(c.removed),
    FilterLimit: String(c.filter_limit),
    Failed: String(c.failed),
    Incomplete: String(report.incomplete),
  };
}

function reasonOf(report: RunReport): string {
  const parts = [reportData(report)['Summary'] ?? ''];
  if (report.filterLimit.length > 0) parts.push(`two filters already (not changed): ${report.filterLimit.join(', ')}`);
  for (const f of report.failed) parts.push(`${f.logGroup}: ${f.error}`);
  return parts.join('; ');
}

export function createSubscriberHandler(deps: SubscriberDeps): (event: unknown, context?: InvocationContext) => Promise<SubscriberResult> {
  const log = deps.log ?? ((line: string) => console.log(line));

  function runContext(config: SubscriberConfig, context: InvocationContext | undefined): RunContext {
    const retry: BackoffOptions = { maxRetries: config.maxRetries, baseDelayMs: config.baseDelayMs, ...(deps.sleep && { sleep: deps.sleep }) };
    const remainingMs = () => context?.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY;
    return { client: deps.client, retry, remainingMs, marginMs: config.deadlineMarginMs };
  }

  async function onCustomResource(event: CloudFormationCustomResourceEvent, context: InvocationContext | undefined): Promise<SubscriberResult> {
    // Stable across updates: a new id on Update would make CloudFormation delete the "old" resource,
    // and with it every filter we just put in place.
    const physicalResourceId = event.RequestType === 'Create' ? `log-forwarder-subscriptions-${event.LogicalResourceId}-${event.RequestId}` : event.PhysicalResourceId;
    let report = emptyReport();
    let answer: CfnAnswer;
    try {
      const config = loadSubscriberConfig(deps.env);
      const ctx = runContext(config, context);
      if (event.RequestType === 'Delete') {
        report = await unsubscribeSelected(ctx, config.selection, config.spec.filterName);
      } else {
        let removed = emptyReport();
        if (event.RequestType === 'Update') {
          const old = event.OldResourceProperties as Record<string, unknown>;
          const oldName = typeof old['FilterName'] === 'string' && old['FilterName'] !== '' ? old['FilterName'] : config.spec.filterName;
          // Groups the old selection named and the new one does not lose our filter. A renamed
          // filter is removed everywhere it was, and put back under its new name below.
          const keep = oldName === config.spec.filterName ? config.selection : undefined;
          removed = await unsubscribeSelected(ctx, selectionFromProperties(old), oldName, keep);
        }
        report = mergeReports(removed, await subscribeSelected(ctx, config.selection, config.spec, config.excluded));
      }
      answer = { status: 'SUCCESS', reason: reasonOf(report), physicalResourceId, data: reportData(report) };
    } catch (err) {
      // Listing failed or a setting is wrong. A delete still succeeds, or the stack could never go.
      answer = {
        status: event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED',
        reason: `${event.RequestType} of the log group subscriptions failed: ${describeError(err)}`,
        physicalResourceId,
        data: reportData(report),
      };
    }
    log(JSON.stringify({ level: answer.status === 'SUCCESS' ? 'info' : 'error', msg: 'custom resource', requestType: event.RequestType, status: answer.status, reason: answer.reason }));
    await sendCfnResponse(event, answer, { ...(deps.fetch && { fetch: deps.fetch }), ...(deps.sleep && { sleep: deps.sleep }) });
    return { kind: 'custom_resource', status: answer.status, report };
  }

  async function onCreateLogGroup(event: CreateLogGroupEvent, context: InvocationContext | undefined): Promise<SubscriberResult> {
    const logGroup = event.detail.requestParameters.logGroupName;
    if (event.detail.errorCode !== undefined) return { kind: 'ignored', reason: `CreateLogGroup failed (${event.detail.errorCode})` };
    const config = loadSubscriberConfig(deps.env);
    const outcome = await subscribeNewGroup(runContext(config, context), logGroup, config.selection, config.spec, config.excluded);
    log(JSON.stringify({ level: outcome?.kind === 'failed' ? 'error' : outcome?.kind === 'filter_limit' ? 'warn' : 'info', msg: 'log group created', logGroup, outcome: outcome ?? { kind: 'not_selected' } }));
    if (outcome?.kind === 'failed') throw new Error(`subscribing ${logGroup} failed: ${outcome.error}`);
    return { kind: 'log_group_created', logGroup, outcome: outcome?.kind ?? 'not_selected' };
  }

  return async (event, context) => {
    if (isCustomResourceEvent(event)) return onCustomResource(event, context);
    const created = asCreateLogGroupEvent(event);
    if (created !== undefined) return onCreateLogGroup(created, context);
    log(JSON.stringify({ level: 'warn', msg: 'ignored event: neither a CloudFormation request nor a CreateLogGroup call' }));
    return { kind: 'ignored', reason: 'unknown event' };
  };
}

let live: ((event: unknown, context?: InvocationContext) => Promise<SubscriberResult>) | undefined;

/** The Lambda entry point (bundled to dist/subscriber.mjs). */
export async function handler(event: unknown, context?: InvocationContext): Promise<SubscriberResult> {
  live ??= createSubscriberHandler({ env: process.env, client: new CloudWatchLogsClient({}) });
  return live(event, context);
}
