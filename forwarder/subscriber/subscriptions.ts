/**
 * Subscription filter operations on one log group, and the listing of selected groups.
 *
 * - A group holds at most two subscription filters (AWS::Logs::SubscriptionFilter, "There can be
 *   as many as two subscription filters associated with a log group"). A filter of our name is
 *   ours to update; a group whose two filters belong to others is reported, never clobbered.
 * - Every call is retried with backoff while throttled. A LimitExceededException from
 *   PutSubscriptionFilter means either the two-filter quota (a filter was added since we looked)
 *   or rate limiting: the group is looked at again to tell which.
 * - Nothing here throws: each group ends as one outcome, so one bad group never stops the rest.
 */
import {
  type CloudWatchLogsClient,
  DeleteSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeSubscriptionFiltersCommand,
  PutSubscriptionFilterCommand,
  type SubscriptionFilter,
} from '@aws-sdk/client-cloudwatch-logs';
import { type BackoffOptions, errorName, isThrottling, withBackoff } from './backoff.js';
import { type LogGroupSelection, describeQueries } from './selection.js';
import type { SubscriptionSpec } from './settings.js';

export const MAX_FILTERS_PER_GROUP = 2;

export const OUTCOME_KINDS = [
  'subscribed',
  'updated',
  'unchanged',
  'removed',
  'absent',
  'excluded',
  'filter_limit',
  'failed',
] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];

export type GroupOutcome =
  | { readonly kind: Exclude<OutcomeKind, 'filter_limit' | 'failed'>; readonly logGroup: string }
  | { readonly kind: 'filter_limit'; readonly logGroup: string; readonly otherFilters: readonly string[] }
  | { readonly kind: 'failed'; readonly logGroup: string; readonly error: string };

class FilterLimitReached extends Error {
  constructor(readonly otherFilters: readonly string[]) {
    super('two subscription filters of other owners');
    this.name = 'FilterLimitReached';
  }
}

async function describeFilters(client: CloudWatchLogsClient, logGroupName: string, retry: BackoffOptions, filterNamePrefix?: string): Promise<SubscriptionFilter[]> {
  const out: SubscriptionFilter[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withBackoff(
      () =>
        client.send(
          new DescribeSubscriptionFiltersCommand({
            logGroupName,
            ...(filterNamePrefix !== undefined && { filterNamePrefix }),
            ...(nextToken !== undefined && { nextToken }),
          }),
        ),
      retry,
    );
    out.push(...(page.subscriptionFilters ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return out;
}

function isSame(f: SubscriptionFilter, spec: SubscriptionSpec): boolean {
  return f.destinationArn === spec.destinationArn && (f.filterPattern ?? '') === spec.filterPattern && f.roleArn === spec.roleArn;
}

function failure(logGroup: string, err: unknown): GroupOutcome {
  if (errorName(err) === 'ResourceNotFoundException') return { kind: 'absent', logGroup };
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'failed', logGroup, error: `${errorName(err)}: ${message}`.slice(0, 300) };
}

/** Puts our filter on the group (or updates it), unless two filters of others are there. */
export async function subscribeGroup(client: CloudWatchLogsClient, logGroup: string, spec: SubscriptionSpec, retry: BackoffOptions): Promise<GroupOutcome> {
  try {
    const filters = await describeFilters(client, logGroup, retry);
    const ours = filters.find((f) => f.filterName === spec.filterName);
    if (ours !== undefined && isSame(ours, spec)) return { kind: 'unchanged', logGroup };
    const others = () => filters.filter((f) => f.filterName !== spec.filterName).map((f) => f.filterName ?? '');
    if (ours === undefined && filters.length >= MAX_FILTERS_PER_GROUP) return { kind: 'filter_limit', logGroup, otherFilters: others() };

    const put = () =>
      client.send(
        new PutSubscriptionFilterCommand({
          logGroupName: logGroup,
          filterName: spec.filterName,
          filterPattern: spec.filterPattern,
          destinationArn: spec.destinationArn,
          ...(spec.roleArn !== undefined && { roleArn: spec.roleArn }),
        }),
      );
    const retryIf = async (err: unknown): Promise<boolean> => {
      if (errorName(err) !== 'LimitExceededException') return isThrottling(err);
      // Quota or rate? Look again: two foreign filters mean the quota, anything else a rate limit.
      const now = await describeFilters(client, logGroup, retry);
      const foreign = now.filter((f) => f.filterName !== spec.filterName);
      if (!now.some((f) => f.filterName === spec.filterName) && foreign.length >= MAX_FILTERS_PER_GROUP) {
        throw new FilterLimitReached(foreign.map((f) => f.filterName ?? ''));
      }
      return true;
    };
    await withBackoff(put, retry, retryIf);
    return { kind: ours === undefined ? 'subscribed' : 'updated', logGroup };
  } catch (err) {
    if (err instanceof FilterLimitReached) return { kind: 'filter_limit', logGroup, otherFilters: err.otherFilters };
    return failure(logGroup, err);
  }
}

/** Deletes the filter of our name from the group, and nothing else. */
export async function unsubscribeGroup(client: CloudWatchLogsClient, logGroup: string, filterName: string, retry: BackoffOptions): Promise<GroupOutcome> {
  try {
    const filters = await describeFilters(client, logGroup, retry, filterName);
    if (!filters.some((f) => f.filterName === filterName)) return { kind: 'absent', logGroup };
    await withBackoff(() => client.send(new DeleteSubscriptionFilterCommand({ logGroupName: logGroup, filterName })), retry);
    return { kind: 'removed', logGroup };
  } catch (err) {
    return failure(logGroup, err);
  }
}

/**
 * Names of the log groups the selection covers, each once, listing page by page (the caller
 * may stop early). Listing errors, after retries, are thrown: without the list nothing can be
 * done safely.
 */
export async function* selectedLogGroups(client: CloudWatchLogsClient, selection: LogGroupSelection, retry: BackoffOptions): AsyncGenerator<string> {
  const seen = new Set<string>();
  for (const query of describeQueries(selection)) {
    let nextToken: string | undefined;
    do {
      const page = await withBackoff(
        () => client.send(new DescribeLogGroupsCommand({ ...query, ...(nextToken !== undefined && { nextToken }) })),
        retry,
      );
      for (const g of page.logGroups ?? []) {
        const name = g.logGroupName;
        if (name === undefined || seen.has(name)) continue;
        seen.add(name);
        yield name;
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  }
}
