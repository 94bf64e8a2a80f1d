/** A copy of `value` without its keys whose value is `undefined` (JSON and `Partial` merges alike). */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
