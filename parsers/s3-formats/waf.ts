/**
 * AWS WAF logs: one JSON object per line
 * (https://docs.aws.amazon.com/waf/latest/developerguide/logging-fields.html). Timestamp:
 * `timestamp` (ms). The line is kept as the message; the fields one filters on become
 * attributes. A line that is not a JSON object is kept whole and marked invalid.
 */
import type { Attributes } from '../../forwarder/model.js';
import type { LineParser, ParsedRecord } from './types.js';

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function parseWafLine(line: string, fallbackTimestamp: number): ParsedRecord {
  let doc: Json | undefined;
  if (line.charCodeAt(0) === 123 /* { */) {
    try {
      doc = obj(JSON.parse(line));
    } catch {
      doc = undefined; // reported below as invalid, the line kept whole
    }
  }
  if (doc === undefined) return { timestamp: fallbackTimestamp, message: line, invalid: true };
  // One statement per name, each a constant (see alb.ts on why).
  const a: Attributes = {};
  let s: string | undefined;
  if ((s = str(doc['action'])) !== undefined) a['aws.waf.action'] = s;
  if ((s = str(doc['webaclId'])) !== undefined) a['aws.waf.web_acl_id'] = s;
  if ((s = str(doc['terminatingRuleId'])) !== undefined) a['aws.waf.terminating_rule_id'] = s;
  if ((s = str(doc['terminatingRuleType'])) !== undefined) a['aws.waf.terminating_rule_type'] = s;
  if ((s = str(doc['httpSourceName'])) !== undefined) a['aws.waf.http_source_name'] = s;
  if ((s = str(doc['httpSourceId'])) !== undefined) a['aws.waf.http_source_id'] = s;
  const req = obj(doc['httpRequest']);
  if (req !== undefined) {
    if ((s = str(req['clientIp'])) !== undefined) a['client.address'] = s;
    if ((s = str(req['country'])) !== undefined) a['geo.country.iso_code'] = s;
    if ((s = str(req['httpMethod'])) !== undefined) a['http.request.method'] = s;
    if ((s = str(req['uri'])) !== undefined) a['url.path'] = s;
    if ((s = str(req['args'])) !== undefined) a['url.query'] = s;
    if ((s = str(req['requestId'])) !== undefined) a['aws.waf.request_id'] = s;
  }
  const labels = doc['labels'];
  if (Array.isArray(labels)) {
    const names = labels.map((l) => obj(l)?.['name']).filter((n): n is string => typeof n === 'string');
    if (names.length > 0) a['aws.waf.labels'] = names;
  }
  const ts = doc['timestamp'];
  return { timestamp: typeof ts === 'number' && Number.isFinite(ts) ? ts : fallbackTimestamp, message: line, attributes: a };
}

export function createWafParser(): LineParser {
  return { parse: parseWafLine };
}
