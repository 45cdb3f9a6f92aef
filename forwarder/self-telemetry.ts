/**
 * The forwarder's own telemetry: the invocation's counters as `forwarder.<outcome>` count
 * metrics, tagged with the forwarder's name and version and with the signal, destination and
 * reason of each count. Counts only: never a value from the data.
 */
import type { Counters } from './accounting.js';
import { type MetricPoint, NO_INPUT } from './model.js';

export function selfMetrics(counters: Counters, o: { name: string; version: string; timestamp: number }): MetricPoint[] {
  const base = { forwarder: o.name, forwarder_version: o.version };
  return counters.entries().map((e) => ({
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
    input: NO_INPUT,
  }));
}
