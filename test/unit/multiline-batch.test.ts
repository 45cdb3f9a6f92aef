import { describe, expect, it } from 'vitest';
import type { Origin, RawLog } from '../../forwarder/model.js';
import { createBatchJoiner } from '../../forwarder/sources/multiline-batch.js';
import type { RawBatch } from '../../forwarder/sources/source.js';

const origin: Origin = { source: 'ecs', logGroup: '/ecs/orders', logStream: 'orders/web/0b1c2d3e' };
const batch = (messages: string[]): RawBatch => ({
  origin,
  input: 0,
  logs: messages.map((message, i): RawLog => ({ timestamp: 1_704_067_200_000 + i, message, id: `id-${i}`, origin, input: 0 })),
});
const join = createBatchJoiner(/^\d{4}-\d{2}-\d{2}T/);

describe('multiline joining of a CloudWatch batch', () => {
  it('joins continuation events to the event that starts the record, keeping its timestamp and id', () => {
    const out = join(
      batch([
        '2024-01-01T00:00:00.000Z ERROR request failed\n',
        'java.lang.IllegalStateException: boom\n',
        '\tat com.acme.Orders.place(Orders.java:42)\n',
        '2024-01-01T00:00:00.100Z INFO next request\n',
      ]),
    );
    expect(out.logs.map((l) => [l.message, l.timestamp, l.id])).toEqual([
      ['2024-01-01T00:00:00.000Z ERROR request failed\njava.lang.IllegalStateException: boom\n\tat com.acme.Orders.place(Orders.java:42)', 1_704_067_200_000, 'id-0'],
      ['2024-01-01T00:00:00.100Z INFO next request', 1_704_067_200_003, 'id-3'],
    ]);
  });

  it('returns the batch itself when every event starts a record', () => {
    const b = batch(['2024-01-01T00:00:00.000Z one\n', '2024-01-01T00:00:01.000Z two\n']);
    expect(join(b)).toBe(b);
  });

  it('keeps events before the first start line as a record of their own', () => {
    const out = join(batch(['orphan continuation\n', 'more orphan\n', '2024-01-01T00:00:00.000Z start\n']));
    expect(out.logs.map((l) => l.message)).toEqual(['orphan continuation\nmore orphan', '2024-01-01T00:00:00.000Z start']);
  });
});
