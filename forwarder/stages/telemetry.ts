/**
 * Telemetry stage: the logs of one chunk (one log stream) → the logs that go on, plus the
 * metrics and spans they carry. Synchronous, no I/O; never throws for bad input (a malformed
 * metric or trace line is counted and stays a log).
 *
 * Pass 1, over the chunk: each line is classified once (REPORT / START / INIT_START, text or
 * JSON; timeout and out-of-memory lines); per request id, the invocation's trace id (REPORT
 * XRAY, platform.start / platform.report `tracing`); the function's runtime from INIT_START.
 * Both are remembered across chunks (bounded): a container writes INIT_START only once, and an
 * invocation's lines can span payloads.
 *
 * Pass 2, per log record:
 * - REPORT → enhanced metrics (when enabled); the log is kept.
 * - `Task timed out…` / runtime OOM lines → `timeouts` / `out_of_memory` (when enabled); kept.
 *   Counted once per invocation: a REPORT that says `Status: timeout` / `Error Type:
 *   Runtime.OutOfMemory` wins (its point carries memorysize and cold_start); a runtime line
 *   counts only when no REPORT of the same request id in this chunk said so, and a request id
 *   counted once is remembered (bounded) so the other signal in a later chunk is not counted
 *   again. A line without a request id is attributed to the invocation it sits in (the last
 *   START before it, else the next REPORT after it, in this chunk); if there is none, it counts.
 * - Datadog metric line → a metric point, the log removed. Trace payload → spans, the log
 *   removed. EMF → metric points, the log kept. Malformed ones: `rejected` with reason
 *   `invalid_metric_line` (EMF too) or `invalid_trace_payload`, and the line stays a log.
 * - Every log that goes on gets its trace id (W3C) and span id: its own, else its invocation's
 *   (by `faas.invocation_id`); the id as written goes to `trace.id.original`.
 * Metric points get the record's tags (`k:v`) under their own (their own win); MetricPoint and
 * Span `input` = the record's.
 */
import { ATTR } from '../attributes.js';
import type { LogRecord, MetricGroup, MetricPoint, Telemetry } from '../model.js';
import { type EnhancedContext, eventMetric, isColdStart, reportMetricGroup, reportTags } from '../../parsers/enhanced-metrics.js';
import { parseEmf } from '../../parsers/emf.js';
import type { Architecture, PriceTable } from '../../parsers/lambda-cost.js';
import { parseMetricLine, parseTagList } from '../../parsers/metric-line.js';
import { OOM_ERROR_TYPE, type PlatformLine, parsePlatformLine, type ReportLine, type XrayTrace } from '../../parsers/report.js';
import { extractTraceContext, type TraceContext, traceContextFromXray } from '../../parsers/trace-ids.js';
import { parseTracePayload } from '../../parsers/trace-payload.js';
import type { ChunkContext, Stage } from './stage.js';

export interface TelemetryStageOptions {
  /** ENHANCED_METRICS: emit aws.lambda.enhanced.* from REPORT, timeout and OOM lines. */
  readonly enhancedMetrics: boolean;
  readonly prices: PriceTable;
  /** Used when the chunk context does not know the function's architecture. */
  readonly defaultArchitecture: Architecture;
}

/** A Map that forgets its oldest entries past a bound. */
class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  get size(): number {
    return this.map.size;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
  }
}

type Counted = 'timeouts' | 'out_of_memory';

function invocationIdOf(r: LogRecord): string | undefined {
  const v = r.attributes[ATTR.faasInvocationId];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

type ChunkFacts = Omit<EnhancedContext, 'timestamp' | 'input'>;

/** The enhanced-metric context of one record (built field by field: no spread on this path). */
function enhancedContext(base: ChunkFacts, r: LogRecord, baseTags: Readonly<Record<string, string>> | undefined): EnhancedContext {
  const c: { -readonly [K in keyof EnhancedContext]: EnhancedContext[K] } = {
    architecture: base.architecture,
    timestamp: r.timestamp,
    input: r.input,
  };
  if (baseTags !== undefined) c.baseTags = baseTags;
  if (base.functionName !== undefined) c.functionName = base.functionName;
  if (base.region !== undefined) c.region = base.region;
  if (base.account !== undefined) c.account = base.account;
  if (base.runtime !== undefined) c.runtime = base.runtime;
  return c;
}

/** The record's tags under the point's own (the point's win on a clash). */
function withTags(point: MetricPoint, recordTags: Readonly<Record<string, string>> | undefined): MetricPoint {
  // Object.assign, not `{ ...a, ...b }`: V8 (Node 20) takes a slow path for two spreads in one
  // literal, measured at tens of microseconds per point.
  if (recordTags !== undefined) point.tags = Object.assign({}, recordTags, point.tags);
  return point;
}

export function createTelemetryStage(options: TelemetryStageOptions): Stage {
  // Bound of each cross-chunk memory (runtimes, invocation trace ids, counted request ids).
  const bound = 2000;
  const runtimes = new BoundedMap<string>(bound);
  const counted = new BoundedMap<true>(bound);
  // request id → its invocation's trace: kept across chunks, because an invocation's lines can
  // span several payloads (JSON format: platform.start first; text format: REPORT XRAY last).
  const invocationTrace = new BoundedMap<TraceContext>(bound);
  // Equal REPORT tags are one frozen object, across REPORTs and chunks: what is done per tags
  // object downstream (scrubbing, series JSON) is then done once per function, not per REPORT.
  // Function facts and record tags → (memorysize, cold_start) → tags.
  const reportTagSets = new BoundedMap<Map<number, Readonly<Record<string, string>>>>(bound);

  return (items: Telemetry[], ctx: ChunkContext): Telemetry[] => {
    const origin = ctx.origin;
    const functionKey = `${origin.account ?? ''}|${origin.region ?? ''}|${origin.functionName ?? origin.logGroup ?? ''}`;
    const n = items.length;

    // ── pass 1 ──
    const platform: Array<PlatformLine | undefined> = new Array<PlatformLine | undefined>(n);
    const reportSaid = new Set<string>(); // `${Counted}|${requestId}` said by a REPORT of this chunk
    let anyIdless = false;
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (item === undefined || item.type !== 'log') continue;
      const p = parsePlatformLine(item.message, item.json);
      platform[i] = p;
      if (p === undefined) continue;
      if (p.kind === 'report' || p.kind === 'start') {
        if (p.xray !== undefined && !invocationTrace.has(p.requestId)) {
          const t = traceContextFromXray(p.xray.traceId);
          if (t !== undefined) invocationTrace.set(p.requestId, t);
        }
        if (p.kind === 'report') {
          if (p.status === 'timeout') reportSaid.add(`timeouts|${p.requestId}`);
          if (p.errorType === OOM_ERROR_TYPE) reportSaid.add(`out_of_memory|${p.requestId}`);
        }
      } else if (p.kind === 'initStart') {
        runtimes.set(functionKey, p.runtime);
      } else if (p.kind !== 'end' && invocationIdOf(item) === undefined && (p.kind !== 'timeout' || p.requestId === undefined)) {
        anyIdless = true;
      }
    }
    const enclosing = anyIdless ? enclosingInvocations(items, platform) : undefined;

    const enhanced: ChunkFacts = {
      ...(origin.functionName !== undefined && { functionName: origin.functionName }),
      ...(origin.region !== undefined && { region: origin.region }),
      ...(origin.account !== undefined && { account: origin.account }),
      architecture: ctx.architecture ?? options.defaultArchitecture,
    };
    const runtime = runtimes.get(functionKey);
    const enhancedBase = runtime === undefined ? enhanced : { ...enhanced, runtime };

    // Once per (kind, request id): false when already counted here or in an earlier chunk.
    const firstCount = (kind: Counted, requestId: string | undefined): boolean => {
      if (requestId === undefined) return true;
      const key = `${kind}|${requestId}`;
      if (counted.has(key)) return false;
      counted.set(key, true);
      return true;
    };

    // Records of a batch share one tags array: parse it once per distinct array.
    let tagsArray: readonly string[] | undefined;
    let tagsParsed: Record<string, string> | undefined;
    const tagsOf = (tags: readonly string[]): Record<string, string> | undefined => {
      if (tags !== tagsArray) {
        tagsArray = tags;
        tagsParsed = tags.length > 0 ? parseTagList(tags) : undefined;
      }
      return tagsParsed;
    };

    let tagSetsFor: readonly string[] | undefined;
    let tagSets = new Map<number, Readonly<Record<string, string>>>();
    const reportTagsOf = (p: ReportLine, r: LogRecord, ectx: EnhancedContext): Readonly<Record<string, string>> => {
      if (r.tags !== tagSetsFor) {
        tagSetsFor = r.tags;
        const b = enhancedBase;
        const key = JSON.stringify([b.functionName, b.region, b.account, b.runtime, b.architecture, r.tags]);
        tagSets = reportTagSets.get(key) ?? new Map();
        reportTagSets.set(key, tagSets);
      }
      // (memory size, cold start) as one number: a number key hashes without making a string.
      // Only for the memory sizes Lambda has (small whole numbers); anything else is not cached.
      const memory = p.metrics.memorySizeMB;
      if (memory !== undefined && !(Number.isSafeInteger(memory) && memory >= 0 && memory < 2 ** 40)) return Object.freeze(reportTags(p, ectx));
      const variant = (memory ?? -1) * 2 + (isColdStart(p) ? 1 : 0);
      let tags = tagSets.get(variant);
      if (tags === undefined) {
        if (tagSets.size >= 64) tagSets.clear(); // memory sizes of one function: a handful
        tags = Object.freeze(reportTags(p, ectx));
        tagSets.set(variant, tags);
      }
      return tags;
    };

    // ── pass 2 ──
    const out: Telemetry[] = [];
    for (let i = 0; i < n; i++) {
      const item = items[i];
      if (item === undefined) continue;
      if (item.type !== 'log') {
        out.push(item);
        continue;
      }
      const r = item;
      const p = platform[i];
      let derived: Array<MetricPoint | MetricGroup> | undefined;

      // Metric lines, trace payloads and EMF first: a JSON line is one of those before it is a
      // line that merely mentions "MemoryError" or a timeout.
      if (r.json !== undefined && (p === undefined || p.kind === 'timeout' || p.kind === 'outOfMemory')) {
        const json = r.json;
        const metric = parseMetricLine(json, r.input);
        if (metric.kind === 'metric') {
          out.push(withTags(metric.point, tagsOf(r.tags)));
          continue; // the line was only a carrier: removed from the logs
        }
        if (metric.kind === 'invalid') {
          ctx.counters.add('rejected', 1, { signal: 'metrics', reason: 'invalid_metric_line' });
        } else {
          const traces = parseTracePayload(r.message, json, r.input);
          if (traces.kind === 'traces') {
            for (const span of traces.spans) out.push(span);
            continue; // removed from the logs
          }
          if (traces.kind === 'invalid') {
            ctx.counters.add('rejected', 1, { signal: 'traces', reason: 'invalid_trace_payload' });
          } else {
            const emf = parseEmf(json, r.timestamp, r.input);
            if (emf.kind === 'emf') {
              const tags = tagsOf(r.tags);
              for (const m of emf.points) withTags(m, tags);
              derived = emf.points;
            } else if (emf.kind === 'invalid') {
              ctx.counters.add('rejected', 1, { signal: 'metrics', reason: 'invalid_metric_line' });
            }
          }
        }
      }

      if (p !== undefined && options.enhancedMetrics) {
        if (p.kind === 'report') {
          const ectx = enhancedContext(enhancedBase, r, tagsOf(r.tags));
          // Only a REPORT that says timeout or out-of-memory needs the once-per-invocation check.
          const count = p.status === 'timeout' || p.errorType === OOM_ERROR_TYPE ? (kind: Counted) => firstCount(kind, p.requestId) : undefined;
          const group = reportMetricGroup(p, ectx, options.prices, reportTagsOf(p, r, ectx), count);
          (derived ??= []).push(group);
        } else if (p.kind === 'timeout' || p.kind === 'outOfMemory') {
          const kind: Counted = p.kind === 'timeout' ? 'timeouts' : 'out_of_memory';
          const requestId = invocationIdOf(r) ?? (p.kind === 'timeout' ? p.requestId : undefined) ?? enclosing?.[i];
          if (requestId === undefined || (!reportSaid.has(`${kind}|${requestId}`) && firstCount(kind, requestId))) {
            (derived ??= []).push(eventMetric(kind, enhancedContext(enhancedBase, r, tagsOf(r.tags))));
          }
        }
      }

      if (r.traceId === undefined) {
        if (p !== undefined && (p.kind === 'report' || p.kind === 'start' || p.kind === 'end')) {
          // Platform lines name no trace but the X-Ray part pass 1 read: no scan of the text.
          if (p.xray !== undefined) setTrace(r, p.xray);
          else invocationTraceOf(r, invocationTrace);
        } else {
          assignTrace(r, invocationTrace);
        }
      }
      out.push(r);
      if (derived !== undefined) for (const m of derived) out.push(m);
    }
    return out;
  };
}

/** The trace on the record, in W3C form, with the id as the line wrote it. */
function applyTrace(r: LogRecord, t: TraceContext): void {
  r.traceId = t.traceId;
  if (t.spanId !== undefined && r.spanId === undefined) r.spanId = t.spanId;
  r.attributes[ATTR.traceIdOriginal] = t.original;
}

function setTrace(r: LogRecord, xray: XrayTrace): void {
  const t = traceContextFromXray(xray.traceId, xray.spanId);
  if (t !== undefined) applyTrace(r, t);
}

/** The line's own trace, else its invocation's. */
function assignTrace(r: LogRecord, invocationTrace: BoundedMap<TraceContext>): void {
  const t = extractTraceContext(r.message, r.json);
  if (t !== undefined) applyTrace(r, t);
  else invocationTraceOf(r, invocationTrace);
}

function invocationTraceOf(r: LogRecord, invocationTrace: BoundedMap<TraceContext>): void {
  if (invocationTrace.size === 0) return; // no invocation named a trace (no X-Ray): nothing to look up
  const requestId = invocationIdOf(r);
  const t = requestId === undefined ? undefined : invocationTrace.get(requestId);
  if (t !== undefined) applyTrace(r, t);
}

/**
 * For each line, the request id of the invocation it sits in: the open one (after a START, or
 * a line naming its request id, until that invocation's REPORT), else the next REPORT's.
 */
function enclosingInvocations(items: readonly Telemetry[], platform: ReadonlyArray<PlatformLine | undefined>): Array<string | undefined> {
  const n = items.length;
  const result = new Array<string | undefined>(n);
  let next: string | undefined;
  for (let i = n - 1; i >= 0; i--) {
    const p = platform[i];
    if (p?.kind === 'report') next = p.requestId;
    result[i] = next;
  }
  let open: string | undefined;
  for (let i = 0; i < n; i++) {
    const item = items[i];
    const p = platform[i];
    if (p?.kind === 'start') open = p.requestId;
    else if (item !== undefined && item.type === 'log') {
      const own = invocationIdOf(item);
      if (own !== undefined && p?.kind !== 'report') open = own;
    }
    if (open !== undefined) result[i] = open;
    if (p?.kind === 'report' && p.requestId === open) open = undefined;
  }
  return result;
}
