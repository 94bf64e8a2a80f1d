import type { Logger } from 'pino';
import type { PlatformGrants } from '../../../src/core/platform.js';
import type { RefreshTokenKeeper } from './tokens.js';

/**
 * The bot's refresh token in the grant store (role `bot`): the newest survives a restart. A store
 * that cannot be read or written is logged; the token in memory goes on working.
 */
export function botTokenKeeper(
  grants: PlatformGrants,
  botUserId: string,
  logger: () => Logger | undefined,
): RefreshTokenKeeper {
  return {
    load: async () => {
      try {
        return (await grants.get('bot', botUserId))?.refreshToken;
      } catch (error: unknown) {
        logger()?.warn(
          { err: String(error) },
          'twitch: the stored bot refresh token cannot be read; using TWITCH_REFRESH_TOKEN',
        );
        return undefined;
      }
    },
    save: async (refreshToken, scopes) => {
      try {
        await grants.put({ role: 'bot', subjectId: botUserId, scopes, refreshToken });
      } catch (error: unknown) {
        logger()?.warn(
          { err: String(error) },
          'twitch: the newest bot refresh token is not stored; kept in memory',
        );
      }
    },
  };
}
