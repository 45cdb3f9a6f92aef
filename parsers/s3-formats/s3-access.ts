/**
 * S3 server access logs: one request per line, space-separated; the time in [brackets], the
 * request URI, referrer and user agent in double quotes. Field order from "Amazon S3 server
 * access log format" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html):
 * bucket_owner bucket [time] remote_ip requester request_id operation key "request_uri"
 * http_status error_code bytes_sent object_size total_time turn_around_time "referer"
 * "user_agent" version_id host_id signature_version cipher_suite authentication_type host_header
 * tls_version access_point_arn acl_required. "Extra fields might be added to the end of the
 * log": ignored. Timestamp: `time` (`06/Feb/2019:00:00:38 +0000`).
 *
 * The bucket and key a line talks about are not the object being forwarded, so they get their
 * own names (aws.s3.request.*) instead of aws.s3.bucket/aws.s3.key, which name the log object.
 */
import type { Attributes } from '../../forwarder/model.js';
import { num, present, putRequestLine, splitFields } from './fields.js';
import type { LineParser, ParsedRecord } from './types.js';

/** Up to http_status. */
const MIN_FIELDS = 10;

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** `06/Feb/2019:00:00:38 +0000` to ms, or undefined. */
export function accessLogTimeToMs(v: string | undefined): number | undefined {
  if (v === undefined || v.length < 26 || v.charCodeAt(2) !== 47 /* / */ || v.charCodeAt(11) !== 58 /* : */) return undefined;
  const month = MONTHS[v.slice(3, 6)];
  const day = Number(v.slice(0, 2));
  const year = Number(v.slice(7, 11));
  const h = Number(v.slice(12, 14));
  const m = Number(v.slice(15, 17));
  const s = Number(v.slice(18, 20));
  const sign = v.charCodeAt(21) === 45 /* - */ ? -1 : 1;
  const offsetMinutes = sign * (Number(v.slice(22, 24)) * 60 + Number(v.slice(24, 26)));
  if (month === undefined || [day, year, h, m, s, offsetMinutes].some((n) => !Number.isFinite(n))) return undefined;
  return Date.UTC(year, month, day, h, m, s) - offsetMinutes * 60_000;
}

export function createS3AccessParser(): LineParser {
  const f: string[] = [];
  return {
    parse(line: string, fallbackTimestamp: number): ParsedRecord {
      const n = splitFields(line, f);
      const timestamp = n >= MIN_FIELDS ? accessLogTimeToMs(f[2]) : undefined;
      if (timestamp === undefined) return { timestamp: fallbackTimestamp, message: line, invalid: true };
      // One statement per field with a constant name (see alb.ts).
      const a: Attributes = {};
      let v = f[0];
      if (present(v)) a['aws.s3.owner'] = v;
      if (present((v = f[1]))) a['aws.s3.request.bucket'] = v;
      if (present((v = f[3]))) a['client.address'] = v;
      if (present((v = f[4]))) a['aws.s3.requester'] = v;
      if (present((v = f[5]))) a['aws.request_id'] = v;
      if (present((v = f[6]))) a['aws.s3.operation'] = v;
      if (present((v = f[7]))) a['aws.s3.request.key'] = v;
      putRequestLine(a, f[8], 'url.path');
      if (present((v = f[9]))) a['http.response.status_code'] = num(v);
      if (present((v = f[10]))) a['error.type'] = v;
      if (present((v = f[11]))) a['http.response.body.size'] = num(v);
      if (present((v = f[12]))) a['aws.s3.object.size'] = num(v);
      if (present((v = f[13]))) a['aws.s3.total_time_ms'] = num(v);
      if (present((v = f[14]))) a['aws.s3.turn_around_time_ms'] = num(v);
      if (present((v = f[15]))) a['http.request.header.referer'] = v;
      if (present((v = f[16]))) a['user_agent.original'] = v;
      if (present((v = f[17]))) a['aws.s3.version_id'] = v;
      if (present((v = f[18]))) a['aws.extended_request_id'] = v;
      if (present((v = f[19]))) a['aws.s3.signature_version'] = v;
      if (present((v = f[20]))) a['tls.cipher'] = v;
      if (present((v = f[21]))) a['aws.s3.auth_type'] = v;
      if (present((v = f[22]))) a['http.request.header.host'] = v;
      if (present((v = f[23]))) a['tls.protocol.version'] = v;
      if (present((v = f[24]))) a['aws.s3.access_point.arn'] = v;
      if (present((v = f[25]))) a['aws.s3.acl_required'] = v;
      return { timestamp, message: line, attributes: a };
    },
  };
}
