/**
 * The subscription manager (forwarder/subscriber) against aws-sdk-client-mock for CloudWatch Logs,
 * with a real HTTP server on 127.0.0.1 standing in for CloudFormation's pre-signed ResponseURL.
 */
import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AccessDeniedException,
  CloudWatchLogsClient,
  DeleteSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeSubscriptionFiltersCommand,
  LimitExceededException,
  PutSubscriptionFilterCommand,
  ThrottlingException,
} from '@aws-sdk/client-cloudwatch-logs';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSubscriberHandler } from '../../forwarder/subscriber/handler.js';

const FORWARDER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:log-forwarder-Forwarder-9Xy7LmN2pQ4r';
const FORWARDER_LOG_GROUP = '/log-forwarder/log-forwarder';
const ENV = {
  SUBSCRIBER_DESTINATION_ARN: FORWARDER_ARN,
  SUBSCRIBER_FILTER_NAME: 'log-forwarder',
  SUBSCRIBER_LOG_GROUP_PREFIXES: '/aws/lambda/',
  SUBSCRIBER_EXCLUDED_LOG_GROUPS: FORWARDER_LOG_GROUP,
  SUBSCRIBER_MAX_RETRIES: '4',
  SUBSCRIBER_BASE_DELAY_MS: '100',
};
const OURS = { filterName: 'log-forwarder', filterPattern: '', destinationArn: FORWARDER_ARN };

const cwl = mockClient(CloudWatchLogsClient);
const client = new CloudWatchLogsClient({ region: 'us-east-1' });

interface Received {
  method: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}
let server: Server;
let responseUrl: string;
let received: Received[];
let failNext = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500, { 'content-length': '0' }).end();
        return;
      }
      received.push({ method: req.method ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(200, { 'content-length': '0' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=fake`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

let sleeps: number[];
let logs: string[];
beforeEach(() => {
  cwl.reset();
  received = [];
  sleeps = [];
  logs = [];
  failNext = 0;
});
afterEach(() => cwl.reset());

function loadEvent(name: string): CloudFormationCustomResourceEvent {
  const event = JSON.parse(readFileSync(new URL(`../events/cloudformation/${name}.json`, import.meta.url), 'utf8')) as CloudFormationCustomResourceEvent;
  return { ...event, ResponseURL: responseUrl };
}

function createLogGroupEvent(logGroupName: string): unknown {
  const event = JSON.parse(readFileSync(new URL('../events/eventbridge/create-log-group.json', import.meta.url), 'utf8')) as {
    detail: { requestParameters: { logGroupName: string } };
  };
  event.detail.requestParameters.logGroupName = logGroupName;
  return event;
}

function makeHandler(env: Record<string, string> = ENV) {
  return createSubscriberHandler({
    env,
    client,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (line) => logs.push(line),
  });
}

function groups(...names: string[]) {
  return names.map((logGroupName) => ({ logGroupName, arn: `arn:aws:logs:us-east-1:123456789012:log-group:${logGroupName}:*` }));
}

const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
const limitExceeded = () => new LimitExceededException({ message: 'Resource limit exceeded.', $metadata: {} });

describe('custom resource Create', () => {
  it('lists every page of DescribeLogGroups and subscribes each group', async () => {
    // prepare
    cwl.on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/' }).resolves({ logGroups: groups('/aws/lambda/a', '/aws/lambda/b'), nextToken: 'page-2' });
    cwl.on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/', nextToken: 'page-2' }).resolves({ logGroups: groups('/aws/lambda/c') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});
    // act
    const result = await makeHandler()(loadEvent('subscriptions-create'));
    // assess
    expect(cwl.commandCalls(DescribeLogGroupsCommand).map((c) => c.args[0].input)).toEqual([
      { logGroupNamePrefix: '/aws/lambda/' },
      { logGroupNamePrefix: '/aws/lambda/', nextToken: 'page-2' },
    ]);
    expect(cwl.commandCalls(PutSubscriptionFilterCommand).map((c) => c.args[0].input)).toEqual([
      { logGroupName: '/aws/lambda/a', ...OURS },
      { logGroupName: '/aws/lambda/b', ...OURS },
      { logGroupName: '/aws/lambda/c', ...OURS },
    ]);
    expect(result).toMatchObject({ kind: 'custom_resource', status: 'SUCCESS' });
  });

  it('never subscribes the forwarder\'s own log group, named or derived from the destination ARN', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups(FORWARDER_LOG_GROUP, '/aws/lambda/log-forwarder-Forwarder-9Xy7LmN2pQ4r', '/aws/lambda/orders-api') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    const result = await makeHandler({ ...ENV, SUBSCRIBER_LOG_GROUP_PREFIXES: '*' })(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(DescribeLogGroupsCommand).map((c) => c.args[0].input)).toEqual([{}]);
    expect(cwl.commandCalls(PutSubscriptionFilterCommand).map((c) => c.args[0].input.logGroupName)).toEqual(['/aws/lambda/orders-api']);
    expect(result).toMatchObject({ report: { counts: { subscribed: 1, excluded: 2 } } });
  });

  it('lists by substring pattern as well as by prefix, and visits a group found by both once', async () => {
    cwl.on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/' }).resolves({ logGroups: groups('/aws/lambda/orders-api') });
    cwl.on(DescribeLogGroupsCommand, { logGroupNamePattern: 'orders' }).resolves({ logGroups: groups('/aws/lambda/orders-api', '/ecs/orders-worker') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    await makeHandler({ ...ENV, SUBSCRIBER_LOG_GROUP_PATTERNS: 'orders' })(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand).map((c) => c.args[0].input.logGroupName)).toEqual(['/aws/lambda/orders-api', '/ecs/orders-worker']);
  });

  it('reports a group whose two filters belong to others and leaves them alone', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/full', '/aws/lambda/free') });
    cwl.on(DescribeSubscriptionFiltersCommand, { logGroupName: '/aws/lambda/full' }).resolves({
      subscriptionFilters: [
        { filterName: 'to-elastic', logGroupName: '/aws/lambda/full', destinationArn: 'arn:aws:lambda:us-east-1:123456789012:function:elastic' },
        { filterName: 'to-firehose', logGroupName: '/aws/lambda/full', destinationArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/archive' },
      ],
    });
    cwl.on(DescribeSubscriptionFiltersCommand, { logGroupName: '/aws/lambda/free' }).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand).map((c) => c.args[0].input.logGroupName)).toEqual(['/aws/lambda/free']);
    expect(cwl.commandCalls(DeleteSubscriptionFilterCommand)).toHaveLength(0);
    expect(result).toMatchObject({ status: 'SUCCESS', report: { filterLimit: ['/aws/lambda/full'], counts: { filter_limit: 1, subscribed: 1 } } });
    expect(received[0]?.body['Data']).toMatchObject({ FilterLimit: '1', Subscribed: '1' });
    expect(received[0]?.body['Reason']).toContain('two filters already (not changed): /aws/lambda/full');
  });

  it('updates our own filter when it differs, even on a group that has two filters', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({
      subscriptionFilters: [
        { filterName: 'log-forwarder', logGroupName: '/aws/lambda/a', destinationArn: FORWARDER_ARN, filterPattern: 'ERROR' },
        { filterName: 'to-elastic', logGroupName: '/aws/lambda/a', destinationArn: 'arn:aws:lambda:us-east-1:123456789012:function:elastic' },
      ],
    });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: '/aws/lambda/a', ...OURS }]);
    expect(result).toMatchObject({ report: { counts: { updated: 1 } } });
  });

  it('does not call PutSubscriptionFilter when our filter is already as configured', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [{ logGroupName: '/aws/lambda/a', ...OURS }] });

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand)).toHaveLength(0);
    expect(result).toMatchObject({ report: { counts: { unchanged: 1 } } });
  });

  it('passes the role for a Kinesis destination', async () => {
    const streamArn = 'arn:aws:kinesis:us-east-1:123456789012:stream/log-forwarder-Stream-1A2B3C';
    const roleArn = 'arn:aws:iam::123456789012:role/log-forwarder-LogsToKinesis-1A2B3C';
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    await makeHandler({ ...ENV, SUBSCRIBER_DESTINATION_ARN: streamArn, SUBSCRIBER_ROLE_ARN: roleArn })(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand)[0]?.args[0].input).toEqual({ logGroupName: '/aws/lambda/a', filterName: 'log-forwarder', filterPattern: '', destinationArn: streamArn, roleArn });
  });

  it('answers FAILED when the log groups cannot be listed', async () => {
    cwl.on(DescribeLogGroupsCommand).rejects(new AccessDeniedException({ message: 'not authorized to perform: logs:DescribeLogGroups', $metadata: {} }));

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(result).toMatchObject({ status: 'FAILED' });
    expect(received[0]?.body['Status']).toBe('FAILED');
    expect(received[0]?.body['Reason']).toBe('Create of the log group subscriptions failed: AccessDeniedException: not authorized to perform: logs:DescribeLogGroups');
  });

  it('answers FAILED naming the variable when a setting is wrong', async () => {
    const result = await makeHandler({ SUBSCRIBER_LOG_GROUP_PREFIXES: '/aws/lambda/' })(loadEvent('subscriptions-create'));

    expect(result).toMatchObject({ status: 'FAILED' });
    expect(received[0]?.body['Reason']).toContain('SUBSCRIBER_DESTINATION_ARN: required');
    expect(cwl.calls()).toHaveLength(0);
  });

  it('stops before the Lambda deadline and says the work is incomplete', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a', '/aws/lambda/b', '/aws/lambda/c') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});
    let remaining = 60_000;
    const context = { getRemainingTimeInMillis: () => (remaining -= 25_000) };

    const result = await makeHandler()(loadEvent('subscriptions-create'), context);

    expect(cwl.commandCalls(PutSubscriptionFilterCommand)).toHaveLength(1);
    expect(received[0]?.body['Data']).toMatchObject({ Incomplete: 'true' });
    expect(result).toMatchObject({ status: 'SUCCESS', report: { incomplete: true } });
  });
});

describe('throttling', () => {
  it('backs off and retries a throttled listing', async () => {
    cwl.on(DescribeLogGroupsCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(DescribeLogGroupsCommand)).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
    expect(result).toMatchObject({ status: 'SUCCESS', report: { counts: { subscribed: 1 } } });
  });

  it('retries a LimitExceededException from PutSubscriptionFilter that is a rate limit', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [{ filterName: 'to-elastic', logGroupName: '/aws/lambda/a', destinationArn: 'arn:aws:lambda:us-east-1:123456789012:function:elastic' }] });
    cwl.on(PutSubscriptionFilterCommand).rejectsOnce(limitExceeded()).resolves({});

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand)).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
    expect(result).toMatchObject({ report: { counts: { subscribed: 1, filter_limit: 0 } } });
  });

  it('reports the filter limit when another filter appeared before our PutSubscriptionFilter', async () => {
    const elastic = { filterName: 'to-elastic', logGroupName: '/aws/lambda/a', destinationArn: 'arn:aws:lambda:us-east-1:123456789012:function:elastic' };
    const firehose = { filterName: 'to-firehose', logGroupName: '/aws/lambda/a', destinationArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/archive' };
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolvesOnce({ subscriptionFilters: [elastic] }).resolves({ subscriptionFilters: [elastic, firehose] });
    cwl.on(PutSubscriptionFilterCommand).rejects(limitExceeded());

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand)).toHaveLength(1);
    expect(result).toMatchObject({ report: { counts: { filter_limit: 1 }, filterLimit: ['/aws/lambda/a'] } });
  });

  it('reports a group still throttled after the last retry and goes on with the next', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a', '/aws/lambda/b') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand, { logGroupName: '/aws/lambda/a' }).rejects(throttled());
    cwl.on(PutSubscriptionFilterCommand, { logGroupName: '/aws/lambda/b' }).resolves({});

    const result = await makeHandler()(loadEvent('subscriptions-create'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand, { logGroupName: '/aws/lambda/a' })).toHaveLength(5);
    expect(sleeps).toHaveLength(4);
    expect(result).toMatchObject({
      status: 'SUCCESS',
      report: { counts: { failed: 1, subscribed: 1 }, failed: [{ logGroup: '/aws/lambda/a', error: 'ThrottlingException: Rate exceeded' }] },
    });
    expect(received[0]?.body['Data']).toMatchObject({ Failed: '1' });
  });
});

describe('custom resource Delete', () => {
  it('removes only the filters of our name', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a', '/aws/lambda/b') });
    cwl.on(DescribeSubscriptionFiltersCommand, { logGroupName: '/aws/lambda/a' }).resolves({ subscriptionFilters: [{ logGroupName: '/aws/lambda/a', ...OURS }] });
    cwl.on(DescribeSubscriptionFiltersCommand, { logGroupName: '/aws/lambda/b' }).resolves({ subscriptionFilters: [] });
    cwl.on(DeleteSubscriptionFilterCommand).resolves({});

    const result = await makeHandler()(loadEvent('subscriptions-delete'));

    expect(cwl.commandCalls(DescribeSubscriptionFiltersCommand).map((c) => c.args[0].input)).toEqual([
      { logGroupName: '/aws/lambda/a', filterNamePrefix: 'log-forwarder' },
      { logGroupName: '/aws/lambda/b', filterNamePrefix: 'log-forwarder' },
    ]);
    expect(cwl.commandCalls(DeleteSubscriptionFilterCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: '/aws/lambda/a', filterName: 'log-forwarder' }]);
    expect(result).toMatchObject({ status: 'SUCCESS', report: { counts: { removed: 1, absent: 1 } } });
  });

  it('leaves a filter whose name only starts with ours', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [{ ...OURS, logGroupName: '/aws/lambda/a', filterName: 'log-forwarder-staging' }] });

    await makeHandler()(loadEvent('subscriptions-delete'));

    expect(cwl.commandCalls(DeleteSubscriptionFilterCommand)).toHaveLength(0);
  });

  it('answers SUCCESS even when a setting is wrong, so the stack can always be deleted', async () => {
    const result = await makeHandler({})(loadEvent('subscriptions-delete'));

    expect(result).toMatchObject({ status: 'SUCCESS' });
    expect(received[0]?.body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'log-forwarder-subscriptions-LogGroupSubscriptions-3c5b2c2e-0b9e-4a3d-9d55-3f1d1c8b6a01' });
  });
});

describe('custom resource Update', () => {
  it('removes our filter from groups the new selection no longer names and keeps the rest', async () => {
    cwl.on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/' }).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/ecs/' }).resolves({ logGroups: groups('/ecs/worker') });
    cwl.on(DescribeSubscriptionFiltersCommand, { logGroupName: '/ecs/worker' }).resolves({ subscriptionFilters: [{ logGroupName: '/ecs/worker', ...OURS }] });
    cwl.on(DescribeSubscriptionFiltersCommand, { logGroupName: '/aws/lambda/a' }).resolves({ subscriptionFilters: [{ logGroupName: '/aws/lambda/a', ...OURS }] });
    cwl.on(DeleteSubscriptionFilterCommand).resolves({});

    const result = await makeHandler()(loadEvent('subscriptions-update'));

    expect(cwl.commandCalls(DeleteSubscriptionFilterCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: '/ecs/worker', filterName: 'log-forwarder' }]);
    expect(cwl.commandCalls(PutSubscriptionFilterCommand)).toHaveLength(0);
    expect(result).toMatchObject({ status: 'SUCCESS', report: { counts: { removed: 1, unchanged: 1 } } });
  });

  it('keeps the physical resource id, so CloudFormation never deletes the subscriptions after an update', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });

    await makeHandler()(loadEvent('subscriptions-update'));

    expect(received[0]?.body['PhysicalResourceId']).toBe('log-forwarder-subscriptions-LogGroupSubscriptions-3c5b2c2e-0b9e-4a3d-9d55-3f1d1c8b6a01');
  });
});

describe('custom resource response', () => {
  it('PUTs the exact response document to the ResponseURL without a Content-Type', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: groups('/aws/lambda/a') });
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    await makeHandler()(loadEvent('subscriptions-create'));

    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('PUT');
    expect(received[0]?.headers['content-type']).toBeUndefined();
    expect(received[0]?.body).toEqual({
      Status: 'SUCCESS',
      Reason: 'subscribed 1, updated 0, unchanged 0, removed 0, excluded 0, filter limit 0, failed 0',
      PhysicalResourceId: 'log-forwarder-subscriptions-LogGroupSubscriptions-3c5b2c2e-0b9e-4a3d-9d55-3f1d1c8b6a01',
      StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/log-forwarder/5b918d10-cd98-11ea-90d5-0a9cd3354c10',
      RequestId: '3c5b2c2e-0b9e-4a3d-9d55-3f1d1c8b6a01',
      LogicalResourceId: 'LogGroupSubscriptions',
      NoEcho: false,
      Data: {
        Summary: 'subscribed 1, updated 0, unchanged 0, removed 0, excluded 0, filter limit 0, failed 0',
        Subscribed: '1',
        Removed: '0',
        FilterLimit: '0',
        Failed: '0',
        Incomplete: 'false',
      },
    });
  });

  it('tries the ResponseURL again after an error answer', async () => {
    cwl.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    failNext = 1;

    await makeHandler()(loadEvent('subscriptions-delete'));

    expect(received).toHaveLength(1);
    expect(sleeps).toEqual([500]);
  });
});

describe('EventBridge CreateLogGroup', () => {
  it('subscribes a new group that the selection names', async () => {
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).resolves({});

    const result = await makeHandler()(createLogGroupEvent('/aws/lambda/orders-api'));

    expect(cwl.commandCalls(PutSubscriptionFilterCommand).map((c) => c.args[0].input)).toEqual([{ logGroupName: '/aws/lambda/orders-api', ...OURS }]);
    expect(result).toEqual({ kind: 'log_group_created', logGroup: '/aws/lambda/orders-api', outcome: 'subscribed' });
  });

  it('makes no call for a group the selection does not name', async () => {
    const result = await makeHandler()(createLogGroupEvent('/ecs/worker'));

    expect(cwl.calls()).toHaveLength(0);
    expect(result).toEqual({ kind: 'log_group_created', logGroup: '/ecs/worker', outcome: 'not_selected' });
  });

  it('never subscribes the forwarder\'s own log group', async () => {
    const result = await makeHandler()(createLogGroupEvent('/aws/lambda/log-forwarder-Forwarder-9Xy7LmN2pQ4r'));

    expect(cwl.calls()).toHaveLength(0);
    expect(result).toEqual({ kind: 'log_group_created', logGroup: '/aws/lambda/log-forwarder-Forwarder-9Xy7LmN2pQ4r', outcome: 'excluded' });
  });

  it('throws when the group cannot be subscribed, so that Lambda retries the event', async () => {
    cwl.on(DescribeSubscriptionFiltersCommand).resolves({ subscriptionFilters: [] });
    cwl.on(PutSubscriptionFilterCommand).rejects(new AccessDeniedException({ message: 'not authorized to perform: logs:PutSubscriptionFilter', $metadata: {} }));

    await expect(makeHandler()(createLogGroupEvent('/aws/lambda/orders-api'))).rejects.toThrow(
      'subscribing /aws/lambda/orders-api failed: AccessDeniedException: not authorized to perform: logs:PutSubscriptionFilter',
    );
  });

  it('ignores a CreateLogGroup call that failed', async () => {
    const event = createLogGroupEvent('/aws/lambda/orders-api') as { detail: Record<string, unknown> };
    event.detail['errorCode'] = 'ResourceAlreadyExistsException';

    const result = await makeHandler()(event);

    expect(cwl.calls()).toHaveLength(0);
    expect(result).toEqual({ kind: 'ignored', reason: 'CreateLogGroup failed (ResourceAlreadyExistsException)' });
  });
});

describe('other events', () => {
  it('ignores an event it does not know and says so in its log', async () => {
    const result = await makeHandler()({ awslogs: { data: 'H4sIAAAAAAAAA6tWKkktLlGyUlAqS8wpTgUAh2VfWhEAAAA=' } });

    expect(result).toEqual({ kind: 'ignored', reason: 'unknown event' });
    expect(logs).toEqual(['{"level":"warn","msg":"ignored event: neither a CloudFormation request nor a CreateLogGroup call"}']);
  });
});
