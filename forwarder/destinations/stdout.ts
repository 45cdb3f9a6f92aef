/**
 * The stdout destination: one JSON object per line (NDJSON) per forwarded item, for local runs
 * and the dry-run CLI. The shape is a documented contract (README, "Dry-run output"); keep it
 * stable:
 *   every line: type ('log' | 'metric' | 'span'), timestamp (epoch ms)
 *   log:    message, attributes, service, source, level?, trace_id?, span_id?, tags
 *   metric: name, value, unit, kind, tags (object), namespace?
 *   span:   trace_id, span_id, parent_id?, name, service, resource, duration_ms, error, attributes
 */
import type { MetricGroup, Telemetry } from '../model.js';
import type { Destination, Encoded, SendResult, SignalEncoder } from './destination.js';

/** One item as its contract line. Delivery hands a MetricGroup over as its points. */
export function toContractObject(t: Exclude<Telemetry, MetricGroup>): Record<string, unknown> {
  switch (t.type) {
    case 'log':
      return {
        type: 'log',
        timestamp: t.timestamp,
        message: t.message,
        service: t.service,
        source: t.source,
        ...(t.level !== undefined && { level: t.level }),
        ...(t.traceId !== undefined && { trace_id: t.traceId }),
        ...(t.spanId !== undefined && { span_id: t.spanId }),
        tags: t.tags,
        attributes: { ...t.resource, ...t.attributes },
      };
    case 'metric':
      return {
        type: 'metric',
        timestamp: t.timestamp,
        name: t.name,
        value: t.value,
        unit: t.unit,
        kind: t.kind,
        tags: t.tags,
        ...(t.namespace !== undefined && { namespace: t.namespace }),
      };
    case 'span':
      return {
        type: 'span',
        timestamp: Number(t.startNs / 1_000_000n),
        trace_id: t.traceId,
        span_id: t.spanId,
        ...(t.parentId !== undefined && { parent_id: t.parentId }),
        name: t.name,
        service: t.service,
        resource: t.resource,
        duration_ms: Number(t.durationNs) / 1e6,
        error: t.error,
        attributes: t.attributes,
      };
  }
}

const encoder: SignalEncoder<string> = {
  // One write per batch; the numbers only bound memory.
  limits: { maxItems: 500, maxBytes: 1_000_000 },
  framingBytes: 0,
  separatorBytes: 0,
  encode(t: Telemetry): Encoded<string> {
    if (t.type === 'metrics') return { ok: false, reason: 'not_a_point' };
    const line = `${JSON.stringify(toContractObject(t))}\n`;
    return { ok: true, value: line, bytes: Buffer.byteLength(line) };
  },
  assemble: (values) => values.join(''),
};

export interface Writable {
  write(chunk: Uint8Array, callback: (err?: Error | null) => void): unknown;
}

export function createStdoutDestination(out: Writable): Destination {
  return {
    name: 'stdout',
    compression: () => 'none',
    encoder: () => encoder as SignalEncoder,
    send(_signal, body): Promise<SendResult> {
      return new Promise((resolve) => {
        out.write(body, (err) => resolve(err ? { kind: 'retry', reason: `write failed: ${err.message}` } : { kind: 'ok' }));
      });
    },
  };
}
