/**
 * The catalogue of every environment variable the forwarder reads: one list that the config
 * readers, the README's settings table, template.yaml and the CDK construct are checked against
 * (test/unit/settings-catalogue.test.ts), so they cannot drift.
 */

export const SETTING_SECTIONS = [
  'destination',
  'datadog',
  'otlp',
  'delivery',
  'store',
  'tagging',
  'telemetry',
  's3',
  'parsing',
  'scrubbing',
  'filtering',
] as const;
export type SettingSection = (typeof SETTING_SECTIONS)[number];

export interface SettingDoc {
  readonly name: string;
  readonly section: SettingSection;
  readonly description: string;
  /** The default as text, for the docs; absent when unset means "off" or "none". */
  readonly default?: string;
  /** Holds or names a secret: never logged, NoEcho in the template. */
  readonly secret?: boolean;
  /** Read for compatibility with the Datadog Forwarder; maps onto another setting. */
  readonly compat?: string;
}

export const SETTINGS: readonly SettingDoc[] = [
  // destination
  { name: 'DESTINATIONS', section: 'destination', description: 'Comma-separated destinations: datadog, otlp, stdout. Default: datadog when a Datadog API key is configured, otlp when an OTLP endpoint is, both when both are, else stdout (NDJSON, for local runs).' },
  { name: 'FORWARDER_NAME', section: 'destination', description: 'Name used in the forwarder\'s own telemetry (forwarder.* metrics, summary line).', default: 'AWS_LAMBDA_FUNCTION_NAME or log-forwarder' },
  { name: 'FORWARDER_METRICS', section: 'destination', description: 'Send the forwarder\'s own forwarder.* counts (received, forwarded, filtered, rejected, stored, replayed, failed per signal and destination) to the metrics destinations.', default: 'true' },
  { name: 'FORWARDER_LOG_LEVEL', section: 'destination', description: 'Level of the forwarder\'s own log: debug, info, warn, error.', default: 'info' },

  // datadog
  { name: 'DD_API_KEY', section: 'datadog', description: 'Datadog API key as a plain value (prefer the Secrets Manager or SSM variants).', secret: true },
  { name: 'DD_API_KEY_SECRET_ARN', section: 'datadog', description: 'ARN of a Secrets Manager secret holding the API key (plain string, or JSON with an api_key field).', secret: true },
  { name: 'DD_API_KEY_SSM_NAME', section: 'datadog', description: 'Name of an SSM SecureString parameter holding the API key.', secret: true },
  { name: 'DD_SITE', section: 'datadog', description: 'Datadog site: datadoghq.com, datadoghq.eu, us3.datadoghq.com, us5.datadoghq.com, ap1.datadoghq.com, ap2.datadoghq.com, ddog-gov.com.', default: 'datadoghq.com' },
  { name: 'DD_URL', section: 'datadog', description: 'Base URL that replaces every Datadog intake host (logs, metrics, traces), for proxies and compatible intakes; paths are appended.' },

  // otlp
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', section: 'otlp', description: 'OTLP/HTTP base URL; /v1/logs, /v1/metrics, /v1/traces are appended.' },
  { name: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT', section: 'otlp', description: 'Full URL for logs, used as-is; wins over the base URL.' },
  { name: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', section: 'otlp', description: 'Full URL for metrics, used as-is.' },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', section: 'otlp', description: 'Full URL for traces, used as-is.' },
  { name: 'OTEL_EXPORTER_OTLP_HEADERS', section: 'otlp', description: 'Request headers, k1=v1,k2=v2 (W3C Baggage syntax, values percent-decoded).', secret: true },
  { name: 'OTEL_EXPORTER_OTLP_HEADERS_SECRET_ARN', section: 'otlp', description: 'Secrets Manager secret whose value is the headers string (k=v,…) or a JSON object of headers.', secret: true },
  { name: 'OTEL_EXPORTER_OTLP_HEADERS_SSM_NAME', section: 'otlp', description: 'SSM SecureString parameter whose value is the headers string.', secret: true },
  { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', section: 'otlp', description: 'http/protobuf or http/json (grpc is not supported).', default: 'http/protobuf' },
  { name: 'OTEL_EXPORTER_OTLP_COMPRESSION', section: 'otlp', description: 'gzip or none.', default: 'gzip' },
  { name: 'OTEL_EXPORTER_OTLP_TIMEOUT', section: 'otlp', description: 'Per-request timeout in milliseconds.', default: '10000' },

  // delivery
  { name: 'SEND_CONCURRENCY', section: 'delivery', description: 'Requests in flight at once, per destination.', default: '4' },
  { name: 'REQUEST_TIMEOUT_MS', section: 'delivery', description: 'Timeout of one HTTP request.', default: '10000' },
  { name: 'MAX_RETRIES', section: 'delivery', description: 'Retries of one batch after its first attempt (5xx, 429, 408, network errors).', default: '5' },
  { name: 'RETRY_BASE_DELAY_MS', section: 'delivery', description: 'First backoff delay; doubles each retry, with jitter.', default: '250' },
  { name: 'COMPRESSION_LEVEL', section: 'delivery', description: 'gzip level of request bodies, 1 (fastest) to 9 (smallest). Lambda bills CPU time, and JSON logs compress well at low levels (BENCHMARKS.md).', default: '1' },
  { name: 'DEADLINE_MARGIN_MS', section: 'delivery', description: 'Time kept before the Lambda timeout: retries and reading stop when less remains, and the rest is stored or handed back to AWS.', default: '5000' },

  // store
  { name: 'FAILURE_BUCKET', section: 'store', description: 'S3 bucket where batches that still fail are stored for replay. Without it, failures make the invocation fail (or go to batchItemFailures) so AWS redelivers.' },
  { name: 'FAILURE_PREFIX', section: 'store', description: 'Key prefix of stored failures.', default: 'failed/' },
  { name: 'FAILURE_RETENTION_DAYS', section: 'store', description: 'Age after which the bucket lifecycle rule expires stored batches; replay counts those past it.', default: '14' },

  // tagging
  { name: 'DD_TAGS', section: 'tagging', description: 'Tags added to every log, metric and span: k:v,k:v.', compat: 'Datadog Forwarder DD_TAGS' },
  { name: 'DD_SOURCE', section: 'tagging', description: 'Source for every record, overriding detection from the log group or key.', compat: 'Datadog Forwarder DD_SOURCE' },
  { name: 'DD_SERVICE', section: 'tagging', description: 'Service for every record; default: the function name, else the source.', compat: 'Datadog Forwarder DD_SERVICE' },

  // telemetry
  { name: 'ENHANCED_METRICS', section: 'telemetry', description: 'Emit aws.lambda.enhanced.* metrics from REPORT lines.', default: 'true' },
  { name: 'DEFAULT_ARCHITECTURE', section: 'telemetry', description: 'Architecture assumed for cost when GetFunctionConfiguration cannot tell: x86_64 or arm64.', default: 'x86_64' },
  { name: 'LOOKUP_ARCHITECTURE', section: 'telemetry', description: 'Ask Lambda GetFunctionConfiguration for each function\'s architecture (needs lambda:GetFunctionConfiguration).', default: 'true in Lambda, false elsewhere' },
  { name: 'ARCHITECTURE_CACHE_TTL_SECONDS', section: 'telemetry', description: 'How long a looked-up architecture is cached per container.', default: '3600' },
  { name: 'LAMBDA_PRICES', section: 'telemetry', description: 'JSON overriding prices: {"request": USD, "x86_64": USD per GB-s, "arm64": USD per GB-s}, optionally per region {"eu-west-1": {…}}.' },

  // s3
  { name: 'S3_MAX_DECOMPRESSED_BYTES', section: 's3', description: 'Cap on decompressed bytes read from one object; past it the object is reported as failed (decompression bomb guard).', default: '10737418240' },
  { name: 'S3_FORMAT', section: 's3', description: 'Force the S3 object format instead of detecting it: lines, cloudtrail, cloudwatch-export, firehose-cwl, vpc-flow, alb, elb, s3-access, cloudfront, waf.' },

  // parsing
  { name: 'MULTILINE_START_PATTERN', section: 'parsing', description: 'Regular expression matching the first line of a record; following lines that do not match are joined to it (stack traces).' },
  { name: 'DD_MULTILINE_LOG_REGEX_PATTERN', section: 'parsing', description: 'Alias of MULTILINE_START_PATTERN.', compat: 'Datadog Forwarder DD_MULTILINE_LOG_REGEX_PATTERN' },

  // scrubbing
  { name: 'SCRUB_DEFAULT_RULES', section: 'scrubbing', description: 'Built-in high-confidence rules (AWS keys, bearer/basic credentials, private keys, JWTs, password-like keys, connection strings): true, false, or a comma-separated subset of their names (docs/scrubbing.md).', default: 'true' },
  { name: 'SCRUB_OPTIONAL_RULES', section: 'scrubbing', description: 'Built-in rules that are off by default, comma-separated: email, ipv4, ipv6, credit_card, phone.' },
  { name: 'SCRUB_CUSTOM_RULES', section: 'scrubbing', description: 'JSON array of {"name", "pattern", "replacement"} or {"name", "pattern", "hash": true, "salt"?}; optional "ignoreCase". A pattern that could backtrack catastrophically is caught at start-up or run on V8\'s linear-time engine (docs/scrubbing.md).' },
  { name: 'REDACT_IP', section: 'scrubbing', description: 'true adds the ipv4 rule.', compat: 'Datadog Forwarder REDACT_IP' },
  { name: 'REDACT_EMAIL', section: 'scrubbing', description: 'true adds the email rule.', compat: 'Datadog Forwarder REDACT_EMAIL' },
  { name: 'DD_SCRUBBING_RULE', section: 'scrubbing', description: 'One custom pattern (becomes a custom rule named dd_scrubbing_rule).', compat: 'Datadog Forwarder DD_SCRUBBING_RULE' },
  { name: 'DD_SCRUBBING_RULE_REPLACEMENT', section: 'scrubbing', description: 'Replacement for DD_SCRUBBING_RULE.', default: 'xxxxx', compat: 'Datadog Forwarder DD_SCRUBBING_RULE_REPLACEMENT' },

  // filtering
  { name: 'INCLUDE_PATTERN', section: 'filtering', description: 'Only logs whose message matches are forwarded.' },
  { name: 'EXCLUDE_PATTERN', section: 'filtering', description: 'Logs whose message matches are dropped (wins over INCLUDE_PATTERN).' },
  { name: 'INCLUDE_AT_MATCH', section: 'filtering', description: 'Alias of INCLUDE_PATTERN.', compat: 'Datadog Forwarder INCLUDE_AT_MATCH' },
  { name: 'EXCLUDE_AT_MATCH', section: 'filtering', description: 'Alias of EXCLUDE_PATTERN.', compat: 'Datadog Forwarder EXCLUDE_AT_MATCH' },
  { name: 'DROP_SOURCES', section: 'filtering', description: 'Comma-separated sources whose logs are dropped (metrics are still computed).' },
  { name: 'DROP_LOG_GROUPS', section: 'filtering', description: 'Comma-separated log group names or prefixes ending in * whose logs are dropped.' },
];

/** Variables the Lambda runtime sets; read, never configured by users. */
export const RUNTIME_VARIABLES = [
  'AWS_REGION',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_LOG_GROUP_NAME',
] as const;
