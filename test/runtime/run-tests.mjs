/**
 * The real-runtime tier: the deployable code runs under the AWS Lambda Runtime Interface Client
 * (aws-lambda-ric, installed in ./ric) behind a local Runtime API (./runtime-api.mjs), so that
 * packaging mistakes (wrong handler path, a module that does not load as ESM, a missing file in
 * the zip) fail here and not in AWS.
 *
 * The code is taken from .artifacts/forwarder.zip (what `npm run package` produces), unzipped
 * as Lambda would, and run with the handler names template.yaml declares. The forwarder sends
 * to a local intake (DD_URL); the subscriber talks to a local CloudWatch Logs endpoint and a
 * local ResponseURL; every other AWS call is answered with an error by a local endpoint.
 *
 * Usage: node test/runtime/run-tests.mjs [--code-dir DIR]   (DIR instead of the zip)
 * Prints one line per check, then `N passed, N failed`; exits 1 when something failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startCloudWatchLogs, startDenyAll, startIntake, startResponseReceiver, unzip } from './fakes.mjs';
import { startRuntimeApi } from './runtime-api.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const RIC = join(HERE, 'ric', 'node_modules', 'aws-lambda-ric', 'bin', 'index.mjs');
const FORWARDER_LOG_GROUP = '/log-forwarder/runtime-test/forwarder';
const FORWARDER_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:runtime-test-Forwarder';

// ---- inputs -------------------------------------------------------------------------------
const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));
const message = readJson(join(HERE, 'events', 'cloudwatch-logs-message.json'));
const awslogsData = gzipSync(Buffer.from(JSON.stringify(message))).toString('base64');
const cloudWatchEvent = { awslogs: { data: awslogsData } };
const kinesisEvent = readJson(join(HERE, 'events', 'kinesis-event.json'));
for (const r of kinesisEvent.Records) r.kinesis.data = awslogsData;

/** Handler of a function in template.yaml (the deployed name, checked here against the zip). */
function handlerOf(template, logicalId) {
  const start = template.indexOf(`\n  ${logicalId}:\n`);
  const m = start < 0 ? null : /\n {6}Handler: (\S+)/.exec(template.slice(start));
  if (m === null) throw new Error(`template.yaml: no Handler for ${logicalId}`);
  return m[1];
}

function codeDir() {
  const i = process.argv.indexOf('--code-dir');
  if (i > 0 && process.argv[i + 1] !== undefined) return resolve(process.argv[i + 1]);
  const zipPath = join(ROOT, '.artifacts', 'forwarder.zip');
  if (!existsSync(zipPath)) throw new Error(`${zipPath} missing: run npm run package first`);
  const dir = mkdtempSync(join(tmpdir(), 'log-forwarder-task-'));
  for (const e of unzip(readFileSync(zipPath))) {
    if (e.name.endsWith('/')) continue;
    mkdirSync(dirname(join(dir, e.name)), { recursive: true });
    writeFileSync(join(dir, e.name), e.data, { mode: e.mode & 0o777 || 0o644 });
  }
  return dir;
}

// ---- a function under the RIC ---------------------------------------------------------------
async function startFunction(name, taskRoot, handler, extraEnv) {
  const api = await startRuntimeApi({ functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}` });
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    AWS_LAMBDA_RUNTIME_API: api.address,
    LAMBDA_TASK_ROOT: taskRoot,
    _HANDLER: handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${process.versions.node.split('.')[0]}.x`,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    AWS_LAMBDA_LOG_STREAM_NAME: '2024/01/01/[$LATEST]00000000000000000000000000000000',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    // Obviously fake credentials: every AWS endpoint below is a local server.
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key-for-the-runtime-test',
    AWS_SESSION_TOKEN: 'fake-session-token',
    ...extraEnv,
  };
  const child = spawn(process.execPath, [RIC, handler], { cwd: taskRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let exited;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  return {
    api,
    invoke: (event) => api.invoke(event),
    exited: () => exited,
    output: () => output,
    async stop() {
      if (exited === undefined) child.kill('SIGTERM');
      await api.close();
    },
  };
}

// ---- checks -------------------------------------------------------------------------------
const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message);
}
function answered(r, fn) {
  assert(r.kind === 'response', `expected a response, got ${r.kind}: ${r.body.slice(0, 500)}\n--- function output ---\n${fn.output().slice(-3000)}`);
  return r.body === '' ? undefined : JSON.parse(r.body);
}

async function main() {
  const template = readFileSync(join(ROOT, 'template.yaml'), 'utf8');
  const taskRoot = codeDir();
  const intake = await startIntake();
  const deny = await startDenyAll();
  const cwl = await startCloudWatchLogs(['/aws/lambda/orders-api', FORWARDER_LOG_GROUP]);
  const receiver = await startResponseReceiver();
  const functions = [];
  try {
    const forwarder = await startFunction('runtime-test-Forwarder', taskRoot, handlerOf(template, 'ForwarderFunction'), {
      AWS_LAMBDA_LOG_GROUP_NAME: FORWARDER_LOG_GROUP,
      AWS_ENDPOINT_URL: deny.url,
      DESTINATIONS: 'datadog',
      DD_API_KEY: 'fake-datadog-api-key-runtime-test',
      DD_URL: intake.url,
      LOOKUP_ARCHITECTURE: 'false',
    });
    functions.push(forwarder);

    await check('the forwarder loads under the Runtime Interface Client and answers a CloudWatch Logs event', async () => {
      answered(await forwarder.invoke(cloudWatchEvent), forwarder);
      assert(forwarder.api.initErrors.length === 0, `init error: ${forwarder.api.initErrors[0]?.body}`);
    });
    await check('the log lines of that event reach the intake', async () => {
      const texts = intake.requests.map((r) => r.text).join('\n');
      assert(texts.includes('processing order 42'), `no request carried "processing order 42"; requests: ${intake.requests.map((r) => `${r.method} ${r.url}`).join(', ') || 'none'}`);
    });
    await check('a Kinesis batch carrying CloudWatch Logs is answered with no batchItemFailures', async () => {
      const body = answered(await forwarder.invoke(kinesisEvent), forwarder);
      assert(Array.isArray(body?.batchItemFailures) && body.batchItemFailures.length === 0, `expected {"batchItemFailures": []}, got ${JSON.stringify(body)}`);
    });
    await check('an event of unknown shape leaves the runtime serving the next event', async () => {
      const r = await forwarder.invoke({ hello: 'world' });
      assert(r.kind === 'response' || r.kind === 'error', `unexpected ${r.kind}`);
      assert(forwarder.exited() === undefined, `the runtime process exited: ${JSON.stringify(forwarder.exited())}`);
      answered(await forwarder.invoke(cloudWatchEvent), forwarder);
    });
    await check('the forwarder made no call to any other AWS endpoint', async () => {
      assert(deny.calls.length === 0, `calls: ${deny.calls.join('; ')}`);
    });

    const subscriber = await startFunction('runtime-test-Subscriber', taskRoot, handlerOf(template, 'SubscriberFunction'), {
      AWS_LAMBDA_LOG_GROUP_NAME: '/log-forwarder/runtime-test/subscriber',
      AWS_ENDPOINT_URL: deny.url,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: cwl.url,
      SUBSCRIBER_DESTINATION_ARN: FORWARDER_ARN,
      SUBSCRIBER_FILTER_NAME: 'runtime-test-log-forwarder',
      SUBSCRIBER_LOG_GROUP_PREFIXES: '/',
      SUBSCRIBER_EXCLUDED_LOG_GROUPS: FORWARDER_LOG_GROUP,
    });
    functions.push(subscriber);

    await check('the subscriber answers a CloudFormation Create at the ResponseURL', async () => {
      const event = readJson(join(ROOT, 'test', 'events', 'cloudformation', 'subscriptions-create.json'));
      event.ResponseURL = `${receiver.url}/cfn-response`;
      answered(await subscriber.invoke(event), subscriber);
      const status = receiver.responses[0]?.body.Status;
      assert(status === 'SUCCESS', `ResponseURL got ${JSON.stringify(receiver.responses[0]?.body)}`);
    });
    await check('the subscriber subscribed the listed group and not the forwarder\'s own', async () => {
      const put = cwl.calls.filter((c) => c.operation === 'PutSubscriptionFilter').map((c) => c.input.logGroupName);
      assert(JSON.stringify(put) === JSON.stringify(['/aws/lambda/orders-api']), `PutSubscriptionFilter for ${JSON.stringify(put)}`);
    });
    await check('the subscriber handles a CreateLogGroup event', async () => {
      const event = readJson(join(ROOT, 'test', 'events', 'eventbridge', 'create-log-group.json'));
      const body = answered(await subscriber.invoke(event), subscriber);
      assert(body?.outcome === 'subscribed', `got ${JSON.stringify(body)}`);
    });
  } finally {
    for (const f of functions) await f.stop();
    for (const s of [intake, deny, cwl, receiver]) await s.close();
    if (!process.argv.includes('--code-dir')) rmSync(taskRoot, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  results.push({ name: 'setup', ok: false });
  console.log(`not ok - setup: ${err instanceof Error ? err.stack : String(err)}`);
}
const passed = results.filter((r) => r.ok).length;
console.log(`${passed} passed, ${results.length - passed} failed`);
process.exit(results.length === passed ? 0 : 1);
