/**
 * The JSON object a Redis entry holds, or undefined when the entry is not JSON or not an object
 * (written by hand, or by another version): the stores skip such entries instead of failing a read.
 */
export function storedObject(raw: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}
