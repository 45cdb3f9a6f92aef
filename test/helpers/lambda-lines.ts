/**
 * The Lambda log lines of test/events/lambda/*.txt, one CloudWatch event message per entry:
 * comment lines (`# `) and blank lines skipped, and an `XRAY TraceId:` line joined to the REPORT
 * before it (Lambda writes both in one event).
 */
import { readFileSync } from 'node:fs';

export function lambdaLines(file: string): string[] {
  const text = readFileSync(new URL(`../events/lambda/${file}`, import.meta.url), 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# ')) continue;
    if (line.startsWith('XRAY TraceId:') && out.length > 0) out[out.length - 1] += `\n${line}`;
    else out.push(line);
  }
  return out;
}

/** The first line that passes `test`; a missing fixture line fails the test loudly. */
export function pick(lines: string[], test: (l: string) => boolean): string {
  const line = lines.find(test);
  if (line === undefined) throw new Error('fixture line not found');
  return line;
}
