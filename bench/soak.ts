/**
 * Soak (issue 7): thousands of invocations of one Forwarder, in one process, as one warm Lambda
 * container would run them, against a flaky local intake (node:http on 127.0.0.1, port 0; a
 * seeded share of 500s and connection resets) with the failure store on s3rver. Replays run
 * every `replayEvery` invocations (the scheduled replay), and once more at the end after the
 * intake recovers, until the store is empty.
 *
 * It checks three things and prints one summary:
 *  - memory does not grow: heapUsed after a full GC (run under `node --expose-gc`) and RSS are
 *    sampled every `sampleEvery` invocations; first / last / max and the least-squares slope
 *    (KB per 1,000 invocations) after the warm-up are reported; heap growth fails the run;
 *  - connections are reused: the intake counts 'connection' events against requests; every
 *    reset costs one connection, anything beyond a few per send slot fails the run;
 *  - the accounting holds at the end: per the forwarder's own summary lines, received =
 *    emitted + filtered + converted + rejected and emitted = forwarded + stored + failed +
 *    rejected; everything stored was replayed; every deliverable line reached the intake, and
 *    no line arrived twice except where an invocation failed and was redelivered.
 *
 * Bounded in count (`invocations`) and in time (`maxMs`: no invocation starts after it); stops
 * by itself. Lines are the forwarder's own input formats (Lambda Node.js text, JSON, platform
 * lines) over a fixed set of log groups and streams, as a forwarder serving a few functions sees.
 *
 *   node --expose-gc --import tsx bench/soak.ts [invocations]
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { loadConfig } from '../forwarder/config/index.js';
import { Forwarder } from '../forwarder/forwarder.js';
import type { Logger } from '../forwarder/logger.js';
import { startLoopbackServer } from '../test/helpers/loopback-server.js';
import { startS3Server } from '../test/helpers/s3-server.js';
import { rng } from './workload.js';

export interface SoakOptions {
  /** Invocations to run (default 6,000). */
  readonly invocations?: number;
  /** Lines per invocation are drawn between these (default 20 and 200). */
  readonly minLines?: number;
  readonly maxLines?: number;
  /** Memory is sampled every N invocations (default 200). */
  readonly sampleEvery?: number;
  /**
   * Samples taken before this many invocations are warm-up, not judged (default 3,000): until
   * then the JIT keeps compiling (code and deopt data grow ~1 MB), which a short run would
   * mistake for a leak.
   */
  readonly warmup?: number;
  /** A scheduled replay runs every N invocations (default 500). */
  readonly replayEvery?: number;
  /** Shares of log requests answered 500, and reset without an answer (defaults 0.1, 0.05). */
  readonly failShare?: number;
  readonly resetShare?: number;
  readonly seed?: number;
  /** No invocation starts after this many ms (default 240,000). */
  readonly maxMs?: number;
  /** Where the summary goes (default console.log). */
  readonly print?: (text: string) => void;
  /** Called after each memory sample (e.g. to write a heap snapshot when hunting a leak). */
  readonly onSample?: (invocationsDone: number) => void;
}

export interface SoakResult {
  readonly invocations: number;
  readonly lines: number;
  readonly elapsedMs: number;
  readonly gcExposed: boolean;
  readonly memory: {
    readonly samples: number;
    readonly heapMB: { readonly first: number; readonly last: number; readonly max: number };
    readonly rssMB: { readonly first: number; readonly last: number; readonly max: number };
    /** Least-squares slope after the warm-up, KB per 1,000 invocations. */
    readonly heapSlopeKBPer1k: number;
    /** [invocations done, heapUsed MB] of every sample, warm-up included. */
    readonly heapSeries: ReadonlyArray<readonly [number, number]>;
    readonly rssSlopeKBPer1k: number;
  };
  readonly connections: { readonly connections: number; readonly requests: number; readonly resets: number; readonly requestsPerConnection: number };
  readonly accounting: {
    readonly input: number;
    readonly received: number;
    readonly emitted: number;
    readonly filtered: number;
    readonly converted: number;
    readonly rejected: number;
    readonly forwarded: number;
    readonly stored: number;
    readonly failed: number;
    readonly replayed: number;
    readonly replays: number;
    readonly redeliveries: number;
    readonly arrivedUnique: number;
    readonly duplicates: number;
    readonly missing: number;
    readonly storeLeft: number;
  };
  readonly ok: boolean;
  readonly problems: readonly string[];
}

const FAKE_KEY = 'soak-fake-api-key-0000000000000000';
const OWN_GROUP = '/aws/lambda/log-forwarder';
const LOGS_PATH = '/api/v2/logs';
const GROUPS = 10;
const STREAMS = 10;
/**
 * Heap growth past this slope after the warm-up fails the run: anything of a quarter KB or more
 * kept per invocation shows. Measured without a leak: ~70 KB per 1,000 invocations from 3,000 to
 * 15,000 (JIT code, and the sliding window of per-request timeout timers, per heap snapshots).
 */
const MAX_HEAP_SLOPE_KB_PER_1K = 256;

// ---------------------------------------------------------------------------------------------
// The flaky intake

interface FlakyIntake {
  readonly url: string;
  readonly stats: { readonly connections: number; requests: number; resets: number; failures: number; arrivals: number };
  /** Arrivals per line index (saturating at 255). */
  readonly arrived: Uint8Array;
  healthy: boolean;
  stop(): Promise<void>;
}

/**
 * Datadog-compatible enough for the soak: a logs request is gunzipped and its items counted by
 * their event id (which encodes the line index), into a preallocated array, so the intake itself
 * does not grow while memory is measured.
 */
async function startFlakyIntake(totalLines: number, linesPerId: number, o: { failShare: number; resetShare: number; seed: number }): Promise<FlakyIntake> {
  const random = rng(o.seed);
  const arrived = new Uint8Array(totalLines);
  const stats = {
    get connections() {
      return server.connections;
    },
    requests: 0,
    resets: 0,
    failures: 0,
    arrivals: 0,
  };
  const answer = (res: ServerResponse, status: number, body: string) => {
    // Headers and body in one write (TOOLCHAIN.md: a split write stalls on delayed ACKs).
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
  const intake: FlakyIntake = {
    url: '',
    stats,
    arrived,
    healthy: false,
    stop: () => server.stop(),
  };
  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    stats.requests++;
    const path = (req.url ?? '').split('?')[0];
    if (path === LOGS_PATH && !intake.healthy) {
      const r = random();
      if (r < o.resetShare) {
        stats.resets++;
        req.socket.destroy();
        return;
      }
      if (r < o.resetShare + o.failShare) {
        stats.failures++;
        answer(res, 500, '{"errors":["injected"]}');
        return;
      }
    }
    if (path === LOGS_PATH) {
      const items = JSON.parse(gunzipSync(body).toString('utf8')) as Array<Record<string, unknown>>;
      for (const item of items) {
        const id = String(item['aws.log.event.id']);
        const index = Number(id.slice(0, 28)) * linesPerId + Number(id.slice(28));
        if (index < arrived.length && (arrived[index] ?? 0) < 255) arrived[index] = (arrived[index] ?? 0) + 1;
        stats.arrivals++;
      }
    }
    answer(res, 202, '{}');
  };
  const server = await startLoopbackServer(handle);
  return Object.assign(intake, { url: server.url });
}

// ---------------------------------------------------------------------------------------------
// Events

/** Event id: invocation (28 digits) + line (28 digits), 56 digits like the service's. */
const eventId = (invocation: number, line: number) => `${String(invocation).padStart(28, '0')}${String(line).padStart(28, '0')}`;

function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}

/** One CloudWatch Logs subscription event of `count` lines; every 50th comes from our own group. */
function makeEvent(invocation: number, count: number, r: () => number): { awslogs: { data: string } } {
  const own = invocation % 50 === 49;
  const group = own ? OWN_GROUP : `/aws/lambda/soak-fn-${invocation % GROUPS}`;
  const stream = `2024/01/01/[$LATEST]${String(Math.floor(invocation / GROUPS) % STREAMS).padStart(32, '0')}`;
  const t0 = 1_704_067_200_000 + invocation * 1000;
  const requestId = `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
  const logEvents: Array<{ id: string; timestamp: number; message: string }> = [];
  for (let i = 0; i < count; i++) {
    const t = t0 + i;
    const iso = new Date(t).toISOString();
    let message: string;
    if (i === 0) message = `START RequestId: ${requestId} Version: $LATEST\n`;
    else if (i === count - 1) message = `END RequestId: ${requestId}\n`;
    else if (i % 3 === 0) message = `${JSON.stringify({ timestamp: iso, level: 'INFO', requestId, message: 'order processed', order_id: `o-${invocation}-${i}`, duration_ms: Math.floor(r() * 500) })}\n`;
    else message = `${iso}\t${requestId}\t${r() < 0.1 ? 'WARN' : 'INFO'}\tprocessing order ${invocation}-${i} for customer ${hex(r, 6)}\n`;
    logEvents.push({ id: eventId(invocation, i), timestamp: t, message });
  }
  const doc = { messageType: 'DATA_MESSAGE', owner: '123456789012', logGroup: group, logStream: stream, subscriptionFilters: ['log-forwarder'], logEvents };
  return { awslogs: { data: gzipSync(JSON.stringify(doc)).toString('base64') } };
}

// ---------------------------------------------------------------------------------------------
// Measures

function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Running sums of the logs counts of summary lines (`outcome[signal,destination,reason]=n`). */
class Tally {
  received = 0;
  emitted = 0;
  filtered = 0;
  converted = 0;
  rejectedInput = 0;
  rejectedByDestination = 0;
  forwarded = 0;
  stored = 0;
  stillFailing = 0;
  failed = 0;
  replayed = 0;

  add(summary: string): void {
    for (const part of summary.split(' ')) {
      const m = /^([a-z]+)\[logs(?:,([^\]]*))?\]=(\d+)$/.exec(part);
      if (m === null) continue;
      const rest = m[2] === undefined ? [] : m[2].split(',');
      const toDestination = rest[0] === 'datadog';
      const n = Number(m[3]);
      switch (m[1]) {
        case 'received':
        case 'emitted':
        case 'filtered':
        case 'converted':
        case 'forwarded':
        case 'failed':
        case 'replayed':
          this[m[1]] += n;
          break;
        case 'stored':
          if (rest.includes('still_failing')) this.stillFailing += n;
          else this.stored += n;
          break;
        case 'rejected':
          if (toDestination) this.rejectedByDestination += n;
          else this.rejectedInput += n;
          break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

export async function runSoak(options: SoakOptions = {}): Promise<SoakResult> {
  const o = {
    invocations: options.invocations ?? 6_000,
    minLines: options.minLines ?? 20,
    maxLines: options.maxLines ?? 200,
    sampleEvery: options.sampleEvery ?? 200,
    warmup: options.warmup ?? 3_000,
    replayEvery: options.replayEvery ?? 500,
    failShare: options.failShare ?? 0.1,
    resetShare: options.resetShare ?? 0.05,
    seed: options.seed ?? 7,
    maxMs: options.maxMs ?? 240_000,
    print: options.print ?? ((text: string) => console.log(text)),
  };
  const gc = (globalThis as { gc?: () => void }).gc;
  const problems: string[] = [];
  const s3 = await startS3Server();
  const bucket = 'soak-failures';
  await s3.createBucket(bucket);
  const client = s3.client();
  const intake = await startFlakyIntake(o.invocations * o.maxLines, o.maxLines, { failShare: o.failShare, resetShare: o.resetShare, seed: o.seed });
  const tally = new Tally();
  let replays = 0;
  let lastReplay: Record<string, unknown> | undefined;
  const logger: Logger = {
    log(_level, message, fields) {
      // Only numbers are kept, so the soak itself does not grow.
      if (message === 'forwarder summary') tally.add(String(fields?.['counts'] ?? ''));
      else if (message === 'replay done') lastReplay = fields;
    },
  };
  const config = loadConfig({
    DD_API_KEY: FAKE_KEY,
    DD_URL: intake.url,
    FAILURE_BUCKET: bucket,
    AWS_LAMBDA_LOG_GROUP_NAME: OWN_GROUP,
    AWS_REGION: 'us-east-1',
    MAX_RETRIES: '1',
    RETRY_BASE_DELAY_MS: '1',
    REQUEST_TIMEOUT_MS: '5000',
    SEND_CONCURRENCY: '4',
    DEADLINE_MARGIN_MS: '1000',
  });
  const forwarder = new Forwarder(config, { s3: client, logger });
  const context = { getRemainingTimeInMillis: () => 60_000 };
  const random = rng(o.seed + 1);

  const heap: Array<readonly [number, number]> = [];
  const rss: Array<readonly [number, number]> = [];
  const sample = (at: number) => {
    gc?.();
    const m = process.memoryUsage();
    heap.push([at, m.heapUsed]);
    rss.push([at, m.rss]);
    options.onSample?.(at);
  };
  const replay = async () => {
    await forwarder.handle({ replay: true }, context);
    replays++;
  };

  const started = performance.now();
  let input = 0;
  let redeliveries = 0;
  let done = 0;
  sample(0);
  for (let i = 0; i < o.invocations; i++) {
    if (performance.now() - started > o.maxMs) break;
    const lines = o.minLines + Math.floor(random() * (o.maxLines - o.minLines + 1));
    const event = makeEvent(i, lines, random);
    input += lines;
    // A failed invocation is retried by AWS with the same event; the soak does the same, at once.
    for (let attempt = 0; ; attempt++) {
      const failed = await forwarder.handle(event, context).then(
        () => false,
        () => true,
      );
      if (!failed) break;
      redeliveries++;
      if (attempt >= 5) {
        problems.push(`invocation ${i} still failed after ${attempt + 1} attempts`);
        break;
      }
    }
    done = i + 1;
    if (done % o.replayEvery === 0) await replay();
    if (done % o.sampleEvery === 0) sample(done);
  }
  // The intake recovers; replay until the store is empty (bounded).
  intake.healthy = true;
  for (let round = 0; round < 5; round++) {
    await replay();
    if (lastReplay?.['found'] === 0) break;
  }
  const storeLeft = (await client.send(new ListObjectsV2Command({ Bucket: bucket }))).KeyCount ?? 0;
  const elapsedMs = performance.now() - started;
  await intake.stop();
  await s3.stop();

  // Accounting.
  let arrivedUnique = 0;
  let duplicates = 0;
  for (const n of intake.arrived) {
    if (n > 0) arrivedUnique++;
    if (n > 1) duplicates += n - 1;
  }
  const t = tally;
  const deliverable = input - t.filtered - t.converted - t.rejectedInput - t.rejectedByDestination;
  const missing = deliverable - arrivedUnique;
  if (t.received !== input) problems.push(`received ${t.received} of ${input} input lines`);
  if (t.emitted + t.filtered + t.converted + t.rejectedInput !== t.received) problems.push('received != emitted + filtered + converted + rejected');
  if (t.forwarded + t.stored + t.failed + t.rejectedByDestination !== t.emitted) problems.push('emitted != forwarded + stored + failed + rejected');
  if (t.replayed !== t.stored) problems.push(`stored ${t.stored} lines but replayed ${t.replayed}`);
  if (storeLeft !== 0) problems.push(`${storeLeft} objects left in the store`);
  if (missing !== 0) problems.push(`${missing} deliverable lines never arrived`);
  if (intake.stats.arrivals !== t.forwarded + t.replayed) problems.push(`the intake counted ${intake.stats.arrivals} arrivals, the forwarder ${t.forwarded + t.replayed}`);
  // Resets here never keep the body, so a duplicate can only come from a redelivered event.
  if (duplicates > 0 && redeliveries === 0) problems.push(`${duplicates} duplicates without a redelivery`);

  // Memory: judged after the warm-up (caches fill, the JIT settles).
  const judged = (points: ReadonlyArray<readonly [number, number]>) => points.filter(([x]) => x >= o.warmup);
  const kbPer1k = (points: ReadonlyArray<readonly [number, number]>) => (slope(judged(points)) * 1000) / 1024;
  const mb = (points: ReadonlyArray<readonly [number, number]>) => {
    const ys = judged(points).map(([, y]) => y / 1024 / 1024);
    return { first: ys[0] ?? Number.NaN, last: ys.at(-1) ?? Number.NaN, max: Math.max(...ys) };
  };
  const heapSlope = kbPer1k(heap);
  if (gc === undefined) problems.push('run with node --expose-gc: heap figures without a GC are noise');
  else if (judged(heap).length >= 3 && heapSlope > MAX_HEAP_SLOPE_KB_PER_1K) problems.push(`heap grows by ${heapSlope.toFixed(0)} KB per 1,000 invocations`);

  // Connections: each injected reset closes one. Beyond those, new connections come from idle
  // ones closing (keep-alive timeouts: the slots only replays use sit idle between replays); with
  // reuse they are a small fraction of the requests, without it there would be one per request.
  const { connections, requests, resets } = intake.stats;
  const spare = connections - resets;
  if (spare > Math.max(2 * config.delivery.concurrency, 0.02 * requests)) problems.push(`${spare} connections opened beyond the ${resets} resets for ${requests} requests: not reused`);

  const result: SoakResult = {
    invocations: done,
    lines: input,
    elapsedMs,
    gcExposed: gc !== undefined,
    memory: {
      samples: judged(heap).length,
      heapMB: mb(heap),
      rssMB: mb(rss),
      heapSlopeKBPer1k: heapSlope,
      rssSlopeKBPer1k: kbPer1k(rss),
      heapSeries: heap.map(([x, y]) => [x, Math.round((y / 1024 / 1024) * 100) / 100] as const),
    },
    connections: { connections, requests, resets, requestsPerConnection: requests / Math.max(1, connections) },
    accounting: {
      input,
      received: t.received,
      emitted: t.emitted,
      filtered: t.filtered,
      converted: t.converted,
      rejected: t.rejectedInput + t.rejectedByDestination,
      forwarded: t.forwarded,
      stored: t.stored,
      failed: t.failed,
      replayed: t.replayed,
      replays,
      redeliveries,
      arrivedUnique,
      duplicates,
      missing,
      storeLeft,
    },
    ok: problems.length === 0,
    problems,
  };
  o.print(formatSoak(result));
  return result;
}

export function formatSoak(r: SoakResult): string {
  const f = (n: number, d = 1) => n.toFixed(d);
  const m = r.memory;
  const a = r.accounting;
  const c = r.connections;
  return [
    `soak: ${r.invocations} invocations, ${a.input} lines in ${f(r.elapsedMs / 1000)} s (${f((r.invocations * 1000) / r.elapsedMs, 0)} invocations/s) — ${r.ok ? 'OK' : `FAILED: ${r.problems.join('; ')}`}`,
    `  memory after warm-up (${m.samples} samples${r.gcExposed ? ', after GC' : ', NO GC'}): heap first ${f(m.heapMB.first)} / last ${f(m.heapMB.last)} / max ${f(m.heapMB.max)} MB, slope ${f(m.heapSlopeKBPer1k)} KB per 1k invocations; rss first ${f(m.rssMB.first)} / last ${f(m.rssMB.last)} / max ${f(m.rssMB.max)} MB, slope ${f(m.rssSlopeKBPer1k)} KB per 1k`,
    `  connections: ${c.connections} for ${c.requests} requests (${f(c.requestsPerConnection)} per connection), ${c.resets} of them closed by injected resets`,
    `  accounting: received ${a.received} = emitted ${a.emitted} + filtered ${a.filtered} + converted ${a.converted} + rejected ${a.rejected}; forwarded ${a.forwarded} + stored ${a.stored} + failed ${a.failed}; replayed ${a.replayed} in ${a.replays} replays; store left ${a.storeLeft}; arrived ${a.arrivedUnique} distinct, missing ${a.missing}, duplicates ${a.duplicates} (redelivered invocations ${a.redeliveries})`,
  ].join('\n');
}

// Run directly: node --expose-gc --import tsx bench/soak.ts [invocations]
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const r = await runSoak(n === undefined ? {} : { invocations: n });
  if (!r.ok) process.exitCode = 1;
}
