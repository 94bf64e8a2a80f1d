/**
 * The EventSub variables (names as issue 16 fixes them): bound, secrets as secrets, the URLs'
 * defaults, `TWITCH_TRANSPORT` checked, and the transport chosen as documented (`eventsub` when
 * `TWITCH_CLIENT_ID` is set, else `irc`; an explicit value wins). The descriptor builds no adapter
 * when the chosen transport's credentials are incomplete.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { twitchPlatform, twitchTransport } from '../../../../adapters/twitch/index.js';
import { ENV_BINDINGS } from '../../../../src/config/env.js';
import { loadConfig } from '../../../../src/config/load.js';

describe('the Twitch EventSub configuration', () => {
  it('binds every variable, the client secret and refresh token as secrets', () => {
    const bound = new Map(
      ENV_BINDINGS.map(([name, key, , secret]) => [name, { key, secret: secret === true }]),
    );
    expect(Object.fromEntries([...bound].filter(([name]) => name.startsWith('TWITCH_')))).toMatchObject({
      TWITCH_TRANSPORT: { key: 'platforms.twitch.transport', secret: false },
      TWITCH_CLIENT_ID: { key: 'platforms.twitch.clientId', secret: false },
      TWITCH_CLIENT_SECRET: { key: 'platforms.twitch.clientSecret', secret: true },
      TWITCH_BOT_USER_ID: { key: 'platforms.twitch.botUserId', secret: false },
      TWITCH_REFRESH_TOKEN: { key: 'platforms.twitch.refreshToken', secret: true },
      TWITCH_CHANNELS: { key: 'platforms.twitch.channels', secret: false },
      TWITCH_API_URL: { key: 'platforms.twitch.apiUrl', secret: false },
      TWITCH_AUTH_URL: { key: 'platforms.twitch.authUrl', secret: false },
      TWITCH_EVENTSUB_WS_URL: { key: 'platforms.twitch.eventsubWsUrl', secret: false },
      TWITCH_EVENTSUB_CALLBACK_URL: { key: 'platforms.twitch.eventsubCallbackUrl', secret: false },
      TWITCH_EVENTSUB_SECRET: { key: 'platforms.twitch.eventsubSecret', secret: true },
    });
  });

  it("defaults the URLs to Twitch's own", () => {
    expect(loadConfig({ env: {} }).platforms.twitch).toMatchObject({
      apiUrl: 'https://api.twitch.tv/helix',
      authUrl: 'https://id.twitch.tv/oauth2',
      eventsubWsUrl: 'wss://eventsub.wss.twitch.tv/ws',
    });
  });

  it('refuses a transport other than irc or eventsub, naming the variable', () => {
    expect(() => loadConfig({ env: { TWITCH_TRANSPORT: 'pubsub' } })).toThrow(/TWITCH_TRANSPORT/);
  });

  it('refuses a webhook secret Twitch would refuse (under 10 characters, or not printable ASCII), without showing it', () => {
    for (const secret of ['short', 'has a space in it']) {
      let message = '';
      try {
        loadConfig({ env: { TWITCH_EVENTSUB_SECRET: secret } });
      } catch (error) {
        message = String(error);
      }
      expect(message).toMatch(/TWITCH_EVENTSUB_SECRET/);
      expect(message).not.toContain(secret);
    }
  });

  it('picks eventsub when a client id is set, irc otherwise, and an explicit transport wins', () => {
    const transportOf = (env: Record<string, string>) =>
      twitchTransport(loadConfig({ env }).platforms.twitch);
    expect(transportOf({})).toBe('irc');
    expect(transportOf({ TWITCH_CLIENT_ID: 'abc' })).toBe('eventsub');
    expect(transportOf({ TWITCH_CLIENT_ID: 'abc', TWITCH_TRANSPORT: 'irc' })).toBe('irc');
    expect(transportOf({ TWITCH_TRANSPORT: 'eventsub' })).toBe('eventsub');
  });

  it('builds no adapter when the chosen transport lacks credentials', async () => {
    const ports = {
      logger: pino({ level: 'silent' }),
      channels: { list: async () => [], add: async () => {}, remove: async () => {} },
      rateLimited: () => {},
    };
    const partial = loadConfig({ env: { TWITCH_CLIENT_ID: 'abc', TWITCH_CLIENT_SECRET: 'secret' } }).platforms
      .twitch;
    expect(await twitchPlatform.create(partial, ports)).toBeUndefined();
    const complete = loadConfig({
      env: {
        TWITCH_CLIENT_ID: 'abc',
        TWITCH_CLIENT_SECRET: 'secret',
        TWITCH_BOT_USER_ID: '1',
        TWITCH_REFRESH_TOKEN: 'refresh',
        TWITCH_CHANNELS: 'mychan',
      },
    }).platforms.twitch;
    const adapter = await twitchPlatform.create(complete, ports);
    expect(adapter?.channels()).toEqual(['mychan']);
    expect(adapter?.state().status).toBe('offline');
  });
});
