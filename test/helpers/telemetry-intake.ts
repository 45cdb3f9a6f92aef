/**
 * Test-side Datadog metrics and trace intakes: a local HTTP server (127.0.0.1, port 0) that
 * records every request (headers, decompressed body) and answers with scripted statuses, plus
 * an independent protobufjs decoder for the legacy trace payload, written from the .proto facts
 * in BACKENDS.md §3 (field numbers from Vector's `proto/dd_trace.proto`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { startLoopbackServer } from './loopback-server.js';

const PROTO = `
syntax = "proto3";
package pb;
message Span {
  string service = 1;
  string name = 2;
  string resource = 3;
  uint64 traceID = 4;
  uint64 spanID = 5;
  uint64 parentID = 6;
  int64 start = 7;
  int64 duration = 8;
  int32 error = 9;
  map<string, string> meta = 10;
  map<string, double> metrics = 11;
  string type = 12;
}
message APITrace {
  uint64 traceID = 1;
  repeated Span spans = 2;
  int64 startTime = 6;
  int64 endTime = 7;
}
message TracePayload {
  string hostName = 1;
  string env = 2;
  repeated APITrace traces = 3;
  repeated Span transactions = 4;
}
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
export const SpanType = root.lookupType('pb.Span');
export const TracePayloadType = root.lookupType('pb.TracePayload');

/** A decoded message as a plain object: 64-bit integers as decimal strings, default fields absent. */
export type Decoded = Record<string, unknown>;

export function decodeTracePayload(bytes: Uint8Array): Decoded {
  return TracePayloadType.toObject(TracePayloadType.decode(bytes), { longs: String }) as Decoded;
}

export function decodeSpan(bytes: Uint8Array): Decoded {
  return SpanType.toObject(SpanType.decode(bytes), { longs: String }) as Decoded;
}

/** The decimal form of a hex id, as protobufjs prints a uint64. */
export const dec = (hex: string): string => BigInt(`0x${hex}`).toString();

export interface IntakeRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body after undoing Content-Encoding (gzip, deflate, identity). */
  readonly body: Buffer;
  /** Bytes on the wire. */
  readonly wireBytes: number;
}

export interface TelemetryIntake {
  readonly url: string;
  readonly requests: IntakeRequest[];
  /** Statuses to answer, in order, before falling back to 202. */
  readonly script: number[];
  close(): Promise<void>;
}

function decompress(encoding: string | undefined, raw: Buffer): Buffer {
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  return raw;
}

export async function startTelemetryIntake(): Promise<TelemetryIntake> {
  const requests: IntakeRequest[] = [];
  const script: number[] = [];
  const server = await startLoopbackServer((req, res, raw) => {
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: decompress(req.headers['content-encoding'], raw),
      wireBytes: raw.length,
    });
    const status = script.shift() ?? 202;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 202 ? '{"status":"ok"}' : '{"errors":["scripted"]}');
  });
  return { url: server.url, requests, script, close: () => server.stop() };
}
