/**
 * The EventSub transport's connection against the fake Twitch (real `ws`, real undici): the bot's
 * token refreshed, channels resolved with Get Users and subscribed on the welcome's session,
 * notifications ingested once even when delivered twice, a `session_reconnect` handed over
 * without losing or repeating events or subscribing again, a silent socket (keepalive watchdog)
 * and a closed one replaced by a new, subscribed session, a refused refresh token given up, a
 * missing scope named in one log line, a revocation logged, channels joined and parted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { EventSubAdapter } from '../../../../adapters/twitch/eventsub/adapter.js';
import {
  type FakeTwitchHelix,
  type FakeTwitchHelixOptions,
  startFakeTwitchHelix,
  twitchWebhookRequest,
} from '../../../fakes/fake-twitch-helix.js';
import { chatMessageEvent, chatNotificationEvent } from '../../../fakes/twitch-eventsub-payloads.js';
import { waitFor } from '../../../support/wait-for.js';
import {
  BOT_SUBSCRIPTIONS,
  CHANNEL,
  eventSubSettings,
  FAKE_USERS,
  logged,
  OTHER_CHANNEL,
  type RunningEventSub,
  startEventSub,
} from './support.js';

let fake: FakeTwitchHelix | undefined;
let running: RunningEventSub | undefined;
afterEach(async () => {
  await running?.adapter.stop();
  await fake?.close();
  running = undefined;
  fake = undefined;
});

async function online(
  options: FakeTwitchHelixOptions = {},
): Promise<{ fake: FakeTwitchHelix; running: RunningEventSub }> {
  fake = await startFakeTwitchHelix({ users: FAKE_USERS, ...options });
  running = await startEventSub(fake);
  return { fake, running };
}

const viewer = { id: '4242', login: 'viewer', name: 'Viewer' };

/** Sends a chat message from the viewer and returns its message id. */
function say(fake: FakeTwitchHelix, id: string, text: string, options: { duplicate?: boolean } = {}): string {
  return fake.notify('channel.chat.message', chatMessageEvent(CHANNEL, viewer, id, text), {
    messageId: `msg-${id}`,
    ...options,
  });
}

describe('twitch eventsub connection', () => {
  it('refreshes the token, resolves its channel and subscribes on the welcome session', async () => {
    const { fake, running } = await online();
    expect(running.statuses).toEqual(['connecting', 'online']);
    const subscriptions = fake.subscriptions();
    expect(subscriptions.map((sub) => sub.type).sort()).toEqual([...BOT_SUBSCRIPTIONS]);
    // channel.ban needs a moderator seat: skipped with one warning naming the grant.
    const skipped = logged(running, 'channel.ban refused');
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ level: 40, scope: 'channel:moderate' });
    expect(new Set(subscriptions.map((sub) => sub.sessionId)).size).toBe(1);
    expect(subscriptions[0]?.condition).toEqual({ broadcaster_user_id: CHANNEL.id, user_id: fake.bot.id });
    const lookups = fake.calls.filter((call) => call.path === '/users');
    expect(lookups.map((call) => call.query.getAll('login'))).toContainEqual([CHANNEL.login]);
    expect(lookups.every((call) => call.token === 'user')).toBe(true);
    expect(running.host.botNames).toEqual([fake.bot.login]);
    expect(running.adapter.channels()).toEqual([CHANNEL.login]);
  });

  it('ingests a chat message once even when Twitch delivers it twice', async () => {
    const { fake, running } = await online();
    say(fake, 'a1', 'hello there', { duplicate: true });
    say(fake, 'a2', 'second one');
    await waitFor(() => running.host.events.some((event) => event.id === 'twitch:a2'));
    expect(running.host.events.map((event) => event.id)).toEqual(['twitch:a1', 'twitch:a2']);
    expect(running.host.events[0]).toMatchObject({
      communityId: `twitch:channel:${CHANNEL.id}`,
      channelId: CHANNEL.login,
      text: 'hello there',
      user: { id: viewer.id, login: viewer.login, displayName: 'Viewer' },
    });
  });

  it('moves to the reconnect URL without losing, repeating or resubscribing', async () => {
    const { fake, running } = await online();
    const subscribeCalls = (): number =>
      fake.calls.filter((call) => call.path === '/eventsub/subscriptions').length;
    const before = subscribeCalls();
    say(fake, 'r1', 'before the reconnect');
    await waitFor(() => running.host.events.length === 1);
    const moving = fake.reconnect();
    // Sent on the old socket after session_reconnect, before the new socket's welcome.
    say(fake, 'r1b', 'during the hand-off');
    await moving;
    // Sent after the hand-off, once on the new socket, and once more as a redelivery.
    say(fake, 'r2', 'after the reconnect', { duplicate: true });
    await waitFor(() => running.host.events.some((event) => event.id === 'twitch:r2'));
    say(fake, 'r3', 'and another');
    await waitFor(() => running.host.events.some((event) => event.id === 'twitch:r3'));
    expect(running.host.events.map((event) => event.id)).toEqual([
      'twitch:r1',
      'twitch:r1b',
      'twitch:r2',
      'twitch:r3',
    ]);
    expect(fake.connectionCount()).toBe(2);
    expect(fake.openSessionCount()).toBe(1);
    expect(subscribeCalls()).toBe(before);
    expect(running.adapter.state().status).toBe('online');
    expect(running.statuses).toEqual(['connecting', 'online']);
  });

  it('replaces a socket that went silent (keepalive watchdog) with a new, subscribed session', async () => {
    fake = await startFakeTwitchHelix({ users: FAKE_USERS, keepaliveSeconds: 1 });
    running = await startEventSub(fake, eventSubSettings(fake), { keepaliveMarginMs: 300 });
    const first = fake.subscriptions()[0]?.sessionId;
    const current = fake;
    current.silence();
    await waitFor(
      () =>
        current.subscriptions().some((sub) => sub.sessionId !== first) &&
        current.subscriptions().length === BOT_SUBSCRIPTIONS.length,
      10_000,
      'a new session with both subscriptions',
    );
    expect(running.logs.some((line) => String(line.error).includes('(keepalive)'))).toBe(true);
    expect(running.statuses.slice(0, 3)).toEqual(['connecting', 'online', 'reconnecting']);
  });

  it('reconnects on a new session after Twitch closes the socket, and reads again', async () => {
    const { fake, running } = await online();
    const first = fake.subscriptions()[0]?.sessionId;
    fake.closeSessions(4000);
    await waitFor(
      () =>
        fake.subscriptions().length === BOT_SUBSCRIPTIONS.length &&
        fake.subscriptions()[0]?.sessionId !== first,
    );
    await waitFor(() => running.adapter.state().status === 'online');
    say(fake, 'c1', 'back again');
    await waitFor(() => running.host.events.some((event) => event.id === 'twitch:c1'));
    expect(running.statuses).toEqual(['connecting', 'online', 'reconnecting', 'online']);
  });

  it('gives up for good when Twitch refuses the refresh token, without showing it', async () => {
    fake = await startFakeTwitchHelix({ users: FAKE_USERS });
    const current = fake;
    running = await startEventSub(
      current,
      eventSubSettings(current, { refreshToken: 'revoked-token' }),
      {},
      false,
    );
    const adapter = running.adapter;
    await waitFor(() => adapter.state().status === 'offline' && adapter.state().error !== undefined);
    expect(adapter.state().error).toContain('Invalid refresh token');
    expect(JSON.stringify(running.logs)).not.toContain('revoked-token');
    expect(current.connectionCount()).toBe(1);
  });

  it('names the missing scope in one log line and stays up', async () => {
    const { fake, running } = await online({ scopes: ['user:write:chat', 'user:bot'] });
    expect(fake.subscriptions()).toEqual([]);
    const refusals = logged(running, 'lacks the scope user:read:chat');
    expect(refusals.map((line) => [line.type, line.level])).toEqual([
      ['channel.chat.message', 50],
      ['channel.chat.notification', 50],
      ['channel.chat.message_delete', 40],
      ['channel.chat.clear_user_messages', 40],
    ]);
    expect(refusals[0]).toMatchObject({ channel: CHANNEL.login });
    expect(running.adapter.state().status).toBe('online');
  });

  it('logs a revoked subscription', async () => {
    const { fake, running } = await online();
    fake.revoke('channel.chat.notification');
    await waitFor(() => logged(running, 'revoked').length > 0);
    expect(logged(running, 'revoked')[0]).toMatchObject({
      type: 'channel.chat.notification',
      status: 'authorization_revoked',
    });
  });

  it('subscribes a channel joined at run time (after the token expired: refreshed with the newest refresh token) and unsubscribes it on part', async () => {
    const { fake, running } = await online();
    const rotated = fake.currentRefreshToken();
    expect(rotated).not.toBe(fake.refreshToken);
    fake.expireUserTokens();
    await running.adapter.joinChannel('OtherChan');
    expect(
      fake.subscriptions().filter((sub) => sub.condition.broadcaster_user_id === OTHER_CHANNEL.id),
    ).toHaveLength(BOT_SUBSCRIPTIONS.length);
    expect(fake.calls.some((call) => call.status === 401)).toBe(true);
    // The second refresh used the refresh token of the first (the fake refuses the older one).
    expect(fake.currentRefreshToken()).not.toBe(rotated);
    expect(running.adapter.channels()).toEqual([CHANNEL.login, OTHER_CHANNEL.login]);
    await running.adapter.partChannel('otherchan');
    expect(
      fake.subscriptions().filter((sub) => sub.condition.broadcaster_user_id === OTHER_CHANNEL.id),
    ).toEqual([]);
    expect(running.adapter.channels()).toEqual([CHANNEL.login]);
  });
});

describe('twitch eventsub leftover subscriptions', () => {
  it('drops a webhook delivery of a channel not joined (a subscription that outlived its part)', async () => {
    fake = await startFakeTwitchHelix({ users: FAKE_USERS });
    const secret = 'webhook-secret-0123';
    running = await startEventSub(
      fake,
      eventSubSettings(fake, {
        webhook: { callbackUrl: 'https://bot.example.com/webhooks/twitch/eventsub', secret },
      }),
    );
    const chatter = { id: '5001', login: 'viewer', name: 'Viewer' };
    for (const [channel, id] of [
      [OTHER_CHANNEL, 'left-1'],
      [CHANNEL, 'ours-1'],
    ] as const) {
      const request = twitchWebhookRequest(secret, 'notification', {
        subscription: { id: `sub-${id}`, type: 'channel.chat.message', version: '1', status: 'enabled' },
        event: chatMessageEvent(channel, chatter, id, '@chatgatebot hello?'),
      });
      expect((running.adapter as EventSubAdapter).receiveWebhook({ ...request, params: {} }).status).toBe(
        204,
      );
    }
    await waitFor(() => running?.host.events.some((event) => event.id === 'twitch:ours-1'));
    expect(running.host.events.map((event) => event.id)).toEqual(['twitch:ours-1']);
  });
});

describe('twitch eventsub stream events', () => {
  it('thanks a mass gift once: the gifts of its bundle are held back, a lone gift is not', async () => {
    const { fake, running } = await online();
    const gifter = { id: '55', login: 'gifter', name: 'Gifter' };
    const gift = (id: string, recipient: string, bundle: string | null) =>
      chatNotificationEvent(CHANNEL, gifter, id, 'sub_gift', {
        duration_months: 1,
        cumulative_total: null,
        recipient_user_id: recipient,
        recipient_user_name: `R${recipient}`,
        recipient_user_login: `r${recipient}`,
        sub_tier: '1000',
        community_gift_id: bundle,
      });
    fake.notify(
      'channel.chat.notification',
      chatNotificationEvent(CHANNEL, gifter, 'mass-1', 'community_sub_gift', {
        id: 'bundle-9',
        total: 2,
        sub_tier: '1000',
        cumulative_total: 10,
      }),
    );
    fake.notify('channel.chat.notification', gift('g-1', '1', 'bundle-9'));
    fake.notify('channel.chat.notification', gift('g-2', '2', 'bundle-9'));
    fake.notify('channel.chat.notification', gift('g-3', '3', null));
    await waitFor(() => running.host.events.some((event) => event.id === 'twitch:g-3'));
    expect(running.host.events.map((event) => [event.id, event.type])).toEqual([
      ['twitch:mass-1', 'submysterygift'],
      ['twitch:g-3', 'subgift'],
    ]);
  });
});
