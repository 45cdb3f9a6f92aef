/**
 * Synthesizes a LogForwarder in a fresh app, in-process, with a tiny stand-in for the build
 * output (handler.mjs, subscriber.mjs in a temp dir), so synth needs no `npm run build`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogForwarder, type LogForwarderProps } from '../../infra/index.js';

// One scratch directory per test file: the stand-in code, and the apps' output (assets).
const scratch = mkdtempSync(join(tmpdir(), 'log-forwarder-cdk-'));

/** Removes the scratch directory (afterAll of each test file that synthesizes). */
export function removeScratch(): void {
  rmSync(scratch, { recursive: true, force: true });
}
const codeDir = join(scratch, 'code');
let codeWritten = false;

export function fakeCode(): lambda.Code {
  if (!codeWritten) {
    mkdirSync(codeDir, { recursive: true });
    writeFileSync(join(codeDir, 'handler.mjs'), 'export const handler = async () => ({});\n');
    writeFileSync(join(codeDir, 'subscriber.mjs'), 'export const handler = async () => ({});\n');
    codeWritten = true;
  }
  return lambda.Code.fromAsset(codeDir);
}

export interface Synthesized {
  readonly stack: Stack;
  readonly forwarder: LogForwarder;
  readonly template: Template;
}

/** `extend` may add resources (log groups, buckets) and call subscribe / addS3Source. */
export function synth(props: LogForwarderProps = {}, extend?: (stack: Stack, forwarder: LogForwarder) => void): Synthesized {
  const app = new App({ outdir: join(scratch, 'cdk.out') });
  const stack = new Stack(app, 'LogForwarderTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const forwarder = new LogForwarder(stack, 'Forwarder', { code: fakeCode(), ...props });
  extend?.(stack, forwarder);
  return { stack, forwarder, template: Template.fromStack(stack) };
}
