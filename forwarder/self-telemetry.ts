/**
 * The forwarder's own telemetry: the invocation's counters as `forwarder.<outcome>` count
 * metrics, tagged with the forwarder's name and version and with the signal, destination and
 * reason of each count. Counts only: never a value from the data.
 */
import type { Counters } from './accounting.js';
import type { MetricPoint } from './model.js';

export function selfMetrics(counters: Counters, o: { name: string; version: string; timestamp: number; durationMs: number }): MetricPoint[] {
  const base = { forwarder: o.name, forwarder_version: o.version };
  const points: MetricPoint[] = counters.entries().map((e) => ({
    type: 'metric',
    name: `forwarder.${e.outcome}`,
    value: e.count,
    unit: '1',
    kind: 'count',
    timestamp: o.timestamp,
    tags: {
      ...base,
      ...(e.signal !== undefined && { signal: e.signal }),
      ...(e.destination !== undefined && { destination: e.destination }),
      ...(e.reason !== undefined && { reason: e.reason }),
    },
    input: 0,
  }));
  points.push({ type: 'metric', name: 'forwarder.invocation.duration', value: o.durationMs / 1000, unit: 's', kind: 'distribution', timestamp: o.timestamp, tags: base, input: 0 });
  return points;
}
