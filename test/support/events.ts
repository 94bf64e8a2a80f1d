/**
 * The one builder of ChatEvents for tests. Suites that need their own defaults (a Twitch message by
 * alice, a Telegram topic message) pass them as overrides rather than writing another builder.
 */
import type { ChatEvent } from '../../src/core/chat-event.js';

/** Fields of a ChatEvent to replace; `user` fields merge into the default user. */
export type ChatEventOverrides = Partial<Omit<ChatEvent, 'user'>> & { user?: Partial<ChatEvent['user']> };

let sequence = 0;

/**
 * A chat message event on the `api` platform (`api:test`, channel `general`, user `u1`/`viewer`,
 * text `hello there`, not addressed to the bot), with a fresh id each call; `overrides` replace
 * fields, and user fields merge.
 * @example chatEvent({ platform: 'twitch', text: '@chatgate hi', user: { login: 'alice' } })
 */
export function chatEvent(overrides: ChatEventOverrides = {}): ChatEvent {
  sequence++;
  const { user, ...rest } = overrides;
  return {
    id: `api:test-${sequence}-${Math.random().toString(36).slice(2)}`,
    platform: 'api',
    type: 'message',
    communityId: 'api:test',
    channelId: 'general',
    text: 'hello there',
    user: { id: 'u1', login: 'viewer', displayName: 'Viewer', isBot: false, roles: [], ...user },
    isDirect: false,
    mentionsBot: false,
    meta: {},
    receivedAt: Date.now(),
    ...rest,
  };
}
