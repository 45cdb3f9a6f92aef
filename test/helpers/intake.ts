/**
 * A real Datadog-compatible intake for tests: node:http on 127.0.0.1, port 0.
 *
 * Logs (`POST /api/v2/logs`) are checked the way the Datadog docs describe the intake
 * (https://docs.datadoghq.com/api/latest/logs/send-logs/; BACKENDS.md §1): `DD-API-KEY`,
 * `Content-Type: application/json`, `Content-Encoding: gzip`, a body that gunzips to valid
 * UTF-8 JSON, an array of ≤ 1,000 items, ≤ 5,000,000 bytes uncompressed, each item ≤ 1,000,000
 * bytes with a string `message`, `ddsource`, `ddtags` and `service`. A request that breaks a
 * rule gets a 400 naming the rule, and the rule is recorded in `violations` so that a test can
 * assert none happened. Accepted items are recorded; an item whose `aws.log.event.id` was
 * already accepted counts as a duplicate.
 *
 * Other paths (metrics, traces) are accepted when listed in `paths`: the body is decompressed
 * per its Content-Encoding and recorded raw, per path, for the tests of those destinations.
 *
 * Faults come from a plan: a function of each request (its sequence number, path and items)
 * that answers a status (500, 503, 429 with Retry-After, 413, 400, 401, 403 …), resets the
 * connection, or stalls; when it returns undefined the request is handled normally (recovery).
 * Every answer is written in one write (headers and body together), so the client is not
 * slowed by delayed ACKs (TOOLCHAIN.md, "HTTP test servers").
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import { startLoopbackServer } from './loopback-server.js';

export const LOGS_PATH = '/api/v2/logs';
export const METRICS_PATH = '/api/v1/distribution_points';
export const SERIES_PATH = '/api/v2/series';
export const TRACES_PATH = '/api/v0.2/traces';

export const INTAKE_LIMITS = { maxItems: 1_000, maxBytes: 5_000_000, maxItemBytes: 1_000_000 } as const;

export type LogItem = Record<string, unknown> & { message: string; ddsource: string; ddtags: string; service: string };

export type Fault =
  /** Answer this status (no item is kept). */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfter?: string; readonly body?: string }
  /** Destroy the connection without an answer; `accept` keeps the items first (an answer lost on the way back). */
  | { readonly kind: 'reset'; readonly accept?: boolean }
  /**
   * Keep the items (unless `accept` is false), then answer 202 only after `ms` (never, when
   * absent): a slow intake whose answer comes after the client gave up.
   */
  | { readonly kind: 'stall'; readonly ms?: number; readonly accept?: boolean };

export interface PlanRequest {
  /** 1-based over every request the intake received. */
  readonly seq: number;
  /** 1-based over the requests on this path. */
  readonly pathSeq: number;
  readonly path: string;
  /** The parsed items, for a valid logs request. */
  readonly items?: readonly LogItem[];
}

export type Plan = (request: PlanRequest) => Fault | undefined;

export interface RecordedRequest {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** Date.now() when the request line and headers arrived. */
  readonly receivedAt: number;
  /** Compressed size on the wire. */
  readonly wireBytes: number;
  /** The decompressed body (empty when it could not be decompressed). */
  readonly body: Buffer;
  /** Items in a valid logs request. */
  readonly itemCount: number;
  /** What the intake did: 'accepted', 'status:<n>', 'reset', 'stall', 'invalid'. */
  outcome: string;
  status?: number;
  /** Date.now() when the answer was written. */
  answeredAt?: number;
}

export interface IntakeOptions {
  /** The API key to require; any non-empty key when absent. */
  readonly apiKey?: string;
  /** Paths accepted besides /api/v2/logs. Default: the Datadog metrics (v1 distributions, v2 series) and traces paths. */
  readonly paths?: readonly string[];
  readonly limits?: Partial<typeof INTAKE_LIMITS>;
}

export interface Intake {
  /** Base URL, e.g. http://127.0.0.1:39123 (what DD_URL takes). */
  readonly url: string;
  /** Every accepted log item, in arrival order (duplicates included). */
  readonly items: LogItem[];
  readonly requests: RecordedRequest[];
  /** Protocol violations, one line each: `#<seq> <path>: <rule>`. */
  readonly violations: string[];
  /** Accepted items whose aws.log.event.id had been accepted before. */
  readonly duplicates: number;
  /** The distinct aws.log.event.id values accepted. */
  readonly eventIds: ReadonlySet<string>;
  /** Decompressed bodies of the accepted requests on a path. */
  bodies(path: string): Buffer[];
  /** Replaces the fault plan (undefined: no faults). */
  plan(plan: Plan | undefined): void;
  stop(): Promise<void>;
}

/** A plan that applies `faults` to the next logs requests, in order, then recovers. */
export function faultSequence(...faults: ReadonlyArray<Fault | undefined>): Plan {
  let next = 0;
  // Only logs requests take the faults: metrics requests (enhanced metrics, the forwarder's own
  // forwarder.* counts) run alongside and must not consume them.
  return (req) => (req.path === LOGS_PATH ? faults[next++] : undefined);
}

const STATUS_TEXT: Record<number, string> = { 202: '{}' };

export async function startIntake(options: IntakeOptions = {}): Promise<Intake> {
  const limits = { ...INTAKE_LIMITS, ...options.limits };
  const extraPaths = new Set(options.paths ?? [METRICS_PATH, SERIES_PATH, TRACES_PATH]);
  const items: LogItem[] = [];
  const requests: RecordedRequest[] = [];
  const violations: string[] = [];
  const eventIds = new Set<string>();
  const bodiesByPath = new Map<string, Buffer[]>();
  const timers = new Set<NodeJS.Timeout>();
  const pathCounts = new Map<string, number>();
  let duplicates = 0;
  let plan: Plan | undefined;
  let seq = 0;

  const answer = (res: ServerResponse, rec: RecordedRequest, status: number, body: string, headers: Record<string, string> = {}) => {
    if (res.destroyed || res.socket === null || res.socket.destroyed) return;
    rec.status = status;
    rec.answeredAt = Date.now();
    // Headers and body in one write: writeHead then end(body) with a known length.
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(body);
  };

  const accept = (path: string, body: Buffer, parsed: readonly LogItem[] | undefined) => {
    let list = bodiesByPath.get(path);
    if (list === undefined) bodiesByPath.set(path, (list = []));
    list.push(body);
    if (parsed === undefined) return;
    for (const item of parsed) {
      items.push(item);
      const id = item['aws.log.event.id'];
      if (typeof id !== 'string') continue;
      if (eventIds.has(id)) duplicates++;
      else eventIds.add(id);
    }
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer, receivedAt: number) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const n = ++seq;
    const pathSeq = (pathCounts.get(path) ?? 0) + 1;
    pathCounts.set(path, pathSeq);
    const check = validate(req, path, raw);
    const rec: RecordedRequest = {
      seq: n,
      method: req.method ?? '',
      path,
      headers: req.headers,
      receivedAt,
      wireBytes: raw.length,
      body: check.body,
      itemCount: check.items?.length ?? 0,
      outcome: 'invalid',
    };
    requests.push(rec);
    if (check.problem !== undefined) {
      violations.push(`#${n} ${path}: ${check.problem}`);
      answer(res, rec, check.status ?? 400, JSON.stringify({ errors: [check.problem] }));
      return;
    }
    const fault = plan?.({ seq: n, pathSeq, path, ...(check.items !== undefined && { items: check.items }) });
    if (fault === undefined) {
      rec.outcome = 'accepted';
      accept(path, check.body, check.items);
      answer(res, rec, 202, STATUS_TEXT[202] ?? '{}');
      return;
    }
    switch (fault.kind) {
      case 'status': {
        rec.outcome = `status:${fault.status}`;
        const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter };
        answer(res, rec, fault.status, fault.body ?? JSON.stringify({ errors: [`injected ${fault.status}`] }), headers);
        return;
      }
      case 'reset':
        rec.outcome = 'reset';
        if (fault.accept === true) accept(path, check.body, check.items);
        req.socket.destroy();
        return;
      case 'stall': {
        rec.outcome = 'stall';
        if (fault.accept !== false) accept(path, check.body, check.items);
        if (fault.ms !== undefined) {
          const t = setTimeout(() => {
            timers.delete(t);
            answer(res, rec, 202, '{}');
          }, fault.ms);
          timers.add(t);
        }
        return;
      }
    }
  };

  const validate = (req: IncomingMessage, path: string, raw: Buffer): { problem?: string; status?: number; body: Buffer; items?: LogItem[] } => {
    const empty = Buffer.alloc(0);
    if (path !== LOGS_PATH && !extraPaths.has(path)) return { problem: `unknown path ${path}`, status: 404, body: empty };
    if (req.method !== 'POST') return { problem: `method ${req.method ?? ''} (expected POST)`, body: empty };
    const key = req.headers['dd-api-key'];
    if (typeof key !== 'string' || key === '') return { problem: 'missing DD-API-KEY header', body: empty };
    if (options.apiKey !== undefined && key !== options.apiKey) return { problem: 'DD-API-KEY is not the expected key', body: empty };
    const encoding = req.headers['content-encoding'] ?? 'identity';
    let body: Buffer;
    try {
      body = encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? inflateSync(raw) : raw;
    } catch (err) {
      return { problem: `body does not decompress as ${encoding} (${(err as Error).message})`, body: empty };
    }
    if (path !== LOGS_PATH) return { body };

    if (encoding !== 'gzip') return { problem: `Content-Encoding is ${encoding} (expected gzip)`, body };
    const type = req.headers['content-type'] ?? '';
    if (type.split(';')[0]?.trim() !== 'application/json') return { problem: `Content-Type is "${type}" (expected application/json)`, body };
    if (body.length > limits.maxBytes) return { problem: `payload of ${body.length} bytes uncompressed (limit ${limits.maxBytes})`, body };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return { problem: 'body is not valid UTF-8', body };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      return { problem: `body is not JSON (${(err as Error).message})`, body };
    }
    if (!Array.isArray(doc)) return { problem: 'body is not a JSON array', body };
    if (doc.length === 0) return { problem: 'empty array', body };
    if (doc.length > limits.maxItems) return { problem: `${doc.length} items (limit ${limits.maxItems})`, body };
    for (let i = 0; i < doc.length; i++) {
      const item: unknown = doc[i];
      if (item === null || typeof item !== 'object' || Array.isArray(item)) return { problem: `item ${i} is not an object`, body };
      const o = item as Record<string, unknown>;
      for (const field of ['message', 'ddsource', 'ddtags', 'service']) {
        if (typeof o[field] !== 'string') return { problem: `item ${i}: ${field} is not a string`, body };
      }
      // JSON.stringify of a parsed JSON.stringify output gives the same bytes back.
      const size = Buffer.byteLength(JSON.stringify(o));
      if (size > limits.maxItemBytes) return { problem: `item ${i} is ${size} bytes (limit ${limits.maxItemBytes})`, body };
    }
    return { body, items: doc as LogItem[] };
  };

  const server = await startLoopbackServer(handle);

  return {
    url: server.url,
    items,
    requests,
    violations,
    get duplicates() {
      return duplicates;
    },
    eventIds,
    bodies: (path) => [...(bodiesByPath.get(path) ?? [])],
    plan(p) {
      plan = p;
    },
    stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return server.stop();
    },
  };
}
