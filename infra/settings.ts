/**
 * The forwarder settings the CDK construct exposes, one prop per catalogue entry
 * (forwarder/config/settings.ts), named mechanically: DD_SITE -> ddSite (template.yaml: DdSite).
 * `SETTING_PROPS` is the runtime list that test/infra/template-lint.test.ts compares with the
 * catalogue and template.yaml; a compile-time check below keeps it equal to the props interface.
 *
 * `settingsEnvironment` turns the plain settings into environment variables (only those given).
 * Settings that name other resources (secrets, the failure bucket) are resolved by the construct.
 */
import type { SecretValue } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';

export const SETTING_PROPS = {
  destinations: 'DESTINATIONS',
  forwarderName: 'FORWARDER_NAME',
  forwarderMetrics: 'FORWARDER_METRICS',
  forwarderLogLevel: 'FORWARDER_LOG_LEVEL',
  ddApiKey: 'DD_API_KEY',
  ddApiKeySecretArn: 'DD_API_KEY_SECRET_ARN',
  ddApiKeySsmName: 'DD_API_KEY_SSM_NAME',
  ddSite: 'DD_SITE',
  ddUrl: 'DD_URL',
  otelExporterOtlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  otelExporterOtlpLogsEndpoint: 'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
  otelExporterOtlpMetricsEndpoint: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  otelExporterOtlpTracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  otelExporterOtlpHeaders: 'OTEL_EXPORTER_OTLP_HEADERS',
  otelExporterOtlpHeadersSecretArn: 'OTEL_EXPORTER_OTLP_HEADERS_SECRET_ARN',
  otelExporterOtlpHeadersSsmName: 'OTEL_EXPORTER_OTLP_HEADERS_SSM_NAME',
  otelExporterOtlpProtocol: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  otelExporterOtlpCompression: 'OTEL_EXPORTER_OTLP_COMPRESSION',
  otelExporterOtlpTimeout: 'OTEL_EXPORTER_OTLP_TIMEOUT',
  sendConcurrency: 'SEND_CONCURRENCY',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  maxRetries: 'MAX_RETRIES',
  retryBaseDelayMs: 'RETRY_BASE_DELAY_MS',
  compressionLevel: 'COMPRESSION_LEVEL',
  deadlineMarginMs: 'DEADLINE_MARGIN_MS',
  failureBucket: 'FAILURE_BUCKET',
  failurePrefix: 'FAILURE_PREFIX',
  failureRetentionDays: 'FAILURE_RETENTION_DAYS',
  ddTags: 'DD_TAGS',
  ddSource: 'DD_SOURCE',
  ddService: 'DD_SERVICE',
  enhancedMetrics: 'ENHANCED_METRICS',
  defaultArchitecture: 'DEFAULT_ARCHITECTURE',
  lookupArchitecture: 'LOOKUP_ARCHITECTURE',
  architectureCacheTtlSeconds: 'ARCHITECTURE_CACHE_TTL_SECONDS',
  lambdaPrices: 'LAMBDA_PRICES',
  s3MaxDecompressedBytes: 'S3_MAX_DECOMPRESSED_BYTES',
  s3Format: 'S3_FORMAT',
  multilineStartPattern: 'MULTILINE_START_PATTERN',
  scrubDefaultRules: 'SCRUB_DEFAULT_RULES',
  scrubOptionalRules: 'SCRUB_OPTIONAL_RULES',
  scrubCustomRules: 'SCRUB_CUSTOM_RULES',
  includePattern: 'INCLUDE_PATTERN',
  excludePattern: 'EXCLUDE_PATTERN',
  dropSources: 'DROP_SOURCES',
  dropLogGroups: 'DROP_LOG_GROUPS',
} as const;
export type SettingProp = keyof typeof SETTING_PROPS;

/**
 * Catalogue entries neither the construct nor template.yaml exposes, and why: each is another
 * spelling of an exposed setting, kept for users of the Datadog Forwarder's environment.
 */
export const UNEXPOSED_SETTINGS = {
  DD_MULTILINE_LOG_REGEX_PATTERN: 'alias of MULTILINE_START_PATTERN',
  INCLUDE_AT_MATCH: 'alias of INCLUDE_PATTERN',
  EXCLUDE_AT_MATCH: 'alias of EXCLUDE_PATTERN',
  REDACT_IP: 'SCRUB_OPTIONAL_RULES=ipv4',
  REDACT_EMAIL: 'SCRUB_OPTIONAL_RULES=email',
  DD_SCRUBBING_RULE: 'one SCRUB_CUSTOM_RULES entry',
  DD_SCRUBBING_RULE_REPLACEMENT: 'the replacement of a SCRUB_CUSTOM_RULES entry',
} as const;

export type S3Format = 'lines' | 'cloudtrail' | 'cloudwatch-export' | 'firehose-cwl' | 'vpc-flow' | 'alb' | 'elb' | 's3-access' | 'cloudfront' | 'waf';

export interface ScrubRule {
  readonly name: string;
  readonly pattern: string;
  readonly replacement?: string;
  readonly hash?: boolean;
}

/** Forwarder settings; each is unset (the forwarder's default) unless given. */
export interface LogForwarderSettings {
  readonly destinations?: readonly ('datadog' | 'otlp' | 'stdout')[];
  readonly forwarderName?: string;
  readonly forwarderMetrics?: boolean;
  readonly forwarderLogLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Stored in a new Secrets Manager secret; the function gets its ARN, never the value. */
  readonly ddApiKey?: SecretValue;
  readonly ddApiKeySecretArn?: string | ISecret;
  /** Full parameter name, starting with '/'. */
  readonly ddApiKeySsmName?: string;
  readonly ddSite?: string;
  readonly ddUrl?: string;
  readonly otelExporterOtlpEndpoint?: string;
  readonly otelExporterOtlpLogsEndpoint?: string;
  readonly otelExporterOtlpMetricsEndpoint?: string;
  readonly otelExporterOtlpTracesEndpoint?: string;
  /** k1=v1,k2=v2; stored in a new Secrets Manager secret. */
  readonly otelExporterOtlpHeaders?: SecretValue;
  readonly otelExporterOtlpHeadersSecretArn?: string | ISecret;
  readonly otelExporterOtlpHeadersSsmName?: string;
  readonly otelExporterOtlpProtocol?: 'http/protobuf' | 'http/json';
  readonly otelExporterOtlpCompression?: 'gzip' | 'none';
  readonly otelExporterOtlpTimeout?: number;
  readonly sendConcurrency?: number;
  readonly requestTimeoutMs?: number;
  readonly maxRetries?: number;
  readonly retryBaseDelayMs?: number;
  /** gzip level 1-9. */
  readonly compressionLevel?: number;
  readonly deadlineMarginMs?: number;
  /** An existing bucket, 'none' for no failure store, or unset to create one with an expiration rule. */
  readonly failureBucket?: IBucket | 'none';
  readonly failurePrefix?: string;
  /** Days stored failures are kept: the created bucket's expiration rule, and replay's cut-off; default 14. */
  readonly failureRetentionDays?: number;
  readonly ddTags?: readonly string[];
  readonly ddSource?: string;
  readonly ddService?: string;
  readonly enhancedMetrics?: boolean;
  readonly defaultArchitecture?: 'x86_64' | 'arm64';
  /** Also decides whether the forwarder may call lambda:GetFunctionConfiguration. */
  readonly lookupArchitecture?: boolean;
  readonly architectureCacheTtlSeconds?: number;
  readonly lambdaPrices?: Readonly<Record<string, unknown>>;
  readonly s3MaxDecompressedBytes?: number;
  readonly s3Format?: S3Format;
  readonly multilineStartPattern?: string;
  readonly scrubDefaultRules?: boolean;
  readonly scrubOptionalRules?: readonly ('email' | 'ipv4' | 'ipv6' | 'credit_card' | 'phone')[];
  readonly scrubCustomRules?: readonly ScrubRule[];
  readonly includePattern?: string;
  readonly excludePattern?: string;
  readonly dropSources?: readonly string[];
  readonly dropLogGroups?: readonly string[];
}

// Compile-time: the interface and SETTING_PROPS name the same props.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const settingPropsMatch: Same<keyof LogForwarderSettings, SettingProp> = true;
void settingPropsMatch;

/** Props resolved by the construct (they create or reference resources), not copied as text. */
export const RESOURCE_SETTING_PROPS = [
  'ddApiKey',
  'ddApiKeySecretArn',
  'otelExporterOtlpHeaders',
  'otelExporterOtlpHeadersSecretArn',
  'failureBucket',
] as const satisfies readonly SettingProp[];

function envText(value: unknown): string {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** Environment variables of the given plain settings (resource settings are left out). */
export function settingsEnvironment(settings: LogForwarderSettings): Record<string, string> {
  const skip = new Set<string>(RESOURCE_SETTING_PROPS);
  const env: Record<string, string> = {};
  for (const [prop, name] of Object.entries(SETTING_PROPS)) {
    const value: unknown = settings[prop as SettingProp];
    if (value === undefined || skip.has(prop)) continue;
    env[name] = envText(value);
  }
  return env;
}
