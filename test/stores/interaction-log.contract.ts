import { describe, expect, it } from 'vitest';
import type { Platform } from '../../src/core/chat-event.js';
import type { Interaction, InteractionLog, InteractionStatus } from '../../src/stores/interaction-log.js';

/** Builds a fresh, empty log that keeps at most `maxSize` interactions. */
export type MakeInteractionLog = (options: { maxSize: number }) => InteractionLog | Promise<InteractionLog>;

/** Interaction `n`, created at `1000 + n` ms, on twitch community 1 unless told otherwise. */
export function interaction(
  n: number,
  options: { platform?: Platform; communityId?: string; status?: InteractionStatus } = {},
): Interaction {
  const platform = options.platform ?? 'twitch';
  return {
    id: `ia-${n}`,
    event: {
      id: `${platform}:msg-${n}`,
      platform,
      type: 'message',
      communityId: options.communityId ?? `${platform}:community:1`,
      channelId: 'room',
      text: `message ${n}`,
      user: { id: `u${n}`, login: `user${n}`, displayName: `User${n}`, isBot: false, roles: [] },
      isDirect: false,
      mentionsBot: true,
      meta: {},
      receivedAt: 1_000 + n,
    },
    status: options.status ?? 'queued',
    trigger: 'mention',
    createdAt: 1_000 + n,
  };
}

const ids = (items: Interaction[]): string[] => items.map((item) => item.id);

/** The `InteractionLog` contract: every backend (memory now, PostgreSQL later) passes these. */
export function describeInteractionLogContract(name: string, make: MakeInteractionLog): void {
  const log = async (maxSize = 100): Promise<InteractionLog> => {
    const made = await make({ maxSize });
    return made;
  };
  const filled = async (items: Interaction[], maxSize = 100): Promise<InteractionLog> => {
    const made = await log(maxSize);
    for (const item of items) await made.add(item);
    return made;
  };

  describe(`InteractionLog contract: ${name}`, () => {
    it('gets an added interaction by id, and undefined for an unknown id', async () => {
      const made = await filled([interaction(1)]);
      expect(await made.get('ia-1')).toEqual(interaction(1));
      expect(await made.get('ia-404')).toBeUndefined();
    });

    it('lists newest first', async () => {
      const made = await filled([interaction(1), interaction(2), interaction(3)]);
      expect(ids(await made.list({ limit: 10 }))).toEqual(['ia-3', 'ia-2', 'ia-1']);
    });

    it('lists at most limit interactions, the newest', async () => {
      const made = await filled([1, 2, 3, 4, 5].map((n) => interaction(n)));
      expect(ids(await made.list({ limit: 2 }))).toEqual(['ia-5', 'ia-4']);
    });

    it('filters by channel, user (id or login, any case), reason and a half-open time range', async () => {
      const made = await filled([
        interaction(1, { status: 'ignored' }),
        { ...interaction(2, { status: 'ignored' }), reason: 'cooldown' },
        { ...interaction(3), event: { ...interaction(3).event, channelId: 'other' } },
        { ...interaction(4, { status: 'ignored' }), reason: 'paused' },
        interaction(5),
      ]);
      expect(ids(await made.list({ channelId: 'other', limit: 10 }))).toEqual(['ia-3']);
      expect(ids(await made.list({ user: 'u4', limit: 10 }))).toEqual(['ia-4']);
      expect(ids(await made.list({ user: 'USER2', limit: 10 }))).toEqual(['ia-2']);
      expect(ids(await made.list({ reason: 'cooldown', limit: 10 }))).toEqual(['ia-2']);
      expect(ids(await made.list({ status: 'ignored', reason: 'paused', limit: 10 }))).toEqual(['ia-4']);
      // createdAt is 1000 + n: since is inclusive, until exclusive.
      expect(ids(await made.list({ since: 1_002, until: 1_004, limit: 10 }))).toEqual(['ia-3', 'ia-2']);
      expect(ids(await made.list({ since: 1_006, limit: 10 }))).toEqual([]);
    });

    it('filters by platform, community and status, together with the limit', async () => {
      const made = await filled([
        interaction(1, { platform: 'twitch', status: 'done' }),
        interaction(2, { platform: 'discord', communityId: 'discord:guild:9', status: 'done' }),
        interaction(3, { platform: 'twitch', communityId: 'twitch:channel:7', status: 'ignored' }),
        interaction(4, { platform: 'telegram', status: 'failed' }),
        interaction(5, { platform: 'twitch', status: 'done' }),
        interaction(6, { platform: 'discord', communityId: 'discord:guild:9', status: 'ignored' }),
      ]);
      expect(ids(await made.list({ platform: 'twitch', limit: 10 }))).toEqual(['ia-5', 'ia-3', 'ia-1']);
      expect(ids(await made.list({ communityId: 'discord:guild:9', limit: 10 }))).toEqual(['ia-6', 'ia-2']);
      expect(ids(await made.list({ status: 'done', limit: 10 }))).toEqual(['ia-5', 'ia-2', 'ia-1']);
      expect(ids(await made.list({ platform: 'twitch', status: 'done', limit: 10 }))).toEqual([
        'ia-5',
        'ia-1',
      ]);
      expect(ids(await made.list({ status: 'ignored', limit: 1 }))).toEqual(['ia-6']);
      expect(await made.list({ platform: 'web', limit: 10 })).toEqual([]);
    });

    it('drops the oldest interactions beyond its size', async () => {
      const made = await filled(
        [1, 2, 3, 4, 5].map((n) => interaction(n)),
        3,
      );
      expect(ids(await made.list({ limit: 10 }))).toEqual(['ia-5', 'ia-4', 'ia-3']);
      expect(await made.get('ia-1')).toBeUndefined();
      expect(await made.get('ia-2')).toBeUndefined();
      expect(await made.get('ia-3')).toBeDefined();
    });

    it('update merges the patch and keeps the other fields', async () => {
      const made = await filled([interaction(1)]);
      const reply = {
        text: 'Hello there!',
        mode: 'remote' as const,
        provider: 'ollama',
        model: 'llama3.2',
        serviceStatus: 'healthy' as const,
        processingTimeMs: 42,
      };
      await made.update('ia-1', { status: 'running' });
      await made.update('ia-1', { status: 'done', reply, completedAt: 2_000 });
      expect(await made.get('ia-1')).toEqual({
        ...interaction(1),
        status: 'done',
        reply,
        completedAt: 2_000,
      });
    });

    it('update keeps the listing order (an updated old interaction stays old)', async () => {
      const made = await filled([interaction(1), interaction(2), interaction(3)]);
      await made.update('ia-1', { status: 'done' });
      expect(ids(await made.list({ limit: 10 }))).toEqual(['ia-3', 'ia-2', 'ia-1']);
      expect(ids(await made.list({ status: 'done', limit: 10 }))).toEqual(['ia-1']);
    });

    it('update of an unknown or dropped interaction is a no-op', async () => {
      const made = await filled([interaction(1), interaction(2)], 1);
      await made.update('ia-1', { status: 'done' });
      await made.update('ia-404', { status: 'done' });
      expect(await made.get('ia-1')).toBeUndefined();
      expect(await made.get('ia-404')).toBeUndefined();
      expect(ids(await made.list({ limit: 10 }))).toEqual(['ia-2']);
    });
  });
}
