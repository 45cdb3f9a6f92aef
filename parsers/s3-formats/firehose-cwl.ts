/**
 * Firehose deliveries of CloudWatch Logs subscription data: the object is JSON documents
 * concatenated with no separator (after multi-member gunzip when Firehose did not decompress
 * the records), each one a subscription payload `{messageType, owner, logGroup, logStream,
 * subscriptionFilters, logEvents[{id, timestamp, message}]}`
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html,
 * https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html). json-scanner.ts
 * (documents mode) hands each document over; this parses one. CONTROL_MESSAGE documents (the
 * destination health checks) carry no logs and are dropped. Each data document keeps its
 * owner/log group/log stream: it may be its own origin.
 */
import { JsonValueScanner } from './json-scanner.js';
import type { ParsedRecord } from './types.js';

type Json = Record<string, unknown>;

/** Where a document's events come from. */
export interface CwlGroup {
  readonly owner?: string;
  readonly logGroup?: string;
  readonly logStream?: string;
  readonly subscriptionFilters?: readonly string[];
}

/** The same log group and stream (a Firehose object mixes documents of several). */
export function sameGroup(a: CwlGroup, b: CwlGroup): boolean {
  return a === b || (a.owner === b.owner && a.logGroup === b.logGroup && a.logStream === b.logStream);
}

export type FirehoseDocument =
  | { readonly kind: 'data'; readonly group: CwlGroup; readonly events: ParsedRecord[] }
  | { readonly kind: 'control' }
  | { readonly kind: 'invalid'; readonly detail: string };

export function createFirehoseScanner(maxDocumentBytes: number): JsonValueScanner {
  return new JsonValueScanner('documents', maxDocumentBytes);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** One subscription payload. Events missing a message are skipped; a bad timestamp falls back. */
export function parseFirehoseDocument(text: string, fallbackTimestamp: number): FirehoseDocument {
  let doc: Json;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return { kind: 'invalid', detail: 'not a JSON object' };
    doc = v as Json;
  } catch {
    return { kind: 'invalid', detail: 'not valid JSON' };
  }
  if (doc['messageType'] === 'CONTROL_MESSAGE') return { kind: 'control' };
  const logEvents = doc['logEvents'];
  if (doc['messageType'] !== 'DATA_MESSAGE' || !Array.isArray(logEvents)) {
    return { kind: 'invalid', detail: 'not a CloudWatch Logs subscription payload' };
  }
  const owner = str(doc['owner']);
  const logGroup = str(doc['logGroup']);
  const logStream = str(doc['logStream']);
  const filters = Array.isArray(doc['subscriptionFilters'])
    ? (doc['subscriptionFilters'] as unknown[]).filter((f): f is string => typeof f === 'string')
    : [];
  const group: CwlGroup = {
    ...(owner !== undefined && { owner }),
    ...(logGroup !== undefined && { logGroup }),
    ...(logStream !== undefined && { logStream }),
    ...(filters.length > 0 && { subscriptionFilters: filters }),
  };
  const events: ParsedRecord[] = [];
  for (const e of logEvents as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const message = (e as Json)['message'];
    if (typeof message !== 'string') continue;
    const ts = (e as Json)['timestamp'];
    const id = str((e as Json)['id']);
    events.push({
      timestamp: typeof ts === 'number' && Number.isFinite(ts) ? ts : fallbackTimestamp,
      message,
      ...(id !== undefined && { id }),
    });
  }
  return { kind: 'data', group, events };
}
