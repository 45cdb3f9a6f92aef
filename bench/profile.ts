/**
 * A CPU-profiling harness for the CloudWatch pipeline (not part of `npm run bench`): the same
 * workload as bench/cloudwatch.ts through one Forwarder, 3 warm-up rounds then 10 measured, and
 * the time per line. Run it under the profiler to see where a line's time goes:
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts platform-heavy
 *   node --import tsx bench/profile.ts mixed ENHANCED_METRICS=false
 * (For exact line numbers, bundle it first with esbuild --bundle --platform=node --format=esm.)
 */
import { benchRunner } from './cloudwatch.js';
import { type Mix, makePayloads } from './workload.js';

const mix = (process.argv[2] ?? 'platform-heavy') as Mix;
const extra = Object.fromEntries(process.argv.slice(3).map((kv) => kv.split('=', 2) as [string, string]));
const run = benchRunner(extra);
const payloads = makePayloads(20, 1000, mix);
const lines = payloads.reduce((n, p) => n + p.events, 0);
for (let r = 0; r < 3; r++) await run(payloads);
const start = performance.now();
const cpuStart = process.cpuUsage();
for (let r = 0; r < 10; r++) await run(payloads);
// CPU time (all threads: zlib's too) varies less than wall time on a shared machine.
const cpu = process.cpuUsage(cpuStart);
const perLine = (ns: number): string => (ns / (10 * lines)).toFixed(0);
console.log(`${mix}: ${perLine((performance.now() - start) * 1e6)} ns per line, CPU ${perLine((cpu.user + cpu.system) * 1e3)} ns per line`);
