/**
 * Attribute names used on records. OpenTelemetry semantic-convention names where one exists
 * (https://opentelemetry.io/docs/specs/semconv/: registry/attributes/cloud.md, faas, aws logs/s3);
 * our own names otherwise, under `aws.*` or `forwarder.*`. Values on a record are plain strings;
 * OTLP turns the `*.names` ones into string arrays at the resource level.
 */
export const ATTR = {
  cloudProvider: 'cloud.provider',
  cloudAccountId: 'cloud.account.id',
  cloudRegion: 'cloud.region',
  faasName: 'faas.name',
  faasVersion: 'faas.version',
  /** The request id of the invocation a line belongs to. */
  faasInvocationId: 'faas.invocation_id',
  logGroup: 'aws.log.group.names',
  logStream: 'aws.log.stream.names',
  /** CloudWatch Logs event id (unique per event; used to count duplicates). */
  logEventId: 'aws.log.event.id',
  s3Bucket: 'aws.s3.bucket',
  s3Key: 'aws.s3.key',
  /** The trace id as the line wrote it (X-Ray, decimal Datadog, W3C…), before conversion. */
  traceIdOriginal: 'trace.id.original',
  /** Set when the message was cut to fit the destination's limit. */
  truncated: 'forwarder.truncated',
} as const;
