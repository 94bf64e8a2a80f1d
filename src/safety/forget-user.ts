import type { CommunitySettings } from '../community/community-settings.js';
import type { ContextStore } from '../stores/context-store.js';

/**
 * Forgets what the bot remembers of users in one channel: each user's own conversation (the
 * worker's key `communityId|channelId|userId`, see `conversationKey`), and, in a community whose
 * context is shared by the channel (`contextScope: 'channel'`), the channel's whole context, since
 * the users' turns are mixed into it and cannot be taken out one by one.
 * @throws whatever the context store throws when it cannot be reached.
 */
export async function forgetUsers(
  context: ContextStore,
  community: Pick<CommunitySettings, 'contextScope'>,
  communityId: string,
  channelId: string,
  userIds: Iterable<string>,
): Promise<void> {
  const keys = new Set<string>();
  for (const id of userIds) keys.add(`${communityId}|${channelId}|${id}`);
  if (community.contextScope === 'channel') keys.add(`${communityId}|${channelId}|*`);
  await Promise.all([...keys].map((key) => context.clear(key)));
}
