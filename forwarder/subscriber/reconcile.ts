/**
 * Runs the per-group operations over a selection of log groups, one group at a time (the
 * subscription APIs have low rate quotas, so parallel calls would only be throttled), and
 * stops while there is still time to answer CloudFormation.
 *
 * Every group ends as one outcome, counted in the report; the report names the groups that hit
 * the filter limit or failed (the first few: a custom resource response is at most 4 KiB).
 */
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { BackoffOptions } from './backoff.js';
import { type LogGroupSelection, isEmptySelection, isSelected } from './selection.js';
import type { SubscriptionSpec } from './settings.js';
import { type GroupOutcome, OUTCOME_KINDS, type OutcomeKind, selectedLogGroups, subscribeGroup, unsubscribeGroup } from './subscriptions.js';

export interface RunContext {
  readonly client: CloudWatchLogsClient;
  readonly retry: BackoffOptions;
  /** Milliseconds left in the invocation. */
  readonly remainingMs: () => number;
  /** Stop starting new groups when less than this remains. */
  readonly marginMs: number;
}

export interface RunReport {
  readonly counts: Record<OutcomeKind, number>;
  readonly filterLimit: string[];
  readonly failed: { readonly logGroup: string; readonly error: string }[];
  /** Work stopped for lack of time; some selected groups were not visited. */
  incomplete: boolean;
}

export const REPORT_NAMES_MAX = 10;

export function emptyReport(): RunReport {
  const counts = Object.fromEntries(OUTCOME_KINDS.map((k) => [k, 0])) as Record<OutcomeKind, number>;
  return { counts, filterLimit: [], failed: [], incomplete: false };
}

export function record(report: RunReport, outcome: GroupOutcome): void {
  report.counts[outcome.kind] += 1;
  if (outcome.kind === 'filter_limit' && report.filterLimit.length < REPORT_NAMES_MAX) report.filterLimit.push(outcome.logGroup);
  if (outcome.kind === 'failed' && report.failed.length < REPORT_NAMES_MAX) report.failed.push({ logGroup: outcome.logGroup, error: outcome.error });
}

/** The sum of two reports (an update removes, then subscribes). */
export function mergeReports(a: RunReport, b: RunReport): RunReport {
  const out = emptyReport();
  for (const k of OUTCOME_KINDS) out.counts[k] = a.counts[k] + b.counts[k];
  out.filterLimit.push(...[...a.filterLimit, ...b.filterLimit].slice(0, REPORT_NAMES_MAX));
  out.failed.push(...[...a.failed, ...b.failed].slice(0, REPORT_NAMES_MAX));
  out.incomplete = a.incomplete || b.incomplete;
  return out;
}

/** Subscribes every selected group that is not excluded. */
export async function subscribeSelected(
  ctx: RunContext,
  selection: LogGroupSelection,
  spec: SubscriptionSpec,
  excluded: ReadonlySet<string>,
): Promise<RunReport> {
  const report = emptyReport();
  if (isEmptySelection(selection)) return report;
  for await (const group of selectedLogGroups(ctx.client, selection, ctx.retry)) {
    if (ctx.remainingMs() < ctx.marginMs) {
      report.incomplete = true;
      break;
    }
    record(report, excluded.has(group) ? { kind: 'excluded', logGroup: group } : await subscribeGroup(ctx.client, group, spec, ctx.retry));
  }
  return report;
}

/**
 * Removes our filter from the groups of `selection`, except those `keep` still selects (an
 * update that narrows the selection). Only filters named `filterName` are touched.
 */
export async function unsubscribeSelected(
  ctx: RunContext,
  selection: LogGroupSelection,
  filterName: string,
  keep?: LogGroupSelection,
): Promise<RunReport> {
  const report = emptyReport();
  if (isEmptySelection(selection)) return report;
  for await (const group of selectedLogGroups(ctx.client, selection, ctx.retry)) {
    if (keep !== undefined && isSelected(group, keep)) continue;
    if (ctx.remainingMs() < ctx.marginMs) {
      report.incomplete = true;
      break;
    }
    record(report, await unsubscribeGroup(ctx.client, group, filterName, ctx.retry));
  }
  return report;
}

/** A group just created (EventBridge CreateLogGroup): subscribed when selected and not excluded. */
export async function subscribeNewGroup(
  ctx: RunContext,
  logGroup: string,
  selection: LogGroupSelection,
  spec: SubscriptionSpec,
  excluded: ReadonlySet<string>,
): Promise<GroupOutcome | undefined> {
  if (!isSelected(logGroup, selection)) return undefined;
  if (excluded.has(logGroup)) return { kind: 'excluded', logGroup };
  return subscribeGroup(ctx.client, logGroup, spec, ctx.retry);
}
