/**
 * Subscriptions of many log groups for `LogForwarder`, the same resources as template.yaml:
 *
 * - by name prefix or pattern: the subscriber function (dist/subscriber.mjs), a custom resource
 *   that subscribes the existing groups (and removes its filters on delete), and an EventBridge
 *   rule on the CloudTrail record of CreateLogGroup for new groups;
 * - account-wide: an account-level subscription filter policy whose selection criteria exclude
 *   the forwarder's own log group (PutAccountPolicy: for SUBSCRIPTION_FILTER_POLICY the only
 *   criterion is `LogGroupName NOT IN [...]`).
 *
 * With a Kinesis stream, both deliver to the stream (with the logs-to-stream role) instead of
 * to the function.
 */
import { ArnFormat, CustomResource, Duration, Names, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { LogForwarder } from './log-forwarder.js';

export interface SubscriberOptions {
  readonly runtime: lambda.Runtime;
  readonly architecture: lambda.Architecture;
  readonly code: lambda.Code;
  readonly retention: logs.RetentionDays;
  readonly prefixes: readonly string[];
  readonly patterns: readonly string[];
  readonly filterPattern: string;
}

function allLogGroupsArn(scope: LogForwarder): string {
  return Stack.of(scope).formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/** CloudWatch Logs of this account and region, as a principal. */
export function logsPrincipal(scope: LogForwarder): iam.IPrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal('logs.amazonaws.com', {
    conditions: { StringLike: { 'aws:SourceArn': stack.formatArn({ service: 'logs', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }) } },
  });
}

/**
 * Where subscriptions deliver, and the resource that must exist first: the stream and the role
 * CloudWatch Logs assumes, or the function and a permission for this account's log groups.
 */
function destination(scope: LogForwarder): { arn: string; roleArn?: string; ready: Construct } {
  if (scope.stream !== undefined && scope.logsToStreamRole !== undefined) {
    return { arn: scope.stream.streamArn, roleArn: scope.logsToStreamRole.roleArn, ready: scope.logsToStreamRole };
  }
  const existing = scope.node.tryFindChild('LogsInvokePermission');
  if (existing !== undefined) return { arn: scope.function.functionArn, ready: existing };
  const permission = new lambda.CfnPermission(scope, 'LogsInvokePermission', {
    action: 'lambda:InvokeFunction',
    functionName: scope.function.functionArn,
    principal: 'logs.amazonaws.com',
    sourceAccount: Stack.of(scope).account,
    sourceArn: allLogGroupsArn(scope),
  });
  return { arn: scope.function.functionArn, ready: permission };
}

export function addSubscriber(scope: LogForwarder, o: SubscriberOptions): lambda.Function {
  const dest = destination(scope);
  const filterName = `${Names.uniqueResourceName(scope, { maxLength: 200 })}-log-forwarder`;
  const logGroup = new logs.LogGroup(scope, 'SubscriberLogGroup', { retention: o.retention });
  const role = new iam.Role(scope, 'SubscriberRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: 'Log group subscriptions' });
  logGroup.grantWrite(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ManageSubscriptionFilters',
      actions: ['logs:DescribeLogGroups', 'logs:DescribeSubscriptionFilters', 'logs:PutSubscriptionFilter', 'logs:DeleteSubscriptionFilter'],
      resources: [allLogGroupsArn(scope)],
    }),
  );
  scope.logsToStreamRole?.grantPassRole(role);

  const subscriber = new lambda.Function(scope, 'Subscriber', {
    description: 'Subscribes log groups to the log forwarder',
    code: o.code,
    handler: 'subscriber.handler',
    runtime: o.runtime,
    architecture: o.architecture,
    memorySize: 256,
    timeout: Duration.minutes(15),
    role,
    logGroup,
    loggingFormat: lambda.LoggingFormat.TEXT,
    environment: {
      SUBSCRIBER_DESTINATION_ARN: dest.arn,
      ...(dest.roleArn !== undefined && { SUBSCRIBER_ROLE_ARN: dest.roleArn }),
      SUBSCRIBER_FILTER_NAME: filterName,
      SUBSCRIBER_FILTER_PATTERN: o.filterPattern,
      SUBSCRIBER_LOG_GROUP_PREFIXES: o.prefixes.join(','),
      SUBSCRIBER_LOG_GROUP_PATTERNS: o.patterns.join(','),
      SUBSCRIBER_EXCLUDED_LOG_GROUPS: scope.logGroup.logGroupName,
    },
  });

  const subscriptions = new CustomResource(scope, 'Subscriptions', {
    serviceToken: subscriber.functionArn,
    resourceType: 'Custom::LogGroupSubscriptions',
    serviceTimeout: Duration.seconds(960),
    properties: {
      LogGroupPrefixes: o.prefixes.join(','),
      LogGroupPatterns: o.patterns.join(','),
      FilterName: filterName,
      FilterPattern: o.filterPattern,
      DestinationArn: dest.arn,
    },
  });
  subscriptions.node.addDependency(dest.ready);

  new events.Rule(scope, 'NewLogGroups', {
    description: 'Subscribes new log groups to the log forwarder',
    eventPattern: {
      source: ['aws.logs'],
      detailType: ['AWS API Call via CloudTrail'],
      detail: { eventSource: ['logs.amazonaws.com'], eventName: ['CreateLogGroup'] },
    },
    targets: [new targets.LambdaFunction(subscriber)],
  });
  return subscriber;
}

export function addAccountPolicy(scope: LogForwarder, filterPattern: string): logs.CfnAccountPolicy {
  const dest = destination(scope);
  const stack = Stack.of(scope);
  const policy = new logs.CfnAccountPolicy(scope, 'AccountPolicy', {
    policyName: `${Names.uniqueResourceName(scope, { maxLength: 200 })}-log-forwarder`,
    policyType: 'SUBSCRIPTION_FILTER_POLICY',
    scope: 'ALL',
    selectionCriteria: `LogGroupName NOT IN ["${scope.logGroup.logGroupName}"]`,
    policyDocument: stack.toJsonString({
      DestinationArn: dest.arn,
      ...(dest.roleArn !== undefined && { RoleArn: dest.roleArn }),
      FilterPattern: filterPattern,
      Distribution: 'Random',
    }),
  });
  policy.node.addDependency(dest.ready);
  return policy;
}
