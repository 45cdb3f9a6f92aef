import { describe, expect, it } from 'vitest';
import { MultilineJoiner } from '../../parsers/multiline.js';

const START = /^\d{4}-\d\d-\d\d /;

/** Pushes every line, then flushes; returns the texts of the records in order. */
function join(lines: string[], joiner = new MultilineJoiner({ start: START })): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const done = joiner.push(line, undefined);
    if (done !== undefined) out.push(done.text);
  }
  const last = joiner.flush();
  if (last !== undefined) out.push(last.text);
  return out;
}

describe('MultilineJoiner', () => {
  it('joins a Java stack trace to the line that opened the record', () => {
    const lines = [
      '2024-01-01 00:00:00 ERROR request failed',
      'java.lang.IllegalStateException: boom',
      '\tat com.acme.Orders.place(Orders.java:42)',
      '\tat com.acme.Api.handle(Api.java:7)',
      '2024-01-01 00:00:01 INFO next request',
    ];

    expect(join(lines)).toEqual([
      '2024-01-01 00:00:00 ERROR request failed\njava.lang.IllegalStateException: boom\n\tat com.acme.Orders.place(Orders.java:42)\n\tat com.acme.Api.handle(Api.java:7)',
      '2024-01-01 00:00:01 INFO next request',
    ]);
  });

  it('returns a record when the next start line arrives, not before', () => {
    const joiner = new MultilineJoiner({ start: START });

    const first = joiner.push('2024-01-01 00:00:00 one', undefined);
    const second = joiner.push('  continued', undefined);
    const third = joiner.push('2024-01-01 00:00:01 two', undefined);

    expect([first, second, third?.text]).toEqual([undefined, undefined, '2024-01-01 00:00:00 one\n  continued']);
    expect(joiner.pending).toBe(true);
  });

  it('keeps lines before the first start line as a record of their own', () => {
    expect(join(['orphan 1', 'orphan 2', '2024-01-01 00:00:00 real'])).toEqual(['orphan 1\norphan 2', '2024-01-01 00:00:00 real']);
  });

  it('closes a record at maxLines and starts the next with the continuation line', () => {
    const joiner = new MultilineJoiner({ start: START, maxLines: 2 });

    const records = join(['2024-01-01 00:00:00 head', 'a', 'b', 'c'], joiner);

    expect(records).toEqual(['2024-01-01 00:00:00 head\na', 'b\nc']);
  });

  it('closes a record before it passes maxBytes (UTF-8 bytes, newlines included)', () => {
    // 'é' is 2 bytes: head (10) + '\n' + 'éé' (4) = 15 fits in 15; one more line does not.
    const joiner = new MultilineJoiner({ start: /^H/, maxBytes: 15 });
    const out: Array<{ text: string; cut: boolean }> = [];

    for (const line of ['Hhhhhhhhhh', 'éé', 'x']) {
      const done = joiner.push(line, undefined);
      if (done !== undefined) out.push({ text: done.text, cut: done.cut });
    }

    expect(out).toEqual([{ text: 'Hhhhhhhhhh\néé', cut: true }]);
    expect(joiner.flush()?.text).toBe('x');
  });

  it('reports the meta of the first and last line of a record', () => {
    const joiner = new MultilineJoiner<number>({ start: START });
    joiner.push('2024-01-01 00:00:00 a', 1);
    joiner.push('b', 2);
    joiner.push('c', 3);

    const done = joiner.push('2024-01-01 00:00:01 d', 4);

    expect(done).toEqual({ text: '2024-01-01 00:00:00 a\nb\nc', lines: 3, first: 1, last: 3, cut: false });
  });

  it('lets the caller say a line continues the record whatever the pattern', () => {
    const joiner = new MultilineJoiner({ start: /^/ });
    joiner.push('first', undefined);
    joiner.push('second', undefined, false);

    expect(joiner.flush()?.text).toBe('first\nsecond');
  });

  it('is not fooled by a global pattern (no lastIndex carried between lines)', () => {
    const lines = ['2024-01-01 00:00:00 a', '2024-01-01 00:00:01 b', '2024-01-01 00:00:02 c'];

    expect(join(lines, new MultilineJoiner({ start: /^\d{4}-/g }))).toEqual(lines);
  });

  it('returns nothing on flush when no record is open', () => {
    expect(new MultilineJoiner({ start: START }).flush()).toBeUndefined();
  });
});
