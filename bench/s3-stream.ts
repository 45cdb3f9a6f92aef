/**
 * S3 streaming (issue 4): a gzip'd object of 1 GiB of log lines (generated here, served by a
 * local s3rver) goes through the real Forwarder — GetObject stream, gunzip, line splitting,
 * records, stages, Datadog encoding, compression — to a local intake over HTTP. Each side runs
 * in its own plain-Node child process (bench/s3-child.mjs; the pipeline runs the built
 * bundle) so that its peak RSS (getrusage maxrss) is its own:
 *   baseline: GetObject + stream-gunzip of the same object, bytes counted and dropped;
 *   pipeline: the Forwarder handling an S3 notification for it.
 * Prints MB/s of uncompressed data for both, their ratio, and the pipeline's peak RSS
 * (target < 160 MB, limit 256 MB).
 *   node --import tsx bench/s3-stream.ts [GiB]
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createGzip } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startS3Server } from '../test/helpers/s3-server.js';
import { rng } from './workload.js';

const BUCKET = 'bench-logs';
const KEY = 'app/2024/01/01/big.log.gz';

export interface S3StreamResult {
  readonly uncompressedBytes: number;
  readonly compressedBytes: number;
  readonly baselineMBps: number;
  readonly pipelineMBps: number;
  readonly ratio: number;
  readonly pipelineMaxRssMB: number;
  readonly baselineMaxRssMB: number;
  readonly linesForwarded: number;
}

/** Writes `bytes` of realistic log lines, gzip'd, to `file`; returns the uncompressed size. */
async function writeObject(file: string, bytes: number): Promise<number> {
  const r = rng(7);
  let written = 0;
  const words = ['order', 'customer', 'payment', 'processed', 'retrying', 'cache', 'upstream', 'latency', 'user', 'validated'];
  async function* lines() {
    let chunk = '';
    let t = Date.parse('2024-01-01T00:00:00Z');
    while (written < bytes) {
      t += 7;
      const n = 6 + Math.floor(r() * 18);
      let msg = '';
      for (let i = 0; i < n; i++) msg += `${words[Math.floor(r() * words.length)]} `;
      const line = r() < 0.3
        ? `{"timestamp":"${new Date(t).toISOString()}","level":"INFO","service":"orders","message":"${msg.trim()}","duration_ms":${Math.floor(r() * 500)}}\n`
        : `${new Date(t).toISOString()} INFO [worker-${Math.floor(r() * 8)}] ${msg.trim()}\n`;
      chunk += line;
      written += line.length;
      if (chunk.length > 1 << 20) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk !== '') yield chunk;
  }
  await pipeline(lines, createGzip({ level: 1 }), createWriteStream(file));
  return written;
}

interface ChildReport {
  readonly ms: number;
  readonly bytes?: number;
  readonly maxRssMB: number;
  readonly counts?: string;
}

function runChild(mode: 'baseline' | 'pipeline', env: Record<string, string>): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const script = fileURLToPath(new URL('./s3-child.mjs', import.meta.url));
    const child = spawn(process.execPath, ['--no-deprecation', script, mode, BUCKET, KEY], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${mode} child exited ${code}: ${out}`));
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

export async function benchS3Stream(gib = 1): Promise<S3StreamResult> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-s3-'));
  const file = join(dir, 'object.gz');
  const s3 = await startS3Server();
  // The local intake: reads and drops each request, answers 202 in one write.
  let received = 0;
  const intake = createServer((req, res) => {
    req.on('data', (c: Buffer) => (received += c.length));
    req.on('end', () => {
      res.writeHead(202, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => intake.listen(0, '127.0.0.1', r));
  try {
    const uncompressedBytes = await writeObject(file, Math.floor(gib * 1024 ** 3));
    const compressedBytes = (await stat(file)).size;
    await s3.createBucket(BUCKET);
    await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: createReadStream(file), ContentLength: compressedBytes }));
    // The standard AWS SDK settings, as in Lambda; s3rver's credentials; checksums only when
    // required (s3rver stores streamed bodies with their chunk framing otherwise).
    const env = {
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      DD_API_KEY: 'bench-not-a-key',
      DD_URL: `http://127.0.0.1:${(intake.address() as AddressInfo).port}`,
      FORWARDER_METRICS: 'false',
    };
    const baseline = await runChild('baseline', env);
    const piped = await runChild('pipeline', env);
    const mbps = (ms: number) => uncompressedBytes / 1e6 / (ms / 1000);
    const linesForwarded = Number(/forwarded\[logs,datadog\]=(\d+)/.exec(piped.counts ?? '')?.[1] ?? 0);
    return {
      uncompressedBytes,
      compressedBytes,
      baselineMBps: mbps(baseline.ms),
      pipelineMBps: mbps(piped.ms),
      ratio: baseline.ms / piped.ms,
      pipelineMaxRssMB: piped.maxRssMB,
      baselineMaxRssMB: baseline.maxRssMB,
      linesForwarded,
    };
  } finally {
    intake.close();
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
    void received;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await benchS3Stream(Number(process.argv[2] ?? 1));
  console.log(JSON.stringify(r, null, 2));
}
