/**
 * The source of a CloudWatch log group, from its name: the naming conventions AWS services use
 * for the groups they create (each service's logging documentation). Checked in order; the
 * first match wins. Anything else is `cloudwatch`.
 */
const RULES: ReadonlyArray<readonly [test: (group: string) => boolean, source: string]> = [
  [(g) => g.startsWith('/aws/lambda/'), 'lambda'],
  [(g) => g.startsWith('API-Gateway-Execution-Logs_') || g.startsWith('/aws/apigateway/') || g.startsWith('/aws/api-gateway/'), 'apigateway'],
  [(g) => g.startsWith('/aws/rds/'), 'rds'],
  [(g) => g.startsWith('/aws/docdb/'), 'docdb'],
  [(g) => g.startsWith('/ecs/') || g.startsWith('/aws/ecs/'), 'ecs'],
  [(g) => g.startsWith('/aws/eks/') || g.startsWith('/aws/containerinsights/'), 'eks'],
  [(g) => g.startsWith('/aws/codebuild/'), 'codebuild'],
  [(g) => g.startsWith('/aws/vendedlogs/states/') || g.startsWith('/aws/states/'), 'stepfunction'],
  [(g) => g.startsWith('/aws/kinesisfirehose/'), 'firehose'],
  [(g) => g.startsWith('/aws/batch/'), 'batch'],
  [(g) => g.startsWith('/aws/appsync/'), 'appsync'],
  [(g) => g.startsWith('/aws/route53/'), 'route53'],
  [(g) => g.startsWith('/aws/sagemaker/'), 'sagemaker'],
  [(g) => g.startsWith('/aws/elasticbeanstalk/'), 'elasticbeanstalk'],
  [(g) => g.startsWith('/aws-glue/') || g.startsWith('/aws/glue/'), 'glue'],
  [(g) => g.startsWith('/aws/msk/') || g.startsWith('/aws/kafka/'), 'kafka'],
  [(g) => g.startsWith('/aws/bedrock/'), 'bedrock'],
  [(g) => g.startsWith('aws-waf-logs-'), 'waf'],
  // User-named groups (CloudTrail, VPC flow logs): match the words in any case (VPCFlowLogs, vpc-flow-logs).
  [(g) => g.startsWith('aws-cloudtrail-logs') || g.toLowerCase().includes('cloudtrail'), 'cloudtrail'],
  [(g) => g.startsWith('/aws/vpc/') || /flow-?logs|vpc-flow/i.test(g), 'vpc'],
];

export function sourceFromLogGroup(logGroup: string): string {
  for (const [test, source] of RULES) if (test(logGroup)) return source;
  return 'cloudwatch';
}

/**
 * What a log group tells about its lines: the source (a configured override wins) and, for
 * Lambda groups, the function name. Shared by every path that meets a log group.
 */
export function logGroupFields(logGroup: string, sourceOverride?: string): { source: string; functionName?: string } {
  const functionName = functionNameFromLogGroup(logGroup);
  const source = sourceOverride ?? sourceFromLogGroup(logGroup);
  return functionName === undefined ? { source } : { source, functionName };
}

/** `/aws/lambda/<name>` → `<name>`. */
export function functionNameFromLogGroup(logGroup: string): string | undefined {
  if (!logGroup.startsWith('/aws/lambda/')) return undefined;
  const name = logGroup.slice('/aws/lambda/'.length);
  return name === '' ? undefined : name;
}
