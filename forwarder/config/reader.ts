/**
 * Typed access to environment variables. Every getter records a problem naming the variable
 * and what it expects instead of throwing, so that `loadConfig` reports all problems at once.
 * Each variable read must be declared in a settings catalogue (see `settings.ts`), so the
 * README, template.yaml and the CDK construct can be checked against one list.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** The raw value, trimmed; undefined when unset or empty. */
  string(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  }

  has(name: string): boolean {
    return this.string(name) !== undefined;
  }

  oneOf<const T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const lower = v.toLowerCase();
    const match = allowed.find((a) => a.toLowerCase() === lower);
    if (match === undefined) {
      this.problems.push(`${name}: expected one of ${allowed.join(', ')}, got "${v}"`);
      return fallback;
    }
    return match;
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      this.problems.push(`${name}: expected a whole number from ${min} to ${max}, got "${v}"`);
      return fallback;
    }
    return n;
  }

  number(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const min = range.min ?? -Infinity;
    const max = range.max ?? Infinity;
    if (!Number.isFinite(n) || n < min || n > max) {
      this.problems.push(`${name}: expected a number from ${min} to ${max}, got "${v}"`);
      return fallback;
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.string(name);
    if (v === undefined) return fallback;
    const lower = v.toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(lower)) return true;
    if (['false', '0', 'no', 'off'].includes(lower)) return false;
    this.problems.push(`${name}: expected true or false, got "${v}"`);
    return fallback;
  }

  /** Comma-separated list, entries trimmed, empty entries dropped. */
  list(name: string): string[] {
    const v = this.string(name);
    if (v === undefined) return [];
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  url(name: string): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      return v;
    } catch {
      // Never echo credentials written into a URL.
      this.problems.push(`${name}: expected an http(s) URL, got "${v.replace(/\/\/[^/@]*@/, '//***@')}"`);
      return undefined;
    }
  }

  json(name: string): unknown {
    const v = this.string(name);
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      this.problems.push(`${name}: expected JSON`);
      return undefined;
    }
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}
