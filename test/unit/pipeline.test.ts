/**
 * runBatch: a batch longer than one slice (128 items) is filtered, scrubbed and pushed slice by
 * slice, with every line accounted for once and the order kept.
 */
import { describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import type { Telemetry } from '../../forwarder/model.js';
import { runBatch } from '../../forwarder/pipeline.js';
import { RecordBuilder } from '../../forwarder/records.js';
import type { RawBatch } from '../../forwarder/sources/source.js';
import { createFilterStage } from '../../forwarder/stages/filter.js';

const ORIGIN = { source: 'lambda', logGroup: '/aws/lambda/orders-api', functionName: 'orders-api' };

function batch(n: number): RawBatch {
  const logs = Array.from({ length: n }, (_, i) => ({ timestamp: 1704067200000 + i, message: i % 3 === 0 ? `DEBUG noise ${i}` : `order ${i} processed`, origin: ORIGIN, input: 0 }));
  return { origin: ORIGIN, input: 0, logs };
}

describe('runBatch over several slices', () => {
  it('counts every line once, keeps the order, and hands the sink its buffered bytes between slices', async () => {
    const counters = new Counters();
    const pushed: Telemetry[] = [];
    let flushes = 0;
    const filter = createFilterStage({ exclude: /^DEBUG/, dropSources: [], dropLogGroups: [], dropLogGroupPrefixes: [] });
    await runBatch(batch(1000), {
      records: new RecordBuilder({ tags: [] }),
      extract: [],
      refine: [filter],
      sink: {
        push: (item) => {
          pushed.push(item);
          return undefined;
        },
        flush: () => {
          flushes++;
        },
      },
      counters,
    });
    expect([counters.get('received'), counters.get('filtered', { reason: 'exclude_pattern' }), counters.get('emitted', { signal: 'logs' })]).toEqual([1000, 334, 666]);
    const numbers = pushed.map((t) => (t.type === 'log' ? Number(t.message.split(' ')[1]) : -1));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    // Slices of 128 items, the last one small: 7 × 128, then 72 and 32, with a flush between two.
    expect(flushes).toBe(8);
  });

  it.each([
    [50, 0],
    [100, 1],
    [160, 1],
    [161, 1],
    [193, 2],
  ])('a batch of %i items is pushed with %i flushes (the last slice holds 32 to 64 items)', async (n, expected) => {
    let flushes = 0;
    await runBatch(batch(n), {
      records: new RecordBuilder({ tags: [] }),
      extract: [],
      refine: [],
      sink: { push: () => undefined, flush: () => void flushes++ },
      counters: new Counters(),
    });
    expect(flushes).toBe(expected);
  });
});
