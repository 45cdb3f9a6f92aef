/**
 * A message as a JSON object, or undefined: a cheap first/last character check first, because
 * it runs on every line and most lines are not JSON.
 */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (text.charCodeAt(0) !== 123 || text.charCodeAt(text.length - 1) !== 125) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
