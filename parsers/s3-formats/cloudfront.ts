/**
 * CloudFront standard (legacy) access logs: W3C extended format, TAB-separated. Each file
 * starts with `#Version: 1.0` and `#Fields: <names>`; the parser takes the field list from the
 * `#Fields` line (the default 33-field list until it sees one) and skips every '#' line
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html).
 * Timestamp: `date` + `time` (UTC). Attributes: HTTP fields under OpenTelemetry names, every
 * other field as aws.cloudfront.<field> (lower case, runs of other characters turned into '_');
 * numeric fields as numbers. Values stay as CloudFront wrote them (URL-encoded user agent).
 */
import type { Attributes } from '../../forwarder/model.js';
import { num, present } from './fields.js';
import type { LineParser, ParsedRecord } from './types.js';

export const CLOUDFRONT_DEFAULT_FIELDS = [
  'date', 'time', 'x-edge-location', 'sc-bytes', 'c-ip', 'cs-method', 'cs(Host)', 'cs-uri-stem',
  'sc-status', 'cs(Referer)', 'cs(User-Agent)', 'cs-uri-query', 'cs(Cookie)', 'x-edge-result-type',
  'x-edge-request-id', 'x-host-header', 'cs-protocol', 'cs-bytes', 'time-taken', 'x-forwarded-for',
  'ssl-protocol', 'ssl-cipher', 'x-edge-response-result-type', 'cs-protocol-version', 'fle-status',
  'fle-encrypted-fields', 'c-port', 'time-to-first-byte', 'x-edge-detailed-result-type',
  'sc-content-type', 'sc-content-len', 'sc-range-start', 'sc-range-end',
] as const;

/** Attribute name of a field the switch below does not know. */
function genericName(field: string): string {
  return `aws.cloudfront.${field.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}`;
}

/**
 * Writes one field; the case is the field's index in CLOUDFRONT_DEFAULT_FIELDS (resolved once
 * per #Fields line). A constant name per statement: V8 builds objects that way an order of
 * magnitude faster than through a variable name. HTTP fields get OpenTelemetry names.
 */
function put(a: Attributes, id: number, field: string, v: string): void {
  switch (id) {
    case 2: a['aws.cloudfront.x_edge_location'] = v; break;
    case 3: a['aws.cloudfront.sc_bytes'] = num(v); break;
    case 4: a['client.address'] = v; break;
    case 5: a['http.request.method'] = v; break;
    case 6: a['aws.cloudfront.cs_host'] = v; break;
    case 7: a['url.path'] = v; break;
    case 8: a['http.response.status_code'] = num(v); break;
    case 9: a['http.request.header.referer'] = v; break;
    case 10: a['user_agent.original'] = v; break;
    case 11: a['url.query'] = v; break;
    case 12: a['aws.cloudfront.cs_cookie'] = v; break;
    case 13: a['aws.cloudfront.x_edge_result_type'] = v; break;
    case 14: a['aws.cloudfront.x_edge_request_id'] = v; break;
    case 15: a['aws.cloudfront.x_host_header'] = v; break;
    case 16: a['url.scheme'] = v; break;
    case 17: a['aws.cloudfront.cs_bytes'] = num(v); break;
    case 18: a['aws.cloudfront.time_taken'] = num(v); break;
    case 19: a['aws.cloudfront.x_forwarded_for'] = v; break;
    case 20: a['tls.protocol.version'] = v; break;
    case 21: a['tls.cipher'] = v; break;
    case 22: a['aws.cloudfront.x_edge_response_result_type'] = v; break;
    case 23: a['aws.cloudfront.cs_protocol_version'] = v; break;
    case 24: a['aws.cloudfront.fle_status'] = v; break;
    case 25: a['aws.cloudfront.fle_encrypted_fields'] = v; break;
    case 26: a['client.port'] = num(v); break;
    case 27: a['aws.cloudfront.time_to_first_byte'] = num(v); break;
    case 28: a['aws.cloudfront.x_edge_detailed_result_type'] = v; break;
    case 29: a['aws.cloudfront.sc_content_type'] = v; break;
    case 30: a['aws.cloudfront.sc_content_len'] = num(v); break;
    case 31: a['aws.cloudfront.sc_range_start'] = num(v); break;
    case 32: a['aws.cloudfront.sc_range_end'] = num(v); break;
    default: a[genericName(field)] = v;
  }
}

const DATE = 0;
const TIME = 1;

export function createCloudFrontParser(): LineParser {
  let fields: readonly string[] = CLOUDFRONT_DEFAULT_FIELDS;
  let ids: readonly number[] = fields.map((_, i) => i);
  let dateAt = DATE;
  let timeAt = TIME;
  return {
    parse(line: string, fallbackTimestamp: number): ParsedRecord | undefined {
      if (line.charCodeAt(0) === 35 /* # */) {
        if (line.startsWith('#Fields:')) {
          fields = line.slice('#Fields:'.length).trim().split(/\s+/);
          ids = fields.map((name) => (CLOUDFRONT_DEFAULT_FIELDS as readonly string[]).indexOf(name));
          dateAt = ids.indexOf(DATE);
          timeAt = ids.indexOf(TIME);
        }
        return undefined;
      }
      const values = line.split('\t');
      if (values.length < fields.length) return { timestamp: fallbackTimestamp, message: line, invalid: true };
      const ms = dateAt >= 0 && timeAt >= 0 ? Date.parse(`${values[dateAt]}T${values[timeAt]}Z`) : Number.NaN;
      const a: Attributes = {};
      for (let i = 0; i < fields.length; i++) {
        const v = values[i];
        if (i === dateAt || i === timeAt || !present(v)) continue;
        put(a, ids[i] as number, fields[i] as string, v);
      }
      return { timestamp: Number.isNaN(ms) ? fallbackTimestamp : ms, message: line, attributes: a };
    },
  };
}
