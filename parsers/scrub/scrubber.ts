/**
 * The rule engine: runs the rules over a text, in order, and counts redactions per rule
 * (counts only, never the values).
 *
 * Cost: the triggers of all rules (key names with their `:`/`=` after them, `bearer `) are
 * ORed into one case-insensitive test, and the probes (case-sensitive markers: `AKIA`,
 * `PRIVATE KEY`, `.eyJ`, `://`, `@`) into one case-sensitive test. A text that fails both (most
 * log lines) is returned as is after those two scans, unless a rule with neither (a custom
 * rule, most personal-data rules) must run anyway. A text that passes runs only the rules
 * concerned, each a single scan or less.
 *
 * JSON stays JSON: when a rule that is not marked jsonSafe changed a text that was a JSON
 * document and the output no longer parses (a custom replacement with a quote, a card
 * number that was a bare JSON number, a key/value pair misread across strings), the
 * document is scrubbed again member by member — keys and string values through the rules,
 * numbers through the rules as text, members whose key names a secret replaced whole — and
 * re-serialized. That costs two parses, only for documents a rule changed.
 */
import { REDACTED, type ScrubRule } from './rule.js';

export class Scrubber {
  private readonly rules: readonly ScrubRule[];
  /** All rules' triggers ORed (case-insensitive); undefined when no rule has any. */
  private readonly gate: RegExp | undefined;
  /** All rules' probe literals ORed (case-sensitive); undefined when no rule has any. */
  private readonly probeGate: RegExp | undefined;
  /** Some rule must run whatever the two tests say. */
  private readonly anyUngated: boolean;
  /** Redactions since creation (or the last reset), per rule index. */
  private readonly counts: number[];
  /** Redactions of the text being scrubbed; committed when it is done. */
  private readonly pending: number[];
  private readonly hits: ReadonlyArray<() => void>;
  private dirty = false;
  /** A rule that may break JSON (not jsonSafe) changed the text being scrubbed. */
  private unsafe = false;

  constructor(rules: readonly ScrubRule[]) {
    this.rules = [...rules];
    const fragments = [...new Set(this.rules.flatMap((r) => r.triggers ?? []))];
    const literals = [...new Set(this.rules.flatMap((r) => r.probes ?? []))];
    this.gate = fragments.length === 0 ? undefined : new RegExp(fragments.join('|'), 'i');
    this.probeGate = literals.length === 0 ? undefined : new RegExp(literals.map(escapeRegExp).join('|'));
    this.anyUngated = this.rules.some((r) => (r.triggers ?? []).length === 0 && (r.probes ?? []).length === 0);
    this.counts = this.rules.map(() => 0);
    this.pending = this.rules.map(() => 0);
    this.hits = this.rules.map((r, i) =>
      r.jsonSafe === true
        ? () => {
            this.pending[i] = (this.pending[i] as number) + 1;
            this.dirty = true;
          }
        : () => {
            this.pending[i] = (this.pending[i] as number) + 1;
            this.dirty = true;
            this.unsafe = true;
          },
    );
  }

  /** Names of the rules, in run order. */
  get ruleNames(): string[] {
    return this.rules.map((r) => r.name);
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The text with every rule applied. Never throws. */
  scrub(text: string): string {
    if (this.rules.length === 0 || text.length === 0) return text;
    this.dirty = false;
    this.unsafe = false;
    const out = this.applyAll(text);
    if (!this.dirty) return text;
    const final = this.unsafe ? this.keepJson(text, out) : out;
    this.commit();
    return final;
  }

  /** Redactions per rule name since creation or the last reset (rules with none are absent). */
  redactions(): Record<string, number> {
    const out: Record<string, number> = {};
    this.rules.forEach((r, i) => {
      const n = this.counts[i] as number;
      if (n > 0) out[r.name] = (out[r.name] ?? 0) + n;
    });
    return out;
  }

  resetRedactions(): void {
    this.counts.fill(0);
  }

  private applyAll(text: string): string {
    const triggered = this.gate !== undefined && this.gate.test(text);
    const probed = this.probeGate !== undefined && this.probeGate.test(text);
    if (!triggered && !probed && !this.anyUngated) return text;
    let s = text;
    for (let i = 0; i < this.rules.length; i++) {
      const rule = this.rules[i] as ScrubRule;
      const triggers = rule.triggers ?? NONE;
      const probes = rule.probes ?? NONE;
      if (triggers.length > 0 || probes.length > 0) {
        const run = (triggered && triggers.length > 0) || (probed && probes.some((p) => s.includes(p)));
        if (!run) continue;
      }
      try {
        s = rule.apply(s, this.hits[i] as () => void);
      } catch {
        // A rule must not throw; if one ever does, the text it had is kept and the other rules run.
      }
    }
    return s;
  }

  private commit(): void {
    for (let i = 0; i < this.pending.length; i++) {
      this.counts[i] = (this.counts[i] as number) + (this.pending[i] as number);
      this.pending[i] = 0;
    }
    this.dirty = false;
  }

  private keepJson(original: string, out: string): string {
    if (out === original || !looksLikeJson(original) || parses(out)) return out;
    let doc: unknown;
    try {
      doc = JSON.parse(original);
    } catch {
      return out; // it was not JSON to begin with
    }
    this.pending.fill(0);
    try {
      return JSON.stringify(this.scrubValue(doc));
    } catch {
      // Too deep to walk: the rules' output has no secret left, only its JSON is broken.
      return out;
    }
  }

  private scrubValue(v: unknown): unknown {
    if (typeof v === 'string') return this.applyAll(v);
    if (typeof v === 'number') {
      const s = String(v);
      const t = this.applyAll(s);
      return t === s ? v : t;
    }
    if (Array.isArray(v)) return v.map((x) => this.scrubValue(x));
    if (v === null || typeof v !== 'object') return v;
    // A null-prototype object: a "__proto__" member stays a member.
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      const key = this.applyAll(k);
      const rule = (typeof val === 'string' || typeof val === 'number') && val !== REDACTED ? this.memberRule(k) : -1;
      if (rule >= 0) {
        (this.hits[rule] as () => void)();
        out[key] = REDACTED;
      } else out[key] = this.scrubValue(val);
    }
    return out;
  }

  /** Index of the first rule that redacts a member by its key, or -1. */
  private memberRule(key: string): number {
    for (let i = 0; i < this.rules.length; i++) if (this.rules[i]?.redactsMember?.(key) === true) return i;
    return -1;
  }
}

const NONE: readonly string[] = [];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const JSON_SCALAR = /^\s*(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)\s*$/;

/** Could be a JSON document: an object, array or string, or a whole-text scalar. */
function looksLikeJson(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (c === 123 /* { */ || c === 91 /* [ */ || c === 34 /* " */) return true;
    return JSON_SCALAR.test(s);
  }
  return false;
}

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}
