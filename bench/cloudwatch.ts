/**
 * CloudWatch pipeline throughput (issues 2, 3, 5): realistic subscription payloads go through
 * the real Forwarder — decode, records, stages, Datadog encoding, gzip — with the HTTP call
 * replaced by an immediate 202, so no network is measured. The ceiling is a plain pass over the
 * same bytes in the same run: base64 decode + gunzip + JSON.parse + gzip of the JSON.
 */
import { promisify } from 'node:util';
import { gunzipSync, gzip as gzipCb } from 'node:zlib';
import { loadConfig } from '../forwarder/config/index.js';
import type { HttpAnswer } from '../forwarder/delivery/http.js';
import { Forwarder } from '../forwarder/forwarder.js';
import { interleave, mbps } from './measure.js';
import { type Mix, type Payload, makePayloads } from './workload.js';

const gzip = promisify(gzipCb);
const accepted: HttpAnswer = { status: 202, headers: new Headers(), body: '{}', bodyBytes: new Uint8Array() };
const context = { getRemainingTimeInMillis: () => 900_000 };
const silent = { log: () => {} };

/**
 * A Forwarder whose HTTP calls answer 202 at once (no network is measured), as a function that
 * hands it the payloads one at a time, as Lambda does. Also used by bench/profile.ts.
 */
export function benchRunner(extraEnv: Record<string, string> = {}): (payloads: readonly Payload[]) => Promise<void> {
  const config = loadConfig({ DD_API_KEY: 'bench-not-a-key', DD_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', ...extraEnv });
  const forwarder = new Forwarder(config, { post: async () => accepted, logger: silent });
  return async (payloads) => {
    for (const p of payloads) await forwarder.handle(p.event, context);
  };
}

export interface CloudWatchResult {
  readonly mix: Mix;
  readonly events: number;
  readonly messageMB: number;
  readonly ceilingMBps: number;
  readonly pipelineMBps: number;
  readonly ratio: number;
  readonly nsPerLine: number;
  readonly extra: Record<string, number>;
}

export async function benchCloudWatch(mix: Mix, options: { payloads?: number; rounds?: number; variants?: Record<string, Record<string, string>> } = {}): Promise<CloudWatchResult> {
  const payloads = makePayloads(options.payloads ?? 20, 1000, mix);
  const bytes = payloads.reduce((n, p) => n + p.messageBytes, 0);
  const events = payloads.reduce((n, p) => n + p.events, 0);
  const pipeline = benchRunner();
  const candidates: Record<string, () => Promise<void>> = {
    // One payload at a time, as Lambda hands the forwarder one event at a time.
    ceiling: async () => {
      for (const p of payloads) {
        const json = gunzipSync(Buffer.from(p.event.awslogs.data, 'base64'));
        JSON.parse(json.toString('utf8'));
        await gzip(json);
      }
    },
    pipeline: () => pipeline(payloads),
  };
  for (const [name, env] of Object.entries(options.variants ?? {})) {
    const run = benchRunner(env);
    candidates[name] = () => run(payloads);
  }
  const t = await interleave(options.rounds ?? Number(process.env['BENCH_ROUNDS'] ?? 15), candidates);
  const ceilingMs = t['ceiling']?.medianMs ?? Number.NaN;
  const pipelineMs = t['pipeline']?.medianMs ?? Number.NaN;
  const extra: Record<string, number> = {};
  for (const name of Object.keys(options.variants ?? {})) extra[name] = mbps(bytes, t[name]?.medianMs ?? Number.NaN);
  return {
    mix,
    events,
    messageMB: bytes / 1e6,
    ceilingMBps: mbps(bytes, ceilingMs),
    pipelineMBps: mbps(bytes, pipelineMs),
    ratio: ceilingMs / pipelineMs,
    nsPerLine: (pipelineMs * 1e6) / events,
    extra,
  };
}
