/**
 * `POST|DELETE /api/v1/platforms/twitch/channels/:login` (admin): join or leave a channel at run
 * time; answers `{ channels }`, or 404 when no Twitch adapter is configured. Channels added here
 * are remembered and joined again after a restart, besides `TWITCH_CHANNELS`.
 */
import Type from 'typebox';
import type { PlatformPorts, PlatformRoute } from '../../src/core/platform.js';
import type { TwitchAdapter } from './adapter.js';

// Twitch logins: letters, digits and underscores, up to 25 chars (https://dev.twitch.tv/docs/irc/join-chat-room/).
const Params = Type.Object({ login: Type.String({ pattern: '^[A-Za-z0-9_]{1,25}$' }) });
const URL = '/api/v1/platforms/twitch/channels/:login';
const Channels = Type.Object(
  { channels: Type.Array(Type.String(), { description: 'The channels joined now, by login.' }) },
  { description: 'Done.' },
);

/** The join (POST) and part (DELETE) routes over `adapter` (undefined: not configured, 404). */
export function twitchChannelRoutes(
  adapter: TwitchAdapter | undefined,
  ports: PlatformPorts,
): PlatformRoute[] {
  const change = (method: 'POST' | 'DELETE'): PlatformRoute => ({
    method,
    url: URL,
    access: 'admin',
    params: Params,
    docs: {
      summary:
        method === 'POST' ? 'Join a Twitch channel (remembered across restarts)' : 'Leave a Twitch channel',
      answers: { 200: Channels },
      failures: {
        400: 'Not a Twitch login.',
        401: 'Missing or unknown Bearer key.',
        403: 'Not the admin key.',
        404: 'No Twitch adapter is configured.',
      },
    },
    async handle(request) {
      if (!adapter) {
        return {
          status: 404,
          error: { code: 'not_configured', detail: 'the Twitch adapter is not configured' },
        };
      }
      const login = (request.params.login ?? '').toLowerCase();
      if (method === 'POST') {
        await adapter.joinChannel(login);
        await ports.channels.add(login);
      } else {
        await adapter.partChannel(login);
        await ports.channels.remove(login);
      }
      return { status: 200, body: { channels: adapter.channels() } };
    },
  });
  return [change('POST'), change('DELETE')];
}
