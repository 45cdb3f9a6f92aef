/**
 * S3 triggers: from any Lambda event, the objects to read. Pure (no I/O, no clock).
 *
 * Shapes understood, nested in any order the AWS services deliver them:
 * - S3 notification delivered directly: `Records[].s3`;
 * - through SNS: `Records[].Sns.Message` = S3 notification JSON;
 * - through SQS: `Records[].body` = S3 notification JSON (or SNS raw message delivery);
 * - through SQS wrapping SNS: `body` = SNS JSON with `Type: "Notification"` and `Message`;
 * - EventBridge "Object Created": `detail.bucket.name`, `detail.object.key` (also when an
 *   EventBridge rule targets SQS or SNS).
 *
 * Keys of S3 notifications are URL-encoded as HTML forms encode them ('+' is a space, %XX are
 * UTF-8 bytes): "The object key name value is URL encoded. For example, 'red flower.jpg'
 * becomes 'red+flower.jpg'" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html).
 * EventBridge keys: the EventBridge page (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html)
 * does not say they are encoded, and its examples only show plain keys; emulators (moto) send
 * them raw while they form-encode notification keys. So an EventBridge key is taken as-is, and
 * its form-decoded variant, when different, is offered as `alternateKey` for the reader to try
 * if the raw key does not exist.
 *
 * Acknowledgeable inputs: SQS record i is input i and carries its `messageId` (the handler
 * reports failures in batchItemFailures); every other shape is the whole event, input 0.
 * `s3:TestEvent` messages, events other than ObjectCreated and unreadable messages are skipped
 * with a reason, never thrown.
 */

export const S3_TRIGGERS = ['s3', 'sns', 'sqs', 'sqs-sns', 'eventbridge'] as const;
export type S3Trigger = (typeof S3_TRIGGERS)[number];

export const S3_SKIP_REASONS = ['test_event', 'not_object_created', 'invalid_message', 'not_s3'] as const;
export type S3SkipReason = (typeof S3_SKIP_REASONS)[number];

/** One object to read. */
export interface S3Target {
  readonly bucket: string;
  /** The object key, decoded. */
  readonly key: string;
  /** Another spelling of the key to try when `key` does not exist (EventBridge, see above). */
  readonly alternateKey?: string;
  readonly versionId?: string;
  /** Size announced by the event, in bytes. */
  readonly size?: number;
  /** Region of the bucket (`awsRegion`, EventBridge `region`). */
  readonly region?: string;
  /** Account owning the data: the AWSLogs/<account>/ segment of the key, else EventBridge `account`. */
  readonly account?: string;
  /** Index of the acknowledgeable input: the SQS record index, else 0. */
  readonly input: number;
  /** SQS message id of that input. */
  readonly messageId?: string;
  readonly trigger: S3Trigger;
}

export interface S3Skip {
  readonly input: number;
  readonly messageId?: string;
  readonly reason: S3SkipReason;
  /** Short description (event name, what was missing); never the payload. */
  readonly detail: string;
}

export interface S3EventObjects {
  readonly targets: S3Target[];
  readonly skipped: S3Skip[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Cheap test, for the handler's dispatch: does this event announce S3 objects? */
export function isS3Event(event: unknown): boolean {
  if (!isObject(event)) return false;
  if (event['source'] === 'aws.s3' && isObject(event['detail'])) return true;
  const records = event['Records'];
  if (!Array.isArray(records)) return false;
  return records.some((r) => {
    if (!isObject(r)) return false;
    if (isObject(r['s3'])) return true;
    const sns = r['Sns'];
    const text = isObject(sns) ? sns['Message'] : r['eventSource'] === 'aws:sqs' ? r['body'] : undefined;
    return typeof text === 'string' && mentionsS3(text);
  });
}

/** A substring test only (also through an escaped SNS Message): the full parse decides. */
function mentionsS3(text: string): boolean {
  return text.includes('aws:s3') || text.includes('aws.s3') || text.includes('s3:TestEvent') || text.includes('"s3"') || text.includes('\\"s3\\"');
}

/** Every object the event announces, and what was skipped and why. */
export function parseS3Event(event: unknown): S3EventObjects {
  const out: { targets: S3Target[]; skipped: S3Skip[] } = { targets: [], skipped: [] };
  if (!isObject(event)) {
    out.skipped.push({ input: 0, reason: 'not_s3', detail: 'event is not an object' });
    return out;
  }
  const records = event['Records'];
  if (Array.isArray(records) && records.length > 0 && isObject(records[0]) && records[0]['eventSource'] === 'aws:sqs') {
    records.forEach((r, i) => readSqsRecord(r, i, out));
    return out;
  }
  readPayload(event, { input: 0, trigger: 's3' }, out);
  return out;
}

interface Where {
  readonly input: number;
  readonly messageId?: string;
  readonly trigger: S3Trigger;
}

function readSqsRecord(record: unknown, input: number, out: S3EventObjects): void {
  const messageId = isObject(record) ? str(record['messageId']) : undefined;
  const where: Where = { input, ...(messageId !== undefined && { messageId }), trigger: 'sqs' };
  const body = isObject(record) ? record['body'] : undefined;
  const parsed = typeof body === 'string' ? parseJson(body) : undefined;
  if (parsed === undefined) {
    skip(out, where, 'invalid_message', 'SQS body is not a JSON object');
    return;
  }
  readPayload(parsed, where, out);
}

/** One decoded payload: S3 notification, SNS envelope, EventBridge event or test event. */
function readPayload(payload: Json, where: Where, out: S3EventObjects, depth = 0): void {
  if (payload['Event'] === 's3:TestEvent') {
    skip(out, where, 'test_event', `s3:TestEvent for bucket ${str(payload['Bucket']) ?? '?'}`);
    return;
  }
  if (payload['Type'] === 'Notification' && typeof payload['Message'] === 'string' && depth < 3) {
    // SNS envelope inside an SQS body (no raw message delivery).
    const inner = parseJson(payload['Message']);
    if (inner === undefined) skip(out, where, 'invalid_message', 'SNS Message is not a JSON object');
    else readPayload(inner, { ...where, trigger: where.trigger === 'sqs' ? 'sqs-sns' : 'sns' }, out, depth + 1);
    return;
  }
  if (payload['source'] === 'aws.s3' && isObject(payload['detail'])) {
    readEventBridge(payload, where.trigger === 's3' ? { ...where, trigger: 'eventbridge' } : where, out);
    return;
  }
  const records = payload['Records'];
  if (!Array.isArray(records)) {
    skip(out, where, 'not_s3', 'no Records, no EventBridge detail');
    return;
  }
  for (const r of records) {
    if (!isObject(r)) {
      skip(out, where, 'not_s3', 'record is not an object');
    } else if (isObject(r['Sns']) && depth < 3) {
      const inner = typeof r['Sns']['Message'] === 'string' ? parseJson(r['Sns']['Message']) : undefined;
      if (inner === undefined) skip(out, where, 'invalid_message', 'SNS Message is not a JSON object');
      else readPayload(inner, { ...where, trigger: 'sns' }, out, depth + 1);
    } else {
      readNotificationRecord(r, where, out);
    }
  }
}

function readNotificationRecord(r: Json, where: Where, out: S3EventObjects): void {
  const s3 = r['s3'];
  if (!isObject(s3)) {
    skip(out, where, 'not_s3', 'record has no s3 field');
    return;
  }
  const eventName = str(r['eventName']) ?? '';
  // Names are "ObjectCreated:Put" in notifications; some emulators prefix "s3:".
  if (!eventName.startsWith('ObjectCreated:') && !eventName.startsWith('s3:ObjectCreated:')) {
    skip(out, where, 'not_object_created', eventName === '' ? 'no eventName' : eventName);
    return;
  }
  const bucket = isObject(s3['bucket']) ? str(s3['bucket']['name']) : undefined;
  const object = isObject(s3['object']) ? s3['object'] : undefined;
  const rawKey = object !== undefined ? str(object['key']) : undefined;
  if (bucket === undefined || rawKey === undefined || object === undefined) {
    skip(out, where, 'not_s3', 'record has no bucket name or object key');
    return;
  }
  const key = decodeS3Key(rawKey);
  out.targets.push(target(where, bucket, key, undefined, object['size'], str(object['versionId']), str(r['awsRegion']), undefined));
}

function readEventBridge(e: Json, where: Where, out: S3EventObjects): void {
  const detailType = str(e['detail-type']) ?? '';
  if (detailType !== 'Object Created') {
    skip(out, where, 'not_object_created', detailType === '' ? 'no detail-type' : detailType);
    return;
  }
  const detail = e['detail'] as Json;
  const bucket = isObject(detail['bucket']) ? str(detail['bucket']['name']) : undefined;
  const object = isObject(detail['object']) ? detail['object'] : undefined;
  const key = object !== undefined ? str(object['key']) : undefined;
  if (bucket === undefined || key === undefined || object === undefined) {
    skip(out, where, 'not_s3', 'EventBridge detail has no bucket name or object key');
    return;
  }
  const decoded = decodeS3Key(key);
  out.targets.push(
    target(where, bucket, key, decoded !== key ? decoded : undefined, object['size'], str(object['version-id']), str(e['region']), str(e['account'])),
  );
}

function target(
  where: Where,
  bucket: string,
  key: string,
  alternateKey: string | undefined,
  size: unknown,
  versionId: string | undefined,
  region: string | undefined,
  eventAccount: string | undefined,
): S3Target {
  const account = accountFromKey(key) ?? eventAccount;
  return {
    bucket,
    key,
    ...(alternateKey !== undefined && { alternateKey }),
    ...(versionId !== undefined && { versionId }),
    ...(typeof size === 'number' && Number.isFinite(size) && { size }),
    ...(region !== undefined && { region }),
    ...(account !== undefined && { account }),
    input: where.input,
    ...(where.messageId !== undefined && { messageId: where.messageId }),
    trigger: where.trigger,
  };
}

function skip(out: S3EventObjects, where: Where, reason: S3SkipReason, detail: string): void {
  out.skipped.push({ input: where.input, ...(where.messageId !== undefined && { messageId: where.messageId }), reason, detail });
}

function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isObject(v) ? v : undefined;
  } catch {
    return undefined; // the caller reports the message as invalid_message
  }
}

const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Decodes a key as S3 encodes it in notifications (application/x-www-form-urlencoded): '+' is
 * a space, %XX sequences are UTF-8 bytes. A malformed escape is kept as written, never thrown.
 */
export function decodeS3Key(encoded: string): string {
  const spaced = encoded.includes('+') ? encoded.replaceAll('+', ' ') : encoded;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Decode each run of escapes on its own; a run that is not valid UTF-8 stays as written.
    return spaced.replace(ESCAPES, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

// AWSLogs/<account>/… and, for organization trails, AWSLogs/<o-orgid>/<account>/…
// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-find-log-files.html).
const AWSLOGS_ACCOUNT = /(?:^|\/)AWSLogs\/(?:o-[a-z0-9]{10,32}\/)?(\d{12})(?:\/|$)/;

/** The account of an AWS log delivery path (`…AWSLogs/<12 digits>/…`), if the key is one. */
export function accountFromKey(key: string): string | undefined {
  if (!key.includes('AWSLogs/')) return undefined;
  return AWSLOGS_ACCOUNT.exec(key)?.[1];
}
