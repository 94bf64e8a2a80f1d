/**
 * Replies shown while the model writes them (issue 15), llmcord's way: the first chunk is posted
 * as the reply, then the message is edited with the text so far, at least `intervalMs` (1 s)
 * between two calls, over discord.js's REST client, which also waits out each route's rate limit
 * from its headers (https://discord.com/developers/docs/topics/rate-limits). Past 2,000 characters
 * the message keeps its part and the text goes on in a new message (the parts `postReply` makes).
 * https://discord.com/developers/docs/resources/message#edit-message
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type REST, Routes } from 'discord.js';
import { CUT_OFF_MARKER, type ReplyStream } from '../../src/core/adapter.js';
import type { ChatEvent } from '../../src/core/chat-event.js';
import { DISCORD_MESSAGE_LIMIT, SAFE_ALLOWED_MENTIONS, splitMessage, targetOf } from './send.js';

/** What a stream needs of the adapter. */
export interface DiscordStreamDeps {
  /** The live client's REST; throws when Discord is not connected. */
  rest(): REST;
  /** Least time between two calls of one stream, ms (1000). */
  intervalMs: number;
  /** Most messages one reply becomes (the adapter's `maxReplyParts`). */
  maxParts: number;
  /** Our error for a REST failure (no token in it). */
  refused(error: unknown): Error;
  /** Logs an intermediate failure; the next update tries again. */
  warn(error: Error, message: string): void;
}

/** A reply to `event` posted, then edited as it grows (see the file comment). */
export class DiscordReplyStream implements ReplyStream {
  /** Our messages of this reply, in order, with what each shows. */
  private readonly messages: { id: string; content: string }[] = [];
  private wanted: string | undefined;
  private running: Promise<void> | undefined;
  private ended = false;
  /** When the last call settled, ms (performance clock). */
  private lastCallAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly event: ChatEvent,
    private readonly deps: DiscordStreamDeps,
  ) {}

  update(textSoFar: string): void {
    if (this.ended || textSoFar.trim() === '') return;
    this.wanted = textSoFar;
    this.running ??= this.run();
  }

  /**
   * The messages edited to `finalText` (new ones posted, surplus ones deleted), paced as the updates.
   * @throws ChatgateError `platform_refused` or `platform_unavailable`, as `send`.
   */
  async finish(finalText: string): Promise<void> {
    await this.settle();
    try {
      await this.show(finalText);
    } catch (error) {
      throw this.deps.refused(error);
    }
  }

  async abort(replacement?: string): Promise<void> {
    await this.settle();
    try {
      if (replacement !== undefined && replacement !== '') return await this.show(replacement);
      if (replacement === '') return await this.removeAll();
      const last = this.messages.at(-1);
      if (!last) return;
      const content = `${last.content.trimEnd().slice(0, DISCORD_MESSAGE_LIMIT - CUT_OFF_MARKER.length)}${CUT_OFF_MARKER}`;
      await this.paced(() => this.edit(last, content));
    } catch (error) {
      this.deps.warn(this.deps.refused(error), 'discord: a stopped stream could not be ended');
    }
  }

  private async settle(): Promise<void> {
    this.ended = true;
    this.wanted = undefined;
    await this.running;
  }

  private async run(): Promise<void> {
    try {
      while (this.wanted !== undefined) {
        await this.pace();
        const text = this.wanted;
        this.wanted = undefined;
        if (text === undefined) break;
        await this.show(text).catch((error: unknown) =>
          this.deps.warn(this.deps.refused(error), 'discord: stream update failed'),
        );
      }
    } finally {
      this.running = undefined;
    }
  }

  /** Makes the messages show `text`'s parts: changed ones edited, new ones posted, extra ones deleted. */
  private async show(text: string): Promise<void> {
    const parts = splitMessage(text, DISCORD_MESSAGE_LIMIT, this.deps.maxParts);
    for (const [index, content] of parts.entries()) {
      const message = this.messages[index];
      if (!message) await this.paced(() => this.post(content, index === 0));
      else if (message.content !== content) await this.paced(() => this.edit(message, content));
    }
    while (this.ended && this.messages.length > Math.max(parts.length, 1)) {
      const surplus = this.messages.pop();
      if (surplus) await this.paced(() => this.remove(surplus.id));
    }
  }

  private async removeAll(): Promise<void> {
    for (const message of this.messages.splice(0)) await this.paced(() => this.remove(message.id));
  }

  private async post(content: string, asReply: boolean): Promise<void> {
    const { messageId } = this.event;
    const body = {
      content,
      allowed_mentions: SAFE_ALLOWED_MENTIONS,
      ...(asReply &&
        messageId && { message_reference: { message_id: messageId, fail_if_not_exists: false } }),
    };
    const sent = (await this.deps.rest().post(Routes.channelMessages(targetOf(this.event)), { body })) as {
      id: string;
    };
    this.messages.push({ id: sent.id, content });
  }

  private async edit(message: { id: string; content: string }, content: string): Promise<void> {
    const body = { content, allowed_mentions: SAFE_ALLOWED_MENTIONS };
    await this.deps.rest().patch(Routes.channelMessage(targetOf(this.event), message.id), { body });
    message.content = content;
  }

  private async remove(id: string): Promise<void> {
    await this.deps.rest().delete(Routes.channelMessage(targetOf(this.event), id));
  }

  /** Runs `call` once `intervalMs` has passed since the last call settled. */
  private async paced(call: () => Promise<void>): Promise<void> {
    await this.pace();
    try {
      await call();
    } finally {
      this.lastCallAt = performance.now();
    }
  }

  private async pace(): Promise<void> {
    const wait = this.lastCallAt + this.deps.intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
}
