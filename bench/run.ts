/**
 * npm run bench — every benchmark, each printing figures measured in this run and ratios to a
 * baseline measured alongside, so that load on a shared machine cancels out. Record results in
 * BENCHMARKS.md with the command and the machine.
 *   npm run bench                     cloudwatch, encoders, s3 (1 GiB), soak
 *   npm run bench -- cloudwatch       one group (cloudwatch | encoders | s3 | soak)
 */
import { cpus, totalmem } from 'node:os';
import { benchCloudWatch } from './cloudwatch.js';
import { benchEncoders } from './encoders.js';
import { benchS3Stream } from './s3-stream.js';
import { runSoak } from './soak.js';

const only = process.argv[2];
const fmt = (n: number, d = 1) => n.toFixed(d);

async function cloudwatch(): Promise<void> {
  for (const mix of ['mixed', 'platform-heavy'] as const) {
    const r = await benchCloudWatch(mix, {
      variants: { 'no-scrub': { SCRUB_DEFAULT_RULES: 'false' }, 'no-enhanced-metrics': { ENHANCED_METRICS: 'false' } },
    });
    console.log(
      `cloudwatch ${mix}: ${r.events} events, ${fmt(r.messageMB)} MB of messages | ceiling (gunzip+JSON.parse+gzip) ${fmt(r.ceilingMBps)} MB/s | pipeline ${fmt(r.pipelineMBps)} MB/s | ratio ${fmt(r.ratio, 2)} (target >= 0.5) | ${fmt(r.nsPerLine, 0)} ns/line`,
    );
    for (const [name, v] of Object.entries(r.extra)) console.log(`  variant ${name}: ${fmt(v)} MB/s (${fmt(v / r.ceilingMBps, 2)} of the ceiling)`);
  }
}

async function encoders(): Promise<void> {
  const r = await benchEncoders();
  const dd = r.rates['datadog'] ?? Number.NaN;
  for (const [name, rate] of Object.entries(r.rates)) {
    console.log(`encoders: ${name} ${fmt(rate / 1000, 0)}k logs/s (${fmt(rate / dd, 2)} of datadog; target >= 0.8 for OTLP)`);
  }
}

async function s3(): Promise<void> {
  const r = await benchS3Stream(Number(process.env['BENCH_S3_GIB'] ?? 1));
  console.log(
    `s3: ${fmt(r.uncompressedBytes / 1024 ** 3, 2)} GiB (${fmt(r.compressedBytes / 1e6, 0)} MB gzip), ${r.linesForwarded} lines | stream-gunzip ${fmt(r.baselineMBps)} MB/s | pipeline ${fmt(r.pipelineMBps)} MB/s | ratio ${fmt(r.ratio, 2)} | peak RSS pipeline ${fmt(r.pipelineMaxRssMB, 0)} MB (target < 160, limit 256), baseline ${fmt(r.baselineMaxRssMB, 0)} MB`,
  );
}

async function soak(): Promise<void> {
  // runSoak prints its own summary (formatSoak).
  const r = await runSoak();
  if (!r.ok) process.exitCode = 1;
}

const groups: Record<string, () => Promise<void>> = { cloudwatch, encoders, s3, soak };

console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${fmt(totalmem() / 1024 ** 3, 0)} GiB`);
for (const [name, run] of Object.entries(groups)) {
  if (only !== undefined && only !== name) continue;
  await run();
}
