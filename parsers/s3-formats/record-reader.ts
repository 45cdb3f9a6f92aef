/**
 * Turns the decompressed bytes of one S3 object into records, chunk by chunk, for any format:
 * line formats go through the line splitter, the format's line parser and (for free-form text:
 * lines, cloudwatch-export, firehose-cwl) the multiline joiner; CloudTrail and Firehose
 * deliveries go through the streaming JSON scanner. Pure: bytes in, records out, no I/O, no
 * clock (the fallback timestamp is passed in). Memory is bounded by the line, record and
 * document limits whatever the object size.
 *
 * Positions, for resuming an object: a record that closes a unit (a line, a joined run of
 * lines, a CloudTrail element, the last event of a Firehose document) carries `end`, the
 * decompressed byte offset just past that unit, and `line`, the physical lines (or JSON values)
 * consumed through it. Everything before `end` has then been handed out. `startOffset` skips
 * every unit that ends at or before it (the object is still decompressed and scanned from the
 * start: header lines and scanner state must be seen again).
 */
import { type LineTest, type JoinedRecord, MultilineJoiner, type MultilineOptions } from '../multiline.js';
import { createAlbParser } from './alb.js';
import { createCloudFrontParser } from './cloudfront.js';
import { createCloudTrailScanner, parseCloudTrailRecord } from './cloudtrail.js';
import { createCloudWatchExportParser } from './cloudwatch-export.js';
import { createElbParser } from './elb.js';
import { type CwlGroup, createFirehoseScanner, parseFirehoseDocument, sameGroup } from './firehose-cwl.js';
import type { JsonValueScanner } from './json-scanner.js';
import { LineSplitter } from './line-splitter.js';
import { createLinesParser } from './lines.js';
import { createS3AccessParser } from './s3-access.js';
import type { LineParser, ParsedRecord, S3Format } from './types.js';
import { createVpcFlowParser } from './vpc-flow.js';
import { createWafParser } from './waf.js';

export const RECORD_READER_DEFAULTS = {
  /** Longer lines are cut (and counted). */
  maxLineBytes: 256 * 1024,
  /** Larger CloudTrail elements or Firehose documents are skipped (and counted). */
  maxDocumentBytes: 16 * 1024 * 1024,
} as const;

export interface RecordReaderOptions {
  readonly format: S3Format;
  /** Timestamp for records whose format has none (the object's LastModified). */
  readonly fallbackTimestamp: number;
  /** Joins continuation lines (formats lines, cloudwatch-export and firehose-cwl only). */
  readonly multiline?: MultilineOptions;
  readonly maxLineBytes?: number;
  readonly maxDocumentBytes?: number;
  /** Skip units that end at or before this decompressed byte offset. */
  readonly startOffset?: number;
}

export interface ReadRecord {
  readonly record: ParsedRecord;
  /** Firehose deliveries: the document the event came from. */
  readonly group?: CwlGroup;
  /** Set when this record closes a unit: the byte offset just past it (see above). */
  readonly end?: number;
  readonly line?: number;
}

export interface RecordReaderStats {
  cutLines: number;
  invalidLines: number;
  oversizedDocuments: number;
  invalidDocuments: number;
  controlMessages: number;
  strayBytes: number;
  skippedByOffset: number;
}

/** Formats whose records are free-form text, where joining continuation lines makes sense. */
const MULTILINE_FORMATS: ReadonlySet<S3Format> = new Set<S3Format>(['lines', 'cloudwatch-export', 'firehose-cwl']);

interface Meta {
  readonly record: ParsedRecord;
  readonly group?: CwlGroup;
  readonly end?: number;
  readonly line?: number;
}

export class S3RecordReader {
  readonly stats: RecordReaderStats = {
    cutLines: 0,
    invalidLines: 0,
    oversizedDocuments: 0,
    invalidDocuments: 0,
    controlMessages: 0,
    strayBytes: 0,
    skippedByOffset: 0,
  };

  private readonly splitter?: LineSplitter;
  private readonly parser?: LineParser;
  private readonly scanner?: JsonValueScanner;
  private readonly joiner?: MultilineJoiner<Meta>;
  private readonly start?: LineTest;
  private readonly fallback: number;
  private readonly startOffset: number;
  private lastGroup: CwlGroup | undefined;
  private out: ReadRecord[] = [];

  constructor(private readonly options: RecordReaderOptions) {
    const { format } = options;
    this.fallback = options.fallbackTimestamp;
    this.startOffset = options.startOffset ?? 0;
    const maxDoc = options.maxDocumentBytes ?? RECORD_READER_DEFAULTS.maxDocumentBytes;
    if (format === 'cloudtrail') this.scanner = createCloudTrailScanner(maxDoc);
    else if (format === 'firehose-cwl') this.scanner = createFirehoseScanner(maxDoc);
    else {
      this.splitter = new LineSplitter(options.maxLineBytes ?? RECORD_READER_DEFAULTS.maxLineBytes);
      this.parser = lineParser(format);
    }
    if (options.multiline !== undefined && MULTILINE_FORMATS.has(format)) {
      this.start = options.multiline.start;
      this.joiner = new MultilineJoiner<Meta>(options.multiline);
    } else if (format === 'cloudwatch-export') {
      // Exports always rejoin the lines of a multi-line event, pattern or not.
      this.joiner = new MultilineJoiner<Meta>({ start: /^/ });
    }
  }

  /** The records completed by this chunk (records left open wait for more input). */
  push(chunk: Buffer): ReadRecord[] {
    this.out = [];
    if (this.splitter !== undefined) this.splitter.push(chunk, this.onLine);
    else this.scanner?.push(chunk, this.onValue);
    this.syncStats();
    return this.out;
  }

  /** End of input: the records still open. */
  end(): ReadRecord[] {
    this.out = [];
    this.splitter?.end(this.onLine);
    this.flushJoiner();
    this.syncStats();
    return this.out;
  }

  /**
   * Input broke off (truncated or corrupt stream): the record the joiner holds is made of whole
   * lines, so it is handed out; a partial last line is not.
   */
  abort(): ReadRecord[] {
    this.out = [];
    this.flushJoiner();
    this.syncStats();
    return this.out;
  }

  /** Whether the input ended inside a JSON document (a truncated CloudTrail/Firehose object). */
  get incomplete(): boolean {
    return this.scanner?.incomplete ?? false;
  }

  private readonly onLine = (text: string, end: number, line: number): void => {
    const record = (this.parser as LineParser).parse(text, this.fallback);
    if (record === undefined) return;
    if (record.invalid === true) this.stats.invalidLines++;
    this.add({ record, end, line });
  };

  private readonly onValue = (text: string, end: number): void => {
    const line = (this.scanner as JsonValueScanner).values;
    if (this.options.format === 'cloudtrail') {
      const record = parseCloudTrailRecord(text, this.fallback);
      if (record.invalid === true) this.stats.invalidDocuments++;
      this.add({ record, end, line });
      return;
    }
    const doc = parseFirehoseDocument(text, this.fallback);
    if (doc.kind === 'control') {
      this.stats.controlMessages++;
      return;
    }
    if (doc.kind === 'invalid') {
      // Kept whole rather than lost; the destination sees it as one raw message.
      this.stats.invalidDocuments++;
      this.add({ record: { timestamp: this.fallback, message: text, invalid: true }, end, line });
      return;
    }
    if (end <= this.startOffset) {
      this.stats.skippedByOffset += doc.events.length;
      return;
    }
    // A new log stream never continues the previous one's record.
    if (this.lastGroup !== undefined && !sameGroup(this.lastGroup, doc.group)) this.flushJoiner();
    this.lastGroup = doc.group;
    const last = doc.events.length - 1;
    doc.events.forEach((record, i) => this.add(i === last ? { record, group: doc.group, end, line } : { record, group: doc.group }));
  };

  /** Counts the splitter and scanner keep themselves. */
  private syncStats(): void {
    if (this.splitter !== undefined) this.stats.cutLines = this.splitter.cutLines;
    if (this.scanner !== undefined) {
      this.stats.oversizedDocuments = this.scanner.oversized;
      this.stats.strayBytes = this.scanner.strayBytes;
    }
  }

  private add(meta: Meta): void {
    if (this.joiner === undefined) {
      this.emit(meta);
      return;
    }
    const r = meta.record;
    const isStart = r.continuation !== true && (this.start === undefined || this.start.test(r.message));
    const done = this.joiner.push(r.message, meta, isStart);
    if (done !== undefined) this.emitJoined(done);
  }

  private flushJoiner(): void {
    const done = this.joiner?.flush();
    if (done !== undefined) this.emitJoined(done);
  }

  private emitJoined(j: JoinedRecord<Meta>): void {
    if (j.lines === 1) {
      this.emit(j.first);
      return;
    }
    const { record, group } = j.first;
    const { end, line } = j.last;
    this.emit({
      record: { ...record, message: j.text },
      ...(group !== undefined && { group }),
      ...(end !== undefined && { end }),
      ...(line !== undefined && { line }),
    });
  }

  private emit(meta: Meta): void {
    // Firehose events are filtered per document above; every other unit closes with its record.
    if (meta.end !== undefined && meta.end <= this.startOffset) {
      this.stats.skippedByOffset++;
      return;
    }
    this.out.push(meta);
  }
}



function lineParser(format: S3Format): LineParser {
  switch (format) {
    case 'vpc-flow':
      return createVpcFlowParser();
    case 'alb':
      return createAlbParser();
    case 'elb':
      return createElbParser();
    case 's3-access':
      return createS3AccessParser();
    case 'cloudfront':
      return createCloudFrontParser();
    case 'waf':
      return createWafParser();
    case 'cloudwatch-export':
      return createCloudWatchExportParser();
    default:
      return createLinesParser();
  }
}
