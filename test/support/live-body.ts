/** A streamed response body read as it arrives, so that a test can act while the stream is open. */
import { waitFor } from './wait-for.js';

/** A response body read as it arrives. */
export interface LiveBody {
  /** What has arrived so far. */
  text(): string;
  /** Waits until `check(text so far)` holds (`waitFor`, default 5000 ms). */
  until(check: (text: string) => boolean, timeoutMs?: number, what?: string): Promise<string>;
  /** Waits for the end of the body (the server ended it, or the connection closed) and returns it all. */
  rest(): Promise<string>;
}

/** Starts reading `response`'s body in the background, so a test can act while a stream is open. */
export function liveBody(response: Response): LiveBody {
  let text = '';
  const decoder = new TextDecoder();
  const done = (async () => {
    if (!response.body) return;
    // A body cut by the server (a reset socket) just ends here: the test asserts what arrived.
    try {
      for await (const chunk of response.body) text += decoder.decode(chunk, { stream: true });
    } catch {}
  })();
  return {
    text: () => text,
    until: (check, timeoutMs = 5000, what = 'the stream to say more') =>
      waitFor(() => (check(text) ? text : undefined), timeoutMs, what),
    rest: async () => {
      await done;
      return text;
    },
  };
}
