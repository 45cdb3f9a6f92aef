/**
 * The LogForwarder construct, synthesized in-process: resources, least-privilege permissions,
 * and settings -> environment variables.
 */
import { Duration, SecretValue, type Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CfnRole, IRole } from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogForwarderProps } from '../../infra/index.js';
import { removeScratch, synth } from './synth.js';

const T = { timeout: 30_000 };

// The first synthesis in a process loads most of aws-cdk-lib (seconds); do it once up front.
beforeAll(() => {
  synth();
}, 60_000);
afterAll(removeScratch);
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:datadog-api-key-AbCdEf';

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement granted to a role: its inline policies and the IAM::Policy resources attached to it. */
function statementsOf(stack: Stack, template: { toJSON(): Record<string, unknown> }, role: IRole): Statement[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as CfnRole);
  const resources = (template.toJSON()['Resources'] ?? {}) as Record<string, { Type: string; Properties: Record<string, unknown> }>;
  const out: Statement[] = [];
  for (const r of Object.values(resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = r.Properties['Roles'] as unknown[];
    if (!roles.some((x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }))) continue;
    out.push(...((r.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement));
  }
  const inline = resources[roleId]?.Properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[] | undefined;
  for (const p of inline ?? []) out.push(...p.PolicyDocument.Statement);
  return out;
}

function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

describe('LogForwarder defaults', () => {
  it('creates the forwarder on nodejs24.x, arm64, with its own log group', T, () => {
    const { template, stack, forwarder } = synth();

    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'handler.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 120,
      LoggingConfig: { LogFormat: 'Text', LogGroup: { Ref: stack.getLogicalId(forwarder.logGroup.node.defaultChild as logs.CfnLogGroup) } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('creates a failure-store bucket with an expiration rule, kept when the stack goes', T, () => {
    const { template } = synth();

    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        LifecycleConfiguration: { Rules: [{ Id: 'expire-stored-failures', Status: 'Enabled', ExpirationInDays: 14, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      }),
    });
  });

  it('replays stored failures every hour with the event {"replay": true}', T, () => {
    const { template } = synth();

    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 hour)',
      Targets: [Match.objectLike({ Input: '{"replay":true}' })],
    });
  });

  it('has no subscriber, no stream and no account policy unless asked', T, () => {
    const { template } = synth();

    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.resourceCountIs('AWS::Kinesis::Stream', 0);
    template.resourceCountIs('AWS::Logs::AccountPolicy', 0);
    template.resourceCountIs('Custom::LogGroupSubscriptions', 0);
  });

  it('refuses a runtime other than nodejs24.x and nodejs22.x', T, () => {
    expect(() => synth({ runtime: lambda.Runtime.NODEJS_20_X })).toThrow('LogForwarder: runtime must be one of nodejs24.x, nodejs22.x, got nodejs20.x');
  });
});

describe('least privilege', () => {
  it('grants only its own log writes, the failure store under its prefix and GetFunctionConfiguration', T, () => {
    const { template, stack, forwarder } = synth();
    const statements = statementsOf(stack, template, forwarder.role);

    expect(actionsOf(statements)).toEqual(['lambda:GetFunctionConfiguration', 'logs:CreateLogStream', 'logs:PutLogEvents', 's3:DeleteObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(statements.every((s) => s.Effect === 'Allow' && s.Resource !== '*')).toBe(true);
    expect(statements.find((s) => s.Sid === 'FailureStoreList')?.Condition).toEqual({ StringLike: { 's3:prefix': 'failed/*' } });
    template.hasResourceProperties('AWS::IAM::Role', { AssumeRolePolicyDocument: Match.anyValue(), ManagedPolicyArns: Match.absent() });
  });

  it('reads the API key secret it is given, and only that one', T, () => {
    const { template, stack, forwarder } = synth({ ddApiKeySecretArn: SECRET_ARN, lookupArchitecture: false, failureBucket: 'none' });

    const notOwnLogs = statementsOf(stack, template, forwarder.role).filter((s) => !actionsOf([s]).every((a) => a.startsWith('logs:')));
    expect(notOwnLogs).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN },
    ]);
  });

  it('stores an API key given as a value in a new secret and passes only its ARN', T, () => {
    const { template } = synth({ ddApiKey: SecretValue.unsafePlainText('fake-datadog-api-key-for-tests') });
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    const secretId = Object.keys(secrets)[0] ?? '';

    expect(Object.keys(secrets)).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ DD_API_KEY_SECRET_ARN: { Ref: secretId }, DD_API_KEY: Match.absent() }) },
    });
    expect(JSON.stringify(template.findResources('AWS::Lambda::Function'))).not.toContain('fake-datadog-api-key-for-tests');
    expect(secretId).toMatch(/^ForwarderApiKeySecret/);
  });

  it('reads SSM parameters by their full name', T, () => {
    const { template, stack, forwarder } = synth({ ddApiKeySsmName: '/observability/datadog-api-key', failureBucket: 'none', lookupArchitecture: false });

    const ssm = statementsOf(stack, template, forwarder.role).find((s) => s.Action === 'ssm:GetParameter');
    expect(stack.resolve(ssm?.Resource)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:us-east-1:123456789012:parameter/observability/datadog-api-key']],
    });
  });

  it('grants no GetFunctionConfiguration when the architecture is not looked up', T, () => {
    const { template, stack, forwarder } = synth({ lookupArchitecture: false });

    expect(actionsOf(statementsOf(stack, template, forwarder.role))).not.toContain('lambda:GetFunctionConfiguration');
  });

  it('has no failure store, no replay and no S3 permission with failureBucket "none"', T, () => {
    const { template, stack, forwarder } = synth({ failureBucket: 'none' });

    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::Events::Rule', 0);
    expect(actionsOf(statementsOf(stack, template, forwarder.role)).filter((a) => a.startsWith('s3:'))).toEqual([]);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Properties: { Environment?: { Variables: Record<string, unknown> } } };
    expect(fn.Properties.Environment?.Variables['FAILURE_BUCKET']).toBeUndefined();
  });
});

describe('settings -> environment variables', () => {
  it('sets exactly the variables of the settings given, as text', T, () => {
    const props: LogForwarderProps = {
      destinations: ['datadog', 'otlp'],
      ddSite: 'datadoghq.eu',
      ddTags: ['env:prod', 'team:platform'],
      sendConcurrency: 8,
      enhancedMetrics: false,
      scrubOptionalRules: ['email', 'ipv4'],
      scrubCustomRules: [{ name: 'order_id', pattern: 'ord-[0-9]+', replacement: 'ord-xxx' }],
      lambdaPrices: { arm64: 0.0000133334 },
      s3MaxDecompressedBytes: 1073741824,
      failureBucket: 'none',
    };
    const { template } = synth(props);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as { Properties: { Environment: { Variables: Record<string, string> } } };

    expect(fn.Properties.Environment.Variables).toEqual({
      DESTINATIONS: 'datadog,otlp',
      DD_SITE: 'datadoghq.eu',
      DD_TAGS: 'env:prod,team:platform',
      SEND_CONCURRENCY: '8',
      ENHANCED_METRICS: 'false',
      SCRUB_OPTIONAL_RULES: 'email,ipv4',
      SCRUB_CUSTOM_RULES: '[{"name":"order_id","pattern":"ord-[0-9]+","replacement":"ord-xxx"}]',
      LAMBDA_PRICES: '{"arm64":0.0000133334}',
      S3_MAX_DECOMPRESSED_BYTES: '1073741824',
    });
  });

  it('points FAILURE_BUCKET at the created bucket', T, () => {
    const { template, stack, forwarder } = synth();

    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { FAILURE_BUCKET: { Ref: stack.getLogicalId(forwarder.failureBucket?.node.defaultChild as s3.CfnBucket) } } },
    });
  });
});

describe('subscribe and addS3Source', () => {
  it('subscribes a log group to the function, with a permission for that group only', T, () => {
    const { template } = synth({}, (stack, f) => {
      const group = new logs.LogGroup(stack, 'Orders', { logGroupName: '/aws/lambda/orders-api' });
      f.subscribe(group, { filterPattern: '?ERROR ?WARN' });
    });

    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
      LogGroupName: { Ref: Match.stringLikeRegexp('^Orders') },
      FilterPattern: '?ERROR ?WARN',
      DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderFunction'), 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'logs.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Orders'), 'Arn'] },
    });
  });

  it('refuses to subscribe its own log group', T, () => {
    expect(() => synth({}, (_stack, f) => f.subscribe(f.logGroup))).toThrow('LogForwarder: the forwarder never subscribes its own log group');
  });

  it('takes S3 notifications of a bucket and may read only the objects under the prefix', T, () => {
    let bucketId = '';
    const { template, stack, forwarder } = synth({ failureBucket: 'none', lookupArchitecture: false }, (s, f) => {
      const bucket = new s3.Bucket(s, 'AlbLogs');
      bucketId = s.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
      f.addS3Source(bucket as s3.IBucket, { prefix: 'AWSLogs/' });
    });

    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          { Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'AWSLogs/' }] } }, LambdaFunctionArn: Match.anyValue() },
        ],
      },
    });
    const read = statementsOf(stack, template, forwarder.role).filter((s) => s.Action === 's3:GetObject');
    expect(read.map((s) => stack.resolve(s.Resource))).toEqual([{ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/AWSLogs/*']] }]);
  });
});

describe('subscriptions by prefix, account policy, Kinesis', () => {
  it('runs the subscriber as a custom resource and on CreateLogGroup, never on its own log group', T, () => {
    const { template, stack, forwarder } = synth({ logGroupPrefixes: ['/aws/lambda/', '/ecs/'], logGroupPatterns: ['orders'] });
    const ownLogGroup = { Ref: stack.getLogicalId(forwarder.logGroup.node.defaultChild as logs.CfnLogGroup) };

    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'subscriber.handler',
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          SUBSCRIBER_LOG_GROUP_PREFIXES: '/aws/lambda/,/ecs/',
          SUBSCRIBER_LOG_GROUP_PATTERNS: 'orders',
          SUBSCRIBER_EXCLUDED_LOG_GROUPS: ownLogGroup,
          SUBSCRIBER_DESTINATION_ARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ForwarderFunction'), 'Arn'] },
        }),
      },
    });
    template.hasResourceProperties('Custom::LogGroupSubscriptions', { LogGroupPrefixes: '/aws/lambda/,/ecs/', LogGroupPatterns: 'orders', ServiceTimeout: '960' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.logs'], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventSource: ['logs.amazonaws.com'], eventName: ['CreateLogGroup'] } },
    });
  });

  it('lets the subscriber manage subscription filters and nothing else', T, () => {
    const { template, stack, forwarder } = synth({ logGroupPrefixes: ['/aws/lambda/'] });
    const role = forwarder.subscriber?.role as IRole;
    const statements = statementsOf(stack, template, role);

    expect(actionsOf(statements)).toEqual([
      'logs:CreateLogStream',
      'logs:DeleteSubscriptionFilter',
      'logs:DescribeLogGroups',
      'logs:DescribeSubscriptionFilters',
      'logs:PutLogEvents',
      'logs:PutSubscriptionFilter',
    ]);
    expect(stack.resolve(statements.find((s) => s.Sid === 'ManageSubscriptionFilters')?.Resource)).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:123456789012:log-group:*']],
    });
  });

  it('subscribes the account with a policy that excludes the forwarder\'s own log group', T, () => {
    const { template, stack, forwarder } = synth({ accountPolicy: true, subscriptionFilterPattern: '{ $.level = "ERROR" }' });
    const policy = Object.values(template.findResources('AWS::Logs::AccountPolicy'))[0] as { Properties: Record<string, unknown>; DependsOn: string[] };
    const ownLogGroup = stack.getLogicalId(forwarder.logGroup.node.defaultChild as logs.CfnLogGroup);

    expect(policy.Properties['PolicyType']).toBe('SUBSCRIPTION_FILTER_POLICY');
    expect(policy.Properties['Scope']).toBe('ALL');
    expect(policy.Properties['SelectionCriteria']).toEqual({ 'Fn::Join': ['', ['LogGroupName NOT IN ["', { Ref: ownLogGroup }, '"]']] });
    expect(policy.Properties['PolicyDocument']).toEqual({
      'Fn::Join': ['', ['{"DestinationArn":"', { 'Fn::GetAtt': [stack.getLogicalId(forwarder.function.node.defaultChild as lambda.CfnFunction), 'Arn'] }, '","FilterPattern":"{ $.level = \\"ERROR\\" }","Distribution":"Random"}']],
    });
    expect(policy.DependsOn).toEqual([expect.stringMatching(/^ForwarderLogsInvokePermission/)]);
  });

  it('puts a Kinesis stream between the subscriptions and the function', T, () => {
    const { template, stack, forwarder } = synth(
      { kinesis: { shardCount: 4, batchSize: 500, maxBatchingWindow: Duration.seconds(5), parallelizationFactor: 2 }, logGroupPrefixes: ['/aws/lambda/'] },
      (s, f) => f.subscribe(new logs.LogGroup(s, 'Orders')),
    );
    const streamArn = { 'Fn::GetAtt': [stack.getLogicalId(forwarder.stream?.node.defaultChild as never), 'Arn'] };
    const roleArn = { 'Fn::GetAtt': [stack.getLogicalId(forwarder.logsToStreamRole?.node.defaultChild as CfnRole), 'Arn'] };

    template.hasResourceProperties('AWS::Kinesis::Stream', { ShardCount: 4 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 5,
      ParallelizationFactor: 2,
      StartingPosition: 'LATEST',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
    });
    template.hasResourceProperties('AWS::Logs::SubscriptionFilter', { DestinationArn: streamArn, RoleArn: roleArn });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ SUBSCRIBER_DESTINATION_ARN: streamArn, SUBSCRIBER_ROLE_ARN: roleArn }) } });
    expect(statementsOf(stack, template, forwarder.subscriber?.role as IRole).find((s) => s.Action === 'iam:PassRole')?.Resource).toEqual(roleArn);
    expect(actionsOf(statementsOf(stack, template, forwarder.logsToStreamRole as IRole))).toEqual(['kinesis:PutRecord', 'kinesis:PutRecords']);
  });
});
