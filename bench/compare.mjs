/**
 * A/B of two revisions of the forwarder in one process (not part of `npm run bench`):
 *   node bench/compare.mjs <rev A> <rev B> [mixed|platform-heavy] [rounds] [KEY=value …]
 * Each revision is checked out into a temporary worktree and bundled with esbuild; both run the
 * CloudWatch workload of bench/workload.ts, round after round in alternating order, and the
 * median of the per-round ratios B/A is printed with a 95% interval of that median (bootstrap) and
 * the quartiles of the rounds. On a shared machine, runs in separate processes vary by ±10%;
 * alternating rounds in one process cancels most of that, and the interval says how far to trust
 * a difference (a change inside it is not measured).
 * The worktree path "WORKTREE" compares the files as they are now, uncommitted changes included.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const sorted = (xs) => [...xs].sort((x, y) => x - y);
/** The q-quantile of `xs` (nearest rank below). */
const at = (xs, q) => sorted(xs)[Math.floor(q * (xs.length - 1))];

/**
 * A 95% interval for the median of `xs`: the 2.5th and 97.5th percentiles of the medians of 2,000
 * resamples (bootstrap, a fixed seed so that a run prints the same interval for the same rounds).
 * The quartiles say how much one round varies; this says how far the median itself can be
 * trusted, which is what decides whether a change of a few percent was measured.
 */
function medianInterval(xs) {
  let seed = 0x9e3779b9;
  const random = () => {
    // xorshift32
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const medians = [];
  for (let i = 0; i < 2000; i++) medians.push(at(xs.map(() => xs[Math.floor(random() * xs.length)]), 0.5));
  return [at(medians, 0.025), at(medians, 0.975)];
}

const [revA, revB, mix = 'platform-heavy', roundsText = '40', ...settings] = process.argv.slice(2);
if (revA === undefined || revB === undefined) throw new Error('usage: node bench/compare.mjs <rev A> <rev B> [mix] [rounds] [KEY=value …]');
const root = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const work = mkdtempSync(join(tmpdir(), 'compare-'));
const env = Object.fromEntries(settings.map((kv) => kv.split('=', 2)));

// The entry both bundles share: a Forwarder whose HTTP calls answer 202 at once.
const ENTRY = `
import { loadConfig } from './forwarder/config/index.js';
import { Forwarder } from './forwarder/forwarder.js';
export { makePayloads } from './bench/workload.js';
const accepted = { status: 202, headers: new Headers(), body: '{}', bodyBytes: new Uint8Array() };
const context = { getRemainingTimeInMillis: () => 900000 };
export function runner(extra) {
  const config = loadConfig({ DD_API_KEY: 'bench-not-a-key', DD_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', ...extra });
  const forwarder = new Forwarder(config, { post: async () => accepted, logger: { log: () => {} } });
  return async (payloads) => { for (const p of payloads) await forwarder.handle(p.event, context); };
}
`;

function bundle(rev, name) {
  let dir = root;
  if (rev !== 'WORKTREE') {
    dir = join(work, name);
    execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', '-f', dir, rev], { stdio: 'ignore' });
  }
  const entry = join(dir, `.compare-entry-${name}.ts`);
  writeFileSync(entry, ENTRY);
  // Beside package.json, so that the external packages resolve from this checkout's node_modules.
  const out = join(root, `.compare-${name}-${process.pid}.mjs`);
  try {
    execFileSync(join(root, 'node_modules/.bin/esbuild'), [entry, '--bundle', '--platform=node', '--format=esm', '--packages=external', `--outfile=${out}`, '--log-level=warning']);
  } finally {
    rmSync(entry);
  }
  return out;
}

const files = [bundle(revA, 'a'), bundle(revB, 'b')];
try {
  const [A, B] = await Promise.all(files.map((f) => import(pathToFileURL(f).href)));
  const payloads = A.makePayloads(20, 1000, mix);
  const lines = payloads.reduce((n, p) => n + p.events, 0);
  const runA = A.runner(env);
  const runB = B.runner(env);
  for (let i = 0; i < 3; i++) {
    await runA(payloads);
    await runB(payloads);
  }
  const ratios = [];
  const perLine = { a: [], b: [] };
  const timed = async (run, into) => {
    const start = performance.now();
    await run(payloads);
    const ns = ((performance.now() - start) * 1e6) / lines;
    into.push(ns);
    return ns;
  };
  for (let r = 0; r < Number(roundsText); r++) {
    // Alternating which goes first: the second of a pair may find the first's garbage to collect.
    let a;
    let b;
    if (r % 2 === 0) {
      a = await timed(runA, perLine.a);
      b = await timed(runB, perLine.b);
    } else {
      b = await timed(runB, perLine.b);
      a = await timed(runA, perLine.a);
    }
    ratios.push(b / a);
  }
  const [low, high] = medianInterval(ratios);
  console.log(
    `${mix}: A ${revA} ${at(perLine.a, 0.5).toFixed(0)} ns/line, B ${revB} ${at(perLine.b, 0.5).toFixed(0)} ns/line; ` +
      `B/A median ${at(ratios, 0.5).toFixed(3)} (95% interval of the median ${low.toFixed(3)}–${high.toFixed(3)}; ` +
      `quartiles of the rounds ${at(ratios, 0.25).toFixed(3)}–${at(ratios, 0.75).toFixed(3)}, ${ratios.length} rounds)`,
  );
} finally {
  for (const f of files) rmSync(f, { force: true });
  for (const name of ['a', 'b']) {
    try {
      execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', join(work, name)], { stdio: 'ignore' });
    } catch {
      // WORKTREE: nothing was added
    }
  }
  rmSync(work, { recursive: true, force: true });
}
