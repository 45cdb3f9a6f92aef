/**
 * parsers/lambda-line.ts: request id, level and platform kind of Lambda log lines, on lines
 * exactly as AWS writes them (fixtures copied from the formats reference: Node.js and Python
 * text formats, START/END/REPORT, the JSON log format's platform records and app lines).
 */
import { describe, expect, it } from 'vitest';
import { isRequestId, lineFacts } from '../../parsers/lambda-line.js';
import { payloadMessages } from '../helpers/events.js';

const ID = '3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42';
const JSON_ID = '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa';

/** The i-th message of a fixture payload without the newline CloudWatch keeps (as records.ts passes it). */
function line(fixture: string, i: number): string {
  const m = payloadMessages(fixture)[i];
  if (m === undefined) throw new Error(`${fixture} has no message ${i}`);
  return m.endsWith('\n') ? m.slice(0, -1) : m;
}

/** The facts of a JSON line, parsed as the record builder parses it. */
function jsonLine(fixture: string, i: number) {
  const l = line(fixture, i);
  return lineFacts(l, JSON.parse(l) as Record<string, unknown>);
}

describe('platform text lines', () => {
  it('START opens an invocation with its request id', () => {
    expect(lineFacts(line('lambda-node', 1))).toEqual({ platform: 'start', requestId: ID });
  });

  it('END carries the request id', () => {
    expect(lineFacts(line('lambda-node', 4))).toEqual({ platform: 'end', requestId: ID });
  });

  it('REPORT with an X-Ray second line in the same event carries the request id', () => {
    expect(lineFacts(line('lambda-node', 5))).toEqual({ platform: 'report', requestId: ID });
  });

  it('REPORT with Status: timeout carries the request id', () => {
    expect(lineFacts(line('lambda-python', 6))).toEqual({ platform: 'report', requestId: ID });
  });

  it('INIT_START says nothing about an invocation', () => {
    expect(lineFacts(line('lambda-node', 0))).toEqual({});
  });

  it('the platform timeout line carries the request id after a space', () => {
    expect(lineFacts(line('lambda-python', 4))).toEqual({ requestId: ID });
  });

  it('a START line whose id is not a UUID keeps the platform kind and no id', () => {
    expect(lineFacts('START RequestId: not-a-request-id Version: $LATEST')).toEqual({ platform: 'start' });
  });

  it('a 36-character token that is not hex digits and dashes is not an id', () => {
    expect(lineFacts(`END RequestId: ${'x'.repeat(36)}`)).toEqual({ platform: 'end' });
    expect(lineFacts('END RequestId: zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz')).toEqual({ platform: 'end' });
  });

  it('an id is the UUID at its place, whatever follows it', () => {
    expect(lineFacts(`START RequestId: ${ID}\rVersion: 1`)).toEqual({ platform: 'start', requestId: ID });
    expect(lineFacts(`END RequestId: ${ID},`)).toEqual({ platform: 'end', requestId: ID });
  });

  it('an END line keeps its id when CloudWatch kept the newline', () => {
    expect(lineFacts(`END RequestId: ${ID}\n`)).toEqual({ platform: 'end', requestId: ID });
  });
});

describe('Node.js text format', () => {
  it('an INFO line gives its request id and level', () => {
    expect(lineFacts(line('lambda-node', 2))).toEqual({ requestId: ID, level: 'INFO' });
  });

  it('an Invoke Error line is ERROR', () => {
    expect(lineFacts(line('lambda-node', 3))).toEqual({ requestId: ID, level: 'ERROR' });
  });

  it('the trailing newline CloudWatch keeps does not change the facts', () => {
    expect(lineFacts(`${line('lambda-node', 2)}\n`)).toEqual({ requestId: ID, level: 'INFO' });
  });
});

describe('Python text format', () => {
  it('an [INFO] line gives its request id and level', () => {
    expect(lineFacts(line('lambda-python', 1))).toEqual({ requestId: ID, level: 'INFO' });
  });

  it('an [ERROR] line is ERROR', () => {
    expect(lineFacts(line('lambda-python', 2))).toEqual({ requestId: ID, level: 'ERROR' });
  });

  it('[WARNING] is normalised to WARN', () => {
    const l = line('lambda-python', 1).replace('[INFO]', '[WARNING]');
    expect(lineFacts(l)).toEqual({ requestId: ID, level: 'WARN' });
  });

  it('[CRITICAL] is normalised to FATAL', () => {
    const l = line('lambda-python', 2).replace('[ERROR]', '[CRITICAL]');
    expect(lineFacts(l)).toEqual({ requestId: ID, level: 'FATAL' });
  });

  it('a print() line has no prefix and says nothing', () => {
    expect(lineFacts(line('lambda-python', 3))).toEqual({});
  });
});

describe('JSON log format', () => {
  it('platform.initStart says nothing about an invocation', () => {
    expect(jsonLine('lambda-json-format', 0)).toEqual({});
  });

  it('platform.start opens the invocation', () => {
    expect(jsonLine('lambda-json-format', 1)).toEqual({ platform: 'start', requestId: JSON_ID });
  });

  it('a Node.js app line gives level and request id', () => {
    expect(jsonLine('lambda-json-format', 2)).toEqual({ requestId: JSON_ID, level: 'INFO' });
  });

  it('a Node.js error line whose message is an object is ERROR', () => {
    expect(jsonLine('lambda-json-format', 3)).toEqual({ requestId: JSON_ID, level: 'ERROR' });
  });

  it('a Python app line (spaces after the separators) gives level and request id', () => {
    expect(jsonLine('lambda-json-format', 4)).toEqual({ requestId: JSON_ID, level: 'INFO' });
  });

  it('platform.runtimeDone ends the invocation', () => {
    expect(jsonLine('lambda-json-format', 5)).toEqual({ platform: 'end', requestId: JSON_ID });
  });

  it('platform.report closes the invocation', () => {
    expect(jsonLine('lambda-json-format', 6)).toEqual({ platform: 'report', requestId: JSON_ID });
  });

  it('a Powertools (Python) line gives function_request_id and level', () => {
    expect(jsonLine('lambda-powertools', 0)).toEqual({ requestId: '52fdfc07-2182-154f-163f-5f0f9a621d72', level: 'INFO' });
  });

  it('a requestId that is not a UUID is ignored', () => {
    expect(lineFacts('{"level":"info","requestId":"abc"}', { level: 'info', requestId: 'abc' })).toEqual({ level: 'INFO' });
  });

  it('an unknown level is left out', () => {
    expect(lineFacts('{"level":30}', { level: 30 })).toEqual({});
  });
});

describe('bad or odd input never throws', () => {
  const odd = [
    '',
    '[',
    '[]\t',
    '[INFO]',
    '2024-01-01T00:00:00.000Z',
    '2024-01-01T00:00:00.000Z\tnot-an-id-but-long-enough-to-look-at-0000000000\tINFO\tx',
    '9'.repeat(200),
    'START RequestId: ',
    'REPORT RequestId: 3b1f8a2c',
    '\u0000\uFFFD\uD800',
  ];
  it.each(odd)('%j gives no facts beyond what it states', (l) => {
    const facts = lineFacts(l);
    expect(facts.requestId).toBeUndefined();
    expect(facts.level).toBeUndefined();
  });

  it('a Python line cut before its request id keeps the level it states', () => {
    expect(lineFacts('[INFO]\t2024-01-01T00:00:00.120Z')).toEqual({ level: 'INFO' });
  });

  it('a 1 MiB line is scanned without error', () => {
    const big = `${line('lambda-node', 2)}${'x'.repeat(1024 * 1024)}`;
    expect(lineFacts(big)).toEqual({ requestId: ID, level: 'INFO' });
  });
});

describe('isRequestId', () => {
  it('accepts a UUID', () => {
    expect(isRequestId(ID)).toBe(true);
  });

  it('accepts upper-case hex', () => {
    expect(isRequestId(ID.toUpperCase())).toBe(true);
  });

  it('reads at an offset', () => {
    expect(isRequestId(`x\t${ID}`, 2)).toBe(true);
  });

  it('rejects a string too short', () => {
    expect(isRequestId(ID.slice(0, 35))).toBe(false);
  });

  it('rejects a dash out of place', () => {
    expect(isRequestId('3b1f8a2c6-d4e-4f7a-9c21-0e5d7b9a1f42')).toBe(false);
  });

  it('rejects a non-hex character', () => {
    expect(isRequestId('3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f4g')).toBe(false);
  });
});
