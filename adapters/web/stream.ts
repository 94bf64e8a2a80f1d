import type { ReplyDetails, ReplyStream } from '../../src/core/adapter.js';

/** Where a web reply stream writes: its socket's session, if it is still open. */
export interface StreamTarget {
  delta(eventId: string, textSoFar: string): void;
  done(eventId: string, text: string, details?: ReplyDetails): void;
}

/**
 * A reply streamed into the web chat: each new text becomes a `delta` frame (what was added), the
 * end a `done` frame with the whole text and who answered. No pacing: a socket takes every
 * update. An abort without a replacement (the model failed; or it failed before its first text and
 * is tried again) sends nothing: the interaction's end (`error` frame, or the next run's stream)
 * tells the client; so does a removal without details (a held-back reply). An abort with a
 * replacement (moderation stopped the reply) ends it with that text.
 */
export class WebReplyStream implements ReplyStream {
  constructor(
    private readonly eventId: string,
    private readonly target: () => StreamTarget | undefined,
  ) {}

  update(textSoFar: string): void {
    this.target()?.delta(this.eventId, textSoFar);
  }

  async finish(finalText: string, details?: ReplyDetails): Promise<void> {
    this.target()?.done(this.eventId, finalText, details);
  }

  async abort(replacement?: string, details?: ReplyDetails): Promise<void> {
    // A removal without details is a held-back reply (a ban, a deleted message): the interaction's
    // end (`error` frame, `not_answered`) tells the client, not an empty `done`.
    if (replacement === undefined || (replacement === '' && details === undefined)) return;
    this.target()?.done(this.eventId, replacement, details);
  }
}
