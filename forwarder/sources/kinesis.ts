/**
 * Kinesis Data Streams events whose records carry CloudWatch Logs subscription payloads
 * (a subscription filter with a Kinesis destination writes the same gzip'd JSON into each record;
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html#DestinationKinesisExample).
 * Each record is its own acknowledgeable input, identified by its sequence number for
 * batchItemFailures (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-batchfailurereporting.html).
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { BadInputError } from '../errors.js';
import { type DecodeResult, type OriginOptions, decodeAwslogs } from './cloudwatch.js';

export interface KinesisInput {
  /** The sequence number, used as the batchItemFailures itemIdentifier. */
  readonly itemIdentifier: string;
  readonly decode: () => DecodeResult;
}

export function kinesisInputs(event: KinesisStreamEvent, options: OriginOptions): KinesisInput[] {
  return event.Records.map((record, input) => ({
    itemIdentifier: record.kinesis?.sequenceNumber ?? String(input),
    decode: () => {
      const data = record.kinesis?.data;
      if (typeof data !== 'string') throw new BadInputError('invalid_record', `Kinesis record ${input} has no data`);
      return decodeAwslogs(data, input, { ...options, ...(record.awsRegion !== undefined && { region: record.awsRegion }) });
    },
  }));
}
