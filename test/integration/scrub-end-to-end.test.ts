/**
 * Nothing sensitive leaves the function: secrets planted in every kind of line (a log message,
 * a JSON log's fields, a Datadog metric line's tags, a trace payload's span meta) are absent from
 * every byte that reaches the intake (logs, metrics, traces, decompressed) and from every batch
 * stored for replay when the intake is down.
 */
import { ListObjectsV2Command, GetObjectCommand } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../forwarder/config/index.js';
import { Forwarder } from '../../forwarder/forwarder.js';
import { awslogsEvent, lambdaContext } from '../helpers/events.js';
import { type Intake, startIntake } from '../helpers/intake.js';
import { type S3TestServer, startS3Server } from '../helpers/s3-server.js';

const FAKE_KEY = 'scrub-e2e-test-key-not-real';
const REQUEST_ID = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';
// AWS's documented example keys, a fake JWT and passwords: obviously not real.
const SECRETS = [
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  'hunter2-not-real',
  'sup3r-s3cret-db-pass',
];

function payload(now: number) {
  const iso = new Date(now).toISOString();
  const lines = [
    `START RequestId: ${REQUEST_ID} Version: $LATEST\n`,
    `${iso}\t${REQUEST_ID}\tERROR\tcalling S3 with AKIAIOSFODNN7EXAMPLE / aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`,
    `{"timestamp":"${iso}","level":"INFO","requestId":"${REQUEST_ID}","message":"login","password":"hunter2-not-real","headers":{"Authorization":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"}}\n`,
    `{"e":${now / 1000},"m":"db.connect","t":["dsn:postgres://app:sup3r-s3cret-db-pass@db.internal:5432/orders"],"v":1}\n`,
    `{"traces":[[{"trace_id":"5fbeae1043928548","span_id":"4a6b5d7f3e8c9d01","parent_id":"0","name":"aws.lambda","resource":"orders-api","error":0,"meta":{"http.url":"https://api.example.com/?token=hunter2-not-real","db.statement":"SET PASSWORD = 'sup3r-s3cret-db-pass'"},"metrics":{},"start":${now}000000,"duration":102250000,"service":"aws.lambda","type":"serverless"}]]}\n`,
    `END RequestId: ${REQUEST_ID}\n`,
    `REPORT RequestId: ${REQUEST_ID}\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 68 MB\t\n`,
  ];
  return {
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/aws/lambda/orders-api',
    logStream: '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
    subscriptionFilters: ['log-forwarder'],
    logEvents: lines.map((message, i) => ({ id: `3798212345678901234567890123456789012345678901234567890${i}`, timestamp: now + i, message })),
  };
}

const silent = { log: () => {} };
let intake: Intake;
let s3: S3TestServer;

beforeAll(async () => {
  intake = await startIntake({ apiKey: FAKE_KEY });
  s3 = await startS3Server();
  await s3.createBucket('failures');
});
afterAll(async () => {
  await intake.stop();
  await s3.stop();
});

function expectNoSecret(bytes: Buffer, where: string): void {
  for (const secret of SECRETS) expect(bytes.includes(secret), `${where} holds ${secret.slice(0, 6)}…`).toBe(false);
}

describe('secrets planted in every kind of line', () => {
  it('never reach the intake: logs, metrics and traces, byte for byte', async () => {
    const config = loadConfig({ DD_API_KEY: FAKE_KEY, DD_URL: intake.url, AWS_REGION: 'us-east-1' });
    await new Forwarder(config, { logger: silent }).handle(awslogsEvent(payload(Date.now())), lambdaContext(60_000));
    const paths = new Set(intake.requests.map((r) => r.path));
    expect([...paths].sort()).toEqual(['/api/v0.2/traces', '/api/v1/distribution_points', '/api/v2/logs']);
    for (const r of intake.requests) expectNoSecret(r.body, r.path);
    // The lines themselves still arrive, redacted.
    expect(intake.items.map((i) => String(i['message'])).some((m) => m.includes('calling S3 with [REDACTED]'))).toBe(true);
  });

  it('never reach the failure store when the intake is down', async () => {
    const config = loadConfig({
      DD_API_KEY: FAKE_KEY,
      DD_URL: 'http://127.0.0.1:9',
      AWS_REGION: 'us-east-1',
      FAILURE_BUCKET: 'failures',
      MAX_RETRIES: '0',
      REQUEST_TIMEOUT_MS: '1000',
    });
    await new Forwarder(config, { logger: silent, s3: s3.client() }).handle(awslogsEvent(payload(Date.now())), lambdaContext(60_000));
    const client = s3.client();
    const keys = ((await client.send(new ListObjectsV2Command({ Bucket: 'failures' }))).Contents ?? []).map((o) => o.Key as string);
    expect(keys.map((k) => k.split('/')[2]).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const key of keys) {
      const out = await client.send(new GetObjectCommand({ Bucket: 'failures', Key: key }));
      expectNoSecret(gunzipSync(await (out.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array()))), key);
    }
  });
});
