/** The size of a parsed JSON value, measured without recursion (the value may be nested beyond the stack). */
export interface JsonSize {
  /** How many levels of objects and arrays: 0 for a scalar, 1 for `{}` or `[1]`, 2 for `{"a":{}}`. */
  depth: number;
  /** Object properties at every level (array items are not counted). */
  properties: number;
}

/**
 * Measures `value` (a parsed JSON value: objects, arrays, scalars) iteratively, and stops as soon
 * as it is known to pass `max.depth` or `max.properties`: then the figure that passed is reported as
 * `max + 1`, the other as far as it was counted. Never throws.
 *
 * @example
 * measureJson({ a: { b: [1] } }, { depth: 64, properties: 5000 }); // { depth: 3, properties: 2 }
 */
export function measureJson(value: unknown, max: { depth: number; properties: number }): JsonSize {
  const size: JsonSize = { depth: 0, properties: 0 };
  const pending: Array<[value: unknown, depth: number]> = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (typeof item !== 'object' || item === null) continue;
    size.depth = Math.max(size.depth, depth);
    if (size.depth > max.depth) return size;
    const children = Array.isArray(item) ? item : Object.values(item);
    if (!Array.isArray(item)) size.properties += children.length;
    if (size.properties > max.properties) return { ...size, properties: max.properties + 1 };
    for (const child of children) {
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
    }
  }
  return size;
}
