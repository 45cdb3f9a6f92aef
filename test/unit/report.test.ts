import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePlatformLine, runtimeFromVersion } from '../../parsers/report.js';
import { lambdaLines, pick } from '../helpers/lambda-lines.js';

/** One CloudWatch event message per entry (the XRAY part joins its REPORT), comments dropped. */
const text = lambdaLines('lambda-text.txt');
const json = lambdaLines('lambda-json.txt');
const RID = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';

function parseJsonLine(line: string) {
  return parsePlatformLine(line, JSON.parse(line) as Record<string, unknown>);
}

describe('text REPORT', () => {
  it('parses a warm REPORT (TAB-separated, trailing TAB)', () => {
    const line = pick(text, (l) => l.startsWith('REPORT') && l.includes('Duration: 102.25 ms'));
    expect(line.endsWith('\t')).toBe(true);
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      format: 'text',
      requestId: RID,
      metrics: { durationMs: 102.25, billedDurationMs: 103, memorySizeMB: 128, maxMemoryUsedMB: 68 },
    });
  });

  it('parses Init Duration of a cold start', () => {
    const line = pick(text, (l) => l.startsWith('REPORT') && l.includes('Init Duration: 180.87'));
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      format: 'text',
      requestId: RID,
      metrics: { durationMs: 4.1, billedDurationMs: 5, memorySizeMB: 1024, maxMemoryUsedMB: 70, initDurationMs: 180.87 },
    });
  });

  it('parses the XRAY line that follows inside the same event', () => {
    const line = pick(text, (l) => l.startsWith('REPORT') && l.includes('\nXRAY'));
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      format: 'text',
      requestId: RID,
      metrics: { durationMs: 170.19, billedDurationMs: 171, memorySizeMB: 128, maxMemoryUsedMB: 73, initDurationMs: 2.58 },
      xray: { traceId: '1-5e34a614-10bd4b3f1fb44f07bc535a14', spanId: '07f5a2c42d1f6f85', sampled: true },
    });
  });

  it('parses SnapStart Restore Duration and Billed Restore Duration', () => {
    const line = pick(text, (l) => l.includes('Restore Duration'));
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      format: 'text',
      requestId: RID,
      metrics: {
        durationMs: 10.42,
        billedDurationMs: 11,
        memorySizeMB: 512,
        maxMemoryUsedMB: 91,
        restoreDurationMs: 412.59,
        billedRestoreDurationMs: 346,
      },
    });
  });

  it('parses Status: timeout', () => {
    const line = pick(text, (l) => l.includes('Status: timeout'));
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      format: 'text',
      requestId: RID,
      metrics: { durationMs: 3000, billedDurationMs: 3000, memorySizeMB: 128, maxMemoryUsedMB: 45 },
      status: 'timeout',
    });
  });

  it('parses Status: error with Error Type: Runtime.OutOfMemory', () => {
    const line = pick(text, (l) => l.includes('Runtime.OutOfMemory'));
    expect(parsePlatformLine(line)).toEqual({
      kind: 'report',
      format: 'text',
      requestId: RID,
      metrics: { durationMs: 1561.14, billedDurationMs: 1562, memorySizeMB: 128, maxMemoryUsedMB: 128 },
      status: 'error',
      errorType: 'Runtime.OutOfMemory',
    });
  });

  it('parses a partial REPORT without billed duration and memory size', () => {
    const warm = pick(text, (l) => l.startsWith('REPORT') && l.includes('Duration: 102.25 ms'));
    const partial = warm.replace('Billed Duration: 103 ms\t', '').replace('Memory Size: 128 MB\t', '');
    expect(parsePlatformLine(partial)).toEqual({
      kind: 'report',
      format: 'text',
      requestId: RID,
      metrics: { durationMs: 102.25, maxMemoryUsedMB: 68 },
    });
  });

  it('still parses a REPORT whose TABs became spaces', () => {
    const warm = pick(text, (l) => l.startsWith('REPORT') && l.includes('Duration: 102.25 ms'));
    const spaced = warm.replaceAll('\t', ' ');
    expect(parsePlatformLine(spaced)).toEqual(parsePlatformLine(warm));
  });

  it('reads every decimal as Number() would', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999_999 }), fc.integer({ min: 0, max: 4 }), (digits, decimals) => {
        const text = decimals === 0 ? String(digits) : (digits / 10 ** decimals).toFixed(decimals);
        const line = `REPORT RequestId: ${RID}\tDuration: ${text} ms\tBilled Duration: 1 ms\t`;
        const parsed = parsePlatformLine(line);
        expect(parsed?.kind === 'report' && parsed.metrics.durationMs).toBe(Number(text));
      }),
    );
  });

  it('reads the usual layout as the field-by-field reader does, whatever follows it', () => {
    // A leading unknown field keeps a line off the one-regex path for the usual four fields.
    const amount = fc.tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 0, max: 2 })).map(([n, d]) => (d === 0 ? String(n) : (n / 10 ** d).toFixed(d)));
    const tail = fc.constantFrom('\t', '', '\tInit Duration: 180.87 ms\t', '\tStatus: timeout', '\tStatus: error\tError Type: Runtime.OutOfMemory', '\t\nXRAY TraceId: 1-5e1b4151-5ac6c58f5b5d4b3e9f2c1a0b\tSegmentId: 6b4c1ad0e9f07bf2\tSampled: true\t');
    fc.assert(
      fc.property(amount, fc.nat(900_000), fc.constantFrom(128, 512, 10_240), fc.nat(10_240), tail, (duration, billed, memory, used, rest) => {
        const fields = `Duration: ${duration} ms\tBilled Duration: ${billed} ms\tMemory Size: ${memory} MB\tMax Memory Used: ${used} MB${rest}`;
        const usual = parsePlatformLine(`REPORT RequestId: ${RID}\t${fields}`);
        expect(usual).toEqual(parsePlatformLine(`REPORT RequestId: ${RID}\tFuture Field: 1 ms\t${fields}`));
        expect(usual?.kind === 'report' && [usual.metrics.durationMs, usual.metrics.billedDurationMs, usual.metrics.memorySizeMB, usual.metrics.maxMemoryUsedMB]).toEqual([Number(duration), billed, memory, used]);
      }),
    );
  });

  it('ignores fields it does not know', () => {
    const warm = pick(text, (l) => l.startsWith('REPORT') && l.includes('Duration: 102.25 ms'));
    const result = parsePlatformLine(`${warm}Future Field: 7 ms\t`);
    expect(result).toEqual(parsePlatformLine(warm));
  });
});

describe('JSON platform.report', () => {
  it('parses metrics, status and tracing', () => {
    const line = pick(json, (l) => l.includes('"platform.report"') && l.includes('initDurationMs'));
    expect(parseJsonLine(line)).toEqual({
      kind: 'report',
      format: 'json',
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      metrics: { durationMs: 693.92, billedDurationMs: 694, memorySizeMB: 128, maxMemoryUsedMB: 84, initDurationMs: 397.68 },
      status: 'success',
      xray: { traceId: '1-62e900b2-710d76f009d6e7785905449a', spanId: '54565fb41ac79632', sampled: true },
    });
  });

  it('parses a warm report without init duration or tracing', () => {
    const line = pick(json, (l) => l.includes('0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f'));
    expect(parseJsonLine(line)).toEqual({
      kind: 'report',
      format: 'json',
      requestId: '0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      metrics: { durationMs: 12.51, billedDurationMs: 13, memorySizeMB: 1024, maxMemoryUsedMB: 91 },
      status: 'success',
    });
  });

  it('parses status timeout', () => {
    const line = pick(json, (l) => l.includes('"status":"timeout"'));
    expect(parseJsonLine(line)).toMatchObject({ kind: 'report', status: 'timeout', metrics: { durationMs: 3000, billedDurationMs: 3000 } });
  });

  it('parses status error with errorType Runtime.OutOfMemory', () => {
    const line = pick(json, (l) => l.includes('Runtime.OutOfMemory'));
    expect(parseJsonLine(line)).toEqual({
      kind: 'report',
      format: 'json',
      requestId: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
      metrics: { durationMs: 1561.14, billedDurationMs: 1562, memorySizeMB: 128, maxMemoryUsedMB: 128 },
      status: 'error',
      errorType: 'Runtime.OutOfMemory',
    });
  });

  it('parses a SnapStart report with restore durations', () => {
    const base = JSON.parse(pick(json, (l) => l.includes('0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f'))) as {
      record: { metrics: Record<string, number> };
    };
    base.record.metrics['restoreDurationMs'] = 412.59;
    base.record.metrics['billedRestoreDurationMs'] = 346;
    const line = JSON.stringify(base);
    expect(parseJsonLine(line)).toMatchObject({ metrics: { restoreDurationMs: 412.59, billedRestoreDurationMs: 346 } });
  });

  it('parses a partial record that lacks billed duration and memory size', () => {
    const line =
      '{"time":"2024-01-01T00:00:05.000Z","type":"platform.report","record":{"requestId":"0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f","metrics":{"durationMs":12.51,"maxMemoryUsedMB":91},"status":"success"}}';
    expect(parseJsonLine(line)).toEqual({
      kind: 'report',
      format: 'json',
      requestId: '0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      metrics: { durationMs: 12.51, maxMemoryUsedMB: 91 },
      status: 'success',
    });
  });

  it('parses the JSON text itself when no parsed object is given', () => {
    const line = pick(json, (l) => l.includes('0f6c3d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f'));
    expect(parsePlatformLine(line)).toEqual(parseJsonLine(line));
  });

  it('is undefined for a report without a request id', () => {
    expect(parseJsonLine('{"time":"2024-01-01T00:00:05.000Z","type":"platform.report","record":{"metrics":{"durationMs":1}}}')).toBeUndefined();
  });
});

describe('START, END and INIT_START', () => {
  it('parses a text START line', () => {
    const line = pick(text, (l) => l.startsWith('START'));
    expect(parsePlatformLine(line)).toEqual({ kind: 'start', format: 'text', requestId: RID, version: '$LATEST' });
  });

  it('parses platform.start with its tracing value', () => {
    const line = pick(json, (l) => l.includes('"platform.start"'));
    expect(parseJsonLine(line)).toEqual({
      kind: 'start',
      format: 'json',
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      version: '$LATEST',
      xray: { traceId: '1-62e900b2-710d76f009d6e7785905449a', spanId: '54565fb41ac79632', sampled: true },
    });
  });

  it('parses a text END line', () => {
    const line = pick(text, (l) => l.startsWith('END RequestId'));
    expect(parsePlatformLine(line)).toEqual({ kind: 'end', format: 'text', requestId: RID });
  });

  it('parses platform.runtimeDone as the end of the invocation', () => {
    const line = pick(json, (l) => l.includes('"platform.runtimeDone"'));
    expect(parseJsonLine(line)).toEqual({
      kind: 'end',
      format: 'json',
      requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
      xray: { traceId: '1-62e900b2-710d76f009d6e7785905449a', spanId: '54565fb41ac79632', sampled: true },
    });
  });

  it('parses INIT_START text into a runtime', () => {
    const line = pick(text, (l) => l.startsWith('INIT_START'));
    expect(parsePlatformLine(line)).toEqual({
      kind: 'initStart',
      format: 'text',
      runtimeVersion: 'nodejs:20.v13',
      runtimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:0bdff101a7b4e0589af824f244deb93200e4663c1a0ac7e7d4b4ac6f3c1c8c3e',
      runtime: 'nodejs20.x',
    });
  });

  it('parses platform.initStart into a runtime', () => {
    const line = pick(json, (l) => l.includes('"platform.initStart"'));
    expect(parseJsonLine(line)).toEqual({
      kind: 'initStart',
      format: 'json',
      runtimeVersion: 'nodejs:20.v13',
      runtimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:0bdff101a7b4e0589af824f244deb93200e4663c1a0ac7e7d4b4ac6f3c1c8c3e',
      runtime: 'nodejs20.x',
    });
  });

  it.each([
    ['nodejs:20.v13', 'nodejs20.x'],
    ['python:3.12.v30', 'python3.12'],
    ['java:21.v17', 'java21'],
    ['dotnet:8.v22', 'dotnet8'],
    ['ruby:3.3.v9', 'ruby3.3'],
    ['provided:al2023.v50', 'provided.al2023'],
    ['something-new', 'something-new'],
  ])('maps runtime version %s to %s', (version, runtime) => {
    expect(runtimeFromVersion(version)).toBe(runtime);
  });
});

describe('timeouts and out-of-memory lines', () => {
  it('parses "Task timed out after N seconds" with its request id', () => {
    const line = pick(text, (l) => l.includes('Task timed out'));
    expect(parsePlatformLine(line)).toEqual({ kind: 'timeout', requestId: RID, seconds: 3 });
  });

  it('parses a timeout line without a request id prefix', () => {
    expect(parsePlatformLine('Task timed out after 30.03 seconds')).toEqual({ kind: 'timeout', seconds: 30.03 });
  });

  it('recognises the Node heap message', () => {
    const line = pick(text, (l) => l.includes('JavaScript heap out of memory'));
    expect(parsePlatformLine(line)).toEqual({ kind: 'outOfMemory', runtime: 'node' });
  });

  it.each([
    ['[ERROR] MemoryError\nTraceback (most recent call last):\n  File "/var/task/app.py", line 4, in handler', 'python'],
    ['Exception in thread "main" java.lang.OutOfMemoryError: Java heap space', 'java'],
    ['fatal error: runtime: out of memory\n\nruntime stack:', 'go'],
    ['/var/task/app.rb:3:in `handler\': failed to allocate memory (NoMemoryError)', 'ruby'],
  ])('recognises %j as %s', (line, runtime) => {
    expect(parsePlatformLine(line)).toEqual({ kind: 'outOfMemory', runtime });
  });
});

describe('ordinary lines', () => {
  it.each([
    pick(text, (l) => l.includes('\tINFO\tprocessing order 42')),
    pick(text, (l) => l.startsWith('[ERROR]')),
    'REPORT this is not a platform line',
  ])('is undefined for %j', (line) => {
    expect(parsePlatformLine(line)).toBeUndefined();
  });

  it('is undefined for a JSON app log and for other platform records', () => {
    expect(parseJsonLine(pick(json, (l) => l.includes('"level":"INFO"') && l.includes('"requestId"')))).toBeUndefined();
    expect(parseJsonLine('{"time":"2024-01-01T00:00:00.000Z","type":"platform.initRuntimeDone","record":{"initializationType":"on-demand","phase":"init","status":"success"}}')).toBeUndefined();
  });
});
