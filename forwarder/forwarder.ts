/**
 * The forwarder, built once per container from a validated config: destinations, stages and
 * caches live across invocations; counters and the deliverer are per invocation. `handle` is
 * short on purpose: detect the event, run its inputs through the pipeline, finish delivery,
 * answer AWS (throw so it redelivers, or return batchItemFailures), report its own counts.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { Counters } from './accounting.js';
import type { Config } from './config/index.js';
import { Deliverer, type DeliveryReport, type FailedBatch } from './delivery/deliverer.js';
import { FailureStore } from './delivery/failure-store.js';
import type { HttpPost } from './delivery/http.js';
import type { Destination } from './destinations/destination.js';
import { type ArchitectureResolver, createArchitectureResolver } from './architecture.js';
import { createTelemetryStage } from './stages/telemetry.js';
import { createFilterStage } from './stages/filter.js';
import { createScrubStage } from './stages/scrub.js';
import { Scrubber } from '../parsers/scrub/index.js';
import type { ChunkContext, Stage } from './stages/stage.js';
import { createDestinations } from './destinations/create.js';
import type { Writable } from './destinations/stdout.js';
import type { ContinuationEvent } from './continuation.js';
import { BadInputError, ForwarderError, describeError } from './errors.js';
import { type Logger, createLogger } from './logger.js';
import { type PipelineParts, runBatch } from './pipeline.js';
import { RecordBuilder } from './records.js';
import { replayStored } from './replay.js';
import { SecretResolver, type SecretClients } from './secrets.js';
import { selfMetrics } from './self-telemetry.js';
import { type DecodeResult, type OriginOptions, decodeAwslogs } from './sources/cloudwatch.js';
import { type EventKind, detectEvent } from './sources/detect.js';
import { kinesisInputs } from './sources/kinesis.js';
import { createBatchJoiner } from './sources/multiline-batch.js';
import { S3ObjectReader } from './sources/s3-objects.js';
import type { RawBatch } from './sources/source.js';
import { isS3Event, parseS3Event } from '../parsers/s3-event.js';

export interface ForwarderDeps {
  /** Where the stdout destination writes (default process.stdout). */
  readonly stdout?: Writable;
  readonly secrets?: SecretClients;
  /** S3 client for sources and the failure store (default: from the standard AWS settings). */
  readonly s3?: S3Client;
  /** Lambda client for continuations of S3 objects (default: from the standard AWS settings). */
  readonly lambda?: Pick<LambdaClient, 'send'>;
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

export type LambdaContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>;

/** What one invocation carries through its steps. */
interface Invocation {
  readonly kind: EventKind;
  readonly counters: Counters;
  readonly deliverer: Deliverer;
  readonly parts: PipelineParts;
  readonly started: number;
  /** Epoch ms after which no new work starts: the Lambda deadline less the margin. */
  readonly deadlineAt: number;
}

export class Forwarder {
  readonly destinations: readonly Destination[];
  private readonly records: RecordBuilder;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly store?: FailureStore;
  private readonly origin: OriginOptions;
  private s3Client?: S3Client;
  /** Delivery outcomes not yet reported as forwarder.* metrics (see finish). */
  private carried = new Counters();
  private readonly extract: readonly Stage[];
  /** Filtering, then scrubbing: nothing leaves unscrubbed, and metrics come from dropped lines too. */
  private readonly refine: readonly Stage[];
  private readonly scrubber: Scrubber;
  private readonly architectures?: ArchitectureResolver;
  private readonly objects: S3ObjectReader;
  /** Multiline joining of CloudWatch batches (S3 objects join while they are read). */
  private readonly joinLines?: (batch: RawBatch) => RawBatch;
  private lambdaClient?: LambdaClient;

  constructor(
    readonly config: Config,
    private readonly deps: ForwarderDeps = {},
  ) {
    this.logger = deps.logger ?? createLogger(config.logLevel);
    this.now = deps.now ?? Date.now;
    this.destinations = createDestinations(config, {
      secrets: new SecretResolver(deps.secrets),
      now: this.now,
      ...(deps.stdout && { stdout: deps.stdout }),
      ...(deps.post && { post: deps.post }),
    });
    this.records = new RecordBuilder({
      tags: config.tagging.tags,
      ...(config.tagging.service !== undefined && { service: config.tagging.service }),
    });
    if (config.store.bucket !== undefined) this.store = new FailureStore(this.s3(), config.store.bucket, config.store.prefix, this.now);
    const t = config.telemetry;
    this.scrubber = new Scrubber(config.scrubbing.rules);
    this.refine = [createFilterStage(config.filtering), ...(this.scrubber.empty ? [] : [createScrubStage(this.scrubber)])];
    this.extract = [createTelemetryStage({ enhancedMetrics: t.enhancedMetrics, prices: t.prices, defaultArchitecture: t.defaultArchitecture })];
    if (t.enhancedMetrics && t.lookupArchitecture) {
      this.architectures = createArchitectureResolver({
        client: deps.lambda ?? (this.lambdaClient ??= new LambdaClient({})),
        ttlMs: t.architectureCacheTtlMs,
        defaultArchitecture: t.defaultArchitecture,
        now: this.now,
        onError: (ref, error) =>
          this.logger.log('warn', 'could not look up a function\'s architecture; using the default', { function: ref.functionName, error: describeError(error) }),
      });
    }
    this.objects = new S3ObjectReader({
      config,
      logger: this.logger,
      now: this.now,
      s3: () => this.s3(),
      lambda: () => deps.lambda ?? (this.lambdaClient ??= new LambdaClient({})),
    });
    if (config.parsing.multilineStart !== undefined) this.joinLines = createBatchJoiner(config.parsing.multilineStart);
    this.origin = {
      ...(config.region !== undefined && { region: config.region }),
      ...(config.tagging.source !== undefined && { sourceOverride: config.tagging.source }),
    };
  }

  async handle(event: unknown, context: LambdaContext): Promise<BatchResponse | undefined> {
    const inv = this.begin(event, context);
    try {
      switch (inv.kind) {
        case 'cloudwatch':
          return await this.handleCloudWatch((event as { awslogs: { data: string } }).awslogs.data, inv);
        case 'kinesis':
          return await this.handleKinesis(event as KinesisStreamEvent, inv);
        case 'replay':
          return await this.handleReplay(inv);
        case 's3':
          return await this.handleS3(event, inv);
        case 'continuation':
          return await this.handleContinuation(event as ContinuationEvent, inv);
        case 'unknown':
          throw new BadInputError('unknown_event', 'unrecognised event: expected a CloudWatch Logs subscription (awslogs), Kinesis, S3 notification or replay event');
      }
    } finally {
      this.end(inv, context);
    }
  }

  private begin(event: unknown, context: LambdaContext): Invocation {
    const counters = new Counters();
    const started = this.now();
    const deadlineAt = started + context.getRemainingTimeInMillis() - this.config.delivery.deadlineMarginMs;
    const deliverer = this.deliverer(counters, deadlineAt);
    const parts: PipelineParts = {
      records: this.records,
      extract: this.extract,
      context: (batch) => this.chunkContext(batch),
      refine: this.refine,
      sink: deliverer,
      counters,
      ...(this.config.ownLogGroup !== undefined && { ownLogGroup: this.config.ownLogGroup }),
      ...(this.joinLines !== undefined && { multiline: this.joinLines }),
    };
    return { kind: detectEvent(event, isS3Event), counters, deliverer, parts, started, deadlineAt };
  }

  private async handleCloudWatch(data: string, inv: Invocation): Promise<undefined> {
    await this.runPayload(() => decodeAwslogs(data, 0, this.origin), inv);
    this.throwIfFailed(await this.finish(inv));
    return undefined;
  }

  private async handleKinesis(event: KinesisStreamEvent, inv: Invocation): Promise<BatchResponse> {
    const inputs = kinesisInputs(event, this.origin);
    for (const input of inputs) await this.runPayload(input.decode, inv);
    const report = await this.finish(inv);
    return {
      batchItemFailures: [...report.failedInputs]
        .sort((a, b) => a - b)
        .map((i) => ({ itemIdentifier: inputs[i]?.itemIdentifier ?? String(i) })),
    };
  }

  /**
   * S3 notifications (direct, SNS, SQS, SQS+SNS, EventBridge): every object announced is read as
   * a stream. An object that cannot be read is reported (after delivering what was read): as a
   * batchItemFailure for SQS, else by failing the invocation so that the notification is retried.
   */
  private async handleS3(event: unknown, inv: Invocation): Promise<BatchResponse | undefined> {
    const { targets, skipped } = parseS3Event(event);
    for (const s of skipped) this.logger.log('info', 'S3 notification skipped', { reason: s.reason, detail: s.detail });
    const failed = await this.objects.read(targets.map((t) => ({ target: { ...t, startOffset: 0, hop: 0 }, input: t.input })), inv);
    const report = await this.finish(inv);
    for (const i of report.failedInputs) failed.add(i);
    const viaSqs = targets.some((t) => t.messageId !== undefined) || skipped.some((s) => s.messageId !== undefined);
    if (viaSqs) {
      const ids = new Map<number, string>();
      for (const t of [...targets, ...skipped]) if (t.messageId !== undefined) ids.set(t.input, t.messageId);
      return { batchItemFailures: [...failed].sort((a, b) => a - b).map((i) => ({ itemIdentifier: ids.get(i) ?? String(i) })) };
    }
    if (failed.size > 0) throw new DeliveryFailedError('some S3 objects could not be read or delivered; failing so that the notification is retried');
    return undefined;
  }

  private async handleContinuation(event: ContinuationEvent, inv: Invocation): Promise<undefined> {
    const failed = await this.objects.read([{ target: event.continuation, input: 0 }], inv);
    const report = await this.finish(inv);
    if (failed.size > 0 || report.failedInputs.size > 0) throw new DeliveryFailedError('the continued S3 object could not be read or delivered; Lambda retries this continuation');
    return undefined;
  }

  /** What the stages need that takes I/O: the function's architecture (for cost), cached. */
  private async chunkContext(batch: RawBatch): Promise<Partial<ChunkContext>> {
    const { functionName, account, region } = batch.origin;
    if (this.architectures === undefined || functionName === undefined) return {};
    const architecture = await this.architectures.resolve({
      functionName,
      ...(account !== undefined && { account }),
      ...(region !== undefined && { region }),
    });
    return { architecture };
  }

  private async handleReplay(inv: Invocation): Promise<undefined> {
    if (this.store === undefined) {
      this.logger.log('warn', 'replay requested but FAILURE_BUCKET is not set: nothing to replay');
      return undefined;
    }
    const d = this.config.delivery;
    const report = await replayStored({
      store: this.store,
      s3: this.s3(),
      destinations: this.destinations,
      counters: inv.counters,
      deadline: inv.deadlineAt,
      now: this.now,
      concurrency: d.concurrency,
      maxRetries: d.maxRetries,
      retryBaseDelayMs: d.retryBaseDelayMs,
      requestTimeoutMs: d.requestTimeoutMs,
      compressionLevel: d.compressionLevel,
      retentionMs: this.config.store.retentionDays * 86_400_000,
      log: (level, message, fields) => this.logger.log(level, message, fields),
    });
    this.logger.log(report.pastRetention > 0 ? 'warn' : 'info', 'replay done', { ...report });
    await this.finish(inv);
    return undefined;
  }

  /** Failed inputs with nowhere to keep them: fail the invocation so that AWS redelivers. */
  private throwIfFailed(report: DeliveryReport): void {
    if (report.failedInputs.size > 0) {
      throw new DeliveryFailedError('some records could not be delivered or stored; failing so that AWS redelivers the batch');
    }
  }

  /**
   * Ends delivery. Before the last flush, the forwarder's own forwarder.* counts ride along with
   * the invocation's data (no extra request): the source-side counts of this invocation, and the
   * delivery outcomes of earlier ones, which are only known after their flush. The summary line
   * of each invocation has its exact counts; the metrics trail delivery outcomes by one
   * invocation (the last ones of a container appear only in its log).
   */
  private async finish(inv: Invocation): Promise<DeliveryReport> {
    // Redactions per rule (counts only, never values), as notes of this invocation.
    for (const [rule, n] of Object.entries(this.scrubber.redactions())) inv.counters.add('redacted', n, { reason: rule });
    this.scrubber.resetRedactions();
    if (!this.config.selfMetrics) return inv.deliverer.finish();
    // Source-side counts are final now; delivery outcomes (they name a destination) only after the flush.
    for (const e of inv.counters.entries()) if (e.destination === undefined) this.carried.add(e.outcome, e.count, e);
    // Past the deadline nothing more is sent: the counts wait for the next invocation.
    if (this.now() < inv.deadlineAt) {
      const points = selfMetrics(this.carried, { name: this.config.forwarderName, version: this.config.forwarderVersion, timestamp: this.now() });
      this.carried = new Counters();
      inv.counters.add('emitted', points.length, { signal: 'metrics', reason: 'self' });
      for (const point of points) await inv.deliverer.push(point);
    }
    const report = await inv.deliverer.finish();
    for (const e of inv.counters.entries()) if (e.destination !== undefined) this.carried.add(e.outcome, e.count, e);
    return report;
  }

  /** The summary line: the invocation's exact counts. */
  private end(inv: Invocation, context: LambdaContext): void {
    this.logger.log('info', 'forwarder summary', {
      event: inv.kind,
      ms: this.now() - inv.started,
      counts: inv.counters.summary(),
      ...(context.awsRequestId !== undefined && { requestId: context.awsRequestId }),
    });
  }

  private deliverer(counters: Counters, deadlineAt: number): Deliverer {
    const store = this.store;
    return new Deliverer(this.destinations, {
      ...this.config.delivery,
      deadline: () => deadlineAt,
      now: this.now,
      counters,
      log: (level, message, fields) => this.logger.log(level, message, fields),
      ...(store !== undefined && {
        onFailure: async (batch: FailedBatch) => {
          const key = await store.put(batch);
          this.logger.log('warn', 'batch stored for replay', { destination: batch.destination, signal: batch.signal, items: batch.items, key, reason: batch.reason });
          return true;
        },
      }),
    });
  }

  /**
   * Decodes one CloudWatch Logs payload and runs it through the pipeline. Bad input is counted
   * and logged, never thrown, so the other inputs of the event go on; events without a usable
   * timestamp or message were received too, and are counted as rejected.
   */
  private async runPayload(decode: () => DecodeResult, inv: Invocation): Promise<void> {
    try {
      const { batch, invalidEvents } = decode();
      inv.counters.add('received', invalidEvents, { signal: 'logs' });
      inv.counters.add('rejected', invalidEvents, { signal: 'logs', reason: 'invalid_record' });
      if (batch !== undefined) await runBatch(batch, inv.parts);
    } catch (err) {
      if (!(err instanceof BadInputError)) throw err;
      inv.counters.add('rejected', 1, { signal: 'logs', reason: err.reason });
      this.logger.log('error', 'bad input skipped', { reason: err.reason, error: describeError(err) });
    }
  }

  private s3(): S3Client {
    this.s3Client ??= this.deps.s3 ?? new S3Client({});
    return this.s3Client;
  }
}
