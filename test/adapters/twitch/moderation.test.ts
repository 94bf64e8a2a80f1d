/**
 * Moderators' actions in a Twitch channel (CLEARCHAT with a user, CLEARMSG), sent by the fake chat
 * server as Twitch words them, through real tmi.js, reported by the adapter as `PlatformModeration`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformModeration } from '../../../src/core/adapter.js';
import { type FakeTwitch, startFakeTwitch } from '../../fakes/fake-twitch.js';
import { waitFor } from '../../support/wait-for.js';
import { fakeConfig, type Running, startAdapter } from './harness.js';

const ROOM = '7104';

describe('Twitch moderation lines', () => {
  let fake: FakeTwitch;
  let running: Running;

  beforeAll(async () => {
    fake = await startFakeTwitch({ roomIds: { mychan: ROOM } });
    running = await startAdapter(fake, fakeConfig(fake));
  });
  afterAll(async () => {
    await running.adapter.stop();
    await fake.close();
  });

  /** The actions reported from the `count`-th on, once there are `count + n` of them. */
  const next = async (n: number): Promise<PlatformModeration[]> => {
    const from = running.host.moderations.length;
    return waitFor(() => {
      const reported = running.host.moderations.slice(from);
      return reported.length >= n ? reported : undefined;
    });
  };

  it('a CLEARCHAT without ban-duration is a ban; with one, a timeout of that many seconds', async () => {
    const reported = next(2);
    fake.clearChat('mychan', { login: 'Troll', userId: '5501' });
    fake.clearChat('mychan', { login: 'chatty', userId: '5502', durationSeconds: 600 });
    expect(await reported).toEqual([
      {
        kind: 'ban',
        communityId: `twitch:channel:${ROOM}`,
        channelId: 'mychan',
        userId: '5501',
        login: 'troll',
      },
      {
        kind: 'timeout',
        communityId: `twitch:channel:${ROOM}`,
        channelId: 'mychan',
        userId: '5502',
        login: 'chatty',
        durationMs: 600_000,
      },
    ]);
  });

  it('a CLEARMSG is a deleted message, by its target-msg-id', async () => {
    const reported = next(1);
    fake.clearMessage('mychan', {
      login: 'viewer',
      messageId: '94e6c7ff-bf98-4faa-af5d-7ad633a158a9',
      text: 'what a great day',
    });
    expect(await reported).toEqual([
      {
        kind: 'message_deleted',
        communityId: `twitch:channel:${ROOM}`,
        channelId: 'mychan',
        messageId: '94e6c7ff-bf98-4faa-af5d-7ad633a158a9',
      },
    ]);
  });

  it("a CLEARMSG with an empty room-id (Twitch's own example) takes the room id from ROOMSTATE", async () => {
    const reported = next(1);
    fake.inject(
      '@login=foo;room-id=;target-msg-id=11111111-2222-3333-4444-555555555555;tmi-sent-ts=1642720582342 :tmi.twitch.tv CLEARMSG #mychan :hi',
    );
    expect(await reported).toMatchObject([
      { kind: 'message_deleted', communityId: `twitch:channel:${ROOM}`, channelId: 'mychan' },
    ]);
  });

  it('a whole chat cleared is about nobody: nothing is reported', async () => {
    const from = running.host.moderations.length;
    fake.clearChat('mychan');
    // tmi.js handles lines in order: once the ban after it is reported, the clear was seen.
    fake.clearChat('mychan', { login: 'after', userId: '5503' });
    await waitFor(() =>
      running.host.moderations.some((action) => 'userId' in action && action.userId === '5503'),
    );
    expect(running.host.moderations.slice(from)).toEqual([
      expect.objectContaining({ kind: 'ban', userId: '5503' }),
    ]);
  });
});
