/**
 * Server-sent events from a streaming response body, read with `eventsource-parser`: the body's
 * bytes are decoded as UTF-8 (characters split between chunks are joined) and fed to the parser,
 * which joins events split between chunks and skips comments (`: keep-alive`).
 */
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';

/** The most one event (or an unfinished line) may hold, in characters, before the stream is refused. */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/**
 * Turns a body's chunks into the events they complete, synchronously. The reader of a stream loops
 * over the body itself and over what `feed` returns: no async layer of its own between the socket
 * and the events (an async generator here cost a promise and a microtask per event).
 */
export interface SseReader {
  /**
   * The events that `bytes` (the body's next chunk) completes, in order; often none, sometimes
   * several. The array is reused: read it before the next `feed` or `end`.
   * @throws ParseError (`max-buffer-size-exceeded`) when an event grows past the reader's
   *   `maxChars`; other parse errors (an unknown field, a bad `retry`) are ignored, as browsers
   *   ignore them.
   */
  feed(bytes: Uint8Array): readonly EventSourceMessage[];
  /**
   * The body ended: the events its last bytes complete. An event the body ends in the middle of
   * (no blank line after it) is dropped, as EventSource does.
   */
  end(): readonly EventSourceMessage[];
}

/**
 * A reader of one body's events (see SseReader).
 * @param maxChars the most one event may hold, chars (default MAX_EVENT_CHARS).
 *
 * @example
 * const reader = sseReader();
 * for await (const bytes of response.body) for (const event of reader.feed(bytes)) handle(event);
 * for (const event of reader.end()) handle(event);
 */
export function sseReader(maxChars = MAX_EVENT_CHARS): SseReader {
  const ready: EventSourceMessage[] = [];
  let overflow: ParseError | undefined;
  const parser = createParser({
    maxBufferSize: maxChars,
    onEvent: (event) => ready.push(event),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') overflow = error;
    },
  });
  const decoder = new TextDecoder();
  return {
    feed(bytes) {
      ready.length = 0;
      parser.feed(decoder.decode(bytes, { stream: true }));
      if (overflow) throw overflow;
      return ready;
    },
    end() {
      ready.length = 0;
      parser.feed(decoder.decode());
      if (overflow) throw overflow;
      return ready;
    },
  };
}
