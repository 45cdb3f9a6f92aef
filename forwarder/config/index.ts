/**
 * loadConfig(env): the only place that reads environment variables. Returns a frozen, typed
 * configuration, or throws a ConfigError listing every problem (variable name and what it
 * expects). Secrets are not resolved here (that needs I/O): only where they come from.
 */
import { ConfigError } from '../errors.js';
import { type Env, EnvReader } from './reader.js';
import { SETTINGS } from './settings.js';
import { type FilterConfig, type ScrubbingConfig, type TextMatcher, readFiltering, readScrubbing, readUserPattern } from './scrubbing.js';
import { parseOtlpHeaders } from '../destinations/otlp-headers.js';
import { S3_FORMATS, type S3Format, isS3Format } from '../../parsers/s3-formats/types.js';
import { ARCHITECTURES, type Architecture, DEFAULT_PRICES, type PriceTable, parsePriceOverride, withOverride } from '../../parsers/lambda-cost.js';

export type { Env } from './reader.js';

export const DESTINATION_NAMES = ['datadog', 'otlp', 'stdout'] as const;
export type DestinationName = (typeof DESTINATION_NAMES)[number];

/** Where a secret comes from; the value itself is fetched at first use and cached. */
export type SecretRef =
  | { readonly kind: 'env'; readonly value: string }
  | { readonly kind: 'secretsmanager'; readonly arn: string }
  | { readonly kind: 'ssm'; readonly name: string };

export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'uk1.datadoghq.com',
  'ddog-gov.com',
  'us2.ddog-gov.com',
] as const;

export interface DatadogConfig {
  readonly site: string;
  /** Base URL replacing every intake host, or undefined for the site's hosts. */
  readonly url?: string;
  readonly apiKey?: SecretRef;
}

export interface OtlpConfig {
  readonly endpoints: { readonly logs?: string; readonly metrics?: string; readonly traces?: string };
  readonly headers?: SecretRef;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly compression: 'gzip' | 'none';
  readonly timeoutMs: number;
}

export interface DeliveryConfig {
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  readonly deadlineMarginMs: number;
  readonly compressionLevel: number;
}

export interface StoreConfig {
  readonly bucket?: string;
  readonly prefix: string;
  readonly retentionDays: number;
}

export interface TaggingConfig {
  readonly tags: readonly string[];
  readonly source?: string;
  readonly service?: string;
}

export interface ParsingConfig {
  /** The start-of-record pattern, compiled with the backtracking guard. */
  readonly multilineStart?: TextMatcher;
}

export interface TelemetryConfig {
  readonly enhancedMetrics: boolean;
  readonly defaultArchitecture: Architecture;
  readonly lookupArchitecture: boolean;
  readonly architectureCacheTtlMs: number;
  readonly prices: PriceTable;
}

export interface S3Config {
  readonly maxDecompressedBytes: number;
  /** Forced format; detected per object when absent. */
  readonly format?: S3Format;
}

export interface Config {
  readonly destinations: readonly DestinationName[];
  readonly forwarderName: string;
  readonly forwarderVersion: string;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Send forwarder.* counts to the metrics destinations. */
  readonly selfMetrics: boolean;
  readonly region?: string;
  /** The forwarder's own log group: never forwarded, never subscribed. */
  readonly ownLogGroup?: string;
  readonly datadog: DatadogConfig;
  readonly otlp: OtlpConfig;
  readonly delivery: DeliveryConfig;
  readonly store: StoreConfig;
  readonly tagging: TaggingConfig;
  readonly parsing: ParsingConfig;
  readonly s3: S3Config;
  readonly telemetry: TelemetryConfig;
  readonly scrubbing: ScrubbingConfig;
  readonly filtering: FilterConfig;
  /** This function's own name (AWS_LAMBDA_FUNCTION_NAME): continuations invoke it. */
  readonly functionName?: string;
}

/** Replaced at build time by esbuild; the package version in tests. */
declare const __FORWARDER_VERSION__: string | undefined;
const VERSION = typeof __FORWARDER_VERSION__ === 'string' ? __FORWARDER_VERSION__ : '0.0.0-dev';

const KNOWN = new Set(SETTINGS.map((s) => s.name));

function secretRef(r: EnvReader, plain: string, arn: string, ssm: string): SecretRef | undefined {
  const set = [plain, arn, ssm].filter((n) => r.has(n));
  if (set.length > 1) r.problem(`${set.join(', ')}: set only one of them`);
  const value = r.string(plain);
  if (value !== undefined) return { kind: 'env', value };
  const a = r.string(arn);
  if (a !== undefined) {
    if (!/^arn:aws[a-z-]*:secretsmanager:/.test(a)) r.problem(`${arn}: expected a Secrets Manager ARN`);
    return { kind: 'secretsmanager', arn: a };
  }
  const name = r.string(ssm);
  if (name !== undefined) return { kind: 'ssm', name };
  return undefined;
}

function readDatadog(r: EnvReader): DatadogConfig {
  const site = r.string('DD_SITE') ?? 'datadoghq.com';
  // A site is a bare domain: a known one, or a regional subdomain of datadoghq.com / ddog-gov.com.
  // `app.` or a scheme in front of it would give a wrong intake host.
  const knownShape = /^(datadoghq\.(com|eu)|ddog-gov\.com|[a-z0-9]+\.(datadoghq\.com|ddog-gov\.com))$/.test(site) && !site.startsWith('app.');
  if (!knownShape) r.problem(`DD_SITE: expected a site such as ${DATADOG_SITES.join(', ')} (no app. prefix, no scheme), got "${site}"`);
  const url = r.url('DD_URL');
  const apiKey = secretRef(r, 'DD_API_KEY', 'DD_API_KEY_SECRET_ARN', 'DD_API_KEY_SSM_NAME');
  return { site, ...(url !== undefined && { url: url.replace(/\/+$/, '') }), ...(apiKey && { apiKey }) };
}

function readOtlp(r: EnvReader): OtlpConfig {
  const base = r.url('OTEL_EXPORTER_OTLP_ENDPOINT');
  // Per the OpenTelemetry exporter spec: the base gets v1/<signal> appended after a '/';
  // per-signal variables are used as-is.
  const fromBase = (signal: string) => (base === undefined ? undefined : `${base.replace(/\/+$/, '')}/v1/${signal}`);
  const endpoint = (signal: 'logs' | 'metrics' | 'traces') =>
    r.url(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`) ?? fromBase(signal);
  const logs = endpoint('logs');
  const metrics = endpoint('metrics');
  const traces = endpoint('traces');
  const protocolRaw = r.string('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocolRaw === 'grpc') r.problem('OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported; use http/protobuf or http/json');
  const protocol = protocolRaw === 'grpc' ? 'http/protobuf' : r.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', ['http/protobuf', 'http/json'], 'http/protobuf');
  const headers = secretRef(r, 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_HEADERS_SECRET_ARN', 'OTEL_EXPORTER_OTLP_HEADERS_SSM_NAME');
  if (headers?.kind === 'env') {
    const parsed = parseOtlpHeaders(headers.value);
    // The problems name positions and keys, never values (headers hold API keys).
    if (!parsed.ok) for (const p of parsed.problems) r.problem(`OTEL_EXPORTER_OTLP_HEADERS: ${p}`);
  }
  return {
    endpoints: { ...(logs && { logs }), ...(metrics && { metrics }), ...(traces && { traces }) },
    ...(headers && { headers }),
    protocol,
    compression: r.oneOf('OTEL_EXPORTER_OTLP_COMPRESSION', ['gzip', 'none'], 'gzip'),
    // 0 means no limit (OpenTelemetry exporter spec); the Lambda deadline still bounds every request.
    timeoutMs: r.int('OTEL_EXPORTER_OTLP_TIMEOUT', 10_000, { min: 0, max: 900_000 }),
  };
}

function readDestinations(r: EnvReader, dd: DatadogConfig, otlp: OtlpConfig): DestinationName[] {
  const listed = r.list('DESTINATIONS');
  const chosen: DestinationName[] = [];
  for (const name of listed) {
    const d = DESTINATION_NAMES.find((n) => n === name.toLowerCase());
    if (d === undefined) r.problem(`DESTINATIONS: expected names from ${DESTINATION_NAMES.join(', ')}, got "${name}"`);
    else if (!chosen.includes(d)) chosen.push(d);
  }
  const hasOtlp = Object.keys(otlp.endpoints).length > 0;
  if (listed.length === 0) {
    if (dd.apiKey !== undefined) chosen.push('datadog');
    if (hasOtlp) chosen.push('otlp');
    if (chosen.length === 0) chosen.push('stdout');
  }
  if (chosen.includes('datadog') && dd.apiKey === undefined) {
    r.problem('DESTINATIONS: datadog needs an API key: set DD_API_KEY_SECRET_ARN, DD_API_KEY_SSM_NAME or DD_API_KEY');
  }
  if (chosen.includes('otlp') && !hasOtlp) {
    r.problem('DESTINATIONS: otlp needs OTEL_EXPORTER_OTLP_ENDPOINT (or a per-signal endpoint)');
  }
  return chosen;
}

export function loadConfig(env: Env): Config {
  const r = new EnvReader(env);
  const datadog = readDatadog(r);
  const otlp = readOtlp(r);
  const destinations = readDestinations(r, datadog, otlp);
  const tagsRaw = r.list('DD_TAGS');
  for (const t of tagsRaw) if (!t.includes(':')) r.problem(`DD_TAGS: expected key:value entries, got "${t}"`);
  const source = r.string('DD_SOURCE');
  const service = r.string('DD_SERVICE');
  const bucket = r.string('FAILURE_BUCKET');
  const region = r.string('AWS_REGION');
  const ownLogGroup = r.string('AWS_LAMBDA_LOG_GROUP_NAME') ?? (r.has('AWS_LAMBDA_FUNCTION_NAME') ? `/aws/lambda/${r.string('AWS_LAMBDA_FUNCTION_NAME')}` : undefined);
  const multilineStart = readUserPattern(r, 'MULTILINE_START_PATTERN', 'DD_MULTILINE_LOG_REGEX_PATTERN');
  const s3FormatRaw = r.string('S3_FORMAT');
  if (s3FormatRaw !== undefined && !isS3Format(s3FormatRaw)) r.problem(`S3_FORMAT: expected one of ${S3_FORMATS.join(', ')}, got "${s3FormatRaw}"`);
  const s3Format = s3FormatRaw !== undefined && isS3Format(s3FormatRaw) ? s3FormatRaw : undefined;
  const functionName = r.string('AWS_LAMBDA_FUNCTION_NAME');
  let prices = DEFAULT_PRICES;
  const pricesRaw = r.string('LAMBDA_PRICES');
  if (pricesRaw !== undefined) {
    const parsed = parsePriceOverride(pricesRaw, 'LAMBDA_PRICES');
    if (parsed.ok) prices = withOverride(DEFAULT_PRICES, parsed.value);
    else for (const p of parsed.problems) r.problem(p);
  }

  const config: Config = {
    destinations,
    forwarderName: r.string('FORWARDER_NAME') ?? r.string('AWS_LAMBDA_FUNCTION_NAME') ?? 'log-forwarder',
    forwarderVersion: VERSION,
    logLevel: r.oneOf('FORWARDER_LOG_LEVEL', ['debug', 'info', 'warn', 'error'], 'info'),
    ...(region && { region }),
    ...(ownLogGroup && { ownLogGroup }),
    datadog,
    otlp,
    delivery: {
      concurrency: r.int('SEND_CONCURRENCY', 4, { min: 1, max: 64 }),
      requestTimeoutMs: r.int('REQUEST_TIMEOUT_MS', 10_000, { min: 100, max: 900_000 }),
      maxRetries: r.int('MAX_RETRIES', 5, { min: 0, max: 20 }),
      retryBaseDelayMs: r.int('RETRY_BASE_DELAY_MS', 250, { min: 1, max: 60_000 }),
      deadlineMarginMs: r.int('DEADLINE_MARGIN_MS', 5_000, { min: 0, max: 600_000 }),
      compressionLevel: r.int('COMPRESSION_LEVEL', 1, { min: 1, max: 9 }),
    },
    store: {
      ...(bucket && { bucket }),
      prefix: r.string('FAILURE_PREFIX') ?? 'failed/',
      retentionDays: r.int('FAILURE_RETENTION_DAYS', 14, { min: 1, max: 3650 }),
    },
    selfMetrics: r.bool('FORWARDER_METRICS', true),
    tagging: { tags: tagsRaw, ...(source && { source }), ...(service && { service }) },
    parsing: { ...(multilineStart && { multilineStart }) },
    s3: {
      maxDecompressedBytes: r.int('S3_MAX_DECOMPRESSED_BYTES', 10 * 1024 ** 3, { min: 1024, max: 1024 ** 5 }),
      ...(s3Format !== undefined && { format: s3Format }),
    },
    ...(functionName !== undefined && { functionName }),
    scrubbing: readScrubbing(r),
    filtering: readFiltering(r),
    telemetry: {
      enhancedMetrics: r.bool('ENHANCED_METRICS', true),
      defaultArchitecture: r.oneOf('DEFAULT_ARCHITECTURE', ARCHITECTURES, 'x86_64'),
      // Off by default outside Lambda: a local run has no credentials to ask with.
      lookupArchitecture: r.bool('LOOKUP_ARCHITECTURE', functionName !== undefined),
      architectureCacheTtlMs: r.int('ARCHITECTURE_CACHE_TTL_SECONDS', 3600, { min: 0, max: 7 * 86_400 }) * 1000,
      prices,
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return deepFreeze(config);
}

/** Settings that look like ours but are not in the catalogue (typos), for a start-up warning. */
export function unknownSettings(env: Env): string[] {
  const prefixes = ['DD_', 'OTEL_EXPORTER_OTLP_', 'SCRUB_', 'S3_', 'FAILURE_', 'FORWARDER_'];
  return Object.keys(env).filter((k) => prefixes.some((p) => k.startsWith(p)) && !KNOWN.has(k));
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !(o instanceof RegExp) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
