/**
 * ChatModerationState's pauses: a whole community (the console's switch) and one channel (`!ai
 * off`) are independent: lifting one leaves the other, and either makes new events `paused`.
 */
import { describe, expect, it } from 'vitest';
import { ChatModerationState } from '../../src/safety/chat-moderation-state.js';
import { MemorySafetyState } from '../../src/safety/safety-state.js';
import { chatEvent } from '../support/events.js';

describe('pausing a community and a channel', () => {
  const state = () => new ChatModerationState(new MemorySafetyState(), { markMinMs: 60_000 });

  it('pauses every channel of a community until the community pause is lifted', async () => {
    const moderation = state();
    const event = chatEvent();
    const elsewhere = chatEvent({ channelId: 'another-channel' });
    await moderation.setCommunityPaused(event.communityId, true);
    expect(await moderation.pauseState(event.communityId)).toEqual({ community: true });
    expect(await moderation.ingestRefusal(event)).toBe('paused');
    expect(await moderation.ingestRefusal(elsewhere)).toBe('paused');
    expect(await moderation.ingestRefusal(chatEvent({ communityId: 'api:other' }))).toBeUndefined();
    await moderation.setCommunityPaused(event.communityId, false);
    expect(await moderation.ingestRefusal(event)).toBeUndefined();
  });

  it('keeps a channel paused by !ai off when the community pause is lifted, and reports both', async () => {
    const moderation = state();
    const event = chatEvent();
    await moderation.pause(event.communityId, event.channelId);
    await moderation.setCommunityPaused(event.communityId, true);
    expect(await moderation.pauseState(event.communityId, event.channelId)).toEqual({
      community: true,
      channel: true,
    });
    await moderation.setCommunityPaused(event.communityId, false);
    expect(await moderation.ingestRefusal(event)).toBe('paused');
    await moderation.resume(event.communityId, event.channelId);
    expect(await moderation.pauseState(event.communityId, event.channelId)).toEqual({
      community: false,
      channel: false,
    });
    expect(await moderation.ingestRefusal(event)).toBeUndefined();
  });
});
