/**
 * Filter stage: drops log records by log group (exact name or prefix), by source, and by
 * include/exclude patterns searched in the message (exclude wins; with an include pattern,
 * only matching logs go on). Only LogRecords are filtered: metrics and spans pass, and since
 * the telemetry stage runs before this one, the metrics of dropped lines (enhanced metrics
 * from REPORT lines) are still emitted. Dropped logs are counted as `filtered` (signal logs),
 * with the reason. Patterns were compiled at start-up (config/scrubbing.ts), guarded against
 * catastrophic backtracking.
 */
import { ATTR } from '../attributes.js';
import type { FilterConfig } from '../config/scrubbing.js';
import type { LogRecord, Telemetry } from '../model.js';
import type { ChunkContext, Stage } from './stage.js';

export const FILTER_REASONS = ['drop_log_group', 'drop_source', 'exclude_pattern', 'include_pattern'] as const;
export type FilterReason = (typeof FILTER_REASONS)[number];

export function createFilterStage(config: FilterConfig): Stage {
  const { include, exclude } = config;
  const sources = new Set(config.dropSources);
  const groups = new Set(config.dropLogGroups);
  const prefixes = config.dropLogGroupPrefixes;
  if (include === undefined && exclude === undefined && sources.size === 0 && groups.size === 0 && prefixes.length === 0) {
    return (items) => items;
  }
  const groupDropped = (group: string | undefined): boolean =>
    group !== undefined && (groups.has(group) || prefixes.some((p) => group.startsWith(p)));

  return (items: Telemetry[], ctx: ChunkContext): Telemetry[] => {
    const originGroup = ctx.origin.logGroup;
    const originDropped = groupDropped(originGroup);
    const reasonFor = (log: LogRecord): FilterReason | undefined => {
      // A record may name its own log group (S3 exports of CloudWatch Logs); else its
      // resource's; else the chunk's.
      const own = log.attributes[ATTR.logGroup] ?? log.resource[ATTR.logGroup];
      if ((typeof own === 'string' && own !== originGroup) ? groupDropped(own) : originDropped) return 'drop_log_group';
      if (sources.size > 0 && sources.has(log.source.toLowerCase())) return 'drop_source';
      if (exclude !== undefined && exclude.test(log.message)) return 'exclude_pattern';
      if (include !== undefined && !include.test(log.message)) return 'include_pattern';
      return undefined;
    };
    const dropped: Record<FilterReason, number> = { drop_log_group: 0, drop_source: 0, exclude_pattern: 0, include_pattern: 0 };
    let total = 0;
    const kept: Telemetry[] = [];
    for (const item of items) {
      const reason = item.type === 'log' ? reasonFor(item) : undefined;
      if (reason === undefined) kept.push(item);
      else {
        dropped[reason]++;
        total++;
      }
    }
    if (total === 0) return items;
    for (const reason of FILTER_REASONS) {
      if (dropped[reason] > 0) ctx.counters.add('filtered', dropped[reason], { signal: 'logs', reason });
    }
    return kept;
  };
}
