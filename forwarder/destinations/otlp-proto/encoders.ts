/**
 * The OTLP SignalEncoders (destination.ts contract), per signal and wire form. `encode` maps one
 * item (otlp-mapping.ts) and writes its message once (messages.ts or json.ts); `assemble` groups
 * the encoded items by resource, one ResourceX + one ScopeX per resource, in order of first
 * appearance. An item's `bytes` is its own message plus its resource group's wrapper, so the sum
 * the Deliverer keeps is exact when every item has its own resource and an upper bound
 * otherwise (items sharing a resource share one wrapper): a body of several items never exceeds
 * `maxBytes`.
 * Encoded resources are cached by content (bounded), and consecutive items of one batch reuse
 * the last one without building a key.
 *
 * Limits: OTLP sets none per item; servers cap requests (the specification recommends a 64 MiB
 * cap, hosted backends often accept much less). 1,000 items and 4 MiB uncompressed per request
 * keep requests small everywhere; a 413 still splits a batch. A log
 * message is cut to 1 MB (UTF-8 safe, marked, `forwarder.truncated`) like the Datadog
 * destination's, so one huge line cannot make an unsendable request.
 */
import { ATTR } from '../../attributes.js';
import type { OtlpConfig } from '../../config/index.js';
import type { Attributes, LogRecord, MetricPoint, Signal, Span, Telemetry } from '../../model.js';
import { TRUNCATION_MARKER, truncateUtf8 } from '../datadog-logs.js';
import type { Encoded, SignalEncoder } from '../destination.js';
import {
  logResource,
  logResourceKey,
  mapLog,
  mapMetric,
  mapSpan,
  metricResource,
  metricResourceKey,
  sameLogResource,
  sameMetricResource,
  sameSpanResource,
  spanResource,
  spanResourceKey,
} from '../otlp-mapping.js';
import { assembleJson, framingJson, groupOverheadJson, logRecordJson, metricsJson, resourceJson, scopeJson, spanJson } from './json.js';
import { assembleRequest, groupOverhead, logRecordField, metricFields, resourceField, scopeField, spanField } from './messages.js';

export const OTLP_LIMITS = {
  maxItems: 1_000,
  maxBytes: 4 * 1024 * 1024,
  maxLogBodyBytes: 1_000_000,
} as const;

const MAX_CACHED_RESOURCES = 1_024;

export interface Scope {
  readonly name: string;
  readonly version?: string;
}

/** One item encoded: its resource (shared, cached: grouping is by identity) and its own message. */
interface Item<R, B> {
  readonly resource: { readonly body: R };
  readonly body: B;
}

/** A resource in JSON and the bytes its group wrapper adds. */
interface JsonResource {
  readonly text: string;
  readonly overhead: number;
}

/** Per signal: how to key, describe and map an item, and write it in each wire form. */
interface SignalMapping<T extends Telemetry, M> {
  readonly type: T['type'];
  /** Equal keys ⇔ equal resources (built only when `sameResource` cannot tell). */
  resourceKey(t: T): string;
  /** A cheap check that two items certainly share a resource (false when unsure). */
  sameResource(a: T, b: T): boolean;
  resource(t: T): Attributes;
  /** The item made to fit the limits; the same object when it already fits, else a cut copy. */
  fit?(t: T): T;
  /** undefined: the item cannot be sent (reason given). */
  map(t: T): M | undefined;
  readonly unmappable: string;
  proto(m: M): Uint8Array;
  json(m: M): string;
}

/** Encoded resources by content key (bounded), with the last item's resource remembered. */
class ResourceCache<T extends Telemetry, B> {
  private readonly byKey = new Map<string, { body: B }>();
  private lastItem: T | undefined;
  private lastResource: { body: B } | undefined;

  constructor(
    private readonly s: SignalMapping<T, unknown>,
    private readonly write: (attrs: Attributes) => B,
  ) {}

  get(item: T): { body: B } {
    // Consecutive items usually share a resource: no key to build and hash.
    if (this.lastResource !== undefined && this.s.sameResource(this.lastItem as T, item)) return this.lastResource;
    const key = this.s.resourceKey(item);
    let r = this.byKey.get(key);
    if (r === undefined) {
      // Dropping everything at the cap is simple and keeps memory flat.
      if (this.byKey.size >= MAX_CACHED_RESOURCES) this.byKey.clear();
      r = { body: this.write(this.s.resource(item)) };
      this.byKey.set(key, r);
    }
    this.lastItem = item;
    this.lastResource = r;
    return r;
  }
}

function groupBy<R, B>(values: readonly Item<R, B>[]): Map<object, { resource: R; items: B[] }> {
  const groups = new Map<object, { resource: R; items: B[] }>();
  for (const v of values) {
    let g = groups.get(v.resource);
    if (g === undefined) {
      g = { resource: v.resource.body, items: [] };
      groups.set(v.resource, g);
    }
    g.items.push(v.body);
  }
  return groups;
}

function protoEncoder<T extends Telemetry, M>(s: SignalMapping<T, M>, scope: Uint8Array): SignalEncoder<Item<Uint8Array, Uint8Array>> {
  const cache = new ResourceCache<T, Uint8Array>(s, resourceField);
  return {
    limits: OTLP_LIMITS,
    framingBytes: 0,
    separatorBytes: 0,
    encode(t: Telemetry): Encoded<Item<Uint8Array, Uint8Array>> {
      if (t.type !== s.type) return { ok: false, reason: `not_a_${s.type}` };
      const item = s.fit === undefined ? (t as T) : s.fit(t as T);
      const m = s.map(item);
      if (m === undefined) return { ok: false, reason: s.unmappable };
      const resource = cache.get(item);
      const body = s.proto(m);
      const bytes = body.length + groupOverhead(resource.body.length, scope.length, body.length);
      return item === t ? { ok: true, value: { resource, body }, bytes } : { ok: true, value: { resource, body }, bytes, truncated: true };
    },
    assemble(values: readonly Item<Uint8Array, Uint8Array>[]): Uint8Array {
      return assembleRequest(groupBy(values).values(), scope);
    },
  };
}

function jsonEncoder<T extends Telemetry, M>(signal: Signal, s: SignalMapping<T, M>, scope: string): SignalEncoder<Item<JsonResource, string>> {
  // The wrapper around a group is fixed text: its size is computed once per resource.
  const cache = new ResourceCache<T, JsonResource>(s, (attrs) => {
    const text = resourceJson(attrs);
    return { text, overhead: groupOverheadJson(signal, text, scope) };
  });
  return {
    limits: OTLP_LIMITS,
    framingBytes: framingJson(signal),
    separatorBytes: 1,
    encode(t: Telemetry): Encoded<Item<JsonResource, string>> {
      if (t.type !== s.type) return { ok: false, reason: `not_a_${s.type}` };
      const item = s.fit === undefined ? (t as T) : s.fit(t as T);
      const m = s.map(item);
      if (m === undefined) return { ok: false, reason: s.unmappable };
      const resource = cache.get(item);
      const body = s.json(m);
      const bytes = Buffer.byteLength(body) + resource.body.overhead;
      return item === t ? { ok: true, value: { resource, body }, bytes } : { ok: true, value: { resource, body }, bytes, truncated: true };
    },
    assemble(values: readonly Item<JsonResource, string>[]): string {
      const groups: Array<{ resource: string; items: readonly string[] }> = [];
      for (const g of groupBy(values).values()) groups.push({ resource: g.resource.text, items: g.items });
      return assembleJson(signal, groups, scope);
    },
  };
}

/** Log records: a message over the limit is cut (marked) before encoding. */
function logRecordFitting(r: LogRecord): LogRecord {
  if (r.message.length <= OTLP_LIMITS.maxLogBodyBytes / 3 || Buffer.byteLength(r.message) <= OTLP_LIMITS.maxLogBodyBytes) return r;
  const message = truncateUtf8(r.message, OTLP_LIMITS.maxLogBodyBytes - Buffer.byteLength(TRUNCATION_MARKER)) + TRUNCATION_MARKER;
  return { ...r, message, attributes: { ...r.attributes, [ATTR.truncated]: true } };
}

const LOGS: SignalMapping<LogRecord, ReturnType<typeof mapLog>> = {
  type: 'log',
  resourceKey: logResourceKey,
  sameResource: sameLogResource,
  resource: logResource,
  fit: logRecordFitting,
  map: mapLog,
  unmappable: 'invalid_log',
  proto: logRecordField,
  json: logRecordJson,
};

const METRICS: SignalMapping<MetricPoint, ReturnType<typeof mapMetric>> = {
  type: 'metric',
  resourceKey: metricResourceKey,
  sameResource: sameMetricResource,
  resource: metricResource,
  map: mapMetric,
  unmappable: 'invalid_metric',
  proto: metricFields,
  json: metricsJson,
};

const TRACES: SignalMapping<Span, NonNullable<ReturnType<typeof mapSpan>>> = {
  type: 'span',
  resourceKey: spanResourceKey,
  sameResource: sameSpanResource,
  resource: spanResource,
  map: mapSpan,
  unmappable: 'invalid_span_id',
  proto: spanField,
  json: spanJson,
};

/** Encoders for one protocol, for the signals in `signals`. */
export function createOtlpEncoders(
  protocol: OtlpConfig['protocol'],
  signals: readonly Signal[],
  scope: Scope = { name: 'log-forwarder' },
): Partial<Record<Signal, SignalEncoder>> {
  const out: Partial<Record<Signal, SignalEncoder>> = {};
  const mappings = { logs: LOGS, metrics: METRICS, traces: TRACES } as const;
  for (const signal of signals) {
    const m = mappings[signal] as SignalMapping<Telemetry, unknown>;
    out[signal] = (
      protocol === 'http/json' ? jsonEncoder(signal, m, scopeJson(scope.name, scope.version)) : protoEncoder(m, scopeField(scope.name, scope.version))
    ) as SignalEncoder;
  }
  return out;
}
