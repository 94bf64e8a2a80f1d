/**
 * Server-sent events from a streaming response body, read with `eventsource-parser`: the body's
 * bytes are decoded as UTF-8 (characters split between chunks are joined) and fed to the parser,
 * which joins events split between chunks and skips comments (`: keep-alive`).
 */
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';

/** The most one event (or an unfinished line) may hold, in characters, before the stream is refused. */
export const MAX_EVENT_CHARS = 4 * 1024 * 1024;

/**
 * The events of `body`, in order, as the parser completes them. An event the body ends in the
 * middle of (no blank line after it) is dropped, as EventSource does. Throws the parser's
 * ParseError (`max-buffer-size-exceeded`) when an event grows past `maxChars`; other parse errors
 * (an unknown field, a bad `retry`) are ignored, as browsers ignore them. Stopping early (`break`,
 * `return`) stops reading `body`, which destroys it.
 *
 * @example
 * for await (const event of sseEvents(response.body)) if (event.data === '[DONE]') break;
 */
export async function* sseEvents(
  body: AsyncIterable<Uint8Array>,
  maxChars = MAX_EVENT_CHARS,
): AsyncGenerator<EventSourceMessage> {
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
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    if (overflow) throw overflow;
    // The parser fills `ready` only inside feed(), so it is stable while we yield from it.
    for (const event of ready) yield event;
    ready.length = 0;
  }
  parser.feed(decoder.decode());
  for (const event of ready) yield event;
}
