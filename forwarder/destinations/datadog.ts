/**
 * The Datadog destination: one API key, one site, three intakes. Logs go to the v2 logs intake
 * (datadog-logs.ts); metrics and traces use their own encoders when given.
 */
import type { Signal } from '../model.js';
import { type HttpPost, httpPost, postAndClassify } from '../delivery/http.js';
import type { Destination, SendOptions, SendResult, SignalEncoder } from './destination.js';
import { type DatadogLogOptions, classifyDatadogAnswer, createDatadogLogEncoder } from './datadog-logs.js';
import type { DatadogUrls } from './datadog-site.js';

export interface DatadogDestinationOptions {
  readonly urls: DatadogUrls;
  /** Resolved at first use; never logged. */
  readonly apiKey: () => Promise<string>;
  readonly logs: DatadogLogOptions;
  readonly metrics?: SignalEncoder;
  readonly traces?: SignalEncoder;
  readonly userAgent: string;
  /** The HTTP call (default fetch); benchmarks replace it to measure without a network. */
  readonly post?: HttpPost;
}

const CONTENT_TYPE: Record<Signal, string> = {
  logs: 'application/json',
  metrics: 'application/json',
  traces: 'application/x-protobuf',
};

export function createDatadogDestination(o: DatadogDestinationOptions): Destination {
  const encoders: Partial<Record<Signal, SignalEncoder>> = {
    logs: createDatadogLogEncoder(o.logs) as SignalEncoder,
    ...(o.metrics && { metrics: o.metrics }),
    ...(o.traces && { traces: o.traces }),
  };
  return {
    name: 'datadog',
    // distribution_points documents deflate only (Datadog OpenAPI v1
    // DistributionPointsContentEncoding); the logs and trace intakes take gzip.
    compression: (signal) => (signal === 'metrics' ? 'deflate' : 'gzip'),
    encoder: (signal) => encoders[signal],
    async send(signal: Signal, body: Uint8Array, opts: SendOptions): Promise<SendResult> {
      const headers = {
        'DD-API-KEY': await o.apiKey(),
        'Content-Type': CONTENT_TYPE[signal],
        'Content-Encoding': opts.contentEncoding,
        'User-Agent': o.userAgent,
        'DD-EVP-ORIGIN': 'aws_forwarder',
      };
      return postAndClassify(o.urls[signal], headers, body, opts.signal, (a) => classifyDatadogAnswer(a), o.post ?? httpPost);
    },
  };
}
