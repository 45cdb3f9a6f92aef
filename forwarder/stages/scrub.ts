/**
 * Scrub stage: applies the scrubbing rules to every string that leaves the function —
 * LogRecord message, string attribute and resource values (and string[] entries), tags and
 * service; MetricPoint and MetricGroup tag values; Span name, resource, service and attribute values. Items
 * are changed in place and all go on (scrubbing drops nothing). Runs before encoding, so no
 * rule can break a wire format, and what the failure store keeps is already scrubbed.
 *
 * A LogRecord's parsed `json` follows its message: re-parsed when the message changed, so no
 * stage after this one can read a secret from it. Resources, tag lists and metric tags are
 * shared between items and never mutated: each is scrubbed once per chunk and, if something
 * changed, replaced by a frozen scrubbed copy on every item that shares it.
 *
 * Redaction counts stay in the Scrubber (`scrubber.redactions()`), for the forwarder's own
 * telemetry. Values repeated from one item to the next (request ids, service, span
 * attributes) are scrubbed once: the last clean value of each field is remembered until the
 * chunk ends.
 */
import { parseJsonObject } from '../../parsers/json-object.js';
import type { Scrubber } from '../../parsers/scrub/index.js';
import type { Attributes, LogRecord, MetricGroup, MetricPoint, Span, Telemetry } from '../model.js';
import type { ChunkContext, Stage } from './stage.js';

export function createScrubStage(scrubber: Scrubber): Stage {
  if (scrubber.empty) return (items) => items;
  // One pass per batch, also when the pipeline hands the batch over in slices: what is shared
  // (a resource, tags) is scrubbed, replaced and counted once.
  const passes = new WeakMap<ChunkContext, ChunkScrub>();
  return (items: Telemetry[], ctx: ChunkContext): Telemetry[] => {
    let pass = passes.get(ctx);
    if (pass === undefined) {
      pass = new ChunkScrub(scrubber);
      passes.set(ctx, pass);
    }
    for (const item of items) {
      if (item.type === 'log') pass.log(item);
      else if (item.type === 'metric' || item.type === 'metrics') pass.metric(item);
      else pass.span(item);
    }
    return items;
  };
}

/** The scrubber applied to one string, for other uses (error texts, summaries). */
export function scrubString(scrubber: Scrubber, text: string): string {
  return scrubber.scrub(text);
}

class ChunkScrub {
  /** Field name → the last value of that field found clean (any value equal to it is clean). */
  private readonly clean = new Map<string, string>();
  /** Tag lists, resources and metric tags are shared (never mutated): scrubbed once each per chunk. */
  private readonly tagLists = new Map<readonly string[], readonly string[]>();
  private readonly sharedMaps = new Map<Readonly<Attributes>, Readonly<Attributes>>();

  constructor(private readonly scrubber: Scrubber) {}

  log(r: LogRecord): void {
    const message = this.scrubber.scrub(r.message);
    if (message !== r.message) {
      r.message = message;
      if (r.json !== undefined) {
        const json = parseJsonObject(message);
        if (json === undefined) delete r.json;
        else r.json = json;
      }
    }
    this.attributes(r.attributes);
    // Fields are written only when they change: most records are clean.
    const resource = this.shared(r.resource);
    if (resource !== r.resource) r.resource = resource;
    const tags = this.tags(r.tags);
    if (tags !== r.tags) r.tags = tags;
    if (r.service !== undefined) {
      const service = this.value('service', r.service);
      if (service !== r.service) r.service = service;
    }
  }

  metric(m: MetricPoint | MetricGroup): void {
    const tags = this.shared(m.tags) as Readonly<Record<string, string>>;
    if (tags !== m.tags) m.tags = tags;
  }

  span(s: Span): void {
    s.name = this.value('span.name', s.name);
    s.resource = this.value('span.resource', s.resource);
    s.service = this.value('service', s.service);
    for (const k in s.attributes) {
      const v = s.attributes[k] as string;
      const t = this.value(k, v);
      if (t !== v) s.attributes[k] = t;
    }
  }

  /** A map shared by many items (a resource, a REPORT's metric tags): itself, or one frozen scrubbed copy. */
  private shared(map: Readonly<Attributes>): Readonly<Attributes> {
    const known = this.sharedMaps.get(map);
    if (known !== undefined) return known;
    const copy: Attributes = { ...map };
    this.attributes(copy);
    let changed = false;
    for (const k in copy) if (copy[k] !== map[k]) changed = true;
    const out = changed ? Object.freeze(copy) : map;
    this.sharedMaps.set(map, out);
    return out;
  }

  private tags(list: readonly string[]): readonly string[] {
    const known = this.tagLists.get(list);
    if (known !== undefined) return known;
    const out = this.list(list);
    this.tagLists.set(list, out);
    return out;
  }

  /** The list itself when nothing changed, else a scrubbed copy. */
  private list(list: readonly string[]): readonly string[] {
    let changed: string[] | undefined;
    for (let i = 0; i < list.length; i++) {
      const entry = list[i] as string;
      const s = this.scrubber.scrub(entry);
      if (s !== entry) (changed ??= [...list])[i] = s;
    }
    return changed ?? list;
  }

  private attributes(a: Attributes): void {
    for (const k in a) {
      const v = a[k];
      if (typeof v === 'string') {
        const s = this.value(k, v);
        if (s !== v) a[k] = s;
      } else if (Array.isArray(v)) {
        const list = this.list(v as readonly string[]);
        if (list !== v) a[k] = list;
      }
    }
  }

  /** A field's value, scrubbed unless it equals the last clean value of the same field. */
  private value(field: string, v: string): string {
    if (this.clean.get(field) === v) return v;
    const s = this.scrubber.scrub(v);
    if (s === v) this.clean.set(field, v);
    return s;
  }
}
