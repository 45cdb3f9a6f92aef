/**
 * The subscriber's own settings (SUBSCRIBER_*), kept apart from the forwarder's catalogue: the
 * subscriber is a separate function that only manages subscription filters. `loadSubscriberConfig`
 * is the only place it reads the environment; every problem is reported at once (ConfigError).
 */
import { ConfigError } from '../errors.js';
import { type Env, EnvReader } from '../config/reader.js';
import type { LogGroupSelection } from './selection.js';

export interface SubscriptionSpec {
  readonly filterName: string;
  readonly filterPattern: string;
  readonly destinationArn: string;
  readonly roleArn?: string;
}

export interface SubscriberConfig {
  readonly spec: SubscriptionSpec;
  readonly selection: LogGroupSelection;
  /** Exact log group names never subscribed. */
  readonly excluded: ReadonlySet<string>;
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly deadlineMarginMs: number;
}

/** `/aws/lambda/<name>` for a Lambda function ARN (with or without a qualifier), else undefined. */
export function lambdaLogGroupOf(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts[2] !== 'lambda' || parts[5] !== 'function' || parts[6] === undefined || parts[6] === '') return undefined;
  return `/aws/lambda/${parts[6]}`;
}

export function loadSubscriberConfig(env: Env): SubscriberConfig {
  const r = new EnvReader(env);
  const destinationArn = r.string('SUBSCRIBER_DESTINATION_ARN');
  if (destinationArn === undefined) r.problem('SUBSCRIBER_DESTINATION_ARN: required (the forwarder function or Kinesis stream ARN)');
  else if (!/^arn:aws[a-z-]*:(lambda|kinesis|firehose|logs):/.test(destinationArn)) {
    r.problem(`SUBSCRIBER_DESTINATION_ARN: expected a Lambda, Kinesis, Firehose or Logs destination ARN, got "${destinationArn}"`);
  }
  const roleArn = r.string('SUBSCRIBER_ROLE_ARN');
  if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(roleArn)) {
    r.problem(`SUBSCRIBER_ROLE_ARN: expected an IAM role ARN, got "${roleArn}"`);
  }
  const filterName = r.string('SUBSCRIBER_FILTER_NAME') ?? 'log-forwarder';
  if (filterName.length > 512 || filterName.includes(':') || filterName.includes('*')) {
    r.problem(`SUBSCRIBER_FILTER_NAME: expected 1 to 512 characters without ':' or '*', got "${filterName}"`);
  }
  // Not trimmed away when it is only spaces: EnvReader trims, and an empty pattern means "everything".
  const filterPattern = env['SUBSCRIBER_FILTER_PATTERN'] ?? '';
  const excluded = new Set(r.list('SUBSCRIBER_EXCLUDED_LOG_GROUPS'));
  const own = destinationArn === undefined ? undefined : lambdaLogGroupOf(destinationArn);
  if (own !== undefined) excluded.add(own);
  const config: SubscriberConfig = {
    spec: {
      filterName,
      filterPattern,
      destinationArn: destinationArn ?? '',
      ...(roleArn !== undefined && { roleArn }),
    },
    selection: { prefixes: r.list('SUBSCRIBER_LOG_GROUP_PREFIXES'), patterns: r.list('SUBSCRIBER_LOG_GROUP_PATTERNS') },
    excluded,
    maxRetries: r.int('SUBSCRIBER_MAX_RETRIES', 8, { min: 0, max: 30 }),
    baseDelayMs: r.int('SUBSCRIBER_BASE_DELAY_MS', 250, { min: 1, max: 60_000 }),
    deadlineMarginMs: r.int('SUBSCRIBER_DEADLINE_MARGIN_MS', 20_000, { min: 0, max: 600_000 }),
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}
