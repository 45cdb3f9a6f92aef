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
    expect(flushes).toBe(Math.ceil(1000 / 128) - 1);
  });
});
