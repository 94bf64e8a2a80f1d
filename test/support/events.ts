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

/**
 * The JSON body a collector POSTs to `/api/v1/ai/interaction` (the API's snake_case fields; the
 * server builds the ChatEvent from it): platform `api`, community `api:demo`, channel `demo`, a
 * fresh user id, text `hello there, how are you?`. `overrides` replace top-level fields.
 * @example await app.inject({ method: 'POST', url: '/api/v1/ai/interaction', payload: interactionBody({ text: '@chatgate hi' }) })
 */
export function interactionBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    platform: 'api',
    type: 'message',
    community_id: 'api:demo',
    channel_id: 'demo',
    user: { id: `u-${Math.random().toString(36).slice(2)}`, login: 'viewer' },
    text: 'hello there, how are you?',
    ...overrides,
  };
}
