/** A copy of `value` without its keys whose value is `undefined` (JSON and `Partial` merges alike). */
export function withoutUndefined<T extends object>(value: T): T {
  // A loop, not entries/filter/fromEntries: this runs a few times per API request, and the arrays
  // those allocate showed in its profile.
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = (value as Record<string, unknown>)[key];
    if (field === undefined) continue;
    // An own `__proto__` key stays a key (as with fromEntries), never the copy's prototype.
    if (key === '__proto__')
      Object.defineProperty(copy, key, {
        value: field,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else copy[key] = field;
  }
  return copy as T;
}
