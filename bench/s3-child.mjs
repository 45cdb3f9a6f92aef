// Child process of bench/s3-stream.ts, plain Node (no loader) so that its peak RSS is what a
// Lambda container would see. `baseline`: GetObject + stream-gunzip, bytes counted and dropped.
// `pipeline`: the built bundle's handler (dist/handler.mjs) on an S3 notification; its S3
// client takes the standard settings (AWS_ENDPOINT_URL_S3, credentials) from the environment.
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

const [mode, bucket, key] = process.argv.slice(2);
const start = performance.now();
const report = (extra) => console.log(JSON.stringify({ ms: performance.now() - start, maxRssMB: process.resourceUsage().maxRSS / 1024, ...extra }));

if (mode === 'baseline') {
  const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const out = await new S3Client({}).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  let bytes = 0;
  const gunzip = createGunzip();
  gunzip.on('data', (c) => (bytes += c.length));
  await pipeline(out.Body, gunzip);
  report({ bytes });
} else {
  let counts = '';
  const write = process.stderr.write.bind(process.stderr);
  // The forwarder's summary line goes to stderr; keep its counts for the report.
  process.stderr.write = (chunk, ...rest) => {
    const text = String(chunk);
    const m = /"counts":"([^"]*)"/.exec(text);
    if (m) counts = m[1];
    return text.includes('forwarder summary') ? true : write(chunk, ...rest);
  };
  const { handler } = await import('../dist/handler.mjs');
  const event = { Records: [{ eventSource: 'aws:s3', awsRegion: 'us-east-1', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key } } }] };
  await handler(event, { getRemainingTimeInMillis: () => 3_600_000, awsRequestId: 'bench' });
  report({ counts });
}
