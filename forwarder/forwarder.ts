/**
 * The forwarder, built once per container from a validated config: destinations, stages and
 * caches live across invocations; counters and the deliverer are per invocation. `handle` is
 * short on purpose: detect the event, run its inputs through the pipeline, finish delivery,
 * answer AWS (throw so it redelivers, or return batchItemFailures), log one summary line.
 */
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { Counters } from './accounting.js';
import type { Config } from './config/index.js';
import { Deliverer } from './delivery/deliverer.js';
import type { HttpPost } from './delivery/http.js';
import type { Destination } from './destinations/destination.js';
import { createDatadogDestination } from './destinations/datadog.js';
import { datadogUrls } from './destinations/datadog-site.js';
import { type Writable, createStdoutDestination } from './destinations/stdout.js';
import { BadInputError, ForwarderError, describeError } from './errors.js';
import { type Logger, createLogger } from './logger.js';
import { type PipelineParts, runBatch } from './pipeline.js';
import { RecordBuilder } from './records.js';
import { SecretResolver, type SecretClients } from './secrets.js';
import { decodeAwslogs } from './sources/cloudwatch.js';
import { detectEvent } from './sources/detect.js';
import { kinesisInputs } from './sources/kinesis.js';

export interface ForwarderDeps {
  /** Where the stdout destination writes (default process.stdout). */
  readonly stdout?: Writable;
  readonly secrets?: SecretClients;
  readonly logger?: Logger;
  readonly now?: () => number;
  /** The HTTP call of every HTTP destination (default fetch); benchmarks measure without a network. */
  readonly post?: HttpPost;
}

export interface BatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** The invocation could not deliver everything and has nowhere to keep it: AWS must redeliver. */
export class DeliveryFailedError extends ForwarderError {}

type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>;

export class Forwarder {
  readonly destinations: readonly Destination[];
  private readonly records: RecordBuilder;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(
    readonly config: Config,
    deps: ForwarderDeps = {},
  ) {
    this.logger = deps.logger ?? createLogger(config.logLevel);
    this.now = deps.now ?? Date.now;
    const secrets = new SecretResolver(deps.secrets);
    const forwarderTags = [`forwardername:${config.forwarderName.toLowerCase()}`, `forwarder_version:${config.forwarderVersion}`];
    this.destinations = config.destinations.map((name): Destination => {
      switch (name) {
        case 'datadog': {
          const ref = config.datadog.apiKey;
          if (ref === undefined) throw new ForwarderError('datadog destination without an API key');
          return createDatadogDestination({
            urls: datadogUrls(config.datadog.site, config.datadog.url),
            apiKey: () => secrets.resolve(ref),
            logs: { tags: forwarderTags },
            userAgent: `log-forwarder/${config.forwarderVersion}`,
            ...(deps.post && { post: deps.post }),
          });
        }
        case 'stdout':
          return createStdoutDestination(deps.stdout ?? process.stdout);
        case 'otlp':
          throw new ForwarderError('the otlp destination is not available in this build');
      }
    });
    this.records = new RecordBuilder({
      tags: config.tagging.tags,
      ...(config.tagging.service !== undefined && { service: config.tagging.service }),
    });
  }

  async handle(event: unknown, context: LambdaContext): Promise<BatchResponse | undefined> {
    const counters = new Counters();
    const started = this.now();
    const deadlineAt = started + context.getRemainingTimeInMillis() - this.config.delivery.deadlineMarginMs;
    const deliverer = new Deliverer(this.destinations, {
      ...this.config.delivery,
      deadline: () => deadlineAt,
      now: this.now,
      counters,
      log: (level, message, fields) => this.logger.log(level, message, fields),
    });
    const parts: PipelineParts = {
      records: this.records,
      extract: [],
      refine: [],
      sink: deliverer,
      counters,
      ...(this.config.ownLogGroup !== undefined && { ownLogGroup: this.config.ownLogGroup }),
    };
    const origin = {
      ...(this.config.region !== undefined && { region: this.config.region }),
      ...(this.config.tagging.source !== undefined && { sourceOverride: this.config.tagging.source }),
    };
    const kind = detectEvent(event);
    try {
      switch (kind) {
        case 'cloudwatch': {
          const data = (event as { awslogs: { data: string } }).awslogs.data;
          await this.guarded(counters, () => {
            const { batch, invalidEvents } = decodeAwslogs(data, 0, origin);
            counters.add('rejected', invalidEvents, { signal: 'logs', reason: 'invalid_record' });
            return batch === undefined ? undefined : runBatch(batch, parts);
          });
          const report = await deliverer.finish();
          if (report.failedInputs.size > 0) {
            throw new DeliveryFailedError('some records could not be delivered or stored; failing so that AWS redelivers the batch');
          }
          return undefined;
        }
        case 'kinesis': {
          const inputs = kinesisInputs(event as KinesisStreamEvent, origin);
          for (const input of inputs) {
            await this.guarded(counters, () => {
              const { batch, invalidEvents } = input.decode();
              counters.add('rejected', invalidEvents, { signal: 'logs', reason: 'invalid_record' });
              return batch === undefined ? undefined : runBatch(batch, parts);
            });
          }
          const report = await deliverer.finish();
          return {
            batchItemFailures: [...report.failedInputs].sort((a, b) => a - b).map((i) => ({ itemIdentifier: inputs[i]?.itemIdentifier ?? String(i) })),
          };
        }
        case 's3':
        case 'replay':
        case 'unknown':
          throw new BadInputError('unknown_event', 'unrecognised event: expected a CloudWatch Logs subscription (awslogs), Kinesis, S3 notification or replay event');
      }
    } finally {
      this.logger.log('info', 'forwarder summary', {
        event: kind,
        ms: this.now() - started,
        counts: counters.summary(),
        ...(context.awsRequestId !== undefined && { requestId: context.awsRequestId }),
      });
    }
  }

  /** Runs one input; bad input is counted and logged, never thrown, so other inputs go on. */
  private async guarded(counters: Counters, run: () => Promise<void> | undefined): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (!(err instanceof BadInputError)) throw err;
      counters.add('rejected', 1, { signal: 'logs', reason: err.reason });
      this.logger.log('error', 'bad input skipped', { reason: err.reason, error: describeError(err) });
    }
  }
}

