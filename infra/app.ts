/**
 * Example app: a forwarder to Datadog that subscribes every Lambda log group of the account and
 * reads ALB access logs from a bucket. `npx cdk synth` (cdk.json runs this with tsx) after
 * `npm run build`; the API key comes from an existing Secrets Manager secret named by context:
 *
 *   npx cdk deploy -c ddApiKeySecretArn=arn:aws:secretsmanager:...:secret:datadog-api-key-AbCdEf
 */
import { App, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { LogForwarder } from './index.js';

const app = new App();
const account = process.env['CDK_DEFAULT_ACCOUNT'];
const region = process.env['CDK_DEFAULT_REGION'];
const stack = new Stack(app, 'LogForwarderExample', { env: { ...(account && { account }), ...(region && { region }) } });

const secretArn: unknown = app.node.tryGetContext('ddApiKeySecretArn');
const forwarder = new LogForwarder(stack, 'LogForwarder', {
  ...(typeof secretArn === 'string' && { ddApiKeySecretArn: secretArn }),
  ddSite: 'datadoghq.com',
  ddTags: ['env:example', 'team:platform'],
  logGroupPrefixes: ['/aws/lambda/'],
  scrubOptionalRules: ['email'],
});

// One more log group, and the access logs of a load balancer.
const apiLogs = new logs.LogGroup(stack, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_WEEK });
forwarder.subscribe(apiLogs, { filterPattern: '' });
// The cast: CDK's classes are not declared for exactOptionalPropertyTypes.
const albLogs = new s3.Bucket(stack, 'AlbLogs', { enforceSSL: true, blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL }) as s3.IBucket;
forwarder.addS3Source(albLogs, { prefix: 'AWSLogs/' });

app.synth();
