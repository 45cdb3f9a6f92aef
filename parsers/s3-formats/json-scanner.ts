/**
 * Incremental JSON value scanner over bytes, for objects too big to parse whole. It does not
 * parse: it tracks strings, escapes and bracket depth, and hands back the raw text of each
 * value it is asked for, one value at a time, so memory is bounded by the largest value
 * (`maxValueBytes`), never by the object.
 *
 * Modes:
 * - `documents`: every top-level value of concatenated JSON documents with no separators
 *   (Firehose deliveries: "By default, Firehose concatenates data without any delimiters",
 *   https://docs.aws.amazon.com/firehose/latest/dev/basic-deliver.html); whitespace between
 *   documents is allowed, anything else outside a document is counted as stray bytes.
 * - `records`: every element of the top-level object's `Records` array (CloudTrail files:
 *   `{"Records":[{…},{…}]}`); other top-level keys are skipped.
 *
 * Working on bytes is sound for UTF-8: every structural character is ASCII and no byte of a
 * multi-byte sequence is below 0x80. A value longer than `maxValueBytes` is skipped (counted in
 * `oversized`), the scan goes on after it. Positions are byte offsets in the input.
 */

export const JSON_SCAN_MODES = ['documents', 'records'] as const;
export type JsonScanMode = (typeof JSON_SCAN_MODES)[number];

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** Longest top-level key remembered (only `Records` matters). */
const MAX_KEY = 16;

/** Receives each value's text and the byte offset just past it. */
export type ValueSink = (text: string, end: number) => void;

export class JsonValueScanner {
  /** Bytes consumed so far. */
  offset = 0;
  /** Values handed out. */
  values = 0;
  /** Values skipped for exceeding maxValueBytes. */
  oversized = 0;
  /** Non-whitespace bytes outside any document (documents mode). */
  strayBytes = 0;

  private depth = 0;
  private inString = false;
  private escaped = false;
  // records mode: where the Records array is.
  private expectKey = false;
  private keyCapture: string | undefined;
  private lastKey = '';
  private valueKey = '';
  private inRecords = false;
  // the value being captured
  private capturing = false;
  private captureDepth = 0;
  private captureStart = 0;
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  private tooBig = false;

  constructor(
    private readonly mode: JsonScanMode,
    private readonly maxValueBytes: number,
  ) {}

  /** True when the input so far ends inside a value (or, in records mode, inside the top object). */
  get incomplete(): boolean {
    return this.depth > 0 || this.inString;
  }

  push(chunk: Buffer, emit: ValueSink): void {
    const len = chunk.length;
    let i = 0;
    while (i < len) {
      if (this.inString) {
        i = this.keyCapture !== undefined ? this.scanKey(chunk, i) : this.skipString(chunk, i);
        continue;
      }
      const b = chunk[i] as number;
      switch (b) {
        case QUOTE:
          this.inString = true;
          if (this.expectKey && this.depth === 1) this.keyCapture = '';
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          this.open(b, i);
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          this.close(chunk, i, emit);
          break;
        case COMMA:
          if (this.depth === 1) this.expectKey = true;
          break;
        case COLON:
          if (this.depth === 1) {
            this.valueKey = this.lastKey;
            this.expectKey = false;
          }
          break;
        case 0x20:
        case 0x0a:
        case 0x0d:
        case 0x09:
          break;
        default:
          if (this.depth === 0 && this.mode === 'documents') this.strayBytes++;
      }
      i++;
    }
    if (this.capturing) this.keep(chunk.subarray(this.captureStart, len));
    this.captureStart = 0;
    this.offset += len;
  }

  private open(b: number, i: number): void {
    const startsValue =
      this.mode === 'documents' ? this.depth === 0 : this.inRecords && this.depth === 2;
    if (startsValue && !this.capturing) {
      this.capturing = true;
      this.captureDepth = this.depth;
      this.captureStart = i;
      this.pieces = [];
      this.pieceBytes = 0;
      this.tooBig = false;
    }
    if (this.mode === 'records') {
      if (this.depth === 1 && b === OPEN_BRACKET && this.valueKey === 'Records') this.inRecords = true;
      if (this.depth === 0 && b === OPEN_BRACE) this.expectKey = true;
    }
    this.depth++;
  }

  private close(chunk: Buffer, i: number, emit: ValueSink): void {
    if (this.depth === 0) {
      if (this.mode === 'documents') this.strayBytes++;
      return;
    }
    this.depth--;
    if (this.capturing && this.depth === this.captureDepth) {
      this.capturing = false;
      const end = i + 1;
      if (this.tooBig || this.pieceBytes + end - this.captureStart > this.maxValueBytes) {
        this.oversized++;
      } else {
        const text =
          this.pieces.length === 0
            ? chunk.toString('utf8', this.captureStart, end)
            : Buffer.concat([...this.pieces, chunk.subarray(this.captureStart, end)]).toString('utf8');
        this.values++;
        emit(text, this.offset + end);
      }
      this.pieces = [];
      this.pieceBytes = 0;
    }
    if (this.mode === 'records' && this.depth === 1) this.inRecords = false;
  }

  /** Keeps part of the value being captured, or drops it once the value is too big. */
  private keep(part: Buffer): void {
    if (this.tooBig) return;
    if (this.pieceBytes + part.length > this.maxValueBytes) {
      this.tooBig = true;
      this.pieces = [];
      this.pieceBytes = 0;
      return;
    }
    this.pieces.push(part);
    this.pieceBytes += part.length;
  }

  /** Skips string content up to and including its closing quote; returns the next index. */
  private skipString(chunk: Buffer, i: number): number {
    const len = chunk.length;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    let from = i;
    for (;;) {
      const q = chunk.indexOf(QUOTE, from);
      if (q === -1) {
        // The string goes on in the next chunk: is its last byte an unfinished escape?
        let k = len - 1;
        while (k >= i && chunk[k] === BACKSLASH) k--;
        this.escaped = (len - 1 - k) % 2 === 1;
        return len;
      }
      let k = q - 1;
      while (k >= i && chunk[k] === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 0) {
        this.inString = false;
        return q + 1;
      }
      from = q + 1;
    }
  }

  /** Like skipString, remembering the first MAX_KEY characters of a top-level key. */
  private scanKey(chunk: Buffer, i: number): number {
    const len = chunk.length;
    for (; i < len; i++) {
      const b = chunk[i] as number;
      if (this.escaped) {
        this.escaped = false;
      } else if (b === BACKSLASH) {
        this.escaped = true;
      } else if (b === QUOTE) {
        this.inString = false;
        this.lastKey = this.keyCapture ?? '';
        this.keyCapture = undefined;
        return i + 1;
      }
      if (this.keyCapture !== undefined && this.keyCapture.length < MAX_KEY) this.keyCapture += String.fromCharCode(b);
    }
    return len;
  }
}
