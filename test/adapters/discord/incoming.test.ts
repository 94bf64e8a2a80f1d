/**
 * Scripted v10 messages through the fake gateway and real discord.js, and the events the adapter
 * hands in: mentions, replies, threads, DMs, roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageCreate, SCENE, type Scene, startScene, user } from './support.js';

const alice = user('500000000000000301', 'alice', { global_name: 'Alice' });
const bob = user('500000000000000302', 'bob');
const botUser = user(SCENE.bot, 'chatgate', { bot: true });
/** A message in #general of the scene's guild, by alice unless `fields` say otherwise. */
const inGeneral = (fields: Record<string, unknown> & { content: string }) =>
  messageCreate({ guild_id: SCENE.guild, channel_id: SCENE.channel, author: alice, ...fields });

let scene: Scene;
beforeAll(async () => {
  scene = await startScene();
});
afterAll(() => scene.close());

describe('incoming Discord messages', () => {
  it('a guild mention: bot mention stripped, other mentions by name, mentionsBot, learned names', async () => {
    const event = await scene.receive(
      inGeneral({
        nick: 'Ali',
        content: `<@${SCENE.bot}> what does <@${bob.id}> think of <#${SCENE.channel}>?`,
        mentions: [botUser, bob],
      }),
    );
    expect(event).toMatchObject({
      id: `discord:${event.messageId}`,
      platform: 'discord',
      type: 'message',
      communityId: `discord:guild:${SCENE.guild}`,
      channelId: SCENE.channel,
      text: 'what does @bob think of #general?',
      mentionsBot: true,
      isDirect: false,
      user: { id: alice.id, login: 'alice', displayName: 'Ali', isBot: false, roles: [] },
    });
    expect(scene.host.names).toContain('chatgate');
  });

  it('@everyone does not mention the bot; its managed role does, other roles show by name', async () => {
    const everyone = await scene.receive(inGeneral({ content: '@everyone hi', mention_everyone: true }));
    expect(everyone.mentionsBot).toBe(false);
    const byRole = await scene.receive(
      inGeneral({
        content: `<@&${SCENE.botRole}> hi <@&${SCENE.modRole}>`,
        mention_roles: [SCENE.botRole, SCENE.modRole],
      }),
    );
    expect(byRole).toMatchObject({ mentionsBot: true, text: 'hi @mods' });
  });

  it('roles: admin for Administrator, moderator for ManageMessages, none for @everyone', async () => {
    const mod = await scene.receive(inGeneral({ author: bob, roles: [SCENE.modRole], content: 'x' }));
    expect(mod.user.roles).toEqual(['moderator']);
    const admin = await scene.receive(inGeneral({ author: bob, roles: [SCENE.adminRole], content: 'x' }));
    expect(admin.user.roles).toEqual(['admin', 'moderator']);
    const member = await scene.receive(inGeneral({ author: bob, content: 'x' }));
    expect(member.user.roles).toEqual([]);
  });

  it('a reply carries replyTo, with isBot only when the parent is the bot', async () => {
    const replyTo = (parent: Record<string, unknown>) =>
      inGeneral({
        type: 19,
        content: 'and then?',
        message_reference: {
          type: 0,
          message_id: parent.id,
          channel_id: SCENE.channel,
          guild_id: SCENE.guild,
        },
        referenced_message: parent,
      });
    const ours = inGeneral({ author: botUser, content: 'hello' });
    const toBot = await scene.receive(replyTo(ours));
    expect(toBot.replyTo).toEqual({ messageId: ours.id, userId: SCENE.bot, isBot: true });
    expect(toBot.mentionsBot).toBe(false);
    const bobs = inGeneral({ author: bob, content: 'hello' });
    const toBob = await scene.receive(replyTo(bobs));
    expect(toBob.replyTo).toEqual({ messageId: bobs.id, userId: bob.id, isBot: false });
  });

  it('a thread message names the thread and its parent channel', async () => {
    const event = await scene.receive(
      inGeneral({ channel_id: SCENE.thread, channel_type: 11, content: 'in a thread' }),
    );
    expect(event).toMatchObject({
      channelId: SCENE.channel,
      threadId: SCENE.thread,
      communityId: `discord:guild:${SCENE.guild}`,
    });
  });

  it('a v10 DM (no CHANNEL_CREATE before it) is direct and its own community', async () => {
    const event = await scene.receive(
      messageCreate({ channel_id: SCENE.dm, channel_type: 1, author: alice, content: 'psst' }),
    );
    expect(event).toMatchObject({
      isDirect: true,
      communityId: `discord:dm:${SCENE.dm}`,
      channelId: SCENE.dm,
      text: 'psst',
      user: { displayName: 'Alice', roles: [] },
    });
  });
});
