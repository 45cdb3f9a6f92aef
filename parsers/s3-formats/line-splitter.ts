/**
 * Splits a byte stream into lines: '\n' and '\r\n' end a line, empty lines are dropped (still
 * counted), bytes are decoded as UTF-8 with invalid sequences replaced by U+FFFD (never fatal).
 * Memory is bounded by `maxLineBytes`: a longer line is cut at that size (on a character
 * boundary), handed out once marked `cut`, and the rest of it is skipped up to its newline.
 * Pure: bytes in, strings out through a callback (no array per chunk).
 */
import { isAscii } from 'node:buffer';

/** Receives one line, the byte offset just past its newline, the physical line number (1-based) and whether it was cut. */
export type LineSink = (line: string, end: number, lineNumber: number, cut: boolean) => void;

const LF = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  /** Bytes consumed. */
  offset = 0;
  /** Physical lines ended so far (empty ones included). */
  lines = 0;
  /** Lines cut at maxLineBytes. */
  cutLines = 0;

  /** Start of a line that began in an earlier chunk, up to maxLineBytes. */
  private carry: Buffer[] = [];
  private carryBytes = 0;
  /** A line already cut, handed out when its newline arrives; the bytes until then are skipped. */
  private cut: string | undefined;

  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer, sink: LineSink): void {
    const len = chunk.length;
    let pos = 0;
    if (this.carryBytes > 0 || this.cut !== undefined) {
      // First the end of the line that began in an earlier chunk.
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        this.hold(chunk, 0, len);
        this.offset += len;
        return;
      }
      this.offset += nl + 1;
      this.lines++;
      this.finish(chunk, 0, nl, sink);
      pos = nl + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last >= pos) {
      // ASCII (the common case): decode the complete lines in one call, then split the text,
      // far cheaper than one decode per line; characters are bytes, so offsets and cuts stay
      // exact. Otherwise each line is decoded on its own.
      const region = chunk.subarray(pos, last + 1);
      if (isAscii(region)) this.splitText(region.toString('latin1'), sink);
      else this.splitBytes(chunk, pos, last + 1, sink);
      pos = last + 1;
    }
    if (pos < len) {
      this.hold(chunk, pos, len);
      this.offset += len - pos;
    }
  }

  /** End of input: hands out an unterminated last line. */
  end(sink: LineSink): void {
    if (this.carryBytes > 0 || this.cut !== undefined) {
      this.lines++;
      this.finish(Buffer.alloc(0), 0, 0, sink);
    }
  }

  /** Complete lines of ASCII text (one character per byte). */
  private splitText(text: string, sink: LineSink): void {
    const base = this.offset;
    let p = 0;
    while (p < text.length) {
      const q = text.indexOf('\n', p);
      this.lines++;
      let e = q;
      if (e > p && text.charCodeAt(e - 1) === CR) e--;
      if (e > p) {
        if (e - p > this.maxLineBytes) {
          this.cutLines++;
          sink(text.slice(p, p + this.maxLineBytes), base + q + 1, this.lines, true);
        } else {
          sink(text.slice(p, e), base + q + 1, this.lines, false);
        }
      }
      p = q + 1;
    }
    this.offset = base + text.length;
  }

  /** Complete lines [start, end) of `chunk`, each decoded on its own. */
  private splitBytes(chunk: Buffer, start: number, end: number, sink: LineSink): void {
    let pos = start;
    while (pos < end) {
      const nl = chunk.indexOf(LF, pos);
      this.offset += nl + 1 - pos;
      this.lines++;
      this.emit(chunk, pos, nl, sink);
      pos = nl + 1;
    }
  }

  /** Ends a line that began in an earlier chunk with bytes [start, end) of this one. */
  private finish(chunk: Buffer, start: number, end: number, sink: LineSink): void {
    this.hold(chunk, start, end);
    if (this.cut !== undefined) {
      sink(this.cut, this.offset, this.lines, true);
      this.cut = undefined;
    } else {
      const whole = this.carry.length === 1 ? (this.carry[0] as Buffer) : Buffer.concat(this.carry, this.carryBytes);
      this.emit(whole, 0, whole.length, sink);
    }
    this.carry = [];
    this.carryBytes = 0;
  }

  /** Keeps [start, end) of the current line for later; past maxLineBytes, cuts it. */
  private hold(chunk: Buffer, start: number, end: number): void {
    if (this.cut !== undefined || end === start) return;
    const room = this.maxLineBytes - this.carryBytes;
    if (end - start <= room) {
      // A copy: the producer may reuse its buffer.
      this.carry.push(Buffer.from(chunk.subarray(start, end)));
      this.carryBytes += end - start;
      return;
    }
    const cutAt = start + charBoundary(chunk, start, start + room);
    this.cut = Buffer.concat([...this.carry, chunk.subarray(start, cutAt)]).toString('utf8');
    this.cutLines++;
    this.carry = [];
    this.carryBytes = 0;
  }

  /** Hands out bytes [start, end) of `buf` as one line (CR dropped, empty skipped, cut if too long). */
  private emit(buf: Buffer, start: number, end: number, sink: LineSink): void {
    if (end > start && buf[end - 1] === CR) end--;
    if (end === start) return;
    if (end - start > this.maxLineBytes) {
      this.cutLines++;
      const cutAt = start + charBoundary(buf, start, start + this.maxLineBytes);
      sink(buf.toString('utf8', start, cutAt), this.offset, this.lines, true);
      return;
    }
    sink(buf.toString('utf8', start, end), this.offset, this.lines, false);
  }
}

/** Length from `start` to the last UTF-8 character boundary at or before `limit`. */
function charBoundary(buf: Buffer, start: number, limit: number): number {
  let at = limit;
  // Back off over continuation bytes (10xxxxxx) so a character is not split.
  while (at > start && ((buf[at] as number) & 0xc0) === 0x80) at--;
  return at > start ? at - start : limit - start;
}
