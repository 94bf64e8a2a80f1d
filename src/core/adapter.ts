import type { Logger } from 'pino';
import type { ChatEvent, Platform } from './chat-event.js';

/** A connection state, as a platform bot reports it (satori's statuses). */
export type AdapterStatus = 'offline' | 'connecting' | 'online' | 'reconnecting';

/** A reply to deliver to the platform the event came from. */
export interface OutgoingReply {
  /** The event being answered: the adapter replies in its channel/thread, to its message. */
  event: ChatEvent;
  /** The reply text, already cleaned and cut to the platform's limit by the worker. */
  text: string;
  /**
   * Who answered, when the reply was delivered from the process that made it (not through the
   * reply queue). Chat platforms ignore it; the web chat shows it (`done` frames).
   */
  details?: ReplyDetails;
}

/** Who produced a reply and why (the interaction's `reply` fields, for adapters that show them). */
export interface ReplyDetails {
  /** `ollama`, `openai`, `local`, or `chatgate` for chatgate's own notice. */
  provider: string;
  model: string;
  /** `remote` or `local`. */
  mode: string;
  /** Why earlier links of the chain did not answer (`ollama: connection` …). */
  fallbackReason?: string;
  /** Set when moderation stopped the model's answer (`blocked_term`, `link` …). */
  blocked?: string;
}

/** What a stream cut midway ends with, after the text already shown. */
export const CUT_OFF_MARKER = ' (cut off)';

/**
 * A reply shown in chat while the model writes it (see `PlatformAdapter.openStream`). The worker
 * hands it only text that may be shown: reasoning removed, the community's blocked terms and link
 * rule checked on the whole text first. The adapter paces what it shows (its platform's edit and
 * message limits) and may skip intermediate texts; it never shows more than it was given.
 */
export interface ReplyStream {
  /**
   * The reply so far (the whole text, not a delta; chars). Returns at once; the adapter shows the
   * latest text at its pace. Never throws: a failed update is logged and the next one tries again.
   */
  update(textSoFar: string): void;
  /**
   * Ends the stream with `finalText` as the whole visible reply (formatted as `send` would, split
   * past the platform's message size), replacing whatever the updates showed.
   * @throws the platform's refusal, as `send` does.
   */
  finish(finalText: string, details?: ReplyDetails): Promise<void>;
  /**
   * Ends the stream early. Without `replacement` (the model failed midway), the text shown so far
   * stays, followed by `CUT_OFF_MARKER`, so that it never reads as complete; nothing shown,
   * nothing sent. With `replacement` (moderation stopped the reply), the shown text is replaced by
   * it, or removed when it is ''. Never throws (failures are logged).
   */
  abort(replacement?: string, details?: ReplyDetails): Promise<void>;
}

/**
 * What the router said about an event (handed in by an adapter or posted over HTTP): `queued`
 * (an interaction will answer it), `ignored` (with `reason`: duplicate, self, bot, disabled,
 * no_trigger, probability, cooldown, reply_cap; the safety rules' role, blocked_user, paused,
 * moderated, blocked_term, budget, loop_guard; `command` for a moderator's chat command, or an
 * event its adapter answered itself, see `AdapterHost.recordHandled`), or `rejected` (`queue_full`, `queue_unavailable` or
 * `shutting_down`; retry after `retryAfterSeconds`).
 */
export interface IngestAck {
  interactionId: string;
  status: 'queued' | 'ignored' | 'rejected';
  reason?: string;
  /** The trigger kind that matched (`mention`, `question` …), when one did. */
  trigger?: string;
  /** With `rejected`: when a retry may succeed, seconds. */
  retryAfterSeconds?: number;
  /**
   * With `queued`: the interaction first waits this long for a human to answer (its trigger's
   * `human_grace_ms`), ms; no "typing…" is shown while it waits. Unset = it runs at its turn.
   */
  waitMs?: number;
}

/**
 * A moderation action taken on the platform, as the adapter saw it (issue "Made for crowds"):
 * - `ban`: the user was banned (Twitch `CLEARCHAT` without `ban-duration`, Discord
 *   `GUILD_BAN_ADD`, Telegram `chat_member` with status `kicked` and no end);
 * - `timeout`: the user may not talk for `durationMs` (Twitch `CLEARCHAT` with `ban-duration`,
 *   Telegram `kicked` with an `until_date`);
 * - `message_deleted`: one message was removed (Twitch `CLEARMSG`, Discord `MESSAGE_DELETE`).
 * Ids are the platform's, as strings; `communityId` and `channelId` as in ChatEvent, except that a
 * ban or timeout on a whole Discord guild has `channelId` '' (it holds in every channel).
 */
export type PlatformModeration =
  | { kind: 'ban'; communityId: string; channelId: string; userId: string; login?: string }
  | {
      kind: 'timeout';
      communityId: string;
      channelId: string;
      userId: string;
      login?: string;
      /** How long the user is timed out, ms. */
      durationMs: number;
    }
  | { kind: 'message_deleted'; communityId: string; channelId: string; messageId: string; userId?: string };

/** What an adapter may add to an event it ingests (the web chat: its signed-in caller's choices). */
export interface AdapterIngestOptions {
  /** The stored client key the caller signed in with: the answer's tokens count toward its usage. */
  keyId?: string;
  /**
   * A configured personality (or `random`) that answers this event instead of the community's
   * (and its `system_prompt`): a per-session choice that is never stored in the community config.
   */
  personality?: string;
  /**
   * Answer without trigger matching (the web chat, the console's playground): the event counts as a
   * `mention` whatever the community's trigger switches, and no probability or cooldown is drawn;
   * permissions, guards (pause, blocked terms, budgets, moderation) and the reply cap still hold.
   */
  triggersOff?: boolean;
}

/**
 * What chatgate gives an adapter when it starts: the way into the router and a few controls.
 * Built by `src/platforms.ts`; adapters never import the router or the stores.
 */
export interface AdapterHost {
  /** Hands a normalized event to the router; resolves with its ack. Never rejects. */
  ingest(event: ChatEvent, options?: AdapterIngestOptions): Promise<IngestAck>;
  /**
   * Records an event the adapter answers itself, without the router (a platform command such as
   * Telegram's `/start`), in the interaction log as `ignored` with `reason` (`command`), so that
   * every received event shows there. An event seen before comes back `ignored` with reason
   * `duplicate` (logged as such) and must not be answered again. Never rejects.
   */
  recordHandled(event: ChatEvent, reason: string): Promise<IngestAck>;
  /**
   * Tells chatgate of a moderation action on the platform: the user's waiting interactions end
   * `ignored` (`moderated`), their context is forgotten, a reply to a deleted message is not sent,
   * and a timed-out user is ignored until the timeout ends. Never rejects.
   */
  moderated(action: PlatformModeration): Promise<void>;
  /** Forgets the context of the event's conversation (a user's `/reset`). */
  resetContext(event: ChatEvent): Promise<void>;
  /** Adds a name the bot answers to (its login or @handle, learned at connect). */
  addBotName(name: string): void;
  /** A child logger; message bodies only at debug level, never tokens. */
  logger: Logger;
}

/** Facts about an adapter's connection, for `/api/v1/ai/status` and `/health/ready`. */
export interface AdapterState {
  platform: Platform;
  status: AdapterStatus;
  /** When the last platform event (or heartbeat) arrived, ms since the epoch. */
  lastEventAt?: number;
  /** Why it is offline, when it failed (a bad token, say). No secrets. */
  error?: string;
}

/**
 * What every platform adapter (adapters/twitch, telegram, discord) provides. The core never imports
 * an adapter; `src/platforms.ts` wires them.
 */
export interface PlatformAdapter {
  readonly platform: Platform;
  /** The current connection state. */
  state(): AdapterState;
  /** Connects and starts handing events to `host`. Catches its own connection errors (state shows them). */
  start(host: AdapterHost): Promise<void>;
  /** Sends a reply within the platform's limits. Throws when the platform refuses it. */
  send(reply: OutgoingReply): Promise<void>;
  /** Shows "typing…" where the platform has it, refreshed until the returned function is called. */
  typing?(event: ChatEvent): () => void;
  /**
   * Opens a reply to `event` that is shown while it is written (Telegram drafts or edits, Discord
   * edits); adapters of platforms that cannot edit leave it out and get whole replies (`send`).
   * The worker uses it only when the community has `streamReplies`, the event came from this
   * adapter, and the reply is delivered from this process (see `ReplyDelivery.openStream`).
   */
  openStream?(event: ChatEvent): ReplyStream;
  /**
   * True for a platform whose every reply streams when it can (the web chat): `openStream` is used
   * whatever the community's `streamReplies` says. Unset: only when the community streams.
   */
  readonly streamsEveryReply?: boolean;
  /**
   * Told when an event of this adapter ends without a reply (`reason`: the failure, `stale`,
   * `moderated` …; or a reply moderation emptied, with its `details` and `blocked` as the reason),
   * for platforms whose clients wait for an answer to every message (the web chat). Chat
   * platforms leave it out: silence is their answer. Never throws.
   */
  unanswered?(event: ChatEvent, reason: string, details?: ReplyDetails): void;
  /** Leaves channels and disconnects; pending outbound messages are sent or given up within a grace period. */
  stop(): Promise<void>;
}
