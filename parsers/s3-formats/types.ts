/**
 * Shared types of the S3 object formats. Line formats parse one line at a time (stateful per
 * object for the header-driven ones); CloudTrail and Firehose deliveries are JSON documents
 * found by a streaming scanner (json-scanner.ts). Every parser is pure and never throws on bad
 * input: a line whose fields do not parse is kept whole as the message and marked `invalid`.
 */
import type { Attributes } from '../../forwarder/model.js';

export const S3_FORMATS = [
  'lines',
  'cloudtrail',
  'cloudwatch-export',
  'firehose-cwl',
  'vpc-flow',
  'alb',
  'elb',
  's3-access',
  'cloudfront',
  'waf',
] as const;
export type S3Format = (typeof S3_FORMATS)[number];

/** The `source` each format sets on its records. */
export const S3_FORMAT_SOURCE = {
  lines: 's3',
  cloudtrail: 'cloudtrail',
  'cloudwatch-export': 'cloudwatch',
  'firehose-cwl': 'cloudwatch',
  'vpc-flow': 'vpc',
  alb: 'alb',
  elb: 'elb',
  's3-access': 's3',
  cloudfront: 'cloudfront',
  waf: 'waf',
} as const satisfies Record<S3Format, string>;

export function isS3Format(v: string): v is S3Format {
  return (S3_FORMATS as readonly string[]).includes(v);
}

/** One record parsed out of an object. */
export interface ParsedRecord {
  /** Milliseconds since the epoch: from the line when the format has one, else the fallback. */
  readonly timestamp: number;
  /** The raw line (or JSON element) as written; CloudWatch exports: the line minus its timestamp. */
  readonly message: string;
  readonly attributes?: Attributes;
  /** CloudWatch event id (Firehose deliveries). */
  readonly id?: string;
  /** Fields did not parse: the line is kept whole, without attributes. */
  readonly invalid?: true;
  /** A CloudWatch export line without its timestamp: it continues the previous record. */
  readonly continuation?: true;
}

/** A line parser, created per object (header-driven formats keep the header they saw). */
export interface LineParser {
  /** The record of one non-empty line, or undefined for a header/comment line. */
  parse(line: string, fallbackTimestamp: number): ParsedRecord | undefined;
}
