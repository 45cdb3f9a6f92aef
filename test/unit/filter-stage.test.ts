import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Counters } from '../../forwarder/accounting.js';
import { ATTR } from '../../forwarder/attributes.js';
import type { FilterConfig } from '../../forwarder/config/scrubbing.js';
import type { LogRecord, MetricPoint, Origin, Span, Telemetry } from '../../forwarder/model.js';
import { createFilterStage } from '../../forwarder/stages/filter.js';

const ORIGIN: Origin = { source: 'lambda', account: '123456789012', logGroup: '/aws/lambda/orders-api', functionName: 'orders-api' };

/** Lines of test/events/lambda/lambda-text.txt, as AWS writes them. */
const fixture = readFileSync(new URL('../events/lambda/lambda-text.txt', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('# '));
function line(prefix: string): string {
  const found = fixture.find((l) => l.startsWith(prefix) || l.split('\t')[2] === prefix);
  if (found === undefined) throw new Error(`no fixture line for ${prefix}`);
  return found;
}
const LINES = {
  start: line('START'),
  info: line('INFO'),
  error: line('ERROR'),
  end: line('END'),
  report: line('REPORT'),
};

function log(message: string, extra: Partial<LogRecord> = {}): LogRecord {
  const resource = { [ATTR.logGroup]: '/aws/lambda/orders-api' };
  return { type: 'log', timestamp: 1704067200000, message, resource, attributes: {}, source: 'lambda', tags: [], input: 0, ...extra };
}

const metric: MetricPoint = {
  type: 'metric',
  name: 'aws.lambda.enhanced.invocations',
  value: 1,
  unit: '1',
  timestamp: 1704067200000,
  kind: 'count',
  tags: {},
  input: 0,
};
const span: Span = {
  type: 'span',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  name: 'aws.lambda',
  service: 'orders-api',
  resource: 'orders-api',
  startNs: 1n,
  durationNs: 1n,
  error: false,
  attributes: {},
  metrics: {},
  input: 0,
};

function config(partial: Partial<FilterConfig>): FilterConfig {
  return { dropSources: [], dropLogGroups: [], dropLogGroupPrefixes: [], ...partial };
}

function run(cfg: FilterConfig, items: Telemetry[], origin: Origin = ORIGIN) {
  const counters = new Counters();
  const out = createFilterStage(cfg)(items, { origin, counters });
  const messages = out.map((i) => (i.type === 'log' ? i.message : i.type));
  return { out, messages, counters };
}

const allLines = () => [log(LINES.start), log(LINES.info), log(LINES.error), log(LINES.end), log(LINES.report)];

describe('createFilterStage', () => {
  it('passes everything through, the same array, when nothing is configured', () => {
    const items = allLines();
    const { out, counters } = run(config({}), items);
    expect(out).toBe(items);
    expect(counters.entries()).toEqual([]);
  });

  it('drops logs whose message matches the exclude pattern (searched, not anchored)', () => {
    const { messages, counters } = run(config({ exclude: /(START|END) RequestId:\s/ }), allLines());
    expect(messages).toEqual([LINES.info, LINES.error, LINES.report]);
    expect(counters.get('filtered', { signal: 'logs' })).toBe(2);
    expect(counters.entries()).toEqual([{ outcome: 'filtered', signal: 'logs', reason: 'exclude_pattern', count: 2 }]);
  });

  it('keeps only logs whose message matches the include pattern', () => {
    const { messages, counters } = run(config({ include: /ERROR|REPORT/ }), allLines());
    expect(messages).toEqual([LINES.error, LINES.report]);
    expect(counters.entries()).toEqual([{ outcome: 'filtered', signal: 'logs', reason: 'include_pattern', count: 3 }]);
  });

  it('lets exclude win over include', () => {
    const { messages } = run(config({ include: /RequestId/, exclude: /^END/ }), allLines());
    expect(messages).toEqual([LINES.start, LINES.report]);
  });

  it('drops the logs of a source, whatever the case of the record source', () => {
    const items = [log('a', { source: 'Lambda' }), log('b', { source: 'cloudtrail' })];
    const { messages, counters } = run(config({ dropSources: ['lambda'] }), items);
    expect(messages).toEqual(['b']);
    expect(counters.entries()).toEqual([{ outcome: 'filtered', signal: 'logs', reason: 'drop_source', count: 1 }]);
  });

  it('drops every log of a chunk from a dropped log group (exact name)', () => {
    const { messages, counters } = run(config({ dropLogGroups: ['/aws/lambda/orders-api'] }), allLines());
    expect(messages).toEqual([]);
    expect(counters.get('filtered', { signal: 'logs', reason: 'drop_log_group' })).toBe(5);
  });

  it('drops log groups by prefix, and only those', () => {
    const cfg = config({ dropLogGroupPrefixes: ['/aws/lambda/orders-'] });
    expect(run(cfg, allLines()).messages).toEqual([]);
    const payments = allLines().map((l) => ({ ...l, resource: { [ATTR.logGroup]: '/aws/lambda/payments' } }));
    expect(run(cfg, payments, { ...ORIGIN, logGroup: '/aws/lambda/payments' }).messages).toHaveLength(5);
    expect(run(config({ dropLogGroups: ['/aws/lambda/orders'] }), allLines()).messages).toHaveLength(5);
  });

  it('uses the log group a record names itself over the chunk origin (S3 exports)', () => {
    const s3: Origin = { source: 's3', bucket: 'exports', key: 'logs/000000.gz' };
    const items = [
      log('from orders', { resource: {}, attributes: { [ATTR.logGroup]: '/aws/lambda/orders-api' } }),
      log('from payments', { resource: {}, attributes: { [ATTR.logGroup]: '/aws/lambda/payments' } }),
      log('resource says payments', { resource: { [ATTR.logGroup]: '/aws/lambda/payments' } }),
      log('no log group', { resource: {} }),
    ];
    const { messages } = run(config({ dropLogGroups: ['/aws/lambda/payments'] }), items, s3);
    expect(messages).toEqual(['from orders', 'no log group']);
  });

  it('never drops metrics or spans, even when their log lines are dropped', () => {
    const items: Telemetry[] = [metric, log(LINES.report), span];
    const { out, counters } = run(config({ exclude: /REPORT/, dropLogGroups: ['/aws/lambda/orders-api'] }), items);
    expect(out).toEqual([metric, span]);
    expect(counters.get('filtered', { signal: 'logs' })).toBe(1);
    expect(counters.get('filtered', { signal: 'metrics' })).toBe(0);
  });

  it('counts each dropped log once, under the first reason that applies', () => {
    const items = [log('x ERROR', { source: 'lambda' }), log('y ERROR', { source: 'other' }), log('z', { source: 'other' })];
    const { counters } = run(config({ dropSources: ['lambda'], exclude: /ERROR/, include: /never/ }), items, { source: 'other' });
    expect(counters.entries()).toEqual([
      { outcome: 'filtered', signal: 'logs', reason: 'drop_source', count: 1 },
      { outcome: 'filtered', signal: 'logs', reason: 'exclude_pattern', count: 1 },
      { outcome: 'filtered', signal: 'logs', reason: 'include_pattern', count: 1 },
    ]);
  });
});
