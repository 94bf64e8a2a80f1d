/**
 * The broadcaster authorization's refusals, against the fake Twitch: no `TWITCH_REDIRECT_URL` (404
 * `not_configured`), no `CHATGATE_SECRET_KEY` (400 `secret_key_not_set`, before the broadcaster is
 * sent anywhere), an unknown channel (404), and a state past its 10 minutes (400 `invalid_state`).
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthorizationError,
  BroadcasterAuthorization,
  STATE_TTL_MS,
} from '../../../../adapters/twitch/eventsub/authorization.js';
import { HelixClient } from '../../../../adapters/twitch/eventsub/helix.js';
import { TwitchTokens } from '../../../../adapters/twitch/eventsub/tokens.js';
import { systemClock } from '../../../../src/core/adapter-kit/clock.js';
import { MemoryGrantStore, platformGrantsOf } from '../../../../src/stores/grant-store.js';
import { type FakeTwitchHelix, startFakeTwitchHelix } from '../../../fakes/fake-twitch-helix.js';
import { CHANNEL, FAKE_USERS } from './support.js';

describe('BroadcasterAuthorization refusals', () => {
  let twitch: FakeTwitchHelix;
  let now = Date.now();
  const flow = (options: { redirectUrl?: string; secretKey?: string; apiUrl?: string }) => {
    const credentials = {
      clientId: twitch.clientId,
      clientSecret: twitch.clientSecret,
      authUrl: twitch.authUrl,
    };
    const tokens = new TwitchTokens({ ...credentials, refreshToken: twitch.currentRefreshToken() });
    return new BroadcasterAuthorization({
      credentials,
      redirectUrl: options.redirectUrl,
      helix: new HelixClient({
        apiUrl: options.apiUrl ?? twitch.apiUrl,
        clientId: twitch.clientId,
        tokens,
        clock: systemClock,
      }),
      grants: platformGrantsOf(new MemoryGrantStore(options.secretKey), 'twitch'),
      now: () => now,
      granted: () => {},
    });
  };
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AuthorizationError);
    const { status, code, message } = error as AuthorizationError;
    return { status, code, message };
  };

  beforeAll(async () => {
    twitch = await startFakeTwitchHelix({ users: FAKE_USERS });
  });
  afterAll(async () => {
    await twitch?.close();
  });

  it('refuses to start without a redirect URL or a secret key, and for an unknown channel', async () => {
    expect(
      await refusal(flow({ secretKey: 'a-test-secret-of-32-characters!!' }).authorizeUrl(CHANNEL.login)),
    ).toMatchObject({
      status: 404,
      code: 'not_configured',
    });
    const keyless = await refusal(flow({ redirectUrl: 'https://x.example/cb' }).authorizeUrl(CHANNEL.login));
    expect(keyless).toMatchObject({ status: 400, code: 'secret_key_not_set' });
    expect(keyless.message).toContain('CHATGATE_SECRET_KEY');
    expect(
      await refusal(
        flow({ redirectUrl: 'https://x.example/cb' }).acceptRefreshToken(CHANNEL.login, 'whatever'),
      ),
    ).toMatchObject({ code: 'secret_key_not_set' });
    const ready = flow({
      redirectUrl: 'https://x.example/cb',
      secretKey: 'a-test-secret-of-32-characters!!',
    });
    expect(await refusal(ready.authorizeUrl('nosuchchannel'))).toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('answers 502 twitch_unreachable, not a crash, when Get Users cannot be reached', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const cut = flow({
      redirectUrl: 'https://x.example/cb',
      secretKey: 'a-test-secret-of-32-characters!!',
      apiUrl: `http://127.0.0.1:${port}/helix`,
    });
    const unreachable = await refusal(cut.authorizeUrl(CHANNEL.login));
    expect(unreachable).toMatchObject({ status: 502, code: 'twitch_unreachable' });
    expect(unreachable.message).not.toContain('127.0.0.1');
    expect(await refusal(cut.revoke(CHANNEL.login))).toMatchObject({ status: 502 });
  });

  it('refuses a state past its time', async () => {
    const ready = flow({
      redirectUrl: 'https://x.example/cb',
      secretKey: 'a-test-secret-of-32-characters!!',
    });
    const { state } = await ready.authorizeUrl(CHANNEL.login);
    now += STATE_TTL_MS + 1;
    const expired = await refusal(ready.complete({ code: 'c', state }));
    expect(expired).toMatchObject({ status: 400, code: 'invalid_state' });
    expect(expired.message).toContain('expired');
  });
});
