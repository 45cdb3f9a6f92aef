/**
 * Per-invocation accounting. Two equations hold, and tests check them:
 *  - at the source: received (raw lines, signal logs) = emitted (logs handed to delivery)
 *    + filtered + converted (metric/trace lines turned into other signals) + rejected (bad input);
 *  - per destination and signal: emitted = forwarded + stored + failed (handed back to AWS for
 *    redelivery) + rejected (by the destination, with a reason).
 * `truncated`, `duplicates` and `redacted` (per scrubbing rule, in `reason`) are notes, not outcomes. The handler emits the counts as
 * forwarder.* metrics and one summary line.
 */
import type { Signal } from './model.js';

export const OUTCOMES = [
  'received',
  'emitted',
  'converted',
  'forwarded',
  'filtered',
  'truncated',
  'rejected',
  'stored',
  'replayed',
  'failed',
  'duplicates',
  'redacted',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export class Counters {
  /** key: `${outcome}|${signal}|${destination}|${reason}`; absent parts are empty. */
  private readonly counts = new Map<string, number>();

  add(outcome: Outcome, n = 1, where: { signal?: Signal; destination?: string; reason?: string } = {}): void {
    if (n === 0) return;
    const key = `${outcome}|${where.signal ?? ''}|${where.destination ?? ''}|${where.reason ?? ''}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  /** Sum over every entry matching the given parts. */
  get(outcome: Outcome, where: { signal?: Signal; destination?: string; reason?: string } = {}): number {
    let total = 0;
    for (const [key, n] of this.counts) {
      const [o, s, d, r] = key.split('|');
      if (o !== outcome) continue;
      if (where.signal !== undefined && s !== where.signal) continue;
      if (where.destination !== undefined && d !== where.destination) continue;
      if (where.reason !== undefined && r !== where.reason) continue;
      total += n;
    }
    return total;
  }

  entries(): Array<{ outcome: Outcome; signal?: Signal; destination?: string; reason?: string; count: number }> {
    return [...this.counts].map(([key, count]) => {
      const [o, s, d, r] = key.split('|') as [Outcome, string, string, string];
      return {
        outcome: o,
        ...(s !== '' && { signal: s as Signal }),
        ...(d !== '' && { destination: d }),
        ...(r !== '' && { reason: r }),
        count,
      };
    });
  }

  merge(other: Counters): void {
    for (const e of other.entries()) this.add(e.outcome, e.count, e);
  }

  /** One compact line: `received=12 forwarded[logs,datadog]=10 rejected[invalid_gzip]=1 …`. */
  summary(): string {
    return this.entries()
      .map((e) => {
        const parts = [e.signal, e.destination, e.reason].filter((p) => p !== undefined);
        return `${e.outcome}${parts.length > 0 ? `[${parts.join(',')}]` : ''}=${e.count}`;
      })
      .join(' ');
  }
}
