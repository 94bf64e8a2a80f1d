/**
 * Broadcaster grants over the EventSub WebSocket, end to end (issue 16, "whose token"): chatgate
 * built from the environment (`TWITCH_REDIRECT_URL`, `CHATGATE_SECRET_KEY`, `CHATGATE_ADMIN_KEY`)
 * against the fake Twitch:
 * - without a grant, the channel's redemptions, cheers and follows are skipped with one log line
 *   naming the grant and the scopes, and chat is answered;
 * - the authorization code flow: the admin route answers Twitch's authorize URL with a signed
 *   state; the broadcaster consents at the fake; Twitch's redirect to the open callback stores the
 *   grant (a state is good once; a declined consent, another user and a forged state are 400);
 * - then the broadcaster's own session subscribes with their token; a configured redemption is
 *   answered with the viewer's input as the question, another reward is not; a follow and a cheer
 *   show in `GET /api/v1/ai/interactions`;
 * - no token the fake ever issued shows in any answer or log line;
 * - a restart on the same stores goes on from the bot's and the broadcaster's newest refresh
 *   tokens (the first ones were used up by the fake's rotation); a forgotten grant ends the
 *   broadcaster's session.
 */
import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../src/config/load.js';
import type { Config } from '../../../../src/config/schema.js';
import { memoryStores, type StoreSet } from '../../../../src/stores/store-set.js';
import { type FakeServer, startFakeOllama } from '../../../fakes/fake-ollama.js';
import { type FakeTwitchHelix, startFakeTwitchHelix } from '../../../fakes/fake-twitch-helix.js';
import {
  chatMessageEvent,
  cheerEvent,
  followEvent,
  redemptionEvent,
} from '../../../fakes/twitch-eventsub-payloads.js';
import { type Pipeline, startPipeline } from '../../../support/pipeline.js';
import { waitFor } from '../../../support/wait-for.js';
import { BOT_SUBSCRIPTIONS, CHANNEL, eventSubEnv, FAKE_USERS } from './support.js';

const ADMIN = 'admin-key-for-grants';
const REDIRECT = 'https://bot.example.com/api/v1/platforms/twitch/oauth/callback';
const COMMUNITY = `twitch:channel:${CHANNEL.id}`;
const CHANNEL_TYPES = [
  'channel.channel_points_custom_reward_redemption.add',
  'channel.cheer',
  'channel.follow',
];

describe('Twitch broadcaster grants over the EventSub WebSocket', () => {
  let twitch: FakeTwitchHelix;
  let ollama: FakeServer;
  let pipeline: Pipeline;
  let config: Config;
  let stores: StoreSet;
  const logs: string[] = [];
  const answers: string[] = [];
  const admin = { authorization: `Bearer ${ADMIN}` };

  beforeAll(async () => {
    ollama = await startFakeOllama();
    let count = 0;
    ollama.behave({ reply: () => `Here is my answer (${++count})` });
    twitch = await startFakeTwitchHelix({ users: FAKE_USERS });
    config = loadConfig({
      env: {
        ...eventSubEnv(twitch),
        TWITCH_REDIRECT_URL: REDIRECT,
        CHATGATE_SECRET_KEY: 'a-test-secret-of-32-characters!!',
        CHATGATE_ADMIN_KEY: ADMIN,
      },
      overrides: {
        log: { level: 'silent' },
        ai: { ollama: { host: ollama.url }, retry: { initialDelayMs: 1, maxDelayMs: 5 } },
      },
    });
    stores = memoryStores(config);
    pipeline = await startWithLogs(config, stores, logs);
    await waitFor(
      () => twitch.subscriptions().length === BOT_SUBSCRIPTIONS.length,
      10_000,
      'the subscriptions',
    );
  }, 60_000);
  afterAll(async () => {
    await pipeline?.close();
    await twitch?.close();
    await ollama?.close();
  });

  const inject = async (options: InjectOptions) => {
    const answer = await pipeline.app.inject(options);
    answers.push(answer.body);
    return answer;
  };
  /** Follows the fake's consent redirect into chatgate's callback. */
  const consent = async (authorizeUrl: string) => {
    const redirect = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    const back = new URL(redirect.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    return inject({ method: 'GET', url: `${back.pathname}${back.search}` });
  };
  const authorizeUrl = async () => {
    const answer = await inject({
      method: 'GET',
      url: `/api/v1/platforms/twitch/grants/${CHANNEL.login}/authorize`,
      headers: admin,
    });
    expect(answer.statusCode).toBe(200);
    return answer.json() as { url: string; state: string; scopes: string[]; expires_in: number };
  };
  const viewer = { id: '5001', login: 'viewer', name: 'Viewer' };

  it('without a grant: one line names the grant and its scopes; chat is answered', async () => {
    const missing = await waitFor(() => {
      const lines = logs.filter((line) => line.includes('has no broadcaster grant'));
      return lines.length > 0 ? lines : undefined;
    }, 10_000);
    expect(missing).toHaveLength(1);
    const line = JSON.parse(missing[0] ?? '{}');
    expect(line).toMatchObject({ level: 40, channel: CHANNEL.login, grant: 'broadcaster' });
    expect(line.missing).toEqual(['channel:read:redemptions', 'bits:read', 'moderator:read:followers']);
    expect(line.msg).toContain('channel.cheer (bits:read)');
    expect(twitch.subscriptions().some((sub) => CHANNEL_TYPES.includes(sub.type))).toBe(false);

    twitch.notify('channel.chat.message', chatMessageEvent(CHANNEL, viewer, 'g1', '@chatgatebot hello?'));
    await waitFor(() => twitch.chatMessages.find((m) => m.replyParentMessageId === 'g1'), 10_000);
    // A reconnect of the bot's session does not repeat the line.
    await twitch.reconnect();
    twitch.notify(
      'channel.chat.message',
      chatMessageEvent(CHANNEL, { ...viewer, id: '5009' }, 'g2', '@chatgatebot again?'),
    );
    await waitFor(() => twitch.chatMessages.find((m) => m.replyParentMessageId === 'g2'), 10_000);
    expect(logs.filter((l) => l.includes('has no broadcaster grant'))).toHaveLength(1);
  }, 40_000);

  it('answers an authorize URL to the admin only, with a signed state, and refuses what is not a consent', async () => {
    const open = await inject({
      method: 'GET',
      url: `/api/v1/platforms/twitch/grants/${CHANNEL.login}/authorize`,
    });
    expect(open.statusCode).toBe(401);
    const { url, state, scopes, expires_in } = await authorizeUrl();
    const asked = new URL(url);
    expect(`${asked.origin}${asked.pathname}`).toBe(`${twitch.authUrl}/authorize`);
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: twitch.clientId,
      redirect_uri: REDIRECT,
      state,
    });
    expect(asked.searchParams.get('scope')?.split(' ')).toEqual(scopes);
    expect(scopes).toEqual(
      expect.arrayContaining(['channel:read:redemptions', 'bits:read', 'moderator:read:followers']),
    );
    expect(expires_in).toBe(600);

    // Declined at Twitch.
    twitch.consentAs(undefined);
    const declined = await consent(url);
    expect(declined.statusCode).toBe(400);
    expect(declined.json().error_code).toBe('authorization_denied');
    // Another user consents on the channel's URL.
    twitch.consentAs('otherchan');
    const wrong = await consent((await authorizeUrl()).url);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json()).toMatchObject({ error_code: 'wrong_user' });
    // A forged or missing state.
    const forged = await inject({
      method: 'GET',
      url: `/api/v1/platforms/twitch/oauth/callback?code=abc&state=${encodeURIComponent(`${state.split('.')[0]}.AAAA`)}`,
    });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error_code).toBe('invalid_state');
    const stateless = await inject({
      method: 'GET',
      url: '/api/v1/platforms/twitch/oauth/callback?code=abc',
    });
    expect(stateless.statusCode).toBe(400);
    expect(stateless.json().detail).toContain('state');
    expect(twitch.grantedScopes(CHANNEL.login)).toBeUndefined();
  });

  it('stores the grant from the callback, then subscribes the channel events on the broadcaster session', async () => {
    twitch.consentAs(CHANNEL.login);
    const { url } = await authorizeUrl();
    const done = await consent(url);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ authorized: true, channel: CHANNEL.login, user_id: CHANNEL.id });
    // The state was good once.
    const again = await inject({
      method: 'GET',
      url: `/api/v1/platforms/twitch/oauth/callback?code=x&state=${encodeURIComponent(new URL(url).searchParams.get('state') ?? '')}`,
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().detail).toContain('used already');

    const mine = await waitFor(() => {
      const subs = twitch.subscriptions().filter((sub) => sub.userId === CHANNEL.id);
      return subs.length === CHANNEL_TYPES.length ? subs : undefined;
    }, 10_000);
    expect(mine.map((sub) => sub.type).sort()).toEqual(CHANNEL_TYPES);
    expect(mine.find((sub) => sub.type === 'channel.follow')).toMatchObject({
      version: '2',
      condition: { broadcaster_user_id: CHANNEL.id, moderator_user_id: CHANNEL.id },
    });
    const botSessions = new Set(
      twitch
        .subscriptions()
        .filter((sub) => sub.userId === twitch.bot.id)
        .map((sub) => sub.sessionId),
    );
    expect(botSessions.has(mine[0]?.sessionId ?? '')).toBe(false);

    const listed = await inject({ method: 'GET', url: '/api/v1/platforms/twitch/grants', headers: admin });
    expect(listed.json().grants).toEqual([
      {
        channel: CHANNEL.login,
        user_id: CHANNEL.id,
        scopes: expect.arrayContaining(['bits:read']),
        updated_at: expect.any(String),
      },
    ]);
  }, 30_000);

  it('answers a configured redemption with the input as the question; follows and cheers are logged', async () => {
    const patched = await inject({
      method: 'PATCH',
      url: `/api/v1/communities/${COMMUNITY}/config`,
      headers: admin,
      payload: { triggers: { redemption: { reward_titles: ['Ask the AI'] } } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().triggers.redemption.reward_titles).toEqual(['Ask the AI']);

    const before = twitch.chatMessages.length;
    const reward = { id: 'reward-ask', title: 'Ask the AI' };
    twitch.notify(
      'channel.channel_points_custom_reward_redemption.add',
      redemptionEvent(CHANNEL, viewer, 'red-1', reward, 'why is the sky blue'),
    );
    twitch.notify(
      'channel.channel_points_custom_reward_redemption.add',
      redemptionEvent(
        CHANNEL,
        { ...viewer, id: '5002' },
        'red-2',
        { id: 'reward-h2o', title: 'Hydrate' },
        'drink up',
      ),
    );
    twitch.notify('channel.follow', followEvent(CHANNEL, { id: '5003', login: 'newfan' }), {
      messageId: 'follow-1',
    });
    twitch.notify(
      'channel.cheer',
      cheerEvent(CHANNEL, { id: '5004', login: 'cheerer' }, 300, 'Cheer300 love it'),
      {
        messageId: 'cheer-1',
      },
    );
    const outcome = await waitFor(async () => {
      const listed = (
        await pipeline.app.inject({
          method: 'GET',
          url: '/api/v1/ai/interactions?platform=twitch',
          headers: admin,
        })
      ).json();
      const by = Object.fromEntries(
        listed.interactions.map(
          (item: {
            event: { id: string };
            status: string;
            reason: string | null;
            trigger: string | null;
          }) => [item.event.id, `${item.reason ?? item.status}:${item.trigger}`],
        ),
      );
      return [
        'twitch:redemption:red-1',
        'twitch:redemption:red-2',
        'twitch:follow-1',
        'twitch:cheer-1',
      ].every((id) => by[id] && !String(by[id]).startsWith('queued') && !String(by[id]).startsWith('running'))
        ? by
        : undefined;
    }, 15_000);
    expect(outcome).toMatchObject({
      'twitch:redemption:red-1': 'done:redemption',
      'twitch:follow-1': 'done:follow',
      'twitch:cheer-1': 'done:cheer',
    });
    expect(outcome['twitch:redemption:red-2']).toMatch(/^no_trigger/);
    // Sent one by one within Twitch's per-channel pace.
    const replies = await waitFor(() => {
      const now = twitch.chatMessages.slice(before);
      return now.length >= 3 ? now : undefined;
    }, 15_000);
    expect(replies).toHaveLength(3);
    expect(replies.every((m) => m.broadcasterId === CHANNEL.id && m.replyParentMessageId === undefined)).toBe(
      true,
    );
    // The viewer's input was the question the model saw.
    expect(JSON.stringify(ollama.calls)).toContain('why is the sky blue');
    expect(JSON.stringify(ollama.calls)).not.toContain('drink up');
  }, 30_000);

  it('never shows a token in an answer or a log line, and a restart goes on from the newest refresh token', async () => {
    const status = await inject({ method: 'GET', url: '/api/v1/ai/status', headers: admin });
    expect(status.statusCode).toBe(200);
    const secrets = twitch.issuedSecrets();
    expect(secrets.length).toBeGreaterThan(5);
    const seen = [...answers, ...logs].join('\n');
    for (const secret of secrets) expect(seen).not.toContain(secret);
    expect(seen).not.toContain(twitch.refreshToken);

    // The configured refresh token is used up (the fake rotated it); the stored newest one works.
    await pipeline.close();
    const again = await startWithLogs(config, stores, logs);
    pipeline = again;
    await waitFor(
      () => (again.platforms.adapters[0]?.state().status === 'online' ? true : undefined),
      10_000,
      'the restarted adapter online',
    );
    const broadcasterSubs = await waitFor(() => {
      const subs = twitch.subscriptions().filter((sub) => sub.userId === CHANNEL.id);
      return subs.length === CHANNEL_TYPES.length ? subs : undefined;
    }, 10_000);
    expect(broadcasterSubs).toHaveLength(3);

    // Forgotten: its session ends (and its subscriptions with it).
    const removed = await again.app.inject({
      method: 'DELETE',
      url: `/api/v1/platforms/twitch/grants/${CHANNEL.login}`,
      headers: admin,
    });
    expect(removed.statusCode).toBe(204);
    await waitFor(
      () => twitch.subscriptions().every((sub) => sub.userId !== CHANNEL.id),
      10_000,
      'the broadcaster session closed',
    );
    const listed = await again.app.inject({
      method: 'GET',
      url: '/api/v1/platforms/twitch/grants',
      headers: admin,
    });
    expect(listed.json().grants).toEqual([]);
    const twice = await again.app.inject({
      method: 'DELETE',
      url: `/api/v1/platforms/twitch/grants/${CHANNEL.login}`,
      headers: admin,
    });
    expect(twice.statusCode).toBe(404);
  }, 40_000);
});

async function startWithLogs(config: Config, stores: StoreSet, logs: string[]): Promise<Pipeline> {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') logs.push(line);
      done();
    },
  });
  return startPipeline(config, stores, { logger: pino({ level: 'debug' }, sink) });
}
