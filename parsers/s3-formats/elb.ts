/**
 * Classic Load Balancer access logs: one request per line, space-separated, request and user
 * agent in double quotes. Field order from "Access log entries"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/access-log-collection.html):
 * time elb client:port backend:port request_processing_time backend_processing_time
 * response_processing_time elb_status_code backend_status_code received_bytes sent_bytes
 * "request" "user_agent" ssl_cipher ssl_protocol. Extra trailing fields are ignored. Timestamp:
 * `time`. The line is kept as the message. Names as for ALB (alb.ts), written the same way.
 */
import type { Attributes } from '../../forwarder/model.js';
import { hostOf, isoToMs, num, portOf, present, putRequestLine, splitFields } from './fields.js';
import type { LineParser, ParsedRecord } from './types.js';

/** Up to `request`. */
const MIN_FIELDS = 12;

export function createElbParser(): LineParser {
  const f: string[] = [];
  return {
    parse(line: string, fallbackTimestamp: number): ParsedRecord {
      const n = splitFields(line, f);
      const timestamp = n >= MIN_FIELDS ? isoToMs(f[0]) : undefined;
      if (timestamp === undefined) return { timestamp: fallbackTimestamp, message: line, invalid: true };
      const a: Attributes = {};
      let v = f[1];
      if (present(v)) a['aws.elb.name'] = v;
      if (present((v = f[2]))) {
        a['client.address'] = hostOf(v);
        const port = portOf(v);
        if (port !== undefined) a['client.port'] = port;
      }
      if (present((v = f[3]))) {
        a['aws.elb.target.address'] = hostOf(v);
        const port = portOf(v);
        if (port !== undefined) a['aws.elb.target.port'] = port;
      }
      if (present((v = f[4]))) a['aws.elb.request_processing_time'] = num(v);
      if (present((v = f[5]))) a['aws.elb.target_processing_time'] = num(v);
      if (present((v = f[6]))) a['aws.elb.response_processing_time'] = num(v);
      if (present((v = f[7]))) a['http.response.status_code'] = num(v);
      if (present((v = f[8]))) a['aws.elb.target_status_code'] = num(v);
      if (present((v = f[9]))) a['aws.elb.received_bytes'] = num(v);
      if (present((v = f[10]))) a['aws.elb.sent_bytes'] = num(v);
      putRequestLine(a, f[11], 'url.full');
      if (present((v = f[12]))) a['user_agent.original'] = v;
      if (present((v = f[13]))) a['tls.cipher'] = v;
      if (present((v = f[14]))) a['tls.protocol.version'] = v;
      return { timestamp, message: line, attributes: a };
    },
  };
}
