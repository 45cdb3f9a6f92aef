/**
 * Detects the format of an S3 log object from its key layout and its first decompressed bytes;
 * a configured override (S3_FORMAT) wins. Content that identifies itself (a CloudTrail
 * `{"Records":[`, a Firehose subscription payload, a CloudFront `#Version` header, a VPC flow
 * header, a WAF JSON line) is trusted first, then the delivery paths AWS documents, then the
 * shape of the first line; anything else is plain lines. Pure, and cheap: it looks at one key
 * and a few KiB once per object.
 *
 * Key layouts:
 * - CloudTrail: AWSLogs/[o-org/]<acct>/CloudTrail/<region>/YYYY/MM/DD/<acct>_CloudTrail_<region>_…json.gz
 *   (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html)
 * - VPC flow logs: AWSLogs/<acct>/vpcflowlogs/<region>/…
 *   (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-s3-path.html)
 * - Load balancers: AWSLogs/<acct>/elasticloadbalancing/<region>/…/<acct>_elasticloadbalancing_<region>_app.<name>… (ALB),
 *   …_net.… (NLB: plain lines), else Classic
 *   (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html)
 * - WAF: AWSLogs/<acct>/WAFLogs/<region>/<web-acl>/… (https://docs.aws.amazon.com/waf/latest/developerguide/logging-s3.html)
 * - CloudWatch Logs export: <prefix>/<export-task-id>/<log-stream>/000000.gz
 *   (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/S3Export.html)
 */
import { exportLineTimestamp } from './cloudwatch-export.js';
import { isVpcHeader } from './vpc-flow.js';
import { isS3Format, type S3Format } from './types.js';

export interface DetectInput {
  /** The object key, decoded. */
  readonly key: string;
  /** The first decompressed bytes as text (a few KiB is enough). */
  readonly head: string;
  /** S3_FORMAT, when configured. */
  readonly override?: string;
}

// An ALB line starts with its request type then an ISO time; a Classic ELB line with the time.
const ALB_LINE = /^(?:https?|h2|grpcs|wss?) \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \S+ /;
const ELB_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z \S+ (?:[\d.]+:\d+|-) (?:\S+:\d+|-) -?[\d.]+ /;
// bucket_owner bucket [dd/Mon/yyyy:hh:mm:ss +zzzz]
const S3_ACCESS_LINE = /^\S+ \S+ \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] /;
const EXPORT_KEY = /(?:^|\/)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/.+\/\d{6}(?:\.gz)?$/;

export function detectS3Format(input: DetectInput): S3Format {
  if (input.override !== undefined && isS3Format(input.override)) return input.override;
  const head = input.head.charCodeAt(0) === 0xfeff ? input.head.slice(1) : input.head;
  const first = firstLine(head);
  const key = input.key;

  // Content that names itself.
  if (/^\{\s*"Records"\s*:\s*\[/.test(head)) return 'cloudtrail';
  if (/^\s*\{\s*"messageType"\s*:/.test(head)) return 'firehose-cwl';
  if (head.startsWith('#Version:') || head.startsWith('#Fields:')) return 'cloudfront';
  if (first.startsWith('{') && first.includes('"webaclId"') && first.includes('"httpRequest"')) return 'waf';
  if (isVpcHeader(first) && !first.includes('{')) return 'vpc-flow';

  // Delivery paths.
  if (key.includes('/CloudTrail/') || key.includes('_CloudTrail_')) return 'cloudtrail';
  if (key.includes('/vpcflowlogs/')) return 'vpc-flow';
  if (key.includes('/WAFLogs/')) return 'waf';
  if (key.includes('/elasticloadbalancing/')) {
    const file = key.slice(key.lastIndexOf('/') + 1);
    if (file.includes('_elasticloadbalancing_')) {
      if (/_app\./.test(file)) return 'alb';
      if (/_net\./.test(file)) return 'lines';
      return 'elb';
    }
  }
  if (EXPORT_KEY.test(key) && exportLineTimestamp(first) !== undefined) return 'cloudwatch-export';

  // The shape of the first line.
  if (ALB_LINE.test(first)) return 'alb';
  if (ELB_LINE.test(first)) return 'elb';
  if (S3_ACCESS_LINE.test(first)) return 's3-access';
  return 'lines';
}

function firstLine(head: string): string {
  const nl = head.indexOf('\n');
  const line = nl === -1 ? head : head.slice(0, nl);
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
