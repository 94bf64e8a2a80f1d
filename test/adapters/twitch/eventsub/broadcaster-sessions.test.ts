/**
 * BroadcasterSessions on its own: one session per broadcaster, also when `ensure` is called again
 * (or the broadcaster is stopped) while the grant is still being read.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BroadcasterSessions } from '../../../../adapters/twitch/eventsub/broadcaster-sessions.js';
import type { HelixClient } from '../../../../adapters/twitch/eventsub/helix.js';
import { systemClock } from '../../../../src/core/adapter-kit/clock.js';
import type { PlatformGrant, PlatformGrants } from '../../../../src/core/platform.js';

const BROADCASTER = { id: '1001', login: 'mychan', displayName: 'MyChan' };
const GRANT: PlatformGrant = {
  role: 'broadcaster',
  subjectId: BROADCASTER.id,
  scopes: ['bits:read'],
  refreshToken: 'refresh-1',
  updatedAt: 0,
};

/** A loopback HTTP server that refuses every WebSocket upgrade (404) and counts them: one per session. */
async function refusingServer(): Promise<{ url: string; upgrades(): number; close(): Promise<void> }> {
  let upgrades = 0;
  const server = createServer((_request, response) => {
    upgrades += 1;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/ws`,
    upgrades: () => upgrades,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('BroadcasterSessions', () => {
  let sessions: BroadcasterSessions | undefined;
  let server: Awaited<ReturnType<typeof refusingServer>> | undefined;
  afterEach(async () => {
    await sessions?.stopAll();
    sessions = undefined;
    await server?.close();
    server = undefined;
  });

  /** Sessions whose grant reads wait for `release`. */
  async function slowGrants(): Promise<{ sessions: BroadcasterSessions; release(): void }> {
    server = await refusingServer();
    const waiting: Array<() => void> = [];
    const grants = {
      writable: true,
      get: () => new Promise<PlatformGrant>((resolve) => waiting.push(() => resolve(GRANT))),
    } as unknown as PlatformGrants;
    const logger = pino({ level: 'silent' });
    sessions = new BroadcasterSessions({
      helix: {} as HelixClient,
      grants,
      credentials: { clientId: 'c', clientSecret: 's', authUrl: 'http://127.0.0.1:9/oauth2' },
      url: server.url,
      logger: () => logger,
      clock: systemClock,
      backoff: { initialMs: 60_000, maxMs: 60_000 },
      keepaliveMarginMs: 1_000,
      notification: () => {},
      revocation: () => {},
    });
    return {
      sessions,
      release: () => {
        for (const resolve of waiting.splice(0)) resolve();
      },
    };
  }

  it('opens one session when ensure is called twice while the grant is read', async () => {
    const { sessions, release } = await slowGrants();
    const first = sessions.ensure(BROADCASTER);
    const second = sessions.ensure(BROADCASTER);
    release();
    await Promise.all([first, second]);
    expect(sessions.count()).toBe(1);
    expect(server?.upgrades()).toBe(1);
  });

  it('opens none when the broadcaster is stopped while the grant is read', async () => {
    const { sessions, release } = await slowGrants();
    const ensuring = sessions.ensure(BROADCASTER);
    await sessions.stop(BROADCASTER.id);
    release();
    await ensuring;
    expect(sessions.count()).toBe(0);
    expect(server?.upgrades()).toBe(0);
  });
});
