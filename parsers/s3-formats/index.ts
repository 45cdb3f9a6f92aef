/**
 * S3 object formats: detection, per-format parsers and the streaming record reader. Exports by
 * name (the public surface of this folder).
 */
export { detectS3Format, type DetectInput } from './detect.js';
export {
  RECORD_READER_DEFAULTS,
  S3RecordReader,
  type ReadRecord,
  type RecordReaderOptions,
  type RecordReaderStats,
} from './record-reader.js';
export { isS3Format, S3_FORMAT_SOURCE, S3_FORMATS, type LineParser, type ParsedRecord, type S3Format } from './types.js';
export type { CwlGroup, FirehoseDocument } from './firehose-cwl.js';
export { parseFirehoseDocument } from './firehose-cwl.js';
export { parseCloudTrailRecord } from './cloudtrail.js';
export { JsonValueScanner, type JsonScanMode } from './json-scanner.js';
export { LineSplitter, type LineSink } from './line-splitter.js';
export { createAlbParser } from './alb.js';
export { createElbParser } from './elb.js';
export { createS3AccessParser, accessLogTimeToMs } from './s3-access.js';
export { createVpcFlowParser, VPC_DEFAULT_FIELDS } from './vpc-flow.js';
export { createCloudFrontParser, CLOUDFRONT_DEFAULT_FIELDS } from './cloudfront.js';
export { createWafParser, parseWafLine } from './waf.js';
export { createCloudWatchExportParser } from './cloudwatch-export.js';
export { createLinesParser } from './lines.js';
