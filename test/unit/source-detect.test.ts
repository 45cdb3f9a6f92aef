/**
 * parsers/source-detect.ts (source and function name from a log group name, the names AWS
 * services give the groups they create) and forwarder/sources/detect.ts (which kind of event
 * the handler got).
 */
import { describe, expect, it } from 'vitest';
import { functionNameFromLogGroup, sourceFromLogGroup } from '../../parsers/source-detect.js';
import { detectEvent } from '../../forwarder/sources/detect.js';
import { awslogsEvent, kinesisEvent, loadPayload } from '../helpers/events.js';

describe('sourceFromLogGroup', () => {
  const table: Array<[group: string, source: string]> = [
    ['/aws/lambda/orders-api', 'lambda'],
    ['API-Gateway-Execution-Logs_a1b2c3d4e5/prod', 'apigateway'],
    ['/aws/apigateway/welcome', 'apigateway'],
    ['/aws/rds/instance/orders-db/postgresql', 'rds'],
    ['/aws/rds/cluster/aurora-prod/audit', 'rds'],
    ['/aws/docdb/catalog/audit', 'docdb'],
    ['/ecs/orders-service', 'ecs'],
    ['/aws/ecs/containerinsights/prod-cluster/performance', 'ecs'],
    ['/aws/eks/prod-cluster/cluster', 'eks'],
    ['/aws/codebuild/orders-build', 'codebuild'],
    ['/aws/vendedlogs/states/OrdersStateMachine-Logs', 'stepfunction'],
    ['/aws/kinesisfirehose/orders-stream', 'firehose'],
    ['/aws/batch/job', 'batch'],
    ['/aws/appsync/apis/abcdefghijklmnopqrstuvwxyz', 'appsync'],
    ['/aws/route53/example.com', 'route53'],
    ['/aws/sagemaker/TrainingJobs', 'sagemaker'],
    ['/aws/elasticbeanstalk/orders-env/var/log/web.stdout.log', 'elasticbeanstalk'],
    ['/aws-glue/jobs/output', 'glue'],
    ['/aws/msk/orders-cluster', 'kafka'],
    ['/aws/bedrock/modelinvocations', 'bedrock'],
    ['aws-waf-logs-prod', 'waf'],
    ['aws-cloudtrail-logs-123456789012-3f1a2b3c', 'cloudtrail'],
    ['CloudTrail/DefaultLogGroup', 'cloudtrail'],
    ['org-cloudtrail-events', 'cloudtrail'],
    ['/aws/vpc/flowlogs', 'vpc'],
    ['vpc-flow-logs-prod', 'vpc'],
    ['VPCFlowLogs', 'vpc'],
    ['/aws/lambda-insights', 'cloudwatch'],
    ['/custom/app', 'cloudwatch'],
    ['', 'cloudwatch'],
  ];
  it.each(table)('%j → %s', (group, source) => {
    expect(sourceFromLogGroup(group)).toBe(source);
  });
});

describe('functionNameFromLogGroup', () => {
  it('takes the name after /aws/lambda/', () => {
    expect(functionNameFromLogGroup('/aws/lambda/orders-api')).toBe('orders-api');
  });

  it('keeps a Lambda@Edge region prefix as part of the name', () => {
    expect(functionNameFromLogGroup('/aws/lambda/us-east-1.edge-auth')).toBe('us-east-1.edge-auth');
  });

  it('is undefined for /aws/lambda/ without a name', () => {
    expect(functionNameFromLogGroup('/aws/lambda/')).toBeUndefined();
  });

  it('is undefined for other groups', () => {
    expect(functionNameFromLogGroup('/aws/lambda-insights')).toBeUndefined();
  });
});

describe('detectEvent', () => {
  it('a subscription event is cloudwatch', () => {
    expect(detectEvent(awslogsEvent(loadPayload('lambda-node')))).toBe('cloudwatch');
  });

  it('a Kinesis event is kinesis', () => {
    expect(detectEvent(kinesisEvent([loadPayload('lambda-node')]))).toBe('kinesis');
  });

  it('a replay event is replay', () => {
    expect(detectEvent({ replay: true })).toBe('replay');
  });

  it('an S3 event is s3 when the S3 check says so', () => {
    expect(detectEvent({ Records: [{ s3: {} }] }, () => true)).toBe('s3');
  });

  it.each([null, undefined, 42, 'text', [], {}, { awslogs: {} }, { awslogs: { data: 42 } }, { Records: [] }, { Records: [null] }])(
    '%j is unknown',
    (event) => {
      expect(detectEvent(event)).toBe('unknown');
    },
  );
});
