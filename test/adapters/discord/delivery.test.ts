/**
 * What the adapter posts back through real discord.js to the fake Discord: a reply in the same
 * channel, thread or DM with a message reference and mentions locked down, split at 2000
 * characters; typing while working; a 429 waited out; a refusal reported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '../../../src/core/chat-event.js';
import type { RecordedRequest } from '../../fakes/fake-discord.js';
import { waitFor } from '../../support/wait-for.js';
import { messageCreate, SCENE, type Scene, settle, sleep, startScene, TOKEN, user } from './support.js';

const alice = user('500000000000000301', 'alice');
const SAFE = { parse: [], replied_user: true };
const rateLimits: unknown[] = [];

let scene: Scene;
beforeAll(async () => {
  scene = await startScene({ typingIntervalMs: 40, onRateLimited: (info) => rateLimits.push(info) });
});
afterAll(() => scene.close());

/** A message by alice in `channel` (the guild's #general by default) that became an event. */
const asked = (content: string, channel: string = SCENE.channel): Promise<ChatEvent> =>
  scene.receive(
    channel === SCENE.dm
      ? messageCreate({ channel_id: channel, channel_type: 1, author: alice, content })
      : messageCreate({ guild_id: SCENE.guild, channel_id: channel, author: alice, content }),
  );

const posted = (channelId: string): RecordedRequest[] =>
  scene.fake.requests.filter(
    (r) => r.method === 'POST' && r.path === `/api/v10/channels/${channelId}/messages`,
  );

describe('Discord delivery', () => {
  it('replies with a message reference and allowed_mentions that cannot ping anyone', async () => {
    const event = await asked(`<@${SCENE.bot}> ping them all`);
    const before = posted(SCENE.channel).length;
    const text = `Sure: @everyone @here <@&${SCENE.modRole}> <@${alice.id}>`;
    await scene.adapter.send({ event, text });
    expect(
      posted(SCENE.channel)
        .slice(before)
        .map((r) => r.body),
    ).toEqual([
      {
        content: text,
        allowed_mentions: SAFE,
        message_reference: { message_id: event.messageId, fail_if_not_exists: false },
      },
    ]);
    // Discord echoes our own message as MESSAGE_CREATE; it is not handed in.
    const from = scene.host.events.length;
    const home = { guildId: SCENE.guild, channelId: SCENE.channel };
    expect(await settle(scene.fake, scene.host, home, from)).toEqual([]);
  });

  it('a 4500-character reply is three messages on word boundaries, the first one the reply', async () => {
    const event = await asked('long?');
    const text = Array.from({ length: 900 }, (_v, i) => `w${String(i).padStart(3, '0')}`).join(' ');
    expect(text.length).toBe(4499);
    const before = posted(SCENE.channel).length;
    await scene.adapter.send({ event, text });
    const bodies = posted(SCENE.channel)
      .slice(before)
      .map((r) => r.body as { content: string; message_reference?: unknown; allowed_mentions: unknown });
    expect(bodies).toHaveLength(3);
    for (const body of bodies) {
      expect(body.content.length).toBeLessThanOrEqual(2000);
      expect(body.allowed_mentions).toEqual(SAFE);
    }
    expect(bodies.map((b) => b.message_reference !== undefined)).toEqual([true, false, false]);
    expect(bodies.map((b) => b.content).join(' ')).toBe(text);
  });

  it('replies in the thread, and in the DM', async () => {
    const inThread = await asked(`<@${SCENE.bot}> hi`, SCENE.thread);
    await scene.adapter.send({ event: inThread, text: 'hi from the thread' });
    expect(posted(SCENE.thread).at(-1)?.body).toMatchObject({
      content: 'hi from the thread',
      message_reference: { message_id: inThread.messageId },
    });
    const direct = await asked('hi', SCENE.dm);
    await scene.adapter.send({ event: direct, text: 'hi in private' });
    expect(posted(SCENE.dm).at(-1)?.body).toMatchObject({
      content: 'hi in private',
      allowed_mentions: SAFE,
      message_reference: { message_id: direct.messageId },
    });
  });

  it('typing is posted while working and stops after', async () => {
    const event = await asked('q', SCENE.thread);
    const typing = (): number =>
      scene.fake.requests.filter((r) => r.path === `/api/v10/channels/${SCENE.thread}/typing`).length;
    const before = typing();
    const stop = scene.adapter.typing?.(event);
    await waitFor(() => (typing() - before >= 3 ? true : undefined));
    stop?.();
    await sleep(100); // a renewal already in flight may still land
    const after = typing();
    await sleep(150);
    expect(typing()).toBe(after);
  });

  it('waits out a 429 with its rate-limit headers, then delivers, and reports the limit', async () => {
    const event = await asked('q');
    const before = posted(SCENE.channel).length;
    scene.fake.failNext(1, 429, 100);
    await scene.adapter.send({ event, text: 'after the limit' });
    const contents = posted(SCENE.channel)
      .slice(before)
      .map((r) => (r.body as { content: string }).content);
    expect(contents).toEqual(['after the limit', 'after the limit']);
    expect(rateLimits.length).toBeGreaterThan(0);
    expect(scene.host.logs.some((line) => line.includes('REST rate limited'))).toBe(true);
  });

  it('a refused reply rejects with our error, without the token', async () => {
    const event = await asked('q');
    scene.fake.failNext(1, 403);
    const error = await scene.adapter.send({ event, text: 'no' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ChatgateError', code: 'platform_refused' });
    expect(String((error as Error).message)).toContain('HTTP 403');
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });
});
