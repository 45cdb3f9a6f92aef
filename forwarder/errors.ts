/**
 * Every error the forwarder raises. Errors carry their evidence (variable, bucket/key, HTTP
 * status, retryability) and never a secret or a payload.
 */

export class ForwarderError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A configuration problem; lists every bad variable at once. */
export class ConfigError extends ForwarderError {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export const BAD_INPUT_REASONS = [
  'invalid_base64',
  'invalid_gzip',
  'invalid_json',
  'invalid_payload',
  'unknown_event',
  'invalid_record',
  'oversized',
  's3_read_failed',
  'decompression_cap',
  'unsupported_compression',
  'invalid_metric_line',
  'invalid_trace_payload',
] as const;
export type BadInputReason = (typeof BAD_INPUT_REASONS)[number];

/** Input that cannot be decoded. The rest of the invocation goes on. */
export class BadInputError extends ForwarderError {
  constructor(
    readonly reason: BadInputReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Reading an S3 object failed; names bucket and key. */
export class S3ReadError extends ForwarderError {
  constructor(
    readonly bucket: string,
    readonly key: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`s3://${bucket}/${key}: ${message}`, options);
  }
}

/** Short, secret-free description of anything thrown. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
