/**
 * Which log groups the subscriber manages: pure functions, no I/O.
 *
 * A selection is a list of name prefixes ("*" selects every group) and a list of
 * case-sensitive substrings, the same semantics as DescribeLogGroups' logGroupNamePrefix and
 * logGroupNamePattern (API_DescribeLogGroups), so that listing existing groups on the server and
 * matching a new group from a CreateLogGroup event agree.
 */

export interface LogGroupSelection {
  readonly prefixes: readonly string[];
  readonly patterns: readonly string[];
}

/** One DescribeLogGroups listing; the two filters are mutually exclusive in the API. */
export type DescribeQuery =
  | { readonly logGroupNamePrefix: string }
  | { readonly logGroupNamePattern: string }
  | Record<string, never>;

export const ALL_GROUPS = '*';

export function isEmptySelection(sel: LogGroupSelection): boolean {
  return sel.prefixes.length === 0 && sel.patterns.length === 0;
}

export function isSelected(name: string, sel: LogGroupSelection): boolean {
  for (const p of sel.prefixes) if (p === ALL_GROUPS || name.startsWith(p)) return true;
  for (const p of sel.patterns) if (name.includes(p)) return true;
  return false;
}

/**
 * The listings that together cover the selection: one unfiltered listing when "*" is present,
 * else one per prefix and pattern (a group found twice is de-duplicated by the caller).
 */
export function describeQueries(sel: LogGroupSelection): DescribeQuery[] {
  if (sel.prefixes.includes(ALL_GROUPS)) return [{}];
  const out: DescribeQuery[] = [];
  for (const p of new Set(sel.prefixes)) out.push({ logGroupNamePrefix: p });
  for (const p of new Set(sel.patterns)) out.push({ logGroupNamePattern: p });
  return out;
}

/**
 * Reads a selection from custom resource properties (LogGroupPrefixes, LogGroupPatterns), each a
 * comma-separated string or a list of strings; anything else counts as empty.
 */
export function selectionFromProperties(props: Readonly<Record<string, unknown>> | undefined): LogGroupSelection {
  return { prefixes: listOf(props?.['LogGroupPrefixes']), patterns: listOf(props?.['LogGroupPatterns']) };
}

function listOf(v: unknown): string[] {
  const items = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  return items.map((s) => s.trim()).filter((s) => s !== '');
}
