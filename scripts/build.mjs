// Bundles the Lambda handlers and the CLI with esbuild into dist/ (ESM, Node 20 syntax so the
// same bundle runs on nodejs20.x, 22.x and 24.x). The AWS SDK is bundled: pinned versions, and
// no dependence on the SDK that a runtime happens to ship.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const entries = {
  handler: 'forwarder/handler.ts',
  cli: 'forwarder/cli.ts',
  subscriber: 'forwarder/subscriber/handler.ts',
};

rmSync('dist', { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  sourcemap: 'linked',
  outExtension: { '.js': '.mjs' },
  outdir: 'dist',
  legalComments: 'none',
  // Error class names are what Lambda reports as the error type, and what the CLI prints.
  keepNames: true,
  define: { __FORWARDER_VERSION__: JSON.stringify(pkg.version) },
  // Some CommonJS dependencies call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
};

for (const [name, entry] of Object.entries(entries)) {
  if (!existsSync(entry)) continue;
  await build({
    ...common,
    entryPoints: { [name]: entry },
    ...(name === 'cli' && { banner: { js: `#!/usr/bin/env node\n${common.banner.js}` } }),
  });
}
