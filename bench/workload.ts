/**
 * Realistic CloudWatch Logs subscription payloads for benchmarks, generated deterministically:
 * Lambda invocations in the Node.js text format, Python text format and the JSON log format,
 * with START/END/REPORT platform lines, structured app logs, stack traces, and metric lines.
 */
import { gzipSync } from 'node:zlib';

/** Small deterministic PRNG (mulberry32) so every run measures the same bytes. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (r: () => number, n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const uuid = (r: () => number) => `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
const WORDS = ['order', 'customer', 'payment', 'inventory', 'shipment', 'processed', 'retrying', 'cache', 'miss', 'hit', 'upstream', 'latency', 'user', 'session', 'token', 'validated', 'queue', 'batch'];
const sentence = (r: () => number, n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)]).join(' ');

export interface Payload {
  readonly event: { awslogs: { data: string } };
  /** Sum of the log events' message bytes (the "uncompressed log data"). */
  readonly messageBytes: number;
  readonly events: number;
}

export type Mix = 'mixed' | 'platform-heavy';

/** One invocation's lines; `platformHeavy` makes most lines START/END/REPORT. */
function invocation(r: () => number, t: number, mix: Mix): string[] {
  const id = uuid(r);
  const iso = new Date(t).toISOString();
  const lines = [`START RequestId: ${id} Version: $LATEST\n`];
  const appLines = mix === 'platform-heavy' ? 0 : 4 + Math.floor(r() * 8);
  for (let i = 0; i < appLines; i++) {
    const k = r();
    if (k < 0.35) lines.push(`${iso}\t${id}\tINFO\t${sentence(r, 8 + Math.floor(r() * 20))}\n`);
    else if (k < 0.5) lines.push(`[INFO]\t${iso}\t${id}\t${sentence(r, 10 + Math.floor(r() * 15))}\n`);
    else if (k < 0.8)
      lines.push(`${JSON.stringify({ timestamp: iso, level: 'INFO', requestId: id, message: sentence(r, 6), service: 'orders', order_id: `o-${Math.floor(r() * 1e6)}`, duration_ms: Math.round(r() * 500), xray_trace_id: `1-${hex(r, 8)}-${hex(r, 24)}` })}\n`);
    else if (k < 0.9)
      lines.push(`${iso}\t${id}\tERROR\tInvoke Error {"errorType":"Error","errorMessage":"${sentence(r, 4)}","stack":["Error: boom","    at Runtime.handler (file:///var/task/index.mjs:3:9)","    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)"]}\n`);
    else if (k < 0.95) lines.push(`{"e":${t / 1000},"m":"orders.created","t":["env:prod"],"v":${Math.floor(r() * 10)}}\n`);
    else lines.push(`${iso}\t${id}\tWARN\t[dd.trace_id=${BigInt.asUintN(63, BigInt(`0x${hex(r, 16)}`))} dd.span_id=${BigInt(`0x${hex(r, 16)}`)}] ${sentence(r, 10)}\n`);
  }
  lines.push(`END RequestId: ${id}\n`);
  const cold = r() < 0.1 ? `Init Duration: ${(150 + r() * 300).toFixed(2)} ms\t` : '';
  const d = r() * 900;
  lines.push(`REPORT RequestId: ${id}\tDuration: ${d.toFixed(2)} ms\tBilled Duration: ${Math.ceil(d)} ms\tMemory Size: 512 MB\tMax Memory Used: ${60 + Math.floor(r() * 100)} MB\t${cold}\n`);
  return lines;
}

/** `start`: the first event's timestamp; recent by default, as live subscriptions deliver. */
export function makePayloads(count: number, eventsPerPayload: number, mix: Mix = 'mixed', seed = 42, start = Date.now() - 600_000): Payload[] {
  const r = rng(seed);
  const out: Payload[] = [];
  let t = Math.floor(start);
  for (let p = 0; p < count; p++) {
    const logEvents: Array<{ id: string; timestamp: number; message: string }> = [];
    while (logEvents.length < eventsPerPayload) {
      for (const message of invocation(r, t, mix)) {
        if (logEvents.length >= eventsPerPayload) break;
        logEvents.push({ id: `${t}${String(logEvents.length).padStart(6, '0')}${p}`, timestamp: t, message });
        t += 1 + Math.floor(r() * 5);
      }
    }
    const doc = {
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logGroup: `/aws/lambda/orders-api-${p % 4}`,
      logStream: `2024/01/01/[$LATEST]${hex(r, 32)}`,
      subscriptionFilters: ['log-forwarder'],
      logEvents,
    };
    const messageBytes = logEvents.reduce((n, e) => n + Buffer.byteLength(e.message), 0);
    out.push({ event: { awslogs: { data: gzipSync(JSON.stringify(doc)).toString('base64') } }, messageBytes, events: logEvents.length });
  }
  return out;
}
