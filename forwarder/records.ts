/**
 * Raw lines → LogRecords: origin attributes (OpenTelemetry names), service, tags, the level and
 * request id the line states, and — for Lambda log groups — the request id of the invocation a
 * line without one belongs to (lines between START and END/REPORT of one log stream; a stream
 * runs one invocation at a time). The open invocation of each stream is remembered across
 * batches (bounded), because an invocation's lines can arrive in several payloads.
 */
import { ATTR } from './attributes.js';
import type { Attributes, LogRecord, Origin } from './model.js';
import { parseJsonObject } from '../parsers/json-object.js';
import { lineFacts } from '../parsers/lambda-line.js';
import type { RawBatch } from './sources/source.js';

export interface RecordOptions {
  readonly service?: string;
  readonly tags: readonly string[];
}

const MAX_OPEN_STREAMS = 5_000;

export class RecordBuilder {
  /** log stream → request id of its open invocation. Insertion order = age, for eviction. */
  private readonly open = new Map<string, string>();
  /** Sources reuse one origin object for every batch of an input: one resource object each. */
  private readonly resources = new WeakMap<Origin, Readonly<Attributes>>();

  constructor(private readonly options: RecordOptions) {}

  build(batch: RawBatch): LogRecord[] {
    const { origin, input } = batch;
    let resource = this.resources.get(origin);
    if (resource === undefined) {
      resource = resourceOf(origin);
      this.resources.set(origin, resource);
    }
    const tags = this.options.tags;
    const service = this.options.service ?? origin.functionName ?? origin.source;
    const lambda = origin.source === 'lambda' || origin.functionName !== undefined;
    const streamKey = lambda && origin.logStream !== undefined ? `${origin.logGroup}|${origin.logStream}` : undefined;
    let current = streamKey === undefined ? undefined : this.open.get(streamKey);
    const out: LogRecord[] = new Array<LogRecord>(batch.logs.length);
    let n = 0;
    for (const raw of batch.logs) {
      const message = stripNewline(raw.message);
      const json = parseJsonObject(message);
      const attributes: Attributes = raw.attributes === undefined ? {} : { ...raw.attributes };
      if (raw.id !== undefined) attributes[ATTR.logEventId] = raw.id;
      const record: LogRecord = {
        type: 'log',
        timestamp: raw.timestamp,
        message,
        resource,
        attributes,
        service,
        source: origin.source,
        tags,
        input,
      };
      if (json !== undefined) record.json = json;
      if (lambda) {
        const facts = lineFacts(message, json);
        if (facts.level !== undefined) record.level = facts.level;
        // A stream runs one invocation at a time: any line that states its request id names the
        // open invocation, also when its START went to another payload (another forwarder).
        if (facts.requestId !== undefined) current = facts.requestId;
        const requestId = facts.requestId ?? current;
        if (requestId !== undefined) attributes[ATTR.faasInvocationId] = requestId;
        // REPORT is the last line of an invocation; END alone may be followed by a REPORT.
        if (facts.platform === 'report') current = undefined;
      }
      out[n++] = record;
    }
    out.length = n;
    if (streamKey !== undefined) this.remember(streamKey, current);
    return out;
  }

  private remember(streamKey: string, requestId: string | undefined): void {
    this.open.delete(streamKey);
    if (requestId === undefined) return;
    this.open.set(streamKey, requestId);
    if (this.open.size > MAX_OPEN_STREAMS) {
      const oldest = this.open.keys().next().value;
      if (oldest !== undefined) this.open.delete(oldest);
    }
  }
}

/** The origin as resource attributes; one frozen object per batch. */
export function resourceOf(origin: Origin): Readonly<Attributes> {
  const a: Attributes = { [ATTR.cloudProvider]: 'aws' };
  if (origin.account !== undefined) a[ATTR.cloudAccountId] = origin.account;
  if (origin.region !== undefined) a[ATTR.cloudRegion] = origin.region;
  if (origin.logGroup !== undefined) a[ATTR.logGroup] = origin.logGroup;
  if (origin.logStream !== undefined) a[ATTR.logStream] = origin.logStream;
  if (origin.functionName !== undefined) a[ATTR.faasName] = origin.functionName;
  if (origin.bucket !== undefined) a[ATTR.s3Bucket] = origin.bucket;
  if (origin.key !== undefined) a[ATTR.s3Key] = origin.key;
  return Object.freeze(a);
}

/** CloudWatch keeps the runtime's trailing newline on each event; the log does not need it. */
function stripNewline(s: string): string {
  const end = s.endsWith('\r\n') ? s.length - 2 : s.endsWith('\n') ? s.length - 1 : s.length;
  return end === s.length ? s : s.slice(0, end);
}
