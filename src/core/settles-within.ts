/**
 * True when `promise` settles (resolves or rejects) within `ms`, false when the time runs out first.
 * Never rejects; the timer is cleared either way. For closing with a grace period.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([settled, expired]);
  clearTimeout(timer);
  return result;
}
