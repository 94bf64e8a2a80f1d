import type { ChatEvent } from '../../core/chat-event.js';
import type { Interaction, InteractionReply } from '../../stores/interaction-log.js';

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
    blocked: reply.blocked ?? null,
  };
}

/**
 * An interaction as `GET /api/v1/ai/interaction/:id` answers it; `withEvent` adds the event (the
 * list route). Times are ISO 8601; absent values are `null`.
 */
export function interactionJson(interaction: Interaction, withEvent = false) {
  return {
    interaction_id: interaction.id,
    status: interaction.status,
    trigger: interaction.trigger ?? null,
    reason: interaction.reason ?? null,
    reply: interaction.reply ? replyJson(interaction.reply) : null,
    created_at: iso(interaction.createdAt),
    completed_at: iso(interaction.completedAt),
    ...(withEvent ? { event: eventJson(interaction.event) } : {}),
  };
}
