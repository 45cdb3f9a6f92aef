/**
 * The public surface of the parsers: pure functions (strings in, values out; no environment,
 * clock or network), importable without the rest of the forwarder. Exported by name.
 */
export { isRequestId, lineFacts, type LineFacts, type PlatformKind } from './lambda-line.js';
export { functionNameFromLogGroup, sourceFromLogGroup } from './source-detect.js';
export { OOM_ERROR_TYPE, parsePlatformLine, runtimeFromVersion } from './report.js';
export { ENHANCED_METRICS, ENHANCED_PREFIX, eventMetric, reportMetrics } from './enhanced-metrics.js';
export { ARCHITECTURES, type Architecture, DEFAULT_PRICES, estimateCost, isArchitecture, parsePriceOverride, ratesFor, withOverride } from './lambda-cost.js';
export { parseMetricLine, parseTagList } from './metric-line.js';
export { parseEmf } from './emf.js';
export { isTracePayload, parseTracePayload } from './trace-payload.js';
export {
  datadogDecimalToHex,
  datadogTraceIdFor,
  extractTraceContext,
  hexToDatadogDecimal,
  spanIdToDatadogDecimal,
  w3cToDatadogDecimal,
  w3cToXray,
  xrayToDatadogDecimal,
  xrayToW3c,
} from './trace-ids.js';
export { MultilineJoiner, type MultilineOptions } from './multiline.js';
export { accountFromKey, decodeS3Key, isS3Event, parseS3Event } from './s3-event.js';
export { detectS3Format } from './s3-formats/detect.js';
export { S3_FORMATS, type S3Format } from './s3-formats/types.js';
export { REDACTED, type ScrubRule, Scrubber } from './scrub/index.js';
