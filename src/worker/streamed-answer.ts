import type { AiOrigin } from '../ai/ai-result.js';
import type { AiRequest, AiService } from '../ai/ai-service.js';
import type { Usage } from '../ai/providers/provider.js';
import type { ReplyStream } from '../core/adapter.js';
import { ReasoningFilter } from './reasoning-filter.js';

/** Why a streamed answer was stopped before its end: moderation (`blocked`) or a hold-back (`held`). */
export type StreamStop = { blocked: string } | { heldBack: string };

/** A streamed answer read to its end, or to where a check stopped it. */
export interface StreamedAnswer extends AiOrigin {
  /** The whole answer read (reasoning included; only up to the stop when stopped). */
  content: string;
  usage?: Usage;
  /** Set when a check stopped the answer midway; the rest was not read. */
  stopped?: StreamStop;
}

/**
 * The model failed after part of its answer was shown in chat: the interaction must not run again
 * (the chat would get a second answer); its stream ends marked as cut off. `cause` is the error.
 */
export class StreamCutOffError extends Error {
  override readonly name = 'StreamCutOffError';
  constructor(
    /** The text shown when it failed. */
    readonly shown: string,
    options: { cause: unknown },
  ) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`the answer was cut off: ${why}`, options);
  }
}

export interface StreamAnswerOptions {
  ai: Pick<AiService, 'stream'>;
  request: AiRequest;
  /** Where the visible text goes as it grows. */
  stream: ReplyStream;
  /**
   * Asked about each new visible text (the whole text so far) before it is shown: a stop ends the
   * answer there, unread and unshown. The community's blocked terms and link rule, and hold-backs.
   */
  check(visible: string): Promise<StreamStop | undefined>;
  /** The longest reply, chars (code points): the visible text is cut there. */
  maxChars: number;
}

/**
 * Reads a streamed answer from the AI service (its fallback happens before the first delta, as
 * `AiService.stream` says) and shows it as it grows: reasoning never (`ReasoningFilter`), each new
 * visible text only after `check` let it through.
 * @throws AiUnavailableError when no link produced a first delta (nothing was shown).
 * @throws StreamCutOffError when the stream failed after text was shown; the stream's own error
 *   when it failed before (the caller may try again) or the request's signal aborted.
 */
export async function streamAnswer(options: StreamAnswerOptions): Promise<StreamedAnswer> {
  const { stream, check, maxChars, request } = options;
  const opened = await options.ai.stream(request);
  const { deltas, ...origin } = opened;
  const filter = new ReasoningFilter();
  let shown = '';
  let usage: Usage | undefined;
  try {
    for await (const delta of deltas) {
      if (delta.usage) usage = delta.usage;
      if (!delta.content) continue;
      const visible = cutTo(filter.push(delta.content), maxChars);
      if (visible === shown || visible.trim() === '') continue;
      const stopped = await check(visible);
      // Leaving the loop closes the provider's request: the rest is never read.
      if (stopped) return { ...origin, content: filter.raw, usage, stopped };
      shown = visible;
      stream.update(visible);
    }
  } catch (error) {
    if (request.signal?.aborted || shown.trim() === '') throw error;
    throw new StreamCutOffError(shown, { cause: error });
  }
  return { ...origin, content: filter.raw, usage };
}

/** `text` cut to `maxChars` code points (no ellipsis: the final text gets `cleanReply`'s). */
function cutTo(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : chars.slice(0, maxChars).join('');
}
