/**
 * Which kind of event the handler was given. Pure shape checks on the event object.
 */
import { isContinuationEvent } from '../continuation.js';
export const EVENT_KINDS = ['cloudwatch', 'kinesis', 's3', 'continuation', 'replay', 'unknown'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object';

export function detectEvent(event: unknown, isS3Event: (e: unknown) => boolean = () => false): EventKind {
  if (!isObj(event)) return 'unknown';
  if (isObj(event['awslogs']) && typeof event['awslogs']['data'] === 'string') return 'cloudwatch';
  if (event['replay'] === true) return 'replay';
  if (isContinuationEvent(event)) return 'continuation';
  const records = event['Records'];
  if (Array.isArray(records) && records.length > 0 && isObj(records[0]) && isObj(records[0]['kinesis'])) return 'kinesis';
  if (isS3Event(event)) return 's3';
  return 'unknown';
}
