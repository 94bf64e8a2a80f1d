import type { ChatEvent, Platform } from '../core/chat-event.js';
import { ChatgateError } from '../core/errors.js';
import type { Caller } from './auth.js';
import type { ParsedInteraction } from './schemas/interaction-body.js';

/** The platforms a client key may speak for: its own API and the web chat, never a chat platform. */
const CLIENT_PLATFORMS: readonly Platform[] = ['api', 'web'];

/**
 * The event of `parsed` as `caller` may send it. The admin key and integration keys may claim any
 * platform, roles and community. A client key may not: it could otherwise make the bot post into
 * any Telegram chat or Twitch channel it names, act as a broadcaster, or spend another community's
 * provider key. Its claimed roles are dropped.
 * @throws ChatgateError 403 `forbidden`, naming the field, for a platform other than `api`/`web`,
 *   an event id outside that platform (dedupe ids are shared with the chat platforms), or a
 *   community other than the key's own.
 */
export function withinScope(caller: Caller, parsed: ParsedInteraction): ChatEvent {
  const { event } = parsed;
  if (caller.kind !== 'client') return event;
  // The WaddleBot router fields (the only shape with a session id) name the community `entity_id`.
  const communityField = parsed.sessionId === undefined ? 'community_id' : 'entity_id';
  if (!CLIENT_PLATFORMS.includes(event.platform)) {
    throw forbidden('platform', `a client key may send only ${CLIENT_PLATFORMS.join(' or ')} events`);
  }
  if (!event.id.startsWith(`${event.platform}:`)) {
    throw forbidden('id', `a client key's event ids must start with "${event.platform}:"`);
  }
  if (event.communityId !== caller.communityId) {
    throw forbidden(communityField, `a client key may use only its own community (${caller.communityId})`);
  }
  return { ...event, user: { ...event.user, roles: [] } };
}

/** True when `caller` may read an interaction of `communityId`: a client key only its own. */
export function mayRead(caller: Caller, communityId: string): boolean {
  return caller.kind !== 'client' || caller.communityId === communityId;
}

function forbidden(field: string, reason: string): ChatgateError {
  return new ChatgateError(`${field}: ${reason}`, 'forbidden', 403);
}
