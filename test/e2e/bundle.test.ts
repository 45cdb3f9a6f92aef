/**
 * The built bundle, not the sources: `node dist/cli.mjs dry-run|demo` on the sample events in
 * examples/ (NDJSON on stdout in the documented shape of forwarder/destinations/stdout.ts, exit
 * status mirroring the invocation), and `dist/handler.mjs` imported by a child process with
 * DD_URL at a local intake. `npm test` builds first; the build runs here only if dist/ is missing.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Intake, LOGS_PATH, startIntake } from '../helpers/intake.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.mjs');
const HANDLER = join(ROOT, 'dist', 'handler.mjs');
const EXAMPLES = join(ROOT, 'examples');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const FAKE_KEY = 'fake-e2e-api-key-000000000000000';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs node with only PATH and HOME from this process, plus `env`: no DD_* leaks in. */
function node(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface ExamplePayload {
  logGroup: string;
  messageType: string;
  logEvents: Array<{ id: string; timestamp: number; message: string }>;
}

/** The subscription payloads inside an example event (one for awslogs, one per Kinesis record). */
function examplePayloads(file: string): ExamplePayload[] {
  const event = JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as { awslogs?: { data: string }; Records?: Array<{ kinesis: { data: string } }> };
  const datas = event.awslogs !== undefined ? [event.awslogs.data] : (event.Records ?? []).map((r) => r.kinesis.data);
  return datas.map((d) => JSON.parse(gunzipSync(Buffer.from(d, 'base64')).toString('utf8')) as ExamplePayload);
}

const dataEvents = (file: string) => examplePayloads(file).filter((p) => p.messageType === 'DATA_MESSAGE').flatMap((p) => p.logEvents);
/** Datadog metric lines ({"m","v","e","t"}) become metrics and leave the logs. */
const isMetricLine = (message: string) => /^\{"(e|m)":/.test(message);
/** The events that stay logs. */
const logEvents = (file: string) => dataEvents(file).filter((e) => !isMetricLine(e.message));

function ndjson(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Checks every line against the stdout contract and returns the log lines. */
function contractLogs(stdout: string): Array<Record<string, unknown>> {
  const lines = ndjson(stdout);
  for (const l of lines) {
    expect(['log', 'metric', 'span']).toContain(l.type);
    expect(Number.isInteger(l.timestamp)).toBe(true);
    if (l.type === 'log') {
      expect([typeof l.message, typeof l.attributes, typeof l.service, typeof l.source, Array.isArray(l.tags)]).toEqual(['string', 'object', 'string', 'string', true]);
    } else if (l.type === 'metric') {
      expect([typeof l.name, typeof l.value, typeof l.unit, typeof l.tags]).toEqual(['string', 'number', 'string', 'object']);
    } else {
      expect([typeof l.trace_id, typeof l.span_id, typeof l.name]).toEqual(['string', 'string', 'string']);
    }
  }
  return lines.filter((l) => l.type === 'log');
}

const EXAMPLE_FILES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.json'))
  .sort();
const CLOUDWATCH_FILES = EXAMPLE_FILES.filter((f) => f.startsWith('cloudwatch-'));

let scratch: string;

beforeAll(() => {
  if (!existsSync(CLI) || !existsSync(HANDLER)) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  scratch = mkdtempSync(join(tmpdir(), 'forwarder-e2e-'));
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('dist/cli.mjs dry-run', () => {
  it('has CloudWatch sample events to run', () => {
    expect(CLOUDWATCH_FILES.length).toBeGreaterThan(0);
  });

  it.each(CLOUDWATCH_FILES)('%s: exit 0, one NDJSON log line per event, in the documented shape', async (file) => {
    const run = await node([CLI, 'dry-run', join(EXAMPLES, file)]);
    expect(run.code).toBe(0);
    const lines = contractLogs(run.stdout);
    const events = logEvents(file);
    expect(lines.map((l) => [l.timestamp, l.message])).toEqual(events.map((e) => [e.timestamp, e.message.replace(/\n$/, '')]));
    for (const l of lines) {
      expect(l.attributes).toMatchObject({ 'cloud.provider': 'aws', 'aws.log.group.names': examplePayloads(file)[0]?.logGroup });
    }
    expect(lines.map((l) => (l.attributes as Record<string, unknown>)['aws.log.event.id'])).toEqual(events.map((e) => e.id));
  });

  it('a Kinesis event: exit 0, the lines of every DATA_MESSAGE record, and the response printed', async () => {
    const run = await node([CLI, 'dry-run', join(EXAMPLES, 'kinesis-cloudwatch.json')]);
    expect(run.code).toBe(0);
    expect(contractLogs(run.stdout).map((l) => l.message)).toEqual(logEvents('kinesis-cloudwatch.json').map((e) => e.message.replace(/\n$/, '')));
    expect(run.stderr).toContain('response: {"batchItemFailures":[]}');
  });

  it('an event the handler rejects: non-zero exit, the error on stderr, nothing on stdout', async () => {
    const file = join(scratch, 'unknown-event.json');
    writeFileSync(file, JSON.stringify({ source: 'aws.events', detail: {} }));
    const run = await node([CLI, 'dry-run', file]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('invocation failed: BadInputError: unrecognised event');
    expect(run.stdout).toBe('');
  });

  it('an invalid setting: non-zero exit and the variable named on stderr', async () => {
    const run = await node([CLI, 'dry-run', join(EXAMPLES, CLOUDWATCH_FILES[0] ?? '')], { SEND_CONCURRENCY: '0' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('SEND_CONCURRENCY: expected a whole number from 1 to 64, got "0"');
  });

  it('no arguments: usage and exit 2', async () => {
    const run = await node([CLI]);
    expect([run.code, run.stderr.trim()]).toEqual([2, 'usage: log-forwarder dry-run EVENT.json | log-forwarder demo']);
  });
});

describe('dist/cli.mjs demo', () => {
  it('runs every sample event and prints a summary', async () => {
    const run = await node([CLI, 'demo']);
    expect(run.code).toBe(0);
    const n = EXAMPLE_FILES.length;
    expect(run.stderr).toContain(`${n} sample events, ${n} forwarded, 0 failed (destinations: stdout)`);
    expect(contractLogs(run.stdout)).toHaveLength(EXAMPLE_FILES.reduce((sum, f) => sum + logEvents(f).length, 0));
  });

  it('turns the Datadog metric line of the Node sample into a metric, in the documented shape', async () => {
    const run = await node([CLI, 'dry-run', join(EXAMPLES, 'cloudwatch-lambda-node.json')]);
    const metric = ndjson(run.stdout).find((l) => l['type'] === 'metric' && l['name'] === 'orders.created');
    expect(metric).toEqual({ type: 'metric', timestamp: 1704067200190, name: 'orders.created', value: 1, unit: '', kind: 'distribution', tags: { env: 'prod' } });
  });
});

describe('dist/handler.mjs in a child process, DD_URL at a local intake', () => {
  let intake: Intake;

  beforeEach(async () => {
    intake = await startIntake({ apiKey: FAKE_KEY });
  });

  afterEach(async () => {
    await intake.stop();
  });

  // Imports the bundle as Lambda's runtime would and calls `handler(event, context)` once.
  const INVOKE = [
    "import { readFileSync } from 'node:fs';",
    'const [handlerUrl, eventFile] = process.argv.slice(1);',
    'const { handler } = await import(handlerUrl);',
    "const event = JSON.parse(readFileSync(eventFile, 'utf8'));",
    'const end = Date.now() + 60_000;',
    'try {',
    "  const result = await handler(event, { awsRequestId: 'e2e-request', getRemainingTimeInMillis: () => end - Date.now() });",
    '  process.stdout.write(JSON.stringify(result ?? null));',
    '} catch (err) {',
    "  // What the Lambda runtime reports: errorType is the error's name.",
    '  process.stderr.write(`${err.name}: ${err.message}\\n`);',
    '  process.exitCode = 1;',
    '}',
  ].join('\n');

  const invoke = (file: string, env: Record<string, string> = {}) =>
    node(['--input-type=module', '-e', INVOKE, pathToFileURL(HANDLER).href, join(EXAMPLES, file)], {
      DD_API_KEY: FAKE_KEY,
      DD_URL: intake.url,
      AWS_REGION: 'us-east-1',
      RETRY_BASE_DELAY_MS: '10',
      ...env,
    });

  it('a CloudWatch event: resolves, and every line reaches the intake valid, with the built version', async () => {
    const file = CLOUDWATCH_FILES[0] ?? '';
    const run = await invoke(file);
    expect([run.code, run.stdout]).toEqual([0, 'null']);
    expect(intake.violations).toEqual([]);
    expect([...intake.eventIds]).toEqual(dataEvents(file).map((e) => e.id));
    expect(intake.items.every((i) => i.ddtags.includes(`forwarder_version:${VERSION}`))).toBe(true);
  });

  it('a Kinesis event: returns batchItemFailures and delivers every DATA_MESSAGE line', async () => {
    const run = await invoke('kinesis-cloudwatch.json');
    expect([run.code, run.stdout]).toEqual([0, '{"batchItemFailures":[]}']);
    expect(intake.eventIds.size).toBe(dataEvents('kinesis-cloudwatch.json').length);
  });

  it('an intake that keeps failing: the handler rejects so that AWS redelivers', async () => {
    intake.plan(() => ({ kind: 'status', status: 503 }));
    const run = await invoke(CLOUDWATCH_FILES[0] ?? '', { MAX_RETRIES: '1' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('DeliveryFailedError: some records could not be delivered');
    expect(run.stderr).not.toContain(FAKE_KEY);
    expect(intake.requests.filter((r) => r.path === LOGS_PATH)).toHaveLength(2);
  });
});
