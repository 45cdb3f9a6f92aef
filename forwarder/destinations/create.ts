/**
 * The configured destinations, built once per container: Datadog (logs, metrics, traces),
 * OTLP/HTTP and stdout. Secrets are resolved at first use, through the resolver given.
 */
import type { Config } from '../config/index.js';
import type { HttpPost } from '../delivery/http.js';
import { ForwarderError } from '../errors.js';
import type { SecretResolver } from '../secrets.js';
import { datadogTraceIdFor } from '../../parsers/trace-ids.js';
import type { Destination } from './destination.js';
import { createDatadogDestination } from './datadog.js';
import { createDatadogMetricsEncoder } from './datadog-metrics.js';
import { datadogUrls } from './datadog-site.js';
import { createDatadogTracesEncoder } from './datadog-traces.js';
import { createOtlpDestination } from './otlp.js';
import { otlpHeaderSource } from './otlp-headers.js';
import { type Writable, createStdoutDestination } from './stdout.js';

export interface DestinationDeps {
  readonly secrets: SecretResolver;
  readonly now: () => number;
  readonly stdout?: Writable;
  readonly post?: HttpPost;
}

export function createDestinations(config: Config, deps: DestinationDeps): Destination[] {
  const { secrets } = deps;
  const forwarderTags = [`forwardername:${config.forwarderName.toLowerCase()}`, `forwarder_version:${config.forwarderVersion}`];
  const userAgent = `log-forwarder/${config.forwarderVersion}`;
  // The trace payload's env, from an env:… entry of DD_TAGS (the Datadog convention).
  const env = config.tagging.tags.find((t) => t.startsWith('env:'))?.slice(4);
  return config.destinations.map((name): Destination => {
    switch (name) {
      case 'datadog': {
        const ref = config.datadog.apiKey;
        if (ref === undefined) throw new ForwarderError('datadog destination without an API key');
        return createDatadogDestination({
          urls: datadogUrls(config.datadog.site, config.datadog.url),
          apiKey: () => secrets.resolve(ref),
          logs: { tags: forwarderTags, toDatadogId: datadogTraceIdFor },
          // Metric points already carry the records' tags (DD_TAGS included) from the telemetry stage.
          metrics: createDatadogMetricsEncoder({ tags: forwarderTags, now: deps.now }),
          traces: createDatadogTracesEncoder(env === undefined ? {} : { env }),
          userAgent,
          ...(deps.post && { post: deps.post }),
        });
      }
      case 'stdout':
        return createStdoutDestination(deps.stdout ?? process.stdout);
      case 'otlp': {
        const ref = config.otlp.headers;
        return createOtlpDestination(config.otlp, {
          // No JSON keys: a Secrets Manager JSON object comes back whole and is read as a header map.
          headers: otlpHeaderSource(ref === undefined ? undefined : () => secrets.resolve(ref, [])),
          userAgent,
          scope: { name: 'log-forwarder', version: config.forwarderVersion },
          ...(deps.post && { post: deps.post }),
        });
      }
    }
  });
}
