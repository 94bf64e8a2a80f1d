import type { CommunitySettings } from '../community/community-settings.js';
import type { ChatEvent } from '../core/chat-event.js';
import type { Logger } from '../observability/logger.js';
import { listed } from '../safety/permissions.js';
import { type ChatterLine, type ChatterStore, chatterEnabled, chatterKey } from '../stores/chatter-store.js';

/**
 * The background of an answer to `event`: its channel's recent unaddressed chatter within the
 * community's `backgroundContext` window (oldest first), without the asker's own message and
 * without users blocked since they spoke (`permissions.blockUsers`, by id or login). [] when the
 * window is off (`messages` or `maxAgeMs` 0) or the store fails: the answer goes on without it
 * (logged), since background is a nicety and the failover store already covers a Redis outage.
 * Never throws.
 */
export async function backgroundLines(
  store: Pick<ChatterStore, 'recent'>,
  event: ChatEvent,
  community: Pick<CommunitySettings, 'backgroundContext' | 'permissions'>,
  logger: Logger,
): Promise<ChatterLine[]> {
  const window = community.backgroundContext;
  if (!chatterEnabled(window) || event.isDirect) return [];
  let lines: ChatterLine[];
  try {
    lines = await store.recent(chatterKey(event.communityId, event.channelId), window);
  } catch (error) {
    logger.warn({ err: error, action: 'background_context' }, 'channel chatter unavailable');
    return [];
  }
  const blocked = community.permissions.blockUsers;
  return lines.filter(
    (line) => line.id !== event.id && !listed(blocked, { id: line.userId, login: line.login ?? '' }),
  );
}
