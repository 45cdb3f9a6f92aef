/**
 * Multiline joiner: turns a stream of lines into records. A line matching the start-of-record
 * pattern opens a record; following lines that do not match are appended to it with '\n'
 * (stack traces, pretty-printed output). Pure and stateful: `push(line, meta)` returns the record
 * that the line completed, if any; `flush()` returns the record still open (end of input, or a
 * change of stream).
 *
 * Bounded: a record holds at most `maxLines` lines and `maxBytes` UTF-8 bytes. A continuation
 * line that would pass either bound closes the record (marked `cut`) and opens the next one, so
 * nothing is dropped and nothing grows without limit. Lines before the first start line form a
 * record of their own (nothing is lost at the head of a stream).
 *
 * `meta` travels with each line (timestamp, id, position, …): a record reports the meta of its
 * first and last line, so callers keep the first line's timestamp and the last line's position.
 */

/** What the joiner needs of a pattern: a test (a RegExp, or a guarded user pattern). */
export interface LineTest {
  test(line: string): boolean;
}

export interface MultilineOptions {
  /** Start-of-record pattern, tested against each line. */
  readonly start: LineTest;
  /** Lines per record before it is closed; default 500. */
  readonly maxLines?: number;
  /** UTF-8 bytes per record (joining newlines included) before it is closed; default 256 KiB. */
  readonly maxBytes?: number;
}

export interface JoinedRecord<M> {
  /** The lines joined with '\n'. */
  readonly text: string;
  readonly lines: number;
  readonly first: M;
  readonly last: M;
  /** True when a bound closed the record: its continuation starts the next record. */
  readonly cut: boolean;
}

export const MULTILINE_DEFAULTS = { maxLines: 500, maxBytes: 256 * 1024 } as const;

export class MultilineJoiner<M = undefined> {
  private readonly start: LineTest;
  private readonly maxLines: number;
  private readonly maxBytes: number;
  private parts: string[] = [];
  private bytes = 0;
  private first: M | undefined;
  private last: M | undefined;

  constructor(options: MultilineOptions) {
    // A global or sticky regex keeps lastIndex between test() calls and would skip matches.
    const s = options.start;
    this.start = s instanceof RegExp && (s.global || s.sticky) ? new RegExp(s.source, s.flags.replace(/[gy]/g, '')) : s;
    this.maxLines = Math.max(1, options.maxLines ?? MULTILINE_DEFAULTS.maxLines);
    this.maxBytes = Math.max(1, options.maxBytes ?? MULTILINE_DEFAULTS.maxBytes);
  }

  /**
   * Adds one line. `isStart` overrides the pattern (callers that know a line continues the
   * previous one, such as a CloudWatch export line without its timestamp, pass false).
   * Returns the record this line closed, if any.
   */
  push(line: string, meta: M, isStart: boolean = this.start.test(line)): JoinedRecord<M> | undefined {
    const size = Buffer.byteLength(line, 'utf8');
    if (this.parts.length === 0) {
      this.open(line, size, meta);
      return undefined;
    }
    if (isStart) {
      const done = this.close(false);
      this.open(line, size, meta);
      return done;
    }
    if (this.parts.length >= this.maxLines || this.bytes + 1 + size > this.maxBytes) {
      const done = this.close(true);
      this.open(line, size, meta);
      return done;
    }
    this.parts.push(line);
    this.bytes += 1 + size;
    this.last = meta;
    return undefined;
  }

  /** Closes and returns the open record, if any. */
  flush(): JoinedRecord<M> | undefined {
    return this.parts.length === 0 ? undefined : this.close(false);
  }

  /** Whether a record is open (not yet returned). */
  get pending(): boolean {
    return this.parts.length > 0;
  }

  private open(line: string, size: number, meta: M): void {
    this.parts.push(line);
    this.bytes = size;
    this.first = meta;
    this.last = meta;
  }

  private close(cut: boolean): JoinedRecord<M> {
    const parts = this.parts;
    const record: JoinedRecord<M> = {
      text: parts.length === 1 ? (parts[0] as string) : parts.join('\n'),
      lines: parts.length,
      first: this.first as M,
      last: this.last as M,
      cut,
    };
    this.parts = [];
    this.bytes = 0;
    return record;
  }
}
