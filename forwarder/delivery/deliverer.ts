/**
 * The sink every pipeline writes into. For each destination and signal it cuts batches on the
 * destination's exact limits (items, uncompressed bytes), compresses them (off the main thread on
 * libuv's pool, while they fill when the encoder's body is framed text; small whole bodies on this
 * thread), and sends them with bounded concurrency and retries.
 * `push` returns a promise only when the destination has no free slot: that is the
 * back-pressure that keeps memory bounded while a large S3 object streams through.
 *
 * Every item pushed ends in one outcome per destination, counted in `counters`:
 * forwarded, rejected (the destination refused it for good: a 400 isolated to one item by
 * bisection, a partial success), stored (the failure hook kept the batch for replay), or failed
 * (its input is reported so AWS redelivers it).
 */
import type { Counters } from '../accounting.js';
import { type Destination, type Encoded, type SendResult, type SignalEncoder, contentEncoding } from '../destinations/destination.js';
import { NO_INPUT, type Signal, type Telemetry, SIGNALS, countOf, pointsOf } from '../model.js';
import { signalOf } from '../model.js';
import { StreamingCompressor, compressBody } from './compress.js';
import { sendWithRetry } from './retry.js';

export interface FailedBatch {
  readonly destination: string;
  readonly signal: Signal;
  /** The uncompressed request body, already scrubbed (scrubbing runs before encoding). */
  readonly body: Uint8Array;
  readonly items: number;
  /** input index → number of items of that input in the batch. */
  readonly inputs: ReadonlyMap<number, number>;
  readonly reason: string;
}

export interface DelivererOptions {
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  readonly maxRetries: number;
  readonly retryBaseDelayMs: number;
  /** gzip level, 1-9. */
  readonly compressionLevel?: number;
  /** Epoch ms after which no attempt starts (the Lambda deadline less a margin). */
  readonly deadline: () => number;
  readonly now?: () => number;
  readonly counters: Counters;
  /** Keeps a batch that could not be delivered (the failure store); true when kept. */
  readonly onFailure?: (batch: FailedBatch) => Promise<boolean>;
  readonly log?: (level: 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface DeliveryReport {
  /** Inputs with at least one item neither delivered nor stored nor rejected for good. */
  readonly failedInputs: ReadonlySet<number>;
}

/** Encoded values, with the input and the number of items (points) of each, index for index. */
interface Part {
  values: unknown[];
  inputs: number[];
  counts: number[];
}

interface OpenBatch extends Part {
  /** Items in the batch: the sum of `counts`. */
  items: number;
  bytes: number;
  /** Compression started while the batch fills, when the encoder's body is framed text. */
  compressor?: StreamingCompressor;
}

class Lane {
  readonly open = new Map<Signal, OpenBatch>();
  inFlight = 0;
  readonly waiters: Array<() => void> = [];
  constructor(
    readonly destination: Destination,
    readonly encoders: ReadonlyMap<Signal, SignalEncoder>,
  ) {}
}

export class Deliverer {
  private readonly lanes: Lane[];
  private readonly tasks = new Set<Promise<void>>();
  private readonly failedInputs = new Set<number>();
  private readonly now: () => number;

  constructor(
    destinations: readonly Destination[],
    private readonly o: DelivererOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.lanes = destinations.map((d) => {
      const encoders = new Map<Signal, SignalEncoder>();
      for (const s of SIGNALS) {
        const e = d.encoder(s);
        if (e !== undefined) encoders.set(s, e);
      }
      return new Lane(d, encoders);
    });
  }

  /**
   * Adds one item; returns a promise only when the caller must wait for a free slot. A
   * MetricGroup goes to an encoder's `encodeGroup` as one value, or as its points one by one.
   */
  push(item: Telemetry): Promise<void> | undefined {
    const signal = signalOf(item);
    let wait: Promise<void> | undefined;
    for (const lane of this.lanes) {
      const encoder = lane.encoders.get(signal);
      if (encoder === undefined) continue;
      if (item.type !== 'metrics') {
        wait = this.add(lane, signal, encoder, encoder.encode(item), item.input, 1) ?? wait;
        continue;
      }
      const group = encoder.encodeGroup?.(item);
      if (group !== undefined) {
        wait = this.add(lane, signal, encoder, group, item.input, countOf(item)) ?? wait;
      } else {
        for (const point of pointsOf(item)) wait = this.add(lane, signal, encoder, encoder.encode(point), point.input, 1) ?? wait;
      }
    }
    return wait;
  }

  /** One encoded value (standing for `count` items) into the lane's open batch. */
  private add(lane: Lane, signal: Signal, encoder: SignalEncoder, r: Encoded<unknown>, input: number, count: number): Promise<void> | undefined {
    if (!r.ok) {
      this.o.counters.add('rejected', count, { signal, destination: lane.destination.name, reason: r.reason });
      return undefined;
    }
    if (r.truncated === true) this.o.counters.add('truncated', count, { signal, destination: lane.destination.name });
    let wait: Promise<void> | undefined;
    let batch = lane.open.get(signal);
    if (batch !== undefined && batch.items + count > encoder.limits.maxItems) {
      wait = this.cut(lane, signal, batch);
      batch = undefined;
    }
    batch ??= this.open(lane, signal, encoder);
    const separator = batch.values.length > 0 ? encoder.separatorBytes : 0;
    let bytes: number;
    if (batch.compressor !== undefined) {
      // Written into the compressed body first: the write counts the bytes.
      bytes = r.split === undefined ? batch.compressor.append(r.value as string) : batch.compressor.append(r.split.text, r.split.tail);
      if (batch.values.length > 0 && batch.bytes + bytes + separator > encoder.limits.maxBytes) {
        const taken = batch.compressor.takeBack();
        wait = this.cut(lane, signal, batch) ?? wait;
        batch = this.open(lane, signal, encoder);
        batch.compressor?.append('', taken);
      }
    } else {
      bytes = r.bytes ?? textBytes(r.value);
      if (batch.values.length > 0 && batch.bytes + bytes + separator > encoder.limits.maxBytes) {
        wait = this.cut(lane, signal, batch) ?? wait;
        batch = this.open(lane, signal, encoder);
      }
    }
    batch.bytes += bytes + (batch.values.length > 0 ? encoder.separatorBytes : 0);
    batch.values.push(r.value);
    batch.inputs.push(input);
    batch.counts.push(count);
    batch.items += count;
    return wait;
  }

  /** Sends a full batch; when every slot is then busy, the promise of the next free one. */
  private cut(lane: Lane, signal: Signal, batch: OpenBatch): Promise<void> | undefined {
    this.dispatch(lane, signal, batch);
    // Every slot busy: the caller waits until a request finishes (so at most `concurrency`).
    return lane.inFlight >= this.o.concurrency ? this.slot(lane) : undefined;
  }

  private open(lane: Lane, signal: Signal, encoder: SignalEncoder): OpenBatch {
    const batch: OpenBatch = { values: [], inputs: [], counts: [], items: 0, bytes: encoder.framingBytes };
    const compression = lane.destination.compression(signal);
    if (compression !== 'none' && encoder.framing !== undefined) {
      batch.compressor = new StreamingCompressor(compression, this.o.compressionLevel ?? 1, encoder.framing);
    }
    lane.open.set(signal, batch);
    return batch;
  }

  /**
   * Hands zlib what the bodies compressed on the fly have so far, unless it is still busy with a
   * write (called before the event loop turns).
   */
  flush(): void {
    for (const lane of this.lanes) for (const batch of lane.open.values()) batch.compressor?.handOver();
  }

  /** Sends what is left and waits for every request; then reports failed inputs. */
  async finish(): Promise<DeliveryReport> {
    // Bodies compressed on the fly first. zlib needs this thread between two writes, so a body
    // assembled now (metrics) would hold up their last write: it waits until zlib has it.
    const started: Array<Promise<void>> = [];
    for (const lane of this.lanes) {
      for (const [signal, batch] of lane.open) {
        if (batch.compressor === undefined) continue;
        this.dispatch(lane, signal, batch);
        started.push(batch.compressor.lastWriteStarted());
      }
    }
    await Promise.all(started);
    for (const lane of this.lanes) {
      for (const [signal, batch] of lane.open) this.dispatch(lane, signal, batch);
    }
    while (this.tasks.size > 0) await Promise.all([...this.tasks]);
    return { failedInputs: new Set(this.failedInputs) };
  }

  private slot(lane: Lane): Promise<void> {
    return new Promise((resolve) => lane.waiters.push(resolve));
  }

  private dispatch(lane: Lane, signal: Signal, batch: OpenBatch): void {
    lane.open.delete(signal);
    if (batch.values.length === 0) return;
    lane.inFlight++;
    const compressed = batch.compressor?.end();
    // Only the values go on: the batch (and its compressor's buffer) can be collected.
    const part: Part = { values: batch.values, inputs: batch.inputs, counts: batch.counts };
    const task = this.deliver(lane, signal, part, compressed).finally(() => {
      lane.inFlight--;
      this.tasks.delete(task);
      lane.waiters.shift()?.();
    });
    this.tasks.add(task);
  }

  private async deliver(lane: Lane, signal: Signal, part: Part, compressed?: Promise<Buffer>): Promise<void> {
    const { values, inputs, counts } = part;
    const d = lane.destination;
    const encoder = lane.encoders.get(signal) as SignalEncoder;
    const where = { signal, destination: d.name };
    const items = sum(counts);
    const body = (): Uint8Array => {
      const assembled = encoder.assemble(values);
      return typeof assembled === 'string' ? Buffer.from(assembled) : assembled;
    };
    let result: SendResult;
    try {
      const compression = d.compression(signal);
      const payload = compressed !== undefined ? await compressed : await compressBody(body(), compression, this.o.compressionLevel ?? 1);
      result = await sendWithRetry(
        (abort) => d.send(signal, payload, { signal: abort, contentEncoding: contentEncoding(compression) }),
        {
          maxRetries: this.o.maxRetries,
          baseDelayMs: this.o.retryBaseDelayMs,
          requestTimeoutMs: this.o.requestTimeoutMs,
          deadline: this.o.deadline(),
          now: this.now,
        },
      );
    } catch (err) {
      result = { kind: 'retry', reason: `could not prepare the request: ${(err as Error).message}` };
    }

    if (result.kind === 'ok') {
      const rejected = Math.min(result.rejectedItems ?? 0, items);
      this.o.counters.add('forwarded', items - rejected, where);
      if (rejected > 0) {
        // OTLP partial success: the backend kept the rest; the rejected ones will not be accepted on retry.
        this.o.counters.add('rejected', rejected, { ...where, reason: 'partial_success' });
        this.o.log?.('warn', 'destination rejected part of a batch', { ...where, rejected, message: result.message });
      } else if (result.message !== undefined && result.message !== '') {
        // A partial success that rejects nothing but says something is a warning (OTLP spec).
        this.o.log?.('warn', 'destination accepted the batch with a warning', { ...where, message: result.message });
      }
      return;
    }
    if ((result.kind === 'split' || (result.kind === 'reject' && result.badInput)) && values.length > 1) {
      // Too large, or refused as bad input: bisect, so one bad item cannot take the others with it.
      // (A value is the smallest part: a REPORT's group of points is refused together.)
      // One half after the other, inside this batch's slot: bisection never adds requests in flight.
      const mid = Math.ceil(values.length / 2);
      await this.deliver(lane, signal, { values: values.slice(0, mid), inputs: inputs.slice(0, mid), counts: counts.slice(0, mid) });
      await this.deliver(lane, signal, { values: values.slice(mid), inputs: inputs.slice(mid), counts: counts.slice(mid) });
      return;
    }
    if (result.kind === 'reject' && result.badInput) {
      this.o.counters.add('rejected', items, { ...where, reason: `status_${result.status ?? 'unknown'}` });
      this.o.log?.('warn', 'destination rejected an item as invalid', { ...where, status: result.status, reason: result.reason });
      return;
    }
    const perInput = new Map<number, number>();
    inputs.forEach((input, i) => perInput.set(input, (perInput.get(input) ?? 0) + (counts[i] as number)));
    const failure: FailedBatch = { destination: d.name, signal, body: body(), items, inputs: perInput, reason: result.reason };
    let stored = false;
    try {
      stored = (await this.o.onFailure?.(failure)) ?? false;
    } catch (err) {
      this.o.log?.('error', 'could not store a failed batch', { ...where, error: (err as Error).message });
    }
    if (stored) {
      this.o.counters.add('stored', items, where);
      return;
    }
    this.o.counters.add('failed', items, where);
    // Items of no input (the forwarder's own metrics) never make AWS redeliver anything.
    for (const input of perInput.keys()) if (input !== NO_INPUT) this.failedInputs.add(input);
    this.o.log?.('error', 'batch could not be delivered', { ...where, items, reason: result.reason });
  }
}

/** The UTF-8 size of a text value whose encoder left its size to delivery. */
function textBytes(value: unknown): number {
  if (typeof value !== 'string') throw new TypeError('an encoder left out the size of a value that is not text');
  return Buffer.byteLength(value);
}

function sum(counts: readonly number[]): number {
  let n = 0;
  for (const c of counts) n += c;
  return n;
}
