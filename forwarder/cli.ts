/**
 * log-forwarder CLI.
 *   log-forwarder dry-run EVENT.json   runs one event through the real handler code; with no
 *                                       backend configured, items are printed as NDJSON on stdout
 *   log-forwarder demo                 runs every sample event in examples/ the same way and
 *                                       prints a short summary per event (npm start)
 * The exit status mirrors the invocation: 0 when the handler resolves, 1 when it rejects (the
 * error on stderr); a batchItemFailures response is printed on stderr.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from './config/index.js';
import { describeError } from './errors.js';
import { Forwarder } from './forwarder.js';

const USAGE = 'usage: log-forwarder dry-run EVENT.json | log-forwarder demo';

function context(timeoutMs = 900_000) {
  const end = Date.now() + timeoutMs;
  return { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()), awsRequestId: 'dry-run' };
}

async function invoke(forwarder: Forwarder, file: string): Promise<boolean> {
  const event: unknown = JSON.parse(readFileSync(file, 'utf8'));
  try {
    const response = await forwarder.handle(event, context());
    if (response !== undefined) process.stderr.write(`response: ${JSON.stringify(response)}\n`);
    return true;
  } catch (err) {
    process.stderr.write(`invocation failed: ${describeError(err)}\n`);
    return false;
  }
}

function examplesDir(): string {
  // dist/cli.mjs and forwarder/cli.ts both sit one level below the project root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
}

async function main(argv: string[]): Promise<number> {
  const [command, file] = argv;
  const env = { ...process.env };
  if (command === 'dry-run' && file !== undefined) {
    const forwarder = new Forwarder(loadConfig(env));
    return (await invoke(forwarder, file)) ? 0 : 1;
  }
  if (command === 'demo') {
    const config = loadConfig(env);
    const forwarder = new Forwarder(config);
    const dir = examplesDir();
    const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    let ok = 0;
    for (const f of files) {
      process.stderr.write(`\n=== ${f}\n`);
      if (await invoke(forwarder, join(dir, f))) ok++;
    }
    process.stderr.write(`\n${files.length} sample events, ${ok} forwarded, ${files.length - ok} failed (destinations: ${config.destinations.join(', ')})\n`);
    return ok === files.length ? 0 : 1;
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${describeError(err)}\n`);
    process.exitCode = 1;
  },
);
