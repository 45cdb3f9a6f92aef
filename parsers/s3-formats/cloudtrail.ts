/**
 * CloudTrail log files: `{"Records":[{…},{…}]}`, one event per element
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html).
 * The file is never parsed whole: json-scanner.ts (records mode) hands each element's text over
 * as it streams by, and this parses one element. The element's text is kept as the message;
 * `eventTime` is the timestamp; the fields one filters on become attributes. Digest files
 * (no `Records`) yield nothing.
 */
import type { Attributes } from '../../forwarder/model.js';
import { JsonValueScanner } from './json-scanner.js';
import type { ParsedRecord } from './types.js';

type Json = Record<string, unknown>;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A scanner that yields each element of `Records`. */
export function createCloudTrailScanner(maxRecordBytes: number): JsonValueScanner {
  return new JsonValueScanner('records', maxRecordBytes);
}

/** One CloudTrail event from its JSON text. Text that does not parse is kept whole, invalid. */
export function parseCloudTrailRecord(text: string, fallbackTimestamp: number): ParsedRecord {
  let doc: Json | undefined;
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) doc = v as Json;
  } catch {
    doc = undefined; // reported as invalid below, the text kept whole
  }
  if (doc === undefined) return { timestamp: fallbackTimestamp, message: text, invalid: true };
  // One statement per name, each a constant (see alb.ts on why).
  const a: Attributes = {};
  let s: string | undefined;
  if ((s = str(doc['eventSource'])) !== undefined) a['aws.cloudtrail.event_source'] = s;
  if ((s = str(doc['eventName'])) !== undefined) a['aws.cloudtrail.event_name'] = s;
  if ((s = str(doc['eventID'])) !== undefined) a['aws.cloudtrail.event_id'] = s;
  if ((s = str(doc['eventType'])) !== undefined) a['aws.cloudtrail.event_type'] = s;
  if ((s = str(doc['eventCategory'])) !== undefined) a['aws.cloudtrail.event_category'] = s;
  const readOnly = doc['readOnly'];
  if (typeof readOnly === 'boolean') a['aws.cloudtrail.read_only'] = readOnly;
  if ((s = str(doc['awsRegion'])) !== undefined) a['aws.cloudtrail.aws_region'] = s;
  if ((s = str(doc['recipientAccountId'])) !== undefined) a['aws.cloudtrail.recipient_account_id'] = s;
  if ((s = str(doc['requestID'])) !== undefined) a['aws.request_id'] = s;
  if ((s = str(doc['sourceIPAddress'])) !== undefined) a['client.address'] = s;
  if ((s = str(doc['userAgent'])) !== undefined) a['user_agent.original'] = s;
  if ((s = str(doc['errorCode'])) !== undefined) a['error.type'] = s;
  const identity = doc['userIdentity'];
  if (typeof identity === 'object' && identity !== null) {
    const id = identity as Json;
    if ((s = str(id['type'])) !== undefined) a['aws.cloudtrail.user_identity.type'] = s;
    if ((s = str(id['arn'])) !== undefined) a['aws.cloudtrail.user_identity.arn'] = s;
    if ((s = str(id['accountId'])) !== undefined) a['aws.cloudtrail.user_identity.account_id'] = s;
  }
  const eventTime = doc['eventTime'];
  const ms = typeof eventTime === 'string' ? Date.parse(eventTime) : Number.NaN;
  return { timestamp: Number.isNaN(ms) ? fallbackTimestamp : ms, message: text, attributes: a };
}
