/**
 * CloudWatch Logs subscription payloads: `awslogs.data` is base64 of gzip of a JSON document
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html):
 *   { messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE', owner, logGroup, logStream,
 *     subscriptionFilters: string[], logEvents: [{ id, timestamp (ms), message }] }
 * A DATA_MESSAGE becomes one RawBatch, one RawLog per log event; a CONTROL_MESSAGE (the
 * service's health check of the destination) becomes nothing. Anything that cannot be decoded
 * is a BadInputError with the reason; events with missing fields are rejected one by one.
 */
import { gunzipSync } from 'node:zlib';
import { BadInputError } from '../errors.js';
import type { Origin, RawLog } from '../model.js';
import { logGroupFields } from '../../parsers/source-detect.js';
import type { RawBatch } from './source.js';

export interface SubscriptionPayload {
  readonly messageType: string;
  readonly owner: string;
  readonly logGroup: string;
  readonly logStream: string;
  readonly subscriptionFilters: readonly string[];
  readonly logEvents: readonly unknown[];
}

export interface DecodeResult {
  /** Undefined for a CONTROL_MESSAGE. */
  readonly batch?: RawBatch;
  /** Log events that lacked a usable timestamp or message (counted by the caller). */
  readonly invalidEvents: number;
}

/**
 * Base64 text → bytes, strictly. Buffer.from silently skips characters outside the alphabet, so
 * an invalid payload decodes to fewer bytes than its length promises: comparing the two is the
 * check, without a regex pass over a payload of up to a megabyte.
 */
export function decodeBase64(data: string): Buffer {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(data, 'base64');
  if (data.length % 4 === 0 && bytes.length === (data.length / 4) * 3 - padding) return bytes;
  // Base64 wrapped over lines (tools, hand-made events) is still base64.
  const compact = data.replace(/\s+/g, '');
  if (compact !== data) return decodeBase64(compact);
  throw new BadInputError('invalid_base64', 'payload is not valid base64');
}

/** gzip'd (or, for Kinesis producers that do not compress, plain) JSON bytes → payload object. */
export function parsePayloadBytes(bytes: Buffer): SubscriptionPayload {
  let json: Buffer = bytes;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      json = gunzipSync(bytes);
    } catch (err) {
      throw new BadInputError('invalid_gzip', `payload is not valid gzip (${(err as Error).message})`, { cause: err });
    }
  } else if (bytes[0] !== 0x7b /* { */) {
    throw new BadInputError('invalid_gzip', 'payload is neither gzip nor a JSON object');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw new BadInputError('invalid_json', `payload is not JSON (${(err as Error).message})`, { cause: err });
  }
  return validatePayload(doc);
}

export function validatePayload(doc: unknown): SubscriptionPayload {
  if (doc === null || typeof doc !== 'object') throw new BadInputError('invalid_payload', 'payload is not a JSON object');
  const d = doc as Record<string, unknown>;
  const missing = ['messageType', 'owner', 'logGroup', 'logStream'].filter((k) => typeof d[k] !== 'string');
  if (!Array.isArray(d['logEvents'])) missing.push('logEvents');
  if (missing.length > 0) {
    throw new BadInputError('invalid_payload', `subscription payload lacks ${missing.join(', ')}`);
  }
  return {
    messageType: d['messageType'] as string,
    owner: d['owner'] as string,
    logGroup: d['logGroup'] as string,
    logStream: d['logStream'] as string,
    subscriptionFilters: Array.isArray(d['subscriptionFilters']) ? (d['subscriptionFilters'] as string[]) : [],
    logEvents: d['logEvents'] as unknown[],
  };
}

export interface OriginOptions {
  /** The region of the forwarder: subscriptions deliver within one region. */
  readonly region?: string;
  /** Configured source override (DD_SOURCE). */
  readonly sourceOverride?: string;
}

export function originOf(p: SubscriptionPayload, options: OriginOptions): Origin {
  return {
    account: p.owner,
    ...(options.region !== undefined && { region: options.region }),
    logGroup: p.logGroup,
    logStream: p.logStream,
    ...logGroupFields(p.logGroup, options.sourceOverride),
    subscriptionFilters: p.subscriptionFilters,
  };
}

/** A validated payload → one RawBatch (undefined for a CONTROL_MESSAGE). */
export function payloadToBatch(p: SubscriptionPayload, input: number, options: OriginOptions): DecodeResult {
  if (p.messageType === 'CONTROL_MESSAGE') return { invalidEvents: 0 };
  if (p.messageType !== 'DATA_MESSAGE') {
    throw new BadInputError('invalid_payload', `unknown messageType "${p.messageType}"`);
  }
  const origin = originOf(p, options);
  const logs: RawLog[] = [];
  let invalidEvents = 0;
  for (const e of p.logEvents) {
    const ev = e as { id?: unknown; timestamp?: unknown; message?: unknown } | null;
    if (ev === null || typeof ev !== 'object' || typeof ev.message !== 'string' || typeof ev.timestamp !== 'number') {
      invalidEvents++;
      continue;
    }
    logs.push(
      typeof ev.id === 'string'
        ? { timestamp: ev.timestamp, message: ev.message, id: ev.id, origin, input }
        : { timestamp: ev.timestamp, message: ev.message, origin, input },
    );
  }
  return { batch: { origin, input, logs }, invalidEvents };
}

/** `awslogs.data` → RawBatch. Throws BadInputError when the payload cannot be decoded. */
export function decodeAwslogs(data: string, input: number, options: OriginOptions): DecodeResult {
  return payloadToBatch(parsePayloadBytes(decodeBase64(data)), input, options);
}
