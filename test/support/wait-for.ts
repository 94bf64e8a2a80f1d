/** The one way tests wait for something that happens later: poll a condition, never sleep and hope. */

/** What `check` returns while the condition does not hold yet. */
type NotYet = undefined | null | false;

/**
 * Calls `check` every 10 ms until it returns a value other than `undefined`, `null` or `false`, and
 * resolves with that value. A `check` that throws fails the wait at once.
 * @param timeoutMs how long to keep trying (default 10000 ms, real time: a loaded 2-core machine took
 *   over 5 s for a Twitch reconnect; within the 15 s test timeout).
 * @param what names the condition in the error.
 * @throws Error `timed out after <timeoutMs> ms waiting for <what>` when it never held.
 * @example const event = await waitFor(() => host.events.find((e) => e.id === 'twitch:1'));
 */
export async function waitFor<T>(
  check: () => Promise<T | NotYet> | T | NotYet,
  timeoutMs = 10_000,
  what = 'the condition',
): Promise<Exclude<T, NotYet>> {
  // performance.now(): a test that fakes the date must not stretch or shrink the wait.
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, NotYet>;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
