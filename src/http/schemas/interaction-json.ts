import Type, { type TSchema } from 'typebox';
import { CHAT_EVENT_TYPES, type ChatEvent, PLATFORMS, USER_ROLES } from '../../core/chat-event.js';
import type { Interaction, InteractionReply } from '../../stores/interaction-log.js';

const orNull = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Time = orNull(Type.String({ format: 'date-time' }));

/** `eventJson` as a schema. */
export const EventJson = Type.Object(
  {
    id: Type.String({ description: '`<platform>:<message id>`: the dedupe key.' }),
    platform: Type.Enum(PLATFORMS),
    type: Type.Enum(CHAT_EVENT_TYPES),
    community_id: Type.String(),
    channel_id: Type.String(),
    thread_id: orNull(Type.String()),
    message_id: orNull(Type.String()),
    text: Type.String(),
    user: Type.Object({
      id: Type.String(),
      login: Type.String(),
      display_name: Type.String(),
      is_bot: Type.Boolean(),
      roles: Type.Array(Type.Enum(USER_ROLES)),
    }),
    is_direct: Type.Boolean(),
    mentions_bot: Type.Boolean(),
    reply_to: orNull(
      Type.Object({ message_id: Type.String(), user_id: orNull(Type.String()), is_bot: Type.Boolean() }),
    ),
    meta: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Event facts: `months`, `viewers`, `bits`, `tier`, `recipient`, `giftCount`, …',
    }),
    received_at: Time,
  },
  { title: 'ChatEvent' },
);

/** `replyJson` as a schema. */
export const ReplyJson = Type.Object(
  {
    text: Type.String(),
    mode: Type.String({ description: 'The mode that answered: `remote` or `local`.' }),
    provider: Type.String(),
    model: Type.String(),
    service_status: Type.Enum(['healthy', 'degraded', 'offline']),
    fallback_reason: orNull(Type.String()),
    processing_time_ms: Type.Number(),
    prompt: orNull(
      Type.Object(
        {
          messages: Type.Integer({ description: 'Messages sent to the model.' }),
          chars: Type.Integer({ description: 'Their content, characters.' }),
          tokens: orNull(
            Type.Integer({
              description:
                "The answering provider's `usage.prompt_tokens` (the local responder estimates it); null when not reported.",
            }),
          ),
        },
        { description: "The prompt's size; null for chatgate's own notices (no model asked)." },
      ),
    ),
    blocked: orNull(
      Type.String({ description: 'Why the answer was not sent: `blocked_term`, `link`, `moderation`, …' }),
    ),
  },
  { title: 'InteractionReply' },
);

const InteractionFields = {
  interaction_id: Type.String(),
  status: Type.Enum(['queued', 'running', 'done', 'failed', 'ignored', 'rejected']),
  trigger: orNull(Type.String()),
  reason: orNull(Type.String({ description: 'Why it was ignored, rejected or failed.' })),
  reply: orNull(ReplyJson),
  created_at: Time,
  completed_at: Time,
};

/** `interactionJson(interaction)` as a schema. */
export const InteractionJson = Type.Object(InteractionFields, {
  title: 'Interaction',
  description: 'Its state, and the reply once done.',
});

/** `interactionWithEventJson` as a schema: with its event (without `raw`). */
export const InteractionWithEventJson = Type.Object(
  { ...InteractionFields, event: EventJson },
  { title: 'InteractionWithEvent' },
);

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A ChatEvent as snake_case JSON, without `raw`. */
export function eventJson(event: Omit<ChatEvent, 'raw'>) {
  return {
    id: event.id,
    platform: event.platform,
    type: event.type,
    community_id: event.communityId,
    channel_id: event.channelId,
    thread_id: event.threadId ?? null,
    message_id: event.messageId ?? null,
    text: event.text,
    user: {
      id: event.user.id,
      login: event.user.login,
      display_name: event.user.displayName,
      is_bot: event.user.isBot,
      roles: event.user.roles,
    },
    is_direct: event.isDirect,
    mentions_bot: event.mentionsBot,
    reply_to: event.replyTo
      ? {
          message_id: event.replyTo.messageId,
          user_id: event.replyTo.userId ?? null,
          is_bot: event.replyTo.isBot,
        }
      : null,
    meta: event.meta,
    received_at: iso(event.receivedAt),
  };
}

/** A reply as snake_case JSON. */
export function replyJson(reply: InteractionReply) {
  return {
    text: reply.text,
    mode: reply.mode,
    provider: reply.provider,
    model: reply.model,
    service_status: reply.serviceStatus,
    fallback_reason: reply.fallbackReason ?? null,
    processing_time_ms: reply.processingTimeMs,
    prompt: reply.prompt
      ? { messages: reply.prompt.messages, chars: reply.prompt.chars, tokens: reply.prompt.tokens ?? null }
      : null,
    blocked: reply.blocked ?? null,
  };
}

/**
 * An interaction as `GET /api/v1/ai/interaction/:id` answers it. Times are ISO 8601; absent values
 * are `null`.
 */
export function interactionJson(interaction: Interaction) {
  return {
    interaction_id: interaction.id,
    status: interaction.status,
    trigger: interaction.trigger ?? null,
    reason: interaction.reason ?? null,
    reply: interaction.reply ? replyJson(interaction.reply) : null,
    created_at: iso(interaction.createdAt),
    completed_at: iso(interaction.completedAt),
  };
}

/** An interaction with its event, as the list route answers it. */
export function interactionWithEventJson(interaction: Interaction) {
  return { ...interactionJson(interaction), event: eventJson(interaction.event) };
}
