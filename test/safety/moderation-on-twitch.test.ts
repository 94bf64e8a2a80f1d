/**
 * Issue 14 end to end on Twitch: a moderator steers the bot from chat, and Twitch's own moderation
 * (CLEARCHAT) reaches it. Real tmi.js against the fake chat server, the whole pipeline (router,
 * safety guards, queue, worker, local responder, the outbound scheduler).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BOT, fakeConfig, roomIdFor, viewerLine } from '../adapters/twitch/harness.js';
import { type FakeTwitch, startFakeTwitch } from '../fakes/fake-twitch.js';
import { type Pipeline, startPipeline } from '../support/pipeline.js';
import { testConfig } from '../support/services.js';
import { type ListedInteraction, settledInteraction } from '../support/settled-interaction.js';
import { waitFor } from '../support/wait-for.js';

const CHANNEL = 'crowdchan';
/** Twitch joins are paced (tmi.js's join interval); a loaded machine needs room, ms. */
const JOIN_WAIT_MS = 20_000;

/** A chat line from a moderator (Twitch's `moderator` badge and `mod=1`), user id 9001. */
const moderatorLine = (id: string, text: string) =>
  `@badge-info=;badges=moderator/1;color=;display-name=Mod;emotes=;id=${id};mod=1;room-id=${roomIdFor(CHANNEL)};subscriber=0;tmi-sent-ts=1700000000000;user-id=9001;user-type=mod :mod!mod@mod.tmi.twitch.tv PRIVMSG #${CHANNEL} :${text}`;

describe('moderation on Twitch, end to end', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function start(): Promise<{ twitch: FakeTwitch; pipeline: Pipeline }> {
    const twitch = await startFakeTwitch({ roomIds: { [CHANNEL]: roomIdFor(CHANNEL) } });
    closers.push(() => twitch.close());
    const pipeline = await startPipeline(
      testConfig({
        ai: { mode: 'local' },
        platforms: {
          twitch: fakeConfig(twitch, { channels: [CHANNEL] }),
        },
      } as Parameters<typeof testConfig>[0]),
    );
    closers.push(() => pipeline.close());
    await waitFor(() => twitch.joinedChannels().includes(CHANNEL), JOIN_WAIT_MS, 'the join');
    return { twitch, pipeline };
  }

  /** What became of the Twitch event `twitch:<id>`, once it is settled. */
  const outcome = (pipeline: Pipeline, id: string) =>
    settledInteraction(pipeline, 'twitch', (eventId) => eventId === `twitch:${id}`);

  it('a moderator pauses and resumes the bot with !ai off / !ai on; a viewer cannot', async () => {
    const { twitch, pipeline } = await start();
    const said = () => twitch.privmsgs.map((message) => message.text);

    // A viewer's `!ai off` is refused (`role`) and nothing is said.
    twitch.inject(viewerLine(CHANNEL, 'v-off', '!ai off'));
    expect(await outcome(pipeline, 'v-off')).toMatchObject({ status: 'ignored', reason: 'role' });

    twitch.inject(moderatorLine('m-off', '!ai off'));
    await waitFor(() => said().some((text) => /paused/i.test(text)), 10_000, 'the pause confirmation');
    expect(await outcome(pipeline, 'm-off')).toMatchObject({ status: 'ignored', reason: 'command' });

    twitch.inject(viewerLine(CHANNEL, 'v-ask-1', `@${BOT} are you there?`));
    expect(await outcome(pipeline, 'v-ask-1')).toMatchObject({ status: 'ignored', reason: 'paused' });

    twitch.inject(moderatorLine('m-on', '!ai on'));
    expect(await outcome(pipeline, 'm-on')).toMatchObject({ status: 'ignored', reason: 'command' });
    twitch.inject(viewerLine(CHANNEL, 'v-ask-2', `@${BOT} and now?`));
    expect(await outcome(pipeline, 'v-ask-2')).toMatchObject({ status: 'done' });
    await waitFor(
      () => twitch.privmsgs.some((message) => message.tags['reply-parent-msg-id'] === 'v-ask-2'),
      JOIN_WAIT_MS,
      'the answer after !ai on',
    );
    // Only the two confirmations and the one answer were said: nothing to the paused question.
    expect(twitch.privmsgs.map((message) => message.tags['reply-parent-msg-id'])).not.toContain('v-ask-1');
    expect(twitch.privmsgs).toHaveLength(3);
  }, 60_000);

  it('a timeout on Twitch (CLEARCHAT with ban-duration) makes the bot ignore the user, not the others', async () => {
    const { twitch, pipeline } = await start();
    twitch.clearChat(CHANNEL, { login: 'viewer', userId: '4242', durationSeconds: 600 });
    await waitFor(
      async () => {
        twitch.inject(viewerLine(CHANNEL, `t-${Date.now()}`, `@${BOT} can I talk?`));
        const response = await pipeline.app.inject({
          method: 'GET',
          url: '/api/v1/ai/interactions?platform=twitch',
        });
        return (response.json().interactions as ListedInteraction[]).some(
          (row) => row.reason === 'moderated',
        );
      },
      10_000,
      'the timed-out viewer to be ignored as moderated',
    );
    const other = viewerLine(CHANNEL, 'o-ask', `@${BOT} what about me?`).replace(
      'user-id=4242',
      'user-id=4243',
    );
    twitch.inject(other);
    expect(await outcome(pipeline, 'o-ask')).toMatchObject({ status: 'done' });
  }, 60_000);
});
