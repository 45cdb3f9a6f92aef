/**
 * The subscriber's own settings (SUBSCRIBER_*), kept apart from the forwarder's catalogue: the
 * subscriber is a separate function that only manages subscription filters. `loadSubscriberConfig`
 * is the only place it reads the environment; every problem is reported at once (ConfigError).
 */
import { ConfigError } from '../errors.js';
import { type Env, EnvReader } from '../config/reader.js';
import type { LogGroupSelection } from './selection.js';

export interface SubscriberSettingDoc {
  readonly name: string;
  readonly description: string;
  readonly default?: string;
}

export const SUBSCRIBER_SETTINGS: readonly SubscriberSettingDoc[] = [
  { name: 'SUBSCRIBER_DESTINATION_ARN', description: 'Where the subscription filters deliver: the forwarder function, or the Kinesis stream in front of it.' },
  { name: 'SUBSCRIBER_ROLE_ARN', description: 'Role that CloudWatch Logs assumes to write to a Kinesis destination; unset for a Lambda destination.' },
  { name: 'SUBSCRIBER_FILTER_NAME', description: 'Name of the filters this subscriber creates. It only ever updates or deletes filters of this name.', default: 'log-forwarder' },
  { name: 'SUBSCRIBER_FILTER_PATTERN', description: 'CloudWatch Logs filter pattern of the filters; empty forwards every event.', default: '' },
  { name: 'SUBSCRIBER_LOG_GROUP_PREFIXES', description: 'Comma-separated log group name prefixes to subscribe; * subscribes every log group.' },
  { name: 'SUBSCRIBER_LOG_GROUP_PATTERNS', description: 'Comma-separated substrings (case-sensitive, as DescribeLogGroups logGroupNamePattern) of log group names to subscribe.' },
  { name: 'SUBSCRIBER_EXCLUDED_LOG_GROUPS', description: 'Comma-separated log groups never subscribed: the forwarder\'s own log group goes here. /aws/lambda/<name> of a Lambda destination is always excluded too.' },
  { name: 'SUBSCRIBER_MAX_RETRIES', description: 'Retries of one throttled CloudWatch Logs call.', default: '8' },
  { name: 'SUBSCRIBER_BASE_DELAY_MS', description: 'First backoff delay after throttling; doubles each retry, with jitter, capped at 20 s.', default: '250' },
  { name: 'SUBSCRIBER_DEADLINE_MARGIN_MS', description: 'Time kept before the Lambda timeout to answer CloudFormation; work stops when less remains.', default: '20000' },
];

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
