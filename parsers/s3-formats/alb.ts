/**
 * Application Load Balancer access logs: one request per line, space-separated, some fields in
 * double quotes. Field order from "Access log entries"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html):
 * type time elb client:port target:port request_processing_time target_processing_time
 * response_processing_time elb_status_code target_status_code received_bytes sent_bytes "request"
 * "user_agent" ssl_cipher ssl_protocol target_group_arn "trace_id" "domain_name"
 * "chosen_cert_arn" matched_rule_priority request_creation_time "actions_executed"
 * "redirect_url" "error_reason" "target:port_list" "target_status_code_list" "classification"
 * "classification_reason" conn_trace_id. AWS appends fields over time: extra trailing fields are
 * ignored. Timestamp: `time` (when the response was sent). The line is kept as the message.
 *
 * Attributes are written with constant names, one statement each: V8 builds such objects an
 * order of magnitude faster than through a table of names (a keyed store per field).
 */
import type { Attributes } from '../../forwarder/model.js';
import { hostOf, isoToMs, num, portOf, present, putRequestLine, splitFields } from './fields.js';
import type { LineParser, ParsedRecord } from './types.js';

/** Up to `request`: fewer fields than this is not an ALB line. */
const MIN_FIELDS = 13;

export function createAlbParser(): LineParser {
  const f: string[] = [];
  return {
    parse(line: string, fallbackTimestamp: number): ParsedRecord {
      const n = splitFields(line, f);
      const timestamp = n >= MIN_FIELDS ? isoToMs(f[1]) : undefined;
      if (timestamp === undefined) return { timestamp: fallbackTimestamp, message: line, invalid: true };
      const a: Attributes = {};
      let v = f[0];
      if (present(v)) a['aws.elb.request_type'] = v;
      if (present((v = f[2]))) a['aws.elb.name'] = v;
      if (present((v = f[3]))) {
        a['client.address'] = hostOf(v);
        const port = portOf(v);
        if (port !== undefined) a['client.port'] = port;
      }
      if (present((v = f[4]))) {
        a['aws.elb.target.address'] = hostOf(v);
        const port = portOf(v);
        if (port !== undefined) a['aws.elb.target.port'] = port;
      }
      if (present((v = f[5]))) a['aws.elb.request_processing_time'] = num(v);
      if (present((v = f[6]))) a['aws.elb.target_processing_time'] = num(v);
      if (present((v = f[7]))) a['aws.elb.response_processing_time'] = num(v);
      if (present((v = f[8]))) a['http.response.status_code'] = num(v);
      if (present((v = f[9]))) a['aws.elb.target_status_code'] = num(v);
      if (present((v = f[10]))) a['aws.elb.received_bytes'] = num(v);
      if (present((v = f[11]))) a['aws.elb.sent_bytes'] = num(v);
      putRequestLine(a, f[12], 'url.full');
      if (present((v = f[13]))) a['user_agent.original'] = v;
      if (present((v = f[14]))) a['tls.cipher'] = v;
      if (present((v = f[15]))) a['tls.protocol.version'] = v;
      if (present((v = f[16]))) a['aws.elb.target_group_arn'] = v;
      if (present((v = f[17]))) a['aws.elb.trace_id'] = v;
      if (present((v = f[18]))) a['aws.elb.domain_name'] = v;
      if (present((v = f[19]))) a['aws.elb.chosen_cert_arn'] = v;
      if (present((v = f[20]))) a['aws.elb.matched_rule_priority'] = num(v);
      if (present((v = f[21]))) a['aws.elb.request_creation_time'] = v;
      if (present((v = f[22]))) a['aws.elb.actions_executed'] = v;
      if (present((v = f[23]))) a['aws.elb.redirect_url'] = v;
      if (present((v = f[24]))) a['aws.elb.error_reason'] = v;
      if (present((v = f[25]))) a['aws.elb.target_port_list'] = v;
      if (present((v = f[26]))) a['aws.elb.target_status_code_list'] = v;
      if (present((v = f[27]))) a['aws.elb.classification'] = v;
      if (present((v = f[28]))) a['aws.elb.classification_reason'] = v;
      if (present((v = f[29]))) a['aws.elb.connection_trace_id'] = v;
      return { timestamp, message: line, attributes: a };
    },
  };
}
