/**
 * npm run bench — every benchmark, each printing figures measured in this run and ratios to a
 * baseline measured alongside. Results go to BENCHMARKS.md by hand, with the machine.
 *   npm run bench                 all
 *   npm run bench -- cloudwatch   one group
 */
import { cpus } from 'node:os';
import { benchCloudWatch } from './cloudwatch.js';

const only = process.argv[2];
const fmt = (n: number, d = 1) => n.toFixed(d);

async function cloudwatch(): Promise<void> {
  for (const mix of ['mixed', 'platform-heavy'] as const) {
    const r = await benchCloudWatch(mix, { variants: { 'no-scrub': { SCRUB_DEFAULT_RULES: 'false' } } });
    console.log(
      `cloudwatch ${mix}: ${r.events} events, ${fmt(r.messageMB)} MB of messages | ceiling (gunzip+JSON.parse+gzip) ${fmt(r.ceilingMBps)} MB/s | pipeline ${fmt(r.pipelineMBps)} MB/s | ratio ${fmt(r.ratio, 2)} (target >= 0.5) | ${fmt(r.nsPerLine, 0)} ns/line`,
    );
    for (const [name, v] of Object.entries(r.extra)) console.log(`  variant ${name}: ${fmt(v)} MB/s`);
  }
}

const groups: Record<string, () => Promise<void>> = { cloudwatch };

console.log(`node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`);
for (const [name, run] of Object.entries(groups)) {
  if (only !== undefined && only !== name) continue;
  await run();
}
