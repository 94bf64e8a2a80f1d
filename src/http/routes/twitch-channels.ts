import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Services } from '../../services.js';
import { sendError } from '../errors.js';

/** What the Twitch adapter offers for run-time channels; declared by shape so HTTP never imports it. */
export interface TwitchChannelControl {
  joinChannel(login: string): Promise<void>;
  partChannel(login: string): Promise<void>;
  channels(): string[];
}

// Twitch logins: letters, digits and underscores, up to 25 chars (https://dev.twitch.tv/docs/irc/join-chat-room/).
const Login = Type.String({ pattern: '^[A-Za-z0-9_]{1,25}$' });

/**
 * `POST|DELETE /api/v1/platforms/twitch/channels/:login` (admin): join or leave a channel at run
 * time; answers `{ channels }`. 404 when no Twitch adapter is configured. Channels added here are
 * remembered in the store and joined again after a restart, besides `TWITCH_CHANNELS`.
 */
export const twitchChannelRoutes = (
  services: Services,
  twitch: TwitchChannelControl | undefined,
): FastifyPluginAsync =>
  async function twitchChannels(plain) {
    const app = plain.withTypeProvider<TypeBoxTypeProvider>();
    const schema = { params: Type.Object({ login: Login }) };
    const path = '/api/v1/platforms/twitch/channels/:login';

    for (const [method, change, remember] of [
      ['POST', 'joinChannel', 'add'],
      ['DELETE', 'partChannel', 'remove'],
    ] as const) {
      app.route({
        method,
        url: path,
        schema,
        handler: async (request, reply) => {
          if (!twitch)
            return sendError(request, reply, 404, 'not_configured', 'the Twitch adapter is not configured');
          const login = request.params.login.toLowerCase();
          await twitch[change](login);
          await services.channels[remember]('twitch', login);
          return { channels: twitch.channels() };
        },
      });
    }
  };
