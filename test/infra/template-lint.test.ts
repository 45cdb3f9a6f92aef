/**
 * template.yaml and the synthesized construct, linted with the CloudFormation validator bundled
 * in aws-cdk-lib, and checked against each other and the settings catalogue so that the three
 * cannot drift. A few template expressions that CloudFormation has no function for (one ARN per
 * listed bucket, a filter pattern escaped into JSON) are evaluated for given parameters.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, SecretValue } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../forwarder/config/settings.js';
import { DEPLOYMENT_PARAMETERS, type LogForwarderProps, SETTING_PROPS, UNEXPOSED_SETTINGS } from '../../infra/index.js';
import { type CfnTemplate, type EvalContext, type Json, type Linter, condition, createLinter, evaluate, loadTemplate } from './cfn-template.js';
import { removeScratch, synth } from './synth.js';

const T = { timeout: 30_000 };
const TEMPLATE_PATH = new URL('../../template.yaml', import.meta.url).pathname;
const template: CfnTemplate = loadTemplate(TEMPLATE_PATH);
const CATALOGUE = new Set(SETTINGS.map((s) => s.name));

const pascal = (env: string) => env.toLowerCase().replace(/(^|_)([a-z0-9])/g, (_m, _s: string, c: string) => c.toUpperCase());
const camel = (env: string) => pascal(env).replace(/^./, (c) => c.toLowerCase());

/** Every prop set, so that every setting's variable appears. */
const ALL_PROPS: LogForwarderProps = {
  destinations: ['datadog', 'otlp'],
  forwarderName: 'log-forwarder',
  forwarderMetrics: true,
  forwarderLogLevel: 'debug',
  ddApiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:datadog-api-key-AbCdEf',
  ddApiKeySsmName: '/observability/datadog-api-key',
  ddSite: 'datadoghq.eu',
  ddUrl: 'https://intake.example.com',
  otelExporterOtlpEndpoint: 'https://otlp.example.com',
  otelExporterOtlpLogsEndpoint: 'https://otlp.example.com/v1/logs',
  otelExporterOtlpMetricsEndpoint: 'https://otlp.example.com/v1/metrics',
  otelExporterOtlpTracesEndpoint: 'https://otlp.example.com/v1/traces',
  otelExporterOtlpHeaders: SecretValue.unsafePlainText('x-api-key=fake-test-value'),
  otelExporterOtlpHeadersSsmName: '/observability/otlp-headers',
  otelExporterOtlpProtocol: 'http/json',
  otelExporterOtlpCompression: 'none',
  otelExporterOtlpTimeout: 5000,
  sendConcurrency: 8,
  requestTimeoutMs: 5000,
  maxRetries: 3,
  retryBaseDelayMs: 100,
  compressionLevel: 6,
  deadlineMarginMs: 3000,
  failurePrefix: 'stored/',
  failureRetentionDays: 30,
  ddTags: ['env:test'],
  ddSource: 'lambda',
  ddService: 'orders',
  enhancedMetrics: true,
  defaultArchitecture: 'arm64',
  lookupArchitecture: true,
  architectureCacheTtlSeconds: 600,
  lambdaPrices: { request: 0.0000002 },
  s3MaxDecompressedBytes: 1_000_000,
  s3Format: 'alb',
  multilineStartPattern: '^\\d{4}-',
  scrubDefaultRules: true,
  scrubOptionalRules: ['email'],
  scrubCustomRules: [{ name: 'order', pattern: 'ord-\\d+', hash: true }],
  includePattern: 'ERROR',
  excludePattern: 'healthcheck',
  dropSources: ['cloudtrail'],
  dropLogGroups: ['/aws/lambda/noisy*'],
  logGroupPrefixes: ['/aws/lambda/'],
  accountPolicy: true,
  kinesis: { shardCount: 2, batchSize: 200, maxBatchingWindow: Duration.seconds(2), parallelizationFactor: 2 },
};

let synthesized: CfnTemplate;
let linter: Linter;
let lintDir = '';
const findings: Record<'template' | 'plain' | 'construct', string[]> = { template: [], plain: [], construct: [] };

/** template.yaml with its SAM functions as AWS::Lambda::Function, which the validator checks fully. */
function plainFunctions(t: CfnTemplate): CfnTemplate {
  const plain = structuredClone(t);
  for (const r of Object.values(plain.Resources)) {
    if (r.Type !== 'AWS::Serverless::Function' || r.Properties === undefined) continue;
    const { CodeUri, ...rest } = r.Properties;
    r.Type = 'AWS::Lambda::Function';
    r.Properties = { ...rest, Code: CodeUri ?? null };
  }
  delete plain.Transform;
  return plain;
}

// Synthesis and the validator's engine each take seconds the first time: done once, up front.
beforeAll(() => {
  const { template: t } = synth(ALL_PROPS, (stack, f) => {
    f.subscribe(new logs.LogGroup(stack, 'Orders'));
    f.addS3Source(new s3.Bucket(stack, 'AlbLogs') as s3.IBucket, { prefix: 'AWSLogs/' });
  });
  synthesized = t.toJSON() as CfnTemplate;
  lintDir = mkdtempSync(join(tmpdir(), 'log-forwarder-lint-'));
  const synthesizedPath = join(lintDir, 'construct.template.json');
  writeFileSync(synthesizedPath, JSON.stringify(synthesized));
  linter = createLinter();
  findings.template = linter.lint({ path: TEMPLATE_PATH });
  findings.plain = linter.lint({ json: plainFunctions(template), name: 'template.plain.json' });
  findings.construct = linter.lint({ path: synthesizedPath });
}, 120_000);
afterAll(() => {
  linter?.free();
  if (lintDir !== '') rmSync(lintDir, { recursive: true, force: true });
  removeScratch();
});

function forwarderEnvKeys(t: CfnTemplate, handler: string): string[] {
  const fn = Object.values(t.Resources).find((r) => /^AWS::(Serverless|Lambda)::Function$/.test(r.Type) && r.Properties?.['Handler'] === handler);
  const env = (fn?.Properties?.['Environment'] as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
  return Object.keys(env).sort();
}

describe('linting', () => {
  it('finds no error in template.yaml', () => {
    expect(findings.template).toEqual([]);
  });

  it('finds no error in the functions of template.yaml read as AWS::Lambda::Function', () => {
    // The validator checks SAM resources loosely: under the plain type the same properties are
    // checked against the Lambda schema (a misspelt or out-of-range property fails here).
    expect(findings.plain).toEqual([]);
  });

  it('finds no error in the synthesized construct with every option on', () => {
    expect(findings.construct).toEqual([]);
  });

  it('reports an error that is there (the linter is not silent)', T, () => {
    const broken = plainFunctions(template);
    const fn = broken.Resources['ForwarderFunction'];
    if (fn?.Properties !== undefined) fn.Properties['MemorySize'] = 99999;
    expect(linter.lint({ json: broken, name: 'broken.json' })).toEqual([expect.stringContaining('ForwarderFunction: 99999 is greater than the maximum of')]);
  });
});

describe('template.yaml, the construct and the catalogue agree', () => {
  const exposed = Object.values(SETTING_PROPS) as string[];

  it('names only catalogue settings, each prop after its variable', () => {
    expect(exposed.filter((n) => !CATALOGUE.has(n))).toEqual([]);
    expect(Object.entries(SETTING_PROPS).filter(([prop, env]) => prop !== camel(env))).toEqual([]);
  });

  it('exposes every catalogue setting, except aliases it names', () => {
    const unexposed = Object.keys(UNEXPOSED_SETTINGS);
    expect(unexposed.filter((n) => !CATALOGUE.has(n))).toEqual([]);
    expect([...CATALOGUE].filter((n) => !exposed.includes(n) && !unexposed.includes(n))).toEqual([]);
  });

  it('has one template parameter per exposed setting and per deployment option, and no other', () => {
    const expected = [...exposed.map(pascal), ...Object.keys(DEPLOYMENT_PARAMETERS)].sort();
    expect(Object.keys(template.Parameters).sort()).toEqual(expected);
  });

  it('sets the same environment variables in both, all from the catalogue', T, () => {
    const fromTemplate = forwarderEnvKeys(template, 'handler.handler');
    expect(forwarderEnvKeys(synthesized, 'handler.handler')).toEqual(fromTemplate);
    expect(fromTemplate.filter((n) => !CATALOGUE.has(n))).toEqual([]);
  });

  it('never puts a secret value in the environment: plain keys go to a secret of the stack', () => {
    const env = forwarderEnvKeys(template, 'handler.handler');
    expect(env).not.toContain('DD_API_KEY');
    expect(env).not.toContain('OTEL_EXPORTER_OTLP_HEADERS');
    expect(template.Resources['ApiKeySecret']?.Properties?.['SecretString']).toEqual({ Ref: 'DdApiKey' });
    expect(template.Resources['OtlpHeadersSecret']?.Properties?.['SecretString']).toEqual({ Ref: 'OtelExporterOtlpHeaders' });
  });

  it('marks NoEcho exactly the parameters of secret settings', () => {
    const secret = SETTINGS.filter((s) => s.secret === true && exposed.includes(s.name)).map((s) => pascal(s.name));
    const noEcho = Object.entries(template.Parameters).filter(([, p]) => p.NoEcho === true).map(([name]) => name);
    expect(noEcho.sort()).toEqual(secret.sort());
  });

  it('defaults each parameter to the catalogue default, where the catalogue has a literal one', () => {
    const differing = SETTINGS.filter((s) => exposed.includes(s.name) && s.default !== undefined && /^[\w./-]+$/.test(s.default))
      .filter((s) => String(template.Parameters[pascal(s.name)]?.Default) !== s.default)
      .map((s) => `${s.name}: template ${String(template.Parameters[pascal(s.name)]?.Default)}, catalogue ${s.default}`);
    expect(differing).toEqual([]);
  });

  it('uses the same handlers, nodejs24.x by default with nodejs22.x allowed, arm64 by default', () => {
    expect(forwarderEnvKeys(template, 'subscriber.handler')).toEqual(forwarderEnvKeys(synthesized, 'subscriber.handler'));
    expect(template.Parameters['Runtime']).toMatchObject({ Default: 'nodejs24.x', AllowedValues: ['nodejs24.x', 'nodejs22.x'] });
    expect(template.Parameters['Architecture']).toMatchObject({ Default: 'arm64' });
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Serverless::Function');
    expect(functions.map((f) => [f.Properties?.['Handler'], f.Properties?.['CodeUri']])).toEqual([
      ['handler.handler', '.artifacts/forwarder.zip'],
      ['subscriber.handler', '.artifacts/forwarder.zip'],
    ]);
  });

  it('carries the Serverless Application Repository metadata and exports the forwarder', () => {
    expect(template.Metadata?.['AWS::ServerlessRepo::Application']).toMatchObject({ Name: 'log-forwarder', SpdxLicenseId: 'Apache-2.0' });
    expect(template.Outputs['ForwarderArn']).toMatchObject({ Value: { 'Fn::GetAtt': ['ForwarderFunction', 'Arn'] }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-ForwarderArn' } } });
    expect(template.Outputs['ForwarderName']).toMatchObject({ Value: { Ref: 'ForwarderFunction' }, Export: { Name: { 'Fn::Sub': '${AWS::StackName}-ForwarderName' } } });
  });
});

describe('template.yaml expressions', () => {
  const ctx = (parameters: EvalContext['parameters'], partition = 'aws'): EvalContext => ({ template, parameters, partition });
  const forwarderStatements = (c: EvalContext) => {
    const doc = (template.Resources['ForwarderRole']?.Properties?.['Policies'] as { PolicyDocument: Json }[])[0]?.PolicyDocument ?? null;
    return (evaluate(doc, c) as { Statement: { Sid: string; Resource: Json; Action: Json }[] }).Statement;
  };

  it('grants s3:GetObject on the objects of each listed source bucket, in the stack\'s partition', () => {
    const read = (partition: string) => forwarderStatements(ctx({ SourceBuckets: ['alb-logs', 'cloudtrail.logs'] }, partition)).find((s) => s.Sid === 'ReadSourceObjects')?.Resource;

    expect(read('aws')).toEqual(['arn:aws:s3:::alb-logs/*', 'arn:aws:s3:::cloudtrail.logs/*']);
    expect(read('aws-cn')).toEqual(['arn:aws-cn:s3:::alb-logs/*', 'arn:aws-cn:s3:::cloudtrail.logs/*']);
    expect(read('aws-us-gov')).toEqual(['arn:aws-us-gov:s3:::alb-logs/*', 'arn:aws-us-gov:s3:::cloudtrail.logs/*']);
  });

  it('grants nothing on S3 sources, secrets or Kinesis when none is named', () => {
    const sids = forwarderStatements(ctx({})).map((s) => s.Sid);

    expect(sids).toEqual(['OwnLogs', 'FailureStoreObjects', 'FailureStoreList', 'LookUpArchitecture']);
  });

  it('scopes the failure store to its prefix and reads only the named secret', () => {
    const statements = forwarderStatements(ctx({ DdApiKeySecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-AbCdEf', FailurePrefix: 'stored/' }));

    expect(statements.find((s) => s.Sid === 'ReadApiKeySecret')?.Resource).toBe('arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-AbCdEf');
    expect(statements.find((s) => s.Sid === 'FailureStoreObjects')?.Resource).toBe('arn:aws:s3:::<FailureStoreBucket>/stored/*');
  });

  it('writes a filter pattern with quotes and backslashes into the account policy as valid JSON', () => {
    const pattern = '{ $.message = "a\\b" }';
    const doc = evaluate(template.Resources['AccountPolicyToFunction']?.Properties?.['PolicyDocument'] ?? null, ctx({ SubscriptionFilterPattern: pattern }));

    expect(JSON.parse(doc as string)).toEqual({ DestinationArn: '<ForwarderFunction.Arn>', FilterPattern: pattern, Distribution: 'Random' });
  });

  it('excludes the forwarder\'s own log group from the account policy', () => {
    const criteria = evaluate(template.Resources['AccountPolicyToFunction']?.Properties?.['SelectionCriteria'] ?? null, ctx({}));

    expect(criteria).toBe('LogGroupName NOT IN ["<ForwarderLogGroup>"]');
    expect(template.Resources['SubscriberFunction']?.Properties?.['Environment']).toMatchObject({ Variables: { SUBSCRIBER_EXCLUDED_LOG_GROUPS: { Ref: 'ForwarderLogGroup' } } });
  });

  it('creates the failure bucket and the replay schedule by default, and the subscriber only with a selection', () => {
    expect(condition(ctx({}), 'CreateFailureBucket')).toBe(true);
    expect(condition(ctx({}), 'HasReplay')).toBe(true);
    expect(condition(ctx({}), 'HasSelection')).toBe(false);
    expect(condition(ctx({ LogGroupPrefixes: '/aws/lambda/' }), 'HasSelection')).toBe(true);
    expect(condition(ctx({ CreateFailureBucket: 'false' }), 'HasReplay')).toBe(false);
  });
});
