/**
 * Interleaved A/B timing: each candidate runs the same work in alternation, several rounds, and
 * the median per candidate is kept, so that load on a shared machine hits both alike and the
 * ratio between them is what we report.
 */
export interface Timing {
  readonly label: string;
  readonly medianMs: number;
}

export async function interleave(rounds: number, candidates: Record<string, () => Promise<void>>): Promise<Record<string, Timing>> {
  const times: Record<string, number[]> = {};
  for (const label of Object.keys(candidates)) times[label] = [];
  // One warm-up round (JIT, caches) that is not counted.
  for (const fn of Object.values(candidates)) await fn();
  for (let i = 0; i < rounds; i++) {
    for (const [label, fn] of Object.entries(candidates)) {
      const start = performance.now();
      await fn();
      times[label]?.push(performance.now() - start);
    }
  }
  const out: Record<string, Timing> = {};
  for (const [label, ts] of Object.entries(times)) {
    const sorted = [...ts].sort((a, b) => a - b);
    out[label] = { label, medianMs: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN };
  }
  return out;
}

export const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
