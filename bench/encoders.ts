/**
 * Encoding rate of each destination for the same log records (issue 6: OTLP within 20% of the
 * Datadog destination): realistic records (the CloudWatch workload through the record builder
 * and the telemetry stage) encoded item by item and assembled into request bodies, without
 * compression or network. Interleaved rounds; the median of each is kept.
 */
import { Counters } from '../forwarder/accounting.js';
import { createDatadogLogEncoder } from '../forwarder/destinations/datadog-logs.js';
import type { SignalEncoder } from '../forwarder/destinations/destination.js';
import { createOtlpEncoders } from '../forwarder/destinations/otlp.js';
import type { Telemetry } from '../forwarder/model.js';
import { RecordBuilder } from '../forwarder/records.js';
import { decodeAwslogs } from '../forwarder/sources/cloudwatch.js';
import { createTelemetryStage } from '../forwarder/stages/telemetry.js';
import { DEFAULT_PRICES } from '../parsers/lambda-cost.js';
import { interleave } from './measure.js';
import { makePayloads } from './workload.js';

export interface EncoderRates {
  readonly items: number;
  /** Items per second, per encoder. */
  readonly rates: Record<string, number>;
}

function encodeAll(encoder: SignalEncoder, items: readonly Telemetry[]): void {
  let batch: unknown[] = [];
  for (const item of items) {
    const r = encoder.encode(item);
    if (!r.ok) continue;
    batch.push(r.value);
    if (batch.length === encoder.limits.maxItems) {
      encoder.assemble(batch);
      batch = [];
    }
  }
  if (batch.length > 0) encoder.assemble(batch);
}

export async function benchEncoders(): Promise<EncoderRates> {
  const builder = new RecordBuilder({ tags: ['env:prod'] });
  const stage = createTelemetryStage({ enhancedMetrics: false, prices: DEFAULT_PRICES, defaultArchitecture: 'x86_64' });
  const logs: Telemetry[] = [];
  for (const p of makePayloads(20, 1000, 'mixed')) {
    const { batch } = decodeAwslogs(p.event.awslogs.data, 0, { region: 'us-east-1' });
    if (batch === undefined) continue;
    const records = builder.build(batch);
    logs.push(...stage(records, { origin: batch.origin, counters: new Counters() }).filter((t) => t.type === 'log'));
  }
  const otlpProto = createOtlpEncoders('http/protobuf', ['logs']).logs as SignalEncoder;
  const otlpJson = createOtlpEncoders('http/json', ['logs']).logs as SignalEncoder;
  const datadog = createDatadogLogEncoder({ tags: ['forwardername:bench'] }) as SignalEncoder;
  const t = await interleave(9, {
    datadog: async () => encodeAll(datadog, logs),
    'otlp-protobuf': async () => encodeAll(otlpProto, logs),
    'otlp-json': async () => encodeAll(otlpJson, logs),
  });
  const rates: Record<string, number> = {};
  for (const [name, timing] of Object.entries(t)) rates[name] = logs.length / (timing.medianMs / 1000);
  return { items: logs.length, rates };
}
