/**
 * `LogForwarder`: the forwarder function with the same settings as template.yaml (props named
 * after the catalogue, see ./settings.ts), least-privilege IAM (every permission scoped to what
 * the props name), its own log group (never subscribed), a failure-store bucket with an
 * expiration rule (unless one is given or 'none'), a replay schedule, and optionally a Kinesis
 * stream between the subscriptions and the function, subscriptions by name prefix or pattern
 * (./subscriptions.ts), and an account-level subscription filter policy.
 *
 *   const forwarder = new LogForwarder(stack, 'Logs', { ddApiKeySecretArn: secret });
 *   forwarder.subscribe(someLogGroup, { filterPattern: '?ERROR ?WARN' });
 *   forwarder.addS3Source(albLogsBucket, { prefix: 'AWSLogs/' });
 *
 * The code is the build output (`npm run build`: dist/handler.mjs, dist/subscriber.mjs) unless
 * `code` is given.
 */
import { fileURLToPath } from 'node:url';
import { ArnFormat, Duration, Names, RemovalPolicy, type SecretValue, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as destinations from 'aws-cdk-lib/aws-logs-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type LogForwarderSettings, type SettingProp, settingsEnvironment } from './settings.js';
import { addAccountPolicy, addSubscriber, logsPrincipal } from './subscriptions.js';

export interface KinesisOptions {
  /** Default 1. Each shard takes 1 MB/s or 1,000 records/s. */
  readonly shardCount?: number;
  /** Records per invocation; default 100. */
  readonly batchSize?: number;
  /** Default 1 second. */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent invocations per shard; default 1. */
  readonly parallelizationFactor?: number;
}

export interface LogForwarderProps extends LogForwarderSettings {
  /** Default: the directory dist/ of this repository (npm run build). */
  readonly code?: lambda.Code;
  /** NODEJS_24_X (default) or NODEJS_22_X. */
  readonly runtime?: lambda.Runtime;
  /** Default ARM_64. */
  readonly architecture?: lambda.Architecture;
  /** MB; default 1024. */
  readonly memorySize?: number;
  /** Default 120 seconds. */
  readonly timeout?: Duration;
  readonly reservedConcurrentExecutions?: number;
  /** Retention of the forwarder's and the subscriber's own logs; default one month. */
  readonly logRetention?: logs.RetentionDays;
  /** When stored failures are replayed; default every hour; 'none' for never. */
  readonly replaySchedule?: events.Schedule | 'none';
  /** Log group name prefixes ('*' for all) to subscribe now and as groups are created. */
  readonly logGroupPrefixes?: readonly string[];
  /** Case-sensitive substrings of log group names to subscribe. */
  readonly logGroupPatterns?: readonly string[];
  /** Filter pattern of the prefix/pattern subscriptions and the account policy; default all events. */
  readonly subscriptionFilterPattern?: string;
  /** Subscribe the whole account and region with an account-level subscription filter policy. */
  readonly accountPolicy?: boolean;
  /** Buckets whose ObjectCreated notifications invoke the forwarder (see addS3Source). */
  readonly sourceBuckets?: readonly s3.IBucket[];
  /** Put a Kinesis data stream between the subscriptions and the forwarder. */
  readonly kinesis?: KinesisOptions;
}

type DeploymentProp = Exclude<keyof LogForwarderProps, SettingProp | 'code'> | `kinesis.${keyof KinesisOptions}` | 'failureBucket';

/** template.yaml's deployment parameters and the props that do the same here. */
export const DEPLOYMENT_PARAMETERS = {
  LogGroupPrefixes: 'logGroupPrefixes',
  LogGroupPatterns: 'logGroupPatterns',
  SubscriptionFilterPattern: 'subscriptionFilterPattern',
  AccountPolicy: 'accountPolicy',
  SourceBuckets: 'sourceBuckets',
  UseKinesis: 'kinesis',
  KinesisShardCount: 'kinesis.shardCount',
  KinesisBatchSize: 'kinesis.batchSize',
  KinesisBatchingWindowSeconds: 'kinesis.maxBatchingWindow',
  KinesisParallelizationFactor: 'kinesis.parallelizationFactor',
  CreateFailureBucket: 'failureBucket',
  ReplaySchedule: 'replaySchedule',
  Runtime: 'runtime',
  Architecture: 'architecture',
  MemorySize: 'memorySize',
  Timeout: 'timeout',
  ReservedConcurrency: 'reservedConcurrentExecutions',
  LogRetentionInDays: 'logRetention',
} as const satisfies Record<string, DeploymentProp>;

export interface SubscribeOptions {
  /** CloudWatch Logs filter pattern; default every event. */
  readonly filterPattern?: string | logs.IFilterPattern;
}

export interface S3SourceOptions {
  /** Only objects under this key prefix notify, and only they can be read. */
  readonly prefix?: string;
  readonly suffix?: string;
}

export const DEFAULT_CODE_DIR = fileURLToPath(new URL('../dist', import.meta.url));
const SUPPORTED_RUNTIMES = [lambda.Runtime.NODEJS_24_X.name, lambda.Runtime.NODEJS_22_X.name];

export class LogForwarder extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  /** The forwarder's own log group: never forwarded, never subscribed. */
  readonly logGroup: logs.LogGroup;
  readonly failureBucket?: s3.IBucket;
  readonly stream?: kinesis.Stream;
  /** Role CloudWatch Logs assumes to write to the stream (with `kinesis`). */
  readonly logsToStreamRole?: iam.Role;
  /** The subscription manager (with logGroupPrefixes / logGroupPatterns). */
  readonly subscriber?: lambda.Function;

  constructor(scope: Construct, id: string, props: LogForwarderProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const runtime = props.runtime ?? lambda.Runtime.NODEJS_24_X;
    if (!SUPPORTED_RUNTIMES.includes(runtime.name)) throw new Error(`LogForwarder: runtime must be one of ${SUPPORTED_RUNTIMES.join(', ')}, got ${runtime.name}`);
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    // Only the two bundles, as in the zip of `npm run package` (no CLI, no source maps).
    const code = props.code ?? lambda.Code.fromAsset(DEFAULT_CODE_DIR, { exclude: ['*', '!handler.mjs', '!subscriber.mjs'] });
    const retention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', { retention, removalPolicy: RemovalPolicy.DESTROY });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'Log forwarder' });
    this.logGroup.grantWrite(this.role);

    const env = settingsEnvironment(props);
    const apiKeySecret = this.secretSetting('ApiKeySecret', 'Datadog API key of the log forwarder', props.ddApiKey, props.ddApiKeySecretArn);
    if (apiKeySecret !== undefined) env['DD_API_KEY_SECRET_ARN'] = apiKeySecret;
    const headersSecret = this.secretSetting('OtlpHeadersSecret', 'OTLP headers of the log forwarder', props.otelExporterOtlpHeaders, props.otelExporterOtlpHeadersSecretArn);
    if (headersSecret !== undefined) env['OTEL_EXPORTER_OTLP_HEADERS_SECRET_ARN'] = headersSecret;
    for (const name of [props.ddApiKeySsmName, props.otelExporterOtlpHeadersSsmName]) if (name !== undefined) this.allowParameter(name);

    if (props.failureBucket !== 'none') {
      const bucket = props.failureBucket ?? this.createFailureBucket(Duration.days(props.failureRetentionDays ?? 14));
      this.failureBucket = bucket;
      env['FAILURE_BUCKET'] = bucket.bucketName;
      this.allowFailureStore(bucket, props.failurePrefix ?? 'failed/');
    }
    if (props.lookupArchitecture !== false) {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'LookUpArchitecture',
          actions: ['lambda:GetFunctionConfiguration'],
          resources: [stack.formatArn({ service: 'lambda', resource: 'function', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      );
    }

    this.function = new lambda.Function(this, 'Function', {
      description: 'Log forwarder',
      code,
      handler: 'handler.handler',
      runtime,
      architecture,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(120),
      ...(props.reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.TEXT,
      environment: env,
    });

    if (this.failureBucket !== undefined && props.replaySchedule !== 'none') {
      new events.Rule(this, 'Replay', {
        description: 'Replays the stored failures of the log forwarder',
        schedule: props.replaySchedule ?? events.Schedule.rate(Duration.hours(1)),
        targets: [new targets.LambdaFunction(this.function, { event: events.RuleTargetInput.fromObject({ replay: true }) })],
      });
    }

    if (props.kinesis !== undefined) {
      const k = props.kinesis;
      this.stream = new kinesis.Stream(this, 'Stream', {
        shardCount: k.shardCount ?? 1,
        retentionPeriod: Duration.hours(24),
        encryption: kinesis.StreamEncryption.MANAGED,
      });
      this.function.addEventSource(
        new KinesisEventSource(this.stream, {
          startingPosition: lambda.StartingPosition.LATEST,
          batchSize: k.batchSize ?? 100,
          maxBatchingWindow: k.maxBatchingWindow ?? Duration.seconds(1),
          parallelizationFactor: k.parallelizationFactor ?? 1,
          reportBatchItemFailures: true,
          bisectBatchOnError: true,
        }),
      );
      this.logsToStreamRole = new iam.Role(this, 'LogsToStream', { assumedBy: logsPrincipal(this), description: 'CloudWatch Logs subscriptions write to the log stream' });
      this.logsToStreamRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['kinesis:PutRecord', 'kinesis:PutRecords'], resources: [this.stream.streamArn] }));
    }

    const sharedProps = { runtime, architecture, code, retention, filterPattern: props.subscriptionFilterPattern ?? '' };
    if ((props.logGroupPrefixes?.length ?? 0) + (props.logGroupPatterns?.length ?? 0) > 0) {
      this.subscriber = addSubscriber(this, { ...sharedProps, prefixes: props.logGroupPrefixes ?? [], patterns: props.logGroupPatterns ?? [] });
    }
    if (props.accountPolicy === true) addAccountPolicy(this, sharedProps.filterPattern);
    for (const bucket of props.sourceBuckets ?? []) this.addS3Source(bucket);
  }

  /** Subscribes one log group (through the Kinesis stream when there is one). */
  subscribe(logGroup: logs.ILogGroup, options: SubscribeOptions = {}): logs.SubscriptionFilter {
    if (logGroup === this.logGroup || logGroup.logGroupName === this.logGroup.logGroupName) {
      throw new Error('LogForwarder: the forwarder never subscribes its own log group (its logs would loop back to it)');
    }
    const fp = options.filterPattern;
    const filterPattern = fp === undefined || fp === '' ? logs.FilterPattern.allEvents() : typeof fp === 'string' ? logs.FilterPattern.literal(fp) : fp;
    // To the stream with the role made for it (its grants are already exact), else to the
    // function with a permission for this log group only.
    const stream = this.stream;
    const role = this.logsToStreamRole;
    const destination: logs.ILogSubscriptionDestination =
      stream !== undefined && role !== undefined ? { bind: () => ({ arn: stream.streamArn, role }) } : new destinations.LambdaDestination(this.function);
    return new logs.SubscriptionFilter(this, `Subscription${Names.nodeUniqueId(logGroup.node)}`, { logGroup, destination, filterPattern });
  }

  /** Objects created in the bucket (under `prefix`) invoke the forwarder, which may read only them. */
  addS3Source(bucket: s3.IBucket, options: S3SourceOptions = {}): void {
    const filter: s3.NotificationKeyFilter = {
      ...(options.prefix !== undefined && { prefix: options.prefix }),
      ...(options.suffix !== undefined && { suffix: options.suffix }),
    };
    bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.function), filter);
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects(`${options.prefix ?? ''}*`)] }));
    bucket.encryptionKey?.grantDecrypt(this.role);
  }

  /** A secret given as a value (stored in a new secret), an ARN or an ISecret; returns its ARN. */
  private secretSetting(id: string, description: string, value: SecretValue | undefined, ref: string | secretsmanager.ISecret | undefined): string | undefined {
    if (value !== undefined && ref !== undefined) throw new Error(`LogForwarder: give the ${description} one way, as a value or as a secret`);
    if (value !== undefined) {
      const secret = new secretsmanager.Secret(this, id, { description, secretStringValue: value });
      secret.grantRead(this.role);
      return secret.secretArn;
    }
    if (ref === undefined) return undefined;
    if (typeof ref !== 'string') {
      ref.grantRead(this.role);
      return ref.secretArn;
    }
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [ref] }));
    return ref;
  }

  private allowParameter(name: string): void {
    if (!Token.isUnresolved(name) && !name.startsWith('/')) throw new Error(`LogForwarder: SSM parameter names must be full names starting with '/', got "${name}"`);
    const arn = Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [arn] }));
  }

  private createFailureBucket(expiration: Duration): s3.IBucket {
    // The cast: CDK's classes are not declared for exactOptionalPropertyTypes.
    return new s3.Bucket(this, 'FailureStore', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-stored-failures', expiration, abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      // Stored failures are undelivered logs: they outlive the stack and expire by themselves.
      removalPolicy: RemovalPolicy.RETAIN,
    }) as s3.IBucket;
  }

  private allowFailureStore(bucket: s3.IBucket, prefix: string): void {
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'FailureStoreObjects', actions: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], resources: [bucket.arnForObjects(`${prefix}*`)] }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'FailureStoreList', actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': `${prefix}*` } } }),
    );
    bucket.encryptionKey?.grantEncryptDecrypt(this.role);
  }
}
