import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  detectS3Format,
  JsonValueScanner,
  LineSplitter,
  type ReadRecord,
  type RecordReaderOptions,
  S3RecordReader,
  type S3Format,
} from '../../parsers/s3-formats/index.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../events/s3/${name}`, import.meta.url));
const lines = (name: string): string[] => fixture(name).toString('utf8').split('\n').filter((l) => l !== '');

const LAST_MODIFIED = Date.UTC(2024, 0, 2);

/** Reads `body` through a record reader, `chunk` bytes at a time. */
function read(format: S3Format, body: Buffer, options: Partial<RecordReaderOptions> = {}, chunk = 64 * 1024): { records: ReadRecord[]; reader: S3RecordReader } {
  const reader = new S3RecordReader({ format, fallbackTimestamp: LAST_MODIFIED, ...options });
  const records: ReadRecord[] = [];
  for (let i = 0; i < body.length; i += chunk) records.push(...reader.push(body.subarray(i, i + chunk)));
  records.push(...reader.end());
  return { records, reader };
}

const messages = (records: ReadRecord[]): string[] => records.map((r) => r.record.message);

describe('detectS3Format', () => {
  const head = (name: string) => fixture(name).toString('utf8', 0, 4096);

  it.each<[string, string, S3Format]>([
    ['s3-cloudtrail.json', 'AWSLogs/123456789012/CloudTrail/us-east-1/2024/01/01/123456789012_CloudTrail_us-east-1_20240101T0005Z_abc.json.gz', 'cloudtrail'],
    ['s3-firehose-cwl.txt', 'firehose/2024/01/01/00/stream-1-2024-01-01-00-00-00-uuid.gz', 'firehose-cwl'],
    ['s3-cloudfront-standard.txt', 'cf/E2EXAMPLE.2019-12-04-21.abcd1234.gz', 'cloudfront'],
    ['s3-vpc-flow-v2.txt', 'AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/01/01/123456789010_vpcflowlogs_us-east-1_fl-1_20240101T0000Z_hash.log.gz', 'vpc-flow'],
    ['s3-waf.txt', 'AWSLogs/123456789012/WAFLogs/eu-west-3/CanaryTest/2024/01/01/00/00/f.log.gz', 'waf'],
    ['s3-alb.txt', 'AWSLogs/123456789012/elasticloadbalancing/us-east-2/2018/07/02/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.50dc6c495c0c9188_20180702T2225Z_192.168.131.39_abc.log.gz', 'alb'],
    ['s3-elb-classic.txt', 'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2015/05/13/123456789012_elasticloadbalancing_us-east-1_my-loadbalancer_20150513T2340Z_192.168.131.39_abc.log', 'elb'],
    ['s3-server-access.txt', 'access-logs/2019-02-06-00-00-38-5A8F9EXAMPLE', 's3-access'],
    ['s3-cloudwatch-export.txt', 'exports/3c8f1b2e-4d5a-4b6c-9d7e-0f1a2b3c4d5e/2024/01/01/[$LATEST]0b1c2d3e/000000.gz', 'cloudwatch-export'],
  ])('%s under its AWS delivery path → %s', (name, key, expected) => {
    expect(detectS3Format({ key, head: head(name) })).toBe(expected);
  });

  it.each<[string, S3Format]>([
    ['s3-alb.txt', 'alb'],
    ['s3-elb-classic.txt', 'elb'],
    ['s3-server-access.txt', 's3-access'],
    ['s3-waf.txt', 'waf'],
    ['s3-vpc-flow-v2.txt', 'vpc-flow'],
    ['s3-cloudtrail.json', 'cloudtrail'],
  ])('%s under an arbitrary key → %s, from its content', (name, expected) => {
    expect(detectS3Format({ key: 'copied/somewhere/file.log', head: head(name) })).toBe(expected);
  });

  it('takes a CloudWatch export only under the export layout (elsewhere timestamps stay in the lines)', () => {
    expect(detectS3Format({ key: 'app/app.log', head: head('s3-cloudwatch-export.txt') })).toBe('lines');
  });

  it('reads anything else as lines', () => {
    expect(detectS3Format({ key: 'app/app.log', head: 'hello world\nsecond line\n' })).toBe('lines');
  });

  it('obeys the S3_FORMAT override', () => {
    expect(detectS3Format({ key: 'x', head: head('s3-alb.txt'), override: 'lines' })).toBe('lines');
  });

  it('reads a Classic ELB path whose file is an NLB log as lines', () => {
    const key = 'AWSLogs/123456789012/elasticloadbalancing/us-east-1/2024/01/01/123456789012_elasticloadbalancing_us-east-1_net.my-nlb.1234_20240101T0000Z_abc.log.gz';

    expect(detectS3Format({ key, head: 'tls 2.0 2018-12-20T02:59:40 net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd 72.21.218.154:51341 ...' })).toBe('lines');
  });
});

describe('ALB access logs', () => {
  it('parses every field of a line into attributes, keeping the line as the message', () => {
    const [line] = lines('s3-alb.txt');

    const { records } = read('alb', fixture('s3-alb.txt'));

    expect(records[0]?.record).toEqual({
      timestamp: Date.parse('2018-07-02T22:23:00.186Z'),
      message: line,
      attributes: {
        'aws.elb.request_type': 'https',
        'aws.elb.name': 'app/my-loadbalancer/50dc6c495c0c9188',
        'client.address': '192.168.131.39',
        'client.port': 2817,
        'aws.elb.target.address': '10.0.0.1',
        'aws.elb.target.port': 80,
        'aws.elb.request_processing_time': 0.086,
        'aws.elb.target_processing_time': 0.048,
        'aws.elb.response_processing_time': 0.037,
        'http.response.status_code': 200,
        'aws.elb.target_status_code': 200,
        'aws.elb.received_bytes': 0,
        'aws.elb.sent_bytes': 57,
        'http.request.method': 'GET',
        'url.full': 'https://www.example.com:443/',
        'network.protocol.name': 'http',
        'network.protocol.version': '1.1',
        'user_agent.original': 'curl/7.46.0',
        'tls.cipher': 'ECDHE-RSA-AES128-GCM-SHA256',
        'tls.protocol.version': 'TLSv1.2',
        'aws.elb.target_group_arn': 'arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067',
        'aws.elb.trace_id': 'Root=1-58337281-1d84f3d73c47ec4e58577259',
        'aws.elb.domain_name': 'www.example.com',
        'aws.elb.chosen_cert_arn': 'arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012',
        'aws.elb.matched_rule_priority': 1,
        'aws.elb.request_creation_time': '2018-07-02T22:22:48.364000Z',
        'aws.elb.actions_executed': 'authenticate,forward',
        'aws.elb.target_port_list': '10.0.0.1:80',
        'aws.elb.target_status_code_list': '200',
        'aws.elb.connection_trace_id': 'TID_1234abcd5678ef90',
      },
    });
  });

  it('adds no attribute for the "-" of fields that do not apply (no target, no TLS)', () => {
    const { records } = read('alb', fixture('s3-alb.txt'));

    const attrs = records[2]?.record.attributes ?? {};

    expect(['aws.elb.target.address', 'tls.cipher', 'tls.protocol.version', 'aws.elb.domain_name', 'aws.elb.redirect_url'].filter((k) => k in attrs)).toEqual([]);
    expect(attrs['http.response.status_code']).toBe(200);
  });

  it('tolerates fields AWS appends after conn_trace_id', () => {
    const [line] = lines('s3-alb.txt');
    const longer = `${line} "transformed.example.com" "/new-uri" "TransformSuccess" "Root=1-aws-trace"`;

    const { records } = read('alb', Buffer.from(longer));

    expect(records[0]?.record.attributes?.['aws.elb.connection_trace_id']).toBe('TID_1234abcd5678ef90');
    expect(records[0]?.record.invalid).toBeUndefined();
  });

  it('keeps a line that is not an ALB entry whole, marked invalid, and counts it', () => {
    const { records, reader } = read('alb', Buffer.from('this is not an access log line\n'));

    expect(records.map((r) => r.record)).toEqual([{ timestamp: LAST_MODIFIED, message: 'this is not an access log line', invalid: true }]);
    expect(reader.stats.invalidLines).toBe(1);
  });
});

describe('Classic ELB access logs', () => {
  it('parses a line into attributes', () => {
    const [, line] = lines('s3-elb-classic.txt');

    const { records } = read('elb', fixture('s3-elb-classic.txt'));

    expect(records[1]?.record).toEqual({
      timestamp: Date.parse('2015-05-13T23:39:43.945Z'),
      message: line,
      attributes: {
        'aws.elb.name': 'my-loadbalancer',
        'client.address': '192.168.131.39',
        'client.port': 2817,
        'aws.elb.target.address': '10.0.0.1',
        'aws.elb.target.port': 80,
        'aws.elb.request_processing_time': 0.000086,
        'aws.elb.target_processing_time': 0.001048,
        'aws.elb.response_processing_time': 0.001337,
        'http.response.status_code': 200,
        'aws.elb.target_status_code': 200,
        'aws.elb.received_bytes': 0,
        'aws.elb.sent_bytes': 57,
        'http.request.method': 'GET',
        'url.full': 'https://www.example.com:443/',
        'network.protocol.name': 'http',
        'network.protocol.version': '1.1',
        'user_agent.original': 'curl/7.38.0',
        'tls.cipher': 'DHE-RSA-AES128-SHA',
        'tls.protocol.version': 'TLSv1.2',
      },
    });
  });

  it('parses a TCP listener line ("- - - " request, no status) without inventing values', () => {
    const { records } = read('elb', fixture('s3-elb-classic.txt'));

    expect(records[2]?.record.attributes).toEqual({
      'aws.elb.name': 'my-loadbalancer',
      'client.address': '192.168.131.39',
      'client.port': 2817,
      'aws.elb.target.address': '10.0.0.1',
      'aws.elb.target.port': 80,
      'aws.elb.request_processing_time': 0.001069,
      'aws.elb.target_processing_time': 0.000028,
      'aws.elb.response_processing_time': 0.000041,
      'aws.elb.received_bytes': 82,
      'aws.elb.sent_bytes': 305,
    });
  });
});

describe('S3 server access logs', () => {
  it('parses a line, its [time] included', () => {
    const [line] = lines('s3-server-access.txt');

    const { records } = read('s3-access', fixture('s3-server-access.txt'));

    expect(records[0]?.record).toEqual({
      timestamp: Date.UTC(2019, 1, 6, 0, 0, 38),
      message: line,
      attributes: {
        'aws.s3.owner': '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
        'aws.s3.request.bucket': 'amzn-s3-demo-bucket1',
        'client.address': '192.0.2.3',
        'aws.s3.requester': '79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be',
        'aws.request_id': '3E57427F3EXAMPLE',
        'aws.s3.operation': 'REST.GET.VERSIONING',
        'http.request.method': 'GET',
        'url.path': '/amzn-s3-demo-bucket1?versioning',
        'network.protocol.name': 'http',
        'network.protocol.version': '1.1',
        'http.response.status_code': 200,
        'http.response.body.size': 113,
        'aws.s3.total_time_ms': 7,
        'user_agent.original': 'S3Console/0.4',
        'aws.extended_request_id': 's9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234=',
        'aws.s3.signature_version': 'SigV4',
        'tls.cipher': 'ECDHE-RSA-AES128-GCM-SHA256',
        'aws.s3.auth_type': 'AuthHeader',
        'http.request.header.host': 'amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com',
        'tls.protocol.version': 'TLSV1.2',
        'aws.s3.access_point.arn': 'arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP',
        'aws.s3.acl_required': 'Yes',
      },
    });
  });

  it('keeps the error code of a failed request', () => {
    const { records } = read('s3-access', fixture('s3-server-access.txt'));

    expect([records[2]?.record.attributes?.['http.response.status_code'], records[2]?.record.attributes?.['error.type']]).toEqual([404, 'NoSuchBucketPolicy']);
  });

  it('applies the time zone of the [time] field', () => {
    const line = lines('s3-server-access.txt')[0]?.replace('+0000', '-0130') ?? '';

    const { records } = read('s3-access', Buffer.from(line));

    expect(records[0]?.record.timestamp).toBe(Date.UTC(2019, 1, 6, 1, 30, 38));
  });
});

describe('VPC flow logs', () => {
  it('skips the header line and parses the default v2 fields', () => {
    const [, line] = lines('s3-vpc-flow-v2.txt');

    const { records } = read('vpc-flow', fixture('s3-vpc-flow-v2.txt'));

    expect(records).toHaveLength(4);
    expect(records[0]?.record).toEqual({
      timestamp: 1418530010_000,
      message: line,
      attributes: {
        'aws.vpc.flow.version': 2,
        'aws.vpc.flow.account_id': '123456789010',
        'aws.vpc.flow.interface_id': 'eni-1235b8ca123456789',
        'source.address': '172.31.16.139',
        'destination.address': '172.31.16.21',
        'source.port': 20641,
        'destination.port': 22,
        'aws.vpc.flow.protocol': 6,
        'aws.vpc.flow.packets': 20,
        'aws.vpc.flow.bytes': 4249,
        'aws.vpc.flow.start': 1418530010,
        'aws.vpc.flow.end': 1418530070,
        'aws.vpc.flow.action': 'ACCEPT',
        'aws.vpc.flow.log_status': 'OK',
      },
    });
  });

  it('adds nothing for the "-" of a NODATA record', () => {
    const { records } = read('vpc-flow', fixture('s3-vpc-flow-v2.txt'));

    expect(records[2]?.record.attributes).toEqual({
      'aws.vpc.flow.version': 2,
      'aws.vpc.flow.account_id': '123456789010',
      'aws.vpc.flow.interface_id': 'eni-1235b8ca123456789',
      'aws.vpc.flow.start': 1431280876,
      'aws.vpc.flow.end': 1431280934,
      'aws.vpc.flow.log_status': 'NODATA',
    });
  });

  it('follows a custom field list given by the header', () => {
    const body = 'interface-id srcaddr dstaddr pkt-srcaddr flow-direction start\neni-0a1b2c 10.0.0.5 10.0.1.7 203.0.113.9 ingress 1700000000\n';

    const { records } = read('vpc-flow', Buffer.from(body));

    expect(records.map((r) => r.record)).toEqual([
      {
        timestamp: 1700000000_000,
        message: 'eni-0a1b2c 10.0.0.5 10.0.1.7 203.0.113.9 ingress 1700000000',
        attributes: {
          'aws.vpc.flow.interface_id': 'eni-0a1b2c',
          'source.address': '10.0.0.5',
          'destination.address': '10.0.1.7',
          'aws.vpc.flow.pkt_srcaddr': '203.0.113.9',
          'aws.vpc.flow.flow_direction': 'ingress',
          'aws.vpc.flow.start': 1700000000,
        },
      },
    ]);
  });

  it('keeps a line whose field count does not match the header, marked invalid', () => {
    const body = `${lines('s3-vpc-flow-v2.txt')[0]}\n2 123456789010 eni-1 short\n`;

    const { records } = read('vpc-flow', Buffer.from(body));

    expect(records.map((r) => r.record)).toEqual([{ timestamp: LAST_MODIFIED, message: '2 123456789010 eni-1 short', invalid: true }]);
  });
});

describe('CloudFront standard logs', () => {
  it('skips the # headers and parses the fields named by #Fields', () => {
    const line = lines('s3-cloudfront-standard.txt')[4] ?? '';

    const { records } = read('cloudfront', fixture('s3-cloudfront-standard.txt'));

    expect(records).toHaveLength(3);
    expect(records[2]?.record).toEqual({
      timestamp: Date.UTC(2019, 11, 13, 22, 36, 27),
      message: line,
      attributes: {
        'aws.cloudfront.x_edge_location': 'SEA19-C1',
        'aws.cloudfront.sc_bytes': 900,
        'client.address': '192.0.2.200',
        'http.request.method': 'GET',
        'aws.cloudfront.cs_host': 'd111111abcdef8.cloudfront.net',
        'url.path': '/favicon.ico',
        'http.response.status_code': 502,
        'http.request.header.referer': 'http://www.example.com/',
        'user_agent.original':
          'Mozilla/5.0%20(Windows%20NT%2010.0;%20Win64;%20x64)%20AppleWebKit/537.36%20(KHTML,%20like%20Gecko)%20Chrome/78.0.3904.108%20Safari/537.36',
        'aws.cloudfront.x_edge_result_type': 'Error',
        'aws.cloudfront.x_edge_request_id': '1pkpNfBQ39sYMnjjUQjmH2w1wdJnbHYTbag21o_3OfcQgPzdL2RSSQ==',
        'aws.cloudfront.x_host_header': 'www.example.com',
        'url.scheme': 'http',
        'aws.cloudfront.cs_bytes': 675,
        'aws.cloudfront.time_taken': 0.102,
        'aws.cloudfront.x_edge_response_result_type': 'Error',
        'aws.cloudfront.cs_protocol_version': 'HTTP/1.1',
        'client.port': 25260,
        'aws.cloudfront.time_to_first_byte': 0.102,
        'aws.cloudfront.x_edge_detailed_result_type': 'OriginDnsError',
        'aws.cloudfront.sc_content_type': 'text/html',
        'aws.cloudfront.sc_content_len': 507,
      },
    });
  });

  it('follows a #Fields header with another order', () => {
    const body = '#Version: 1.0\n#Fields: time date sc-status c-ip\n21:02:31\t2019-12-04\t304\t192.0.2.1\n';

    const { records } = read('cloudfront', Buffer.from(body));

    expect(records.map((r) => r.record)).toEqual([
      {
        timestamp: Date.UTC(2019, 11, 4, 21, 2, 31),
        message: '21:02:31\t2019-12-04\t304\t192.0.2.1',
        attributes: { 'http.response.status_code': 304, 'client.address': '192.0.2.1' },
      },
    ]);
  });
});

describe('WAF logs', () => {
  it('parses a JSON line, its timestamp in ms', () => {
    const line = lines('s3-waf.txt')[1] ?? '';

    const { records } = read('waf', fixture('s3-waf.txt'));

    expect(records[1]?.record).toEqual({
      timestamp: 1683355580123,
      message: line,
      attributes: {
        'aws.waf.action': 'ALLOW',
        'aws.waf.web_acl_id': 'arn:aws:wafv2:eu-west-3:123456789012:regional/webacl/CanaryTest/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
        'aws.waf.terminating_rule_id': 'Default_Action',
        'aws.waf.terminating_rule_type': 'REGULAR',
        'aws.waf.http_source_name': 'ALB',
        'aws.waf.http_source_id': '123456789012-app/my-loadbalancer/50dc6c495c0c9188',
        'client.address': '203.0.113.99',
        'geo.country.iso_code': 'US',
        'http.request.method': 'GET',
        'url.path': '/cart',
        'url.query': 'id=42',
        'aws.waf.request_id': '1-65920b3c-2b3c4d5e6f7a8b9c0d1e2f3a',
        'aws.waf.labels': ['awswaf:managed:aws:core-rule-set:NoUserAgent_Header'],
      },
    });
  });

  it('keeps a line that is not JSON whole, marked invalid, between good lines', () => {
    const [a, b] = lines('s3-waf.txt');

    const { records } = read('waf', Buffer.from(`${a}\n{"timestamp": broken\n${b}\n`));

    expect(records.map((r) => [r.record.timestamp, r.record.invalid ?? false])).toEqual([
      [1683355579981, false],
      [LAST_MODIFIED, true],
      [1683355580123, false],
    ]);
  });
});

describe('CloudWatch Logs exports', () => {
  it('takes the timestamp from each line and keeps the message without it', () => {
    const { records } = read('cloudwatch-export', fixture('s3-cloudwatch-export.txt'));

    expect(records.map((r) => [r.record.timestamp, r.record.message])).toEqual([
      [Date.parse('2024-01-01T00:00:00.000Z'), 'START RequestId: 3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42 Version: $LATEST'],
      [Date.parse('2024-01-01T00:00:00.005Z'), '2024-01-01T00:00:00.005Z\t3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42\tINFO\tprocessing order 42'],
      [Date.parse('2024-01-01T00:00:00.107Z'), 'END RequestId: 3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42'],
      [
        Date.parse('2024-01-01T00:00:00.107Z'),
        'REPORT RequestId: 3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\tMax Memory Used: 68 MB\t',
      ],
    ]);
  });

  it('joins the lines of a multi-line event back into one message', () => {
    const body = '2024-01-01T00:00:00.000Z Error: boom\n    at handler (/var/task/index.js:3:9)\n    at run (/var/runtime/x.js:1:1)\n2024-01-01T00:00:01.000Z next\n';

    const { records } = read('cloudwatch-export', Buffer.from(body));

    expect(records.map((r) => [r.record.timestamp, r.record.message])).toEqual([
      [Date.parse('2024-01-01T00:00:00.000Z'), 'Error: boom\n    at handler (/var/task/index.js:3:9)\n    at run (/var/runtime/x.js:1:1)'],
      [Date.parse('2024-01-01T00:00:01.000Z'), 'next'],
    ]);
  });
});

describe('CloudTrail files', () => {
  const body = fixture('s3-cloudtrail.json');
  const elements = (JSON.parse(body.toString('utf8')) as { Records: unknown[] }).Records.map((r) => JSON.stringify(r));

  it('yields one record per element of Records, its text as written, eventTime as timestamp', () => {
    const { records } = read('cloudtrail', body);

    expect(records.map((r) => [r.record.timestamp, r.record.message])).toEqual([
      [Date.parse('2024-01-01T00:01:02Z'), elements[0]],
      [Date.parse('2024-01-01T00:02:03Z'), elements[1]],
      [Date.parse('2024-01-01T00:03:04Z'), elements[2]],
    ]);
  });

  it('parses the fields one filters on into attributes', () => {
    const { records } = read('cloudtrail', body);

    expect(records[1]?.record.attributes).toEqual({
      'aws.cloudtrail.event_source': 'iam.amazonaws.com',
      'aws.cloudtrail.event_name': 'CreateAccessKey',
      'aws.cloudtrail.event_id': 'e1f2a3b4-5678-90ab-cdef-EXAMPLE22222',
      'aws.cloudtrail.event_type': 'AwsApiCall',
      'aws.cloudtrail.event_category': 'Management',
      'aws.cloudtrail.read_only': false,
      'aws.cloudtrail.aws_region': 'us-east-1',
      'aws.cloudtrail.recipient_account_id': '123456789012',
      'aws.request_id': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      'client.address': '198.51.100.23',
      'user_agent.original': 'aws-cli/2.15.0',
      'aws.cloudtrail.user_identity.type': 'IAMUser',
      'aws.cloudtrail.user_identity.arn': 'arn:aws:iam::123456789012:user/alice',
      'aws.cloudtrail.user_identity.account_id': '123456789012',
    });
  });

  it('gives the same records when the file arrives one byte at a time (a streaming scan)', () => {
    const whole = read('cloudtrail', body).records;

    const byteByByte = read('cloudtrail', body, {}, 1).records;

    expect(byteByByte).toEqual(whole);
  });

  it('handles braces, brackets and escaped quotes inside strings', () => {
    const tricky = '{"Records":[{"eventTime":"2024-01-01T00:00:00Z","eventName":"a}\\"]b{[\\\\","eventSource":"x"}],"other":"]"}';

    const { records } = read('cloudtrail', Buffer.from(tricky), {}, 3);

    expect(messages(records)).toEqual(['{"eventTime":"2024-01-01T00:00:00Z","eventName":"a}\\"]b{[\\\\","eventSource":"x"}']);
  });

  it('skips an element larger than the record limit, counts it, and keeps the others', () => {
    const big = JSON.stringify({ eventTime: '2024-01-01T00:00:00Z', eventName: 'Big', pad: 'x'.repeat(5000) });
    const file = `{"Records":[${elements[0]},${big},${elements[2]}]}`;

    const { records, reader } = read('cloudtrail', Buffer.from(file), { maxDocumentBytes: 2048 }, 700);

    expect(messages(records)).toEqual([elements[0], elements[2]]);
    expect(reader.stats.oversizedDocuments).toBe(1);
  });

  it('reads other top-level keys before Records without taking them for records', () => {
    const file = `{"meta":{"Records":[{"not":"this"}]},"Records":[${elements[0]}]}`;

    expect(messages(read('cloudtrail', Buffer.from(file)).records)).toEqual([elements[0]]);
  });

  it('yields nothing for a digest file (no Records)', () => {
    const digest = '{"awsAccountId":"123456789012","digestStartTime":"2024-01-01T00:00:00Z","logFiles":[{"s3Object":"a"}]}';

    expect(read('cloudtrail', Buffer.from(digest)).records).toEqual([]);
  });

  it('says the input is incomplete when the file stops inside the array', () => {
    const { records, reader } = read('cloudtrail', body.subarray(0, 1500));

    expect(messages(records)).toEqual([elements[0]]);
    expect(reader.incomplete).toBe(true);
  });
});

describe('Firehose deliveries of CloudWatch Logs', () => {
  const GROUP = {
    owner: '123456789012',
    logGroup: '/aws/lambda/orders-api',
    logStream: '2024/01/01/[$LATEST]0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
    subscriptionFilters: ['to-firehose'],
  };

  it('yields the events of every data document, with their log group, stream and owner', () => {
    const { records } = read('firehose-cwl', fixture('s3-firehose-cwl.txt'));

    expect(records.map((r) => ({ ...r.record, group: r.group }))).toEqual([
      { timestamp: 1704067200005, message: '2024-01-01T00:00:00.005Z\t3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42\tINFO\tfirst\n', id: '37982123456789012345678901234567890123456789012345678900', group: GROUP },
      { timestamp: 1704067200006, message: '2024-01-01T00:00:00.006Z\t3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42\tINFO\tsecond\n', id: '37982123456789012345678901234567890123456789012345678901', group: GROUP },
      { timestamp: 1704067200107, message: 'END RequestId: 3b1f8a2c-6d4e-4f7a-9c21-0e5d7b9a1f42\n', id: '37982123456789012345678901234567890123456789012345678902', group: GROUP },
    ]);
  });

  it('drops CONTROL_MESSAGE documents and counts them', () => {
    const { reader } = read('firehose-cwl', fixture('s3-firehose-cwl.txt'));

    expect(reader.stats.controlMessages).toBe(1);
  });

  it('counts a document over the size limit even when it is the last one', () => {
    const big = JSON.stringify({ messageType: 'DATA_MESSAGE', owner: '1', logGroup: 'g', logStream: 's', logEvents: [{ id: '1', timestamp: 1, message: 'x'.repeat(4000) }] });

    const { records, reader } = read('firehose-cwl', Buffer.concat([fixture('s3-firehose-cwl.txt'), Buffer.from(big)]), { maxDocumentBytes: 2048 });

    expect([records.length, reader.stats.oversizedDocuments]).toEqual([3, 1]);
  });

  it('finds the documents whatever the chunking', () => {
    const whole = read('firehose-cwl', fixture('s3-firehose-cwl.txt')).records;

    expect(read('firehose-cwl', fixture('s3-firehose-cwl.txt'), {}, 7).records).toEqual(whole);
  });

  it('gives a position only to the last event of a document, past the document', () => {
    const body = fixture('s3-firehose-cwl.txt');
    const secondDocEnd = body.indexOf('}{', body.indexOf('DATA_MESSAGE')) + 1;

    const { records } = read('firehose-cwl', body);

    expect(records.map((r) => r.end)).toEqual([undefined, secondDocEnd, body.length - 1]);
  });
});

describe('lines, the line splitter and multiline', () => {
  it('splits on \\n and \\r\\n and drops empty lines', () => {
    const { records } = read('lines', Buffer.from('one\r\ntwo\n\n\r\nthree'));

    expect(messages(records)).toEqual(['one', 'two', 'three']);
  });

  it('replaces invalid UTF-8 with U+FFFD and goes on', () => {
    const body = Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xff, 0xfe]), Buffer.from(' byte\nnext\n')]);

    expect(messages(read('lines', body).records)).toEqual(['ok', 'bad \uFFFD\uFFFD byte', 'next']);
  });

  it('keeps a multi-byte character split across chunks whole', () => {
    const body = Buffer.from('café au lait\n');

    expect(messages(read('lines', body, {}, 4).records)).toEqual(['café au lait']);
  });

  it('cuts a line longer than the limit on a character boundary, counts it, and keeps the next line', () => {
    const body = Buffer.from(`${'é'.repeat(40)}\nnext\n`);

    const { records, reader } = read('lines', body, { maxLineBytes: 25 }, 16);

    expect(messages(records)).toEqual(['é'.repeat(12), 'next']);
    expect(reader.stats.cutLines).toBe(1);
  });

  it('cuts a long ASCII line that lies whole in one chunk', () => {
    const { records, reader } = read('lines', Buffer.from(`${'x'.repeat(100)}\r\nafter\n`), { maxLineBytes: 30 });

    expect(messages(records)).toEqual(['x'.repeat(30), 'after']);
    expect(reader.stats.cutLines).toBe(1);
  });

  it('counts positions in bytes when lines hold multi-byte characters', () => {
    const { records } = read('lines', Buffer.from('é\nüü\r\n€\n'));

    expect(records.map((r) => [r.record.message, r.end])).toEqual([
      ['é', 3],
      ['üü', 9],
      ['€', 13],
    ]);
  });

  it('never holds more than the line limit of a line that has no end', () => {
    const splitter = new LineSplitter(1024);
    const out: string[] = [];

    for (let i = 0; i < 1000; i++) splitter.push(Buffer.alloc(4096, 0x61), (l) => out.push(l));
    splitter.end((l) => out.push(l));

    expect(out.map((l) => l.length)).toEqual([1024]);
  });

  it('joins continuation lines when a start pattern is configured', () => {
    const body = 'INFO start\nERROR failed\n  at a()\n  at b()\nINFO done\n';

    const { records } = read('lines', Buffer.from(body), { multiline: { start: /^(INFO|ERROR) / } });

    expect(messages(records)).toEqual(['INFO start', 'ERROR failed\n  at a()\n  at b()', 'INFO done']);
  });

  it('does not join the lines of fixed-field formats, pattern or not', () => {
    const { records } = read('alb', fixture('s3-alb.txt'), { multiline: { start: /^never$/ } });

    expect(records).toHaveLength(3);
  });
});

describe('positions and resuming', () => {
  it('reports the byte offset and line number just past each line', () => {
    const { records } = read('lines', Buffer.from('a\r\nbb\n\nccc'));

    expect(records.map((r) => [r.record.message, r.end, r.line])).toEqual([
      ['a', 3, 1],
      ['bb', 6, 2],
      ['ccc', 10, 4],
    ]);
  });

  it('skips what ends at or before startOffset', () => {
    const { records, reader } = read('lines', Buffer.from('a\r\nbb\n\nccc'), { startOffset: 6 });

    expect(messages(records)).toEqual(['ccc']);
    expect(reader.stats.skippedByOffset).toBe(2);
  });

  it('resumes a header-driven format after its header (the header is read again)', () => {
    const body = fixture('s3-vpc-flow-v2.txt');
    const all = read('vpc-flow', body).records;

    const resumed = read('vpc-flow', body, { startOffset: all[1]?.end ?? 0 }).records;

    expect(resumed).toEqual(all.slice(2));
  });

  it('resumes a CloudTrail file after the last element delivered', () => {
    const body = fixture('s3-cloudtrail.json');
    const all = read('cloudtrail', body).records;

    const resumed = read('cloudtrail', body, { startOffset: all[0]?.end ?? 0 }).records;

    expect(resumed).toEqual(all.slice(1));
  });
});

describe('JsonValueScanner', () => {
  it('counts bytes outside any document as stray and keeps the documents around them', () => {
    const scanner = new JsonValueScanner('documents', 1024);
    const out: string[] = [];

    scanner.push(Buffer.from('{"a":1} xx {"b":[2]}\n'), (t) => out.push(t));

    expect([out, scanner.strayBytes]).toEqual([['{"a":1}', '{"b":[2]}'], 2]);
  });
});
