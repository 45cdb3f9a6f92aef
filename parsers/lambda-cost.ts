/**
 * Estimated cost of one Lambda invocation, in USD: the per-request price plus the GB-seconds of
 * billed duration (plus SnapStart's billed restore duration) times the per-GB-s price of the
 * function's architecture. List prices of the first monthly tier: no free tier, no volume
 * tiers, no Savings Plans, no Provisioned Concurrency (this is an estimate per invocation, as
 * the Datadog Forwarder's `aws.lambda.enhanced.estimated_cost` is). Pure.
 *
 * Sources (BACKENDS.md §7):
 * - $0.20 per 1M requests, $0.0000166667 per GB-s (x86_64), $0.0000133334 per GB-s (arm64),
 *   us-east-1 first tier: https://aws.amazon.com/lambda/pricing/ (the page renders its rates
 *   client-side; confirmed by secondary sources, and the x86 rate is the Datadog Forwarder's
 *   `LAMBDA_PRICE_PER_GB_SECOND`).
 * - Billing at 1 ms granularity, tiers: https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/
 * - arm64 duration 20% cheaper than x86_64:
 *   https://aws.amazon.com/blogs/aws/aws-lambda-functions-powered-by-aws-graviton2-processor-run-your-functions-on-arm-and-get-up-to-34-better-price-performance/
 * - SnapStart: "Billed Restore Duration" is charged as duration (loading the runtime and the
 *   after-restore hooks): https://docs.aws.amazon.com/lambda/latest/dg/snapstart-monitoring.html
 * - Regional rates (af-south-1, ap-east-1) are third-party figures, **unconfirmed**; arm64 there
 *   is derived as x86 × 0.8, and their request price is assumed to be the us-east-1 one.
 *   Configuration (LAMBDA_PRICES) overrides any of them.
 */

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export function isArchitecture(v: unknown): v is Architecture {
  return v === 'x86_64' || v === 'arm64';
}

export interface LambdaRates {
  /** USD per request. */
  readonly request: number;
  /** USD per GB-second of duration. */
  readonly x86_64: number;
  readonly arm64: number;
}

export interface PriceTable {
  /** Rates for regions without an entry in `regions`. */
  readonly base: LambdaRates;
  readonly regions: Readonly<Record<string, LambdaRates>>;
}

/** A partial set of rates, as configuration gives it. */
export type RatesOverride = Partial<LambdaRates>;

/** `LAMBDA_PRICES`: global rates plus optional per-region ones. */
export interface PriceOverride extends RatesOverride {
  readonly regions?: Readonly<Record<string, RatesOverride>>;
}

const US_EAST_1: LambdaRates = { request: 0.0000002, x86_64: 0.0000166667, arm64: 0.0000133334 };

export const DEFAULT_PRICES: PriceTable = Object.freeze({
  base: US_EAST_1,
  regions: Object.freeze({
    // Unconfirmed third-party figures (BACKENDS.md §7); arm64 = x86 × 0.8.
    'af-south-1': { request: US_EAST_1.request, x86_64: 0.0000221, arm64: 0.00001768 },
    'ap-east-1': { request: US_EAST_1.request, x86_64: 0.00002292, arm64: 0.000018336 },
  }),
});

/** Rates that apply in a region (the base rates when the region has no entry). */
export function ratesFor(table: PriceTable, region: string | undefined): LambdaRates {
  return (region !== undefined ? table.regions[region] : undefined) ?? table.base;
}

export interface BilledUsage {
  readonly billedDurationMs: number;
  readonly memorySizeMB: number;
  readonly billedRestoreDurationMs?: number;
}

/** request + (billed ms / 1000) × (MB / 1024) × price per GB-s. */
export function estimateCost(usage: BilledUsage, architecture: Architecture, rates: LambdaRates): number {
  const ms = usage.billedDurationMs + (usage.billedRestoreDurationMs ?? 0);
  const gbSeconds = (ms / 1000) * (usage.memorySizeMB / 1024);
  return rates.request + gbSeconds * rates[architecture];
}

/**
 * Apply configuration: for a region, its configured rates win, then the configured global
 * ones, then the built-in regional ones, then the built-in base ("configuration wins").
 */
export function withOverride(table: PriceTable, override: PriceOverride): PriceTable {
  const global = pickRates(override);
  const regions: Record<string, LambdaRates> = {};
  for (const [region, rates] of Object.entries(table.regions)) regions[region] = { ...rates, ...global };
  for (const [region, rates] of Object.entries(override.regions ?? {})) {
    regions[region] = { ...(table.regions[region] ?? table.base), ...global, ...pickRates(rates) };
  }
  return { base: { ...table.base, ...global }, regions };
}

function pickRates(o: RatesOverride): RatesOverride {
  return {
    ...(o.request !== undefined && { request: o.request }),
    ...(o.x86_64 !== undefined && { x86_64: o.x86_64 }),
    ...(o.arm64 !== undefined && { arm64: o.arm64 }),
  };
}

// Prices above these are almost certainly per million requests / per GB-hour typos.
const MAX_REQUEST = 0.001;
const MAX_GB_SECOND = 0.01;

export type PriceOverrideResult =
  | { readonly ok: true; readonly value: PriceOverride }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Parse `LAMBDA_PRICES`: `{"request": USD, "x86_64": USD per GB-s, "arm64": USD per GB-s,
 * "<region>": {…same keys}}`. Reports every problem at once, naming the variable.
 */
export function parsePriceOverride(text: string, variable = 'LAMBDA_PRICES'): PriceOverrideResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problems: [`${variable}: expected a JSON object`] };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, problems: [`${variable}: expected a JSON object`] };
  }
  const problems: string[] = [];
  const global = readRates(parsed as Record<string, unknown>, variable, problems, true);
  const regions: Record<string, RatesOverride> = {};
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (key === 'request' || key === 'x86_64' || key === 'arm64') continue;
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(key)) {
      problems.push(`${variable}: unknown key "${key}"; expected request, x86_64, arm64 or a region name such as eu-west-1`);
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      problems.push(`${variable}.${key}: expected an object with request, x86_64 and/or arm64`);
      continue;
    }
    regions[key] = readRates(value as Record<string, unknown>, `${variable}.${key}`, problems, false);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { ...global, ...(Object.keys(regions).length > 0 && { regions }) } };
}

function readRates(o: Record<string, unknown>, where: string, problems: string[], allowOthers: boolean): RatesOverride {
  const out: { request?: number; x86_64?: number; arm64?: number } = {};
  for (const [key, value] of Object.entries(o)) {
    if (key !== 'request' && key !== 'x86_64' && key !== 'arm64') {
      if (!allowOthers) problems.push(`${where}: unknown key "${key}"; expected request, x86_64 or arm64`);
      continue;
    }
    const max = key === 'request' ? MAX_REQUEST : MAX_GB_SECOND;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      problems.push(`${where}.${key}: expected a non-negative number (USD), got ${JSON.stringify(value)}`);
    } else if (value > max) {
      const unit = key === 'request' ? 'per request (not per million)' : 'per GB-second';
      problems.push(`${where}.${key}: ${value} is too high for a price ${unit}`);
    } else {
      out[key] = value;
    }
  }
  return out;
}
