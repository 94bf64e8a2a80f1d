import type { ChatModeUsed, ServiceStatus } from '../ai/ai-result.js';
import type { TriggerKind } from '../config/schema.js';
import type { ChatEvent } from '../core/chat-event.js';

/**
 * Where an interaction stands: `queued` (waiting), `running`, `done` (replied), `failed` (no reply
 * could be made), `ignored` (no trigger, cooldown, bot …), `rejected` (queue full; retry later).
 */
export type InteractionStatus = 'queued' | 'running' | 'done' | 'failed' | 'ignored' | 'rejected';

/** The reply an interaction produced, and who produced it. */
export interface InteractionReply {
  text: string;
  mode: ChatModeUsed;
  provider: string;
  model: string;
  serviceStatus: ServiceStatus;
  fallbackReason?: string;
  /** From the worker's start to the reply being ready, ms. */
  processingTimeMs: number;
  /** What the model was sent; absent for chatgate's own notices (no model involved). */
  prompt?: PromptSize;
  /**
   * Set when the model's answer was not sent (`blocked_term`, `link`, `moderation`,
   * `moderation_unavailable`): `text` is then the community's `blocked_reply`, or '' (nothing sent).
   */
  blocked?: string;
}

/**
 * The size of a prompt as sent: its `messages`, their content in `chars` (system prompt, persona,
 * context, background lines and the user's turn), and `tokens` as the answering provider counted
 * them (`usage.prompt_tokens`; the local responder's is an estimate), absent when it reported no usage.
 */
export interface PromptSize {
  messages: number;
  chars: number;
  tokens?: number;
}

export interface Interaction {
  id: string;
  event: Omit<ChatEvent, 'raw'>;
  status: InteractionStatus;
  trigger?: TriggerKind;
  /** Why it was ignored, rejected or failed. */
  reason?: string;
  reply?: InteractionReply;
  /** Where the reply is POSTed (WaddleBot router pattern), when known. */
  callbackUrl?: string;
  /** The caller's session id (WaddleBot `session_id`), echoed in the callback. */
  sessionId?: string;
  /** ms since the epoch. */
  createdAt: number;
  completedAt?: number;
}

export interface InteractionFilter {
  platform?: string;
  communityId?: string;
  status?: InteractionStatus;
  /** The event's `channelId`. */
  channelId?: string;
  /** The event's user: its id, or its login (case-insensitive). */
  user?: string;
  /** Why it was ignored, rejected or failed (`cooldown`, `paused` …). */
  reason?: string;
  /** Created at or after, ms since the epoch. */
  since?: number;
  /** Created before, ms since the epoch. */
  until?: number;
  /** At most this many, newest first. */
  limit: number;
}

/**
 * The interaction log: every ingested event with what became of it. Bounded (oldest dropped
 * first): on PostgreSQL/PGlite (SqlInteractionLog), or in process (MemoryInteractionLog).
 */
export interface InteractionLog {
  add(interaction: Interaction): Promise<void>;
  /** Merges `patch` into the stored interaction; a no-op when it has been dropped. */
  update(id: string, patch: Partial<Omit<Interaction, 'id' | 'event'>>): Promise<void>;
  get(id: string): Promise<Interaction | undefined>;
  list(filter: InteractionFilter): Promise<Interaction[]>;
  /**
   * `degraded` while writes cannot reach the database and wait in memory (SQL log); absent or
   * `ok` otherwise. Readiness and status show it.
   */
  readonly status?: 'ok' | 'degraded';
}
